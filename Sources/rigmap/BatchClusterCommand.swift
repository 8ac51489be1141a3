import ArgumentParser
import Batch
import Foundation
import MetadataModel
import RigMapperCore

/// `rigmap batch --scheduler slurm`: the batch submitted as a Slurm array job plus a final merge step.
extension BatchCommand {
    /// The cluster options make sense together, and only with `--scheduler`.
    func validateCluster() throws {
        guard let scheduler else {
            if shards != nil { throw ValidationError("--shards needs --scheduler slurm (to map one slice here, use --shard I/N)") }
            if !slurmOption.isEmpty { throw ValidationError("--slurm-option needs --scheduler slurm") }
            if wait { throw ValidationError("--wait needs --scheduler slurm") }
            if resume { throw ValidationError("--resume needs --scheduler slurm (a batch run here resumes by itself: run the same command again)") }
            return
        }
        guard scheduler == "slurm" else {
            throw ValidationError(
                "--scheduler must be slurm (found '\(scheduler)'); on Kubernetes or AWS Batch, run `rigmap batch … --shard auto` in each task (README, \"On a cluster\")")
        }
        guard let shards else { throw ValidationError("--scheduler slurm needs --shards N, the number of array tasks") }
        guard shards >= 1 && shards <= 1_000_000 else { throw ValidationError("--shards must be between 1 and 1000000 (found \(shards))") }
        if shard != nil { throw ValidationError("--shard is what each task runs: with --scheduler, give the number of shards with --shards N") }
        if json { throw ValidationError("--json is for a batch run here; a submitted batch writes OUT_ROOT/batch_report.json") }
        for option in slurmOption {
            if let name = ClusterBatch.forbiddenOption(option) { throw ValidationError("--slurm-option \(option): rigmap sets \(name) itself") }
        }
    }

    /// The batch as rigmap submits it: every path absolute, this binary, the options the tasks need.
    var clusterBatch: ClusterBatch {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        return ClusterBatch(
            rigmap: absolute(BatchWorkerCommand.executable.path), sessions: root.map { .root(absolute($0)) } ?? .manifest(absolute(manifest ?? "")),
            output: absolute(output), job: job.map(absolute), config: configOptions.config.map(absolute), jobs: jobs, sessionTimeout: sessionTimeout,
            sessionMemoryMiB: sessionMemory, force: force, shardCount: shards ?? 1, rigmapVersion: Rigmap.version)
    }

