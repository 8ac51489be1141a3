import Foundation
import MetadataModel
import RigMapperCore
import Testing

/// Every example under `Examples/` maps with its own job, as its README says, and every document it writes validates.
@Suite struct ExamplesTests {
    static let examples = packageRoot.appendingPathComponent("Examples")

    /// The examples: every folder of `Examples/` with a job.yaml.
    static func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: examples.path).filter {
            FileManager.default.fileExists(atPath: examples.appendingPathComponent("\($0)/job.yaml").path)
        }.sorted()
    }

    /// Total bytes of the files under `url`, as stored (a sparse file counts its length).
    static func size(_ url: URL) -> Int {
        let files = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        var total = 0
        while let file = files?.nextObject() as? URL {
            let values = try? file.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values?.isRegularFile == true { total += values?.fileSize ?? 0 }
        }
        return total
    }

    @Test func thereIsAnExamplePerRigFamily() throws {
        #expect(try ExamplesTests.names() == ["fip-session", "openephys-recording", "smartspim-acquisition", "vr-foraging-session"])
    }

    /// `rigmap gather Examples/NAME --job Examples/NAME/job.yaml --output OUT` (the README's command, from the
    /// repository's root) exits 0, writes the documents each rig family gives, and `rigmap validate` accepts every one.
    @Test(arguments: ["fip-session", "openephys-recording", "smartspim-acquisition", "vr-foraging-session"])
    func theExampleGathersAndEveryOutputValidates(_ name: String) throws {
        let out = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try rigmap(["gather", "Examples/\(name)", "--job", "Examples/\(name)/job.yaml", "--output", out.path], in: packageRoot)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("gather: ok"))
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        let expected: [String: [String]] = [
            "fip-session": ["acquisition.json", "acquisition_fiber.json", "instrument.json"],
            "openephys-recording": ["acquisition.json", "acquisition_ecephys.json", "instrument.json", "instrument_ecephys.json"],
            "smartspim-acquisition": ["acquisition.json", "acquisition_spim.json"],
            "vr-foraging-session": [
                "acquisition.json", "acquisition_behavior.json", "acquisition_fiber.json", "instrument.json", "instrument_behavior.json",
                "instrument_fiber.json",
            ],
        ]
        let documents = written.filter { $0.hasPrefix("acquisition") || $0.hasPrefix("instrument") }
        #expect(documents == expected[name])
        #expect(written.contains("rigmap.lock") && written.contains("gather_report.json"))
        let validation = try rigmap(["validate"] + documents.map { out.appendingPathComponent($0).path })
        #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
        for document in documents {
            #expect(validation.stdout.contains("\(out.appendingPathComponent(document).path): valid"), "\(document): \(validation.stdout)")
        }
        // The merged pair names one instrument.
        if documents.contains("instrument.json") {
            let acquisition = try JSONDocument.read(out.appendingPathComponent("acquisition.json"))
            let instrument = try JSONDocument.read(out.appendingPathComponent("instrument.json"))
            #expect(acquisition["instrument_id"] == instrument["instrument_id"])
        }
    }

    /// Small enough to commit and read: under 1 MB each, and the generated ones well under.
    @Test func examplesAreSmall() throws {
        for name in try ExamplesTests.names() {
            let bytes = ExamplesTests.size(ExamplesTests.examples.appendingPathComponent(name))
            #expect(bytes < 1_000_000, "Examples/\(name) is \(bytes) bytes")
        }
        #expect(ExamplesTests.size(ExamplesTests.examples.appendingPathComponent("openephys-recording")) < 500_000)
        #expect(ExamplesTests.size(ExamplesTests.examples.appendingPathComponent("smartspim-acquisition")) < 500_000)
    }

    /// The main job's sample reads like a lab's session, and says it is generated: no "Bar", "Kim", "Foo", no
    /// "line1\nline2", and every notes field marked.
    @Test func theMainSessionHasRealisticValuesMarkedAsGenerated() throws {
        let session = ExamplesTests.examples.appendingPathComponent("vr-foraging-session")
        let fip = try JSONDocument.read(session.appendingPathComponent("fip.json"))
        let behavior = try JSONDocument.read(session.appendingPathComponent("behavior/Logs/session_input.json"))
        for (file, document) in [("fip.json", fip["session"]), ("session_input.json", behavior)] {
            let experimenters = document?["experimenter"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(experimenters == ["Avery Lin", "Jordan Okafor"], "\(file)")
            let notes = document?["notes"]?.stringValue ?? ""
            #expect(notes.hasPrefix("Synthetic example generated by Scripts/make-examples.py."), "\(file): \(notes)")
            #expect(!notes.contains("line1"))
            let hash = document?["commit_hash"]?.stringValue ?? ""
            #expect(hash.count == 40 && !hash.contains("0123456789abcdef") && !hash.contains("a1b2c3d4"), "\(file): \(hash)")
        }
        let readme = try String(contentsOf: session.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("Generated") && readme.contains("Scripts/make-examples.py"))
    }

    /// A job that leaves out three settings SmartSPIM needs hears of all three in one run (`timezone:`,
    /// `specimen_id`, `chamber_immersion`), with exit 1 and nothing written.
    @Test func aSpimJobMissingThreeSettingsListsAllThree() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let job = try String(contentsOf: ExamplesTests.examples.appendingPathComponent("smartspim-acquisition/job.yaml"), encoding: .utf8)
            .components(separatedBy: "\n").filter { !$0.hasPrefix("timezone:") && !$0.contains("specimen_id:") && !$0.contains("chamber_immersion:") }
            .joined(separator: "\n")
        try job.write(to: folder.appendingPathComponent("job.yaml"), atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let result = try rigmap([
            "map", "--mapper", "spim", "--input", ExamplesTests.examples.appendingPathComponent("smartspim-acquisition/SmartSPIM_721832_2024-09-17_09-42-11").path,
            "--job", folder.appendingPathComponent("job.yaml").path, "--output", out.path,
        ])
        #expect(result.status == 1)
        let errors = result.stderr.components(separatedBy: "\n").filter { $0.contains("error:") }
        #expect(errors.count == 3, "\(result.stderr)")
        #expect(result.stderr.contains("set `timezone:`"))
        #expect(result.stderr.contains("set mappers.spim.settings.specimen_id"))
        #expect(result.stderr.contains("set mappers.spim.settings.chamber_immersion"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("acquisition_spim.json").path))
    }

    /// Without fiber's `instrument:` setting the photometry rig has no instrument, so the acquisition's id
    /// (447-BEH-1_FIP_1) is not the instrument's (447-BEH-1): the message names the file and the setting to set.
    @Test func anInstrumentIdMismatchNamesTheSettingThatFixesIt() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let lines = try String(contentsOf: ExamplesTests.examples.appendingPathComponent("vr-foraging-session/job.yaml"), encoding: .utf8)
            .components(separatedBy: "\n")
        // Everything up to fiber's `instrument:` block.
        let job = lines.prefix { !$0.contains("instrument:") }.joined(separator: "\n") + "\n"
        try job.write(to: folder.appendingPathComponent("job.yaml"), atomically: true, encoding: .utf8)
        let result = try rigmap([
            "gather", ExamplesTests.examples.appendingPathComponent("vr-foraging-session").path, "--job", folder.appendingPathComponent("job.yaml").path,
            "--output", folder.appendingPathComponent("out").path,
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("instrument_id in acquisition (447-BEH-1_FIP_1) does not match the instrument's (447-BEH-1)"))
        #expect(result.stderr.contains("acquisition_fiber.json says 'FIP_1' but no instrument file does"))
        #expect(result.stderr.contains("set the fiber mapper's `instrument:` setting (mappers.fiber.settings.instrument in job.yaml"))
    }
}
