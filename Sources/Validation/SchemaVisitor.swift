import Dispatch
import Foundation
import MetadataModel
import Releases
import Synchronization

/// Walks a value against a compiled schema.
///
/// Two modes share one code path: **checking** (`collecting == false`) answers valid or not, stopping at the first
/// failure, and builds no message, no path and no array; **collecting** reports every issue with its JSON path, the
/// path kept as a stack and turned into a `JSONPath` only when an issue is recorded. A document is checked first and
/// collected only when it fails, so valid documents pay for one allocation-free pass.
///
/// A check that cannot be decided (a regular expression the engine gave up on) makes a third verdict, ``Verdict/unknown``:
/// checking, it marks ``unknown`` and goes on (a definite failure elsewhere still decides); collecting, it is an
/// `undetermined` issue. Combinators (`not`, `anyOf`, `oneOf`, `if`, `contains`, `patternProperties`) carry it through
/// instead of reading it as a failure. Recursion is bounded (``maximumDepth``), so no schema or value can exhaust the
/// stack.
struct SchemaVisitor {
    /// The outcome of one subschema for one value.
    enum Verdict { case pass, fail, unknown }

    /// How deep validation may nest (subschemas applied in place and values descended into, counted together) before
    /// it stops at that place with an `undetermined` issue: a `$ref` chain or a value nested deeper than this cannot be
    /// checked, rather than exhausting the stack. A level costs at most about 4 KB of stack in a debug build (measured:
    /// an 8 MB stack overflowed after 2,200 levels of an `anyOf` chain), so this keeps within about half of a thread's
    /// 8 MB. A value nested as deep as the parser allows (512 levels) passes `{"items": {"$ref": "#"}}`, at two levels
    /// each.
    static let maximumDepth = 1100

    let schema: CompiledSchema
    let options: JSONSchemaValidator.Options
    let collecting: Bool
    /// Whether a long array's items are checked on several threads (the checking visitor of a whole document only:
    /// the visitors it starts, and those of nested checks, stay on their thread).
    var splitsLongArrays = false
    var path: [JSONPath.Component] = []
    var issues: [ValidationIssue] = []
    /// Checking: whether a check could not be decided since the mark was last cleared (see ``verdict(_:_:)``).
    var unknown = false
    /// How many `validate` calls are open (see ``maximumDepth``).
    var depth = 0
    /// Checking, in pydantic's lax mode: whether a model object met lacks a field that has a default, or holds another
    /// `object_type` than its own, so that the models see another value than the document (``DefaultFiller``). Also
    /// set by objects checked against a union's branch that did not pass: it only says a fill may change something.
    var modelsNeedDefaults = false

    init(schema: CompiledSchema, options: JSONSchemaValidator.Options, collecting: Bool) {
        self.schema = schema
        self.options = options
        self.collecting = collecting
    }

    // MARK: Reporting

    var currentPath: JSONPath { JSONPath(path) }

    /// Records an issue (collecting) and returns `false`, the value's verdict.
    @inline(__always)
    mutating func report(_ message: @autoclosure () -> String, key: String? = nil, severity: ValidationIssue.Severity = .error) -> Bool {
        if collecting {
            var at = path
            if let key { at.append(.key(key)) }
            issues.append(ValidationIssue(severity, at: JSONPath(at), message()))
        }
        return false
    }

    /// Records that a check could not be decided: collecting, an `undetermined` issue, and `false` as ``report(_:key:severity:)``
    /// returns; checking, the ``unknown`` mark, and `true`, so that checking goes on.
    @inline(__always)
    mutating func undecided(_ message: @autoclosure () -> String, key: String? = nil) -> Bool {
        if collecting { return report(message(), key: key, severity: .undetermined) }
        unknown = true
        return true
    }

