import Foundation

/// Decodes a ``ConfigValue`` into a `Decodable` type, strictly.
///
/// Unlike a plain `Decoder`, keys that the type never reads are errors ("unknown setting"), and every error
/// carries the `file:line:column` of the value at fault. All unknown keys are reported, not only the first.
public enum ConfigDecoder {
    /// Decodes `value` as `T`.
    ///
    /// - Parameter what: a short description for messages, e.g. `settings of fiber@1.4.0`.
    public static func decode<T: Decodable>(_ type: T.Type, from value: ConfigValue, what: String) throws(DiagnosticError) -> T {
        let tracker = KeyTracker()
        let decoder = NodeDecoder(value: value, codingPath: [], pathKey: "", tracker: tracker)
        let result: T
        do {
            result = try T(from: decoder)
        } catch let error as DecodingError {
            throw DiagnosticError([diagnostic(for: error, root: value, what: what)])
        } catch let error as DiagnosticError {
            throw error
        } catch {
            throw DiagnosticError("\(what): \(error)", at: value.location)
        }
        var collector = DiagnosticCollector()
        reportUnknownKeys(value, path: [], tracker: tracker, what: what, into: &collector)
        try collector.check()
        return result
    }

    private static func reportUnknownKeys(_ value: ConfigValue, path: [String], tracker: KeyTracker, what: String, into collector: inout DiagnosticCollector) {
        switch value.kind {
        case .mapping(let members):
            let pathKey = path.joined(separator: "\u{1F}")
            guard let used = tracker.used[pathKey] else { return }  // never opened as a keyed container
            for (key, member) in members {
                let childPath = path + [key]
                if used.contains(key) {
                    reportUnknownKeys(member, path: childPath, tracker: tracker, what: what, into: &collector)
                } else {
                    let known = tracker.known[pathKey].map { $0.sorted().joined(separator: ", ") } ?? ""
                    let hint = known.isEmpty ? "" : " (known: \(known))"
                    collector.error("unknown key '\(childPath.joined(separator: "."))' in \(what)\(hint)", at: member.keyOrValueLocation ?? value.location)
                }
            }
        case .sequence(let items):
            for (i, item) in items.enumerated() {
                reportUnknownKeys(item, path: path + [String(i)], tracker: tracker, what: what, into: &collector)
            }
        default:
            break
        }
    }

