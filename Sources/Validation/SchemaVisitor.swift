import Foundation
import MetadataModel

/// Walks a value against a compiled schema, collecting every issue.
struct SchemaVisitor {
    let options: JSONSchemaValidator.Options

    func validate(_ value: JSONValue, against node: SchemaNode, at path: JSONPath, into issues: inout [ValidationIssue]) {
        if node.alwaysValid { return }
        if node.neverValid {
            issues.append(ValidationIssue(at: path, "is not allowed here"))
            return
        }
        if let ref = node.ref { validate(value, against: ref, at: path, into: &issues) }

        // pydantic lax mode: a number is a Unix time for date-time and date fields.
        let laxTime = options.pydanticLax && (node.format == "date-time" || node.format == "date") && value.numberValue != nil
        if let types = node.types, !laxTime, !types.contains(where: { matches(value, type: $0) }) {
            issues.append(ValidationIssue(at: path, "must be \(types.joined(separator: " or ")), found \(describe(value))"))
            return  // further keywords would only repeat the type mismatch
        }
        if let constValue = node.constValue, !equal(value, constValue) {
            issues.append(ValidationIssue(at: path, "must be \(JSONWriter.compactString(constValue))"))
        }
        if let values = node.enumValues, !values.contains(where: { equal(value, $0) }) {
            let shown = values.prefix(12).map { JSONWriter.compactString($0) }.joined(separator: ", ")
            issues.append(ValidationIssue(at: path, "must be one of: \(shown)\(values.count > 12 ? ", …" : ""); found \(JSONWriter.compactString(value))"))
        }

        switch value {
        case .object(let object): validateObject(object, node, path, &issues)
        case .array(let array): validateArray(array, node, path, &issues)
        case .string(let string): validateString(string, node, path, &issues)
        case .number(let number): validateNumber(number.doubleValue, node, path, &issues)
        default: break
        }
        if options.pydanticLax, case .string(let s) = value, let d = Double(s.trimmingCharacters(in: .whitespaces)), node.types?.contains(where: { $0 == "number" || $0 == "integer" }) == true {
            validateNumber(d, node, path, &issues)
        }

        if let all = node.allOf {
            for sub in all { validate(value, against: sub, at: path, into: &issues) }
        }
        if let any = node.anyOf {
            validateAnyOf(value, any, path, &issues)
        }
        if let one = node.oneOf {
            validateOneOf(value, one, node.discriminator, path, &issues)
        } else if let discriminator = node.discriminator {
            validateOneOf(value, Array(discriminator.mapping.values), discriminator, path, &issues)
        }
        if let not = node.not {
            var sub: [ValidationIssue] = []
            validate(value, against: not, at: path, into: &sub)
            if sub.isEmpty { issues.append(ValidationIssue(at: path, "must not match the excluded schema")) }
        }
    }

    // MARK: Types

