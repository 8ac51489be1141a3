import Foundation
import Testing

/// `rigmap batch` and `rigmap catalog` as a user runs them: whole processes, killed ones, shards as separate processes.
@Suite(.serialized) struct BatchCLITests {
    static let job = "timezone: America/Los_Angeles\nmappers: {fiber: {settings: {implanted_fibers: [0, 1], acquisition_type: AindVrForaging}}}\n"

    /// A root of `count` FIP sessions (one with a truncated fip.json) and its job file.
    static func sessions(_ count: Int) throws -> (base: URL, root: URL, job: URL) {
        let base = temporaryFolder()
        let root = base.appendingPathComponent("root")
        let fip = try String(contentsOf: cliFixtures.appendingPathComponent("fip.json"), encoding: .utf8)
        for i in 0..<count {
            let folder = root.appendingPathComponent(String(format: "s%03d", i))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try (i == 2 ? String(fip.prefix(300)) : fip).write(to: folder.appendingPathComponent("fip.json"), atomically: true, encoding: .utf8)
        }
        let job = base.appendingPathComponent("job.yaml")
        try BatchCLITests.job.write(to: job, atomically: true, encoding: .utf8)
        return (base, root, job)
    }

    /// Every file under a folder but the catalogs (relative path → bytes).
    static func outputs(_ folder: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true, !url.lastPathComponent.contains(".sqlite") else { continue }
            out[String(url.path.dropFirst(folder.path.count + 1))] = try? Data(contentsOf: url)
        }
        return out
    }

    @Test func aBatchReportsEverySessionAndRerunsSkipThem() throws {
        let (base, root, job) = try BatchCLITests.sessions(12)
        let out = base.appendingPathComponent("out")
        let first = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path, "--jobs", "3"])
        #expect(first.status == 3, "\(first.stderr)")
        #expect(first.stdout.contains("ok                    11") && first.stdout.contains("refused                1"), "\(first.stdout)")
        #expect(first.stdout.contains("root/s002: refused"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("batch_report.json"))) as? [String: Any]
        let listed = report?["sessions"] as? [[String: Any]] ?? []
        #expect(listed.count == 12)
        #expect(listed.first?["status"] as? String == "ok")
        #expect((listed[2]["diagnostics"] as? [String])?.first?.contains("malformed JSON") == true)

        // The rerun skips the sessions that ended ok and maps the refused one again (a failure is retried).
        let second = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path, "--json"])
        #expect(second.status == 3)
        let events = second.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(events.count == 12)
        #expect(events.filter { $0["skipped"] as? Bool == true }.compactMap { $0["name"] as? String }.sorted() == (0..<12).filter { $0 != 2 }.map { String(format: "s%03d", $0) })
        #expect(events.first { $0["name"] as? String == "s002" }?["skipped"] as? Bool == false)

        let failed = try rigmap(["catalog", out.path, "--status", "failed", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.map { $0["session"] as? String } == ["s002"])
        let byVersion = try rigmap(["catalog", out.path, "--mapper", "fiber@1.4.0"])
        #expect(byVersion.stdout.split(separator: "\n").count == 12)
        #expect(try rigmap(["catalog", out.path, "--mapper", "fiber@1.0.0"]).stdout.isEmpty)
        #expect(try rigmap(["catalog", base.path]).status == 2)
    }

    /// Killed outright (SIGKILL) in the middle: no torn output, and the rerun maps only what was left, ending with the
    /// same files a batch that was never killed writes.
    @Test func aKilledBatchLeavesNothingTornAndResumes() async throws {
        let (base, root, job) = try BatchCLITests.sessions(60)
        let out = base.appendingPathComponent("out")
        let process = Process()
        process.executableURL = rigmapBinary
        process.arguments = ["batch", root.path, "--job", job.path, "--output", out.path, "--jobs", "2"]
        // The last session never finishes (failpoint), so the batch is still running when it is killed, however fast
        // the binary is; its worker ends with the batch.
        process.environment = ProcessInfo.processInfo.environment.merging(["RIGMAP_FAILPOINTS": "session-hang=s059"]) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Kill it once some sessions are recorded, well before all are.
        var waited = 0
        while waited < 600, process.isRunning, (try? FileManager.default.contentsOfDirectory(atPath: out.path).count) ?? 0 < 10 {
            try await Task.sleep(nanoseconds: 20_000_000)
            waited += 1
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        // Every session folder holds a whole run, or nothing a reader would take for one.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? [] where name.hasPrefix("s") {
            let files = Set((try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(name).path)) ?? []).filter { !$0.hasPrefix(".") }
            #expect(files.isEmpty || files == ["acquisition.json", "acquisition_fiber.json", "gather_report.json", "rigmap.lock"], "\(name): \(files)")
        }
        let rerun = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path, "--jobs", "2"])
        #expect(rerun.status == 3, "\(rerun.stderr)")
        let skippedLine = rerun.stdout.split(separator: "\n").first { $0.hasPrefix("total") } ?? ""
        #expect(!skippedLine.contains("   0   ("), "nothing was skipped: \(skippedLine)")
        let clean = base.appendingPathComponent("clean")
        _ = try rigmap(["batch", root.path, "--job", job.path, "--output", clean.path, "--jobs", "2"])
        var resumed = BatchCLITests.outputs(out)
        var fresh = BatchCLITests.outputs(clean)
        resumed.removeValue(forKey: "batch_report.json")
        fresh.removeValue(forKey: "batch_report.json")
        // The reports of the killed-and-resumed run name their output folder as `out`, the clean run's as `clean`; a
        // session whose files were all written before the kill but not yet recorded is mapped again on the rerun,
        // which reuses those files and says so (`"outcome": "reused"`), with the same diagnostics.
        let normalise = { (files: [String: Data], from: String) in
            files.mapValues {
                Data(
                    String(decoding: $0, as: UTF8.self).replacingOccurrences(of: from, with: "OUT")
                        .replacingOccurrences(of: "\"outcome\": \"reused\"", with: "\"outcome\": \"ran\"").utf8)
            }
        }
        #expect(normalise(resumed, out.path) == normalise(fresh, clean.path))
    }

    /// Four shards as four processes at once, merged: the catalog of one unsharded run.
    @Test func fourShardProcessesMergeIntoOneCatalog() async throws {
        let (base, root, job) = try BatchCLITests.sessions(17)
        let out = base.appendingPathComponent("out")
        var processes: [Process] = []
        for index in 0..<4 {
            let process = Process()
            process.executableURL = rigmapBinary
            process.arguments = ["batch", root.path, "--job", job.path, "--output", out.path, "--shard", "4", "--jobs", "1"]
            process.environment = ProcessInfo.processInfo.environment.merging(["SLURM_ARRAY_TASK_ID": String(index)]) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            processes.append(process)
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 3 || $0.terminationStatus == 0 })
        let shards = (0..<4).map { out.appendingPathComponent("shard-\($0)-of-4.sqlite").path }
        #expect(shards.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        let merged = try rigmap(["catalog", "merge"] + shards + ["--into", out.appendingPathComponent("rigmap-catalog.sqlite").path])
        #expect(merged.status == 0 && merged.stdout.contains("merged 17 session(s) from 4 catalog(s)"))

        let whole = base.appendingPathComponent("whole")
        _ = try rigmap(["batch", root.path, "--job", job.path, "--output", whole.path])
        // The same rows but for when each was recorded.
        let unstamped = { (text: String) in text.split(separator: "\n").filter { !$0.contains("\"recorded_at\"") }.joined(separator: "\n") }
        let a = unstamped(try rigmap(["catalog", out.path, "--json"]).stdout.replacingOccurrences(of: out.path, with: "OUT"))
        let b = unstamped(try rigmap(["catalog", whole.path, "--json"]).stdout.replacingOccurrences(of: whole.path, with: "OUT"))
        #expect(!a.isEmpty && a == b)
    }

    @Test func usageErrors() throws {
        let (base, root, _) = try BatchCLITests.sessions(1)
        let neither = try rigmap(["batch", "--output", base.appendingPathComponent("o").path])
        #expect(neither.status != 0 && neither.stderr.contains("give either ROOT or --manifest"))
        let badShard = try rigmap(["batch", root.path, "--output", base.appendingPathComponent("o").path, "--shard", "4/4"])
        #expect(badShard.status == 2 && badShard.stderr.contains("shard index 4 is outside 0…3"), "\(badShard.stderr)")
        let empty = base.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let none = try rigmap(["batch", empty.path, "--output", base.appendingPathComponent("o").path])
        #expect(none.status == 2 && none.stderr.contains("no session to map"))
        let inside = try rigmap(["batch", root.path, "--output", root.appendingPathComponent("s000/out").path])
        #expect(inside.status == 2 && inside.stderr.contains("is inside ROOT"), "\(inside.stderr)")
        let beside = try rigmap(["batch", root.path, "--output", root.appendingPathComponent("out").path])
        #expect(beside.status == 2 && beside.stderr.contains("is inside ROOT"))
        let help = try rigmap(["batch", "--help"])
        #expect(help.stdout.contains("Examples:") && help.stdout.contains("--shard"))
    }
}
