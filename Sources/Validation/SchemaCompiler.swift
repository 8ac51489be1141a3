import AindSchemas
import Foundation
import MetadataModel
import Releases

/// Compiles a JSON Schema (and the documents it refers to) into a ``CompiledSchema``.
///
/// Resolution follows JSON Schema: `$id` changes the base URI of its subschema (draft-07: not beside `$ref`); `$ref`
/// is resolved against the base as RFC 3986 resolves references, then looked up among the known resources (the
/// schema, its embedded `$id`s and anchors, and the documents given as ``JSONSchemaValidator/Options/documents``),
/// the fragment read as a JSON pointer or an anchor name. Each `$ref` target is compiled once, as a unit with the
/// subschemas written inside it (``compileUnit(_:)``), when first needed, so recursive schemas are finite graphs; when
/// the whole schema is compiled (``CompiledSchema/compileAll()``), a cycle through `$ref` and the in-place
/// applicators (`allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`, a schema in `dependencies`, a discriminator's
/// mapping) that never descends into the instance is refused with its path, because validating it would never end. A
/// recursive tree (a `$ref` under `properties` or `items`) is fine.
///
/// Each document follows its own draft (its `$schema`, else the root's): draft-07's `$ref` overrides its siblings.
/// The standard metaschemas (`Metaschemas`: draft-07, and 2020-12 with its vocabularies) are read from the binary
/// when a `$ref` names one and no document of that URI was given. 2020-12's `$dynamicRef` is resolved as the
/// specification says, at compile time: the dynamic scope (the resources entered on the way, through `$ref`s and
/// `$id`s) binds each `$dynamicAnchor` name to its outermost resource, and a target is compiled once for each scope
/// it is reached in (one, in a schema without dynamic anchors).
struct SchemaCompiler {
    struct Location: Hashable, Sendable {
        var document: Int
        var pointer: [String]
    }

    /// A `$ref` target: a location, in a dynamic scope (an index into ``scopes``).
    struct TargetKey: Hashable {
        var location: Location
        var scope: Int
    }

    private(set) var documents: [JSONValue]
    /// The root document's `$defs` entries, by name, when they are not in `documents[0]` (read on demand: see
    /// ``init(root:definitions:documents:draft7:)``).
    let definitions: (@Sendable (String) -> JSONValue?)?
    /// The model dialect, for the unit rule of model schemas.
    let dialect: (any ModelDialect)?
    /// Whether each document follows draft-07 (or an older draft) rather than 2019-09/2020-12.
    private(set) var draft7: [Bool] = []
    /// The root's draft: documents that do not name theirs follow it.
    let rootDraft7: Bool
    /// Resource URI (no fragment) → where it is, and the base URI in force around it (before its own `$id`).
    var resources: [String: (location: Location, base: URIReference)] = [:]
    /// `uri#name` → where the anchor is, and the base URI in force around it.
    var anchors: [String: (location: Location, base: URIReference)] = [:]
    /// Resource URI → its `$dynamicAnchor`s: each name, where it is, and the base URI in force around it.
    var dynamicAnchors: [String: [(name: String, location: Location, base: URIReference)]] = [:]
    /// The dynamic scopes met: each binds `$dynamicAnchor` names to where the outermost resource defines them. Scope 0
    /// binds nothing.
    var scopes: [[String: (location: Location, base: URIReference)]] = [[:]]
    /// Each scope's index, by its bindings written out.
    private var scopeIndex: [String: Int] = ["": 0]
    /// The dynamic scope of the schema being compiled.
    private var scope = 0
    /// The target of every `$ref` met so far, by location and scope: each compiles once, so recursive schemas are
    /// finite graphs.
    var targets: [TargetKey: RefTarget] = [:]
    /// Targets made and not compiled yet, for ``CompiledSchema/compileAll()``.
    var pending: [RefTarget] = []
    /// How many nodes this compiler has made (each node's ``Node/serial`` is the count before it).
    private(set) var nodeCount = 0

