import Foundation
import Version

/// Which versions of a mapper a job accepts: an exact version or a range.
///
/// Forms: `1.4.0` (exact), `^1.2` (same major, at least 1.2.0; `^0.3` keeps the minor), `~1.4.0` (same minor),
/// comparators joined by spaces (`>=1.0.0 <2.0.0`), and `*` (any). Missing minor or patch numbers count as 0.
/// Pre-release versions (`1.5.0-beta.1`) are chosen only when named exactly.
public struct VersionRequirement: Sendable, Hashable, CustomStringConvertible {
    enum Op: String, Sendable, Hashable { case eq = "=", lt = "<", le = "<=", gt = ">", ge = ">=" }

    let comparators: [(op: Op, version: Version)]
    /// The text the requirement was written as.
    public let text: String

    public static func == (a: VersionRequirement, b: VersionRequirement) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    public var description: String { text }

    /// The exact version, when the requirement names one.
    public var exactVersion: Version? {
        if comparators.count == 1, comparators[0].op == .eq { return comparators[0].version }
        return nil
    }

    /// Parses a requirement; `nil` when the text is none of the accepted forms.
    public init?(_ text: String) {
        self.text = text
        // Spaces and tabs around it (Unicode Zs and U+0009, Foundation's `.whitespaces`), trimmed without
        // Foundation's CharacterSet (0.9 M instructions the first time in a process).
        let isSpace = { (c: Unicode.Scalar) in c == "\t" || c.properties.generalCategory == .spaceSeparator }
        let scalars = text.unicodeScalars
        let first = scalars.firstIndex { !isSpace($0) } ?? scalars.endIndex
        let last = scalars.lastIndex { !isSpace($0) }
        let trimmed = last.map { String(scalars[first...$0]) } ?? ""
        if trimmed == "*" {
            comparators = []
            return
        }
        var result: [(Op, Version)] = []
        for part in trimmed.split(separator: " ", omittingEmptySubsequences: true) {
            var s = Substring(part)
            if s.hasPrefix("^") {
                guard let v = VersionRequirement.loose(s.dropFirst()) else { return nil }
                let upper: Version
                if v.major > 0 {
                    upper = Version(v.major + 1, 0, 0)
                } else if v.minor > 0 {
                    upper = Version(0, v.minor + 1, 0)
                } else {
                    upper = Version(0, 0, v.patch + 1)
                }
                result += [(.ge, v), (.lt, upper)]
            } else if s.hasPrefix("~") {
                guard let v = VersionRequirement.loose(s.dropFirst()) else { return nil }
                result += [(.ge, v), (.lt, Version(v.major, v.minor + 1, 0))]
            } else {
                var op = Op.eq
                for candidate in [Op.ge, .le, .gt, .lt, .eq] where s.hasPrefix(candidate.rawValue) {
                    op = candidate
                    s = s.dropFirst(candidate.rawValue.count)
                    break
                }
                let v: Version?
                if op == .eq {
                    v = Version(String(s))  // exact versions are written in full
                } else {
                    v = VersionRequirement.loose(s)
                }
                guard let v else { return nil }
                result.append((op, v))
            }
        }
        guard !result.isEmpty else { return nil }
        comparators = result
    }

    /// `1`, `1.2` or `1.2.3` (with optional pre-release) as a version.
    private static func loose(_ s: Substring) -> Version? {
        if let v = Version(String(s)) { return v }
        let parts = s.split(separator: ".")
        guard (1...2).contains(parts.count), parts.allSatisfy({ Int($0) != nil }) else { return nil }
        let numbers = parts.compactMap { Int($0) }
        return Version(numbers[0], numbers.count > 1 ? numbers[1] : 0, 0)
    }

    /// Whether `version` satisfies every comparator. A pre-release satisfies only an exact requirement for it.
    public func isSatisfied(by version: Version) -> Bool {
        if !version.prereleaseIdentifiers.isEmpty {
            return exactVersion == version
        }
        return comparators.allSatisfy { c in
            switch c.op {
            case .eq: return version == c.version
            case .lt: return version < c.version
            case .le: return version <= c.version
            case .gt: return version > c.version
            case .ge: return version >= c.version
            }
        }
    }
}