    func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("string", .string), ("number", .number):
            return true
        case ("integer", .number(let n)):
            return n.isInteger || (n.doubleValue.isFinite && n.doubleValue.rounded() == n.doubleValue)
        default:
            break
        }
        guard options.pydanticLax else { return false }
        // pydantic lax mode (JSON input): numeric strings for numbers, 0/1 and words for booleans.
        switch (type, value) {
        case ("number", .string(let s)):
            return Double(s.trimmingCharacters(in: .whitespaces)) != nil
        case ("integer", .string(let s)):
            return Int(s.trimmingCharacters(in: .whitespaces)) != nil
        case ("boolean", .number(let n)):
            return n.doubleValue == 0 || n.doubleValue == 1
        case ("boolean", .string(let s)):
            return ["0", "off", "f", "false", "n", "no", "1", "on", "t", "true", "y", "yes"].contains(s.lowercased())
        default:
            return false
        }
    }

    func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "boolean \(b)"
        case .number(let n): return "\(n.isInteger ? "integer" : "number") \(n.literal)"
        case .string(let s): return "string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array: return "array"
        case .object: return "object"
        }
    }

    func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        a.isEquivalent(to: b)
    }

    // MARK: Objects

    func validateObject(_ object: JSONObject, _ node: SchemaNode, _ path: JSONPath, _ issues: inout [ValidationIssue]) {
        for key in node.required where object[key] == nil {
            issues.append(ValidationIssue(at: path.appending(key), "required field '\(key)' is missing"))
        }
        if let min = node.minProperties, object.count < min { issues.append(ValidationIssue(at: path, "must have at least \(min) members")) }
        if let max = node.maxProperties, object.count > max { issues.append(ValidationIssue(at: path, "must have at most \(max) members")) }
        unitRule(object, node, path, &issues)
        for (key, member) in object {
            let memberPath = path.appending(key)
            var covered = false
            if let sub = node.propertyIndex[key] {
                covered = true
                // pydantic coerces a model's object_type to its own; only a discriminator looks at it.
                if !(options.pydanticLax && key == "object_type") {
                    validate(member, against: sub, at: memberPath, into: &issues)
                }
            }
            for (regex, sub) in node.patternProperties where regex.firstMatch(in: key, range: NSRange(key.startIndex..., in: key)) != nil {
                covered = true
                validate(member, against: sub, at: memberPath, into: &issues)
            }
            if !covered {
                switch node.additionalProperties {
                case .allowed: break
                case .forbidden: issues.append(ValidationIssue(at: memberPath, "unknown field '\(key)' is not allowed"))
                case .schema(let sub): validate(member, against: sub, at: memberPath, into: &issues)
                }
            }
        }
    }

    /// pydantic models (objects whose schema has `object_type`) run aind-data-schema's unit validator over all their
    /// fields, defaults included: a `<x>_unit` that is empty while `<x>`, or a field whose name contains `<x>`, is set.
    func unitRule(_ object: JSONObject, _ node: SchemaNode, _ path: JSONPath, _ issues: inout [ValidationIssue]) {
        guard options.pydanticLax, node.propertyIndex["object_type"] != nil else { return }
        func value(_ key: String) -> JSONValue {
            object[key] ?? node.propertyIndex[key].flatMap { $0.defaultValue ?? $0.ref?.defaultValue } ?? .null
        }
        for (unit, governed) in node.unitPairs where !value(unit).isTruthy {
            if let name = governed.first(where: { value($0).isTruthy }) {
                issues.append(ValidationIssue(at: path.appending(unit), "unit \(unit) is required when \(name) is set"))
                return  // the reference raises on the first
            }
        }
    }

    // MARK: Arrays

    func validateArray(_ array: [JSONValue], _ node: SchemaNode, _ path: JSONPath, _ issues: inout [ValidationIssue]) {
        if let min = node.minItems, array.count < min { issues.append(ValidationIssue(at: path, "must have at least \(min) item\(min == 1 ? "" : "s"), found \(array.count)")) }
        if let max = node.maxItems, array.count > max { issues.append(ValidationIssue(at: path, "must have at most \(max) item\(max == 1 ? "" : "s"), found \(array.count)")) }
        if node.uniqueItems {
            for i in array.indices {
                for j in array.indices where j > i && equal(array[i], array[j]) {
                    issues.append(ValidationIssue(at: path.appending(index: j), "duplicates item \(i); items must be unique"))
                }
            }
        }
        if let tuple = node.tupleItems {
            for (i, item) in array.enumerated() {
                if i < tuple.count {
                    validate(item, against: tuple[i], at: path.appending(index: i), into: &issues)
                } else {
                    switch node.additionalItems {
                    case .allowed: break
                    case .forbidden: issues.append(ValidationIssue(at: path.appending(index: i), "no item is allowed beyond position \(tuple.count - 1)"))
                    case .schema(let sub): validate(item, against: sub, at: path.appending(index: i), into: &issues)
                    }
                }
            }
        } else if let items = node.items {
            for (i, item) in array.enumerated() { validate(item, against: items, at: path.appending(index: i), into: &issues) }
        }
    }

    // MARK: Scalars

    func validateString(_ string: String, _ node: SchemaNode, _ path: JSONPath, _ issues: inout [ValidationIssue]) {
        let length = string.unicodeScalars.count
        if let min = node.minLength, length < min { issues.append(ValidationIssue(at: path, "must be at least \(min) character\(min == 1 ? "" : "s") long")) }
        if let max = node.maxLength, length > max { issues.append(ValidationIssue(at: path, "must be at most \(max) characters long")) }
        if let (regex, text) = node.pattern, regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) == nil {
            issues.append(ValidationIssue(at: path, "must match the pattern \(text)"))
        }
        if options.assertFormats, let format = node.format, let problem = Formats.check(string, format: format, lax: options.pydanticLax, naive: options.allowNaiveDateTimes) {
            issues.append(ValidationIssue(at: path, problem))
        }
    }

    func validateNumber(_ value: Double, _ node: SchemaNode, _ path: JSONPath, _ issues: inout [ValidationIssue]) {
        if let m = node.minimum, value < m { issues.append(ValidationIssue(at: path, "must be ≥ \(JSONNumber.format(m))")) }
        if let m = node.maximum, value > m { issues.append(ValidationIssue(at: path, "must be ≤ \(JSONNumber.format(m))")) }
        if let m = node.exclusiveMinimum, value <= m { issues.append(ValidationIssue(at: path, "must be > \(JSONNumber.format(m))")) }
        if let m = node.exclusiveMaximum, value >= m { issues.append(ValidationIssue(at: path, "must be < \(JSONNumber.format(m))")) }
        if let m = node.multipleOf {
            let q = value / m
            if abs(q - q.rounded()) > 1e-9 { issues.append(ValidationIssue(at: path, "must be a multiple of \(JSONNumber.format(m))")) }
        }
    }

    // MARK: Combinators

    func validateAnyOf(_ value: JSONValue, _ branches: [SchemaNode], _ path: JSONPath, _ issues: inout [ValidationIssue]) {
        var best: [ValidationIssue]?
        for branch in branches {
            var sub: [ValidationIssue] = []
            validate(value, against: branch, at: path, into: &sub)
            if sub.isEmpty { return }
            // Prefer the branch whose type fits (its errors are about content, not type), then the fewest errors.
            if best == nil || score(sub, path) < score(best ?? [], path) { best = sub }
        }
        if let best, best.allSatisfy({ $0.path == path && $0.message.hasPrefix("must be ") && $0.message.contains(", found ") }) {
            var names: [String] = []
            for name in branches.compactMap({ branchTypeName($0) }) where !names.contains(name) { names.append(name) }
            issues.append(ValidationIssue(at: path, "must be \(names.isEmpty ? "one of the allowed forms" : names.joined(separator: " or ")), found \(describe(value))"))
        } else {
            issues += best ?? [ValidationIssue(at: path, "matches none of the allowed forms")]
        }
    }

    private func score(_ issues: [ValidationIssue], _ path: JSONPath) -> Int {
        let typeMismatch = issues.contains { $0.path == path && $0.message.contains(", found ") }
        return (typeMismatch ? 10_000 : 0) + issues.count
    }

    private func branchTypeName(_ node: SchemaNode) -> String? {
        if let types = node.types { return types.joined(separator: " or ") }
        if let ref = node.ref { return ref.name ?? branchTypeName(ref) }
        return node.name
    }

    func validateOneOf(_ value: JSONValue, _ branches: [SchemaNode], _ discriminator: (property: String, mapping: [String: SchemaNode])?, _ path: JSONPath, _ issues: inout [ValidationIssue]) {
        if let discriminator, case .object(let object) = value {
            guard let tag = object[discriminator.property] else {
                issues.append(ValidationIssue(at: path.appending(discriminator.property), "required field '\(discriminator.property)' is missing (it selects the kind of object)"))
                return
            }
            guard let key = tag.stringValue, let target = discriminator.mapping[key]?.ref ?? discriminator.mapping[key] else {
                let known = discriminator.mapping.keys.sorted()
                let shown = known.prefix(10).joined(separator: ", ") + (known.count > 10 ? ", … (\(known.count) kinds)" : "")
                issues.append(ValidationIssue(at: path.appending(discriminator.property), "unknown \(discriminator.property) \(JSONWriter.compactString(tag)); expected one of: \(shown)"))
                return
            }
            validate(value, against: target, at: path, into: &issues)
            return
        }
        var passing = 0
        var best: [ValidationIssue]?
        for branch in branches {
            var sub: [ValidationIssue] = []
            validate(value, against: branch, at: path, into: &sub)
            if sub.isEmpty { passing += 1 } else if best == nil || score(sub, path) < score(best ?? [], path) { best = sub }
        }
        if passing == 1 { return }
        if passing > 1 {
            issues.append(ValidationIssue(at: path, "matches more than one of the allowed forms (oneOf)"))
        } else {
            issues += best ?? [ValidationIssue(at: path, "matches none of the allowed forms")]
        }
    }
}
