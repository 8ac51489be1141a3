import Foundation
import MetadataModel
import RigMapperCore
import Testing

@Suite struct UpgradeCLITests {
    private let instrument = cliFixtures.appendingPathComponent("gather/fip-session/instrument_fip.json")

    @Test func upgradesAFileAndWritesTheReport() throws {
        let out = temporaryFolder()
        let result = try rigmap(["upgrade", instrument.path, "--to", "biodata-schema@3.0.0", "--output", out.path, "--jobs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("instrument_fip.json: upgraded"))
        #expect(try JSONDocument.read(out.appendingPathComponent("instrument_fip.json"))["schema_version"] == "3.0.2")
        let report = try JSONDocument.read(out.appendingPathComponent("upgrade_report.json"))
        #expect(report["documents"]?[0]?["status"] == "upgraded")
        #expect(report["documents"]?[0]?["file"] == .string(instrument.path))
    }

    @Test func aRefusedDocumentExitsOneAndTheOthersAreWritten() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: instrument, to: folder.appendingPathComponent("instrument_fip.json"))
        try Data(#"{"object_type": "Acquisition", "schema_version": "1.0.0"}"#.utf8).write(to: folder.appendingPathComponent("acquisition_old.json"))
        let out = temporaryFolder()
        let result = try rigmap(["upgrade", folder.path, "--to", "biodata-schema@3.0.0", "--output", out.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("acquisition_old.json: schema_version: error: schema_version \"1.0.0\""))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("instrument_fip.json").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("acquisition_old.json").path))
    }

    @Test func usageErrorsExitTwoAndWriteNothing() throws {
        let out = temporaryFolder()
        let wrongRelease = try rigmap(["upgrade", instrument.path, "--to", "aind-data-schema@2.9.2", "--output", out.path])
        #expect(wrongRelease.status == 2)
        #expect(wrongRelease.stderr.contains("--to must be biodata-schema@3.0.0"))
        let badSetting = try rigmap(["upgrade", instrument.path, "--to", "biodata-schema@3.0.0", "--output", out.path, "--set", "code.colour=red"])
        #expect(badSetting.status == 2)
        #expect(badSetting.stderr.contains("unknown upgrade setting 'code.colour'"))
        let broken = temporaryFolder()
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("{\n  \"object_type\": ".utf8).write(to: broken.appendingPathComponent("instrument.json"))
        let unreadable = try rigmap(["upgrade", broken.appendingPathComponent("instrument.json").path, "--to", "biodata-schema@3.0.0", "--output", out.path])
        #expect(unreadable.status == 2)
        #expect(unreadable.stderr.contains("instrument.json:2:"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func settingsComeFromAFile() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let settings = folder.appendingPathComponent("upgrade.yaml")
        try "upgrade:\n  code:\n    version: 1.0\n".write(to: settings, atomically: true, encoding: .utf8)
        let out = temporaryFolder()
        let result = try rigmap(["upgrade", instrument.path, "--to", "biodata-schema@3.0.0", "--output", out.path, "--settings", settings.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"status\": \"upgraded\""))
        let wrong = folder.appendingPathComponent("wrong.yaml")
        try "code: [1]\n".write(to: wrong, atomically: true, encoding: .utf8)
        let refused = try rigmap(["upgrade", instrument.path, "--to", "biodata-schema@3.0.0", "--output", out.path, "--settings", wrong.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("upgrade section 'code' must be a mapping"))
    }

    @Test func batchWritesTheJobsRelease() throws {
        let root = temporaryFolder()
        let sessions = root.appendingPathComponent("sessions")
        try FileManager.default.createDirectory(at: sessions, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Examples/vr-foraging-session"), to: sessions.appendingPathComponent("s1"))
        let job = root.appendingPathComponent("job.yaml")
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Examples/vr-foraging-session/job.yaml"), encoding: .utf8)
        try (text + "schema: biodata-schema@3.0.0\n").write(to: job, atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("out")
        let result = try rigmap(["batch", sessions.path, "--job", job.path, "--output", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONDocument.read(out.appendingPathComponent("s1/acquisition.json"))["schema_version"] == "3.0.0")
        #expect(try JSONDocument.read(out.appendingPathComponent("s1/instrument.json"))["schema_version"] == "3.0.2")
        let lock = try String(contentsOf: out.appendingPathComponent("s1/rigmap.lock"), encoding: .utf8)
        #expect(lock.contains("schema: \"biodata-schema@3.0.0\""))
    }

    /// An archive of aind-data-schema 2.9.2 documents (one folder per session, documents only) upgraded by `rigmap batch`
    /// with `schema: biodata-schema@3.0.0`: each session's documents are taken as given and written as 3.0.0, and the
    /// catalog records every session's outcome (a document that cannot be read as 2.9.2 refuses its session only).
    @Test func batchUpgradesAnArchiveOfDocuments() throws {
        let root = temporaryFolder()
        let mapped = root.appendingPathComponent("mapped")
        let fip = packageRoot.appendingPathComponent("Examples/fip-session")
        let gathered = try rigmap(["gather", fip.path, "--job", fip.appendingPathComponent("job.yaml").path, "--output", mapped.path])
        #expect(gathered.status == 0, "\(gathered.stderr)")
        let archive = root.appendingPathComponent("archive")
        for name in ["s1", "s2", "s3"] {
            let folder = archive.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for document in ["acquisition.json", "instrument.json"] {
                try FileManager.default.copyItem(at: mapped.appendingPathComponent(document), to: folder.appendingPathComponent(document))
            }
        }
        let damaged = archive.appendingPathComponent("s3/instrument.json")
        try Data(#"{"object_type": "Instrument", "schema_version": "2.2.8"}"#.utf8).write(to: damaged)
        let job = root.appendingPathComponent("job.yaml")
        try Data("schema: biodata-schema@3.0.0\ntimezone: America/Los_Angeles\n".utf8).write(to: job)
        let out = root.appendingPathComponent("out")
        let result = try rigmap(["batch", archive.path, "--job", job.path, "--output", out.path])
        #expect(result.status == 3, "\(result.stderr)")
        for name in ["s1", "s2"] {
            #expect(try JSONDocument.read(out.appendingPathComponent("\(name)/acquisition.json"))["schema_version"] == "3.0.0")
            #expect(try JSONDocument.read(out.appendingPathComponent("\(name)/instrument.json"))["schema_version"] == "3.0.2")
        }
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("s3/instrument.json").path))
        let refused = try rigmap(["catalog", out.path, "--status", "refused"])
        #expect(refused.stdout.contains("s3") && !refused.stdout.contains("s1") && !refused.stdout.contains("s2"), "\(refused.stdout)")
        let ok = try rigmap(["catalog", out.path, "--status", "ok"])
        #expect(ok.stdout.contains("s1") && ok.stdout.contains("s2"), "\(ok.stdout)")
        // The inputs are never modified.
        #expect(try Data(contentsOf: archive.appendingPathComponent("s1/acquisition.json")) == Data(contentsOf: mapped.appendingPathComponent("acquisition.json")))
    }
}
