import Foundation
import MetadataModel
import Resolver
import RigMapperCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Regressions for what an adversarial user found (each line of the reliability issue has a test here).
@Suite struct ReliabilityCLITests {
    let fip = cliFixtures.appendingPathComponent("fip.json").path
    let job = cliFixtures.appendingPathComponent("job.yaml").path
    let a = cliFixtures.appendingPathComponent("merge/a.json").path

    func folder() throws -> URL {
        let url = temporaryFolder()
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A session folder with the FIP fixture and the CLI job.
    func session() throws -> URL {
        let dir = try folder()
        try FileManager.default.copyItem(atPath: fip, toPath: dir.appendingPathComponent("fip.json").path)
        return dir
    }

    // MARK: Crashes

    @Test func mergingAFileWithItselfIsALocatedConflictNotACrash() throws {
        let out = try folder().appendingPathComponent("merged.json").path
        let result = try rigmap(["merge", a, a, "--output", out])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("shared_device"))
        #expect(result.stderr.contains("a.json and \(a)") || result.stderr.contains("is in both"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func aComponentNamedTwiceInOneInstrumentIsRefusedByMergeAndAWarningForValidate() throws {
        var instrument = try JSONDocument.read(URL(fileURLWithPath: a))
        if case .object(var object) = instrument, case .array(var components)? = object["components"], let first = components.first {
            components.append(first)
            object["components"] = .array(components)
            instrument = .object(object)
        }
        let dir = try folder()
        let path = try write(JSONWriter.referenceString(instrument), "instrument_dup.json", in: dir)
        let merged = try rigmap(["merge", path, cliFixtures.appendingPathComponent("merge/b.json").path, "--output", dir.appendingPathComponent("m.json").path])
        #expect(merged.status == 1)
        #expect(merged.stderr.contains("duplicate_component"))
        let validated = try rigmap(["validate", path])
        #expect(validated.status == 0)  // aind-data-schema only logs a warning
        #expect(validated.stderr.contains("duplicate component name"))
    }

