import Batch
import Foundation
import MapperTesting
import MetadataModel
import RigMapperCore
import Testing

/// `rigmap batch --scheduler slurm` without Slurm: the job scripts it writes, the shards a resume submits, and the
/// final merge of the shards.
@Suite struct ClusterBatchTests {
    static func batch(shards: Int = 4, jobs: Int? = nil, force: Bool = false) -> ClusterBatch {
        ClusterBatch(
            rigmap: "/opt/rigmap/bin/rigmap", sessions: .manifest("/data/lab sessions/all.tsv"), output: "/shared/out", job: "/data/job.yaml", config: nil, jobs: jobs,
            sessionTimeout: 600, sessionMemoryMiB: 4096, force: force, shardCount: shards, rigmapVersion: "9.9.9")
    }

    @Test func theArrayScriptRunsEachShardWithShardAuto() {
        let script = ClusterBatchTests.batch().arrayScript(2, shards: [0, 1, 2, 3], options: ["--partition=short", "--time=01:00:00"])
        let expected = """
            #!/bin/bash
            # rigmap 9.9.9: batch 2 of /shared/out on Slurm, one array task per shard (4 in all).
            # Each task maps its slice of the sessions into OUT_ROOT/<session>/ with its own catalog
            # (shard-I-of-4.sqlite) and report (batch_report-shard-I-of-4.json); --shard auto takes the
            # shard's index from SLURM_ARRAY_TASK_ID and the number of shards from RIGMAP_SHARD_COUNT. The final step,
            # batch-2-merge.sbatch, merges them into rigmap-catalog.sqlite and batch_report.json.
            # Submitted as:
            #   sbatch --parsable --array=0-3 --job-name=rigmap-batch --output=/shared/out/.rigmap/batch-2-shard-%a.log --chdir=/shared/out --partition=short --time=01:00:00 /shared/out/.rigmap/batch-2.sbatch
            # Run some shards again by hand with: sbatch --array=0,3 /shared/out/.rigmap/batch-2.sbatch
            export RIGMAP_SHARD_COUNT=4
            status=0
            /opt/rigmap/bin/rigmap batch --manifest '/data/lab sessions/all.tsv' --output /shared/out --job /data/job.yaml \\
              --shard auto ${SLURM_CPUS_PER_TASK:+--jobs "$SLURM_CPUS_PER_TASK"} --session-timeout 600 --session-memory \\
              4096 || status=$?
            # 3: some sessions failed. The shard finished (its report and catalog say which), so the task succeeds.
            if [ "$status" -eq 3 ]; then exit 0; fi
            exit "$status"

            """
        #expect(script == expected)
        // The header names the submission exactly as it is made.
        let arguments = ClusterBatchTests.batch().arrayArguments(2, shards: [0, 1, 2, 3], options: ["--partition=short", "--time=01:00:00"])
        #expect(script.contains("#   " + Shell.commandLine(["sbatch"] + arguments) + "\n"))
        #expect(arguments.last == "/shared/out/.rigmap/batch-2.sbatch")
    }

    @Test func theMergeScriptRunsBatchMergeAfterTheArray() {
        let batch = ClusterBatchTests.batch()
        let arguments = batch.mergeArguments(2, arrayJob: "1234", options: ["--account=lab"])
        #expect(arguments.prefix(2) == ["--parsable", "--dependency=afterany:1234"])
        #expect(arguments.contains("--account=lab") && arguments.last == "/shared/out/.rigmap/batch-2-merge.sbatch")
        let script = batch.mergeScript(2, arrayJob: "1234", options: ["--account=lab"])
        #expect(script.hasPrefix("#!/bin/bash\n"))
        #expect(script.hasSuffix("\nexec /opt/rigmap/bin/rigmap batch-merge /shared/out --shards 4 --result /shared/out/.rigmap/batch-2-result.json\n"))
        #expect(script.contains("# 1234 has ended (afterany: also when some of its tasks failed or were cancelled)"))
    }

