import Foundation
import MetadataModel
import RigMapperCore
import Testing

/// The package's folder (this file is `Tests/RigmapCLITests/CrashProofTests.swift`).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A batch survives any one session, and nothing wrong is written with exit 0: whole processes, as a user runs them.
@Suite(.serialized) struct CrashProofTests {
    static let job = BatchCLITests.job

    /// A root of `count` good FIP sessions named `s000`… and the job.
    static func root(_ count: Int) throws -> (base: URL, root: URL, job: URL) {
        let base = temporaryFolder()
        let root = base.appendingPathComponent("root")
        let fip = try String(contentsOf: cliFixtures.appendingPathComponent("fip.json"), encoding: .utf8)
        for i in 0..<count {
            let folder = root.appendingPathComponent(String(format: "s%03d", i))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try fip.replacingOccurrences(of: "\"subject\": \"795158\"", with: "\"subject\": \"\(700000 + i)\"")
                .write(to: folder.appendingPathComponent("fip.json"), atomically: true, encoding: .utf8)
        }
        let job = base.appendingPathComponent("job.yaml")
        try CrashProofTests.job.write(to: job, atomically: true, encoding: .utf8)
        return (base, root, job)
    }

    static func report(_ out: URL) throws -> [String: [String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("batch_report.json"))) as? [String: Any]
        let sessions = json?["sessions"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: sessions.map { ($0["name"] as? String ?? "", $0) })
    }

    /// Sessions that trap, hang and exhaust memory among good ones: the batch finishes, writes its report and catalog,
    /// exits 3; the good sessions are byte-identical to a single `rigmap gather`; the bad ones are `crashed` or
    /// `timed_out` with the signal and the worker's last words. A rerun retries each bad one once; the next skips them.
    @Test func aBatchSurvivesTrapsHangsAndMemoryExhaustion() throws {
        let (base, root, job) = try CrashProofTests.root(8)
        let out = base.appendingPathComponent("out")
        let faults = ["RIGMAP_FAILPOINTS": "session-trap=s002,session-hang=s004,session-memory=s006"]
        let arguments = ["batch", root.path, "--job", job.path, "--output", out.path, "--jobs", "2", "--session-timeout", "3", "--session-memory", "256"]
        let first = try rigmap(arguments, environment: faults)
        #expect(first.status == 3, "\(first.stdout)\n\(first.stderr)")
        var sessions = try CrashProofTests.report(out)
        #expect(sessions.count == 8)
        #expect(sessions["s002"]?["status"] as? String == "crashed")
        #expect(sessions["s002"]?["exit_code"] as? Int == 128 + Int(SIGILL) || sessions["s002"]?["exit_code"] as? Int == 128 + Int(SIGTRAP))
        let trapWords = (sessions["s002"]?["diagnostics"] as? [String])?.first ?? ""
        #expect(trapWords.contains("killed by signal") && trapWords.contains("failpoint session-trap=s002"), "\(trapWords)")
        #expect(sessions["s004"]?["status"] as? String == "timed_out")
        #expect(sessions["s004"]?["exit_code"] as? Int == 124)
        #expect(sessions["s006"]?["status"] as? String == "crashed")
        #expect((sessions["s006"]?["diagnostics"] as? [String])?.first?.contains("memory limit of 256 MiB") == true)
        for name in ["s000", "s001", "s003", "s005", "s007"] { #expect(sessions[name]?["status"] as? String == "ok", "\(name)") }
        // No trace of the bad sessions' runs in their output folders.
        for name in ["s002", "s004", "s006"] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(name).path)) ?? []
            #expect(files.filter { !$0.hasPrefix(".") }.isEmpty, "\(name): \(files)")
        }
        // Good sessions: the bytes of a single gather each.
        for name in ["s000", "s005"] {
            let single = base.appendingPathComponent("single-\(name)")
            let gathered = try rigmap(["gather", root.appendingPathComponent(name).path, "--job", job.path, "--output", single.path])
            #expect(gathered.status == 0)
            let batchReport = try String(contentsOf: out.appendingPathComponent("\(name)/gather_report.json"), encoding: .utf8)
            let singleReport = try String(contentsOf: single.appendingPathComponent("gather_report.json"), encoding: .utf8)
            #expect(batchReport.replacingOccurrences(of: out.appendingPathComponent(name).path, with: "OUT") == singleReport.replacingOccurrences(of: single.path, with: "OUT"))
            for file in ["acquisition.json", "acquisition_fiber.json", "rigmap.lock"] {
                #expect(try Data(contentsOf: out.appendingPathComponent("\(name)/\(file)")) == Data(contentsOf: single.appendingPathComponent(file)), "\(name)/\(file)")
            }
        }
        let catalog = try rigmap(["catalog", out.path, "--status", "failed"])
        #expect(catalog.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) } == ["s002", "s004", "s006"])

        // The rerun skips the good sessions and retries each bad one once.
        let second = try rigmap(arguments, environment: faults)
        #expect(second.status == 3)
        sessions = try CrashProofTests.report(out)
        for name in ["s002", "s004", "s006"] {
            #expect(sessions[name]?["skipped"] as? Bool == false && sessions[name]?["attempts"] as? Int == 2, "\(name)")
        }
        #expect(sessions["s000"]?["skipped"] as? Bool == true)
        // Not forever: the third run skips them too, and says why.
        let third = try rigmap(arguments, environment: faults)
        #expect(third.status == 3)
        sessions = try CrashProofTests.report(out)
        #expect(sessions.values.allSatisfy { $0["skipped"] as? Bool == true })
        #expect(third.stdout.contains("(skipped: 2 attempts on these inputs)"))
        // Fixed (no fault): a forced run maps them.
        let fixed = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path, "--force"])
        #expect(fixed.status == 0, "\(fixed.stdout)")
    }

    /// A catalog that cannot record a session makes it `catalog_failed` and the batch exit non-zero; a rerun maps it.
    @Test func aCatalogFailureIsNotOK() throws {
        let (base, root, job) = try CrashProofTests.root(3)
        let out = base.appendingPathComponent("out")
        let run = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path], environment: ["RIGMAP_FAILPOINTS": "catalog-fail=s001"])
        #expect(run.status == 3)
        let sessions = try CrashProofTests.report(out)
        #expect(sessions["s001"]?["status"] as? String == "catalog_failed")
        #expect((sessions["s001"]?["diagnostics"] as? [String])?.contains { $0.contains("the catalog could not record it") } == true)
        let rerun = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path, "--json"])
        #expect(rerun.status == 0)
        #expect(rerun.stdout.contains("\"name\":\"s001\"") && rerun.stdout.split(separator: "\n").first { $0.contains("\"s001\"") }?.contains("\"skipped\":false") == true)
    }

    /// A session folder named like the batch's own files does not stop the batch from writing them.
    @Test func reservedSessionNames() throws {
        let (base, root, job) = try CrashProofTests.root(2)
        try FileManager.default.copyItem(at: root.appendingPathComponent("s000"), to: root.appendingPathComponent("batch_report.json"))
        let out = base.appendingPathComponent("out")
        let run = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path])
        #expect(run.status == 3)
        let sessions = try CrashProofTests.report(out)
        #expect(sessions["batch_report.json"]?["status"] as? String == "bad_input")
        #expect(sessions["s000"]?["status"] as? String == "ok")
    }

    /// Two batches started at once on a new output folder both work (the catalog's schema is created once).
    @Test func twoBatchesAtOnceOnANewFolder() throws {
        let (base, root, job) = try CrashProofTests.root(2)
        for round in 0..<5 {
            let out = base.appendingPathComponent("out-\(round)")
            let processes = (0..<2).map { _ -> Process in
                let process = Process()
                process.executableURL = rigmapBinary
                process.arguments = ["batch", root.path, "--job", job.path, "--output", out.path]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                return process
            }
            for process in processes { try process.run() }
            for process in processes { process.waitUntilExit() }
            #expect(processes.allSatisfy { $0.terminationStatus == 0 }, "round \(round): \(processes.map(\.terminationStatus))")
        }
    }

    /// A damaged catalog is named as such; --force sets it aside and starts a new one.
    @Test func aDamagedCatalog() throws {
        let (base, root, job) = try CrashProofTests.root(1)
        let out = base.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data(repeating: 0x42, count: 4096).write(to: out.appendingPathComponent("rigmap-catalog.sqlite"))
        let refused = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("not an SQLite database") && refused.stderr.contains("--force"), "\(refused.stderr)")
        let forced = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("set aside as"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("rigmap-catalog.sqlite.unreadable-1").path))
    }

    /// Shard catalogs that disagree about a session: the conflict is reported, the newest row kept, sessions counted once.
    @Test func catalogMergeReportsConflicts() throws {
        let (base, root, job) = try CrashProofTests.root(2)
        let a = base.appendingPathComponent("a")
        let b = base.appendingPathComponent("b")
        _ = try rigmap(["batch", root.path, "--job", job.path, "--output", a.path])
        // The second catalog maps s001 with a broken input: its row says refused, and it is newer.
        try "{".write(to: root.appendingPathComponent("s001/fip.json"), atomically: true, encoding: .utf8)
        _ = try rigmap(["batch", root.path, "--job", job.path, "--output", b.path])
        let into = base.appendingPathComponent("merged.sqlite")
        let merged = try rigmap([
            "catalog", "merge", a.appendingPathComponent("rigmap-catalog.sqlite").path, b.appendingPathComponent("rigmap-catalog.sqlite").path, "--into", into.path,
        ])
        #expect(merged.status == 0)
        #expect(merged.stdout.contains("merged 2 session(s) from 2 catalog(s)"), "\(merged.stdout)")
        #expect(merged.stderr.contains("conflict: session 's001'") && merged.stderr.contains("kept"), "\(merged.stderr)")
        #expect(!merged.stderr.contains("'s000'"))
        let rows = try rigmap(["catalog", into.path])
        #expect(rows.stdout.contains("s001\trefused"))
    }

    /// Session names with tabs and newlines stay one line each in the catalog's text output.
    @Test func catalogTextEscapesNames() throws {
        let (base, root, job) = try CrashProofTests.root(1)
        try FileManager.default.moveItem(at: root.appendingPathComponent("s000"), to: root.appendingPathComponent("a\tb\nc"))
        let out = base.appendingPathComponent("out")
        _ = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path])
        let rows = try rigmap(["catalog", out.path])
        #expect(rows.stdout == "a\\tb\\nc\tok\tfiber@1.4.0\n", "\(rows.stdout)")
    }

    /// One-character paths (Foundation's NSString path helpers trap on them on Linux).
    @Test func oneCharacterPaths() throws {
        let base = temporaryFolder()
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: cliFixtures.appendingPathComponent("fip.json"), to: base.appendingPathComponent("f"))
        let job = cliFixtures.appendingPathComponent("job.yaml").path
        let mapped = try rigmap(["map", "--mapper", "fiber", "--input", "f", "--job", job, "--output", "o"], in: base)
        #expect(mapped.status == 0, "\(mapped.stderr)")
        #expect(FileManager.default.fileExists(atPath: base.appendingPathComponent("o/acquisition_fiber.json").path))
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Examples/vr-foraging-session/behavior"), to: base.appendingPathComponent("b"))
        let behavior = try rigmap(["map", "--mapper", "behavior", "--input", "b", "--job", job, "--output", "p"], in: base)
        #expect(behavior.status == 0 || behavior.status == 1, "\(behavior.stderr)")
        #expect(!behavior.stderr.contains("Fatal error"))
        for path in [".", "..", "/", "b/", "b//", "zoë", "x"] {
            let result = try rigmap(["map", "--mapper", "fiber", "--input", path, "--job", job, "--output", "q"], in: base)
            #expect(result.status == 1 || result.status == 2, "\(path): \(result.status) \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"), "\(path)")
        }
        let gathered = try rigmap(["gather", "b", "--job", job, "--output", "g"], in: base)
        #expect(!gathered.stderr.contains("Fatal error"))
    }

    /// `merge --output sub/../input.json` (sub missing) names an input: refused, the input unchanged.
    @Test func mergeOutputResolvedBeforeComparing() throws {
        let base = temporaryFolder()
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let merge = cliFixtures.appendingPathComponent("merge")
        let inputs = ["a.json", "b.json"]
        for name in inputs { try FileManager.default.copyItem(at: merge.appendingPathComponent(name), to: base.appendingPathComponent(name)) }
        let before = try Data(contentsOf: base.appendingPathComponent(inputs[0]))
        let result = try rigmap(["merge"] + inputs + ["--output", "sub/../\(inputs[0])"], in: base)
        #expect(result.status == 2 && result.stderr.contains("one of the input files"), "\(result.stderr)")
        #expect(try Data(contentsOf: base.appendingPathComponent(inputs[0])) == before)
    }

    /// A gather killed by SIGKILL at any point of its commit leaves the earlier outputs: the next run of the folder
    /// restores them before anything else.
    @Test func aKilledCommitRestoresTheEarlierOutputs() throws {
        let (base, root, job) = try CrashProofTests.root(1)
        let session = root.appendingPathComponent("s000")
        let out = base.appendingPathComponent("out")
        #expect(try rigmap(["gather", session.path, "--job", job.path, "--output", out.path]).status == 0)
        let earlier = BatchCLITests.outputs(out)
        let fip = session.appendingPathComponent("fip.json")
        let good = try String(contentsOf: fip, encoding: .utf8)
        for step in 1...7 {
            // A changed input gives new outputs; the commit is killed after `step` renames.
            try good.replacingOccurrences(of: "700000", with: "70000\(step)").write(to: fip, atomically: true, encoding: .utf8)
            let killed = try rigmap(["gather", session.path, "--job", job.path, "--output", out.path], environment: ["RIGMAP_FAILPOINTS": "commit-kill-after=\(step)"])
            #expect(killed.status == 128 + SIGKILL || killed.status == -1 || killed.status == 9, "step \(step): \(killed.status)")
            // A run that fails before writing its documents (a broken input) takes the folder: the earlier files are back.
            try "{".write(to: fip, atomically: true, encoding: .utf8)
            let refused = try rigmap(["gather", session.path, "--job", job.path, "--output", out.path])
            #expect(refused.status == 1)
            var now = BatchCLITests.outputs(out)
            now.removeValue(forKey: "gather_report.json")
            var expected = earlier
            expected.removeValue(forKey: "gather_report.json")
            #expect(now == expected, "step \(step): \(Set(now.keys)) vs \(Set(expected.keys))")
            let hidden = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }
            #expect(hidden.isEmpty, "step \(step): \(hidden)")
            try good.write(to: fip, atomically: true, encoding: .utf8)
            #expect(try rigmap(["gather", session.path, "--job", job.path, "--output", out.path]).status == 0)
        }
    }

    /// A per-mapper document left in the session (a stale `rigmap map` output) does not silently win over the fresh
    /// mapping: refused by default, or the job says which wins and the report says so.
    @Test func aGivenDocumentAMapperAlsoWritesIsAConflict() throws {
        let (base, root, job) = try CrashProofTests.root(1)
        let session = root.appendingPathComponent("s000")
        // rigmap map into the session itself is refused.
        let into = try rigmap(["map", "--mapper", "fiber", "--input", session.appendingPathComponent("fip.json").path, "--job", job.path, "--output", session.path])
        #expect(into.status == 1 && into.stderr.contains("folder of the input file"), "\(into.stderr)")
        // A stale fiber@1.0.0 acquisition put there by hand.
        let stale = base.appendingPathComponent("stale")
        let oldJob = base.appendingPathComponent("job-1.0.0.yaml")
        try "timezone: America/Los_Angeles\nmappers: {fiber: {settings: {implanted_fibers: [0, 1]}}}\n".write(to: oldJob, atomically: true, encoding: .utf8)
        let old = try rigmap(["map", "--mapper", "fiber@1.0.0", "--input", session.appendingPathComponent("fip.json").path, "--job", oldJob.path, "--output", stale.path])
        #expect(old.status == 0, "\(old.stderr)")
        try FileManager.default.copyItem(at: stale.appendingPathComponent("acquisition_fiber.json"), to: session.appendingPathComponent("acquisition_fiber.json"))
        let refused = try rigmap(["gather", session.path, "--job", job.path, "--output", base.appendingPathComponent("out").path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("acquisition_fiber.json, which a mapper of this run also writes"), "\(refused.stderr)")
        for (choice, fresh) in [("use_mapped", true), ("use_given", false)] {
            let choiceJob = base.appendingPathComponent("job-\(choice).yaml")
            try (CrashProofTests.job + "conflicting_documents: \(choice)\n").write(to: choiceJob, atomically: true, encoding: .utf8)
            let out = base.appendingPathComponent("out-\(choice)")
            let run = try rigmap(["gather", session.path, "--job", choiceJob.path, "--output", out.path])
            #expect(run.status == 0, "\(choice): \(run.stderr)")
            let merged = try JSONDocument.read(out.appendingPathComponent("acquisition.json"))
            // fiber@1.4.0 names the Aind.Physiology.Fip repository; the stale 1.0.0 file Aind.Experiment.VrForaging-Fip.
            let text = try String(contentsOf: out.appendingPathComponent("acquisition.json"), encoding: .utf8)
            #expect(text.contains("Aind.Physiology.Fip") == fresh && text.contains("VrForaging-Fip") == !fresh, "\(choice)")
            #expect(merged["instrument_id"] != nil)
            let report = try String(contentsOf: out.appendingPathComponent("gather_report.json"), encoding: .utf8)
            #expect(report.contains("conflicting_documents: \(choice)"))
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("acquisition_fiber.json").path) == fresh)
        }
    }

    /// posix/ and right/ zones are refused at the job, with the zone to write instead.
    @Test func variantZonesAreRefusedAtTheJob() throws {
        let base = temporaryFolder()
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let job = base.appendingPathComponent("job.yaml")
        try "timezone: right/America/Los_Angeles\n".write(to: job, atomically: true, encoding: .utf8)
        let result = try rigmap(["map", "--mapper", "fiber", "--input", cliFixtures.appendingPathComponent("fip.json").path, "--job", job.path, "--output", base.appendingPathComponent("o").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("job.yaml:1:11") && result.stderr.contains("write 'America/Los_Angeles'"), "\(result.stderr)")
    }

    /// A repeated implanted fiber gives its patch cord twice: the gather refuses it instead of writing it.
    @Test func aRepeatedFiberIsRefusedByGather() throws {
        let (base, root, _) = try CrashProofTests.root(1)
        let job = base.appendingPathComponent("job-repeat.yaml")
        try CrashProofTests.job.replacingOccurrences(of: "[0, 1]", with: "[0, 0]").write(to: job, atomically: true, encoding: .utf8)
        let out = base.appendingPathComponent("out")
        let run = try rigmap(["gather", root.appendingPathComponent("s000").path, "--job", job.path, "--output", out.path])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("is configured twice"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("acquisition.json").path))
    }
}
