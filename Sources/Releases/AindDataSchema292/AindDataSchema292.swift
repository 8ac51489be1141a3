import AindSchemas
import MetadataModel

/// aind-data-schema 2.9.2 (Acquisition `2.5.4`, Instrument `2.2.8`): what every shipped mapper version writes, and
/// what a document is read as when nothing says otherwise. Its behaviour is that of RigMapper before releases were
/// told apart, unchanged byte for byte.
///
/// - Dialect: pydantic lax JSON mode, `object_type` coercion, the unit rule on truthy values.
/// - Schema adjustments: `schema_version` any value (`SkipValidation`, coerced to the current version),
///   `describedBy` any string, `acquisition_start_tz` also a fixed offset (`-07:00`).
/// - Before validation: a deprecated top-level `coordinate_system` fills a missing `global_coordinate_system`.
/// - Rules: ``AindRules`` (duplicate component names only a warning).
/// - Merge: `Acquisition.__add__` / `Instrument.__add__` (the merged documents reset the deprecated
///   `coordinate_system` to `null`), with RigMapper's strict shared-device rule (see `Composer`).
/// - Writer: `model_dump_json(indent=3)`.
public struct AindDataSchema292: ReleaseDefinition {
    public init() {}

    public var release: SchemaRelease { .standard }

    public func schemaVersion(_ kind: DocumentKind) -> String {
        switch kind {
        case .acquisition: return "2.5.4"
        case .instrument: return "2.2.8"
        }
    }

    public var dialect: any ModelDialect { PydanticModelDialect(governedPresence: .truthy) }

    public func adjustedSchema(_ schema: JSONValue, kind: DocumentKind) -> JSONValue {
        PydanticRoot.adjusted(schema)
    }

    public func beforeValidation(_ document: JSONValue, kind: DocumentKind) -> JSONValue {
        // The models' before-validator: a deprecated `coordinate_system` fills a missing `global_coordinate_system`.
        if case .object(var object) = document, object["global_coordinate_system"] == nil, let old = object["coordinate_system"] {
            object["global_coordinate_system"] = old
            return .object(object)
        }
        return document
    }

    public func modelRules(_ models: JSONValue, kind: DocumentKind) -> [ValidationIssue] {
        switch kind {
        case .acquisition: return AindRules.acquisition(models)
        case .instrument: return AindRules.instrument(models)
        }
    }

    public func merge(_ a: JSONValue, _ aName: String, _ b: JSONValue, _ bName: String, kind: DocumentKind, origins: inout [String: String]) -> MergeStep {
        switch kind.mergePolicy {
        case .instrument: return InstrumentMerge.merge(a, aName, b, bName, origins: &origins, resetsDeprecatedCoordinateSystem: true)
        case .acquisition: return AcquisitionMerge.merge(a, aName, b, bName, resetsDeprecatedCoordinateSystem: true)
        }
    }

    public func componentNames(ofInstrument instrument: JSONValue) -> [String] { instrument.instrumentComponentNames }

    public func compatibility(acquisition: JSONValue, instrument: JSONValue) -> [ValidationIssue] {
        CompatibilityCheck.check(acquisition: acquisition, instrument: instrument, componentNames: componentNames(ofInstrument: instrument))
    }

    public func documentBytes(_ document: JSONValue) -> [UInt8] { JSONWriter.referenceBytes(document, indent: 3) }

    public var displayName: String { "aind-data-schema 2.9.2" }
}

/// The root-level leniencies of the aind-data-schema model family's documents, which the exported JSON Schemas do not
/// show: `schema_version` is `SkipValidation` (any value, coerced to the model's), `describedBy` any string, and
/// `acquisition_start_tz` also takes a fixed offset written as `-07:00` (a before-validator turns it into a zone).
enum PydanticRoot {
    static func adjusted(_ schema: JSONValue) -> JSONValue {
        guard case .object(var root) = schema, case .object(var properties)? = root["properties"] else { return schema }
        properties["schema_version"] = .bool(true)
        properties["describedBy"] = ["type": "string"]
        if let tz = properties["acquisition_start_tz"] {
            properties["acquisition_start_tz"] = ["anyOf": [tz, ["type": "string", "pattern": "^[+-]?\\d{2}:\\d{2}$"]]]
        }
        root["properties"] = .object(properties)
        return .object(root)
    }
}
