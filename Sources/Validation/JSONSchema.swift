import Foundation
import MetadataModel

/// A problem found while validating a document.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var severity: Severity
    /// Where in the document.
    public var path: JSONPath
    /// A readable message, e.g. `must be number`, `required field 'subject_id' is missing`.
    public var message: String

    public init(_ severity: Severity = .error, at path: JSONPath, _ message: String) {
        self.severity = severity
        self.path = path
        self.message = message
    }

    /// `path: message`, as SciCat writes it (`metadata/duration must be number` reads `duration: must be number`).
    public var description: String { "\(path): \(message)" }
}

/// A schema that cannot be compiled: a configuration error, not a problem with the data.
public struct SchemaCompileError: Error, Sendable, CustomStringConvertible {
    /// Where in the schema (a JSON pointer such as `#/properties/duration`).
    public var pointer: String
    public var message: String
    public var description: String { "schema error at \(pointer): \(message)" }
}

/// A JSON Schema validator: draft-07, and the 2020-12 subset pydantic emits.
///
/// Keywords: `$ref` (local pointers into `$defs`/`definitions` or anywhere in the document), `type` (names and lists,
/// `integer` by value so `1.0` is an integer), `enum`, `const`, `required`, `properties`, `additionalProperties`,
/// `patternProperties`, `items` (schema or draft-07 tuple) with `additionalItems`, `prefixItems`, `minItems`,
/// `maxItems`, `uniqueItems`, `anyOf`, `oneOf` (with pydantic's `discriminator.mapping` to pick the branch),
/// `allOf`, `not`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (number or draft-04 boolean form),
/// `multipleOf`, `minLength`, `maxLength`, `pattern`, `minProperties`, `maxProperties`, and `format` `date-time`,
/// `date`, `time`, `duration`, `uri`, `uri-reference` (others are accepted as annotations). Annotations (`title`,
/// `description`, `default`, `examples`, …) are ignored.
///
/// The schema is compiled once; `validate` reports **every** error with its JSON path.
public final class JSONSchemaValidator: @unchecked Sendable {
    /// Options that make validation match pydantic's lax JSON mode, for aind-data-schema documents.
    public struct Options: Sendable {
        /// Accept what pydantic accepts in lax mode: numeric strings for numbers, `0`/`1` and boolean words for
        /// booleans, numbers (Unix time) for `date-time`, naive `date-time` values (aind-data-schema attaches a zone).
        public var pydanticLax: Bool
        /// Check `format` (`date-time`, `date`, `time`, `duration`, URIs). In draft-07 formats are annotations unless a
        /// validator asserts them; RigMapper asserts them.
        public var assertFormats: Bool
        /// Accept `date-time` values without a UTC offset (a later step gives them a zone or refuses them).
        public var allowNaiveDateTimes: Bool

        public init(pydanticLax: Bool = false, assertFormats: Bool = true, allowNaiveDateTimes: Bool = false) {
            self.pydanticLax = pydanticLax
            self.assertFormats = assertFormats
            self.allowNaiveDateTimes = allowNaiveDateTimes
        }
    }

    let root: SchemaNode
    public let options: Options

    /// Compiles `schema`.
    public init(schema: JSONValue, options: Options = Options()) throws(SchemaCompileError) {
        var compiler = SchemaCompiler(document: schema)
        root = try compiler.compile(schema, pointer: "#")
        try compiler.resolvePending()
        self.options = options
    }

    /// Every problem with `value`; empty when valid.
    public func validate(_ value: JSONValue) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        var visitor = SchemaVisitor(options: options)
        visitor.validate(value, against: root, at: .root, into: &issues)
        return issues
    }
}

/// Byte-level name tests for the unit rule (no Foundation string search on the hot path).
enum UnitNames {
    /// `power` for `power_unit`; the text before the last `_unit` of a name that contains it.
    static func variable(ofUnit key: String) -> String? {
        let bytes = Array(key.utf8)
        let marker = Array("_unit".utf8)
        guard bytes.count >= marker.count else { return nil }
        var i = bytes.count - marker.count
        while i >= 0 {
            if Array(bytes[i..<(i + marker.count)]) == marker {
                return i == 0 ? nil : String(decoding: bytes[..<i], as: UTF8.self)
            }
            i -= 1
        }
        return nil
    }