    /// The serial number of the next node.
    mutating func nextSerial() -> Int {
        nodeCount += 1
        return nodeCount - 1
    }
    /// Resolved references by base URI and reference text: an aind-data-schema schema writes the same few hundred
    /// references thousands of times, and resolving one walks the document and parses URIs.
    var resolvedRefs: [String: [String: (location: Location, base: URIReference)?]] = [:]

    /// - Parameters:
    ///   - root: the schema.
    ///   - documents: other schemas by URI (remote `$ref` targets, metaschemas).
    ///   - definitions: the root's `$defs` entries by name, when `root` leaves them out; none of them may hold an
    ///     `$id` or `$anchor` (they are not indexed).
    ///   - dialect: the model dialect whose unit rule model schemas carry (``ModelDialect``); none without one.
    init(
        root: JSONValue, definitions: (@Sendable (String) -> JSONValue?)? = nil, documents: [String: JSONValue], draft7: Bool,
        dialect: (any ModelDialect)? = nil
    ) {
        self.definitions = definitions
        self.dialect = dialect
        self.documents = []
        rootDraft7 = draft7
        add(root, uri: URIReference("urn:rigmap:schema"), draft7: draft7)
        for (uri, document) in documents.sorted(by: { $0.key < $1.key }) {
            add(document, uri: URIReference(uri).withoutFragment, draft7: SchemaCompiler.namesDraft7(document) ?? draft7)
        }
    }

    /// Adds a document, known by `uri` (and by its `$id`s), and indexes it.
    private mutating func add(_ document: JSONValue, uri: URIReference, draft7: Bool) {
        let i = documents.count
        documents.append(document)
        self.draft7.append(draft7)
        index(document, location: Location(document: i, pointer: []), base: uri, isRoot: true)
        resources[uri.description] = resources[uri.description] ?? (Location(document: i, pointer: []), uri)
    }

    /// Whether a document's `$schema` names draft-07 or an older draft (`true`), 2019-09 or 2020-12 (`false`), or
    /// neither (`nil`).
    static func namesDraft7(_ document: JSONValue) -> Bool? {
        guard let declared = document["$schema"]?.stringValue else { return nil }
        if declared.contains("2019-09") || declared.contains("2020-12") { return false }
        if declared.contains("draft-0") { return true }
        return nil
    }

    /// Adds the carried metaschemas of the draft `uri` belongs to (``Metaschemas``), those no given document already
    /// stands for; whether `uri` is known now.
    private mutating func addCarriedMetaschemas(for uri: String) -> Bool {
        guard resources[uri] == nil else { return false }
        var added = false
        for text in Metaschemas.documents(for: uri) {
            guard let document = try? JSONParser.parse(text), let id = document["$id"]?.stringValue else { continue }
            let resource = URIReference(id).withoutFragment
            guard resources[resource.description] == nil else { continue }
            add(document, uri: resource, draft7: SchemaCompiler.namesDraft7(document) ?? rootDraft7)
            added = true
        }
        return added && resources[uri] != nil
    }

    // MARK: Indexing `$id`s

    private mutating func index(_ schema: JSONValue, location: Location, base: URIReference, isRoot: Bool) {
        var path = location.pointer
        index(schema, document: location.document, path: &path, base: base, isRoot: isRoot)
    }

