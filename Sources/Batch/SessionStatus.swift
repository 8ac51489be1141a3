import Pipeline

/// How one session of a batch ended: a gather's status, or what happened to the process mapping it.
public enum SessionStatus: String, Sendable, CaseIterable {
    case ok
    /// Outputs written, but not whole (see ``Pipeline/Status/partial``).
    case partial
    /// A mapper failed, a merge was refused or a document is invalid.
    case refused
    /// The session, its job or a given document could not be used.
    case badInput = "bad_input"
    /// The worker process mapping the session died (a trap, a signal, the memory limit); the batch went on.
    case crashed
    /// The session ran past the batch's per-session time limit and its worker was killed.
    case timedOut = "timed_out"
    /// The session was mapped but its catalog rows could not be written: a rerun maps it again.
    case catalogFailed = "catalog_failed"

    /// The status a gather ended with.
    public init(_ status: Pipeline.Status) {
        switch status {
        case .ok: self = .ok
        case .partial: self = .partial
        case .refused: self = .refused
        case .badInput: self = .badInput
        }
    }

    /// The name used in reports and the catalog (`bad_input`, `timed_out`…).
    public var name: String { rawValue }

    /// The exit status `rigmap gather` would give (crashed: 128 + signal when known, else 125; timed out: 124, as
    /// `timeout(1)`; a catalog failure: 1).
    public func exitCode(signal: Int32? = nil) -> Int {
        switch self {
        case .ok: return 0
        case .refused: return 1
        case .badInput: return 2
        case .partial: return 3
        case .crashed: return signal.map { 128 + Int($0) } ?? 125
        case .timedOut: return 124
        case .catalogFailed: return 1
        }
    }

    /// A worker died while mapping the session (its rerun is retried once, not forever).
    public var isAbnormalEnd: Bool { self == .crashed || self == .timedOut }
}
