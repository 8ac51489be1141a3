import Foundation
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore

/// How a batch runs.
public struct BatchOptions: Sendable {
    /// `OUT_ROOT`: each session's outputs go to `OUT_ROOT/<session name>/`.
    public var outputRoot: URL
    /// How `OUT_ROOT` is shown (and how each session's output folder is named in its report).
    public var outputRootDisplay: String
    /// The batch's job file (`--job`); a manifest line's own job replaces it.
    public var job: URL?
    public var jobDisplay: String?
    /// Sessions mapped at once (default: the number of cores).
    public var jobs: Int
    /// Map every session again, even those the catalog shows unchanged.
    public var force: Bool
    /// This process's slice of the session list.
    public var shard: BatchShard?
    /// Where sessions run: in worker processes (what `rigmap batch` does), or in this process.
    public var isolation: BatchIsolation

    public init(
        outputRoot: URL, outputRootDisplay: String? = nil, job: URL? = nil, jobDisplay: String? = nil, jobs: Int = 0, force: Bool = false, shard: BatchShard? = nil,
        isolation: BatchIsolation = .inProcess
    ) {
        self.outputRoot = outputRoot
        self.outputRootDisplay = outputRootDisplay ?? outputRoot.path
        self.job = job
        self.jobDisplay = jobDisplay
        self.jobs = jobs > 0 ? jobs : ProcessInfo.processInfo.activeProcessorCount
        self.force = force
        self.shard = shard
        self.isolation = isolation
    }

    /// The catalog file: `rigmap-catalog.sqlite`, or `shard-I-of-N.sqlite` for a shard.
    public var catalogURL: URL {
        guard let shard else { return outputRoot.appendingPathComponent(BatchCatalog.fileName) }
        return outputRoot.appendingPathComponent("shard-\(shard.index)-of-\(shard.count).sqlite")
    }

    /// The report file: `batch_report.json`, or `batch_report-shard-I-of-N.json` for a shard.
    public var reportURL: URL {
        guard let shard else { return outputRoot.appendingPathComponent("batch_report.json") }
        return outputRoot.appendingPathComponent("batch_report-shard-\(shard.index)-of-\(shard.count).json")
    }

    /// Whether `name` is one of the batch's own files in `OUT_ROOT` (its report, catalogs and their SQLite
    /// companions, the `.rigmap` folder of cluster submissions): a session folder of that name cannot have its
    /// outputs there.
    public static func isReserved(_ name: String) -> Bool {
        name == "batch_report.json" || name == ClusterBatch.folderName || (name.hasPrefix("batch_report-shard-") && name.hasSuffix(".json")) || name.hasPrefix(BatchCatalog.fileName)
            || (name.hasPrefix("shard-") && name.contains(".sqlite"))
    }
}

/// One of N slices of the session list.
public struct BatchShard: Sendable, Hashable {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }
}

/// What happened to one session.
public struct BatchSessionResult: Sendable {
    public var session: BatchSession
    /// As `rigmap gather` reports it, or `crashed` / `timed_out` (for a skipped session: its last run's).
    public var status: SessionStatus
    /// The catalog showed the session finished and unchanged since a run whose outputs are still there (or crashed
    /// twice on these inputs): not mapped again.
    public var skipped: Bool
    /// `fiber@1.4.0`…
    public var mappers: [String]
    public var diagnostics: [Diagnostic]
    /// What the catalog now holds for it.
    public var entry: CatalogEntry
}

/// Maps many sessions, each exactly as `rigmap gather` would (same bytes, lock and report), several at once; a
/// failing, malformed, trapping or hanging session never stops or corrupts the others (with
/// ``BatchIsolation/workers(executable:arguments:limits:)``, each session runs in a worker process). Every finished
/// session is recorded in the catalog at once, so a batch killed halfway loses nothing it finished. A rerun skips the
/// sessions that ended `ok` and whose inputs, job and resolved mapper versions are unchanged; it maps a session that
/// failed again, and retries one whose worker crashed or timed out once (not forever: after two such ends on the same
/// inputs it is skipped until they change or `--force`).
public struct BatchRunner: Sendable {
    public let pipeline: Pipeline
    public let options: BatchOptions
    public let catalog: BatchCatalog