    /// Whether `name` contains `part`.
    static func contains(_ name: String, _ part: String) -> Bool {
        let n = Array(name.utf8), p = Array(part.utf8)
        guard p.count <= n.count else { return false }
        for start in 0...(n.count - p.count) where n[start] == p[0] && Array(n[start..<(start + p.count)]) == p { return true }
        return false
    }
}

/// A compiled schema.
final class SchemaNode {
    enum Additional {
        case allowed
        case forbidden
        case schema(SchemaNode)
    }

    var alwaysValid = false
    var neverValid = false
    var ref: SchemaNode?
    var types: [String]?
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var required: [String] = []
    var properties: [(String, SchemaNode)] = []
    var propertyIndex: [String: SchemaNode] = [:]
    var patternProperties: [(NSRegularExpression, SchemaNode)] = []
    var additionalProperties: Additional = .allowed
    var minProperties: Int?
    var maxProperties: Int?
    var items: SchemaNode?
    var tupleItems: [SchemaNode]?
    var additionalItems: Additional = .allowed
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false
    var anyOf: [SchemaNode]?
    var oneOf: [SchemaNode]?
    var allOf: [SchemaNode]?
    var not: SchemaNode?
    var discriminator: (property: String, mapping: [String: SchemaNode])?
    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum: Double?
    var exclusiveMaximum: Double?
    var multipleOf: Double?
    var minLength: Int?
    var maxLength: Int?
    var pattern: (NSRegularExpression, String)?
    var format: String?
    /// A short name for messages (the `$defs` key or title).
    var name: String?
    /// `default`, when given (pydantic fills missing fields with it).
    var defaultValue: JSONValue?
    /// For model schemas: each `<x>_unit` property with the properties it governs (`<x>` and those containing `<x>`),
    /// worked out once so the unit rule costs nothing per value.
    lazy var unitPairs: [(unit: String, governed: [String])] = {
        let keys = properties.map(\.0)
        var pairs: [(String, [String])] = []
        for key in keys {
            guard let variable = UnitNames.variable(ofUnit: key) else { continue }
            pairs.append((key, keys.filter { $0 != key && UnitNames.contains($0, variable) }))
        }
        return pairs
    }()
}

struct SchemaCompiler {
    let document: JSONValue
    var byPointer: [String: SchemaNode] = [:]
    var pendingRefs: [(SchemaNode, String, String)] = []  // node, ref, where
    /// One node per discriminator target, shared by every union that maps to it.
    var mappingNodes: [String: SchemaNode] = [:]

    init(document: JSONValue) {
        self.document = document
    }

