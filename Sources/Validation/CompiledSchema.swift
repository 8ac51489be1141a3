import Foundation
import MetadataModel

/// The JSON types a `type` keyword names, as a bit set.
struct TypeSet: OptionSet, Sendable, Hashable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let object = TypeSet(rawValue: 4)
    static let array = TypeSet(rawValue: 8)
    static let number = TypeSet(rawValue: 16)
    static let integer = TypeSet(rawValue: 32)
    static let string = TypeSet(rawValue: 64)

    static func named(_ name: String) -> TypeSet? {
        switch name {
        case "null": return .null
        case "boolean": return .boolean
        case "object": return .object
        case "array": return .array
        case "number": return .number
        case "integer": return .integer
        case "string": return .string
        default: return nil
        }
    }

    /// The names, in the schema's usual order, for messages.
    var names: [String] {
        var out: [String] = []
        for (bit, name) in [(TypeSet.null, "null"), (.boolean, "boolean"), (.object, "object"), (.array, "array"), (.number, "number"), (.integer, "integer"), (.string, "string")]
        where contains(bit) { out.append(name) }
        return out
    }
}

/// A `pattern`: the regular expression as written (ECMA-262) and as compiled for the ICU engine.
struct Pattern: Sendable {
    let source: String
    let regex: NSRegularExpression

    /// Compiles `source`, translating where ECMA-262 and ICU differ: `\d`, `\w` (and their negations) are ASCII
    /// only in ECMA-262, and `$` matches only at the very end (ICU's also matches before a final line end).
    init?(_ source: String) {
        guard let regex = try? NSRegularExpression(pattern: Pattern.icu(source)) else { return nil }
        self.source = source
        self.regex = regex
    }

    enum Outcome { case match, noMatch, failed }

    /// Whether the pattern matches anywhere in `text`; `.failed` when the engine gave up (its backtracking limits),
    /// which is reported as "could not be evaluated", never as a mismatch.
    func search(_ text: String) -> Outcome {
        var result = Outcome.noMatch
        regex.enumerateMatches(in: text, options: [.reportCompletion], range: NSRange(text.startIndex..., in: text)) { match, flags, stop in
            if flags.contains(.internalError) {
                result = .failed
                stop.pointee = true
            } else if match != nil {
                result = .match
                stop.pointee = true
            }
        }
        return result
    }

    static func icu(_ source: String) -> String {
        var out = ""
        var inClass = false
        var chars = Array(source)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                let next = chars[i + 1]
                switch (next, inClass) {
                case ("d", false): out += "[0-9]"
                case ("D", false): out += "[^0-9]"
                case ("w", false): out += "[A-Za-z0-9_]"
                case ("W", false): out += "[^A-Za-z0-9_]"
                case ("d", true): out += "0-9"
                case ("w", true): out += "A-Za-z0-9_"
                default: out += String([c, next])
                }
                i += 2
                continue
            }
            if c == "[" && !inClass { inClass = true } else if c == "]" && inClass { inClass = false }
            if c == "$" && !inClass {
                out += "(?![\\s\\S])"
            } else {
                out.append(c)
            }
            i += 1
        }
        chars = []
        return out
    }
}

/// The `format`s the validator asserts.
enum Format: Sendable, Hashable {
    case dateTime, date, time, duration, uri, uriReference
    case other

    init(_ name: String) {
        switch name {
        case "date-time": self = .dateTime
        case "date": self = .date
        case "time": self = .time
        case "duration": self = .duration
        case "uri": self = .uri
        case "uri-reference": self = .uriReference
        default: self = .other
        }
    }
}

/// One schema (or subschema) while it is compiled; frozen into a ``Node`` at the end.
struct NodeSpec {
    enum Dependency: Sendable {
        case properties([String])
        case schema(Int)
    }

    /// `aind-data-schema`'s unit rule for one `<x>_unit` property of a model: the properties it governs, each with
    /// the default pydantic would fill in.
    struct UnitPair: Sendable {
        var unit: String
        var unitDefault: JSONValue
        var governed: [(name: String, defaultValue: JSONValue)]
    }

    /// Where the schema is (the tokens of a JSON pointer such as `#/$defs/Channel`), for messages.
    var tokens: [String]
    var pointer: String { SchemaCompiler.pointerString(tokens) }
    /// A short name for messages (the definition's key or title).
    var name: String?
    var alwaysValid = false
    var neverValid = false
    var ref: Int?
    var types: TypeSet?
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var required: [String] = []
    /// `properties`, in the schema's order.
    var propertyList: [(name: String, node: Int)] = []
    var patternProperties: [(Pattern, Int)] = []
    var additionalProperties: Int?
    var propertyNames: Int?
    var dependencies: [(String, Dependency)] = []
    var minProperties: Int?
    var maxProperties: Int?
    var items: Int?
    var tupleItems: [Int]?
    var additionalItems: Int?
    var contains: Int?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false
    var anyOf: [Int]?
    var oneOf: [Int]?
    var allOf: [Int]?
    var not: Int?
    var ifNode: Int?
    var thenNode: Int?
    var elseNode: Int?
    var discriminator: (property: String, mapping: [String: Int])?
    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum: Double?
    var exclusiveMaximum: Double?
    var multipleOf: Double?
    var minLength: Int?
    var maxLength: Int?
    var pattern: Pattern?
    var format: Format?
    /// A pydantic model (it has an `object_type` property): its unit rule, worked out at compile time.
    var isModel = false
    var unitPairs: [UnitPair] = []

