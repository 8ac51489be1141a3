import MetadataModel

/// Validates aind-data-schema 2.9.2 documents as the reference (`Acquisition.model_validate_json`,
/// `Instrument.model_validate_json`) does: the exported JSON Schema, with pydantic's lax JSON coercions, plus the
/// rules its validators enforce (``AindRules``).
///
/// pydantic behaviours the schema does not show, and which this validator follows:
/// - `object_type` is coerced to the model's own value except where it selects a member of a discriminated union;
/// - `schema_version` is coerced to the current version whatever it holds, and `describedBy` is any string;
/// - datetimes without an offset are accepted (aind-data-schema attaches a zone), and numbers are Unix times;
/// - numeric strings are accepted for numbers, and `0`/`1` and words such as `yes` for booleans;
/// - `acquisition_start_tz` also accepts a fixed offset written as `-07:00`;
/// - a deprecated `coordinate_system` fills a missing `global_coordinate_system`.
public enum AindValidator {
    /// Which document.
    public enum Kind: String, Sendable, CaseIterable {
        case acquisition = "Acquisition"
        case instrument = "Instrument"
    }

    /// A document whose `object_type` names no kind this validator knows.
    public struct UnknownKind: Error, Sendable, CustomStringConvertible {
        public var objectType: String?
        public var description: String {
            "object_type \(objectType.map { "\"\($0)\"" } ?? "is missing"); expected \"Acquisition\" or \"Instrument\""
        }
    }

    /// The kind named by the document's `object_type`.
    public static func kind(of document: JSONValue) -> Kind? {
        document["object_type"]?.stringValue.flatMap(Kind.init(rawValue:))
    }

    /// Every problem with `document` (errors and warnings), its kind taken from `object_type`.
    public static func validate(_ document: JSONValue) throws(UnknownKind) -> [ValidationIssue] {
        guard let kind = kind(of: document) else { throw UnknownKind(objectType: document["object_type"]?.stringValue) }
        return validate(document, as: kind)
    }

    /// Every problem with `document` validated as `kind`.
    public static func validate(_ document: JSONValue, as kind: Kind) -> [ValidationIssue] {
        guard let validator = validators[kind] else { return [] }
        var document = document
        // The models' before-validator: a deprecated `coordinate_system` fills a missing `global_coordinate_system`.
        if case .object(var object) = document, object["global_coordinate_system"] == nil, let old = object["coordinate_system"] {
            object["global_coordinate_system"] = old
            document = .object(object)
        }
        var issues = validator.validate(document)
        guard document.objectValue != nil else { return issues }
        // The model validators run only once the fields are valid, as in pydantic.
        if !issues.contains(where: { $0.severity == .error }) {
            switch kind {
            case .acquisition: issues += AindRules.acquisition(document)
            case .instrument: issues += AindRules.instrument(document)
            }
        }
        return issues
    }

    /// Compiled once per process.
    nonisolated(unsafe) static let validators: [Kind: JSONSchemaValidator] = {
        var out: [Kind: JSONSchemaValidator] = [:]
        for (kind, text) in [(Kind.acquisition, AindSchemas.acquisition), (.instrument, AindSchemas.instrument)] {
            guard let schema = try? JSONParser.parse(text), let validator = try? JSONSchemaValidator(schema: patch(schema), options: .init(pydanticLax: true)) else {
                continue
            }
            out[kind] = validator
        }
        return out
    }()

    /// Whether both embedded schemas compiled (checked by the tests).
    public static var schemasCompiled: Bool { validators.count == Kind.allCases.count }

    /// Adjusts the exported schema to what pydantic actually accepts (see the type's documentation).
    static func patch(_ schema: JSONValue) -> JSONValue {
        func walk(_ value: JSONValue, isRoot: Bool) -> JSONValue {
            switch value {
            case .array(let items): return .array(items.map { walk($0, isRoot: false) })
            case .object(var object):
                if case .object(var properties)? = object["properties"] {
                    if isRoot {
                        properties["schema_version"] = .bool(true)
                        properties["describedBy"] = ["type": "string"]
                        if let tz = properties["acquisition_start_tz"] {
                            properties["acquisition_start_tz"] = ["anyOf": [tz, ["type": "string", "pattern": "^[+-]?\\d{2}:\\d{2}$"]]]
                        }
                    }
                    object["properties"] = .object(properties)
                }
                for (key, member) in object where key != "properties" || !isRoot {
                    object[key] = walk(member, isRoot: false)
                }
                if isRoot, case .object(var properties)? = object["properties"] {
                    for (key, member) in properties where !["schema_version", "describedBy", "acquisition_start_tz"].contains(key) {
                        properties[key] = walk(member, isRoot: false)
                    }
                    object["properties"] = .object(properties)
                }
                return .object(object)
            default: return value
            }
        }
        return walk(schema, isRoot: true)
    }
}
