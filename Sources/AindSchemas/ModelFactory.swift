import MetadataModel

/// Builds aind-data-schema values from a release's JSON Schema, so no adapter hand-types a field list.
///
/// ```swift
/// let models = try context.schema.models(.instrument)
/// let device = try models.make("HarpDevice", [
///     "name": "harp_behavior",
///     "harp_device_type": try models.variant("HarpDevice", "harp_device_type", matching: "Behavior"),
///     "is_clock_generator": false,
/// ])
/// ```
///
/// ``make(_:_:)`` writes every property of the definition in the schema's order, as pydantic's
/// `model_dump_json` does: the given value, else the property's `default` (so `object_type` is always the model's own
/// constant), else `null`. A field the definition does not have, a missing required field, or an `object_type` that
/// contradicts the model is a ``SchemaBuildError`` — a programming error that the adapter's tests catch, never a
/// silently wrong document. Integers given for `float` fields are written as floats (`1.0`), as pydantic writes them.
public struct ModelFactory: Sendable {
    public let schema: ParsedSchema

    public init(schema: ParsedSchema) {
        self.schema = schema
    }

    /// The release this factory builds for (`2.9.2`).
    public var release: String { schema.release }

    /// A value of definition `name` (`"HarpDevice"`), or of the document itself when `name` is `nil`.
    public func make(_ name: String?, _ fields: JSONObject) throws(SchemaBuildError) -> JSONValue {
        let what = name ?? schema.kind.objectType
        guard let definition = schema.definition(name) else {
            throw SchemaBuildError("\(schema.kind.objectType) schema \(release) has no definition '\(what)'")
        }
        let properties = definition["properties"]?.objectValue ?? [:]
        for key in fields.keys where properties[key] == nil {
            let known = properties.keys.joined(separator: ", ")
            throw SchemaBuildError("\(what) has no field '\(key)' (fields: \(known))")
        }
        let required = Set((definition["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        var object = JSONObject()
        object.reserveCapacity(properties.count)
        for (key, property) in properties {
            if let given = fields[key] {
                if let constant = property["const"], !given.isEquivalent(to: constant) {
                    throw SchemaBuildError("\(what).\(key) is the constant \(JSONWriter.compactString(constant)), not \(JSONWriter.compactString(given))")
                }
                object[key] = coerce(given, to: property)
            } else if let value = property["default"] {
                object[key] = value
            } else if required.contains(key) {
                throw SchemaBuildError("\(what) requires '\(key)'")
            } else {
                object[key] = .null
            }
        }
        return .object(object)
    }

    /// A value written as data: `{"definition": "Filter", "fields": {…}}`, where field values may be such specs too
    /// (nested models), a scalar naming a member of a union of constant models (`"manufacturer": "Thorlabs"`,
    /// `"harp_device_type": "WhiteRabbit"`, modalities by abbreviation), or a `$name` placeholder filled from
    /// `substitutions` (`null` when the name has no value). Used for device specifications kept in mapper configs.
    public func build(spec: JSONValue, substitutions: [String: JSONValue] = [:]) throws(SchemaBuildError) -> JSONValue {
        guard let definition = spec["definition"]?.stringValue, let fields = spec["fields"]?.objectValue ?? (spec["fields"] == nil ? [:] : nil) else {
            throw SchemaBuildError("a model spec needs 'definition' (a name) and 'fields' (a mapping): \(JSONWriter.compactString(spec))")
        }
        var resolved = JSONObject()
        let properties = schema.definition(definition)?["properties"]?.objectValue ?? [:]
        for (key, raw) in fields {
            var value = try substitute(raw, substitutions)
            if let property = properties[key] {
                value = try resolveSpecs(value, property: property, definition: definition, key: key, substitutions: substitutions)
            }
            resolved[key] = value
        }
        return try make(definition, resolved)
    }

    private func substitute(_ value: JSONValue, _ substitutions: [String: JSONValue]) throws(SchemaBuildError) -> JSONValue {
        if case .string(let text) = value, text.hasPrefix("$"), text.count > 1 {
            return substitutions[String(text.dropFirst())] ?? .null
        }
        return value
    }

    /// Nested specs become models; scalars given for a union of constant models become its member.
    private func resolveSpecs(_ value: JSONValue, property: JSONValue, definition: String, key: String, substitutions: [String: JSONValue]) throws(SchemaBuildError) -> JSONValue {
        switch value {
        case .object(let object) where object["definition"] != nil:
            return try build(spec: value, substitutions: substitutions)
        case .array(let items):
            var out: [JSONValue] = []
            for item in items {
                if case .object(let object) = item, object["definition"] != nil {
                    out.append(try build(spec: item, substitutions: substitutions))
                } else if item.stringValue != nil || item.numberValue != nil, hasVariant(definition, key, matching: item) {
                    out.append(try variant(definition, key, matching: item))
                } else {
                    out.append(item)
                }
            }
            return .array(out)
        case .string, .number:
            if allowedTypes(property, depth: 0).isEmpty || !allowedTypes(property, depth: 0).contains(value.stringValue != nil ? "string" : "number"),
                hasVariant(definition, key, matching: value)
            {
                return try variant(definition, key, matching: value)
            }
            return value
        default:
            return value
        }
    }

    /// The document itself (`Acquisition`, `Instrument`).
    public func document(_ fields: JSONObject) throws(SchemaBuildError) -> JSONValue {
        try make(nil, fields)
    }

    /// The member of a discriminated union of constant models (modalities, organizations, Harp device types…) that
    /// `key` names: the union is the one at `definition.property` (`"HarpDevice", "harp_device_type"`), and `key` is
    /// matched against its discriminator values, then against any constant field of its members (`1216` as a WhoAmI,
    /// `IMEC` as an abbreviation).
    public func variant(_ definition: String?, _ property: String, matching key: JSONValue) throws(SchemaBuildError) -> JSONValue {
        let union = try unionIndex(definition, property)
        if let member = union.member(matching: key) {
            return try constantModel(union.members[member].schema, name: union.members[member].name)
        }
        throw SchemaBuildError("no member of \(definition ?? schema.kind.objectType).\(property) matches \(JSONWriter.compactString(key))")
    }

    /// Whether ``variant(_:_:matching:)`` would find a member.
    public func hasVariant(_ definition: String?, _ property: String, matching key: JSONValue) -> Bool {
        (try? variant(definition, property, matching: key)) != nil
    }

    /// A modality by abbreviation (`fib`, `behavior`, `behavior-videos`, `ecephys`, `SPIM`).
    public func modality(_ abbreviation: String) throws(SchemaBuildError) -> JSONValue {
        try variant(schema.kind == .instrument ? nil : "DataStream", "modalities", matching: .string(abbreviation))
    }

    /// The values an enum definition allows (`"PowerUnit"` → `milliwatt`, `percent`, …).
    public func enumValues(_ definition: String) -> [JSONValue] {
        schema.definition(definition)?["enum"]?.arrayValue ?? []
    }

    /// The property names of a definition, in schema order.
    public func fields(of definition: String?) -> [String] {
        Array(schema.definition(definition)?["properties"]?.objectValue?.keys ?? [])
    }

    /// The required property names of a definition.
    public func requiredFields(of definition: String?) -> [String] {
        (schema.definition(definition)?["required"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    // MARK: - Internals

    struct UnionMember: Sendable {
        var discriminator: String?
        var name: String
        var schema: JSONObject
    }

    /// A union's members, with what ``variant(_:_:matching:)`` matches a key against: the discriminator values,
    /// then the members' constant fields in member and field order (the first match wins). Worked out once per
    /// union and schema: the organizations union alone has hundreds of members, and a mapping asks it many times.
    struct UnionIndex: Sendable {
        var members: [UnionMember]
        var byDiscriminator: [String: Int] = [:]
        /// String constants → the first member that has one; any other constant, in order.
        var byStringConstant: [String: Int] = [:]
        var otherConstants: [(value: JSONValue, member: Int)] = []

        init(_ members: [UnionMember]) {
            self.members = members
            for (i, member) in members.enumerated() {
                if let discriminator = member.discriminator, byDiscriminator[discriminator] == nil { byDiscriminator[discriminator] = i }
                for (_, field) in member.schema["properties"]?.objectValue ?? [:] {
                    guard let constant = field["const"] else { continue }
                    if let text = constant.stringValue {
                        if byStringConstant[text] == nil { byStringConstant[text] = i }
                    } else {
                        otherConstants.append((constant, i))
                    }
                }
            }
        }

        /// The member `key` names (a string equals only string constants; other values are compared as
        /// `isEquivalent` compares them).
        func member(matching key: JSONValue) -> Int? {
            if let name = key.stringValue { return byDiscriminator[name] ?? byStringConstant[name] }
            return otherConstants.first { $0.value.isEquivalent(to: key) }?.member
        }
    }

    private func unionIndex(_ definition: String?, _ property: String) throws(SchemaBuildError) -> UnionIndex {
        try schema.unions.value(for: "\(definition ?? "")/\(property)") { () throws(SchemaBuildError) -> UnionIndex in
            UnionIndex(try unionMembers(definition, property))
        }
    }

    private func unionMembers(_ definition: String?, _ property: String) throws(SchemaBuildError) -> [UnionMember] {
        guard let owner = schema.definition(definition), let field = owner["properties"]?[property] else {
            throw SchemaBuildError("\(definition ?? schema.kind.objectType) has no field '\(property)'")
        }
        // Find the discriminated union (or plain anyOf/oneOf of refs) under the property: through items and anyOf.
        var pending: [JSONValue] = [field]
        var members: [UnionMember] = []
        var seen = Set<String>()
        while let node = pending.popLast() {
            if let mapping = node["discriminator"]?["mapping"]?.objectValue {
                for (value, target) in mapping {
                    guard let ref = target.stringValue, let resolved = schema.resolve(ref), !seen.contains(ref) else { continue }
                    seen.insert(ref)
                    members.append(UnionMember(discriminator: value, name: String(ref.split(separator: "/").last ?? ""), schema: resolved))
                }
                continue
            }
            if let ref = node["$ref"]?.stringValue, let resolved = schema.resolve(ref) {
                if resolved["properties"] != nil, !seen.contains(ref) {
                    seen.insert(ref)
                    members.append(UnionMember(discriminator: nil, name: String(ref.split(separator: "/").last ?? ""), schema: resolved))
                } else {
                    pending.append(.object(resolved))
                }
                continue
            }
            if let items = node["items"] { pending.append(items) }
            for key in ["anyOf", "oneOf"] { pending.append(contentsOf: (node[key]?.arrayValue ?? []).reversed()) }
        }
        guard !members.isEmpty else {
            throw SchemaBuildError("\(definition ?? schema.kind.objectType).\(property) is not a union of models")
        }
        return members
    }

    /// A model whose every field has a constant or a default (a modality, an organization, a Harp device type).
    private func constantModel(_ definition: JSONObject, name: String) throws(SchemaBuildError) -> JSONValue {
        var object = JSONObject()
        for (key, property) in definition["properties"]?.objectValue ?? [:] {
            guard let value = property["const"] ?? property["default"] else {
                throw SchemaBuildError("\(name).\(key) has no constant value")
            }
            object[key] = value
        }
        return .object(object)
    }

    /// `value` as pydantic writes it for a field of `property`'s schema: integers in float-only fields become floats;
    /// numbers in `Decimal` fields (a number or a string, in pydantic's schema) become the decimal's text; element by
    /// element in lists. Objects are left as given (they are built models or free-form mappings).
    private func coerce(_ value: JSONValue, to property: JSONValue) -> JSONValue {
        switch value {
        case .number(let n):
            let types = allowedTypes(property, depth: 0)
            if types.contains("number") && types.contains("string") && !types.contains("integer") {
                return .string(n.literal)
            }
            if n.isInteger && types.contains("number") && !types.contains("integer") {
                return .number(JSONNumber(n.doubleValue))
            }
            return value
        case .array(let items):
            guard let itemSchema = itemSchema(property, depth: 0) else { return value }
            return .array(items.map { coerce($0, to: itemSchema) })
        default:
            return value
        }
    }

    private func allowedTypes(_ node: JSONValue, depth: Int) -> Set<String> {
        guard depth < 16 else { return [] }
        var types = Set<String>()
        if let one = node["type"]?.stringValue { types.insert(one) }
        for item in node["type"]?.arrayValue ?? [] { if let t = item.stringValue { types.insert(t) } }
        if let ref = node["$ref"]?.stringValue, let target = schema.resolve(ref) {
            types.formUnion(allowedTypes(.object(target), depth: depth + 1))
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            for branch in node[key]?.arrayValue ?? [] { types.formUnion(allowedTypes(branch, depth: depth + 1)) }
        }
        return types
    }

    private func itemSchema(_ node: JSONValue, depth: Int) -> JSONValue? {
        guard depth < 16 else { return nil }
        if let items = node["items"], items.objectValue != nil { return items }
        if let ref = node["$ref"]?.stringValue, let target = schema.resolve(ref) { return itemSchema(.object(target), depth: depth + 1) }
        for key in ["anyOf", "oneOf", "allOf"] {
            for branch in node[key]?.arrayValue ?? [] {
                if let found = itemSchema(branch, depth: depth + 1) { return found }
            }
        }
        return nil
    }
}

/// A value that cannot be built from the schema: an unknown definition or field, a missing required field, or a
/// constant contradicted. It is a defect of the adapter, found by its tests.
public struct SchemaBuildError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "schema build error: \(message)" }
}