    /// Walks the schemas of a document, keeping the path in one growing array (a location is only made for an `$id`
    /// or `$anchor` found).
    private mutating func index(_ schema: JSONValue, document: Int, path: inout [String], base: URIReference, isRoot: Bool) {
        guard case .object(let object) = schema else { return }
        // One pass for the identifiers (a lookup by key in a small object compares the key with every member's).
        var hasRef = false
        var id: String?
        var anchor: String?
        var dynamicAnchor: String?
        for (key, value) in object where key.utf8.first == UInt8(ascii: "$") {
            switch key {
            case "$ref": hasRef = true
            case "$id": id = value.stringValue
            case "$anchor": anchor = value.stringValue
            case "$dynamicAnchor": dynamicAnchor = value.stringValue
            default: break
            }
        }
        let outer = base
        var base = base
        if !(draft7[document] && hasRef), let id {
            let location = Location(document: document, pointer: path)
            let resolved = URIReference(id).resolved(against: base)
            if let fragment = resolved.fragment, !fragment.isEmpty, !fragment.hasPrefix("/") {
                anchors[resolved.description] = (location, outer)
            }
            let resource = resolved.withoutFragment
            if resource != base.withoutFragment || isRoot {
                resources[resource.description] = (location, outer)
            }
            base = resource
        }
        if let anchor {
            var named = base.withoutFragment
            named.fragment = anchor
            anchors[named.description] = (Location(document: document, pointer: path), base)
        }
        if let dynamicAnchor {
            // Also a plain anchor (a `$ref` to it is static).
            var named = base.withoutFragment
            named.fragment = dynamicAnchor
            let location = Location(document: document, pointer: path)
            anchors[named.description] = anchors[named.description] ?? (location, base)
            dynamicAnchors[base.withoutFragment.description, default: []].append((dynamicAnchor, location, base))
        }
        for (key, value) in object {
            switch SubschemaKeyword(key) {
            case .map:
                for (name, sub) in value.objectValue ?? [:] {
                    path.append(key)
                    path.append(name)
                    index(sub, document: document, path: &path, base: base, isRoot: false)
                    path.removeLast(2)
                }
            case .list:
                if let list = value.arrayValue {
                    for (i, sub) in list.enumerated() {
                        path.append(key)
                        path.append(String(i))
                        index(sub, document: document, path: &path, base: base, isRoot: false)
                        path.removeLast(2)
                    }
                } else {
                    path.append(key)
                    index(value, document: document, path: &path, base: base, isRoot: false)
                    path.removeLast()
                }
            case .single:
                path.append(key)
                index(value, document: document, path: &path, base: base, isRoot: false)
                path.removeLast()
            case .none:
                break  // enum, const, default, examples… hold data, not schemas: an "$id" there is not an identifier
            }
        }
    }

    // MARK: Values at locations

    func value(at location: Location) -> JSONValue? {
        var current: JSONValue? = documents[location.document]
        var tokens = location.pointer[...]
        if location.document == 0, let definitions, tokens.first == "$defs" {
            guard tokens.count >= 2 else { return nil }
            current = definitions(tokens[tokens.startIndex + 1])
            tokens = tokens.dropFirst(2)
        }
        for token in tokens {
            switch current {
            case .object(let o)?: current = o[token]
            case .array(let a)?:
                guard let i = Int(token), a.indices.contains(i) else { return nil }
                current = a[i]
            default: return nil
            }
        }
        return current
    }

