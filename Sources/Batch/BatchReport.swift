import Foundation
import MetadataModel
import Pipeline
import RigMapperCore

/// `batch_report.json` and the batch's exit status.
public enum BatchReport {
    /// One session's JSON object (also the `--json` event): session, name, status, exit_code, skipped, mappers,
    /// diagnostics, attempts.
    public static func json(_ result: BatchSessionResult) -> JSONValue {
        [
            "session": .string(result.session.display),
            "name": .string(result.session.name),
            "status": .string(result.status.name),
            "exit_code": .int(result.entry.exitCode),
            "skipped": .bool(result.skipped),
            "mappers": .strings(result.mappers),
            "diagnostics": .strings(result.skipped ? result.entry.diagnostics : result.diagnostics.map(\.description)),
            "attempts": .int(result.entry.attempts),
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

    /// The summary table: sessions by status, with the ones skipped as unchanged, then every session that is not ok
    /// with its errors (up to five each, then how many more; `batch_report.json` has them all).
    public static func summary(_ results: [BatchSessionResult], seconds: Double) -> String {
        var lines: [String] = []
        lines.append("status          sessions  skipped (unchanged)")
        for status in SessionStatus.allCases {
            let matching = results.filter { $0.status == status }
            guard !matching.isEmpty else { continue }
            let skipped = matching.filter(\.skipped).count
            lines.append(status.name.padding(toLength: 16, withPad: " ", startingAt: 0) + String(matching.count).leftPadded(8) + String(skipped).leftPadded(11))
        }
        let mapped = results.filter { !$0.skipped }.count
        var total = "total           " + String(results.count).leftPadded(8) + String(results.count - mapped).leftPadded(11)
        if mapped > 0 && seconds > 0 {
            total += String(format: "   (%d mapped in %.1f s, %.1f sessions/s)", mapped, seconds, Double(mapped) / seconds)
        } else if mapped == 0 {
            total += "   (nothing to map: every session is unchanged)"
        }
        lines.append(total)
        let failed = results.filter { $0.status != .ok }.sorted { $0.session.name.utf8.lexicographicallyPrecedes($1.session.name.utf8) }
        if !failed.isEmpty {
            lines.append("not ok:")
            for result in failed.prefix(20) {
                let errors = result.skipped ? result.entry.diagnostics : result.diagnostics.filter { $0.severity == .error }.map(\.description)
                lines.append("  \(result.session.display): \(result.status.name)\(result.skipped ? " (skipped: \(result.entry.attempts) attempts on these inputs)" : "")")
                for error in errors.prefix(5) { lines.append("    \(error)") }
                if errors.count > 5 { lines.append("    … and \(errors.count - 5) more (batch_report.json lists every one)") }
            }
            if failed.count > 20 { lines.append("  … and \(failed.count - 20) more sessions (batch_report.json has them all)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
