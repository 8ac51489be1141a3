import ArgumentParser
import Batch
import Foundation
import MetadataModel
import Pipeline
import RigMapperCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Set by SIGINT: start no new session, finish and record the running ones.
private let interrupted = Atomic<Bool>(false)

/// `rigmap batch`: gather every session under a root (or in a manifest), in parallel, with a catalog.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Gather many sessions at once: parallel, resumable, with a catalog and shards for cluster schedulers.",
        discussion: """
            Every folder directly under ROOT (or every line of --manifest: a session folder, optionally a tab and that session's own job file) is gathered into OUT_ROOT/<session folder name>/ exactly as `rigmap gather` would: the same files, lock and report. Sessions run in parallel; a failing one never stops the others. At the end: a summary table and OUT_ROOT/batch_report.json.

            The catalog (OUT_ROOT/rigmap-catalog.sqlite) records every session's inputs, mapper versions, config hashes, status, outputs and diagnostics. A rerun skips the sessions that ended ok and whose files, job and resolved mapper versions are unchanged and whose outputs are intact (--force maps them again). Query it with `rigmap catalog`. Ctrl-C stops starting sessions and records the running ones; a batch killed outright loses only the sessions it was running, which the next run maps.

            Each session runs in a worker process (the same rigmap binary, --jobs of them): a session that traps, runs past --session-timeout or allocates past --session-memory ends only its worker; it is recorded as crashed or timed_out, with the signal and the worker's last words, and the batch goes on. A rerun skips the sessions that ended ok and are unchanged, maps failed ones again, and retries a crashed or timed-out one once (after two such ends on the same inputs it is skipped until they change, or --force).

            --shard I/N maps the I-th (from 0) of N balanced slices of the session list, into its own catalog (OUT_ROOT/shard-I-of-N.sqlite) and report; with --shard N the index comes from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or AWS_BATCH_JOB_ARRAY_INDEX; --shard auto takes the number of shards too (SLURM_ARRAY_TASK_COUNT, or RIGMAP_SHARD_COUNT). Combine the shards with `rigmap batch-merge OUT_ROOT --shards N` (catalogs and reports) or `rigmap catalog merge`.

            --scheduler slurm --shards N submits the batch to Slurm instead of running it here: the array job's script goes to OUT_ROOT/.rigmap/batch-<n>.sbatch (never overwritten; it runs this rigmap binary with --shard auto, absolute paths, and --jobs, --session-timeout, --session-memory passed on), sbatch runs it as N array tasks, then a final step (batch-<n>-merge.sbatch, after the array: afterany) runs `rigmap batch-merge`, which writes OUT_ROOT/rigmap-catalog.sqlite and OUT_ROOT/batch_report.json. --slurm-option passes one argument to sbatch (repeat it: --slurm-option=--partition=short --slurm-option=--time=02:00:00). It prints the job ids and returns; with --wait it waits for both jobs and exits as a local batch: 0 every session ok, 3 some failed, 1 none ok, a task died without a report or sbatch refused. OUT_ROOT must be on a file system every node mounts. --resume submits again only the shards that did not finish: a shard is finished when its report lists its whole slice and every session of it has a catalog row with an answer (ok, partial, refused, bad_input; crashed or timed_out twice).

            Exit status: 0 every session ok; 3 some failed, partial, crashed or timed out; 1 none succeeded; 2 usage (and no session found); 130 interrupted.

            Examples:
              rigmap batch /data/sessions --job job.yaml --output /data/metadata
              rigmap batch --manifest sessions.tsv --output out --jobs 4 --json > events.jsonl
              rigmap batch /data/sessions --job job.yaml --output out --shard 3/16
              rigmap batch /data/sessions --job job.yaml --output out --shard 16     # index from the scheduler
              rigmap batch /data/sessions --job job.yaml --output /shared/out --scheduler slurm --shards 16 --wait
              rigmap batch /data/sessions --job job.yaml --output /shared/out --scheduler slurm --shards 16 --resume
            """
    )

    @Argument(help: ArgumentHelp("The folder whose subfolders are the sessions (or use --manifest).", valueName: "root"))
    var root: String?

    @Option(name: .long, help: ArgumentHelp("The job file for every session (a manifest line may name its own).", valueName: "job.yaml"))
    var job: String?

    @Option(name: .long, help: ArgumentHelp("Where each session's outputs go (OUT_ROOT/<session>/), with the catalog and report.", valueName: "dir"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("Sessions mapped at once, at least 1 (default: the number of cores).", valueName: "n"))
    var jobs: Int?

    @Option(name: .long, help: ArgumentHelp("A file listing the sessions: a folder per line, optionally a tab and its job file.", valueName: "file"))
    var manifest: String?

    @Option(name: .long, help: ArgumentHelp("Map only slice I of N (I from 0; N alone takes I from the scheduler; auto takes both).", valueName: "I/N"))
    var shard: String?

    @Flag(name: .long, help: "Map every session again, even those the catalog shows unchanged (and set aside an unreadable catalog).")
    var force = false

    @Option(name: .long, help: ArgumentHelp("Seconds one session may run before its worker is killed (status timed_out).", valueName: "seconds"))
    var sessionTimeout: Double = SessionLimits().seconds

    @Option(name: .long, help: ArgumentHelp("MiB of memory one session's worker may allocate (beyond it: status crashed).", valueName: "mib"))
    var sessionMemory: Int = SessionLimits().memoryBytes >> 20

    @Flag(name: .long, help: "One JSON event per session on standard output (the summary goes to standard error).")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Submit the batch to a cluster scheduler instead of running it here: slurm.", valueName: "scheduler"))
    var scheduler: String?

    @Option(name: .long, help: ArgumentHelp("With --scheduler: the number of shards (array tasks).", valueName: "n"))
    var shards: Int?

    @Option(
        name: .long, parsing: .unconditionalSingleValue,
        help: ArgumentHelp("With --scheduler slurm: one argument for sbatch, such as --slurm-option=--partition=short (repeatable).", valueName: "arg"))
    var slurmOption: [String] = []

    @Flag(name: .long, help: "With --scheduler: wait for the jobs and exit as a local batch would.")
    var wait = false

    @Flag(name: .long, help: "With --scheduler: submit only the shards that did not finish.")
    var resume = false

    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        if (root == nil) == (manifest == nil) { throw ValidationError("give either ROOT or --manifest FILE") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1 (leave it out to map one session per core)") }
        if output.isEmpty { throw ValidationError("--output must name a folder") }
        if !(sessionTimeout > 0 && sessionTimeout <= 1_000_000) { throw ValidationError("--session-timeout must be a number of seconds between 0 and 1000000") }
        if !(sessionMemory >= 64 && sessionMemory <= 1 << 30) { throw ValidationError("--session-memory must be at least 64 (MiB)") }
        if let root, PathRelation.isWithin(output, root) {
            throw ValidationError("--output \(output) is inside ROOT \(root): the next run would take it for a session; write the outputs elsewhere")
        }
        try validateCluster()
    }

    func run() throws {
        if scheduler != nil { return try runOnCluster() }
        let runner: BatchRunner
        var sessions: [BatchSession]
        var shardSlice: BatchShard?
        do throws(DiagnosticError) {
            if let root {
                sessions = try BatchPlan.sessions(under: URL(fileURLWithPath: root), display: root)
            } else {
                sessions = try BatchPlan.sessions(manifest: URL(fileURLWithPath: manifest ?? ""), display: manifest ?? "")
            }
            if let shard {
                let parsed = try BatchPlan.parseShard(shard, environment: ProcessInfo.processInfo.environment)
                shardSlice = BatchShard(index: parsed.index, count: parsed.count)
                let all = sessions.count
                sessions = BatchPlan.shard(sessions, index: parsed.index, count: parsed.count)
                printError("shard \(parsed.index) of \(parsed.count) (\(parsed.source)): \(sessions.count) of \(all) sessions")
            }
            let outputURL = URL(fileURLWithPath: output)
            for session in sessions where PathRelation.isWithin(outputURL.path, session.url.path) || PathRelation.isWithin(session.url.path, outputURL.path) {
                throw DiagnosticError("the output folder and the session \(session.display) contain one another; write outputs elsewhere", at: SourceLocation(file: output))
            }
            runner = try BatchRunner(
                pipeline: try makePipeline(try configOptions.store()),
                options: BatchOptions(
                    outputRoot: outputURL, outputRootDisplay: output, job: job.map { URL(fileURLWithPath: $0) }, jobDisplay: job, jobs: jobs ?? 0, force: force,
                    shard: shardSlice,
                    isolation: .workers(
                        executable: BatchWorkerCommand.executable, arguments: BatchWorkerCommand.arguments(config: configOptions.config),
                        limits: SessionLimits(seconds: sessionTimeout, memoryBytes: sessionMemory << 20))))
            if let aside = runner.catalog.setAside {
                printError("warning: the catalog was unreadable; it was set aside as \(aside) and a new one started (--force)")
            }
        } catch {
            throw fail(error, code: 2)
        }
        if sessions.isEmpty {
            if let shardSlice {
                // More shards than sessions: an empty slice is not a mistake.
                try? BatchReport.write([], to: runner.options.reportURL)
                printError("shard \(shardSlice.index) of \(shardSlice.count): no session in this slice")
                return
            }
            printError("error: no session to map (\(root.map { "no folder under \($0)" } ?? "the manifest lists none"))")
            throw ExitCode(2)
        }

        signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
        // A worker that dies leaves a closed pipe: writing to it must fail, not kill the batch.
        signal(SIGPIPE, SIG_IGN)
        let progress = BatchProgress(total: sessions.count, live: isatty(2) == 1 && !json)
        let started = Date()
        // The command is synchronous (so `rigmap` keeps a plain main, which profilers such as valgrind handle); the
        // batch runs on Swift's concurrency pool while this thread waits for it.
        let collected = ResultCollector()
        let done = DispatchSemaphore(value: 0)
        let printJSON = json
        let plan = sessions
        Task {
            for await result in runner.results(for: plan, shouldStop: { interrupted.load(ordering: .relaxed) }) {
                collected.results.withLock { $0.append(result) }
                if printJSON {
                    print(JSONWriter.compactString(BatchReport.json(result)))
                    fflush(nil)
                }
                progress.update(result, elapsed: Date().timeIntervalSince(started))
            }
            done.signal()
        }
        done.wait()
        progress.finish()
        let results = collected.results.withLock { $0 }
        let wasInterrupted = interrupted.load(ordering: .relaxed)
        do {
            try BatchReport.write(results, to: runner.options.reportURL, interrupted: wasInterrupted)
        } catch {
            throw fail(error, code: 2)
        }
        let summary = BatchReport.summary(results, seconds: Date().timeIntervalSince(started))
        if json { printError(summary) } else { print(summary) }
        if wasInterrupted {
            printError("interrupted: \(results.count) of \(sessions.count) sessions recorded; run the same command again to map the rest")
            throw ExitCode(130)
        }
        let status = BatchReport.exitStatus(results)
        if status != 0 { throw ExitCode(status) }
    }
}

