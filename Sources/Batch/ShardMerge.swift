import Foundation
import MetadataModel
import RigMapperCore

/// What one shard left in `OUT_ROOT`: its report (`batch_report-shard-I-of-N.json`), read for merging and resuming.
public struct ShardReport: Sendable, Hashable {
    public var index: Int
    /// The report's session objects, as the shard wrote them.
    public var sessions: [JSONValue]
    /// Why the shard does not count as finished: no report (its task died), an unreadable one, or an interrupted
    /// task; `nil` when it finished.
    public var problem: String?

    /// Shard `index`'s report: its `sessions`, and why it did not finish (`nil`: it did).
    public init(index: Int, sessions: [JSONValue], problem: String? = nil) {
        self.index = index
        self.sessions = sessions
        self.problem = problem
    }

    /// The session names the report lists.
    public var names: Set<String> { Set(sessions.compactMap { $0["name"]?.stringValue }) }

    /// Reads shard `index` of `count` in `output`. A missing or unreadable report is a shard with a ``problem``, never
    /// an error: the merge goes on with the others and names it.
    public static func read(output: URL, index: Int, count: Int) -> ShardReport {
        let url = BatchOptions(outputRoot: output, shard: BatchShard(index: index, count: count)).reportURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            return ShardReport(index: index, sessions: [], problem: "left no report (its task died: cancelled, out of time or memory, or its node failed)")
        }
        let value: JSONValue
        do {
            value = try JSONDocument.read(url)
        } catch {
            return ShardReport(index: index, sessions: [], problem: "left an unreadable report: \(error.diagnostics.map(\.description).joined(separator: "; "))")
        }
        guard let sessions = value["sessions"]?.arrayValue,
            sessions.allSatisfy({ $0["name"]?.stringValue != nil && $0["status"]?.stringValue != nil })
        else {
            return ShardReport(index: index, sessions: [], problem: "left a report that is not a batch report (\(url.path): expected sessions with name and status)")
        }
        if value["interrupted"]?.boolValue == true {
            return ShardReport(index: index, sessions: sessions, problem: "was interrupted before it mapped all its sessions")
        }
        return ShardReport(index: index, sessions: sessions)
    }
}

/// The final step of a batch run as shards (`rigmap batch-merge`): the shards' catalogs merged into
/// `OUT_ROOT/rigmap-catalog.sqlite`, their reports into `OUT_ROOT/batch_report.json`, and the shards that did not
/// finish named.
public enum ShardMerge {
    public struct Outcome: Sendable {
        /// Every session of the shards' reports, in name order.
        public var sessions: [JSONValue]
        /// The shards that did not finish, and why.
        public var unfinished: [ShardReport]
        /// Catalog rows that disagreed (see ``BatchCatalog/merge(_:into:)``).
        public var conflicts: [String]

        /// 0 every session ok and every shard finished; 3 some sessions not ok; 1 none ok, or a shard did not finish.
        public var exitStatus: Int32 {
            if !unfinished.isEmpty { return 1 }
            let ok = sessions.filter { $0["status"]?.stringValue == SessionStatus.ok.name }.count
            if ok == sessions.count { return 0 }
            return ok == 0 ? 1 : 3
        }
    }

    /// Merges the `count` shards of `output`. Shards with no catalog or no report are named in the outcome; the rest
    /// are merged all the same (a rerun of the missing shards and of this merge completes the batch).
    public static func merge(output: URL, count: Int) throws(DiagnosticError) -> Outcome {
        guard count >= 1 else { throw DiagnosticError("--shards must be at least 1 (found \(count))") }
        let catalogs = (0..<count).map { BatchOptions(outputRoot: output, shard: BatchShard(index: $0, count: count)).catalogURL }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        let summary = try BatchCatalog.merge(catalogs, into: output.appendingPathComponent(BatchCatalog.fileName))
        let reports = (0..<count).map { ShardReport.read(output: output, index: $0, count: count) }
        // A session listed twice (the session list changed between two submissions) keeps the entry of the report
        // written last.
        var byName: [String: (JSONValue, Int64)] = [:]
        for report in reports {
            let url = BatchOptions(outputRoot: output, shard: BatchShard(index: report.index, count: count)).reportURL
            let modified = (try? FileSystem.status(url.path).modified) ?? 0
            for session in report.sessions {
                guard let name = session["name"]?.stringValue else { continue }
                if let held = byName[name], held.1 > modified { continue }
                byName[name] = (session, modified)
            }
        }
        let sessions = byName.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.compactMap { byName[$0]?.0 }
        let unfinished = reports.filter { $0.problem != nil }
        var object: JSONObject = ["sessions": .array(sessions)]
        if !unfinished.isEmpty { object["unfinished_shards"] = .array(unfinished.map { .int($0.index) }) }
        try JSONDocument.writeAtomically([(output.appendingPathComponent("batch_report.json"), JSONWriter.referenceBytes(.object(object), indent: 2))])
        return Outcome(sessions: sessions, unfinished: unfinished, conflicts: summary.conflicts)
    }

