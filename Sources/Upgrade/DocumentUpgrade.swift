import AindSchemas
import Dispatch
import Foundation
import MapperKit
import MetadataModel
import Validation

/// One thing the upgrade did to a field: renamed, moved, defaulted, set from the user's settings, carried into a
/// `notes` field, changed or dropped.
public struct UpgradeChange: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        /// The value is kept under a new name (`channel_index` → `port`).
        case renamed
        /// The value is kept in another place.
        case moved
        /// A field 3.0.0 has and the document did not write: its default.
        case defaulted
        /// The value was dropped: null, equal to what the document already says elsewhere, or (with `--allow-loss`)
        /// lost; the note says which and, when lost, what it was.
        case dropped
        /// A value 3.0.0 has no field for, written into the nearest `notes` (the note quotes it).
        case carried
        /// A value 3.0.0 requires, from the user's settings.
        case set
        /// The value was rewritten in place (`schema_version`, a 3×3 matrix as 3×4).
        case changed
    }

    /// The field, as the input document has it (for a field the input lacks: where it is in the output).
    public var path: JSONPath
    public var action: Action
    /// Where the value was (`nil`: the input had none).
    public var from: JSONPath?
    /// Where the value is now (`nil`: the output has none).
    public var to: JSONPath?
    public var note: String

    public init(path: JSONPath, action: Action, from: JSONPath?, to: JSONPath?, note: String) {
        self.path = path
        self.action = action
        self.from = from
        self.to = to
        self.note = note
    }

    /// `{"path", "action", "from", "to", "note"}` as `upgrade_report.json` writes it.
    public var jsonValue: JSONValue {
        ["path": .string(path.description), "action": .string(action.rawValue), "from": .string(from?.description), "to": .string(to?.description), "note": .string(note)]
    }
}

/// The upgrade of one document.
public struct UpgradeOutcome: Sendable {
    public enum Status: String, Sendable {
        case upgraded
        case refused
    }

    public var status: Status
    /// The biodata-schema 3.0.0 document (only when upgraded).
    public var document: JSONValue?
    /// The document's kind, when it could be told.
    public var kind: DocumentKind?
    public var changes: [UpgradeChange]
    /// Why a document was refused (errors) and what else is worth knowing (warnings).
    public var diagnostics: [Diagnostic]
    /// ``document`` as the standard writer writes it (`JSONWriter.referenceBytes`), when upgraded.
    public var bytes: [UInt8]?

    public init(status: Status, document: JSONValue?, kind: DocumentKind?, changes: [UpgradeChange], diagnostics: [Diagnostic]) {
        self.status = status
        self.document = document
        self.kind = kind
        self.changes = changes
        self.diagnostics = diagnostics
    }
}

/// aind-data-schema 2.9.2 acquisitions and instruments as biodata-schema 3.0.0 documents.
///
/// The upgrade is driven by the two releases' schemas and the rules biodata-schema's models add:
/// - the deprecated `coordinate_system` of documents, devices and configurations goes to `global_coordinate_system` /
///   `local_coordinate_system` (where 2.9.2's own migration would have put it), `DAQChannel.channel_index` to `port`;
///   a value already there unchanged is dropped; a different one is carried into the nearest `notes`;
/// - fields 3.0.0 no longer has (an `Arena`'s `size`) are carried into the nearest enclosing `notes` (the document's
///   own at worst; with ``UpgradeSettings/allowLoss`` they are dropped instead), quoted in the report; a value that
///   nothing can carry refuses the document unless ``UpgradeSettings/allowLoss``;
/// - what 3.0.0 requires and 2.9.2 may lack (an instrument's `global_coordinate_system`, a `Code` entry's `version`
///   or `commit_hash`) comes from ``UpgradeSettings``, never guessed: without it the document is refused naming the
///   field; so is a required field that stays null (an `Arena` without `shape`);
/// - a 3×3 `Affine` in a 3-axis frame becomes 3.0.0's 3×4 (zero translation); transforms whose size does not match
///   their frame, and values set without their unit (3.0.0 requires a unit for a value of 0 too), refuse the document;
/// - every model is written as pydantic writes it: fields in model order, defaults filled, `object_type` the model's,
///   integers in float fields as floats, `schema_version` and `describedBy` the release's.
///
/// The input is validated as aind-data-schema 2.9.2 first and the result as biodata-schema 3.0.0 last; either
/// failing refuses the document.
public enum DocumentUpgrade {
    /// The release documents are upgraded to: biodata-schema 3.0.0.
    public static var target: SchemaRelease? { SchemaRelease("3.0.0") }

