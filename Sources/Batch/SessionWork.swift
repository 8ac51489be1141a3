import Foundation
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One session to gather, as the batch hands it to whoever runs it (this process, or a worker process).
public struct SessionWork: Sendable, Hashable {
    public var session: BatchSession
    /// `OUT_ROOT/<name>`.
    public var output: URL
    public var outputDisplay: String

    /// As one line of the worker protocol.
    var jsonValue: JSONValue {
        [
            "session": .string(session.url.path), "display": .string(session.display), "name": .string(session.name),
            "job": .string(session.job?.path), "job_display": .string(session.jobDisplay),
            "output": .string(output.path), "output_display": .string(outputDisplay),
        ]
    }

    init(session: BatchSession, output: URL, outputDisplay: String) {
        self.session = session
        self.output = output
        self.outputDisplay = outputDisplay
    }

    init?(jsonValue json: JSONValue) {
        guard let path = json["session"]?.stringValue, let display = json["display"]?.stringValue, let name = json["name"]?.stringValue,
            let output = json["output"]?.stringValue, let outputDisplay = json["output_display"]?.stringValue
        else { return nil }
        var session = BatchSession(url: URL(fileURLWithPath: path), display: display, name: name)
        if let job = json["job"]?.stringValue {
            session.job = URL(fileURLWithPath: job)
            session.jobDisplay = json["job_display"]?.stringValue
        }
        self.init(session: session, output: URL(fileURLWithPath: output), outputDisplay: outputDisplay)
    }
}

/// What gathering one session gave: what the batch records in its catalog and report.
public struct SessionOutcome: Sendable {
    public var status: SessionStatus
    /// `fiber@1.4.0` → `ran`, `reused`, `failed`, in run order.
    public var mappers: [(identity: String, outcome: String)]
    public var diagnostics: [Diagnostic]
    /// Files written (name → sha256).
    public var written: [String: String]
    /// The signal that ended a crashed worker.
    public var signal: Int32?

    public init(status: SessionStatus, mappers: [(identity: String, outcome: String)] = [], diagnostics: [Diagnostic] = [], written: [String: String] = [:], signal: Int32? = nil) {
        self.status = status
        self.mappers = mappers
        self.diagnostics = diagnostics
        self.written = written
        self.signal = signal
    }

    /// Gathers `work` as `rigmap gather` would.
    static func gather(_ work: SessionWork, request: Resolver.Request, pipeline: Pipeline) -> SessionOutcome {
        let report = pipeline.gather(
            session: work.session.url, output: work.output, request: request, sessionDisplay: work.session.display, outputDisplay: work.outputDisplay)
        return SessionOutcome(
            status: SessionStatus(report.status), mappers: report.mappers.map { ($0.mapper, $0.outcome.rawValue) }, diagnostics: report.diagnostics,
            written: report.writtenSHA256)
    }

    var jsonValue: JSONValue {
        var written = JSONObject()
        for key in self.written.keys.sorted() { written[key] = .string(self.written[key]) }
        return [
            "status": .string(status.rawValue),
            "mappers": .array(mappers.map { ["mapper": .string($0.identity), "outcome": .string($0.outcome)] }),
            "diagnostics": .array(diagnostics.map(\.jsonValue)),
            "written_sha256": .object(written),
        ]
    }

    init?(jsonValue json: JSONValue) {
        guard let status = json["status"]?.stringValue.flatMap(SessionStatus.init(rawValue:)), let mappers = json["mappers"]?.arrayValue,
            let diagnostics = json["diagnostics"]?.arrayValue, let written = json["written_sha256"]?.objectValue
        else { return nil }
        var parsedMappers: [(String, String)] = []
        for mapper in mappers {
            guard let identity = mapper["mapper"]?.stringValue, let outcome = mapper["outcome"]?.stringValue else { return nil }
            parsedMappers.append((identity, outcome))
        }
        var parsedDiagnostics: [Diagnostic] = []
        for diagnostic in diagnostics {
            guard let parsed = Diagnostic(jsonValue: diagnostic) else { return nil }
            parsedDiagnostics.append(parsed)
        }
        var files: [String: String] = [:]
        for (name, sha) in written {
            guard let sha = sha.stringValue else { return nil }
            files[name] = sha
        }
        self.init(status: status, mappers: parsedMappers, diagnostics: parsedDiagnostics, written: files)
    }
}

