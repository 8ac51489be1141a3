import Dispatch
import Foundation
import MetadataModel
import Synchronization

/// Walks a value against a compiled schema.
///
/// Two modes share one code path: **checking** (`collecting == false`) answers valid or not, stopping at the first
/// failure, and builds no message, no path and no array; **collecting** reports every issue with its JSON path, the
/// path kept as a stack and turned into a `JSONPath` only when an issue is recorded. A document is checked first and
/// collected only when it fails, so valid documents pay for one allocation-free pass.
struct SchemaVisitor {
    let schema: CompiledSchema
    let options: JSONSchemaValidator.Options
    let collecting: Bool
    /// Whether a long array's items are checked on several threads (the checking visitor of a whole document only:
    /// the visitors it starts, and those of nested checks, stay on their thread).
    var splitsLongArrays = false
    var path: [JSONPath.Component] = []
    var issues: [ValidationIssue] = []

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

    /// Whether `value` passes `node`, checked without collecting.
    mutating func passes(_ value: JSONValue, _ node: Node) -> Bool {
        // A checking visitor keeps no path and no issues: it can answer itself, without a new visitor per branch.
        if !collecting { return validate(value, node) }
        var checker = SchemaVisitor(schema: schema, options: options, collecting: false)
        return checker.validate(value, node)
    }

    // MARK: Values

    mutating func validate(_ value: JSONValue, _ node: Node) -> Bool {
        if node.alwaysValid { return true }
        if node.neverValid { return report("is not allowed here") }
        if let failure = node.compileFailure { return report("internal: \(failure)") }
        var ok = true
        if let ref = node.ref, !validate(value, schema.node(ref)) {
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
            if node.hasObjectKeywords, !validateObject(object, node) {
                if !collecting { return false }
                ok = false
            }
        case .array(let array):
            if node.hasArrayKeywords, !validateArray(array, node) {
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
            if node.minimum != nil || node.maximum != nil || node.exclusiveMinimum != nil || node.exclusiveMaximum != nil || node.multipleOf != nil,
                !validateNumber(number.doubleValue, node)
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
        if let any = node.anyOf, !validateAnyOf(value, any) {
            if !collecting { return false }
            ok = false
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
        if let not = node.not, passes(value, not) {
            if !report("must not match the excluded schema") && !collecting { return false }
            ok = false
        }
        if let condition = node.ifNode {
            let branch = passes(value, condition) ? node.thenNode : node.elseNode
            if let branch, !validate(value, branch) {
                if !collecting { return false }
                ok = false
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
        // pydantic lax mode (JSON input): numeric strings for numbers, 0/1 and words for booleans.
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
        case .number(let n): return "\(n.isInteger ? "integer" : "number") \(n.literal)"
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
                // pydantic coerces a model's object_type to its own; only a discriminator looks at it.
                if !(options.pydanticLax && key.utf8.count == 11 && key == "object_type") {
                    if collecting { path.append(.key(key)) }
                    let valid = validate(member, sub)
                    if collecting { path.removeLast() }
                    if !valid {
                        if !collecting { return false }
                        ok = false
                    }
                }
            }
            for (pattern, sub) in node.patternProperties {
                switch pattern.search(key) {
                case .noMatch: continue
                case .failed:
                    if !report("property name could not be checked against pattern \(pattern.source) (the regular expression engine gave up)", key: key, severity: .undetermined) && !collecting { return false }
                    ok = false
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
            if !covered, let additional = node.additionalProperties {
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

    /// pydantic models (objects whose schema has `object_type`) run aind-data-schema's unit validator over all their
    /// fields, defaults included: a `<x>_unit` that is empty while `<x>`, or a field whose name contains `<x>`, is set.
    mutating func unitRule(_ object: JSONObject, _ node: Node) -> Bool {
        for pair in node.unitPairs where !(object[pair.unit] ?? pair.unitDefault).isTruthy {
            if let governed = pair.governed.first(where: { (object[$0.name] ?? $0.defaultValue).isTruthy }) {
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
                guard let sub else { continue }
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
        if let contains = node.contains, !array.contains(where: { passes($0, contains) }) {
            if !report("must contain at least one item matching the 'contains' schema") && !collecting { return false }
            ok = false
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
    /// stops the others. Only the verdict is shared, so the answer is the serial one.
    func itemsPass(_ array: [JSONValue], _ sub: Node) -> Bool {
        let slices = SchemaVisitor.slices(of: array.count)
        let failed = Atomic(false)
        let schema = self.schema
        let options = self.options
        DispatchQueue.concurrentPerform(iterations: slices.count) { slice in
            var checker = SchemaVisitor(schema: schema, options: options, collecting: false)
            for i in slices[slice] {
                if failed.load(ordering: .relaxed) { return }
                if !checker.validate(array[i], sub) {
                    failed.store(true, ordering: .relaxed)
                    return
                }
            }
        }
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
                if !report("could not be checked against the pattern \(pattern.source) (the regular expression engine gave up on this value)", severity: .undetermined)
                    && !collecting
                {
                    return false
                }
                ok = false
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
        if branches.contains(where: { passes(value, $0) }) { return true }
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
        for branch in branches where passes(value, branch) {
            passing += 1
            if passing > 1 { break }
        }
        if passing == 1 { return true }
        if passing > 1 { return report("matches more than one of the allowed forms (oneOf)") }
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