    /// ``undecided(_:key:)`` for a subschema whose verdict was ``Verdict/unknown``: collecting, the `undetermined`
    /// issues `branch` reports for `value` (what could not be checked, and where).
    mutating func undecided(_ value: JSONValue, in branch: Node, _ what: String) -> Bool {
        guard collecting else {
            unknown = true
            return true
        }
        let found = branchIssues(value, branch).filter { $0.severity == .undetermined }
        if found.isEmpty { return report("could not be checked against \(what)", severity: .undetermined) }
        issues += found
        return false
    }

    /// The verdict of `node` for `value`, checked without collecting.
    mutating func verdict(_ value: JSONValue, _ node: Node) -> Verdict {
        // A checking visitor keeps no path and no issues: it can answer itself, without a new visitor per branch.
        if !collecting {
            let outer = unknown
            unknown = false
            let valid = validate(value, node)
            let result: Verdict = !valid ? .fail : unknown ? .unknown : .pass
            unknown = outer
            return result
        }
        var checker = SchemaVisitor(schema: schema, options: options, collecting: false)
        checker.depth = depth
        let valid = checker.validate(value, node)
        return !valid ? .fail : checker.unknown ? .unknown : .pass
    }

    // MARK: Values

    mutating func validate(_ value: JSONValue, _ node: Node) -> Bool {
        if node.alwaysValid { return value.isContainer ? finiteNumbers(in: value) : !SchemaVisitor.isNonFinite(value) || reportNonFinite() }
        if node.neverValid { return report("is not allowed here") }
        if let failure = node.compileFailure { return report("internal: \(failure)") }
        depth += 1
        defer { depth -= 1 }
        if depth > SchemaVisitor.maximumDepth {
            // Neither valid nor invalid (a `not` around it must not turn it into a pass): the value cannot be checked.
            return undecided("could not be checked: nested more than \(SchemaVisitor.maximumDepth) levels deep in values and subschemas (at schema \(node.pointer)), the validator's limit")
        }
        var ok = true
        if let ref = node.ref, !validate(value, schema.node(ref)) {
            if !collecting { return false }
            ok = false
        }
        if let dynamicRef = node.dynamicRef, !validate(value, schema.node(dynamicRef)) {
            if !collecting { return false }
            ok = false
        }

        if let types = node.types {
            // pydantic lax mode: a number is a Unix time for date-time and date fields.
            let laxTime = options.pydanticLax && (node.format == .dateTime || node.format == .date) && value.numberValue != nil
            if !laxTime && !matches(value, types) {
                return report("must be \(types.names.joined(separator: " or ")), found \(SchemaVisitor.describe(value))")
            }
        }
        if let constant = node.constValue, !value.isEquivalent(to: constant) {
            if !report("must be \(JSONWriter.compactString(constant))") && !collecting { return false }
            ok = false
        }
        if let values = node.enumValues, !values.contains(where: { value.isEquivalent(to: $0) }) {
            let found = report(SchemaVisitor.enumMessage(values, value))
            if !found && !collecting { return false }
            ok = false
        }

        switch value {
        case .object(let object):
            if node.hasObjectKeywords ? !validateObject(object, node) : node.isLeaf && !finiteNumbers(in: value) {
                if !collecting { return false }
                ok = false
            }
        case .array(let array):
            if node.hasArrayKeywords ? !validateArray(array, node) : node.isLeaf && !finiteNumbers(in: value) {
                if !collecting { return false }
                ok = false
            }
        case .string(let string):
            if !validateString(string, node) {
                if !collecting { return false }
                ok = false
            }
            if options.pydanticLax, let types = node.types, !types.isDisjoint(with: [.number, .integer]), let number = SchemaVisitor.laxDouble(string) {
                if !validateNumber(number, node) {
                    if !collecting { return false }
                    ok = false
                }
            }
        case .number(let number):
            let bounded = node.minimum != nil || node.maximum != nil || node.exclusiveMinimum != nil || node.exclusiveMaximum != nil || node.multipleOf != nil
            // Only a value made in memory can be NaN or infinite (the parser refuses 1e999): JSON has no such number,
            // and a writer would put `null` in its place. Checked where a node looks at numbers (not by one that only
            // applies others), once a place.
            if !number.isInteger && (bounded || node.types != nil || node.isLeaf) && SchemaVisitor.isNonFinite(number) {
                if !reportNonFinite() && !collecting { return false }
                ok = false
            } else if bounded, !validateNumber(number.doubleValue, node) {
                if !collecting { return false }
                ok = false
            }
        case .bool(let flag):
            // pydantic lax mode: `true` and `false` are 1 and 0 in an int or float field (see `matches`).
            if options.pydanticLax, let types = node.types, !types.contains(.boolean), !types.isDisjoint(with: [.number, .integer]),
                !validateNumber(flag ? 1 : 0, node)
            {
                if !collecting { return false }
                ok = false
            }
        default:
            break
        }

        if let all = node.allOf {
            for sub in all where !validate(value, sub) {
                if !collecting { return false }
                ok = false
            }
        }
        if let any = node.anyOf {
            if options.pydanticLax && node.isDecimal, case .bool = value {
                // A Decimal field: pydantic refuses a boolean there, though a float field takes it as 1 or 0.
                if !report("must be number or string (a decimal), found \(SchemaVisitor.describe(value))") && !collecting { return false }
                ok = false
            } else if !validateAnyOf(value, any) {
                if !collecting { return false }
                ok = false
            }
        }
        if let one = node.oneOf {
            if !validateOneOf(value, one, node.discriminator) {
                if !collecting { return false }
                ok = false
            }
        } else if let discriminator = node.discriminator,
            !validateOneOf(value, discriminator.mapping.sorted { $0.key < $1.key }.map { schema.node($0.value) }, discriminator)
        {
            if !collecting { return false }
            ok = false
        }
        if let not = node.not {
            switch verdict(value, not) {
            case .pass:
                if !report("must not match the excluded schema") && !collecting { return false }
                ok = false
            case .fail:
                break
            case .unknown:
                if !undecided(value, in: not, "the excluded schema (not)") { ok = false }
            }
        }
        if let condition = node.ifNode, !validateCondition(value, condition, node) {
            if !collecting { return false }
            ok = false
        }
        return ok
    }