    mutating func compile(_ schema: JSONValue, pointer: String) throws(SchemaCompileError) -> SchemaNode {
        if let existing = byPointer[pointer] { return existing }
        let node = SchemaNode()
        byPointer[pointer] = node
        switch schema {
        case .bool(let b):
            if b { node.alwaysValid = true } else { node.neverValid = true }
            return node
        case .object:
            break
        default:
            throw SchemaCompileError(pointer: pointer, message: "a schema must be an object or a boolean")
        }
        guard case .object(let s) = schema else { return node }
        func fail(_ message: String) -> SchemaCompileError { SchemaCompileError(pointer: pointer, message: message) }
        func nonNegativeInt(_ key: String) throws(SchemaCompileError) -> Int? {
            guard let v = s[key] else { return nil }
            guard let n = v.numberValue, let i = Int(exactly: n.doubleValue), i >= 0 else { throw fail("'\(key)' must be a non-negative integer") }
            return i
        }
        func number(_ key: String) throws(SchemaCompileError) -> Double? {
            guard let v = s[key] else { return nil }
            guard let n = v.numberValue else { throw fail("'\(key)' must be a number") }
            return n.doubleValue
        }
        func schemaList(_ key: String) throws(SchemaCompileError) -> [SchemaNode]? {
            guard let v = s[key] else { return nil }
            guard let list = v.arrayValue, !list.isEmpty else { throw fail("'\(key)' must be a non-empty array of schemas") }
            var out: [SchemaNode] = []
            for (i, item) in list.enumerated() { out.append(try compile(item, pointer: "\(pointer)/\(key)/\(i)")) }
            return out
        }
        node.name = s["title"]?.stringValue
        node.defaultValue = s["default"]

        if let ref = s["$ref"] {
            guard let text = ref.stringValue else { throw fail("'$ref' must be a string") }
            pendingRefs.append((node, text, pointer))
        }
        if let type = s["type"] {
            let allowed = ["null", "boolean", "object", "array", "number", "integer", "string"]
            var names: [String] = []
            if let one = type.stringValue {
                names = [one]
            } else if let list = type.arrayValue {
                for item in list {
                    guard let n = item.stringValue else { throw fail("'type' entries must be strings") }
                    names.append(n)
                }
            } else {
                throw fail("'type' must be a string or an array of strings")
            }
            for n in names where !allowed.contains(n) { throw fail("unknown type '\(n)'") }
            node.types = names
        }
        if let e = s["enum"] {
            guard let list = e.arrayValue else { throw fail("'enum' must be an array") }
            node.enumValues = list
        }
        node.constValue = s["const"]
        if let r = s["required"] {
            guard let list = r.arrayValue else { throw fail("'required' must be an array of strings") }
            for item in list {
                guard let key = item.stringValue else { throw fail("'required' must be an array of strings") }
                node.required.append(key)
            }
        }
        if let p = s["properties"] {
            guard let props = p.objectValue else { throw fail("'properties' must be an object") }
            for (key, sub) in props {
                let compiled = try compile(sub, pointer: "\(pointer)/properties/\(escape(key))")
                node.properties.append((key, compiled))
                node.propertyIndex[key] = compiled
            }
        }
        if let p = s["patternProperties"] {
            guard let props = p.objectValue else { throw fail("'patternProperties' must be an object") }
            for (pattern, sub) in props {
                guard let regex = try? NSRegularExpression(pattern: pattern) else { throw fail("invalid pattern '\(pattern)'") }
                node.patternProperties.append((regex, try compile(sub, pointer: "\(pointer)/patternProperties/\(escape(pattern))")))
            }
        }
        if let a = s["additionalProperties"] {
            switch a {
            case .bool(let b): node.additionalProperties = b ? .allowed : .forbidden
            default: node.additionalProperties = .schema(try compile(a, pointer: "\(pointer)/additionalProperties"))
            }
        }
        node.minProperties = try nonNegativeInt("minProperties")
        node.maxProperties = try nonNegativeInt("maxProperties")
        if let items = s["items"] {
            if let list = items.arrayValue {
                var tuple: [SchemaNode] = []
                for (i, item) in list.enumerated() { tuple.append(try compile(item, pointer: "\(pointer)/items/\(i)")) }
                node.tupleItems = tuple
                if let extra = s["additionalItems"] {
                    switch extra {
                    case .bool(let b): node.additionalItems = b ? .allowed : .forbidden
                    default: node.additionalItems = .schema(try compile(extra, pointer: "\(pointer)/additionalItems"))
                    }
                }
            } else if s["prefixItems"] != nil {
                // 2020-12: `items` applies after `prefixItems`.
                switch items {
                case .bool(let b): node.additionalItems = b ? .allowed : .forbidden
                default: node.additionalItems = .schema(try compile(items, pointer: "\(pointer)/items"))
                }
            } else {
                node.items = try compile(items, pointer: "\(pointer)/items")
            }
        }
        if let prefix = s["prefixItems"] {
            guard let list = prefix.arrayValue else { throw fail("'prefixItems' must be an array") }
            var tuple: [SchemaNode] = []
            for (i, item) in list.enumerated() { tuple.append(try compile(item, pointer: "\(pointer)/prefixItems/\(i)")) }
            node.tupleItems = tuple
        }
        node.minItems = try nonNegativeInt("minItems")
        node.maxItems = try nonNegativeInt("maxItems")
        if let u = s["uniqueItems"] {
            guard let b = u.boolValue else { throw fail("'uniqueItems' must be a boolean") }
            node.uniqueItems = b
        }
        node.anyOf = try schemaList("anyOf")
        node.oneOf = try schemaList("oneOf")
        node.allOf = try schemaList("allOf")
        if let n = s["not"] { node.not = try compile(n, pointer: "\(pointer)/not") }
        if let d = s["discriminator"] {
            guard let property = d["propertyName"]?.stringValue else { throw fail("'discriminator.propertyName' must be a string") }
            var mapping: [String: SchemaNode] = [:]
            for (value, target) in d["mapping"]?.objectValue ?? [:] {
                guard let ref = target.stringValue else { throw fail("'discriminator.mapping' values must be strings") }
                if let shared = mappingNodes[ref] {
                    mapping[value] = shared
                } else {
                    let placeholder = SchemaNode()
                    pendingRefs.append((placeholder, ref, "\(pointer)/discriminator/mapping/\(escape(value))"))
                    mappingNodes[ref] = placeholder
                    mapping[value] = placeholder
                }
            }
            node.discriminator = (property, mapping)
        }
        node.minimum = try number("minimum")
        node.maximum = try number("maximum")
        // Draft-04 boolean form: `exclusiveMinimum: true` makes `minimum` exclusive.
        if case .bool(let b)? = s["exclusiveMinimum"] {
            if b { node.exclusiveMinimum = node.minimum; node.minimum = nil }
        } else {
            node.exclusiveMinimum = try number("exclusiveMinimum")
        }
        if case .bool(let b)? = s["exclusiveMaximum"] {
            if b { node.exclusiveMaximum = node.maximum; node.maximum = nil }
        } else {
            node.exclusiveMaximum = try number("exclusiveMaximum")
        }
        if let m = try number("multipleOf") {
            guard m > 0 else { throw fail("'multipleOf' must be greater than 0") }
            node.multipleOf = m
        }
        node.minLength = try nonNegativeInt("minLength")
        node.maxLength = try nonNegativeInt("maxLength")
        if let p = s["pattern"] {
            guard let text = p.stringValue, let regex = try? NSRegularExpression(pattern: text) else {
                throw fail("'pattern' must be a valid regular expression")
            }
            node.pattern = (regex, text)
        }
        if let f = s["format"] {
            guard let text = f.stringValue else { throw fail("'format' must be a string") }
            node.format = text
        }
        return node
    }