    init(tokens: [String]) {
        self.tokens = tokens
    }
}

/// One compiled schema (or subschema). Children are indices into ``CompiledSchema/nodes``. Every property is a
/// constant, so one compiled schema is shared by every thread; a class, so the validator's hot loop passes a
/// reference instead of copying a large value.
final class Node: Sendable {
    typealias Dependency = NodeSpec.Dependency
    typealias UnitPair = NodeSpec.UnitPair

    let name: String?
    let alwaysValid: Bool
    let neverValid: Bool
    let ref: Int?
    let types: TypeSet?
    let enumValues: [JSONValue]?
    let constValue: JSONValue?
    let required: [String]
    /// Property name → its position in ``propertyList``.
    let propertyPositions: [String: Int]
    /// `properties` in the schema's order: pydantic writes a model's fields in that order, so a walk of an object's
    /// members finds each one at the next position far more often than not, without hashing its name.
    let propertyList: [(name: String, node: Int)]
    let patternProperties: [(Pattern, Int)]
    let additionalProperties: Int?
    let propertyNames: Int?
    let dependencies: [(String, Dependency)]
    let minProperties: Int?
    let maxProperties: Int?
    let items: Int?
    let tupleItems: [Int]?
    let additionalItems: Int?
    let contains: Int?
    let minItems: Int?
    let maxItems: Int?
    let uniqueItems: Bool
    let anyOf: [Int]?
    let oneOf: [Int]?
    let allOf: [Int]?
    let not: Int?
    let ifNode: Int?
    let thenNode: Int?
    let elseNode: Int?
    let discriminator: (property: String, mapping: [String: Int])?
    let minimum: Double?
    let maximum: Double?
    let exclusiveMinimum: Double?
    let exclusiveMaximum: Double?
    let multipleOf: Double?
    let minLength: Int?
    let maxLength: Int?
    let pattern: Pattern?
    let format: Format?
    let isModel: Bool
    let unitPairs: [UnitPair]
    /// Whether any object keyword applies (skips the object walk otherwise).
    let hasObjectKeywords: Bool
    /// Whether any array keyword applies.
    let hasArrayKeywords: Bool

    /// The node of the property `key`, looked up first at `cursor` (the position after the last property found),
    /// which moves past the property found.
    @inline(__always)
    func property(_ key: String, cursor: inout Int) -> Int? {
        if cursor < propertyList.count, propertyList[cursor].name == key {
            cursor += 1
            return propertyList[cursor - 1].node
        }
        guard let position = propertyPositions[key] else { return nil }
        cursor = position + 1
        return propertyList[position].node
    }

    init(_ s: consuming NodeSpec) {
        name = s.name
        alwaysValid = s.alwaysValid
        neverValid = s.neverValid
        ref = s.ref
        types = s.types
        enumValues = s.enumValues
        constValue = s.constValue
        required = s.required
        var positions: [String: Int] = [:]
        for (position, property) in s.propertyList.enumerated() { positions[property.name] = position }
        propertyPositions = positions
        propertyList = s.propertyList
        patternProperties = s.patternProperties
        additionalProperties = s.additionalProperties
        propertyNames = s.propertyNames
        dependencies = s.dependencies
        minProperties = s.minProperties
        maxProperties = s.maxProperties
        items = s.items
        tupleItems = s.tupleItems
        additionalItems = s.additionalItems
        contains = s.contains
        minItems = s.minItems
        maxItems = s.maxItems
        uniqueItems = s.uniqueItems
        anyOf = s.anyOf
        oneOf = s.oneOf
        allOf = s.allOf
        not = s.not
        ifNode = s.ifNode
        thenNode = s.thenNode
        elseNode = s.elseNode
        discriminator = s.discriminator
        minimum = s.minimum
        maximum = s.maximum
        exclusiveMinimum = s.exclusiveMinimum
        exclusiveMaximum = s.exclusiveMaximum
        multipleOf = s.multipleOf
        minLength = s.minLength
        maxLength = s.maxLength
        pattern = s.pattern
        format = s.format
        isModel = s.isModel
        unitPairs = s.unitPairs
        hasObjectKeywords = !s.required.isEmpty || !s.propertyList.isEmpty || !s.patternProperties.isEmpty || s.additionalProperties != nil
            || s.propertyNames != nil || !s.dependencies.isEmpty || s.minProperties != nil || s.maxProperties != nil || s.isModel
        hasArrayKeywords = s.items != nil || s.tupleItems != nil || s.additionalItems != nil || s.contains != nil || s.minItems != nil
            || s.maxItems != nil || s.uniqueItems
    }
}

/// A compiled schema: an immutable graph of ``Node``s.
final class CompiledSchema: Sendable {
    let nodes: [Node]
    let root: Int

    init(nodes: consuming [NodeSpec], root: Int) {
        var built: [Node] = []
        built.reserveCapacity(nodes.count)
        while let spec = nodes.popLast() { built.append(Node(spec)) }
        self.nodes = built.reversed()
        self.root = root
    }
}