    /// `if`/`then`/`else`. When the condition cannot be decided, the value is decided only if `then` and `else` agree.
    mutating func validateCondition(_ value: JSONValue, _ condition: Node, _ node: Node) -> Bool {
        let branch: Node?
        switch verdict(value, condition) {
        case .pass: branch = node.thenNode
        case .fail: branch = node.elseNode
        case .unknown:
            let then = node.thenNode.map { verdict(value, $0) } ?? .pass
            let otherwise = node.elseNode.map { verdict(value, $0) } ?? .pass
            if then == .pass && otherwise == .pass { return true }
            if then == .fail && otherwise == .fail { branch = node.thenNode } else { return undecided(value, in: condition, "the condition (if)") }
        }
        guard let branch else { return true }
        return validate(value, branch)
    }

    // MARK: Non-finite numbers

    static let nonFiniteMessage = "must be a finite number: NaN and infinities cannot be written as JSON"

    /// Reports a NaN or an infinity at the current path, unless another subschema already did; `false`.
    mutating func reportNonFinite() -> Bool {
        guard collecting else { return false }
        let here = currentPath
        if issues.contains(where: { $0.message == SchemaVisitor.nonFiniteMessage && $0.path == here }) { return false }
        return report(SchemaVisitor.nonFiniteMessage)
    }

    /// Whether `number` is NaN or infinite: only a number made in memory can be (the parser refuses `1e999`); an
    /// integer literal is exact however long. A literal of digits with a sign and a point and no exponent, shorter
    /// than the 309 digits of the largest double, is finite without being read as one (most floats).
    static func isNonFinite(_ number: JSONNumber) -> Bool {
        if number.isInteger { return false }
        let literal = number.literal.utf8
        if literal.count < 300, let first = literal.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
            !literal.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
        {
            return false
        }
        return !number.doubleValue.isFinite
    }