/// The results of a running batch, as they arrive.
final class ResultCollector: Sendable {
    let results = Locked<[BatchSessionResult]>([])
}

/// Progress on standard error: one live line on a terminal (done/total, failed, sessions per second, ETA), a plain
/// line every few seconds otherwise.
final class BatchProgress: Sendable {
    struct Counts {
        var done = 0
        var failed = 0
        var skipped = 0
        var lastPrinted = -10.0
    }

    let total: Int
    let live: Bool
    let counts = Locked(Counts())

    init(total: Int, live: Bool) {
        self.total = total
        self.live = live
    }

    func update(_ result: BatchSessionResult, elapsed: Double) {
        let (line, due) = counts.withLock { c -> (String, Bool) in
            c.done += 1
            if result.status != .ok { c.failed += 1 }
            if result.skipped { c.skipped += 1 }
            let mapped = c.done - c.skipped
            let rate = elapsed > 0 ? Double(mapped) / elapsed : 0
            let remaining = rate > 0 ? Double(total - c.done) / rate : 0
            let seconds = Int(exactly: min(remaining, 359_999).rounded(.down)) ?? 0
            let eta = String(format: "%d:%02d", seconds / 60, seconds % 60)
            // Before any session is mapped (all skipped so far) there is no rate to show, nor an ETA from it.
            let speed = mapped > 0 ? ", \(String(format: "%.1f", rate)) sessions/s, ETA \(eta)" : ""
            let line = "[\(c.done)/\(total)] failed \(c.failed), skipped \(c.skipped)\(speed)"
            let due = live || elapsed - c.lastPrinted >= 5 || c.done == total
            if due && !live { c.lastPrinted = elapsed }
            return (line, due)
        }
        guard due else { return }
        if live {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else {
            printError(line)
        }
    }

    func finish() {
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// `rigmap batch-worker`: the process `rigmap batch` runs sessions in (hidden; see ``BatchWorker``).
struct BatchWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-worker", abstract: "Internal: map the sessions a batch sends on standard input.", shouldDisplay: false)

    @Option(name: .long, help: "Bytes of memory this worker may allocate.")
    var memoryLimit: Int?

    @OptionGroup var configOptions: ConfigOptions

    /// This executable, for the batch to start workers from.
    static var executable: URL {
        URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments.first ?? "rigmap")
    }

    /// The worker's arguments (the config folder in force is passed on; the environment is inherited).
    static func arguments(config: String?) -> [String] {
        ["batch-worker"] + (config.map { ["--config", PathRelation.canonical($0)] } ?? [])
    }

    func run() throws {
        let pipeline: Pipeline
        do {
            pipeline = try makePipeline(try configOptions.store())
        } catch {
            throw fail(error, code: 2)
        }
        let status = BatchWorker.serve(pipeline: pipeline, memoryLimit: memoryLimit)
        if status != 0 { throw ExitCode(status) }
    }
}