    @Test func referenceCyclesAreRefusedAsSchemasAndRecursiveTreesStillWork() throws {
        let dir = try folder()
        let instance = try write("{}", "instance.json", in: dir)
        let cycles = [
            ##"{"$ref": "#"}"##,
            ##"{"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}, "$ref": "#/definitions/a"}"##,
            ##"{"allOf": [{"$ref": "#"}]}"##,
            ##"{"anyOf": [{"$ref": "#"}, {"type": "string"}]}"##,
            ##"{"oneOf": [{"$ref": "#"}]}"##,
        ]
        for (i, text) in cycles.enumerated() {
            let schema = try write(text, "cycle-\(i).json", in: dir)
            let result = try rigmap(["validate", "--schema", schema, instance])
            #expect(result.status == 2, "\(text): \(result.stderr)")
            #expect(result.stderr.contains("schema cannot be compiled") && result.stderr.contains("cycle"), "\(text): \(result.stderr)")
        }
        let tree = try write(##"{"type": "object", "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}}}"##, "tree.json", in: dir)
        let good = try write(##"{"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]}"##, "good.json", in: dir)
        let bad = try write(##"{"name": "a", "children": [{"name": "b", "children": [{"name": 3}]}]}"##, "bad.json", in: dir)
        #expect(try rigmap(["validate", "--schema", tree, good]).status == 0)
        let refused = try rigmap(["validate", "--schema", tree, bad])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("children[0].children[0].name"))
    }

    @Test func aliasBombsAreRefusedAtOnceInJobsSettingsAndLocks() throws {
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...8 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let dir = try folder()
        let jobFile = try write(bomb, "job.yaml", in: dir)
        let start = Date()
        let viaJob = try rigmap(["resolve", "--job", jobFile])
        #expect(viaJob.status != 0)
        #expect(viaJob.stderr.contains("job.yaml:2:"))
        #expect(viaJob.stderr.contains("YAML aliases are not supported"))
        let viaSet = try rigmap(["resolve", "--set", "fiber.intended_measurements={a: &x [1, 2], b: *x}"])
        #expect(viaSet.status != 0)
        #expect(viaSet.stderr.contains("<command line>"))
        // A planted lock in the output folder is not expanded either: the gather maps afresh.
        let sessionDir = try session()
        let out = try folder()
        _ = try write(bomb, "rigmap.lock", in: out)
        let gathered = try rigmap(["gather", sessionDir.path, "--job", job, "--output", out.path])
        #expect(gathered.status == 0, "\(gathered.stderr)")
        #expect(Date().timeIntervalSince(start) < 30)
    }

    // MARK: Inputs never overwritten

    @Test func outputsInsideTheSessionOrAroundItAreUsageErrors() throws {
        let sessionDir = try session()
        let before = try Data(contentsOf: sessionDir.appendingPathComponent("fip.json"))
        for output in [sessionDir.path, sessionDir.appendingPathComponent("out").path] {
            let result = try rigmap(["gather", sessionDir.path, "--job", job, "--output", output])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("inside"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: sessionDir.path) == ["fip.json"])
        #expect(try Data(contentsOf: sessionDir.appendingPathComponent("fip.json")) == before)
        let parent = sessionDir.deletingLastPathComponent()
        let around = try rigmap(["gather", sessionDir.path, "--job", job, "--output", parent.path])
        #expect(around.status == 2)
    }

    @Test func outputsNamingAnInputAreUsageErrors() throws {
        let dir = try folder()
        let copy = dir.appendingPathComponent("a.json").path
        try FileManager.default.copyItem(atPath: a, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        let b = cliFixtures.appendingPathComponent("merge/b.json").path
        #expect(try rigmap(["merge", copy, b, "--output", copy]).status == 2)
        #expect(try rigmap(["merge", copy, b, "--output", dir.appendingPathComponent("m.json").path, "--report", copy]).status == 2)
        let same = try rigmap(["merge", copy, b, "--output", dir.appendingPathComponent("x.json").path, "--report", dir.appendingPathComponent("x.json").path])
        #expect(same.status == 2)
        #expect(same.stderr.contains("same file"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
        let emptyOutput = try rigmap(["map", "--mapper", "fiber", "--input", fip, "--job", job, "--output", ""])
        #expect(emptyOutput.status == 2)
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/acquisition_fiber.json"))
    }

    @Test func aRefusedRerunLeavesAReportOfThatRunAndNamesTheEarlierFiles() throws {
        let sessionDir = try session()
        let out = try folder()
        #expect(try rigmap(["gather", sessionDir.path, "--job", job, "--output", out.path]).status == 0)
        try "{\"broken\": ".write(to: sessionDir.appendingPathComponent("fip.json"), atomically: true, encoding: .utf8)
        let refused = try rigmap(["gather", sessionDir.path, "--job", job, "--output", out.path])
        #expect(refused.status == 1)
        let report = try JSONDocument.read(out.appendingPathComponent("gather_report.json"))
        #expect(report["status"] == "refused")
        #expect(report["stale"]?.arrayValue?.contains("acquisition.json") == true)
        // Every file the lock lists still matches its hash.
        let lock = try #require(try LockFile.load(out.appendingPathComponent("rigmap.lock")))
        for (file, record) in lock.outputs {
            #expect(Digest.sha256(ofFile: out.appendingPathComponent(file)) == record.sha256, "\(file)")
        }
    }

    @Test func leftoversOfAKilledRunAreCleanedUp() throws {
        let sessionDir = try session()
        let out = try folder()
        _ = try write("partial", ".acquisition.json.4242.tmp", in: out)
        _ = try write("partial", ".rigmap.lock.4242.tmp.previous", in: out)
        #expect(try rigmap(["gather", sessionDir.path, "--job", job, "--output", out.path]).status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(!names.contains { $0.hasSuffix(".tmp") || $0.hasSuffix(".previous") })
    }

    @Test func aSessionReachedThroughASymlinkIsFollowedAndAnEmptyOneIsNotOK() throws {
        let sessionDir = try session()
        let link = try folder().appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: sessionDir)
        let out = try folder().appendingPathComponent("out")
        let result = try rigmap(["gather", link.path, "--job", job, "--output", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("acquisition.json").path))
        let empty = try rigmap(["gather", try folder().path, "--output", try folder().appendingPathComponent("o").path])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("nothing to gather"))
    }

    // MARK: Wrong answers

    @Test func aJobNamingAnUnknownMapperIsRejectedByEveryCommand() throws {
        let dir = try folder()
        let bad = try write("mappers:\n  fiber:\n    version: \"1.4.0\"\n  fibre:\n    settings: {bogus: 1}\n", "job.yaml", in: dir)
        let sessionDir = try session()
        for arguments in [
            ["map", "--mapper", "fiber", "--input", fip, "--job", bad, "--output", dir.appendingPathComponent("o1").path],
            ["gather", sessionDir.path, "--job", bad, "--output", dir.appendingPathComponent("o2").path],
            ["resolve", "--job", bad],
        ] {
            let result = try rigmap(arguments)
            #expect(result.status != 0, "\(arguments[0])")
            #expect(result.stderr.contains("job.yaml:5:") && result.stderr.contains("unknown mapper 'fibre'"), "\(arguments[0]): \(result.stderr)")
        }
    }

    @Test func theConfigFolderOverridesInputContractsToo() throws {
        let configs = try folder()
        try FileManager.default.createDirectory(at: configs.appendingPathComponent("fiber"), withIntermediateDirectories: true)
        _ = try write(##"{"type": "object", "required": ["site_of_recording"]}"##, "fiber/fip.contract.json", in: configs)
        let result = try rigmap(["map", "--mapper", "fiber", "--input", fip, "--job", job, "--output", try folder().path, "--config", configs.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("site_of_recording") && result.stderr.contains("input contract"))
    }

    /// A contract file that is not JSON is a configuration error, located in that file; nothing is written.
    @Test func aMalformedInputContractIsReportedAtItsLine() throws {
        let configs = try folder()
        try FileManager.default.createDirectory(at: configs.appendingPathComponent("fiber"), withIntermediateDirectories: true)
        let contract = try write("{\n  \"type\": \"object\",\n  \"required\": [\"a\"\n}\n", "fiber/fip.contract.json", in: configs)
        let out = try folder()
        let result = try rigmap(["map", "--mapper", "fiber", "--input", fip, "--job", job, "--output", out.path, "--config", configs.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("input contract cannot be used") && result.stderr.contains("\(contract):4:"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }

    @Test func aPatternTheEngineGivesUpOnIsUndeterminedNotInvalid() throws {
        let dir = try folder()
        // ICU, which runs every pattern, gives up on this one over a 2 MB string (its backtracking stack limit).
        let schema = try write(##"{"type": "string", "pattern": "^(ab|c.)*$"}"##, "schema.json", in: dir)
        let long = try write("\"" + String(repeating: "ab", count: 1_000_000) + "\"", "long.json", in: dir)
        let short = try write("\"abcdab\"", "short.json", in: dir)
        let result = try rigmap(["validate", "--schema", schema, long])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.contains("undetermined"))
        #expect(result.stderr.contains("could not be checked"))
        #expect(try rigmap(["validate", "--schema", schema, short]).status == 0)
        let regular = try write(##"{"type": "string", "pattern": "^(ab|cd)*$"}"##, "regular.json", in: dir)
        #expect(try rigmap(["validate", "--schema", regular, try write("\"abce\"", "bad.json", in: dir)]).status == 1)
        // ECMA-262: \d is ASCII only and $ matches only at the very end.
        let digits = try write(##"{"type": "string", "pattern": "^\\d+$"}"##, "digits.json", in: dir)
        #expect(try rigmap(["validate", "--schema", digits, try write("\"١٢٣\"", "arabic.json", in: dir)]).status == 1)
        #expect(try rigmap(["validate", "--schema", digits, try write("\"123\\n\"", "newline.json", in: dir)]).status == 1)
        #expect(try rigmap(["validate", "--schema", digits, try write("\"123\"", "ok.json", in: dir)]).status == 0)
    }

    @Test func timeZonesAreIANANamesCheckedWhereWritten() throws {
        let dir = try folder()
        for zone in ["GMT+5", "US/Pacific-New", "localtime"] {
            let file = try write("# job\ntimezone: \(zone)\n", "job.yaml", in: dir)
            let result = try rigmap(["resolve", "--job", file])
            #expect(result.status != 0, "\(zone)")
            #expect(result.stderr.contains("job.yaml:2:11") && result.stderr.contains("unknown IANA time zone"), "\(zone): \(result.stderr)")
        }
        let fine = try write("timezone: Etc/GMT+5\n", "job.yaml", in: dir)
        #expect(try rigmap(["resolve", "--job", fine]).status == 0)
    }

    @Test func oddImplantedFibersMapAsTheReferenceDoesWithAWarningAndDoublePinsAreErrors() throws {
        let dir = try folder()
        // aind-metadata-mapper maps a repeated or negative index as given; a mapper version keeps that promise.
        for (fibers, warning) in [("[0, 0]", "names fiber 0 twice"), ("[-1]", "holds -1")] {
            let file = try write("mappers:\n  fiber:\n    settings:\n      implanted_fibers: \(fibers)\n", "job.yaml", in: dir)
            let out = dir.appendingPathComponent("o")
            try? FileManager.default.removeItem(at: out)
            let result = try rigmap(["map", "--mapper", "fiber", "--input", fip, "--job", file, "--output", out.path])
            #expect(result.status == 0, "\(fibers): \(result.stderr)")
            #expect(result.stderr.contains("warning") && result.stderr.contains("implanted_fibers " + warning), "\(fibers): \(result.stderr)")
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("acquisition_fiber.json").path))
        }
        let pin = try rigmap(["pin", "--experiment", dir.appendingPathComponent("exp").path, "fiber@1.0.0", "fiber@1.4.0"])
        #expect(pin.status == 1)
        #expect(pin.stderr.contains("both pin 'fiber'"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("exp/rigmap.lock").path))
    }

    @Test func anOlderDeclaredSchemaVersionMergesAsTheCurrentOneWhenItValidates() throws {
        let dir = try folder()
        var older = try JSONDocument.read(URL(fileURLWithPath: a))
        if case .object(var object) = older { object["schema_version"] = "2.0.0"; older = .object(object) }
        let olderPath = try write(JSONWriter.referenceString(older), "older.json", in: dir)
        let out = dir.appendingPathComponent("m.json")
        let merged = try rigmap(["merge", olderPath, cliFixtures.appendingPathComponent("merge/b.json").path, "--output", out.path])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stderr.contains("schema_version \"2.0.0\""))
        #expect(try JSONDocument.read(out)["schema_version"] == "2.2.8")
        // One that does not validate under 2.9.2 is refused.
        if case .object(var object) = older { object["modification_date"] = "not a date"; older = .object(object) }
        let invalidPath = try write(JSONWriter.referenceString(older), "invalid.json", in: dir)
        let refused = try rigmap(["merge", invalidPath, cliFixtures.appendingPathComponent("merge/b.json").path, "--output", dir.appendingPathComponent("n.json").path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("does not validate"))
    }

    @Test func validateTakesTheKindFromTheFileNameOrKindAndUnknownTypesAreInvalid() throws {
        let dir = try folder()
        var document = try JSONDocument.read(URL(fileURLWithPath: a))
        if case .object(var object) = document { object.removeValue(forKey: "object_type"); document = .object(object) }
        let named = try write(JSONWriter.referenceString(document), "instrument_rig.json", in: dir)
        #expect(try rigmap(["validate", named]).status == 0)
        let anonymous = try write(JSONWriter.referenceString(document), "rig.json", in: dir)
        #expect(try rigmap(["validate", anonymous]).status == 2)
        #expect(try rigmap(["validate", "--kind", "instrument", anonymous]).status == 0)
        if case .object(var object) = document { object["object_type"] = "Rig"; document = .object(object) }
        let unknown = try write(JSONWriter.referenceString(document), "instrument_x.json", in: dir)
        let result = try rigmap(["validate", unknown])
        #expect(result.status == 1)
        #expect(result.stderr.contains("names no document kind"))
    }

    @Test func messagesSayWhatIsWrongInWords() throws {
        let dir = try folder()
        // Text starting with N or I that is not NaN or Infinity.
        let nope = try write("{\"a\": Nope}", "nope.json", in: dir)
        let parsed = try rigmap(["validate", nope])
        #expect(parsed.stderr.contains("unexpected character 'N'") && !parsed.stderr.contains("NaN"))
        // An unknown job type is located.
        let jobFile = try write("# a job\njob_type: nope\n", "job.yaml", in: dir)
        #expect(try rigmap(["resolve", "--job", jobFile]).stderr.contains("job.yaml:2:11"))
        // A FIFO and a symlink loop are named as such.
        #expect(mkfifo(dir.appendingPathComponent("pipe.json").path, 0o644) == 0)
        #expect(try rigmap(["validate", dir.appendingPathComponent("pipe.json").path]).stderr.contains("not a regular file (a FIFO)"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("loop.json").path, withDestinationPath: dir.appendingPathComponent("loop.json").path)
        #expect(try rigmap(["validate", dir.appendingPathComponent("loop.json").path]).stderr.contains("symlink loop"))
        // A newline in a file name does not split the diagnostic.
        let odd = try write("{", "odd\nname.json", in: dir)
        let lines = try rigmap(["validate", odd]).stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("odd\\nname.json") == true)
    }
}
