import Batch
import Foundation
import MapperCatalog
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Synchronization
import Testing

let batchFixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

let batchJob = "timezone: America/Los_Angeles\nmappers: {fiber: {settings: {implanted_fibers: [0, 1], acquisition_type: AindVrForaging}}}\n"

func shippedPipeline() throws -> Pipeline {
    Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "test"))
}

/// A root of `count` FIP sessions (`s000`…), each with its own subject, and a few broken on purpose:
/// a truncated fip.json, a session whose manifest job asks for a mapper version that does not exist, one whose given
/// acquisition contradicts the mapped one (the merge is refused), and a session folder that is a broken symlink.
struct SessionRoot {
    static let truncated = "s013"
    static let unknownVersion = "s047"
    static let refusedMerge = "s101"
    static let brokenLink = "s150"

    let base: URL
    var root: URL { base.appendingPathComponent("root") }
    var job: URL { base.appendingPathComponent("job.yaml") }
    var manifest: URL { base.appendingPathComponent("sessions.tsv") }
    let names: [String]

    init(count: Int) throws {
        base = try makeTemporaryFolder("batch")
        let fip = try String(contentsOf: batchFixtures.appendingPathComponent("fip.json"), encoding: .utf8)
        try FileManager.default.createDirectory(at: base.appendingPathComponent("root"), withIntermediateDirectories: true)
        try batchJob.write(to: base.appendingPathComponent("job.yaml"), atomically: true, encoding: .utf8)
        try batchJob.replacingOccurrences(of: "{fiber: {settings", with: "{fiber: {version: \"9.9.9\", settings")
            .write(to: base.appendingPathComponent("job-unknown.yaml"), atomically: true, encoding: .utf8)
        var names: [String] = []
        var manifest = ""
        for i in 0..<count {
            let name = String(format: "s%03d", i)
            names.append(name)
            let folder = base.appendingPathComponent("root/\(name)")
            if name == SessionRoot.brokenLink {
                try FileManager.default.createSymbolicLink(atPath: folder.path, withDestinationPath: base.appendingPathComponent("nowhere").path)
                manifest += "root/\(name)\n"
                continue
            }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var text = fip.replacingOccurrences(of: "\"subject\": \"795158\"", with: "\"subject\": \"\(700000 + i)\"")
            if name == SessionRoot.truncated { text = String(text.prefix(400)) }
            try text.write(to: folder.appendingPathComponent("fip.json"), atomically: true, encoding: .utf8)
            manifest += name == SessionRoot.unknownVersion ? "root/\(name)\tjob-unknown.yaml\n" : "root/\(name)\n"
        }
        self.names = names
        try manifest.write(to: base.appendingPathComponent("sessions.tsv"), atomically: true, encoding: .utf8)
    }

