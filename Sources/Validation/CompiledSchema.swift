import Foundation
import MetadataModel
import Synchronization

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

/// A `pattern`: the regular expression as written (ECMA-262), run by ICU (Foundation's `NSRegularExpression`).
struct Pattern: Sendable {
    let source: String
    let regex: NSRegularExpression

    /// Compiles `source`, translated where ECMA-262 and ICU differ: `\d`, `\w` (and their negations) are ASCII only
    /// in ECMA-262, and `$` matches only at the very end (ICU's also matches before a final line end).
    init?(_ source: String) {
        self.source = source
        guard let regex = try? NSRegularExpression(pattern: Pattern.icu(source)) else { return nil }
        self.regex = regex
    }

    enum Outcome { case match, noMatch, failed }

    /// Whether the pattern matches anywhere in `text`; `.failed` when ICU gave up (its backtracking limits), which
    /// is reported as "could not be evaluated", never as a mismatch.
    func search(_ text: String) -> Outcome {
        Pattern.search(regex, in: text)
    }

    static func search(_ regex: NSRegularExpression, in text: String) -> Outcome {
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
                out += "\\z"  // end of input, as `(?![\\s\\S])` is, without a character class
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

/// One schema (or subschema) while it is compiled; frozen into a ``Node`` when its keywords are read.
struct NodeSpec {
    enum Dependency: Sendable {
        case properties([String])
        case schema(Node)
    }

    /// The dialect's unit rule for one unit property of a model (``ModelDialect``): the properties it governs, each with
    /// the default pydantic would fill in.
    struct UnitPair: Sendable {
        var unit: String
        var unitDefault: JSONValue
        var governed: [(name: String, defaultValue: JSONValue)]
    }

    /// What a pydantic model's schema (one with an `object_type` property) holds for lax mode; a class of its own, so
    /// the many nodes that are no model carry one empty reference.
    final class Model: Sendable {
        /// Its unit rule.
        let unitPairs: [UnitPair]
        /// Its own `object_type` (the property's `const`, else its `default`).
        let objectType: String?
        /// Its properties that have a `default`, in the schema's order, with it: what pydantic fills in.
        let defaults: [(name: String, value: JSONValue)]

        init(unitPairs: [UnitPair], objectType: String?, defaults: [(name: String, value: JSONValue)]) {
            self.unitPairs = unitPairs
            self.objectType = objectType
            self.defaults = defaults
        }
    }

    /// Where the schema is (the tokens of a JSON pointer such as `#/$defs/Channel`), for messages.
    var tokens: [String]
    /// A short name for messages (the definition's key or title).
    var name: String?
    var alwaysValid = false
    var neverValid = false
    var ref: RefTarget?
    /// A 2020-12 `$dynamicRef`, its target chosen by the dynamic scope it was compiled in.
    var dynamicRef: RefTarget?
    var types: TypeSet?
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var required: [String] = []
    /// `properties`, in the schema's order.
    var propertyList: [(name: String, node: Node)] = []
    var patternProperties: [(Pattern, Node)] = []
    var additionalProperties: Node?
    var propertyNames: Node?
    var dependencies: [(String, Dependency)] = []
    var minProperties: Int?
    var maxProperties: Int?
    var items: Node?
    var tupleItems: [Node]?
    var additionalItems: Node?
    var contains: Node?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false
    var anyOf: [Node]?
    var oneOf: [Node]?
    var allOf: [Node]?
    var not: Node?
    var ifNode: Node?
    var thenNode: Node?
    var elseNode: Node?
    var discriminator: (property: String, mapping: [String: RefTarget])?
    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum: Double?
    var exclusiveMaximum: Double?
    var multipleOf: Double?
    var minLength: Int?
    var maxLength: Int?
    var pattern: Pattern?
    var format: Format?
    /// An `anyOf` of a number, a string (and null) outside an array's items: how pydantic writes a `Decimal` field,
    /// which refuses booleans in lax mode (a `list[float | str]`'s items have the same shape and take them).
    var isDecimal = false
    /// A pydantic model (it has an `object_type` property): what lax mode needs of it, worked out at compile time.
    var model: Model?
    /// Why a lazily compiled definition could not be compiled (validating against it reports this).
    var compileFailure: String?

    init(tokens: [String]) {
        self.tokens = tokens
    }
}

/// One compiled schema (or subschema). A subschema written in place is a child ``Node``; a `$ref` is a
/// ``RefTarget``, compiled when a validation first reaches it. Every property is a constant, so nodes are shared by
/// every thread.
final class Node: Sendable {
    typealias Dependency = NodeSpec.Dependency
    typealias UnitPair = NodeSpec.UnitPair

    /// Where the schema is, as JSON pointer tokens (for messages).
    let tokens: [String]
    /// The node's number among those its compiler made (0, 1, 2…), for the cycle check's bookkeeping.
    let serial: Int
    let name: String?
    let alwaysValid: Bool
    let neverValid: Bool
    let ref: RefTarget?
    let dynamicRef: RefTarget?
    let types: TypeSet?
    let enumValues: [JSONValue]?
    let constValue: JSONValue?
    let required: [String]
    /// Property name → its position in ``propertyList``.
    let propertyPositions: [String: Int]
    /// `properties` in the schema's order: pydantic writes a model's fields in that order, so a walk of an object's
    /// members finds each one at the next position far more often than not, without hashing its name.
    let propertyList: [(name: String, node: Node)]
    let patternProperties: [(Pattern, Node)]
    let additionalProperties: Node?
    let propertyNames: Node?
    let dependencies: [(String, Dependency)]
    let minProperties: Int?
    let maxProperties: Int?
    let items: Node?
    let tupleItems: [Node]?
    let additionalItems: Node?
    let contains: Node?
    let minItems: Int?
    let maxItems: Int?
    let uniqueItems: Bool
    let anyOf: [Node]?
    let oneOf: [Node]?
    let allOf: [Node]?
    let not: Node?
    let ifNode: Node?
    let thenNode: Node?
    let elseNode: Node?
    let discriminator: (property: String, mapping: [String: RefTarget])?
    /// The discriminator's targets, ordered by their values.
    let discriminatorTargets: [RefTarget]
    let minimum: Double?
    let maximum: Double?
    let exclusiveMinimum: Double?
    let exclusiveMaximum: Double?
    let multipleOf: Double?
    let minLength: Int?
    let maxLength: Int?
    let pattern: Pattern?
    let format: Format?
    let isDecimal: Bool
    /// A pydantic model's unit rule, `object_type` and defaults; `nil` for any other schema.
    let model: NodeSpec.Model?
    let compileFailure: String?
    /// Whether any object keyword applies (skips the object walk otherwise).
    let hasObjectKeywords: Bool
    /// Whether any array keyword applies.
    let hasArrayKeywords: Bool
    /// Whether no keyword looks into a value or applies another schema to it: what such a node accepts, no subschema
    /// checks further down.
    let isLeaf: Bool

    var pointer: String { SchemaCompiler.pointerString(tokens) }

    /// Whether the schema is a pydantic model's (it has an `object_type` property).
    var isModel: Bool { model != nil }

    /// The node of the property `key`, looked up first at `cursor` (the position after the last property found),
    /// which moves past the property found.
    @inline(__always)
    func property(_ key: String, cursor: inout Int) -> Node? {
        if cursor < propertyList.count, propertyList[cursor].name == key {
            cursor += 1
            return propertyList[cursor - 1].node
        }
        guard let position = propertyPositions[key] else { return nil }
        cursor = position + 1
        return propertyList[position].node
    }

    /// The subschemas a value is checked against in place (without descending into it): the edges along which a
    /// cycle would never end. A schema `dependencies` entry is one: it applies to the object that holds the key.
    func inPlaceEdges() -> (nodes: [Node], targets: [RefTarget]) {
        var nodes: [Node] = []
        if let allOf { nodes += allOf }
        for dependency in dependencies { if case .schema(let node) = dependency.1 { nodes.append(node) } }
        if let anyOf { nodes += anyOf }
        if let oneOf { nodes += oneOf }
        if let not { nodes.append(not) }
        if let ifNode { nodes.append(ifNode) }
        if let thenNode { nodes.append(thenNode) }
        if let elseNode { nodes.append(elseNode) }
        var targets = discriminatorTargets
        if let dynamicRef { targets.insert(dynamicRef, at: 0) }
        if let ref { targets.insert(ref, at: 0) }
        return (nodes, targets)
    }

    init(_ s: consuming NodeSpec, serial: Int) {
        tokens = s.tokens
        self.serial = serial
        name = s.name
        alwaysValid = s.alwaysValid
        neverValid = s.neverValid
        ref = s.ref
        dynamicRef = s.dynamicRef
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
        discriminatorTargets = s.discriminator.map { $0.mapping.sorted { $0.key < $1.key }.map(\.value) } ?? []
        minimum = s.minimum
        maximum = s.maximum
        exclusiveMinimum = s.exclusiveMinimum
        exclusiveMaximum = s.exclusiveMaximum
        multipleOf = s.multipleOf
        minLength = s.minLength
        maxLength = s.maxLength
        pattern = s.pattern
        format = s.format
        isDecimal = s.isDecimal
        model = s.model
        compileFailure = s.compileFailure
        hasObjectKeywords = !s.required.isEmpty || !s.propertyList.isEmpty || !s.patternProperties.isEmpty || s.additionalProperties != nil
            || s.propertyNames != nil || !s.dependencies.isEmpty || s.minProperties != nil || s.maxProperties != nil || s.model != nil
        hasArrayKeywords = s.items != nil || s.tupleItems != nil || s.additionalItems != nil || s.contains != nil || s.minItems != nil
            || s.maxItems != nil || s.uniqueItems
        isLeaf = !hasObjectKeywords && !hasArrayKeywords && s.ref == nil && s.dynamicRef == nil && s.allOf == nil && s.anyOf == nil
            && s.oneOf == nil && s.not == nil && s.ifNode == nil && s.discriminator == nil
    }
}

/// The schema a `$ref` (or a discriminator's mapping) leads to: one per location, compiled once, by the first
/// validation that reaches it (or up front when the whole schema is compiled), and then read without a lock.
final class RefTarget: Sendable {
    let location: SchemaCompiler.Location
    /// The base URI in force around the target (before its own `$id`).
    let base: URIReference
    /// The dynamic scope it is compiled in (``SchemaCompiler/scopes``).
    let scope: Int
    /// The compiled node, retained once it is published; published once, under the compiler's lock.
    private let published = Atomic<Unmanaged<Node>?>(nil)

    init(location: SchemaCompiler.Location, base: URIReference, scope: Int) {
        self.location = location
        self.base = base
        self.scope = scope
    }

    /// The compiled node, or `nil` while it has not been compiled.
    @inline(__always)
    var node: Node? { published.load(ordering: .acquiring)?.takeUnretainedValue() }

    /// Publishes the compiled node (once).
    func publish(_ node: Node) {
        published.store(Unmanaged.passRetained(node), ordering: .releasing)
    }

    /// Lets go of the compiled node (so recursive schemas, whose nodes refer back to their targets, are freed).
    func unpublish() {
        published.exchange(nil, ordering: .acquiringAndReleasing)?.release()
    }

    deinit { unpublish() }
}

/// A compiled schema: its root node and the compiler that compiles each `$ref` target when it is first reached.
///
/// Compiling only what documents reach matters for aind-data-schema: its example fiber acquisition reaches 26 of the
/// acquisition schema's 274 definitions, its fiber instrument 191 of 315. ``compileAll()`` compiles every target up
/// front and refuses cycles that would never end (what ``JSONSchemaValidator`` does unless asked to compile lazily).
final class CompiledSchema: Sendable {
    let root: Node
    /// Held while a target is compiled: threads that reach it meanwhile wait for that compilation.
    private let compiler: Locked<SchemaCompiler>

    /// Compiles the root of `compiler`'s schema.
    init(compiler: consuming SchemaCompiler) throws(SchemaCompileError) {
        let target = compiler.rootTarget()
        let root = try compiler.compileUnit(target)
        target.publish(root)
        self.root = root
        self.compiler = Locked(compiler)
    }

    /// The node `target` leads to, compiled now if no validation has reached it before.
    @inline(__always)
    func node(_ target: RefTarget) -> Node {
        if let node = target.node { return node }
        return compile(target)
    }

    @inline(never)
    private func compile(_ target: RefTarget) -> Node {
        compiler.withLock { compiler in
            if let node = target.node { return node }
            var node: Node
            do throws(SchemaCompileError) {
                node = try compiler.compileUnit(target)
            } catch {
                var failed = NodeSpec(tokens: target.location.pointer)
                failed.compileFailure = error.description
                node = Node(failed, serial: compiler.nextSerial())
            }
            target.publish(node)
            return node
        }
    }

    /// How many `$ref` targets are compiled, of those met so far (the compiled ones' references included).
    var targetCounts: (compiled: Int, known: Int) {
        compiler.withLock { compiler in (compiler.targets.values.filter { $0.node != nil }.count, compiler.targets.count) }
    }

    /// Compiles every target not compiled yet, then refuses a cycle of `$ref`s and in-place applicators that never
    /// descends into the instance (validating it would never end).
    func compileAll() throws(SchemaCompileError) {
        try compiler.withLock { (compiler: inout SchemaCompiler) throws(SchemaCompileError) in
            while let target = compiler.pending.popLast() {
                if target.node == nil { target.publish(try compiler.compileUnit(target)) }
            }
            try checkCycles(nodeCount: compiler.nodeCount)  // under the lock: no node is made meanwhile
        }
    }

    /// Depth-first searches along in-place edges (iterative, so a long chain cannot exhaust the stack) from every
    /// node; every target must be compiled.
    private func checkCycles(nodeCount: Int) throws(SchemaCompileError) {
        var state = [UInt8](repeating: 0, count: nodeCount)  // 0 new, 1 on the path, 2 done
        var seen: [Node] = []
        func edges(_ node: Node) -> [Node] {
            let (nodes, targets) = node.inPlaceEdges()
            return nodes + targets.compactMap(\.node)
        }
        func search(from start: Node) throws(SchemaCompileError) {
            state[start.serial] = 1
            seen.append(start)
            var stack: [(node: Node, edges: [Node], next: Int)] = [(start, edges(start), 0)]
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].next == stack[top].edges.count {
                    state[stack[top].node.serial] = 2
                    stack.removeLast()
                    continue
                }
                let target = stack[top].edges[stack[top].next]
                stack[top].next += 1
                switch state[target.serial] {
                case 1:
                    let from = stack.lastIndex { $0.node === target } ?? 0
                    let path = (stack[from...].map(\.node) + [target]).map(\.pointer).joined(separator: " → ")
                    throw SchemaCompileError(pointer: target.pointer, message: "a $ref cycle that never reaches into the data: \(path)")
                case 0:
                    state[target.serial] = 1
                    seen.append(target)
                    stack.append((target, edges(target), 0))
                default:
                    break
                }
            }
        }
        try search(from: root)
        var next = 0
        while next < seen.count {
            let node = seen[next]
            next += 1
            for child in node.children() where state[child.serial] == 0 { try search(from: child) }
        }
    }

    deinit {
        compiler.withLock { compiler in
            for target in compiler.targets.values { target.unpublish() }
        }
    }
}

extension Node {
    /// Every subschema of this one: the in-place ones, those applied to members and items, and the compiled targets
    /// of its references.
    func children() -> [Node] {
        let (inPlace, targets) = inPlaceEdges()
        var out = inPlace
        for property in propertyList { out.append(property.node) }
        for (_, node) in patternProperties { out.append(node) }
        if let tupleItems { out += tupleItems }
        if let additionalProperties { out.append(additionalProperties) }
        if let propertyNames { out.append(propertyNames) }
        if let items { out.append(items) }
        if let additionalItems { out.append(additionalItems) }
        if let contains { out.append(contains) }
        for target in targets { if let node = target.node { out.append(node) } }
        return out
    }
}
