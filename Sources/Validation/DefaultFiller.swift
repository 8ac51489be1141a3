import MetadataModel

/// A valid value as pydantic's models hold it once validated: each model object (a schema with an `object_type`
/// property) gets the defaults of the fields it lacks and its own `object_type`. A release's model rules
/// (``ReleaseDefinition/modelRules(_:kind:)``) read these: a camera assembly's `camera` written without `object_type` is a `Camera` there, whose
/// name a connection may use.
///
/// The walk follows the compiled schema as validation does: `$ref`, `allOf`, the branch of an `anyOf` or `oneOf` the
/// value belongs to (by discriminator; else by JSON type, then `object_type`, then the first branch it passes),
/// `properties`, `patternProperties`, `additionalProperties` and items. Defaults are copied as the schema writes them,
/// appended after the object's own members. Only objects that change are rebuilt.
struct DefaultFiller {
    let schema: CompiledSchema
    let options: JSONSchemaValidator.Options
    private var depth = 0

    init(schema: CompiledSchema, options: JSONSchemaValidator.Options) {
        self.schema = schema
        self.options = options
    }

    /// `value` with defaults filled under `node`, or `nil` when nothing changes.
    mutating func fill(_ value: JSONValue, _ node: Node) -> JSONValue? {
        if node.alwaysValid || node.neverValid || node.compileFailure != nil { return nil }
        // Validation went no deeper than this (see `SchemaVisitor.maximumDepth`).
        guard depth < SchemaVisitor.maximumDepth else { return nil }
        depth += 1
        defer { depth -= 1 }
        var current = value
        var changed = false
        func apply(_ filled: JSONValue?) {
            if let filled {
                current = filled
                changed = true
            }
        }
        if let ref = node.ref { apply(fill(current, schema.node(ref))) }
        if let dynamicRef = node.dynamicRef { apply(fill(current, schema.node(dynamicRef))) }
        for sub in node.allOf ?? [] { apply(fill(current, sub)) }
        if let branches = node.anyOf, let branch = pick(current, branches) { apply(fill(current, branch)) }
        if let discriminator = node.discriminator, case .object(let object) = current {
            if let tag = object[discriminator.property]?.stringValue, let target = discriminator.mapping[tag] {
                apply(fill(current, schema.node(target)))
            }
        } else if let branches = node.oneOf, let branch = pick(current, branches) {
            apply(fill(current, branch))
        }
        switch current {
        case .object(let object) where node.hasObjectKeywords:
            if let filled = fillObject(object, node) { apply(.object(filled)) }
        case .array(let items) where node.hasArrayKeywords:
            if let filled = fillItems(items, node) { apply(.array(filled)) }
        default:
            break
        }
        return changed ? current : nil
    }

    private mutating func fillObject(_ object: JSONObject, _ node: Node) -> JSONObject? {
        var result = object
        var changed = false
        var cursor = 0
        for (key, member) in object {
            var sub = node.property(key, cursor: &cursor)
            if sub == nil {
                sub = node.patternProperties.first { $0.0.search(key) == .match }?.1 ?? node.additionalProperties
            }
            guard let sub, let filled = fill(member, sub) else { continue }
            result[key] = filled
            changed = true
        }
        if let model = node.model {
            if let own = model.objectType, result["object_type"]?.stringValue != own {
                result["object_type"] = .string(own)
                changed = true
            }
            for (name, value) in model.defaults where result[name] == nil {
                result[name] = value
                changed = true
            }
        }
        return changed ? result : nil
    }

    private mutating func fillItems(_ items: [JSONValue], _ node: Node) -> [JSONValue]? {
        var result = items
        var changed = false
        for (i, item) in items.enumerated() {
            let sub: Node?
            if let tuple = node.tupleItems {
                sub = i < tuple.count ? tuple[i] : node.additionalItems
            } else {
                sub = node.items
            }
            guard let sub, let filled = fill(item, sub) else { continue }
            result[i] = filled
            changed = true
        }
        return changed ? result : nil
    }

    /// The branch of a union `value` belongs to: the only one whose type admits it, else the only model whose
    /// `object_type` it names, else the first it passes; `nil` when none does.
    private func pick(_ value: JSONValue, _ branches: [Node]) -> Node? {
        let kind = DefaultFiller.types(of: value)
        let candidates = branches.filter { glance($0)?.types.map { !$0.isDisjoint(with: kind) } ?? true }
        if candidates.count <= 1 { return candidates.first }
        if case .object(let object) = value, let tag = object["object_type"]?.stringValue {
            let named = candidates.filter { glance($0)?.objectType == tag }
            if named.count == 1 { return named[0] }
        }
        var checker = SchemaVisitor(schema: schema, options: options, collecting: false)
        checker.depth = depth
        return candidates.first { checker.verdict(value, $0) == .pass }
    }

    /// What `node` admits at a glance, through `$ref`s: its types (a model admits objects) and its model's
    /// `object_type`; `nil` when it does not say.
    private func glance(_ node: Node) -> (types: TypeSet?, objectType: String?)? {
        var current = node
        for _ in 0..<16 {
            if current.types != nil || current.isModel { return (current.types ?? .object, current.model?.objectType) }
            guard let ref = current.ref else { return nil }
            current = schema.node(ref)
        }
        return nil
    }

    static func types(of value: JSONValue) -> TypeSet {
        switch value {
        case .null: return .null
        case .bool: return .boolean
        case .object: return .object
        case .array: return .array
        case .string: return .string
        case .number: return [.number, .integer]
        }
    }
}
