import Foundation
import MetadataModel
import Pipeline
import RigMapperCore

/// `batch_report.json` and the batch's exit status.
public enum BatchReport {
    /// One session's JSON object (also the `--json` event): session, name, status, exit_code, skipped, mappers,
    /// diagnostics.
    public static func json(_ result: BatchSessionResult) -> JSONValue {
        [
            "session": .string(result.session.display),
            "name": .string(result.session.name),
            "status": .string(result.status.name),
            "exit_code": .int(Int(result.status.rawValue)),
            "skipped": .bool(result.skipped),
            "mappers": .strings(result.mappers),
            "diagnostics": .strings(result.skipped ? result.entry.diagnostics : result.diagnostics.map(\.description)),
        ]
    }

    /// The whole report, sessions in name order (the same whatever order they finished in).
    public static func json(_ results: [BatchSessionResult], interrupted: Bool = false) -> JSONValue {
        let sorted = results.sorted { $0.session.name.utf8.lexicographicallyPrecedes($1.session.name.utf8) }
        var object: JSONObject = ["sessions": .array(sorted.map(json))]
        if interrupted { object["interrupted"] = true }
        return .object(object)
    }

    /// Writes the report atomically.
    public static func write(_ results: [BatchSessionResult], to url: URL, interrupted: Bool = false) throws(DiagnosticError) {
        try JSONDocument.writeAtomically([(url, JSONWriter.referenceBytes(json(results, interrupted: interrupted), indent: 2))])
    }

    /// 0 every session ok; 1 none ok; 3 some failed or partial.
    public static func exitStatus(_ results: [BatchSessionResult]) -> Int32 {
        let ok = results.filter { $0.status == .ok }.count
        if ok == results.count { return 0 }
        return ok == 0 ? 1 : 3
    }

    /// The summary table: sessions by status, with the ones skipped as unchanged.
    public static func summary(_ results: [BatchSessionResult], seconds: Double) -> String {
        var lines: [String] = []
        let statuses: [Pipeline.Status] = [.ok, .partial, .refused, .badInput]
        lines.append("status      sessions  skipped (unchanged)")
        for status in statuses {
            let matching = results.filter { $0.status == status }
            guard !matching.isEmpty else { continue }
            lines.append(
                status.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + String(matching.count).leftPadded(8) + String(matching.filter(\.skipped).count).leftPadded(11))
        }
        let mapped = results.filter { !$0.skipped }.count
        let rate = seconds > 0 ? Double(mapped) / seconds : 0
        lines.append(
            "total       " + String(results.count).leftPadded(8) + String(results.count - mapped).leftPadded(11)
                + String(format: "   (%d mapped in %.1f s, %.1f sessions/s)", mapped, seconds, rate))
        let failed = results.filter { $0.status != .ok }.sorted { $0.session.name < $1.session.name }
        if !failed.isEmpty {
            lines.append("not ok:")
            for result in failed.prefix(20) {
                let reason = (result.skipped ? result.entry.diagnostics : result.diagnostics.filter { $0.severity == .error }.map(\.description)).first ?? ""
                lines.append("  \(result.session.display): \(result.status.name)\(reason.isEmpty ? "" : " — \(reason)")")
            }
            if failed.count > 20 { lines.append("  … and \(failed.count - 20) more (batch_report.json has them all)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