    /// Upgrades one document; `file` names it in diagnostics.
    public static func upgrade(_ document: JSONValue, settings: UpgradeSettings = UpgradeSettings(), file: String? = nil) -> UpgradeOutcome {
        func refuse(_ message: String, at path: JSONPath? = nil, kind: DocumentKind? = nil) -> UpgradeOutcome {
            UpgradeOutcome(status: .refused, document: nil, kind: kind, changes: [], diagnostics: [Diagnostic(.error, message, at: SourceLocation(file: file, jsonPath: path))])
        }
        guard let kind = DocumentKind(of: document) else {
            return refuse("not an acquisition or instrument document (object_type \(document["object_type"].map { JSONWriter.compactString($0) } ?? "missing"))", at: JSONPath([.key("object_type")]))
        }
        guard let target else { return refuse("this binary does not carry biodata-schema 3.0.0", kind: kind) }
        let version = document["schema_version"]?.stringValue
        let source = version.flatMap { SchemaRelease.declaring($0, kind: kind) }
        guard let source, source == .standard else {
            if source == target {
                return refuse("already a biodata-schema 3.0.0 document (schema_version \(version ?? ""))", at: JSONPath([.key("schema_version")]), kind: kind)
            }
            let expected = (try? SchemaRelease.standard.schema(kind))?.schemaVersion ?? "?"
            return refuse(
                "schema_version \(version.map { "\"\($0)\"" } ?? "is missing"): only aind-data-schema 2.9.2 \(kind.rawValue)s (schema_version \(expected)) are upgraded",
                at: JSONPath([.key("schema_version")]), kind: kind)
        }
        let schema: ParsedSchema
        do {
            schema = try target.schema(kind)
        } catch {
            return refuse("\(error)", kind: kind)
        }
        // The 3.0.0 validator compiles on another thread while the input is checked and converted; the input's
        // validation and the conversion (which does not depend on it) run side by side.
        AindValidator.prepare([kind], release: target)
        let validated = Locked<[ValidationIssue]>([])
        let result = Locked<(JSONValue, Converter)?>(nil)
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                let issues = AindValidator.validate(document, as: kind, release: .standard)
                validated.withLock { $0 = issues }
                return
            }
            var converter = Converter(schema: schema, kind: kind, settings: settings)
            var carry: [Converter.Carry] = []
            var converted = converter.convert(document, schema.document, root: true, carry: &carry)
            converter.settle(carry, owner: nil)
            if converter.problems.isEmpty {
                converted = converter.checkFrames(converted, .root, frame: nil, local: nil)
            }
            let done = (converted, converter)
            result.withLock { $0 = done }
        }
        let inputIssues = validated.withLock { $0 }
        // An instrument without any frame: 2.9.2 refuses it too, but the upgrade itself asks for the one field
        // (instrument.global_coordinate_system), so that is what the user is told.
        let frameless = kind == .instrument && (document["global_coordinate_system"] ?? .null).isNull && (document["coordinate_system"] ?? .null).isNull
        let inputErrors = inputIssues.filter { $0.severity != .warning && !(frameless && $0.path == JSONPath([.key("global_coordinate_system")])) }
        if !inputErrors.isEmpty {
            var outcome = refuse("not a valid aind-data-schema 2.9.2 \(kind.rawValue) (\(inputErrors.count) error\(inputErrors.count == 1 ? "" : "s")); fix it first", kind: kind)
            outcome.diagnostics += inputErrors.prefix(20).map { Diagnostic(.error, $0.message, at: SourceLocation(file: file, jsonPath: $0.path)) }
            return outcome
        }
        guard let (converted, converter) = result.withLock({ $0 }) else { return refuse("internal: the conversion did not finish", kind: kind) }
        var diagnostics = converter.problems.map { Diagnostic(.error, $0.message, at: SourceLocation(file: file, jsonPath: $0.path)) }
        var bytes: [UInt8]?
        if diagnostics.isEmpty {
            // The result is validated as 3.0.0 (the release's own rules: device names, units, frames…) while its bytes
            // are written.
            let checked = Locked<(issues: [ValidationIssue], bytes: [UInt8])>(([], []))
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                if part == 0 {
                    let issues = AindValidator.validate(converted, as: kind, release: target)
                    checked.withLock { $0.issues = issues }
                } else {
                    let written = JSONWriter.referenceBytes(converted)
                    checked.withLock { $0.bytes = written }
                }
            }
            let (issues, written) = checked.withLock { $0 }
            diagnostics += issues.filter { $0.severity != .warning }.prefix(20).map {
                Diagnostic(.error, "biodata-schema 3.0.0 refuses the upgraded document: \($0.message)", at: SourceLocation(file: file, jsonPath: $0.path))
            }
            diagnostics += issues.filter { $0.severity == .warning }.map { Diagnostic(.warning, $0.message, at: SourceLocation(file: file, jsonPath: $0.path)) }
            bytes = written
        }
        let refused = diagnostics.contains { $0.severity == .error }
        var outcome = UpgradeOutcome(status: refused ? .refused : .upgraded, document: refused ? nil : converted, kind: kind, changes: converter.changes, diagnostics: diagnostics)
        outcome.bytes = refused ? nil : bytes
        return outcome
    }
}