    /// Gives `s101` an acquisition of another subject: its merge with the mapped one is refused.
    func addRefusedMerge() throws {
        let probe = try makeTemporaryFolder("probe").appendingPathComponent("out")
        let request = Resolver.Request(job: try JobConfig.load(contentsOf: job, displayName: "job.yaml"))
        _ = try shippedPipeline().gather(session: root.appendingPathComponent("s000"), output: probe, request: request)
        var text = try String(contentsOf: probe.appendingPathComponent("acquisition_fiber.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"subject_id\": \"700000\"", with: "\"subject_id\": \"123456\"")
        try text.write(to: root.appendingPathComponent("\(SessionRoot.refusedMerge)/acquisition_other.json"), atomically: true, encoding: .utf8)
    }
}

/// Every file under a folder (relative path → bytes).
func tree(_ folder: URL) -> [String: Data] {
    var out: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
    while let url = enumerator?.nextObject() as? URL {
        guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
        out[String(url.path.dropFirst(folder.path.count + 1))] = try? Data(contentsOf: url)
    }
    return out
}

func runBatch(_ runner: BatchRunner, _ sessions: [BatchSession], stopAfter: Int? = nil) async -> [BatchSessionResult] {
    let seen = Atomic<Int>(0)
    var results: [BatchSessionResult] = []
    for await result in runner.results(for: sessions, shouldStop: { stopAfter.map { seen.load(ordering: .relaxed) >= $0 } ?? false }) {
        results.append(result)
        seen.add(1, ordering: .relaxed)
    }
    return results
}

func options(_ out: URL, _ root: SessionRoot, display: String? = nil, jobs: Int, force: Bool = false, shard: BatchShard? = nil) -> BatchOptions {
    BatchOptions(outputRoot: out, outputRootDisplay: display ?? out.path, job: root.job, jobDisplay: "job.yaml", jobs: jobs, force: force, shard: shard)
}

@Suite(.serialized) struct BatchRunTests {
    /// 200 sessions, four broken in four ways: every good session's outputs equal a single `rigmap gather` of it, byte
    /// for byte (report and lock included); every bad one is in the report with its reason.
    @Test func twoHundredSessionsLikeSingleGathers() async throws {
        let sessions = try SessionRoot(count: 200)
        try sessions.addRefusedMerge()
        let out = sessions.base.appendingPathComponent("out")
        let plan = try BatchPlan.sessions(manifest: sessions.manifest, display: sessions.manifest.path)
        #expect(plan.count == 200)
        let runner = try BatchRunner(pipeline: try shippedPipeline(), options: options(out, sessions, jobs: 8))
        let results = await runBatch(runner, plan)
        #expect(results.count == 200)
        let byName = Dictionary(uniqueKeysWithValues: results.map { ($0.session.name, $0) })
        #expect(byName[SessionRoot.truncated]?.status == .refused)
        #expect(byName[SessionRoot.truncated]?.diagnostics.contains { $0.message.contains("malformed JSON") } == true)
        #expect(byName[SessionRoot.unknownVersion]?.status == .badInput)
        #expect(byName[SessionRoot.unknownVersion]?.diagnostics.contains { $0.message.contains("9.9.9") } == true)
        #expect(byName[SessionRoot.refusedMerge]?.status == .refused)
        #expect(byName[SessionRoot.refusedMerge]?.diagnostics.contains { $0.message.contains("subject_id") } == true)
        #expect(byName[SessionRoot.brokenLink]?.status == .badInput)
        #expect(results.filter { $0.status == .ok }.count == 196)
        #expect(BatchReport.exitStatus(results) == 3)

        // Good sessions: the same bytes as one gather each (a sample of them, to keep the suite quick).
        let request = Resolver.Request(job: try JobConfig.load(contentsOf: sessions.job, displayName: "job.yaml"))
        for name in ["s000", "s001", "s099", "s199"] {
            let single = sessions.base.appendingPathComponent("single/\(name)")
            let session = try #require(plan.first { $0.name == name })
            let report = try shippedPipeline().gather(
                session: session.url, output: single, request: request, sessionDisplay: session.display, outputDisplay: out.appendingPathComponent(name).path)
            #expect(report.status == .ok)
            #expect(tree(single) == tree(out.appendingPathComponent(name)), "\(name)")
        }
        // The report lists every session, in name order, with its reason.
        try BatchReport.write(results, to: runner.options.reportURL)
        let report = try JSONDocument.read(runner.options.reportURL)
        let listed = report["sessions"]?.arrayValue ?? []
        #expect(listed.map { $0["name"]?.stringValue ?? "" } == sessions.names)
        #expect(listed.first { $0["name"] == .string(SessionRoot.truncated) }?["status"] == "refused")
        #expect(listed.first { $0["name"] == .string(SessionRoot.truncated) }?["diagnostics"]?.arrayValue?.isEmpty == false)
    }

    /// The same outputs, report and catalog whether one session runs at a time or eight.
    @Test func oneOrEightAtOnceGiveTheSameBytes() async throws {
        let sessions = try SessionRoot(count: 40)
        let plan = try BatchPlan.sessions(under: sessions.root, display: "root")
        var trees: [[String: Data]] = []
        var catalogs: [[CatalogEntry]] = []
        for jobs in [1, 8] {
            let out = sessions.base.appendingPathComponent("out-\(jobs)")
            let runner = try BatchRunner(pipeline: try shippedPipeline(), options: BatchOptions(outputRoot: out, outputRootDisplay: "out", job: sessions.job, jobDisplay: "job.yaml", jobs: jobs))
            let results = await runBatch(runner, plan)
            try BatchReport.write(results, to: runner.options.reportURL)
            trees.append(tree(out).filter { !$0.key.hasPrefix(BatchCatalog.fileName) })
            catalogs.append(try runner.catalog.entries())
        }
        #expect(trees[0].count > 100)
        #expect(trees[0] == trees[1])
        #expect(catalogs[0].map(\.unstamped) == catalogs[1].map(\.unstamped))
    }