    static func isNonFinite(_ value: JSONValue) -> Bool {
        if case .number(let number) = value { return isNonFinite(number) }
        return false
    }

    /// Whether no number in `value` (which no subschema descends into) is NaN or infinite; each one found is an error
    /// where it is (collecting). Walked with a stack of its own, so a value nested however deep cannot exhaust the
    /// thread's.
    mutating func finiteNumbers(in value: JSONValue) -> Bool {
        var ok = true
        var pending: [(value: JSONValue, depth: Int, component: JSONPath.Component?)] = [(value, 0, nil)]
        var trail: [JSONPath.Component] = []  // the path below the current one, collecting
        while let (current, level, component) = pending.popLast() {
            if collecting {
                trail.removeLast(trail.count - level)
                if let component { trail.append(component) }
            }
            switch current {
            case .number(let number) where SchemaVisitor.isNonFinite(number):
                guard collecting else { return false }
                path += trail
                _ = reportNonFinite()
                path.removeLast(trail.count)
                ok = false
            case .array(let items):
                for (i, item) in items.enumerated().reversed() where item.isContainer || SchemaVisitor.isNonFinite(item) {
                    pending.append((item, trail.count, .index(i)))
                }
            case .object(let members):
                for (key, member) in members.reversed() where member.isContainer || SchemaVisitor.isNonFinite(member) {
                    pending.append((member, trail.count, .key(key)))
                }
            default:
                break
            }
        }
        return ok
    }

    // MARK: Types

    func matches(_ value: JSONValue, _ types: TypeSet) -> Bool {
        switch value {
        case .null: if types.contains(.null) { return true }
        case .bool: if types.contains(.boolean) { return true }
        case .object: if types.contains(.object) { return true }
        case .array: if types.contains(.array) { return true }
        case .string: if types.contains(.string) { return true }
        case .number(let n):
            if types.contains(.number) { return true }
            if types.contains(.integer) && (n.isInteger || (n.doubleValue.isFinite && n.doubleValue.rounded() == n.doubleValue)) { return true }
        }
        guard options.pydanticLax else { return false }
        // pydantic lax mode (JSON input): numeric strings for numbers, 0/1 and words for booleans, booleans for numbers.
        switch value {
        case .string(let s):
            if types.contains(.number), SchemaVisitor.laxDouble(s) != nil { return true }
            if types.contains(.integer), let d = SchemaVisitor.laxDouble(s), d.rounded() == d, !s.contains(".") && !s.contains("e") && !s.contains("E") { return true }
            if types.contains(.boolean) {
                return ["0", "off", "f", "false", "n", "no", "1", "on", "t", "true", "y", "yes"].contains(s.lowercased())
            }
            return false
        case .number(let n):
            return types.contains(.boolean) && (n.doubleValue == 0 || n.doubleValue == 1)
        case .bool:
            // pydantic lax mode takes `true`/`false` as 1/0 for int and float fields (not for Decimal ones: `isDecimal`).
            return types.contains(.number) || types.contains(.integer)
        default:
            return false
        }
    }

