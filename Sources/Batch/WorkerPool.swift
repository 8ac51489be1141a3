import Foundation
import MetadataModel
import RigMapperCore
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one session may use before its worker is stopped.
public struct SessionLimits: Sendable, Hashable {
    /// Wall-clock seconds a session may run (default 600).
    public var seconds: Double
    /// Bytes of memory a worker may allocate (`RLIMIT_DATA`; default 4 GiB).
    public var memoryBytes: Int

    public init(seconds: Double = 600, memoryBytes: Int = 4 << 30) {
        self.seconds = seconds
        self.memoryBytes = memoryBytes
    }
}

/// Where the sessions of a batch run.
public enum BatchIsolation: Sendable, Hashable {
    /// In this process, on Swift's concurrency pool: no protection from a session that traps or hangs (for a Swift
    /// program that embeds the batch and has no rigmap binary at hand).
    case inProcess
    /// In long-lived worker processes started from `executable` with `arguments` (`rigmap batch-worker`, which runs
    /// ``BatchWorker/serve(pipeline:memoryLimit:)``), one per concurrent session: a session that traps, hangs past
    /// ``SessionLimits/seconds`` or allocates past ``SessionLimits/memoryBytes`` ends only its worker, and is recorded
    /// as `crashed` or `timed_out`.
    case workers(executable: URL, arguments: [String], limits: SessionLimits)
}

/// One worker process at a time, fed sessions one by one: what `rigmap batch` runs `--jobs` of.
struct WorkerSlot: Sendable {
    let executable: URL
    let arguments: [String]
    let limits: SessionLimits