    /// The summary table of a merged batch (as a local batch prints it), then the sessions that are not ok with their
    /// first errors, then the shards that did not finish.
    public static func summary(_ outcome: Outcome, count: Int, rerun: String) -> String {
        var lines = ["status          sessions  skipped (unchanged)"]
        let statuses = outcome.sessions.map { ($0["status"]?.stringValue ?? "", $0["skipped"]?.boolValue == true) }
        var names = SessionStatus.allCases.map(\.name)
        names += Set(statuses.map(\.0)).subtracting(names).sorted()
        for status in names {
            let matching = statuses.filter { $0.0 == status }
            guard !matching.isEmpty else { continue }
            lines.append(status.padding(toLength: 16, withPad: " ", startingAt: 0) + String(matching.count).leftPadded(8) + String(matching.filter(\.1).count).leftPadded(11))
        }
        lines.append("total           " + String(statuses.count).leftPadded(8) + String(statuses.filter(\.1).count).leftPadded(11) + "   (\(count) shard(s))")
        let failed = outcome.sessions.filter { $0["status"]?.stringValue != SessionStatus.ok.name }
        if !failed.isEmpty {
            lines.append("not ok:")
            for session in failed.prefix(20) {
                lines.append("  \(session["session"]?.stringValue ?? session["name"]?.stringValue ?? "?"): \(session["status"]?.stringValue ?? "?")")
                let errors = (session["diagnostics"]?.arrayValue ?? []).compactMap(\.stringValue)
                for error in errors.prefix(5) { lines.append("    \(error)") }
                if errors.count > 5 { lines.append("    … and \(errors.count - 5) more (batch_report.json lists every one)") }
            }
            if failed.count > 20 { lines.append("  … and \(failed.count - 20) more sessions (batch_report.json has them all)") }
        }
        if !outcome.unfinished.isEmpty {
            lines.append("unfinished shards (their sessions are not all mapped):")
            for report in outcome.unfinished { lines.append("  shard \(report.index) of \(count) \(report.problem ?? "")") }
            lines.append("finish them with: \(rerun)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Which shards of a cluster batch must run again to finish it (`rigmap batch --scheduler slurm --resume`).
public enum ClusterResume {
    /// Whether a session's newest catalog row means it needs no rerun to finish the batch: it ended with an answer —
    /// `ok`, `partial`, `refused` or `bad_input` (mapping it again gives the same answer until its files change) — or
    /// it crashed or timed out on its retry too (a local batch skips it as well). No row, `catalog_failed`, and a
    /// first `crashed` or `timed_out` are not done.
    public static func isDone(_ entry: CatalogEntry) -> Bool {
        switch SessionStatus(rawValue: entry.status) {
        case .ok?, .partial?, .refused?, .badInput?: return true
        case .crashed?, .timedOut?: return entry.attempts >= 2
        case .catalogFailed?, nil: return false
        }
    }

    /// One shard's state.
    public struct Shard: Sendable, Hashable {
        public var index: Int
        /// The sessions of its slice without a done row (in name order).
        public var notDone: [String]
        /// Why its report does not show it finished, if it does not.
        public var reportProblem: String?

        /// Whether it must run again.
        public var mustRun: Bool { !notDone.isEmpty || reportProblem != nil }
    }

    /// Every shard of `sessions` cut in `count`: which sessions of each are not done (by `entries`, the newest row of
    /// each session), and whether its report lists its whole slice and is not interrupted. A shard must run again
    /// when either is missing.
    public static func shards(_ sessions: [BatchSession], count: Int, entries: [String: CatalogEntry], reports: [Int: ShardReport]) -> [Shard] {
        (0..<max(count, 0)).map { index in
            let slice = BatchPlan.shard(BatchPlan.sorted(sessions), index: index, count: count).map(\.name)
            let notDone = slice.filter { name in entries[name].map(isDone) != true }
            var problem: String?
            if let report = reports[index] {
                problem = report.problem
                if problem == nil {
                    let missing = Set(slice).subtracting(report.names)
                    if !missing.isEmpty { problem = "left a report without \(missing.count) of its sessions" }
                }
            } else {
                problem = "left no report"
            }
            return Shard(index: index, notDone: notDone, reportProblem: problem)
        }
    }

    /// The newest row of every session in `output`'s merged catalog and its `count` shard catalogs (those that
    /// exist; none is created).
    public static func entries(output: URL, count: Int) throws(DiagnosticError) -> [String: CatalogEntry] {
        var urls = [output.appendingPathComponent(BatchCatalog.fileName)]
        urls += (0..<max(count, 0)).map { BatchOptions(outputRoot: output, shard: BatchShard(index: $0, count: count)).catalogURL }
        var newest: [String: CatalogEntry] = [:]
        for url in urls where FileManager.default.fileExists(atPath: url.path) {
            for entry in try BatchCatalog(url: url).entries() {
                if let held = newest[entry.session], held.recordedAt > entry.recordedAt { continue }
                newest[entry.session] = entry
            }
        }
        return newest
    }
}