    /// Stopped halfway (as Ctrl-C stops it), then run again: the finished sessions are skipped as unchanged, the rest
    /// are mapped, nothing is torn; a changed session is mapped again, and --force maps everything.
    @Test func anInterruptedBatchResumes() async throws {
        let sessions = try SessionRoot(count: 30)
        let plan = try BatchPlan.sessions(under: sessions.root, display: "root")
        let out = sessions.base.appendingPathComponent("out")
        let runner = try BatchRunner(pipeline: try shippedPipeline(), options: options(out, sessions, jobs: 2))
        let first = await runBatch(runner, plan, stopAfter: 10)
        #expect(first.count >= 10 && first.count < 30)
        #expect(try runner.catalog.entries().count == first.count)
        for result in first where result.status == .ok {
            #expect(Set(tree(out.appendingPathComponent(result.session.name)).keys) == ["acquisition.json", "acquisition_fiber.json", "gather_report.json", "rigmap.lock"])
        }

        // Finished sessions that ended ok are skipped; the rest (and the refused one, a failure) are mapped.
        let second = await runBatch(runner, plan)
        #expect(second.count == 30)
        let skipped = Set(second.filter(\.skipped).map(\.session.name))
        let finishedOK = Set(first.filter { $0.status == .ok }.map(\.session.name))
        #expect(skipped == finishedOK)
        #expect(second.filter { !$0.skipped }.count == 30 - finishedOK.count)
        #expect(try runner.catalog.entries().count == 30)

        // Touch one session's input: it alone is mapped again (with the refused one, which is always retried).
        let changed = sessions.root.appendingPathComponent("s003/fip.json")
        try (try String(contentsOf: changed, encoding: .utf8) + "\n").write(to: changed, atomically: true, encoding: .utf8)
        let third = await runBatch(runner, plan)
        #expect(third.filter { !$0.skipped }.map(\.session.name).sorted() == ["s003", SessionRoot.truncated])
        // A deleted output is noticed too.
        try FileManager.default.removeItem(at: out.appendingPathComponent("s007/acquisition.json"))
        let fourth = await runBatch(runner, plan)
        #expect(fourth.filter { !$0.skipped }.map(\.session.name).sorted() == ["s007", SessionRoot.truncated])
        let forced = try BatchRunner(pipeline: try shippedPipeline(), options: options(out, sessions, jobs: 2, force: true))
        #expect(await runBatch(forced, plan).allSatisfy { !$0.skipped })
    }

    /// Four shards, merged, give the catalog of one unsharded run.
    @Test func shardsMergeIntoTheUnshardedCatalog() async throws {
        let sessions = try SessionRoot(count: 23)
        let plan = try BatchPlan.sessions(under: sessions.root, display: "root")
        let whole = try BatchRunner(pipeline: try shippedPipeline(), options: options(sessions.base.appendingPathComponent("whole"), sessions, display: "out", jobs: 4))
        _ = await runBatch(whole, plan)
        let out = sessions.base.appendingPathComponent("sharded")
        var shardFiles: [URL] = []
        var covered: [String] = []
        for index in 0..<4 {
            let shard = BatchShard(index: index, count: 4)
            let slice = BatchPlan.shard(plan, index: index, count: 4)
            #expect(slice.count == 5 || slice.count == 6)
            covered += slice.map(\.name)
            let runner = try BatchRunner(pipeline: try shippedPipeline(), options: options(out, sessions, display: "out", jobs: 2, shard: shard))
            _ = await runBatch(runner, slice)
            shardFiles.append(runner.options.catalogURL)
            #expect(runner.options.catalogURL.lastPathComponent == "shard-\(index)-of-4.sqlite")
        }
        #expect(covered.sorted() == plan.map(\.name))
        let merged = out.appendingPathComponent(BatchCatalog.fileName)
        let summary = try BatchCatalog.merge(shardFiles, into: merged)
        #expect(summary.sessions == 23 && summary.conflicts.isEmpty)
        let mergedEntries = try BatchCatalog(url: merged).entries()
        let wholeEntries = try whole.catalog.entries()
        #expect(mergedEntries.map(\.session) == wholeEntries.map(\.session))
        // Equal but for when each row was recorded (both catalogs name the same session folders and the same bytes).
        #expect(mergedEntries.map(\.unstamped) == wholeEntries.map(\.unstamped))
    }
}

@Suite struct BatchPlanAndCatalogTests {
    @Test func shardIndexComesFromTheScheduler() throws {
        func shard(_ text: String, _ environment: [String: String] = [:]) throws -> [Int] {
            let choice = try BatchPlan.parseShard(text, environment: environment)
            return [choice.index, choice.count]
        }
        #expect(try shard("2/8") == [2, 8])
        #expect(try shard("8", ["SLURM_ARRAY_TASK_ID": "5"]) == [5, 8])
        #expect(try shard("4", ["JOB_COMPLETION_INDEX": "3"]) == [3, 4])
        #expect(try shard("4", ["AWS_BATCH_JOB_ARRAY_INDEX": "0"]) == [0, 4])
        // auto: index and count from the scheduler.
        #expect(try shard("auto", ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"]) == [3, 4])
        #expect(try shard("auto", ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"]) == [3, 4])
        #expect(try shard("auto", ["JOB_COMPLETION_INDEX": "7", "RIGMAP_SHARD_COUNT": "8"]) == [7, 8])
        #expect(try shard("auto", ["AWS_BATCH_JOB_ARRAY_INDEX": "0", "RIGMAP_SHARD_COUNT": "2"]) == [0, 2])
        #expect(try BatchPlan.parseShard("auto", environment: ["JOB_COMPLETION_INDEX": "7", "RIGMAP_SHARD_COUNT": "8"]).source.contains("JOB_COMPLETION_INDEX=7"))
        let messages: [(String, [String: String], String)] = [
            ("8/8", [:], "outside 0…7"), ("-1/2", [:], "outside 0…1"), ("a/b", [:], "shard index 'a' is not a whole number"),
            ("4", [:], "no shard index"), ("1/0", [:], "at least 1"), ("1/2/3", [:], "must be I/N"),
            ("auto", [:], "no scheduler variables"), ("auto", ["JOB_COMPLETION_INDEX": "1"], "RIGMAP_SHARD_COUNT"),
            ("auto", ["SLURM_ARRAY_TASK_ID": "1"], "SLURM_ARRAY_TASK_COUNT"),
        ]
        for (bad, environment, expected) in messages {
            let problems = thrownDiagnostics { _ = try BatchPlan.parseShard(bad, environment: environment) }
            #expect(problems.contains { $0.message.contains(expected) }, "\(bad): \(problems)")
        }
        let many = (0..<10).map { BatchSession(url: URL(fileURLWithPath: "/s\($0)"), display: "s\($0)", name: "s\($0)") }
        #expect(BatchPlan.shard(many, index: 1, count: 3).map(\.name) == ["s1", "s4", "s7"])
    }