/// The walk that turns a 2.9.2 value into a 3.0.0 one, model by model, under the 3.0.0 schema.
struct Converter {
    /// A value 3.0.0 has no field for, on its way up to the nearest model with `notes`.
    struct Carry {
        var path: JSONPath
        var value: JSONValue
        var reason: String
    }

    struct Problem {
        var path: JSONPath
        var message: String
    }

    let schema: ParsedSchema
    let kind: DocumentKind
    let settings: UpgradeSettings
    var changes: [UpgradeChange] = []
    var problems: [Problem] = []
    /// Where the walk is in the input: pushed and popped as it descends, made into a path only when one is reported.
    var trail: [JSONPath.Component] = []
    var path: JSONPath { JSONPath(trail) }

    init(schema: ParsedSchema, kind: DocumentKind, settings: UpgradeSettings) {
        self.schema = schema
        self.kind = kind
        self.settings = settings
    }

    mutating func problem(_ path: JSONPath, _ message: String) {
        problems.append(Problem(path: path, message: message))
    }

    // MARK: Schema navigation

    /// What a schema node says about a value after following `$ref`s and picking the union member the value is.
    private enum Target {
        case model(name: String?, definition: JSONObject)
        case node(JSONObject)
    }

    private func definition(ref: String) -> (String, JSONObject)? {
        let prefix = "#/$defs/"
        guard ref.hasPrefix(prefix) else { return nil }
        let name = String(ref.dropFirst(prefix.count))
        guard let found = schema.definition(name) else { return nil }
        return (name, found)
    }

    private static func isModel(_ node: JSONObject) -> Bool {
        node["properties"] != nil && node["type"]?.stringValue == "object"
    }

    /// The object type a union member stands for (through `$ref`s), and whether it admits objects / arrays.
    private func glance(_ node: JSONValue) -> (objectType: String?, properties: JSONObject?, object: Bool, array: Bool) {
        var current = node
        for _ in 0..<16 {
            guard case .object(let object) = current else { break }
            if let ref = object["$ref"]?.stringValue, let (_, found) = definition(ref: ref) {
                current = .object(found)
                continue
            }
            let properties = object["properties"]?.objectValue
            let type = object["type"]?.stringValue
            let objectType = properties?["object_type"].flatMap { $0["const"]?.stringValue ?? $0["default"]?.stringValue }
            return (objectType, properties, type == "object" || properties != nil || object["additionalProperties"] != nil, type == "array" || object["items"] != nil)
        }
        return (nil, nil, false, false)
    }