/// The worker side of batch isolation: `rigmap batch-worker` reads one ``SessionWork`` per line on its standard input,
/// gathers it, and answers with one ``SessionOutcome`` per line, so that a session that traps, hangs or exhausts
/// memory ends only its worker process; the batch records it and starts a new worker.
///
/// The protocol is private to one rigmap binary (the batch starts workers from its own executable): compact JSON, one
/// object per line, answers in request order.
public enum BatchWorker {
    /// Serves requests until standard input ends (or the parent process goes away). Anything the mapping code prints
    /// goes to standard error: the protocol keeps standard output to itself.
    ///
    /// - Parameter memoryLimit: bytes of data the process may allocate (`RLIMIT_DATA`), or `nil` for no limit.
    public static func serve(pipeline: Pipeline, memoryLimit: Int?) -> Int32 {
        // The protocol's channel is a private copy of standard output; standard output itself now goes to standard
        // error, so a stray print cannot corrupt an answer.
        let channel = dup(1)
        guard channel >= 0 else { return 1 }
        dup2(2, 1)
        // Ctrl-C reaches the whole process group of a terminal: the batch decides what stops, not each worker.
        signal(SIGINT, SIG_IGN)
        if let memoryLimit, memoryLimit > 0 {
            var limit = rlimit(rlim_cur: rlim_t(memoryLimit), rlim_max: rlim_t(memoryLimit))
            #if canImport(Glibc)
            setrlimit(__rlimit_resource_t(RLIMIT_DATA.rawValue), &limit)
            #else
            setrlimit(RLIMIT_DATA, &limit)
            #endif
        }
        watchParent()
        var jobs: [String: Result<Resolver.Request, DiagnosticError>] = [:]
        var reader = LineReader(descriptor: 0)
        while let line = reader.next() {
            guard let value = try? JSONParser.parse(line), let work = SessionWork(jsonValue: value) else {
                write(SessionOutcome(status: .badInput, diagnostics: [Diagnostic(.error, "internal: unreadable batch request")]).jsonValue, to: channel)
                continue
            }
            injectFaults(for: work.session.name)
            let key = work.session.job?.path ?? ""
            let job = jobs[key] ?? Result { () throws(DiagnosticError) -> Resolver.Request in
                try Resolver.Request(job: work.session.job.map { url throws(DiagnosticError) in try JobConfig.load(contentsOf: url, displayName: work.session.jobDisplay ?? url.path) } ?? JobConfig())
            }
            jobs[key] = job
            let outcome: SessionOutcome
            switch job {
            case .success(let request): outcome = SessionOutcome.gather(work, request: request, pipeline: pipeline)
            case .failure(let error): outcome = SessionOutcome(status: .badInput, diagnostics: error.diagnostics)
            }
            guard write(outcome.jsonValue, to: channel) else { return 1 }
        }
        return 0
    }

    /// A worker whose batch was killed outright must not go on writing: it ends when its parent does.
    private static func watchParent() {
        let parent = getppid()
        Thread.detachNewThread {
            while true {
                usleep(200_000)
                if getppid() != parent { _exit(1) }
            }
        }
    }

    /// The `session-trap`, `session-hang` and `session-memory` failpoints (see ``Failpoints``).
    private static func injectFaults(for session: String) {
        if Failpoints.matches("session-trap", session) {
            // A deliberate trap, for the crash-isolation tests: the message a Swift runtime trap would print, then the
            // signal such a trap raises (SIGILL), so the worker dies exactly as on a real trap.
            FileHandle.standardError.write(Data("Fatal error: failpoint session-trap=\(session)\n".utf8))
            raise(SIGILL)
            _exit(128 + SIGILL)
        }
        if Failpoints.matches("session-hang", session) {
            while true { sleep(60) }
        }
        if Failpoints.matches("session-memory", session) {
            var blocks: [[UInt8]] = []
            while true { blocks.append([UInt8](repeating: 1, count: 64 << 20)) }
        }
    }

    @discardableResult
    static func write(_ value: JSONValue, to descriptor: Int32) -> Bool {
        var bytes = Array(JSONWriter.compactString(value).utf8)
        bytes.append(0x0A)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                #if canImport(Glibc)
                return Glibc.write(descriptor, base + done, bytes.count - done)
                #else
                return Darwin.write(descriptor, base + done, bytes.count - done)
                #endif
            }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            done += n
        }
        return true
    }
}

/// Lines (split at LF only) read from a file descriptor.
struct LineReader {
    let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false

    init(descriptor: Int32) { self.descriptor = descriptor }

    mutating func next() -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                if start > 1 << 16 {
                    buffer.removeFirst(start)
                    start = 0
                }
                return line
            }
            if ended { return nil }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { buffer -> Int in
                #if canImport(Glibc)
                return Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                #else
                return Darwin.read(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                ended = true
                continue
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}