    private static func pathString(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    private static func node(at codingPath: [any CodingKey], in root: ConfigValue) -> ConfigValue {
        var current = root
        for key in codingPath {
            switch current.kind {
            case .mapping:
                guard let next = current[key.stringValue] else { return current }
                current = next
            case .sequence(let items):
                guard let i = key.intValue, items.indices.contains(i) else { return current }
                current = items[i]
            default:
                return current
            }
        }
        return current
    }

    private static func diagnostic(for error: DecodingError, root: ConfigValue, what: String) -> Diagnostic {
        switch error {
        case let .typeMismatch(type, context):
            let at = node(at: context.codingPath, in: root)
            let found = describe(at)
            return Diagnostic(.error, "\(what): '\(pathString(context.codingPath))' must be \(typeName(type)), found \(found)", at: at.location)
        case let .valueNotFound(type, context):
            let at = node(at: context.codingPath, in: root)
            return Diagnostic(.error, "\(what): '\(pathString(context.codingPath))' must be \(typeName(type)), found null", at: at.location)
        case let .keyNotFound(key, context):
            let at = node(at: context.codingPath, in: root)
            let path = pathString(context.codingPath + [key])
            return Diagnostic(.error, "\(what): required key '\(path)' is missing", at: at.location)
        case let .dataCorrupted(context):
            let at = node(at: context.codingPath, in: root)
            return Diagnostic(.error, "\(what): '\(pathString(context.codingPath))': \(context.debugDescription)", at: at.location)
        @unknown default:
            return Diagnostic(.error, "\(what): \(error)", at: root.location)
        }
    }

    private static func describe(_ value: ConfigValue) -> String {
        switch value.kind {
        case .null: return "null"
        case .scalar(let s, _): return "'\(s)'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean (true/false)"
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") || name.hasPrefix("[") { return "a list" }
            if name.hasPrefix("Dictionary") || name.contains(":") { return "a mapping" }
            return name
        }
    }
}

/// Records which keys of which mappings the decoded type read.
private final class KeyTracker {
    var used: [String: Set<String>] = [:]
    var known: [String: Set<String>] = [:]
}

private struct NodeDecoder: Decoder {
    let value: ConfigValue
    let codingPath: [any CodingKey]
    /// The coding path's keys joined by U+001F: the tracker's key for this value's mapping. Kept, not recomputed
    /// per key read (0.1 M of the 3.6 M instructions a fiber map spends decoding its configuration).
    let pathKey: String
    let tracker: KeyTracker
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let members) = value.kind else {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath, debugDescription: "expected a mapping"))
        }
        if tracker.used[pathKey] == nil { tracker.used[pathKey] = [] }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let items) = value.kind else {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "expected a list"))
        }
        return UnkeyedContainer(items: items, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleContainer(decoder: self)
    }

    func child(_ value: ConfigValue, key: any CodingKey) -> NodeDecoder {
        let name = key.intValue.map(String.init) ?? key.stringValue
        return NodeDecoder(value: value, codingPath: codingPath + [key], pathKey: codingPath.isEmpty ? name : pathKey + "\u{1F}" + name, tracker: tracker)
    }

    // MARK: scalars

    func scalar<T>(_ type: T.Type, _ parse: (String) -> T?) throws -> T {
        guard case .scalar(let text, _) = value.kind, let v = parse(text) else {
            if value.isNull {
                throw DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "null"))
            }
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "wrong type"))
        }
        return v
    }

    func decodeBool() throws -> Bool {
        try scalar(Bool.self) { s in
            switch s {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: return nil
            }
        }
    }

    func decodeString() throws -> String {
        try scalar(String.self) { $0 }
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try scalar(type) { s in
            guard case .scalar(_, let quoted) = value.kind else { return nil }
            return ConfigScalar.integer(s, quoted: quoted)
        }
    }

    func decodeFloat<T: BinaryFloatingPoint & LosslessStringConvertible>(_ type: T.Type) throws -> T {
        try scalar(type) { s in
            guard case .scalar(_, let quoted) = value.kind else { return nil }
            return ConfigScalar.float(s, quoted: quoted)
        }
    }

    func decodeAny<T: Decodable>(_ type: T.Type) throws -> T {
        if type == String.self, let v = try decodeString() as? T { return v }
        if type == Bool.self, let v = try decodeBool() as? T { return v }
        if type == Int.self, let v = try decodeInteger(Int.self) as? T { return v }
        if type == Double.self, let v = try decodeFloat(Double.self) as? T { return v }
        // A template (`ConfigJSON`) takes its whole subtree as it is: converted directly, not member by member
        // through this decoder (the configs' component templates made that most of the cost of reading a config).
        if type == ConfigJSON.self, let v = ConfigJSON(converting: value) as? T { return v }
        return try T(from: self)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(key: String, value: ConfigValue)]
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    init(members: [(key: String, value: ConfigValue)], decoder: NodeDecoder) {
        self.members = members
        self.decoder = decoder
    }

    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

    private func note(_ key: Key) {
        decoder.tracker.used[decoder.pathKey, default: []].insert(key.stringValue)
        decoder.tracker.known[decoder.pathKey, default: []].insert(key.stringValue)
    }

    private func member(_ key: Key) -> ConfigValue? {
        members.last { $0.key == key.stringValue }?.value
    }

    func contains(_ key: Key) -> Bool {
        decoder.tracker.known[decoder.pathKey, default: []].insert(key.stringValue)
        return member(key) != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        note(key)
        return member(key)?.isNull ?? true
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        note(key)
        guard let value = member(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return try decoder.child(value, key: key).decodeAny(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        note(key)
        guard let value = member(key), !value.isNull else { return nil }
        return try decoder.child(value, key: key).decodeAny(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        note(key)
        guard let value = member(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return try decoder.child(value, key: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        note(key)
        guard let value = member(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return try decoder.child(value, key: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        note(key)
        return decoder.child(member(key) ?? ConfigValue(.null), key: key)
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ i: Int) {
        stringValue = String(i)
        intValue = i
    }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [ConfigValue]
    let decoder: NodeDecoder
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [ConfigValue], decoder: NodeDecoder) {
        self.items = items
        self.decoder = decoder
    }

    private mutating func next() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "end of list"))
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], key: IndexKey(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if items[currentIndex].isNull {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next().decodeAny(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
    func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.decodeFloat(Double.self) }
    func decode(_ type: Float.Type) throws -> Float { try decoder.decodeFloat(Float.self) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.decodeInteger(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.decodeInteger(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.decodeInteger(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.decodeInteger(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.decodeInteger(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.decodeInteger(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.decodeInteger(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.decodeInteger(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.decodeInteger(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decodeInteger(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeAny(type) }
}
