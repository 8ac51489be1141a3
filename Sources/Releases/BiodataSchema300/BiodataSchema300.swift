import AindSchemas
import MetadataModel

/// biodata-schema 3.0.0 (Acquisition `3.0.0`, Instrument `3.0.2`), the successor of aind-data-schema 2.x, with
/// biodata-models 1.1.0.
///
/// - Dialect: pydantic lax JSON mode and `object_type` coercion as in 2.9.2; the unit rule reads the models'
///   fields (`__dict__`), so a governed field counts as set when it is not `null` (2.9.2: when truthy).
/// - Schema adjustments: as 2.9.2 (`schema_version` any value, `describedBy` any string, `acquisition_start_tz`
///   also a fixed offset); the exported time-zone enum already leaves out the host names `localtime` and
///   `posixrules`, which 3.0.0 refuses.
/// - Before validation: nothing (the deprecated `coordinate_system` fields are gone: `extra_forbidden`).
/// - Rules: ``BiodataRules`` (``AindRules`` plus `Code` needing a version or commit hash, duplicate device names as
///   errors, transforms checked against their coordinate system's axes).
/// - Merge: `Acquisition.__add__` / `Instrument.__add__` (the same code as 2.9.2's; no deprecated field to reset; the
///   merged document's `describedBy` is the model's default, as `__add__` builds a new model without it),
///   with RigMapper's strict shared-device rule (see `Composer`).
/// - Writer: `model_dump_json(indent=3)` (`DataCoreModel.write_standard_file`), as 2.9.2.
public struct BiodataSchema300: ReleaseDefinition {
    public init() {}

    public var release: SchemaRelease {
        // The schemas are embedded by the build (Sources/AindSchemas/Releases/3.0.0); the tests check this.
        SchemaRelease("3.0.0") ?? .standard
    }

    public func schemaVersion(_ kind: DocumentKind) -> String {
        switch kind {
        case .acquisition: return "3.0.0"
        case .instrument: return "3.0.2"
        }
    }

    public var dialect: any ModelDialect { PydanticModelDialect(governedPresence: .notNull) }

    public func adjustedSchema(_ schema: JSONValue, kind: DocumentKind) -> JSONValue {
        PydanticRoot.adjusted(schema)
    }

    public func beforeValidation(_ document: JSONValue, kind: DocumentKind) -> JSONValue { document }

    public func modelRules(_ models: JSONValue, kind: DocumentKind) -> [ValidationIssue] {
        switch kind {
        case .acquisition: return BiodataRules.acquisition(models)
        case .instrument: return BiodataRules.instrument(models)
        }
    }

    public func merge(_ a: JSONValue, _ aName: String, _ b: JSONValue, _ bName: String, kind: DocumentKind, origins: inout [String: String]) -> MergeStep {
        var step: MergeStep
        switch kind.mergePolicy {
        case .instrument: step = InstrumentMerge.merge(a, aName, b, bName, origins: &origins, resetsDeprecatedCoordinateSystem: false)
        case .acquisition: step = AcquisitionMerge.merge(a, aName, b, bName, resetsDeprecatedCoordinateSystem: false)
        }
        // `__add__` builds a new model without passing `describedBy`: the merged document has the model's default.
        if case .object(var object) = step.value, let described = try? release.schema(kind).document["properties"]?["describedBy"]?["default"] {
            object["describedBy"] = described
            step.value = .object(object)
        }
        return step
    }

    public func componentNames(ofInstrument instrument: JSONValue) -> [String] { BiodataRules.componentNames(instrument) }

    public func compatibility(acquisition: JSONValue, instrument: JSONValue) -> [ValidationIssue] {
        CompatibilityCheck.check(acquisition: acquisition, instrument: instrument, componentNames: componentNames(ofInstrument: instrument))
    }

    public func documentBytes(_ document: JSONValue) -> [UInt8] { JSONWriter.referenceBytes(document, indent: 3) }

    public var displayName: String { "biodata-schema 3.0.0" }
}
