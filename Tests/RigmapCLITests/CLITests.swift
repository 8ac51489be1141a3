import Foundation
import MetadataModel
import RigMapperCore
import Testing

let cliFixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

/// The `rigmap` binary built beside the test bundle, or the one `RIGMAP_TEST_BINARY` names (CI runs these tests
/// against the release binary the README installs).
let rigmapBinary: URL = {
    if let chosen = ProcessInfo.processInfo.environment["RIGMAP_TEST_BINARY"], !chosen.isEmpty { return URL(fileURLWithPath: chosen) }
    let candidates = [
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("rigmap"),
        Bundle.main.bundleURL.appendingPathComponent("rigmap"),
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rigmap"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
}()

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `rigmap` as a user would, with a controlled environment.
func rigmap(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = rigmapBinary
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var env = ProcessInfo.processInfo.environment
    env["RIGMAP_CONFIG_DIR"] = nil
    for (k, v) in environment { env[k] = v }
    process.environment = env
    // Both streams go to files, so neither can fill a pipe and block the child while the other is drained.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rigmap-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("stdout")
    let errURL = scratch.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return CommandResult(
        status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}

func temporaryFolder() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("rigmap-cli-\(UUID().uuidString)")
}

@Suite struct CLITests {
    let fip = cliFixtures.appendingPathComponent("fip.json").path
    let job = cliFixtures.appendingPathComponent("job.yaml").path

    @Test func binaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: rigmapBinary.path), "rigmap not found at \(rigmapBinary.path)")
    }

    @Test func mapWritesTheAcquisitionAndNothingElse() throws {
        let out = temporaryFolder()
        let result = try rigmap(["map", "--mapper", "fiber", "--input", fip, "--job", job, "--output", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["acquisition_fiber.json", "rigmap.lock"])
        let doc = try JSONDocument.read(out.appendingPathComponent("acquisition_fiber.json"))
        #expect(doc["acquisition_type"] == "AindVrForaging")
        #expect(doc["ethics_review_id"] == ["2115"])
        #expect(result.stdout.contains("fiber@1.4.0"))
    }

    @Test func outputIsIdenticalUnderAnyTimeZoneAndLocale() throws {
        var outputs: [Data] = []
        for env in [["TZ": "UTC"], ["TZ": "Asia/Tokyo", "LC_ALL": "C"], ["TZ": "America/Los_Angeles", "LANG": "de_DE.UTF-8"]] {
            let out = temporaryFolder()
            let result = try rigmap(["map", "--mapper", "fiber", "--input", fip, "--job", job, "--output", out.path], environment: env)
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(try Data(contentsOf: out.appendingPathComponent("acquisition_fiber.json")))
            outputs.append(try Data(contentsOf: out.appendingPathComponent("rigmap.lock")))
        }
        #expect(Set(outputs.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)).count == 1)
        #expect(Set(outputs.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)).count == 1)
    }

    @Test func provenanceLockRecordsVersionAndHashesAndRerunsIdentically() throws {
        let first = temporaryFolder()
        #expect(try rigmap(["map", "--mapper", "fiber", "--input", fip, "--job", job, "--output", first.path]).status == 0)
        let lock = try String(contentsOf: first.appendingPathComponent("rigmap.lock"), encoding: .utf8)
        #expect(lock.contains("mapper: \"fiber@1.4.0\""))
        #expect(lock.contains(Digest.sha256(Array(try Data(contentsOf: URL(fileURLWithPath: fip))))))
        // A job that names the first output folder as its experiment re-runs with the pinned version, byte for byte,
        // even when it asks for a range that a newer version would satisfy.
        let rerunDir = temporaryFolder()
        try FileManager.default.createDirectory(at: rerunDir, withIntermediateDirectories: true)
        let jobText = try String(contentsOfFile: job, encoding: .utf8).replacingOccurrences(of: "version: \"1.4.0\"", with: "version: \"^1.0\"")
        try ("experiment: \(first.path)\n" + jobText).write(to: rerunDir.appendingPathComponent("job.yaml"), atomically: true, encoding: .utf8)
        let second = temporaryFolder()
        let result = try rigmap(["map", "--mapper", "fiber", "--input", fip, "--job", rerunDir.appendingPathComponent("job.yaml").path, "--output", second.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("version from experiment"))
        #expect(try Data(contentsOf: first.appendingPathComponent("acquisition_fiber.json")) == Data(contentsOf: second.appendingPathComponent("acquisition_fiber.json")))
    }

    @Test func pinAndResolveFromTheCommandLine() throws {
        let exp = temporaryFolder()
        let pin = try rigmap(["pin", "--experiment", exp.path, "fiber@1.0.0"])
        #expect(pin.status == 0, "\(pin.stderr)")
        let jobDir = temporaryFolder()
        try FileManager.default.createDirectory(at: jobDir, withIntermediateDirectories: true)
        try "experiment: \(exp.path)\nmappers:\n  fiber:\n    version: 1.4.0\n".write(to: jobDir.appendingPathComponent("job.yaml"), atomically: true, encoding: .utf8)
        let refused = try rigmap(["resolve", "--job", jobDir.appendingPathComponent("job.yaml").path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("pins fiber@1.0.0"))
        let moved = try rigmap(["resolve", "--job", jobDir.appendingPathComponent("job.yaml").path, "--update-lock", "--json", "--explain"])
        #expect(moved.status == 0, "\(moved.stderr)")
        let report = try JSONParser.parse(moved.stdout)
        #expect(report["mappers"]?["fiber"]?["version"] == "1.4.0")
        #expect(report["mappers"]?["fiber"]?["source"] == "job")
        #expect(report["mappers"]?["fiber"]?["explain"]?["implanted_fibers"]?["layer"] == "config")
        #expect(try String(contentsOf: exp.appendingPathComponent("rigmap.lock"), encoding: .utf8).contains("version: \"1.4.0\""))
    }

    @Test func versionFlagPicksTheOlderMapper() throws {
        let out = temporaryFolder()
        let job10 = temporaryFolder()
        try FileManager.default.createDirectory(at: job10, withIntermediateDirectories: true)
        try "mappers: {fiber: {settings: {implanted_fibers: [1]}}}".write(to: job10.appendingPathComponent("job.yaml"), atomically: true, encoding: .utf8)
        let result = try rigmap(["map", "--mapper", "fiber@1.0.0", "--input", fip, "--job", job10.appendingPathComponent("job.yaml").path, "--output", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try JSONDocument.read(out.appendingPathComponent("acquisition_fiber.json"))
        #expect(doc["ethics_review_id"] == ["2414"])
        #expect(doc["data_streams"]?[0]?["code"]?[0]?["url"] == "https://github.com/AllenNeuralDynamics/Aind.Experiment.VrForaging-Fip")
    }

    @Test func badInputExitsOneWithLocatedErrorsAndWritesNothing() throws {
        let dir = temporaryFolder()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let truncated = dir.appendingPathComponent("fip.json")
        try Data(try Data(contentsOf: URL(fileURLWithPath: fip)).prefix(150)).write(to: truncated)
        let out = dir.appendingPathComponent("out")
        let result = try rigmap(["map", "--mapper", "fiber", "--input", truncated.path, "--job", job, "--output", out.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("fip.json:"))
        #expect(result.stderr.contains("fip.json:6:19: byte 131: error: malformed JSON: unterminated string"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func unknownVersionListsAvailableVersions() throws {
        let out = temporaryFolder()
        let result = try rigmap(["map", "--mapper", "fiber@9.9.9", "--input", fip, "--job", job, "--output", out.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("available: 1.0.0, 1.4.0"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func naiveTimestampWithoutZoneIsRefused() throws {
        let dir = temporaryFolder()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = try String(contentsOfFile: fip, encoding: .utf8).replacingOccurrences(of: "2025-07-18 12:32:35.275046-07:00", with: "2025-07-18 12:32:35.275046")
        try text.write(to: dir.appendingPathComponent("fip.json"), atomically: true, encoding: .utf8)
        try "mappers: {fiber: {settings: {implanted_fibers: [0]}}}".write(to: dir.appendingPathComponent("job.yaml"), atomically: true, encoding: .utf8)
        let result = try rigmap([
            "map", "--mapper", "fiber", "--input", dir.appendingPathComponent("fip.json").path, "--job", dir.appendingPathComponent("job.yaml").path,
            "--output", dir.appendingPathComponent("out").path,
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("data_stream_metadata[0].start_time"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    @Test func mappersListsEveryVersion() throws {
        let result = try rigmap(["mappers", "--json"])
        #expect(result.status == 0)
        let doc = try JSONParser.parse(result.stdout)
        #expect(doc["mappers"]?["fiber"]?["versions"]?.objectValue?.keys.elementsEqual(["1.0.0", "1.4.0"]) == true)
        #expect(doc["mappers"]?["fiber"]?["versions"]?["1.4.0"]?["inputs"] == ["fip.json"])
        #expect(try rigmap(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.6.0")
    }

    @Test func configOverrideFolderIsUsed() throws {
        let cfg = temporaryFolder()
        try FileManager.default.createDirectory(at: cfg.appendingPathComponent("fiber"), withIntermediateDirectories: true)
        let builtIn = try rigmap(["mappers"])
        #expect(builtIn.status == 0)
        // An override whose 1.4.0 file breaks the rules must be read (and refused), proving the folder is used.
        try "mapper: fiber\nversion: 1.4.0\nbogus: 1\n".write(to: cfg.appendingPathComponent("fiber/1.4.0.yaml"), atomically: true, encoding: .utf8)
        let result = try rigmap(["map", "--mapper", "fiber", "--input", fip, "--job", job, "--output", temporaryFolder().path], environment: ["RIGMAP_CONFIG_DIR": cfg.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("unknown key 'bogus'"))
        #expect(result.stderr.contains(cfg.path))
    }
}

@Suite struct MergeCLITests {
    let dir = cliFixtures.appendingPathComponent("merge")

    @Test func mergesAndWritesTheReferenceBytes() throws {
        let out = temporaryFolder()
        let result = try rigmap(["merge", dir.appendingPathComponent("a.json").path, dir.appendingPathComponent("b.json").path, "--output", out.appendingPathComponent("instrument.json").path, "--report", out.appendingPathComponent("report.json").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: out.appendingPathComponent("instrument.json")) == Data(contentsOf: dir.appendingPathComponent("ab.json")))
        #expect(try JSONDocument.read(out.appendingPathComponent("report.json"))["status"] == "merged")
    }

    @Test func refusalExitsOneWithAReportAndNoOutput() throws {
        let out = temporaryFolder()
        let result = try rigmap([
            "merge", dir.appendingPathComponent("1_instrument_1_refused.json").path, dir.appendingPathComponent("2_instrument_2_refused.json").path,
            "--output", out.appendingPathComponent("instrument.json").path, "--report", out.appendingPathComponent("report.json").path,
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("shared_device"))
        #expect(result.stderr.contains("'E1'"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("instrument.json").path))
        let report = try JSONDocument.read(out.appendingPathComponent("report.json"))
        #expect(report["status"] == "refused")
        #expect(report["conflicts"]?[0]?["field"] == "E1")
    }

    @Test func anInvalidMergedDocumentIsRefused() throws {
        // a.json gains a connection to a device neither input defines: the merged instrument is invalid.
        let tmp = temporaryFolder()
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        guard case .object(var a) = try JSONDocument.read(dir.appendingPathComponent("a.json")) else { Issue.record("fixture"); return }
        let component = a["components"]?[0]?["name"] ?? .string("?")
        a["connections"] = [["object_type": "Connection", "source_device": component, "source_port": .null, "target_device": "Ghost", "target_port": .null, "send_and_receive": false]]
        try Data(JSONWriter.referenceBytes(.object(a))).write(to: tmp.appendingPathComponent("a.json"))
        let result = try rigmap(["merge", tmp.appendingPathComponent("a.json").path, dir.appendingPathComponent("b.json").path, "--output", tmp.appendingPathComponent("out.json").path, "--report", tmp.appendingPathComponent("report.json").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("'Ghost' is not part of the instrument"))
        #expect(!FileManager.default.fileExists(atPath: tmp.appendingPathComponent("out.json").path))
        #expect(try JSONDocument.read(tmp.appendingPathComponent("report.json"))["conflicts"]?[0]?["kind"] == "invalid_result")
    }

    @Test func malformedInputExitsTwo() throws {
        let bad = temporaryFolder()
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try "{\"object_type\": \"Instrument\",".write(to: bad.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let result = try rigmap(["merge", bad.appendingPathComponent("bad.json").path, dir.appendingPathComponent("a.json").path, "--output", bad.appendingPathComponent("out.json").path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.json:1:"))
        #expect(!FileManager.default.fileExists(atPath: bad.appendingPathComponent("out.json").path))
    }
}

@Suite struct ValidateCLITests {
    let dir = cliFixtures.appendingPathComponent("validate")

    @Test func validDocumentsExitZero() throws {
        let result = try rigmap(["validate", dir.appendingPathComponent("valid.json").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("valid"))
    }

    @Test func invalidDocumentsExitOneListingEveryError() throws {
        let result = try rigmap(["validate", dir.appendingPathComponent("valid.json").path, dir.appendingPathComponent("invalid.json").path, "--json"])
        #expect(result.status == 1)
        let report = try JSONParser.parse(result.stdout)
        #expect(report["files"]?[0]?["status"] == "valid")
        #expect(report["files"]?[1]?["status"] == "invalid")
        #expect(Set(report["files"]?[1]?["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []) == ["subject_id", "experimenters"])
    }

    @Test func unreadableInputOrBadSchemaExitsTwo() throws {
        let tmp = temporaryFolder()
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        try "{\"type\": \"decimal\"}".write(to: tmp.appendingPathComponent("bad.schema.json"), atomically: true, encoding: .utf8)
        let badSchema = try rigmap(["validate", "--schema", tmp.appendingPathComponent("bad.schema.json").path, dir.appendingPathComponent("valid.json").path])
        #expect(badSchema.status == 2)
        #expect(badSchema.stderr.contains("cannot be compiled"))
        let missing = try rigmap(["validate", tmp.appendingPathComponent("nope.json").path])
        #expect(missing.status == 2)
    }

    @Test func customSchemaClosedByDefault() throws {
        let tmp = temporaryFolder()
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        try #"{"type": "object", "additionalProperties": false}"#.write(to: tmp.appendingPathComponent("closed.json"), atomically: true, encoding: .utf8)
        try "{}".write(to: tmp.appendingPathComponent("empty.json"), atomically: true, encoding: .utf8)
        try #"{"duration": 1}"#.write(to: tmp.appendingPathComponent("meta.json"), atomically: true, encoding: .utf8)
        #expect(try rigmap(["validate", "--schema", tmp.appendingPathComponent("closed.json").path, tmp.appendingPathComponent("empty.json").path]).status == 0)
        let refused = try rigmap(["validate", "--schema", tmp.appendingPathComponent("closed.json").path, tmp.appendingPathComponent("meta.json").path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("duration: error: unknown field 'duration' is not allowed"))
    }
}

@Suite struct GatherCLITests {
    let fixtures = cliFixtures.appendingPathComponent("gather")

    /// A copy of the sample session, so runs never touch the fixtures.
    func sessionCopy() throws -> URL {
        let dir = temporaryFolder()
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("fip-session"), to: dir)
        return dir
    }

    @Test func sampleSessionEqualsTheReferencePipeline() throws {
        let session = try sessionCopy()
        let out = temporaryFolder()
        let result = try rigmap(["gather", session.path, "--job", session.appendingPathComponent("job.yaml").path, "--output", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["acquisition.json", "instrument.json", "acquisition_fiber.json"] {
            #expect(try Data(contentsOf: out.appendingPathComponent(name)) == Data(contentsOf: fixtures.appendingPathComponent("fip-session-expected/\(name)")), "\(name)")
        }
        // The implanted fibers are not instrument components: warnings, not errors.
        #expect(result.stderr.contains("warning: active device 'Fiber 0' is not a component of the instrument"))
        let report = try JSONDocument.read(out.appendingPathComponent("gather_report.json"))
        #expect(report["status"] == "ok")
        #expect(report["given_documents"] == ["acquisition_behavior.json", "instrument_behavior.json", "instrument_fip.json"])
    }

    @Test func outputsAreIdenticalAcrossRerunsAndTimeZones() throws {
        let session = try sessionCopy()
        var runs: [[Data]] = []
        for env in [["TZ": "UTC"], ["TZ": "Asia/Tokyo", "LC_ALL": "C"]] {
            let out = temporaryFolder()
            let result = try rigmap(["gather", session.path, "--job", session.appendingPathComponent("job.yaml").path, "--output", out.path], environment: env)
            #expect(result.status == 0, "\(result.stderr)")
            runs.append(try ["acquisition.json", "instrument.json", "rigmap.lock", "gather_report.json"].map { try Data(contentsOf: out.appendingPathComponent($0)) })
        }
        #expect(runs[0] == runs[1])
    }

    @Test func sharedNonClockDeviceRefusesNamingTheDevice() throws {
        let session = try sessionCopy()
        // Give the photometry rig a device named like one of the behavior rig's.
        let url = session.appendingPathComponent("instrument_fip.json")
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"name\": \"W10DTJK7N0M3\"", with: "\"name\": \"behavior_computer\"")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let out = temporaryFolder()
        let result = try rigmap(["gather", session.path, "--job", session.appendingPathComponent("job.yaml").path, "--output", out.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("device 'behavior_computer' is in both instrument_behavior.json and instrument_fip.json"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("acquisition.json").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("instrument.json").path))
    }

    @Test func badJobIsExitTwo() throws {
        let session = try sessionCopy()
        try "mapers: {}".write(to: session.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let result = try rigmap(["gather", session.path, "--job", session.appendingPathComponent("bad.yaml").path, "--output", temporaryFolder().path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.yaml:1:9: error: unknown key 'mapers'"))
    }
}

@Suite struct ReleaseCLITests {
    let dir = cliFixtures.appendingPathComponent("releases")

    @Test func validateTellsTheReleaseFromSchemaVersion() throws {
        let new = try rigmap(["validate", dir.appendingPathComponent("acquisition_biodata.json").path])
        #expect(new.status == 0, "\(new.stderr)")
        // The 2.9.2 example is not a valid 3.0.0 document (deprecated fields, a Code without version).
        let forced = try rigmap(["validate", "--release", "biodata-schema@3.0.0", dir.appendingPathComponent("acquisition_aind.json").path])
        #expect(forced.status == 1)
        let unknownRelease = try rigmap(["validate", "--release", "biodata-schema@9.0.0", dir.appendingPathComponent("acquisition_aind.json").path])
        #expect(unknownRelease.status == 2)
        #expect(unknownRelease.stderr.contains("aind-data-schema@2.9.2, biodata-schema@3.0.0"))
    }

    @Test func anUnknownSchemaVersionIsExitTwoNamingTheKnownReleases() throws {
        let tmp = temporaryFolder()
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let text = try String(contentsOf: dir.appendingPathComponent("acquisition_biodata.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"schema_version\": \"3.0.0\"", with: "\"schema_version\": \"7.1.0\"")
        let file = tmp.appendingPathComponent("acquisition.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try rigmap(["validate", file.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("schema_version \"7.1.0\" names no schema release"))
        #expect(result.stderr.contains("biodata-schema@3.0.0 (Acquisition 3.0.0, Instrument 3.0.2)"))
    }

    @Test func mergeRefusesMixedReleases() throws {
        let tmp = temporaryFolder()
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let output = tmp.appendingPathComponent("acquisition.json")
        let result = try rigmap([
            "merge", dir.appendingPathComponent("acquisition_biodata.json").path, dir.appendingPathComponent("acquisition_aind.json").path, "--output", output.path,
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("acquisition_biodata.json is biodata-schema 3.0.0"))
        #expect(result.stderr.contains("acquisition_aind.json is aind-data-schema 2.9.2"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