    /// A number in a string as pydantic reads it (ASCII white space around it allowed), without Foundation.
    static func laxDouble(_ s: String) -> Double? {
        var utf8 = Substring(s).utf8[...]
        while let first = utf8.first, first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D { utf8 = utf8.dropFirst() }
        while let last = utf8.last, last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D { utf8 = utf8.dropLast() }
        guard let first = utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".") || (first >= 0x30 && first <= 0x39) else {
            return nil
        }
        return Double(Substring(utf8))
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "boolean \(b)"
        case .number(let n):
            if SchemaVisitor.isNonFinite(n) { return "non-finite number" }
            return "\(n.isInteger ? "integer" : "number") \(n.literal)"
        case .string(let s): return "string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array: return "array"
        case .object: return "object"
        }
    }

    static func enumMessage(_ values: [JSONValue], _ value: JSONValue) -> String {
        let shown = values.prefix(12).map { JSONWriter.compactString($0) }.joined(separator: ", ")
        return "must be one of: \(shown)\(values.count > 12 ? ", …" : ""); found \(JSONWriter.compactString(value))"
    }

    // MARK: Objects

    mutating func validateObject(_ object: JSONObject, _ node: Node) -> Bool {
        var ok = true
        var named = 0  // members that are properties of the schema
        defer {
            // A model missing a field with a default: its rules must see the default (``DefaultFiller``).
            if options.pydanticLax, let model = node.model, !model.defaults.isEmpty, named < node.propertyList.count { modelsNeedDefaults = true }
        }
        for key in node.required where object[key] == nil {
            if !report("required field '\(key)' is missing", key: key) && !collecting { return false }
            ok = false
        }
        if let min = node.minProperties, object.count < min {
            if !report("must have at least \(min) members") && !collecting { return false }
            ok = false
        }
        if let max = node.maxProperties, object.count > max {
            if !report("must have at most \(max) members") && !collecting { return false }
            ok = false
        }
        if options.pydanticLax, node.isModel, !unitRule(object, node) {
            if !collecting { return false }
            ok = false
        }
        for (key, dependency) in node.dependencies where object[key] != nil {
            switch dependency {
            case .properties(let names):
                for name in names where object[name] == nil {
                    if !report("'\(name)' is required when '\(key)' is present", key: name) && !collecting { return false }
                    ok = false
                }
            case .schema(let sub):
                if !validate(.object(object), sub) {
                    if !collecting { return false }
                    ok = false
                }
            }
        }
        var cursor = 0
        for (key, member) in object {
            if let names = node.propertyNames {
                if collecting { path.append(.key(key)) }
                let valid = validate(.string(key), names)
                if collecting { path.removeLast() }
                if !valid {
                    if !collecting { return false }
                    ok = false
                }
            }
            var covered = false
            if let sub = node.property(key, cursor: &cursor) {
                covered = true
                named += 1
                // The dialect may coerce a model's object_type to its own; then only a discriminator looks at it.
                if options.coercesObjectType && key.utf8.count == 11 && key == "object_type" {
                    if let own = node.model?.objectType, member.stringValue != own { modelsNeedDefaults = true }
                } else {
                    if collecting { path.append(.key(key)) }
                    let valid = validate(member, sub)
                    if collecting { path.removeLast() }
                    if !valid {
                        if !collecting { return false }
                        ok = false
                    }
                }
            }
            // Whether a pattern could not tell if it names this member: then whether `additionalProperties` applies is unknown.
            var coverageUnknown = false
            for (pattern, sub) in node.patternProperties {
                switch pattern.search(key) {
                case .noMatch: continue
                case .failed:
                    if !undecided("property name could not be checked against pattern \(pattern.source) (the regular expression engine gave up)", key: key) {
                        ok = false
                    }
                    coverageUnknown = true
                    continue
                case .match: break
                }
                covered = true
                if collecting { path.append(.key(key)) }
                let valid = validate(member, sub)
                if collecting { path.removeLast() }
                if !valid {
                    if !collecting { return false }
                    ok = false
                }
            }
            if !covered, !coverageUnknown, node.additionalProperties == nil, member.isContainer || SchemaVisitor.isNonFinite(member) {
                // No subschema looks at this member: it may still hold no NaN or infinity.
                if collecting { path.append(.key(key)) }
                let valid = finiteNumbers(in: member)
                if collecting { path.removeLast() }
                if !valid {
                    if !collecting { return false }
                    ok = false
                }
            }
            if !covered, !coverageUnknown, let additional = node.additionalProperties {
                if additional.neverValid {
                    if !report("unknown field '\(key)' is not allowed", key: key) && !collecting { return false }
                    ok = false
                } else {
                    if collecting { path.append(.key(key)) }
                    let valid = validate(member, additional)
                    if collecting { path.removeLast() }
                    if !valid {
                        if !collecting { return false }
                        ok = false
                    }
                }
            }
        }
        return ok
    }

    /// Model objects (objects whose schema has `object_type`) run the dialect's unit rule over all their fields,
    /// defaults included: a unit field that is missing while a field it governs is set (``ModelDialect``).
    mutating func unitRule(_ object: JSONObject, _ node: Node) -> Bool {
        guard let pairs = node.model?.unitPairs, !pairs.isEmpty, let dialect = options.dialect else { return true }
        for pair in pairs where dialect.unitIsMissing(object[pair.unit] ?? pair.unitDefault) {
            if let governed = pair.governed.first(where: { dialect.governedIsSet(object[$0.name] ?? $0.defaultValue) }) {
                return report("unit \(pair.unit) is required when \(governed.name) is set", key: pair.unit)  // the reference raises on the first
            }
        }
        return true
    }

    // MARK: Arrays

    mutating func validateArray(_ array: [JSONValue], _ node: Node) -> Bool {
        var ok = true
        if let min = node.minItems, array.count < min {
            if !report("must have at least \(min) item\(min == 1 ? "" : "s"), found \(array.count)") && !collecting { return false }
            ok = false
        }
        if let max = node.maxItems, array.count > max {
            if !report("must have at most \(max) item\(max == 1 ? "" : "s"), found \(array.count)") && !collecting { return false }
            ok = false
        }
        if node.uniqueItems {
            outer: for i in array.indices {
                for j in array.indices where j > i && array[i].isEquivalent(to: array[j]) {
                    if collecting { path.append(.index(j)) }
                    _ = report("duplicates item \(i); items must be unique")
                    if collecting { path.removeLast() }
                    if !collecting { return false }
                    ok = false
                    continue outer
                }
            }
        }
        if splitsLongArrays, !collecting, node.tupleItems == nil, let sub = node.items, array.count >= SchemaVisitor.longArray {
            if !itemsPass(array, sub) { return false }
        } else {
            for (i, item) in array.enumerated() {
                let sub: Node?
                if let tuple = node.tupleItems {
                    sub = i < tuple.count ? tuple[i] : node.additionalItems
                } else {
                    sub = node.items
                }
                guard let sub else {
                    // No subschema looks at this item: it may still hold no NaN or infinity.
                    if item.isContainer || SchemaVisitor.isNonFinite(item) {
                        if collecting { path.append(.index(i)) }
                        let valid = finiteNumbers(in: item)
                        if collecting { path.removeLast() }
                        if !valid {
                            if !collecting { return false }
                            ok = false
                        }
                    }
                    continue
                }
                if collecting { path.append(.index(i)) }
                let valid: Bool
                if node.tupleItems != nil, i >= (node.tupleItems?.count ?? 0), sub.neverValid {
                    valid = report("no item is allowed beyond position \((node.tupleItems?.count ?? 0) - 1)")
                } else {
                    valid = validate(item, sub)
                }
                if collecting { path.removeLast() }
                if !valid {
                    if !collecting { return false }
                    ok = false
                }
            }
        }
        if let contains = node.contains {
            var found = false
            var undecidedItem: Int?
            for (i, item) in array.enumerated() {
                let outcome = verdict(item, contains)
                if outcome == .pass {
                    found = true
                    break
                }
                if outcome == .unknown && undecidedItem == nil { undecidedItem = i }
            }
            if !found, let i = undecidedItem {
                if collecting { path.append(.index(i)) }
                let decided = undecided(array[i], in: contains, "the 'contains' schema")
                if collecting { path.removeLast() }
                if !decided { ok = false }
            } else if !found {
                if !report("must contain at least one item matching the 'contains' schema") && !collecting { return false }
                ok = false
            }
        }
        return ok
    }

    /// Arrays at least this long are checked on several threads by a visitor that ``splitsLongArrays``.
    static let longArray = 512

    /// The indices of `count` items in contiguous slices, one per processor (at most 8), for work split across
    /// threads; joining the slices' results in slice order gives the serial order.
    static func slices(of count: Int) -> [Range<Int>] {
        let slices = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let size = (count + slices - 1) / slices
        return (0..<slices).map { min(count, $0 * size)..<min(count, ($0 + 1) * size) }
    }

    /// Whether every item of `array` passes `sub`, checked in ``slices(of:)`` on several threads; the first failure
    /// stops the others. Only the verdict is shared, so the answer is the serial one (an item that could not be decided
    /// sets ``unknown``).
    mutating func itemsPass(_ array: [JSONValue], _ sub: Node) -> Bool {
        let slices = SchemaVisitor.slices(of: array.count)
        let failed = Atomic(false)
        let undecided = Atomic(false)
        let needDefaults = Atomic(false)
        let schema = self.schema
        let options = self.options
        let depth = self.depth
        DispatchQueue.concurrentPerform(iterations: slices.count) { slice in
            var checker = SchemaVisitor(schema: schema, options: options, collecting: false)
            checker.depth = depth
            for i in slices[slice] {
                if failed.load(ordering: .relaxed) { return }
                if !checker.validate(array[i], sub) {
                    failed.store(true, ordering: .relaxed)
                    return
                }
            }
            if checker.unknown { undecided.store(true, ordering: .relaxed) }
            if checker.modelsNeedDefaults { needDefaults.store(true, ordering: .relaxed) }
        }
        if undecided.load(ordering: .relaxed) { unknown = true }
        if needDefaults.load(ordering: .relaxed) { modelsNeedDefaults = true }
        return !failed.load(ordering: .relaxed)
    }

    // MARK: Scalars

    mutating func validateString(_ string: String, _ node: Node) -> Bool {
        var ok = true
        if node.minLength != nil || node.maxLength != nil {
            let length = string.unicodeScalars.count
            if let min = node.minLength, length < min {
                if !report("must be at least \(min) character\(min == 1 ? "" : "s") long") && !collecting { return false }
                ok = false
            }
            if let max = node.maxLength, length > max {
                if !report("must be at most \(max) characters long") && !collecting { return false }
                ok = false
            }
        }
        if let pattern = node.pattern {
            switch pattern.search(string) {
            case .match: break
            case .noMatch:
                if !report("must match the pattern \(pattern.source)") && !collecting { return false }
                ok = false
            case .failed:
                if !undecided("could not be checked against the pattern \(pattern.source) (the regular expression engine gave up on this value)") { ok = false }
            }
        }
        if options.assertFormats, let format = node.format, format != .other,
            let problem = Formats.check(string, format: format, lax: options.pydanticLax, naive: options.allowNaiveDateTimes)
        {
            if !report(problem) && !collecting { return false }
            ok = false
        }
        return ok
    }

    mutating func validateNumber(_ value: Double, _ node: Node) -> Bool {
        var ok = true
        if let m = node.minimum, value < m { ok = report("must be ≥ \(JSONNumber.format(m))"); if !collecting { return false } }
        if let m = node.maximum, value > m { ok = report("must be ≤ \(JSONNumber.format(m))"); if !collecting { return false } }
        if let m = node.exclusiveMinimum, value <= m { ok = report("must be > \(JSONNumber.format(m))"); if !collecting { return false } }
        if let m = node.exclusiveMaximum, value >= m { ok = report("must be < \(JSONNumber.format(m))"); if !collecting { return false } }
        if let m = node.multipleOf {
            let q = value / m
            // A quotient too large for a double has no integer part to speak of: not a multiple (the suite's rule).
            if !q.isFinite || abs(q - q.rounded()) > max(1e-9, 4 * q.ulp) {
                ok = report("must be a multiple of \(JSONNumber.format(m))")
                if !collecting { return false }
            }
        }
        return ok
    }

    // MARK: Combinators

    mutating func validateAnyOf(_ value: JSONValue, _ branches: [Node]) -> Bool {
        var undecidedBranch: Node?
        for branch in branches {
            switch verdict(value, branch) {
            case .pass: return true
            case .unknown: if undecidedBranch == nil { undecidedBranch = branch }
            case .fail: break
            }
        }
        if let undecidedBranch { return undecided(value, in: undecidedBranch, "the allowed forms (anyOf)") }
        guard collecting else { return false }
        let here = currentPath
        var best: [ValidationIssue]?
        for branch in branches {
            let issues = branchIssues(value, branch)
            if best == nil || score(issues, here) < score(best ?? [], here) { best = issues }
        }
        if let best, best.allSatisfy({ $0.path == here && $0.message.hasPrefix("must be ") && $0.message.contains(", found ") }) {
            var names: [String] = []
            for name in branches.compactMap({ branchTypeName($0) }) where !names.contains(name) { names.append(name) }
            issues.append(ValidationIssue(at: here, "must be \(names.isEmpty ? "one of the allowed forms" : names.joined(separator: " or ")), found \(SchemaVisitor.describe(value))"))
        } else {
            issues += best ?? [ValidationIssue(at: here, "matches none of the allowed forms")]
        }
        return false
    }

    /// The issues one branch reports for `value` (collecting, at the current path).
    mutating func branchIssues(_ value: JSONValue, _ branch: Node) -> [ValidationIssue] {
        let mark = issues.count
        _ = validate(value, branch)
        let found = Array(issues[mark...])
        issues.removeSubrange(mark...)
        return found
    }

    private func score(_ issues: [ValidationIssue], _ path: JSONPath) -> Int {
        let typeMismatch = issues.contains { $0.path == path && $0.message.contains(", found ") }
        return (typeMismatch ? 10_000 : 0) + issues.count
    }

    private func branchTypeName(_ node: Node) -> String? {
        if let types = node.types { return types.names.joined(separator: " or ") }
        if let ref = node.ref {
            let target = schema.node(ref)
            return target.name ?? branchTypeName(target)
        }
        return node.name
    }

    mutating func validateOneOf(_ value: JSONValue, _ branches: [Node], _ discriminator: (property: String, mapping: [String: RefTarget])?) -> Bool {
        if let discriminator, case .object(let object) = value {
            guard let tag = object[discriminator.property] else {
                return report("required field '\(discriminator.property)' is missing (it selects the kind of object)", key: discriminator.property)
            }
            guard let key = tag.stringValue, let target = discriminator.mapping[key] else {
                let known = discriminator.mapping.keys.sorted()
                let shown = known.prefix(10).joined(separator: ", ") + (known.count > 10 ? ", … (\(known.count) kinds)" : "")
                return report("unknown \(discriminator.property) \(JSONWriter.compactString(tag)); expected one of: \(shown)", key: discriminator.property)
            }
            return validate(value, schema.node(target))
        }
        var passing = 0
        var undecidedBranch: Node?
        for branch in branches {
            switch verdict(value, branch) {
            case .pass: passing += 1
            case .unknown: if undecidedBranch == nil { undecidedBranch = branch }
            case .fail: break
            }
            if passing > 1 { break }
        }
        if passing > 1 { return report("matches more than one of the allowed forms (oneOf)") }
        if let undecidedBranch { return undecided(value, in: undecidedBranch, "the allowed forms (oneOf)") }
        if passing == 1 { return true }
        guard collecting else { return false }
        let here = currentPath
        var best: [ValidationIssue]?
        for branch in branches {
            let found = branchIssues(value, branch)
            if best == nil || score(found, here) < score(best ?? [], here) { best = found }
        }
        issues += best ?? [ValidationIssue(at: here, "matches none of the allowed forms")]
        return false
    }
}
