import Foundation
import MetadataModel

/// `format` checks: `date-time`, `date`, `time`, `duration` (ISO 8601 / RFC 3339), `uri`, `uri-reference`.
enum Formats {
    /// A message when `string` is not of `format`; `nil` when it is, or the format is only an annotation.
    static func check(_ string: String, format: Format, lax: Bool, naive: Bool = false) -> String? {
        switch format {
        case .dateTime:
            do {
                let t = try Timestamp(parsing: string)
                if t.isNaive && !lax && !naive { return "must be a date-time with a UTC offset (e.g. 2025-07-18T12:32:35-07:00)" }
                return nil
            } catch {
                if lax, isDate(string) { return nil }  // pydantic accepts a bare date as midnight
                return "must be an ISO 8601 date-time: \(error.reason)"
            }
        case .date:
            return isDate(string) ? nil : "must be an ISO 8601 date (YYYY-MM-DD)"
        case .time:
            return isTime(string) ? nil : "must be an ISO 8601 time (HH:MM:SS[.ffffff][Z|±HH:MM])"
        case .duration:
            return isDuration(string) ? nil : "must be an ISO 8601 duration such as PT30M or P1DT2H"
        case .uri:
            return string.range(of: #"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$"#, options: .regularExpression) != nil ? nil : "must be an absolute URI"
        case .uriReference:
            return hasWhitespace(string) ? "must be a URI reference" : nil
        case .other:
            return nil
        }
    }

    /// White space anywhere: ASCII strings on their bytes (a file name per image, thousands of them), others by
    /// character.
    static func hasWhitespace(_ s: String) -> Bool {
        var ascii = true
        for byte in s.utf8 {
            if byte >= 0x80 { ascii = false; break }
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) { return true }
        }
        return ascii ? false : s.contains(where: { $0.isWhitespace })
    }

    static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return false }
        return (try? Timestamp(year: y, month: m, day: d, utcOffsetSeconds: 0)) != nil
    }

    static func isTime(_ s: String) -> Bool {
        (try? Timestamp(parsing: "2000-01-01T" + s)) != nil
    }

    /// ISO 8601 durations: `PnYnMnDTnHnMnS` (any non-empty subset, fractions on the last unit) or `PnW`.
    static func isDuration(_ s: String) -> Bool {
        let pattern = #"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"#
        return s.range(of: pattern, options: .regularExpression) != nil
    }
}