    public init(pipeline: Pipeline, options: BatchOptions) throws(DiagnosticError) {
        self.pipeline = pipeline
        self.options = options
        do {
            try FileManager.default.createDirectory(at: options.outputRoot, withIntermediateDirectories: true)
        } catch {
            throw DiagnosticError("cannot create the output folder: \(error.localizedDescription)", at: SourceLocation(file: options.outputRootDisplay))
        }
        self.catalog = try BatchCatalog(url: options.catalogURL, setAsideIfUnreadable: options.force)
    }

    /// The results as sessions finish (in completion order). At most `options.jobs` sessions run at once; when
    /// `shouldStop` becomes true (an interrupt), no new session starts and the stream ends once the running ones
    /// are recorded. Cancelling the consuming task does the same (and stops worker processes).
    public func results(for sessions: [BatchSession], shouldStop: @escaping @Sendable () -> Bool = { false }) -> AsyncStream<BatchSessionResult> {
        // Jobs are read and resolved once, before any session runs: the sessions then share them without locks.
        let jobs = prepareJobs(for: sessions)
        let pending = Locked(sessions[...])
        let contexts = Locked<[String: RecordContext]>([:])
        return AsyncStream { continuation in
            let next: @Sendable () async -> SessionWork? = {
                while !shouldStop(), !Task.isCancelled, let session = pending.withLock({ $0.popFirst() }) {
                    switch self.plan(session, jobs: jobs) {
                    case .finished(let result):
                        continuation.yield(result)
                    case .run(let work, let context):
                        contexts.withLock { $0[session.name] = context }
                        return work
                    }
                }
                return nil
            }
            let done: @Sendable (SessionWork, SessionOutcome) async -> Void = { work, outcome in
                guard let context = contexts.withLock({ $0.removeValue(forKey: work.session.name) }) else { return }
                continuation.yield(self.record(context.session, outcome: outcome, context: context))
            }
            let task = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<max(1, options.jobs) {
                        group.addTask {
                            switch options.isolation {
                            case .inProcess:
                                while let work = await next() {
                                    let request = jobs[work.session.job?.path ?? ""].flatMap { try? $0.request.get() } ?? Resolver.Request()
                                    await done(work, SessionOutcome.gather(work, request: request, pipeline: pipeline))
                                    // Mapping runs synchronously: let the consumer of the results (and an interrupt) in.
                                    await Task.yield()
                                }
                            case .workers(let executable, let arguments, let limits):
                                await WorkerSlot(executable: executable, arguments: arguments, limits: limits).serve(next: next, done: done)
                            }
                        }
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A job as every session of it uses it: the request, its file's sha256, and the mapper versions it resolves.
    public struct PreparedJob: Sendable {
        var request: Result<Resolver.Request, DiagnosticError>
        var sha256: String
        var signature: String
        var configSHA256: [String: String]
    }

    /// The jobs of `sessions` (the batch's, and each manifest line's own), read and resolved once each.
    public func prepareJobs(for sessions: [BatchSession]) -> [String: PreparedJob] {
        var prepared: [String: PreparedJob] = [:]
        for session in sessions {
            let url = session.job ?? options.job
            let key = url?.path ?? ""
            guard prepared[key] == nil else { continue }
            let display = session.job != nil ? session.jobDisplay : options.jobDisplay
            do {
                let jobConfig = try url.map { url throws(DiagnosticError) in try JobConfig.load(contentsOf: url, displayName: display ?? url.path) } ?? JobConfig()
                let request = Resolver.Request(job: jobConfig)
                let (signature, shas) = resolvedSignature(request)
                prepared[key] = PreparedJob(
                    request: .success(request), sha256: url.flatMap { Digest.sha256(ofFile: $0) } ?? Digest.sha256(""), signature: signature, configSHA256: shas)
            } catch {
                prepared[key] = PreparedJob(request: .failure(error), sha256: "", signature: "", configSHA256: [:])
            }
        }
        return prepared
    }

    /// Maps one session in this process (or skips it) and records it in the catalog.
    public func process(_ session: BatchSession) -> BatchSessionResult {
        let jobs = prepareJobs(for: [session])
        switch plan(session, jobs: jobs) {
        case .finished(let result):
            return result
        case .run(let work, let context):
            let request = jobs[session.job?.path ?? options.job?.path ?? ""].flatMap { try? $0.request.get() } ?? Resolver.Request()
            return record(session, outcome: SessionOutcome.gather(work, request: request, pipeline: pipeline), context: context)
        }
    }

    /// What the catalog row of a session about to run needs from before it ran.
    struct RecordContext: Sendable {
        /// The session as planned (the work sent may name the batch's job in it).
        var session: BatchSession
        var inputSHA = ""
        var jobSHA = ""
        var fingerprint = ""
        var configSHA256: [String: String] = [:]
        /// 1, or one more than the last run's when that run crashed or timed out on the same fingerprint.
        var attempts = 1
    }

    enum Planned {
        case finished(BatchSessionResult)
        case run(SessionWork, RecordContext)
    }

    /// Whether `session` must run (and what its catalog row will need), or its result without running it.
    func plan(_ session: BatchSession, jobs: [String: PreparedJob]) -> Planned {
        let output = options.outputRoot.appendingPathComponent(session.name)
        let outputDisplay = PathNames.appending(options.outputRootDisplay, session.name)
        // The work names the job in force (the session's own, else the batch's), so whoever runs it reads that one.
        var effective = session
        if effective.job == nil, let job = options.job {
            effective.job = job
            effective.jobDisplay = options.jobDisplay
        }
        let work = SessionWork(session: effective, output: output, outputDisplay: outputDisplay)
        if BatchOptions.isReserved(session.name) {
            let problem = Diagnostic(
                .error, "a session folder may not be named '\(session.name)': OUT_ROOT/\(session.name) is the batch's own file; rename the folder",
                at: SourceLocation(file: session.display))
            return .finished(record(session, outcome: SessionOutcome(status: .badInput, diagnostics: [problem]), context: RecordContext(session: session)))
        }
        guard let job = jobs[(session.job ?? options.job)?.path ?? ""] else {
            return .finished(
                record(session, outcome: SessionOutcome(status: .badInput, diagnostics: [Diagnostic(.error, "internal: the session's job was not prepared")]), context: RecordContext(session: session)))
        }
        if case .failure(let error) = job.request {
            return .finished(record(session, outcome: SessionOutcome(status: .badInput, diagnostics: error.diagnostics), context: RecordContext(session: session)))
        }
        var context = RecordContext(session: session, inputSHA: BatchRunner.listingSHA256(session.url), jobSHA: job.sha256, configSHA256: job.configSHA256)
        // The session's real folder, not how it was spelled: `root/s1` and `/abs/root/s1` are one session.
        context.fingerprint = Digest.sha256([context.inputSHA, job.sha256, job.signature, PathRelation.canonical(session.url.path)].joined(separator: "\n"))
        if !options.force, let previous = try? catalog.entry(session.name), previous.fingerprint == context.fingerprint,
            BatchRunner.outputsIntact(previous.outputs, in: output)
        {
            let previousStatus = SessionStatus(rawValue: previous.status) ?? .badInput
            if previousStatus == .ok || (previousStatus.isAbnormalEnd && previous.attempts >= 2) {
                return .finished(
                    BatchSessionResult(
                        session: session, status: previousStatus, skipped: true, mappers: previous.mappers.map { "\($0.name)@\($0.version)" }, diagnostics: [],
                        entry: previous))
            }
            if previousStatus.isAbnormalEnd { context.attempts = previous.attempts + 1 }
        }
        return .run(work, context)
    }

    /// Records a session's outcome in the catalog; a catalog that cannot be written makes the session
    /// `catalog_failed` (its outputs stand, but the next run maps it again).
    func record(_ session: BatchSession, outcome: SessionOutcome, context: RecordContext) -> BatchSessionResult {
        let mappers = outcome.mappers.map { run -> CatalogEntry.MapperRun in
            let parts = run.identity.split(separator: "@", maxSplits: 1).map(String.init)
            let name = parts.first ?? run.identity
            return CatalogEntry.MapperRun(name: name, version: parts.count > 1 ? parts[1] : "", configSHA256: context.configSHA256[name] ?? "", outcome: run.outcome)
        }
        var entry = CatalogEntry(
            session: session.name, path: session.display, status: outcome.status.name, exitCode: outcome.status.exitCode(signal: outcome.signal),
            inputSHA256: context.inputSHA, jobSHA256: context.jobSHA, fingerprint: context.fingerprint, mappers: mappers, outputs: outcome.written,
            diagnostics: outcome.diagnostics.map(\.description), attempts: context.attempts)
        var status = outcome.status
        var diagnostics = outcome.diagnostics
        if status.isAbnormalEnd {
            diagnostics.append(
                Diagnostic(
                    .error,
                    context.attempts >= 2
                        ? "it ended \(status.name) on its retry too: later runs skip it until its files, job or mapper versions change (or --force)"
                        : "the next run retries it once",
                    at: SourceLocation(file: session.display)))
            entry.diagnostics = diagnostics.map(\.description)
        }
        do {
            try catalog.record(entry)
        } catch {
            status = .catalogFailed
            entry.status = status.name
            entry.exitCode = status.exitCode()
            diagnostics += error.diagnostics
            diagnostics.append(
                Diagnostic(.error, "the session was mapped (\(outcome.status.name)) but the catalog could not record it; the next run maps it again", at: SourceLocation(file: session.display)))
        }
        return BatchSessionResult(session: session, status: status, skipped: false, mappers: mappers.map { "\($0.name)@\($0.version)" }, diagnostics: diagnostics, entry: entry)
    }

    /// Every mapper's resolved version and config under the job (a new version, or an edited config, changes it),
    /// and the config sha256 by mapper name.
    func resolvedSignature(_ request: Resolver.Request) -> (String, [String: String]) {
        var everything = request
        everything.only = pipeline.resolver.registry.names
        do {
            let resolution = try pipeline.resolver.resolve(everything)
            var shas: [String: String] = [:]
            var lines: [String] = []
            for mapper in resolution.mappers.sorted(by: { $0.name < $1.name }) {
                shas[mapper.name] = mapper.configSHA256
                lines.append("\(mapper.name)@\(mapper.version) config=\(mapper.configSHA256) settings=\(mapper.settingsSHA256)")
            }
            return (lines.joined(separator: "\n"), shas)
        } catch {
            return ("unresolved: \(error.diagnostics.map(\.description).joined(separator: "; "))", [:])
        }
    }

    /// sha256 of a session's file listing — every visible file's relative path, size and modification time, a few
    /// levels deep — so a rerun notices a changed, added or removed file without reading data files.
    static func listingSHA256(_ root: URL) -> String {
        var running = Digest.Running()
        var pending: [(String, Int)] = [("", 0)]
        while let (relative, depth) = pending.popLast() {
            let folder = relative.isEmpty ? root.path : root.path + "/" + relative
            guard let names = try? FileSystem.names(in: folder) else {
                running.update("unreadable\t\(relative)\n")
                continue
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = relative.isEmpty ? name : relative + "/" + name
                guard let status = try? FileSystem.status(root.path + "/" + path) else { continue }
                switch status.kind {
                case .directory:
                    running.update("d\t\(path)\n")
                    if depth < 8 { pending.append((path, depth + 1)) }
                case .file:
                    running.update("f\t\(path)\t\(status.size)\t\(status.modified)\n")
                case .special:
                    continue
                }
            }
        }
        return running.finalize()
    }

    /// Whether the files a session's last run wrote are still there, with the same bytes.
    static func outputsIntact(_ outputs: [String: String], in folder: URL) -> Bool {
        guard !outputs.isEmpty else { return true }  // nothing written (a refusal or bad input): nothing to lose
        return outputs.allSatisfy { Digest.sha256(ofFile: folder.appendingPathComponent($0.key)) == $0.value }
    }
}
