import Foundation
import RigMapperCore

/// One session of a batch: its folder, the name its outputs go under, and its own job file if the manifest gives one.
public struct BatchSession: Sendable, Hashable {
    /// The session folder.
    public var url: URL
    /// How the folder is shown in messages and reports (as the user wrote it: `ROOT/<name>` or the manifest's line).
    public var display: String
    /// The folder's name: outputs go to `OUT_ROOT/<name>/`, and the catalog keys sessions by it.
    public var name: String
    /// The session's own job file (a manifest's second column), replacing the batch's `--job`.
    public var job: URL?
    /// How the job file is shown in messages.
    public var jobDisplay: String?

    public init(url: URL, display: String, name: String, job: URL? = nil, jobDisplay: String? = nil) {
        self.url = url
        self.display = display
        self.name = name
        self.job = job
        self.jobDisplay = jobDisplay
    }
}

/// Which sessions a batch maps: every folder directly under a root, or the lines of a manifest; sorted by name, so
/// shards and reports are the same on every machine.
public enum BatchPlan {
    /// Every visible folder directly under `root` (a file there is not a session; hidden entries are skipped).
    public static func sessions(under root: URL, display: String) throws(DiagnosticError) -> [BatchSession] {
        let names: [String]
        do {
            guard try FileSystem.status(root.path).kind == .directory else {
                throw DiagnosticError("not a folder of sessions", at: SourceLocation(file: display))
            }
            names = try FileSystem.names(in: root.path)
        } catch let error as FileSystem.Failure {
            throw DiagnosticError("cannot list the sessions: \(error.reason)", at: SourceLocation(file: display))
        } catch let error as DiagnosticError {
            throw error
        } catch {
            throw DiagnosticError("cannot list the sessions: \(error)", at: SourceLocation(file: display))
        }
        var sessions: [BatchSession] = []
        for name in names where !name.hasPrefix(".") {
            let url = root.appendingPathComponent(name)
            // A folder, or a symlink that should lead to one (a broken one is a session that fails, not one to drop).
            guard (try? FileSystem.status(url.path).kind) == .directory || FileSystem.isSymlink(url.path) else { continue }
            sessions.append(BatchSession(url: url, display: PathNames.appending(display, name), name: name))
        }
        return sorted(sessions)
    }