    /// Runs sessions from `next` until it returns `nil`, each in the current worker; a worker that dies is replaced.
    func serve(next: @escaping @Sendable () async -> SessionWork?, done: @escaping @Sendable (SessionWork, SessionOutcome) async -> Void) async {
        var carried: SessionWork?  // taken from the queue by a worker that could not be started
        while true {
            let first: SessionWork
            if let work = carried {
                first = work
                carried = nil
            } else if let work = await next() {
                first = work
            } else {
                return
            }
            let stderrLog = FileManager.default.temporaryDirectory.appendingPathComponent("rigmap-worker-\(getpid())-\(UUID().uuidString).stderr")
            var errorDescriptor = open(stderrLog.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            if errorDescriptor < 0 { errorDescriptor = open("/dev/null", O_WRONLY | O_CLOEXEC) }
            defer {
                if errorDescriptor >= 0 { close(errorDescriptor) }
                unlink(stderrLog.path)
            }
            let watchdog = Watchdog()
            var platform = PlatformOptions()
            platform.processGroupID = 0  // its own group: a terminal's Ctrl-C is the batch's to handle
            var environment: [Environment.Key: String?] = [:]
            // A crash report is one line in the session's diagnostics; the full backtrace is what a rerun of the
            // session alone (`rigmap gather`) prints.
            environment["SWIFT_BACKTRACE"] = "enable=no"
            let outcome: ExecutionOutcome
            do {
                let result = try await run(
                    .path(FilePath(executable.path)), arguments: Arguments(arguments + ["--memory-limit", String(limits.memoryBytes)]), environment: .inherit.updating(environment),
                    platformOptions: platform, input: .inputWriter, output: .sequence,
                    error: .fileDescriptor(FileDescriptor(rawValue: errorDescriptor), closeAfterSpawningProcess: false)
                ) { execution in
                    try await converse(execution, first: first, next: next, done: done, watchdog: watchdog, stderrLog: stderrLog)
                }
                outcome = ExecutionOutcome(inFlight: result.closureResult, status: result.terminationStatus)
            } catch {
                // The worker could not be started: nothing will run, so say so for every session instead of spinning.
                let problem = Diagnostic(.error, "could not start a worker process (\(executable.path)): \(error)")
                await done(first, SessionOutcome(status: .crashed, diagnostics: [problem]))
                while let work = await next() { await done(work, SessionOutcome(status: .crashed, diagnostics: [problem])) }
                return
            }
            guard let inFlight = outcome.inFlight else { continue }  // drained, or the queue ended
            await done(inFlight, death(of: inFlight, status: outcome.status, timedOut: watchdog.fired, stderrLog: stderrLog))
        }
    }

    private struct ExecutionOutcome {
        var inFlight: SessionWork?
        var status: TerminationStatus
    }

    /// Feeds the worker: `first`, then whatever `next` gives, one at a time. Returns the session the worker was
    /// mapping when it died, or `nil` when the queue ran dry and the worker was told to finish.
    private func converse(
        _ execution: Execution<CustomWriteInput, SequenceOutput, FileDescriptorOutput>, first: SessionWork,
        next: @Sendable () async -> SessionWork?, done: @Sendable (SessionWork, SessionOutcome) async -> Void, watchdog: Watchdog, stderrLog: URL
    ) async throws -> SessionWork? {
        let pid = execution.processIdentifier.value
        let limit = limits.seconds
        let guardTask = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 50_000_000)
                if watchdog.expired() { kill(pid, SIGKILL) }
            }
        }
        defer { guardTask.cancel() }
        var lines = LineStream(execution.standardOutput.makeAsyncIterator())
        var current: SessionWork? = first
        while let work = current {
            watchdog.arm(seconds: limit)
            var request = Array(JSONWriter.compactString(work.jsonValue).utf8)
            request.append(0x0A)
            do {
                _ = try await execution.standardInputWriter.write(request)
            } catch {
                watchdog.disarm()
                return work
            }
            let line = try? await lines.next()
            watchdog.disarm()
            guard let line else { return work }
            let outcome =
                (try? JSONParser.parse(line)).flatMap(SessionOutcome.init(jsonValue:))
                ?? SessionOutcome(status: .crashed, diagnostics: [Diagnostic(.error, "internal: the worker's answer could not be read")])
            await done(work, outcome)
            current = await next()
        }
        try? await execution.standardInputWriter.finish()
        return nil
    }

    /// What to record for a session whose worker died under it.
    private func death(of work: SessionWork, status: TerminationStatus, timedOut: Bool, stderrLog: URL) -> SessionOutcome {
        let words = WorkerSlot.lastWords(stderrLog)
        if timedOut {
            let limit = String(format: "%g", limits.seconds)
            return SessionOutcome(
                status: .timedOut,
                diagnostics: [
                    Diagnostic(
                        .error, "timed out: still running after the per-session limit of \(limit) s (--session-timeout); its worker was killed and the batch went on",
                        at: SourceLocation(file: work.session.display))
                ])
        }
        var signal: Int32?
        var how: String
        switch status {
        case .signaled(let code):
            signal = code
            how = "was killed by signal \(code)\(WorkerSlot.signalName(code).map { " (\($0))" } ?? "")"
        case .exited(let code):
            how = "exited with status \(code) without an answer"
        }
        var message = "crashed: the worker process mapping this session \(how)"
        if words.contains("failed to allocate") || words.contains("Could not allocate") {
            message += "; it reached the memory limit of \(limits.memoryBytes >> 20) MiB (--session-memory)"
        }
        if !words.isEmpty { message += "; its last words: \(words)" }
        message += "; the batch went on"
        return SessionOutcome(status: .crashed, diagnostics: [Diagnostic(.error, message, at: SourceLocation(file: work.session.display))], signal: signal)
    }

    /// The most telling line a dead worker wrote to standard error: a Swift `Fatal error:` line, else its last line.
    static func lastWords(_ log: URL) -> String {
        guard let size = try? FileSystem.status(log.path).size, size > 0 else { return "" }
        let tail = (try? FileSystem.read(log.path, ranges: [max(0, size - 16_384)...(size - 1)]).parts.first) ?? []
        let lines = String(decoding: tail, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let chosen = lines.last { $0.contains("Fatal error") } ?? lines.last ?? ""
        return chosen.count > 500 ? String(chosen.prefix(500)) + "…" : chosen
    }

    static func signalName(_ code: Int32) -> String? {
        switch code {
        case SIGILL: return "SIGILL, a Swift runtime trap"
        case SIGTRAP: return "SIGTRAP, a Swift runtime trap"
        case SIGABRT: return "SIGABRT"
        case SIGSEGV: return "SIGSEGV"
        case SIGBUS: return "SIGBUS"
        case SIGKILL: return "SIGKILL"
        case SIGTERM: return "SIGTERM"
        case SIGFPE: return "SIGFPE"
        default: return nil
        }
    }
}

/// A session's deadline, checked by the slot's guard task.
final class Watchdog: Sendable {
    private let state = Locked<(deadline: ContinuousClock.Instant?, fired: Bool)>((nil, false))

    func arm(seconds: Double) {
        state.withLock { $0 = (ContinuousClock.now.advanced(by: .seconds(seconds)), false) }
    }

    func disarm() { state.withLock { $0.deadline = nil } }

    /// Whether the deadline passed (it then counts as fired).
    func expired() -> Bool {
        state.withLock { s in
            guard let deadline = s.deadline, ContinuousClock.now >= deadline else { return false }
            s.fired = true
            return true
        }
    }

    var fired: Bool { state.withLock { $0.fired } }
}

/// Lines (split at LF only: the protocol's JSON never holds a raw newline) of a worker's standard output.
struct LineStream {
    var iterator: SubprocessOutputSequence.AsyncIterator
    var buffer: [UInt8] = []

    init(_ iterator: SubprocessOutputSequence.AsyncIterator) { self.iterator = iterator }

    mutating func next() async throws -> [UInt8]? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            guard let chunk = try await iterator.next() else { return nil }
            chunk.withUnsafeBytes { buffer.append(contentsOf: $0) }
        }
    }
}