    /// Resolves every `$ref` (they may point at schemas compiled later, or form cycles).
    mutating func resolvePending() throws(SchemaCompileError) {
        var next = 0
        while next < pendingRefs.count {  // compiling a target may append more references
            let (node, ref, pointer) = pendingRefs[next]
            next += 1
            guard ref.hasPrefix("#") else {
                throw SchemaCompileError(pointer: pointer, message: "only local references (#/...) are supported, not '\(ref)'")
            }
            let target: SchemaNode
            if let compiled = byPointer[ref] {
                target = compiled
            } else {
                guard let value = resolve(pointer: ref) else {
                    throw SchemaCompileError(pointer: pointer, message: "reference '\(ref)' does not resolve")
                }
                target = try compile(value, pointer: ref)
                if target.name == nil { target.name = ref.split(separator: "/").last.map(String.init) }
            }
            node.ref = target
        }
    }

    private func resolve(pointer: String) -> JSONValue? {
        var current: JSONValue? = document
        let parts = pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: true)
        for raw in parts {
            let part = raw.contains("~") ? raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~") : String(raw)
            switch current {
            case .object(let o)?: current = o[part]
            case .array(let a)?:
                guard let i = Int(part), a.indices.contains(i) else { return nil }
                current = a[i]
            default: return nil
            }
        }
        return current
    }

    private func escape(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return key }
        return key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