    /// The node `value` is checked against under `node`: `$ref`s followed, the union member picked (by
    /// discriminator, else the only member of the value's type, else the one its `object_type` names, else the first
    /// whose fields hold the value's). `nil` when the value is null or no member takes it (a problem is recorded
    /// when a tagged value names no member).
    private mutating func resolve(_ node: JSONValue, for value: JSONValue) -> Target? {
        var current = node
        var name: String?
        for _ in 0..<32 {
            guard case .object(let object) = current else { return nil }
            if let ref = object["$ref"]?.stringValue {
                guard let (found, definition) = definition(ref: ref) else { return nil }
                name = found
                if Converter.isModel(definition) { return .model(name: found, definition: definition) }
                current = .object(definition)
                continue
            }
            let branches = (object["anyOf"] ?? object["oneOf"])?.arrayValue
            guard let branches else { return Converter.isModel(object) ? .model(name: name, definition: object) : .node(object) }
            if value.isNull { return nil }
            // A tagged member of a discriminated union, straight to its definition.
            if let discriminator = object["discriminator"], let property = discriminator["propertyName"]?.stringValue,
                let tag = value[property]?.stringValue, let ref = discriminator["mapping"]?[tag]?.stringValue, let (found, definition) = definition(ref: ref)
            {
                name = found
                if Converter.isModel(definition) { return .model(name: found, definition: definition) }
                current = .object(definition)
                continue
            }
            guard let next = pick(branches, discriminator: object["discriminator"], value: value) else { return nil }
            current = next
        }
        return nil
    }

    private mutating func pick(_ branches: [JSONValue], discriminator: JSONValue?, value: JSONValue) -> JSONValue? {
        switch value {
        case .object(let object):
            if let discriminator, let property = discriminator["propertyName"]?.stringValue, let mapping = discriminator["mapping"]?.objectValue {
                if let tag = object[property]?.stringValue, let ref = mapping[tag] { return ["$ref": ref] }
                // A tag 3.0.0 no longer has: the pydantic union has no member for it.
                if let tag = object[property] {
                    problem(path.appending(property), "biodata-schema 3.0.0 has no \(JSONWriter.compactString(tag)) here (it was removed from the release's list); the document cannot be upgraded as is")
                    return nil
                }
            }
            let candidates = branches.filter { glance($0).object }
            if candidates.count <= 1 { return candidates.first }
            if let tag = object["object_type"]?.stringValue, let named = candidates.first(where: { glance($0).objectType == tag }) { return named }
            if object["object_type"] != nil {
                // Tagged with a type none of the members has.
                if let tag = object["object_type"] {
                    problem(path.appending("object_type"), "biodata-schema 3.0.0 has no \(JSONWriter.compactString(tag)) here")
                }
                return nil
            }
            let keys = Set(object.keys)
            return candidates.first { glance($0).properties.map { keys.isSubset(of: Set($0.keys)) } ?? false } ?? candidates.first
        case .array:
            return branches.first { glance($0).array }
        default:
            return nil
        }
    }

    /// The JSON types a node admits, through `$ref`s and unions.
    private func allowedTypes(_ node: JSONValue, depth: Int = 0) -> Set<String> {
        guard depth < 16, case .object(let object) = node else { return [] }
        var types = Set<String>()
        if let one = object["type"]?.stringValue { types.insert(one) }
        for item in object["type"]?.arrayValue ?? [] { if let t = item.stringValue { types.insert(t) } }
        if let ref = object["$ref"]?.stringValue, let (_, target) = definition(ref: ref) {
            types.formUnion(allowedTypes(.object(target), depth: depth + 1))
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            for branch in object[key]?.arrayValue ?? [] { types.formUnion(allowedTypes(branch, depth: depth + 1)) }
        }
        return types
    }

    // MARK: Conversion

