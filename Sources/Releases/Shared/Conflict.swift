import AindSchemas
import MetadataModel

/// One reason a merge is refused (`Composer.merge`, `rigmap merge`, `rigmap gather`).
public struct Conflict: Sendable, Hashable {
    /// What kind of conflict.
    public enum Kind: String, Sendable, Hashable {
        case noInput = "no_input"
        case unknownKind = "unknown_object_type"
        case mixedKinds = "mixed_object_types"
        case schemaVersion = "schema_version"
        /// A key field differs (instrument: location, global coordinate system, temperature control;
        /// acquisition: subject_id, specimen_id, acquisition_type, global coordinate system).
        case keyField = "key_field"
        /// Both acquisitions have subject details; only one set is allowed.
        case subjectDetails = "subject_details"
        /// A device name is in two instruments and is not a shared Harp clock generator.
        case sharedDevice = "shared_device"
        /// A component name appears twice inside one instrument.
        case duplicateComponent = "duplicate_component"
        /// The shared Harp clock generator's two definitions are not compatible (a field with two different values).
        case clockGeneratorDiffers = "clock_generator_differs"
        /// More than one shared Harp clock generator.
        case secondSharedClock = "second_shared_clock"
        /// The merged document is not valid (found by validating it after the merge).
        case invalidResult = "invalid_result"
    }

    public var kind: Kind
    /// The field (`location`) or device name (`Harp ClockGenerator`) concerned.
    public var field: String?
    public var message: String
    /// The conflicting values, by file.
    public var values: [String: JSONValue]
    /// The files involved, in merge order.
    public var files: [String]

    public init(kind: Kind, field: String? = nil, message: String, values: [String: JSONValue] = [:], files: [String]) {
        self.kind = kind
        self.field = field
        self.message = message
        self.values = values
        self.files = files
    }

    /// `kind: message (files)`, one line.
    public var summary: String {
        "\(message) [\(files.joined(separator: ", "))]"
    }

    /// The conflict as JSON, for `--report`.
    public var jsonValue: JSONValue {
        var values = JSONObject()
        for file in self.values.keys.sorted() { values[file] = self.values[file] }
        return [
            "kind": .string(kind.rawValue),
            "field": .string(field),
            "message": .string(message),
            "files": .strings(files),
            "values": .object(values),
        ]
    }
}