    static func pointerString(_ tokens: [String]) -> String {
        var out = "#"
        for token in tokens {
            out += "/"
            if token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) {
                out += token.replacingEvery("~", with: "~0").replacingEvery("/", with: "~1")
            } else {
                out += token
            }
        }
        return out
    }

    /// The base URI in force around `location` (its resource's outer base, changed by the `$id`s of the schemas on
    /// the way down, not by the location's own `$id`, which compiling it applies).
    func baseURI(at location: Location, from resource: (location: Location, base: URIReference)) -> URIReference {
        var base = resource.base
        var current: JSONValue? = value(at: resource.location)
        var tokens = location.pointer.dropFirst(resource.location.pointer.count)
        let draft7 = self.draft7[location.document]
        if resource.location.document == 0, resource.location.pointer.isEmpty, definitions != nil, tokens.first == "$defs", tokens.count >= 2 {
            // Definitions read on demand hold no `$id`: only the root's applies.
            if case .object(let o)? = current, !(draft7 && o["$ref"] != nil), let id = o["$id"]?.stringValue {
                base = URIReference(id).resolved(against: base).withoutFragment
            }
            current = value(at: Location(document: 0, pointer: Array(location.pointer.prefix(2))))
            tokens = tokens.dropFirst(2)
        }
        for token in tokens {
            if case .object(let o)? = current, !(draft7 && o["$ref"] != nil), let id = o["$id"]?.stringValue {
                base = URIReference(id).resolved(against: base).withoutFragment
            }
            switch current {
            case .object(let o)?: current = o[token]
            case .array(let a)?: current = Int(token).flatMap { a.indices.contains($0) ? a[$0] : nil }
            default: current = nil
            }
        }
        return base
    }

    /// Resolves `ref` written at a place whose base is `base`.
    func resolve(_ ref: String, base: URIReference) -> (location: Location, base: URIReference)? {
        let target = URIReference(ref).resolved(against: base)
        let resourceURI = target.withoutFragment.description
        let rawFragment = target.fragment ?? ""
        let fragment = rawFragment.utf8.contains(UInt8(ascii: "%")) ? (rawFragment.removingPercentEncoding ?? rawFragment) : rawFragment
        if !fragment.isEmpty && !fragment.hasPrefix("/") {
            return anchors[target.description]
        }
        guard let resource = resources[resourceURI] else { return nil }
        let tokens = fragment.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.utf8.contains(UInt8(ascii: "~")) ? $0.replacingEvery("~1", with: "/").replacingEvery("~0", with: "~") : String($0)
        }
        let location = Location(document: resource.location.document, pointer: resource.location.pointer + tokens)
        guard value(at: location) != nil else { return nil }
        return (location, baseURI(at: location, from: resource))
    }

    /// ``resolve(_:base:)``, remembered per base URI and reference text; a carried metaschema is added when the
    /// reference names one that no document stands for.
    mutating func resolveCached(_ ref: String, base: URIReference) -> (location: Location, base: URIReference)? {
        let baseKey = base.description
        if let known = resolvedRefs[baseKey]?[ref] { return known }
        var target = resolve(ref, base: base)
        if target == nil, addCarriedMetaschemas(for: URIReference(ref).resolved(against: base).withoutFragment.description) {
            target = resolve(ref, base: base)
        }
        resolvedRefs[baseKey, default: [:]][ref] = .some(target)
        return target
    }

    // MARK: Compiling

    /// The target of the schema's root.
    mutating func rootTarget() -> RefTarget {
        target(at: Location(document: 0, pointer: []), base: URIReference("urn:rigmap:schema"))
    }

    /// The one target of the schema at `location` in the current dynamic scope (a `$ref` target or the root), made on
    /// first mention and compiled later.
    mutating func target(at location: Location, base: URIReference) -> RefTarget {
        let key = TargetKey(location: location, scope: scope)
        if let existing = targets[key] { return existing }
        let made = RefTarget(location: location, base: base, scope: scope)
        targets[key] = made
        pending.append(made)
        return made
    }

    /// Compiles the schema at `target`, with every subschema written in place; the `$ref`s in it become targets.
    mutating func compileUnit(_ target: RefTarget) throws(SchemaCompileError) -> Node {
        guard let schema = value(at: target.location) else {
            throw SchemaCompileError(pointer: SchemaCompiler.pointerString(target.location.pointer), message: "nothing at this location")
        }
        let outer = scope
        scope = target.scope
        defer { scope = outer }
        return try compileInline(schema, at: target.location, base: target.base)
    }

    /// Enters the resource `base` names: the current scope binds its `$dynamicAnchor` names not bound already (the
    /// outermost resource's anchor wins).
    private mutating func enter(_ base: URIReference) {
        guard !dynamicAnchors.isEmpty, let declared = dynamicAnchors[base.description] else { return }
        var bindings = scopes[scope]
        var changed = false
        for anchor in declared where bindings[anchor.name] == nil {
            bindings[anchor.name] = (anchor.location, anchor.base)
            changed = true
        }
        guard changed else { return }
        let key = bindings.sorted { $0.key < $1.key }.map { "\($0.key)\u{0}\($0.value.location.document)\u{0}\($0.value.location.pointer.joined(separator: "\u{0}"))" }
            .joined(separator: "\u{1}")
        if let known = scopeIndex[key] {
            scope = known
        } else {
            scopes.append(bindings)
            scope = scopes.count - 1
            scopeIndex[key] = scope
        }
    }

    /// The node for `schema`, found at `location`. A subschema reached by walking down from its parent is compiled in
    /// place (no walk from the document's root, no hashing of its location): only `$ref` targets can be reached twice.
    mutating func compileInline(_ schema: JSONValue, at location: Location, base: URIReference) throws(SchemaCompileError) -> Node {
        let spec = try compileNode(schema, location: location, base: base)
        return Node(spec, serial: nextSerial())
    }

    private mutating func compileNode(_ schema: JSONValue, location: Location, base inherited: URIReference) throws(SchemaCompileError) -> NodeSpec {
        var node = NodeSpec(tokens: location.pointer)
        func fail(_ message: String) -> SchemaCompileError { SchemaCompileError(pointer: SchemaCompiler.pointerString(location.pointer), message: message) }
        switch schema {
        case .bool(let b):
            if b { node.alwaysValid = true } else { node.neverValid = true }
            return node
        case .object:
            break
        default:
            throw fail("a schema must be an object or a boolean")
        }
        guard case .object(let s) = schema else { return node }
        let k = SchemaKeywords(s)
        let draft7 = self.draft7[location.document]
        var base = inherited
        if !(draft7 && k.ref != nil), let id = k.id?.stringValue {
            base = URIReference(id).resolved(against: inherited).withoutFragment
        }
        let outerScope = scope
        enter(base)
        defer { scope = outerScope }
        /// The subschema `value`, found under `tokens` of this one.
        func child(_ value: JSONValue, _ tokens: String...) throws(SchemaCompileError) -> Node {
            try compileInline(value, at: Location(document: location.document, pointer: location.pointer + tokens), base: base)
        }
        func nonNegativeInt(_ v: JSONValue?, _ key: String) throws(SchemaCompileError) -> Int? {
            guard let v else { return nil }
            guard let n = v.numberValue, let i = Int(exactly: n.doubleValue), i >= 0 else { throw fail("'\(key)' must be a non-negative integer") }
            return i
        }
        func number(_ v: JSONValue?, _ key: String) throws(SchemaCompileError) -> Double? {
            guard let v else { return nil }
            guard let n = v.numberValue else { throw fail("'\(key)' must be a number") }
            return n.doubleValue
        }
        func schemaList(_ v: JSONValue?, _ key: String) throws(SchemaCompileError) -> [Node]? {
            guard let v else { return nil }
            guard let list = v.arrayValue, !list.isEmpty else { throw fail("'\(key)' must be a non-empty array of schemas") }
            var out: [Node] = []
            for (i, sub) in list.enumerated() { out.append(try child(sub, key, String(i))) }
            return out
        }
        node.name = k.title?.stringValue ?? (location.pointer.count >= 2 && ["$defs", "definitions"].contains(location.pointer[location.pointer.count - 2]) ? location.pointer.last : nil)

        if let ref = k.ref {
            guard let text = ref.stringValue else { throw fail("'$ref' must be a string") }
            guard let target = resolveCached(text, base: base) else {
                throw fail("reference '\(text)' does not resolve (only references within the schema and to given documents are supported)")
            }
            node.ref = self.target(at: target.location, base: target.base)
            if draft7 { return node }  // draft-07: $ref overrides every sibling keyword
        }
        if !draft7, let dynamicRef = k.dynamicRef {
            guard let text = dynamicRef.stringValue else { throw fail("'$dynamicRef' must be a string") }
            guard var target = resolveCached(text, base: base) else {
                throw fail("reference '\(text)' does not resolve (only references within the schema and to given documents are supported)")
            }
            // A fragment naming a `$dynamicAnchor` of the resource it resolves to: the outermost resource in scope that
            // declares that name decides. Any other `$dynamicRef` is a `$ref`.
            let uri = URIReference(text).resolved(against: base)
            if let name = uri.fragment, !name.isEmpty, !name.hasPrefix("/"),
                dynamicAnchors[uri.withoutFragment.description]?.contains(where: { $0.name == name }) == true, let bound = scopes[scope][name]
            {
                target = bound
            }
            node.dynamicRef = self.target(at: target.location, base: target.base)
        }
        if let type = k.type {
            var set = TypeSet()
            if let one = type.stringValue {
                guard let t = TypeSet.named(one) else { throw fail("unknown type '\(one)'") }
                set = t
            } else if let list = type.arrayValue {
                for item in list {
                    guard let name = item.stringValue, let t = TypeSet.named(name) else { throw fail("'type' entries must be type names") }
                    set.formUnion(t)
                }
            } else {
                throw fail("'type' must be a string or an array of strings")
            }
            node.types = set
        }
        if let e = k.enumValues {
            guard let list = e.arrayValue else { throw fail("'enum' must be an array") }
            node.enumValues = list
        }
        node.constValue = k.constValue
        if let r = k.required {
            guard let list = r.arrayValue else { throw fail("'required' must be an array of strings") }
            for item in list {
                guard let key = item.stringValue else { throw fail("'required' must be an array of strings") }
                node.required.append(key)
            }
        }
        var propertyOrder: [String] = []
        if let p = k.properties {
            guard let props = p.objectValue else { throw fail("'properties' must be an object") }
            for (key, sub) in props {
                node.propertyList.append((key, try child(sub, "properties", key)))
                propertyOrder.append(key)
            }
        }
        if let p = k.patternProperties {
            guard let props = p.objectValue else { throw fail("'patternProperties' must be an object") }
            for (key, sub) in props {
                guard let pattern = Pattern(key) else { throw fail("invalid pattern '\(key)' in patternProperties") }
                node.patternProperties.append((pattern, try child(sub, "patternProperties", key)))
            }
        }
        if let sub = k.additionalProperties { node.additionalProperties = try child(sub, "additionalProperties") }
        if let sub = k.propertyNames { node.propertyNames = try child(sub, "propertyNames") }
        if let d = k.dependencies {
            guard let deps = d.objectValue else { throw fail("'dependencies' must be an object") }
            for (key, value) in deps {
                if let list = value.arrayValue {
                    node.dependencies.append((key, .properties(list.compactMap(\.stringValue))))
                } else {
                    node.dependencies.append((key, .schema(try child(value, "dependencies", key))))
                }
            }
        }
        node.minProperties = try nonNegativeInt(k.minProperties, "minProperties")
        node.maxProperties = try nonNegativeInt(k.maxProperties, "maxProperties")
        if let items = k.items {
            if let list = items.arrayValue {
                var tuple: [Node] = []
                for (i, sub) in list.enumerated() { tuple.append(try child(sub, "items", String(i))) }
                node.tupleItems = tuple
                if let sub = k.additionalItems { node.additionalItems = try child(sub, "additionalItems") }
            } else if k.prefixItems != nil {
                node.additionalItems = try child(items, "items")  // 2020-12: `items` applies after `prefixItems`
            } else {
                node.items = try child(items, "items")
            }
        }
        if let prefix = k.prefixItems {
            guard let list = prefix.arrayValue else { throw fail("'prefixItems' must be an array") }
            var tuple: [Node] = []
            for (i, sub) in list.enumerated() { tuple.append(try child(sub, "prefixItems", String(i))) }
            node.tupleItems = tuple
        }
        if let sub = k.contains { node.contains = try child(sub, "contains") }
        node.minItems = try nonNegativeInt(k.minItems, "minItems")
        node.maxItems = try nonNegativeInt(k.maxItems, "maxItems")
        if let u = k.uniqueItems {
            guard let b = u.boolValue else { throw fail("'uniqueItems' must be a boolean") }
            node.uniqueItems = b
        }
        node.anyOf = try schemaList(k.anyOf, "anyOf")
        if let branches = k.anyOf?.arrayValue, branches.count <= 3, SchemaCompiler.isDecimalUnion(branches) { node.isDecimal = location.pointer.last != "items" }
        node.oneOf = try schemaList(k.oneOf, "oneOf")
        node.allOf = try schemaList(k.allOf, "allOf")
        if let sub = k.not { node.not = try child(sub, "not") }
        if let sub = k.ifSchema {
            node.ifNode = try child(sub, "if")
            if let then = k.thenSchema { node.thenNode = try child(then, "then") }
            if let otherwise = k.elseSchema { node.elseNode = try child(otherwise, "else") }
        }
        if let d = k.discriminator {
            guard let property = d["propertyName"]?.stringValue else { throw fail("'discriminator.propertyName' must be a string") }
            var mapping: [String: RefTarget] = [:]
            for (value, target) in d["mapping"]?.objectValue ?? [:] {
                guard let ref = target.stringValue, let resolved = resolveCached(ref, base: base) else {
                    throw fail("'discriminator.mapping' value for '\(value)' does not resolve")
                }
                mapping[value] = self.target(at: resolved.location, base: resolved.base)
            }
            node.discriminator = (property, mapping)
        }
        node.minimum = try number(k.minimum, "minimum")
        node.maximum = try number(k.maximum, "maximum")
        // Draft-04 boolean form: `exclusiveMinimum: true` makes `minimum` exclusive.
        if case .bool(let b)? = k.exclusiveMinimum {
            if b { node.exclusiveMinimum = node.minimum; node.minimum = nil }
        } else {
            node.exclusiveMinimum = try number(k.exclusiveMinimum, "exclusiveMinimum")
        }
        if case .bool(let b)? = k.exclusiveMaximum {
            if b { node.exclusiveMaximum = node.maximum; node.maximum = nil }
        } else {
            node.exclusiveMaximum = try number(k.exclusiveMaximum, "exclusiveMaximum")
        }
        if let m = try number(k.multipleOf, "multipleOf") {
            guard m > 0 else { throw fail("'multipleOf' must be greater than 0") }
            node.multipleOf = m
        }
        node.minLength = try nonNegativeInt(k.minLength, "minLength")
        node.maxLength = try nonNegativeInt(k.maxLength, "maxLength")
        if let p = k.pattern {
            guard let text = p.stringValue, let pattern = Pattern(text) else { throw fail("'pattern' must be a valid regular expression") }
            node.pattern = pattern
        }
        if let f = k.format {
            guard let text = f.stringValue else { throw fail("'format' must be a string") }
            node.format = Format(text)
        }
        if let props = k.properties?.objectValue, let objectType = props["object_type"] {
            var defaults: [(name: String, value: JSONValue)] = []
            for (key, property) in props { if let value = property["default"] { defaults.append((key, value)) } }
            node.model = NodeSpec.Model(
                unitPairs: unitPairs(propertyOrder, props, base: base), objectType: objectType["const"]?.stringValue ?? objectType["default"]?.stringValue,
                defaults: defaults)
        }
        return node
    }

    /// Whether `anyOf` branches are pydantic's `Decimal`: a `number` branch and a `string` branch (each of that one
    /// type, with constraints), and maybe a `null` one.
    static func isDecimalUnion(_ branches: [JSONValue]) -> Bool {
        var number = false, string = false
        for branch in branches {
            switch branch["type"]?.stringValue {
            case "number"?: number = true
            case "string"?: string = true
            case "null"?: break
            default: return false
            }
        }
        return number && string
    }

    /// The dialect's unit rule (``ModelDialect/unitFields(in:)``), worked out once per model: each unit property with
    /// the properties it governs, and the defaults the models fill in for each. None without a dialect.
    private mutating func unitPairs(_ order: [String], _ props: JSONObject, base: URIReference) -> [NodeSpec.UnitPair] {
        func defaultValue(_ property: JSONValue?) -> JSONValue {
            guard let property else { return .null }
            if let value = property["default"] { return value }
            if let ref = property["$ref"]?.stringValue, let target = resolveCached(ref, base: base), let value = self.value(at: target.location)?["default"] {
                return value
            }
            return .null
        }
        guard let dialect else { return [] }
        return dialect.unitFields(in: order).map { field in
            NodeSpec.UnitPair(unit: field.unit, unitDefault: defaultValue(props[field.unit]), governed: field.governed.map { ($0, defaultValue(props[$0])) })
        }
    }
}

