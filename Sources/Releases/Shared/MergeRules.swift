import MetadataModel

/// The small merge rules of aind-data-schema's `utils/merge.py`, on JSON values.
enum MergeRules {
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
