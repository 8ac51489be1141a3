import AindSchemas
import MetadataModel

/// Everything that belongs to one schema release, in one place: its exported JSON Schemas (through its
/// ``SchemaRelease``), the `schema_version`s its documents carry, the model dialect the JSON Schema engine applies,
/// the rules its models enforce beyond JSON Schema, how two documents merge (`+`), the instrument/acquisition
/// compatibility check, how documents are written, and the wording the command-line help uses for it.
///
/// Each release is a folder under `Sources/Releases/` (`AindDataSchema292/`, `BiodataSchema300/`) holding one type
/// that conforms to this protocol, registered in ``SchemaReleases/registered``. Its schema files live under
/// `Sources/AindSchemas/Releases/<version>/` (exported by `Scripts/export-schemas`).
public protocol ReleaseDefinition: Sendable {
    /// The release (its schemas: `release.schema(kind)`).
    var release: SchemaRelease { get }

    /// The `schema_version` the release's documents of `kind` carry (`3.0.0` for a biodata-schema 3.0.0
    /// acquisition, `3.0.2` for its instrument); `rigmap validate` tells a document's release by it.
    func schemaVersion(_ kind: DocumentKind) -> String

    /// The model dialect the JSON Schema engine applies to this release's schemas.
    var dialect: any ModelDialect { get }

    /// The exported schema of `kind` adjusted to what the models actually accept at its root (a field validated
    /// leniently, such as pydantic's `SkipValidation` on `schema_version`).
    func adjustedSchema(_ schema: JSONValue, kind: DocumentKind) -> JSONValue

    /// The models' "before" validators on the raw document (e.g. a deprecated field copied to its replacement).
    func beforeValidation(_ document: JSONValue, kind: DocumentKind) -> JSONValue

    /// The rules the models enforce beyond JSON Schema, on the document as the models hold it (defaults filled,
    /// `object_type`s coerced); run only when the document's fields are valid, as pydantic runs them.
    func modelRules(_ models: JSONValue, kind: DocumentKind) -> [ValidationIssue]

    /// One step of `a + b` for documents of `kind` (`Acquisition.__add__`, `Instrument.__add__`). `origins` maps
    /// each component name merged so far to the file that defined it (instruments).
    func merge(_ a: JSONValue, _ aName: String, _ b: JSONValue, _ bName: String, kind: DocumentKind, origins: inout [String: String]) -> MergeStep

    /// The names connections and acquisitions may use for an instrument's parts (`Instrument.get_component_names`).
    func componentNames(ofInstrument instrument: JSONValue) -> [String]

    /// The reference's instrument/acquisition compatibility check (`InstrumentAcquisitionCompatibility`): errors
    /// and warnings, with paths into the acquisition.
    func compatibility(acquisition: JSONValue, instrument: JSONValue) -> [ValidationIssue]

    /// The bytes of a document as the release's standard writer writes it.
    func documentBytes(_ document: JSONValue) -> [UInt8]

    /// How help strings and messages name the release's standard (`aind-data-schema 2.9.2`).
    var displayName: String { get }
}

extension ReleaseDefinition {
    /// `biodata-schema@3.0.0`.
    public var identifier: String { release.identifier }

    /// Whether `schemaVersion` is what this release's `kind` documents carry.
    public func declares(_ schemaVersion: String, kind: DocumentKind) -> Bool { self.schemaVersion(kind) == schemaVersion }
}

/// One fold step of a merge: the (best-effort) merged value and what was wrong.
public struct MergeStep: Sendable {
    public var value: JSONValue
    public var conflicts: [Conflict]
    public var notes: [String]

    public init(value: JSONValue, conflicts: [Conflict] = [], notes: [String] = []) {
        self.value = value
        self.conflicts = conflicts
        self.notes = notes
    }
}