    @Test func manifestsAreCheckedLineByLine() throws {
        let base = try makeTemporaryFolder("manifest")
        let manifest = base.appendingPathComponent("list.tsv")
        try "# sessions\na/x\tjob-a.yaml\n\nb/y\n/abs/z\n".write(to: manifest, atomically: true, encoding: .utf8)
        let plan = try BatchPlan.sessions(manifest: manifest, display: "list.tsv")
        #expect(plan.map(\.name) == ["x", "y", "z"])
        #expect(plan[0].job == base.appendingPathComponent("job-a.yaml"))
        #expect(plan[0].display == "a/x" && plan[2].display == "/abs/z")
        try "a/x\nb/x\n".write(to: manifest, atomically: true, encoding: .utf8)
        let clash = thrownDiagnostics { _ = try BatchPlan.sessions(manifest: manifest, display: "list.tsv") }
        #expect(clash.contains { $0.message.contains("two sessions are named 'x'") })
        try "a\tb\tc\n".write(to: manifest, atomically: true, encoding: .utf8)
        #expect(thrownDiagnostics { _ = try BatchPlan.sessions(manifest: manifest, display: "list.tsv") }.contains { $0.location?.line == 1 })
    }

    @Test func catalogQueriesByVersionAndStatus() throws {
        let catalog = try BatchCatalog(url: try makeTemporaryFolder("catalog").appendingPathComponent("c.sqlite"))
        func entry(_ name: String, _ status: String, _ version: String) -> CatalogEntry {
            CatalogEntry(
                session: name, path: "root/\(name)", status: status, exitCode: status == "ok" ? 0 : 1, inputSHA256: "i", jobSHA256: "j", fingerprint: "f",
                mappers: [.init(name: "fiber", version: version, configSHA256: "c", outcome: "ran")], outputs: ["acquisition.json": "x"], diagnostics: status == "ok" ? [] : ["error: no"])
        }
        try catalog.record(entry("a", "ok", "1.0.0"))
        try catalog.record(entry("b", "refused", "1.0.0"))
        try catalog.record(entry("c", "ok", "1.4.0"))
        try catalog.record(entry("d", "partial", "1.4.0"))
        #expect(try catalog.entries(mapper: "fiber@1.0.0").map(\.session) == ["a", "b"])
        #expect(try catalog.entries(mapper: "fiber").count == 4)
        #expect(try catalog.entries(mapper: "behavior").isEmpty)
        #expect(try catalog.entries(status: "failed").map(\.session) == ["b", "d"])
        #expect(try catalog.entries(mapper: "fiber@1.4.0", status: "ok").map(\.session) == ["c"])
        // Recording again replaces a session's rows.
        try catalog.record(entry("b", "ok", "1.4.0"))
        #expect(try catalog.entry("b")?.mappers.map(\.version) == ["1.4.0"])
        #expect(try catalog.entries(status: "failed").map(\.session) == ["d"])
    }
}

extension CatalogEntry {
    /// The entry without its `recorded_at` stamp, for comparing what two runs recorded.
    var unstamped: CatalogEntry {
        var copy = self
        copy.recordedAt = ""
        return copy
    }
}
