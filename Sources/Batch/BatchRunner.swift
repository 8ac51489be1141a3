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

    public init(outputRoot: URL, outputRootDisplay: String? = nil, job: URL? = nil, jobDisplay: String? = nil, jobs: Int = 0, force: Bool = false, shard: BatchShard? = nil) {
        self.outputRoot = outputRoot
        self.outputRootDisplay = outputRootDisplay ?? outputRoot.path
        self.job = job
        self.jobDisplay = jobDisplay
        self.jobs = jobs > 0 ? jobs : ProcessInfo.processInfo.activeProcessorCount
        self.force = force
        self.shard = shard
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
    /// As `rigmap gather` reports it (for a skipped session: its last run's).
    public var status: Pipeline.Status
    /// The catalog showed the session unchanged since a run whose outputs are still there: not mapped again.
    public var skipped: Bool
    /// `fiber@1.4.0`…
    public var mappers: [String]
    public var diagnostics: [Diagnostic]
    /// What the catalog now holds for it.
    public var entry: CatalogEntry
}

/// Maps many sessions, each exactly as `rigmap gather` would (same bytes, lock and report), several at once with
/// structured concurrency; a failing or malformed session never stops or corrupts the others. Every finished session
/// is recorded in the catalog at once, so a batch killed halfway loses nothing it finished, and a rerun skips
/// sessions whose inputs, job and resolved mapper versions are unchanged.
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
        self.catalog = try BatchCatalog(url: options.catalogURL)
    }

    /// The results as sessions finish (in completion order). At most `options.jobs` sessions run at once; when
    /// `shouldStop` becomes true (an interrupt), no new session starts and the stream ends once the running ones
    /// are recorded. Cancelling the consuming task does the same.
    public func results(for sessions: [BatchSession], shouldStop: @escaping @Sendable () -> Bool = { false }) -> AsyncStream<BatchSessionResult> {
        // Jobs are read and resolved once, before any session runs: the sessions then share them without locks.
        let jobs = prepareJobs(for: sessions)
        return AsyncStream { continuation in
            let task = Task {
                await withTaskGroup(of: BatchSessionResult.self) { group in
                    var pending = sessions[...]
                    func startNext() -> Bool {
                        guard !shouldStop(), !Task.isCancelled, let next = pending.popFirst() else { return false }
                        group.addTask { self.process(next, jobs: jobs) }
                        return true
                    }
                    for _ in 0..<max(1, options.jobs) where !startNext() { break }
                    while let result = await group.next() {
                        continuation.yield(result)
                        _ = startNext()
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

    /// Maps one session (or skips it) and records it in the catalog.
    public func process(_ session: BatchSession) -> BatchSessionResult {
        process(session, jobs: prepareJobs(for: [session]))
    }

    func process(_ session: BatchSession, jobs: [String: PreparedJob]) -> BatchSessionResult {
        let output = options.outputRoot.appendingPathComponent(session.name)
        let outputDisplay = (options.outputRootDisplay as NSString).appendingPathComponent(session.name)
        guard let job = jobs[(session.job ?? options.job)?.path ?? ""] else {
            return record(session, status: .badInput, mappers: [], diagnostics: [Diagnostic(.error, "internal: the session's job was not prepared")], outputs: [:], inputSHA: "", jobSHA: "", fingerprint: "")
        }
        let request: Resolver.Request
        switch job.request {
        case .success(let ready): request = ready
        case .failure(let error):
            return record(session, status: .badInput, mappers: [], diagnostics: error.diagnostics, outputs: [:], inputSHA: "", jobSHA: "", fingerprint: "")
        }
        let jobSHA = job.sha256
        let (signature, resolved) = (job.signature, job.configSHA256)
        let inputSHA = BatchRunner.listingSHA256(session.url)
        let fingerprint = Digest.sha256([inputSHA, jobSHA, signature].joined(separator: "\n"))

        if !options.force, let previous = try? catalog.entry(session.name), previous.fingerprint == fingerprint, previous.path == session.display,
            BatchRunner.outputsIntact(previous.outputs, in: output)
        {
            return BatchSessionResult(
                session: session, status: Pipeline.Status(name: previous.status) ?? .badInput, skipped: true,
                mappers: previous.mappers.map { "\($0.name)@\($0.version)" }, diagnostics: [], entry: previous)
        }

        let report = pipeline.gather(session: session.url, output: output, request: request, sessionDisplay: session.display, outputDisplay: outputDisplay)
        let mappers = report.mappers.map { record -> CatalogEntry.MapperRun in
            let parts = record.mapper.split(separator: "@", maxSplits: 1).map(String.init)
            let name = parts.first ?? record.mapper
            return CatalogEntry.MapperRun(
                name: name, version: parts.count > 1 ? parts[1] : "", configSHA256: resolved[name] ?? "", outcome: record.outcome.rawValue)
        }
        return record(
            session, status: report.status, mappers: mappers, diagnostics: report.diagnostics, outputs: report.writtenSHA256, inputSHA: inputSHA, jobSHA: jobSHA,
            fingerprint: fingerprint)
    }

    private func record(
        _ session: BatchSession, status: Pipeline.Status, mappers: [CatalogEntry.MapperRun], diagnostics: [Diagnostic], outputs: [String: String],
        inputSHA: String, jobSHA: String, fingerprint: String
    ) -> BatchSessionResult {
        let entry = CatalogEntry(
            session: session.name, path: session.display, status: status.name, exitCode: Int(status.rawValue), inputSHA256: inputSHA, jobSHA256: jobSHA,
            fingerprint: fingerprint, mappers: mappers, outputs: outputs, diagnostics: diagnostics.map(\.description))
        var diagnostics = diagnostics
        do {
            try catalog.record(entry)
        } catch {
            diagnostics += error.diagnostics
        }
        return BatchSessionResult(
            session: session, status: status, skipped: false, mappers: mappers.map { "\($0.name)@\($0.version)" }, diagnostics: diagnostics, entry: entry)
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

extension Pipeline.Status {
    /// The status a name (`ok`, `partial`, `refused`, `bad_input`) stands for.
    public init?(name: String) {
        switch name {
        case "ok": self = .ok
        case "partial": self = .partial
        case "refused": self = .refused
        case "bad_input": self = .badInput
        default: return nil
        }
    }
}