    /// `value` (at ``path`` of the input) as 3.0.0 holds it under `node`; values no field can hold are added to `carry`.
    mutating func convert(_ value: JSONValue, _ node: JSONValue, root: Bool = false, carry: inout [Carry]) -> JSONValue {
        switch value {
        case .number(let number):
            return Converter.coerce(number, value, allowedTypes(node))
        case .object(let object):
            if root { return convertModel(object, name: nil, definition: schema.document.objectValue ?? [:], carry: &carry) }
            switch resolve(node, for: value) {
            case .model(let name, let definition)?:
                return convertModel(object, name: name, definition: definition, carry: &carry)
            case .node(let schemaNode)?:
                guard let members = schemaNode["additionalProperties"], members.objectValue != nil else { return value }
                var out = object
                for (key, member) in object {
                    trail.append(.key(key))
                    out[key] = convert(member, members, carry: &carry)
                    trail.removeLast()
                }
                return .object(out)
            case nil:
                return value
            }
        case .array(let items):
            guard case .node(let schemaNode)? = resolve(node, for: value), let itemNode = schemaNode["items"] else { return value }
            // The item type, once per list (lists of numbers are long: calibrations, positions).
            let itemTypes = items.contains { $0.numberValue != nil } ? allowedTypes(itemNode) : []
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                if case .number(let number) = item {
                    out.append(Converter.coerce(number, item, itemTypes))
                    continue
                }
                trail.append(.index(i))
                out.append(convert(item, itemNode, carry: &carry))
                trail.removeLast()
            }
            return .array(out)
        default:
            return value
        }
    }

    /// A number as pydantic writes it for a field admitting `types`: a float field writes floats, an int field an
    /// integral float as an integer. A number-or-text field is a Decimal or a float-or-text union, which the schema does
    /// not tell apart: the value stays as the 2.9.2 writer wrote it (the same types in both releases).
    static func coerce(_ number: JSONNumber, _ value: JSONValue, _ types: Set<String>) -> JSONValue {
        if types.contains("number") && types.contains("string") { return value }
        if types.contains("number") && !types.contains("integer") {
            let double = number.doubleValue
            return double.isFinite ? .number(JSONNumber(double)) : value
        }
        if types.contains("integer") && !types.contains("number") && !number.isInteger, let exact = Int(exactly: number.doubleValue) {
            return .number(JSONNumber(exact))
        }
        return value
    }

    private mutating func convertModel(_ object: JSONObject, name: String?, definition: JSONObject, carry: inout [Carry]) -> JSONValue {
        let info = modelInfo(name, definition)
        let properties = info.properties
        var input = object
        var mine: [Carry] = []
        for (key, value) in object where properties[key] == nil {
            input.removeValue(forKey: key)
            migrateRemoved(key, value, into: &input, properties: properties, model: name ?? kind.objectType, carry: &mine)
        }
        if name == nil { applyDocumentRules(&input, properties: properties) }
        if name == "Code" { applyCodeRule(&input) }

        var out = JSONObject()
        out.reserveCapacity(properties.count)
        for (index, (key, property)) in properties.enumerated() {
            let field = info.fields[index]
            if field.isObjectType, let own = field.fallback {
                out[key] = own
                continue
            }
            trail.append(.key(key))
            if let value = input[key] {
                if case .number(let number) = value {
                    out[key] = Converter.coerce(number, value, field.types)
                } else {
                    out[key] = convert(value, property, carry: &mine)
                }
                if value.isNull && field.required && !field.types.contains("null") {
                    problem(path, "biodata-schema 3.0.0 requires \(key) (\(name ?? kind.objectType)) and the document has null; it cannot be made up: set it in the 2.9.2 document")
                }
            } else if let value = field.fallback {
                out[key] = value
                changes.append(UpgradeChange(path: path, action: .defaulted, from: nil, to: path, note: "not in the document; 3.0.0's default \(JSONWriter.compactString(value))"))
            } else {
                problem(path, "biodata-schema 3.0.0 requires \(key) (\(name ?? kind.objectType)) and the document lacks it")
            }
            trail.removeLast()
        }
        checkUnits(out)
        if !mine.isEmpty && settings.allowLoss {
            // --allow-loss: what 3.0.0 cannot hold is dropped, quoted in the report, instead of carried into notes.
            settle(mine, owner: path)
            mine = []
        }
        if !mine.isEmpty {
            if info.notesHoldText {
                let notesPath = path.appending("notes")
                var lines: [String] = []
                if let existing = out["notes"]?.stringValue, !existing.isEmpty { lines.append(existing) }
                for item in mine {
                    lines.append("rigmap upgrade (aind-data-schema 2.9.2 → biodata-schema 3.0.0): \(item.path) was \(JSONWriter.compactString(item.value))")
                    changes.append(UpgradeChange(path: item.path, action: .carried, from: item.path, to: notesPath, note: "\(item.reason); kept in \(notesPath)"))
                }
                out["notes"] = .string(lines.joined(separator: "\n"))
            } else {
                carry += mine
            }
        }
        return .object(out)
    }

    /// What the conversion needs of a model's schema, worked out once per model and release (process-wide).
    struct ModelInfo: Sendable {
        struct Field: Sendable {
            var types: Set<String>
            var required: Bool
            var isObjectType: Bool
            /// The constant (`object_type`) or default.
            var fallback: JSONValue?
        }

        var properties: JSONObject
        /// In the order of `properties`.
        var fields: [Field]
        var notesHoldText: Bool
    }

    private static let modelInfos = Memo<String, ModelInfo>()

    private func modelInfo(_ name: String?, _ definition: JSONObject) -> ModelInfo {
        Converter.modelInfos.value(for: "\(schema.release)/\(kind.rawValue)/\(name ?? "#")") { () -> ModelInfo in
            let properties = definition["properties"]?.objectValue ?? [:]
            let required = Set(definition["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let fields = properties.map { key, property in
                ModelInfo.Field(
                    types: allowedTypes(property), required: required.contains(key), isObjectType: key == "object_type",
                    fallback: key == "object_type" ? (property["const"] ?? property["default"]) : property["default"])
            }
            let notes = properties["notes"].map { allowedTypes($0).contains("string") } ?? false
            return ModelInfo(properties: properties, fields: fields, notesHoldText: notes)
        }
    }

    /// Values nobody could carry up to a `notes`: lost (with `--allow-loss`) or the document's refusal.
    mutating func settle(_ carry: [Carry], owner: JSONPath?) {
        for item in carry {
            if settings.allowLoss {
                changes.append(UpgradeChange(path: item.path, action: .dropped, from: item.path, to: nil, note: "\(item.reason); dropped (--allow-loss), it was \(JSONWriter.compactString(item.value))"))
            } else {
                problem(item.path, "\(item.reason), and no enclosing model has notes to carry it; refused (--allow-loss drops it, reported)")
            }
        }
    }

    /// A field 3.0.0's model no longer has: renamed where 2.9.2's own migration points, dropped when null or
    /// already said, else carried.
    private mutating func migrateRemoved(_ key: String, _ value: JSONValue, into input: inout JSONObject, properties: JSONObject, model: String, carry: inout [Carry]) {
        let from = path.appending(key)
        var target: String?
        switch key {
        case "coordinate_system":
            target = properties["global_coordinate_system"] != nil ? "global_coordinate_system" : properties["local_coordinate_system"] != nil ? "local_coordinate_system" : nil
        case "channel_index":
            target = properties["port"] != nil ? "port" : nil
        default:
            target = nil
        }
        if value.isNull {
            changes.append(UpgradeChange(path: from, action: .dropped, from: from, to: nil, note: "null; biodata-schema 3.0.0's \(model) has no \(key)"))
            return
        }
        if let target {
            let to = path.appending(target)
            let existing = input[target] ?? .null
            if existing.isNull {
                input[target] = value
                changes.append(UpgradeChange(path: from, action: .renamed, from: from, to: to, note: "biodata-schema 3.0.0's \(model) calls it \(target)"))
                return
            }
            if existing.isEquivalent(to: value) {
                changes.append(UpgradeChange(path: from, action: .dropped, from: from, to: nil, note: "the same value as \(to), which 3.0.0 keeps"))
                return
            }
            carry.append(Carry(path: from, value: value, reason: "biodata-schema 3.0.0's \(model) has no \(key), and \(to) already holds a different value"))
            return
        }
        carry.append(Carry(path: from, value: value, reason: "biodata-schema 3.0.0's \(model) has no \(key)"))
    }

    private mutating func applyDocumentRules(_ input: inout JSONObject, properties: JSONObject) {
        for key in ["schema_version", "describedBy"] {
            guard let new = properties[key]?["const"] ?? properties[key]?["default"] else { continue }
            let path = JSONPath([.key(key)])
            if let old = input[key], old == new { continue }
            changes.append(UpgradeChange(path: path, action: .changed, from: path, to: path, note: "\(input[key].map { JSONWriter.compactString($0) } ?? "missing") → \(JSONWriter.compactString(new))"))
            input[key] = new
        }
        if kind == .instrument, (input["global_coordinate_system"] ?? .null).isNull {
            let path = JSONPath([.key("global_coordinate_system")])
            if let given = settings.instrumentGlobalCoordinateSystem {
                input["global_coordinate_system"] = given
                changes.append(UpgradeChange(path: path, action: .set, from: nil, to: path, note: "null in the 2.9.2 instrument; from the setting instrument.global_coordinate_system"))
            } else {
                problem(
                    path,
                    "biodata-schema 3.0.0 requires the instrument's global_coordinate_system (a CoordinateSystem) and this 2.9.2 instrument has null: give it with --set instrument.global_coordinate_system=JSON, --settings FILE or the job's upgrade: section")
            }
        }
    }

    private mutating func applyCodeRule(_ input: inout JSONObject) {
        guard (input["version"] ?? .null).isNull, (input["commit_hash"] ?? .null).isNull else { return }
        if settings.codeVersion == nil && settings.codeCommitHash == nil {
            problem(
                path.appending("version"),
                "biodata-schema 3.0.0 requires a Code entry's version or commit_hash and this one has neither: give code.version or code.commit_hash (--set code.version=1.2.3)")
            return
        }
        if let version = settings.codeVersion {
            input["version"] = .string(version)
            changes.append(UpgradeChange(path: path.appending("version"), action: .set, from: nil, to: path.appending("version"), note: "null in 2.9.2; from the setting code.version"))
        }
        if let hash = settings.codeCommitHash {
            input["commit_hash"] = .string(hash)
            changes.append(UpgradeChange(path: path.appending("commit_hash"), action: .set, from: nil, to: path.appending("commit_hash"), note: "null in 2.9.2; from the setting code.commit_hash"))
        }
    }

    /// The unit rule of the release documents are upgraded to (its ``ModelDialect``): in biodata-schema 3.0.0 a unit
    /// field `x_unit` that is empty requires every field whose name contains `x` to be null (2.9.2 let a 0 or an empty
    /// value through). One rule, the one `rigmap validate` applies to 3.0.0 documents.
    static let targetDialect: (any ModelDialect)? = DocumentUpgrade.target.flatMap { SchemaReleases.definition(of: $0)?.dialect }

    /// Refuses `object` when it breaks the target release's unit rule (``targetDialect``), naming the first field.
    private mutating func checkUnits(_ object: JSONObject) {
        guard let dialect = Converter.targetDialect else { return }
        for (unitName, unit) in object where dialect.unitIsMissing(unit) {
            guard let variable = dialect.unitVariable(ofUnit: unitName) else { continue }
            for (name, value) in object where name != unitName && dialect.governedIsSet(value) && dialect.isGoverned(name, by: variable) {
                problem(path.appending(name), "biodata-schema 3.0.0 requires \(unitName) when \(name) is set (\(JSONWriter.compactString(value))); the document has \(JSONWriter.compactString(unit)) and a unit cannot be made up")
                return
            }
        }
    }
}