    /// The script, run by bash as Slurm would run one array task (a stand-in rigmap records what it was given):
    /// --shard auto with the array's index and RIGMAP_SHARD_COUNT, every path whole, exit 3 made a success.
    @Test func theArrayScriptRunsUnderBash() throws {
        let folder = try makeTemporaryFolder("cluster-script")
        let fake = folder.appendingPathComponent("rigmap")
        try """
            #!/bin/bash
            printf '%s\\n' "RIGMAP_SHARD_COUNT=$RIGMAP_SHARD_COUNT" "$@" > "$(dirname "$0")/arguments"
            exit "${FAKE_EXIT:-0}"

            """.write(to: fake, atomically: true, encoding: .utf8)
        chmod(fake.path, 0o755)
        var batch = ClusterBatchTests.batch(force: true)
        batch.rigmap = fake.path
        batch.config = "/data/my configs"
        let script = folder.appendingPathComponent("batch-1.sbatch")
        try batch.arrayScript(1, shards: [1, 3], options: []).write(to: script, atomically: true, encoding: .utf8)
        func run(exit code: Int32, cpus: String?) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [script.path]
            var environment = ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "1", "FAKE_EXIT": String(code), "PATH": "/usr/bin:/bin"]
            environment["SLURM_CPUS_PER_TASK"] = cpus
            process.environment = environment
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(try run(exit: 3, cpus: "8") == 0)
        let arguments = try String(contentsOf: folder.appendingPathComponent("arguments"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(
            arguments == [
                "RIGMAP_SHARD_COUNT=4", "batch", "--manifest", "/data/lab sessions/all.tsv", "--output", "/shared/out", "--job", "/data/job.yaml", "--config",
                "/data/my configs", "--shard", "auto", "--jobs", "8", "--session-timeout", "600", "--session-memory", "4096", "--force",
            ])
        #expect(try run(exit: 2, cpus: nil) == 2)
        // Without SLURM_CPUS_PER_TASK the task passes no --jobs (rigmap then uses every core); never --jobs 0.
        let unset = try String(contentsOf: folder.appendingPathComponent("arguments"), encoding: .utf8)
        #expect(!unset.contains("--jobs") && unset.contains("auto\n--session-timeout\n"))
        // What the task's rigmap makes of those variables: shard 3 of 4 (not 2 of 2, as the array's own count says).
        let environment = ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "1", "RIGMAP_SHARD_COUNT": "4"]
        let choice = try BatchPlan.parseShard("auto", environment: environment)
        #expect(choice.index == 3 && choice.count == 4 && choice.source == "SLURM_ARRAY_TASK_ID=3, RIGMAP_SHARD_COUNT=4")
    }

    @Test func shardAutoUnderEachScheduler() throws {
        func shard(_ environment: [String: String]) throws -> [Int] {
            let choice = try BatchPlan.parseShard("auto", environment: environment)
            return [choice.index, choice.count]
        }
        #expect(try shard(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"]) == [2, 4])
        #expect(try shard(["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "1", "RIGMAP_SHARD_COUNT": "4"]) == [1, 4])
        #expect(try shard(["JOB_COMPLETION_INDEX": "5", "RIGMAP_SHARD_COUNT": "8"]) == [5, 8])
        #expect(try shard(["AWS_BATCH_JOB_ARRAY_INDEX": "7", "RIGMAP_SHARD_COUNT": "8"]) == [7, 8])
        let outside = thrownDiagnostics { _ = try BatchPlan.parseShard("auto", environment: ["SLURM_ARRAY_TASK_ID": "4", "RIGMAP_SHARD_COUNT": "4"]) }
        #expect(outside.first?.message.contains("shard index 4 is outside 0…3") == true)
        let notANumber = thrownDiagnostics { _ = try BatchPlan.parseShard("auto", environment: ["AWS_BATCH_JOB_ARRAY_INDEX": "1", "RIGMAP_SHARD_COUNT": "x"]) }
        #expect(notANumber.first?.message.contains("RIGMAP_SHARD_COUNT 'x' is not a whole number") == true)
    }

    @Test func arrayListsOptionsAndQuoting() {
        #expect(ClusterBatch.arrayList([0, 1, 2, 3]) == "0-3")
        #expect(ClusterBatch.arrayList([3, 1]) == "1,3")
        #expect(ClusterBatch.arrayList([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8")
        #expect(ClusterBatch.arrayList([2, 2]) == "2")
        #expect(ClusterBatch.forbiddenOption("--array=0-3") == "--array")
        #expect(ClusterBatch.forbiddenOption("--dependency=afterok:1") == "--dependency")
        #expect(ClusterBatch.forbiddenOption("--wait") == "--wait")
        #expect(ClusterBatch.forbiddenOption("-a0-3") == "-a")
        #expect(ClusterBatch.forbiddenOption("--partition=short") == nil)
        #expect(ClusterBatch.forbiddenOption("-A") == nil)
        #expect(ClusterBatch.forbiddenOption("--array-like") == nil)
        #expect(Shell.quoted("/plain/path_1.x") == "/plain/path_1.x")
        #expect(Shell.quoted("a b") == "'a b'")
        #expect(Shell.quoted("it's $HOME") == "'it'\\''s $HOME'")
        #expect(Shell.quoted("") == "''")
        // A manifest's session named .rigmap would write its outputs among the job scripts.
        #expect(BatchOptions.isReserved(".rigmap") && !BatchOptions.isReserved("rigmap"))
    }