/// How a keyword holds subschemas: a map of them (`properties`), one or a list (`items`, `allOf`), or one (`not`).
/// Found by the key's length first, so a key that is none of them (most) costs one or two comparisons, not twenty.
enum SubschemaKeyword {
    case map, list, single, none

    init(_ key: String) {
        switch key.utf8.count {
        case 2: self = key == "if" ? .single : .none
        case 3: self = key == "not" ? .single : .none
        case 4: self = key == "then" || key == "else" ? .single : .none
        case 5: self = key == "items" || key == "allOf" || key == "anyOf" || key == "oneOf" ? .list : key == "$defs" ? .map : .none
        case 8: self = key == "contains" ? .single : .none
        case 10: self = key == "properties" ? .map : .none
        case 11: self = key == "definitions" ? .map : key == "prefixItems" ? .list : .none
        case 12: self = key == "dependencies" ? .map : .none
        case 13: self = key == "propertyNames" ? .single : .none
        case 15: self = key == "additionalItems" ? .single : .none
        case 16: self = key == "dependentSchemas" ? .map : .none
        case 17: self = key == "patternProperties" ? .map : .none
        case 20: self = key == "additionalProperties" ? .single : .none
        default: self = .none
        }
    }
}

/// The keywords of one schema object the compiler reads, found in one pass over its members: looking each of some
/// forty keywords up by hash cost more than the rest of compiling a node.
struct SchemaKeywords {
    var ref, dynamicRef, id, title, type, enumValues, constValue, required: JSONValue?
    var properties, patternProperties, additionalProperties, propertyNames, dependencies: JSONValue?
    var minProperties, maxProperties, items, additionalItems, prefixItems, contains, minItems, maxItems, uniqueItems: JSONValue?
    var anyOf, oneOf, allOf, not, ifSchema, thenSchema, elseSchema, discriminator: JSONValue?
    var minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, minLength, maxLength, pattern, format: JSONValue?

