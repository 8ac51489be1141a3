import MetadataModel

/// The small merge rules of aind-data-schema's `utils/merge.py`, on JSON values.
enum MergeRules {
    /// "global coordinate system differs (at axes[0].direction): "Left_to_right" in a.json, "Right_to_left" in b.json":
    /// the first place where the two values differ, with both values there, so the message says what to change.
    static func differs(_ label: String, _ aName: String, _ a: JSONValue, _ bName: String, _ b: JSONValue) -> String {
        let (path, x, y) = firstDifference(a, b, path: "")
        let at = path.isEmpty ? "" : " (at \(path))"
        return "\(label) differs\(at): \(shown(x)) in \(aName), \(shown(y)) in \(bName); both documents must give the same value"
    }

    /// The first member (in the first value's order) or item where `a` and `b` differ, with the values there.
    static func firstDifference(_ a: JSONValue, _ b: JSONValue, path: String) -> (String, JSONValue, JSONValue) {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for (key, value) in x {
                let other = y[key] ?? .null
                if !value.isEquivalent(to: other) { return firstDifference(value, other, path: path.isEmpty ? key : "\(path).\(key)") }
            }
            for (key, value) in y where x[key] == nil && !value.isEquivalent(to: .null) {
                return (path.isEmpty ? key : "\(path).\(key)", .null, value)
            }
        case (.array(let x), .array(let y)) where x.count == y.count:
            for (i, (u, v)) in zip(x, y).enumerated() where !u.isEquivalent(to: v) { return firstDifference(u, v, path: "\(path)[\(i)]") }
        default:
            break
        }
        return (path, a, b)
    }

    /// A value in a message: compact JSON, at most 200 characters.
    static func shown(_ value: JSONValue) -> String {
        let text = JSONWriter.compactString(value)
        return text.count <= 200 ? text : String(text.prefix(200)) + "…"
    }

    /// `merge_str_alphabetical`: both present → the two (distinct) strings sorted and joined by `_`; else the one present.
    static func alphabetical(_ a: JSONValue?, _ b: JSONValue?) -> JSONValue {
        let x = a?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let y = b?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let x, let y { return .string(Set([x, y]).sorted(by: pythonOrder).joined(separator: "_")) }
        if x != nil { return a ?? .null }
        return b ?? .null
    }

    /// Python's string order: by code point.
    static func pythonOrder(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.map(\.value).lexicographicallyPrecedes(b.unicodeScalars.map(\.value))
    }

    /// `merge_optional_list`: the two lists concatenated, `null` when that is empty.
    static func optionalList(_ a: JSONValue?, _ b: JSONValue?) -> JSONValue {
        let merged = (a?.arrayValue ?? []) + (b?.arrayValue ?? [])
        return merged.isEmpty ? .null : .array(merged)
    }

    /// Plain list concatenation (a missing list counts as empty).
    static func concatenated(_ a: JSONValue?, _ b: JSONValue?) -> JSONValue {
        .array((a?.arrayValue ?? []) + (b?.arrayValue ?? []))
    }

    /// `merge_notes`: both non-empty → joined by a newline; else the non-empty one (or the first).
    static func notes(_ a: JSONValue?, _ b: JSONValue?) -> JSONValue {
        let x = a?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let y = b?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let x, let y { return .string(x + "\n" + y) }
        if x != nil { return a ?? .null }
        if y != nil { return b ?? .null }
        return b ?? a ?? .null
    }

    /// `remove_duplicates`: first occurrences, in order (values compared as the reference compares them).
    static func deduplicated(_ values: [JSONValue]) -> [JSONValue] {
        var seen = Set<JSONValue>()
        return values.filter { seen.insert($0).inserted }
    }

    /// Values by file for a conflict report. The same file may be merged twice (`rigmap merge a.json a.json`), so a
    /// repeated name gets its position: `a.json`, `a.json (2)`.
    static func byFile(_ pairs: [(String, JSONValue)]) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (name, value) in pairs {
            var key = name
            var n = 2
            while out[key] != nil {
                key = "\(name) (\(n))"
                n += 1
            }
            out[key] = value
        }
        return out
    }

    /// Python truthiness; a missing field is falsy.
    static func truthy(_ value: JSONValue?) -> Bool { value?.isTruthy ?? false }

    /// A value as the models see it: a missing field is its default `null`.
    static func field(_ document: JSONValue, _ key: String) -> JSONValue {
        document[key] ?? .null
    }

    /// An object in `order`, then any other members of `sources` (first source wins) so unknown fields survive.
    static func ordered(_ members: [(String, JSONValue)], extrasFrom sources: [JSONValue]) -> JSONValue {
        var object = JSONObject()
        for (key, value) in members { object[key] = value }
        for source in sources {
            for (key, value) in source.objectValue ?? [:] where object[key] == nil { object[key] = value }
        }
        return .object(object)
    }
}