    @Test func pathsThatCannotGoInAScriptAreRefused() {
        var batch = ClusterBatchTests.batch()
        batch.output = "/shared/out\nrm -rf /"
        #expect(thrownDiagnostics { try batch.check() }.first?.message.contains("control character") == true)
        #expect(thrownDiagnostics { try ClusterBatchTests.batch(shards: 0).check() }.first?.message.contains("at least 1") == true)
        #expect(thrownDiagnostics { try ClusterBatchTests.batch().check() }.isEmpty)
    }

    static func entry(_ name: String, _ status: String, attempts: Int = 1, at time: String = "2026-01-01T00:00:00.000000Z") -> CatalogEntry {
        CatalogEntry(
            session: name, path: "/data/\(name)", status: status, exitCode: status == "ok" ? 0 : 1, inputSHA256: "i", jobSHA256: "j", fingerprint: "f",
            mappers: [.init(name: "fiber", version: "1.4.0", configSHA256: "c", outcome: "ran")], outputs: [:], diagnostics: [], attempts: attempts, recordedAt: time)
    }

    @Test func whatCountsAsDone() {
        for status in ["ok", "partial", "refused", "bad_input"] { #expect(ClusterResume.isDone(ClusterBatchTests.entry("s", status))) }
        for status in ["crashed", "timed_out"] {
            #expect(!ClusterResume.isDone(ClusterBatchTests.entry("s", status)))
            #expect(ClusterResume.isDone(ClusterBatchTests.entry("s", status, attempts: 2)))
        }
        #expect(!ClusterResume.isDone(ClusterBatchTests.entry("s", "catalog_failed")))
        #expect(!ClusterResume.isDone(ClusterBatchTests.entry("s", "something new")))
    }

    /// Ten sessions in three shards — 0: s0 s3 s6 s9, 1: s1 s4 s7, 2: s2 s5 s8 — with shard 0 finished, shard 1's task
    /// dead (no report, s4 crashed once, s7 never mapped) and shard 2 reported but with s2 not recorded.
    @Test func resumeSubmitsOnlyTheShardsThatDidNotFinish() {
        let sessions = (0..<10).map { BatchSession(url: URL(fileURLWithPath: "/data/s\($0)"), display: "/data/s\($0)", name: "s\($0)") }.shuffled()
        var entries: [String: CatalogEntry] = [:]
        for name in ["s0", "s1", "s3", "s6", "s8", "s9"] { entries[name] = ClusterBatchTests.entry(name, "ok") }
        entries["s4"] = ClusterBatchTests.entry("s4", "crashed")
        entries["s5"] = ClusterBatchTests.entry("s5", "timed_out", attempts: 2)
        entries["s2"] = ClusterBatchTests.entry("s2", "catalog_failed")
        func report(_ index: Int, _ names: [String], problem: String? = nil) -> ShardReport {
            ShardReport(index: index, sessions: names.map { ["name": .string($0), "status": "ok"] }, problem: problem)
        }
        var reports = [0: report(0, ["s0", "s3", "s6", "s9"]), 2: report(2, ["s2", "s5", "s8"])]
        var shards = ClusterResume.shards(sessions, count: 3, entries: entries, reports: reports)
        #expect(shards.map(\.mustRun) == [false, true, true])
        #expect(shards[1].notDone == ["s4", "s7"] && shards[1].reportProblem == "left no report")
        #expect(shards[2].notDone == ["s2"] && shards[2].reportProblem == nil)

        // Every session done, but a report that lacks one of its sessions, or an interrupted one, still reruns.
        entries["s2"] = ClusterBatchTests.entry("s2", "refused")
        entries["s4"] = ClusterBatchTests.entry("s4", "ok")
        entries["s7"] = ClusterBatchTests.entry("s7", "bad_input")
        reports[1] = report(1, ["s1", "s4"])
        reports[2] = report(2, ["s2", "s5", "s8"], problem: "was interrupted before it mapped all its sessions")
        shards = ClusterResume.shards(sessions, count: 3, entries: entries, reports: reports)
        #expect(shards.map(\.mustRun) == [false, true, true])
        #expect(shards[1].notDone.isEmpty && shards[1].reportProblem == "left a report without 1 of its sessions")
        reports[1] = report(1, ["s1", "s4", "s7"])
        reports[2] = report(2, ["s2", "s5", "s8"])
        #expect(ClusterResume.shards(sessions, count: 3, entries: entries, reports: reports).allSatisfy { !$0.mustRun })
    }

    /// Writes shard `index` of `count`: a catalog with `rows` and, unless `report` is false, its report.
    static func writeShard(_ out: URL, index: Int, count: Int, rows: [CatalogEntry], report: Bool = true) throws {
        let options = BatchOptions(outputRoot: out, shard: BatchShard(index: index, count: count))
        let catalog = try BatchCatalog(url: options.catalogURL)
        for row in rows { try catalog.record(row) }
        guard report else { return }
        let sessions: [JSONValue] = rows.map { ["session": .string($0.path), "name": .string($0.session), "status": .string($0.status), "skipped": false] }
        try JSONWriter.referenceString(["sessions": .array(sessions)], indent: 2).write(to: options.reportURL, atomically: true, encoding: .utf8)
    }

    @Test func theFinalStepMergesShardsAndNamesTheMissingOnes() throws {
        let out = try makeTemporaryFolder("shard-merge")
        try ClusterBatchTests.writeShard(out, index: 0, count: 3, rows: [ClusterBatchTests.entry("s3", "ok"), ClusterBatchTests.entry("s0", "ok")])
        try ClusterBatchTests.writeShard(out, index: 1, count: 3, rows: [ClusterBatchTests.entry("s1", "ok")], report: false)  // its task died
        try ClusterBatchTests.writeShard(out, index: 2, count: 3, rows: [ClusterBatchTests.entry("s2", "refused")])
        var outcome = try ShardMerge.merge(output: out, count: 3)
        #expect(outcome.unfinished.map(\.index) == [1] && outcome.exitStatus == 1)
        #expect(outcome.sessions.compactMap { $0["name"]?.stringValue } == ["s0", "s2", "s3"])
        let report = try JSONDocument.read(out.appendingPathComponent("batch_report.json"))
        #expect(report["unfinished_shards"] == .array([.int(1)]))
        #expect(report["sessions"]?.arrayValue?.count == 3)
        // The catalogs are merged all the same, the dead shard's rows included.
        #expect(try BatchCatalog(url: out.appendingPathComponent(BatchCatalog.fileName)).entries().map(\.session) == ["s0", "s1", "s2", "s3"])
        let summary = ShardMerge.summary(outcome, count: 3, rerun: "RERUN")
        #expect(summary.contains("refused                1") && summary.contains("shard 1 of 3 left no report") && summary.contains("finish them with: RERUN"))

        try ClusterBatchTests.writeShard(out, index: 1, count: 3, rows: [ClusterBatchTests.entry("s1", "ok")])
        outcome = try ShardMerge.merge(output: out, count: 3)
        #expect(outcome.unfinished.isEmpty && outcome.exitStatus == 3)
        #expect(try JSONDocument.read(out.appendingPathComponent("batch_report.json"))["unfinished_shards"] == nil)
        try "{\"sessions\": [{\"name\": 3}]}".write(to: BatchOptions(outputRoot: out, shard: BatchShard(index: 2, count: 3)).reportURL, atomically: true, encoding: .utf8)
        #expect(ShardReport.read(output: out, index: 2, count: 3).problem?.contains("not a batch report") == true)
        try "{\"sessions\": [".write(to: BatchOptions(outputRoot: out, shard: BatchShard(index: 2, count: 3)).reportURL, atomically: true, encoding: .utf8)
        #expect(ShardReport.read(output: out, index: 2, count: 3).problem?.contains("unreadable report") == true)
        #expect(try ShardMerge.merge(output: out, count: 3).exitStatus == 1)
    }

    @Test func resumeReadsTheNewestRowOfEachSession() throws {
        let out = try makeTemporaryFolder("resume-entries")
        try ClusterBatchTests.writeShard(out, index: 0, count: 2, rows: [ClusterBatchTests.entry("a", "crashed")])
        let merged = try BatchCatalog(url: out.appendingPathComponent(BatchCatalog.fileName))
        try merged.record(ClusterBatchTests.entry("b", "ok"))
        // The shard's row of `a` is recorded after the merged one: it is the newer.
        try merged.record(ClusterBatchTests.entry("a", "ok"))
        try ClusterBatchTests.writeShard(out, index: 1, count: 2, rows: [ClusterBatchTests.entry("a", "timed_out")], report: false)
        let entries = try ClusterResume.entries(output: out, count: 2)
        #expect(entries["a"]?.status == "timed_out" && entries["b"]?.status == "ok")
        // Shard catalogs of another count are not read, and none is created.
        #expect(try ClusterResume.entries(output: out, count: 3).keys.sorted() == ["a", "b"])
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("shard-2-of-3.sqlite").path))
    }
}