    init(_ object: JSONObject) {
        for (key, value) in object {
            // By length first: most members (description, default, examples…) then match nothing after one test.
            switch key.utf8.count {
            case 2:
                switch key {
                case "if": ifSchema = value
                default: break
                }
            case 3:
                switch key {
                case "$id": id = value
                case "not": not = value
                default: break
                }
            case 4:
                switch key {
                case "type": type = value
                case "$ref": ref = value
                case "enum": enumValues = value
                case "then": thenSchema = value
                case "else": elseSchema = value
                default: break
                }
            case 5:
                switch key {
                case "title": title = value
                case "anyOf": anyOf = value
                case "items": items = value
                case "const": constValue = value
                case "allOf": allOf = value
                case "oneOf": oneOf = value
                default: break
                }
            case 6:
                switch key {
                case "format": format = value
                default: break
                }
            case 7:
                switch key {
                case "pattern": pattern = value
                case "minimum": minimum = value
                case "maximum": maximum = value
                default: break
                }
            case 8:
                switch key {
                case "required": required = value
                case "minItems": minItems = value
                case "maxItems": maxItems = value
                case "contains": contains = value
                default: break
                }
            case 9:
                switch key {
                case "minLength": minLength = value
                case "maxLength": maxLength = value
                default: break
                }
            case 10:
                switch key {
                case "properties": properties = value
                case "multipleOf": multipleOf = value
                default: break
                }
            case 11:
                switch key {
                case "prefixItems": prefixItems = value
                case "uniqueItems": uniqueItems = value
                case "$dynamicRef": dynamicRef = value
                default: break
                }
            case 12:
                switch key {
                case "dependencies": dependencies = value
                default: break
                }
            case 13:
                switch key {
                case "discriminator": discriminator = value
                case "propertyNames": propertyNames = value
                case "minProperties": minProperties = value
                case "maxProperties": maxProperties = value
                default: break
                }
            case 15:
                switch key {
                case "additionalItems": additionalItems = value
                default: break
                }
            case 16:
                switch key {
                case "exclusiveMinimum": exclusiveMinimum = value
                case "exclusiveMaximum": exclusiveMaximum = value
                default: break
                }
            case 17:
                switch key {
                case "patternProperties": patternProperties = value
                default: break
                }
            case 20:
                switch key {
                case "additionalProperties": additionalProperties = value
                default: break
                }
            default: break  // annotations and unknown keywords
            }
        }
    }
}
