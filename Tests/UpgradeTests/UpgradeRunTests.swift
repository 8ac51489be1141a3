import Foundation
import MapperTesting
import MetadataModel
import Pipeline
import RigMapperCore
import Testing
import Upgrade

private func fixture(_ name: String) throws -> URL {
    try #require(Bundle.module.url(forResource: "Fixtures/aind-2.9.2", withExtension: nil)).appendingPathComponent(name)
}

@Suite struct UpgradeRunTests {
    private func copy(_ names: [String], into folder: URL, as renamed: [String]? = nil) throws {
        for (i, name) in names.enumerated() {
            try FileManager.default.copyItem(at: try fixture(name), to: folder.appendingPathComponent(renamed?[i] ?? name))
        }
    }

    @Test func aFolderIsWalkedAndEachDocumentWrittenUnderItsNameWithTheReport() throws {
        let root = try makeTemporaryFolder("upgrade-run")
        let input = root.appendingPathComponent("old/sub")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        // Folders are walked for acquisition*.json and instrument*.json only.
        try copy(["exaspim_instrument.json", "fip_ophys_acquisition.json", "ephys_instrument.json"], into: input, as: ["instrument_exaspim.json", "acquisition_fip.json", "ephys_instrument.json"])
        try Data("{}".utf8).write(to: input.appendingPathComponent("notes.json"))
        let before = try Data(contentsOf: input.appendingPathComponent("instrument_exaspim.json"))
        let output = root.appendingPathComponent("new")
        let report = Pipeline.upgrade(Pipeline.UpgradeRequest(inputs: [root.appendingPathComponent("old").path], output: output, outputDisplay: "new", settings: UpgradeSettings(), jobs: 2))
        // fip_ophys_acquisition.json has a Code entry without version or commit_hash: refused, the instrument written.
        #expect(report.exitCode == 1)
        #expect(report.documents.map { $0.file.split(separator: "/").last.map(String.init) } == ["acquisition_fip.json", "instrument_exaspim.json"])
        #expect(report.documents.map(\.outcome.status) == [.refused, .upgraded])
        let names = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
        #expect(names == ["instrument_exaspim.json", "upgrade_report.json"])
        let written = try JSONDocument.read(output.appendingPathComponent("upgrade_report.json"))
        #expect(written["documents"]?[0]?["status"] == "refused")
        #expect(written["documents"]?[0]?["diagnostics"]?[0]?["path"] == "stimulus_epochs[0].code.version")
        #expect(written["documents"]?[1]?["changes"]?.arrayValue?.isEmpty == false)
        #expect(try Data(contentsOf: input.appendingPathComponent("instrument_exaspim.json")) == before)
        let bytes = try Data(contentsOf: output.appendingPathComponent("instrument_exaspim.json"))
        #expect(try JSONDocument.read(output.appendingPathComponent("instrument_exaspim.json"))["schema_version"] == "3.0.2")
        // The same run again: the same bytes.
        let again = root.appendingPathComponent("again")
        _ = Pipeline.upgrade(Pipeline.UpgradeRequest(inputs: [root.appendingPathComponent("old").path], output: again, outputDisplay: "again", settings: UpgradeSettings(), jobs: 1))
        #expect(try Data(contentsOf: again.appendingPathComponent("instrument_exaspim.json")) == bytes)
    }

    @Test func settingsUpgradeWhatWasRefusedAndExitZero() throws {
        let root = try makeTemporaryFolder("upgrade-run-settings")
        try copy(["fip_ophys_acquisition.json"], into: root)
        var settings = UpgradeSettings()
        try settings.set("code.version=1.0.0")
        let output = root.appendingPathComponent("out")
        let report = Pipeline.upgrade(Pipeline.UpgradeRequest(inputs: [root.appendingPathComponent("fip_ophys_acquisition.json").path], output: output, outputDisplay: "out", settings: settings))
        #expect(report.exitCode == 0)
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("fip_ophys_acquisition.json").path))
    }

    @Test func anUnreadableInputWritesNothingAndExitsTwo() throws {
        let root = try makeTemporaryFolder("upgrade-run-bad")
        try copy(["exaspim_instrument.json"], into: root, as: ["instrument.json"])
        try Data("{\"object_type\": \"Instrument\",".utf8).write(to: root.appendingPathComponent("instrument_broken.json"))
        let output = root.appendingPathComponent("out")
        let report = Pipeline.upgrade(Pipeline.UpgradeRequest(inputs: [root.path], output: output, outputDisplay: "out", settings: UpgradeSettings()))
        #expect(report.exitCode == 2)
        let broken = try #require(report.documents.first { $0.file.hasSuffix("instrument_broken.json") })
        #expect(broken.outcome.diagnostics.first?.location?.line == 1)
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func theOutputFolderMayNotHoldAnInputNorTwoInputsShareAName() throws {
        let root = try makeTemporaryFolder("upgrade-run-clash")
        try copy(["exaspim_instrument.json"], into: root)
        let same = Pipeline.upgrade(Pipeline.UpgradeRequest(inputs: [root.appendingPathComponent("exaspim_instrument.json").path], output: root, outputDisplay: "root", settings: UpgradeSettings()))
        #expect(same.exitCode == 2)
        #expect(same.diagnostics.first?.message.contains("output folder holds this input") == true)
        let other = root.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try copy(["exaspim_instrument.json"], into: other)
        let clash = Pipeline.upgrade(
            Pipeline.UpgradeRequest(
                inputs: [root.appendingPathComponent("exaspim_instrument.json").path, other.appendingPathComponent("exaspim_instrument.json").path],
                output: root.appendingPathComponent("out"), outputDisplay: "out", settings: UpgradeSettings()))
        #expect(clash.exitCode == 2)
        #expect(clash.diagnostics.first?.message.contains("two inputs are named exaspim_instrument.json") == true)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out").path))
        let missing = Pipeline.upgrade(Pipeline.UpgradeRequest(inputs: [root.appendingPathComponent("nope.json").path], output: root.appendingPathComponent("out"), outputDisplay: "out", settings: UpgradeSettings()))
        #expect(missing.exitCode == 2)
    }
}