    /// A manifest: one session folder per line, optionally a tab and that session's job file. Relative paths are
    /// relative to the manifest's folder; blank lines and lines starting with `#` are skipped. Every problem is
    /// reported with its line; two sessions with one folder name are refused (their outputs would collide).
    public static func sessions(manifest: URL, display: String) throws(DiagnosticError) -> [BatchSession] {
        let text: String
        do {
            text = InputText(decoding: try FileSystem.read(manifest.path)).string
        } catch {
            throw DiagnosticError("cannot read the manifest: \(error.reason)", at: SourceLocation(file: display))
        }
        let base = manifest.deletingLastPathComponent()
        let baseDisplay = PathNames.parent(display)
        func resolve(_ path: String) -> (URL, String) {
            if path.hasPrefix("/") { return (URL(fileURLWithPath: path), path) }
            return (base.appendingPathComponent(path), baseDisplay.isEmpty ? path : PathNames.appending(baseDisplay, path))
        }
        var problems = DiagnosticCollector()
        var sessions: [BatchSession] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let columns = raw.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard columns.count <= 2, let first = columns.first, !first.isEmpty else {
                problems.error("expected a session folder, optionally a tab and a job file", at: SourceLocation(file: display, line: i + 1))
                continue
            }
            var (url, shown) = resolve(first)
            while shown.hasSuffix("/") && shown.count > 1 { shown.removeLast() }
            var session = BatchSession(url: url, display: shown, name: url.standardizedFileURL.lastPathComponent)
            if columns.count == 2, !columns[1].isEmpty {
                let (job, jobShown) = resolve(columns[1])
                session.job = job
                session.jobDisplay = jobShown
            }
            sessions.append(session)
        }
        var seen: [String: String] = [:]
        for session in sessions {
            if let other = seen[session.name] {
                problems.error(
                    "two sessions are named '\(session.name)' (\(other) and \(session.display)): their outputs would both go to OUT_ROOT/\(session.name)",
                    at: SourceLocation(file: display))
            }
            seen[session.name] = session.display
        }
        try problems.check()
        return sorted(sessions)
    }

    static func sorted(_ sessions: [BatchSession]) -> [BatchSession] {
        sessions.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The `index`-th (0-based) of `count` deterministic, balanced slices: the sessions whose position in name order
    /// is `index` modulo `count` (slices differ in size by at most one).
    public static func shard(_ sessions: [BatchSession], index: Int, count: Int) -> [BatchSession] {
        sessions.enumerated().filter { $0.offset % count == index }.map(\.element)
    }

    /// A shard's index from the scheduler running this process: Slurm arrays, Kubernetes Indexed Jobs, AWS Batch arrays.
    public static let shardIndexVariables = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"]

    /// A parsed `--shard`: which slice, and where the numbers came from (for the batch's first line).
    public struct ShardChoice: Sendable, Hashable {
        public var index: Int
        public var count: Int
        /// `--shard 2/8`, or the variables read (`SLURM_ARRAY_TASK_ID=2 - SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_COUNT=8`).
        public var source: String
    }

    /// Parses `--shard I/N`; `--shard N` (I from ``shardIndexVariables``); or `--shard auto`: I and N from the
    /// scheduler — Slurm's `SLURM_ARRAY_TASK_ID` (less `SLURM_ARRAY_TASK_MIN`, so `--array=1-4` works too) and
    /// `SLURM_ARRAY_TASK_COUNT`; Kubernetes' `JOB_COMPLETION_INDEX` or AWS Batch's `AWS_BATCH_JOB_ARRAY_INDEX`,
    /// which come without a count, with `RIGMAP_SHARD_COUNT` (set it in the job's spec). Under Slurm with
    /// `RIGMAP_SHARD_COUNT` set, the array index is the shard index as it is and the count is `RIGMAP_SHARD_COUNT`,
    /// so an array of some of the shards (`sbatch --array=1,3`, what `rigmap batch --scheduler slurm --resume`
    /// submits) maps exactly those.
    public static func parseShard(_ text: String, environment: [String: String]) throws(DiagnosticError) -> ShardChoice {
        func number(_ value: Substring, _ what: String) throws(DiagnosticError) -> Int {
            guard let parsed = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw DiagnosticError("--shard \(text): \(what) '\(value)' is not a whole number")
            }
            return parsed
        }
        func check(_ choice: ShardChoice) throws(DiagnosticError) -> ShardChoice {
            guard choice.count >= 1 else { throw DiagnosticError("--shard \(text): the number of shards must be at least 1 (found \(choice.count))") }
            guard choice.index >= 0, choice.index < choice.count else {
                throw DiagnosticError(
                    "--shard \(text): shard index \(choice.index) is outside 0…\(choice.count - 1) (indices count from 0; \(choice.count) shards are 0/\(choice.count) to \(choice.count - 1)/\(choice.count))")
            }
            return choice
        }
        if text == "auto" {
            if let id = environment["SLURM_ARRAY_TASK_ID"], let countText = environment["RIGMAP_SHARD_COUNT"] {
                // The array's indices are the shards' own: a resubmission of some shards (`--array=1,3`) maps those.
                let index = try number(Substring(id), "SLURM_ARRAY_TASK_ID")
                let count = try number(Substring(countText), "RIGMAP_SHARD_COUNT")
                return try check(ShardChoice(index: index, count: count, source: "SLURM_ARRAY_TASK_ID=\(id), RIGMAP_SHARD_COUNT=\(countText)"))
            }
            if let id = environment["SLURM_ARRAY_TASK_ID"] {
                guard let countText = environment["SLURM_ARRAY_TASK_COUNT"] else {
                    throw DiagnosticError("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (submit with sbatch --array)")
                }
                let min = try environment["SLURM_ARRAY_TASK_MIN"].map { value throws(DiagnosticError) in try number(Substring(value), "SLURM_ARRAY_TASK_MIN") } ?? 0
                let index = try number(Substring(id), "SLURM_ARRAY_TASK_ID") - min
                let count = try number(Substring(countText), "SLURM_ARRAY_TASK_COUNT")
                return try check(ShardChoice(index: index, count: count, source: "SLURM_ARRAY_TASK_ID=\(id), SLURM_ARRAY_TASK_MIN=\(min), SLURM_ARRAY_TASK_COUNT=\(countText)"))
            }
            for variable in ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"] {
                guard let value = environment[variable] else { continue }
                guard let countText = environment["RIGMAP_SHARD_COUNT"] else {
                    throw DiagnosticError(
                        "--shard auto: \(variable) gives the index but not the number of shards; set RIGMAP_SHARD_COUNT in the job's environment (or write --shard N)")
                }
                let index = try number(Substring(value), variable)
                let count = try number(Substring(countText), "RIGMAP_SHARD_COUNT")
                return try check(ShardChoice(index: index, count: count, source: "\(variable)=\(value), RIGMAP_SHARD_COUNT=\(countText)"))
            }
            throw DiagnosticError(
                "--shard auto: no scheduler variables found (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT or RIGMAP_SHARD_COUNT; JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX with RIGMAP_SHARD_COUNT); write --shard I/N")
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 2:
            return try check(ShardChoice(index: try number(parts[0], "the shard index"), count: try number(parts[1], "the number of shards"), source: "--shard \(text)"))
        case 1:
            let count = try number(parts[0], "the number of shards")
            for variable in shardIndexVariables {
                guard let value = environment[variable] else { continue }
                var index = try number(Substring(value), variable)
                var source = "\(variable)=\(value)"
                if variable == "SLURM_ARRAY_TASK_ID", let minText = environment["SLURM_ARRAY_TASK_MIN"] {
                    index -= try number(Substring(minText), "SLURM_ARRAY_TASK_MIN")
                    source += ", SLURM_ARRAY_TASK_MIN=\(minText)"
                }
                return try check(ShardChoice(index: index, count: count, source: source + ", --shard \(text)"))
            }
            throw DiagnosticError(
                "--shard \(text): no shard index; write --shard I/\(text), or run under a scheduler that sets \(shardIndexVariables.joined(separator: ", ")) (or use --shard auto)")
        default:
            throw DiagnosticError("--shard must be I/N (such as 2/8), N (the index from the scheduler) or auto; found '\(text)'")
        }
    }
}