    func runOnCluster() throws {
        let batch = clusterBatch
        let sessions: [BatchSession]
        do throws(DiagnosticError) {
            try batch.check()
            switch batch.sessions {
            case .root(let path): sessions = try BatchPlan.sessions(under: URL(fileURLWithPath: path), display: path)
            case .manifest(let path): sessions = try BatchPlan.sessions(manifest: URL(fileURLWithPath: path), display: path)
            }
            for session in sessions where PathRelation.isWithin(batch.output, session.url.path) || PathRelation.isWithin(session.url.path, batch.output) {
                throw DiagnosticError("the output folder and the session \(session.display) contain one another; write outputs elsewhere", at: SourceLocation(file: output))
            }
            do {
                try FileManager.default.createDirectory(atPath: batch.output, withIntermediateDirectories: true)
            } catch {
                throw DiagnosticError("cannot create the output folder: \(error.localizedDescription)", at: SourceLocation(file: output))
            }
            try SlurmSubmission.checkLocking(batch.output)
        } catch {
            throw fail(error, code: 2)
        }
        if sessions.isEmpty {
            printError("error: no session to map (\(root.map { "no folder under \($0)" } ?? "the manifest lists none"))")
            throw ExitCode(2)
        }
        let submission = SlurmSubmission(batch: batch, options: slurmOption)
        let resume = self.resume
        let wait = self.wait
        let status = try waitFor { () async throws(DiagnosticError) -> Int32 in
            try await BatchCommand.submit(submission, sessions: sessions, resume: resume, wait: wait)
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Submits (the unfinished shards, with `resume`), prints the job ids, and with `wait` waits and returns the
    /// batch's exit status.
    static func submit(_ submission: SlurmSubmission, sessions: [BatchSession], resume: Bool, wait: Bool) async throws(DiagnosticError) -> Int32 {
        let batch = submission.batch
        let count = batch.shardCount
        let output = URL(fileURLWithPath: batch.output)
        try await submission.checkNothingRunning()
        var shards = Array(0..<count)
        if resume {
            let entries = try ClusterResume.entries(output: output, count: count)
            var reports: [Int: ShardReport] = [:]
            for index in 0..<count { reports[index] = ShardReport.read(output: output, index: index, count: count) }
            let states = ClusterResume.shards(sessions, count: count, entries: entries, reports: reports)
            shards = states.filter(\.mustRun).map(\.index)
            for state in states where state.mustRun {
                let size = BatchPlan.shard(sessions, index: state.index, count: count).count
                var reasons: [String] = []
                if !state.notDone.isEmpty {
                    reasons.append("\(state.notDone.count) of its \(size) sessions not done (\(state.notDone.prefix(5).joined(separator: ", "))\(state.notDone.count > 5 ? ", …" : ""))")
                }
                if let problem = state.reportProblem { reasons.append("it \(problem)") }
                printError("resume: shard \(state.index) of \(count) runs again: \(reasons.joined(separator: "; "))")
            }
            if shards.isEmpty {
                // Nothing left to map: the merge is all there is to do, and it is quick enough to do here.
                printError("resume: every shard of \(count) finished; merging them here")
                let outcome = try ShardMerge.merge(output: output, count: count)
                for conflict in outcome.conflicts { printError("conflict: \(conflict)") }
                print(ShardMerge.summary(outcome, count: count, rerun: rerunHint(batch)))
                return outcome.exitStatus
            }
            printError("resume: \(count - shards.count) of \(count) shards finished; submitting \(ClusterBatch.arrayList(shards))")
        }
        let submitted = try await submission.submit(shards: shards)
        print("batch \(submitted.number): \(sessions.count) sessions in \(count) shard(s) on Slurm")
        print("array job \(submitted.arrayJob): shards \(ClusterBatch.arrayList(shards)), script \(batch.arrayScriptPath(submitted.number))")
        print("  logs \(batch.shardLogPath(submitted.number, index: "<shard>"))")
        print("final step job \(submitted.mergeJob): after job \(submitted.arrayJob), merges into \(PathNames.appending(batch.output, BatchCatalog.fileName)) and \(PathNames.appending(batch.output, "batch_report.json"))")
        fflush(nil)
        guard wait else { return 0 }
        printError("waiting for jobs \(submitted.arrayJob) and \(submitted.mergeJob) (Ctrl-C stops waiting, not the jobs)…")
        try await submission.client.waitUntilEnded([submitted.arrayJob, submitted.mergeJob])
        // On a network file system the submitting machine may see the result a few seconds after the node wrote it.
        var result = submission.result(submitted.number)
        for _ in 0..<10 where result == nil {
            try? await Task.sleep(for: .seconds(1))
            result = submission.result(submitted.number)
        }
        guard let result else {
            throw DiagnosticError(
                "the final step (job \(submitted.mergeJob)) ended without writing its result (\(batch.resultPath(submitted.number))); see its log \(batch.mergeLogPath(submitted.number)), then run \(Shell.commandLine([batch.rigmap, "batch-merge", batch.output, "--shards", String(count)]))"
            )
        }
        print(result.summary)
        return result.status
    }

    static func rerunHint(_ batch: ClusterBatch) -> String {
        "rigmap batch … --output \(Shell.quoted(batch.output)) --scheduler slurm --shards \(batch.shardCount) --resume"
    }

    /// Runs `body` on Swift's concurrency pool while this thread waits (the command stays synchronous, as `rigmap
    /// batch` is); a diagnostic error exits 1: sbatch refused, or Slurm could not be asked.
    func waitFor(_ body: @escaping @Sendable () async throws(DiagnosticError) -> Int32) throws -> Int32 {
        let outcome = Locked<Result<Int32, DiagnosticError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do throws(DiagnosticError) {
                let status = try await body()
                outcome.withLock { $0 = .success(status) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        switch outcome.withLock({ $0 }) {
        case .success(let status)?: return status
        case .failure(let error)?: throw fail(error, code: 1)
        case nil: throw ExitCode(1)
        }
    }
}

/// `rigmap batch-merge`: the final step of a batch run as shards.
struct BatchMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-merge",
        abstract: "Merge the shards of a batch: their catalogs and reports, naming the shards that did not finish.",
        discussion: """
            After every task of `rigmap batch … --shard I/N` (or --shard auto) has ended: merges OUT_ROOT's
            shard-I-of-N.sqlite catalogs into OUT_ROOT/rigmap-catalog.sqlite (see `rigmap catalog merge`) and its
            batch_report-shard-I-of-N.json reports into OUT_ROOT/batch_report.json (the sessions in name order, and
            "unfinished_shards" when some shard left no report, an unreadable one, or was interrupted), then prints
            the summary. `rigmap batch --scheduler slurm` runs it as its final step; run it yourself after a
            Kubernetes Indexed Job or an AWS Batch array job. Shards that did not finish are named, the others merged
            all the same.

            Exit status: 0 every session ok; 3 some not ok; 1 none ok, or a shard did not finish; 2 usage.

            Example:
              rigmap batch-merge /archive/metadata --shards 8
            """
    )

    @Argument(help: ArgumentHelp("The batch's output folder.", valueName: "out_root"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("N: how many shards the batch was cut in.", valueName: "n"))
    var shards: Int

    @Option(name: .long, help: ArgumentHelp("Also write the outcome (exit status, summary) to this JSON file.", valueName: "file"))
    var result: String?

    func validate() throws {
        if !(shards >= 1 && shards <= 1_000_000) { throw ValidationError("--shards must be between 1 and 1000000 (found \(shards))") }
    }

    func run() throws {
        let outputURL = URL(fileURLWithPath: output)
        guard (try? FileSystem.status(outputURL.path).kind) == .directory else {
            printError("\(output): error: not a batch's output folder")
            throw ExitCode(2)
        }
        let outcome: ShardMerge.Outcome
        do {
            outcome = try ShardMerge.merge(output: outputURL, count: shards)
        } catch {
            throw fail(error, code: 2)
        }
        for conflict in outcome.conflicts { printError("conflict: \(conflict)") }
        let rerun =
            "rigmap batch … --output \(Shell.quoted(output)) --shard I/\(shards) for each (on Slurm: rigmap batch … --scheduler slurm --shards \(shards) --resume), then merge again"
        let summary = ShardMerge.summary(outcome, count: shards, rerun: rerun)
        print(summary)
        let status = outcome.exitStatus
        if let result {
            let object: JSONValue = [
                "exit_status": .int(Int(status)), "sessions": .int(outcome.sessions.count), "unfinished_shards": .array(outcome.unfinished.map { .int($0.index) }),
                "summary": .string(summary),
            ]
            do {
                try JSONDocument.writeAtomically([(URL(fileURLWithPath: result), JSONWriter.referenceBytes(object, indent: 2))])
            } catch {
                throw fail(error, code: 2)
            }
        }
        if status != 0 { throw ExitCode(status) }
    }
}
