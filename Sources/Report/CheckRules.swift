import RigMapperCore

/// Where a check comes from: the stage that found it and the reference rule it follows, when the message says which.
struct CheckOrigin: Sendable, Equatable {
    /// `cross-check`, `validation`, `merge`, `mapper`, `job`, `input`, `gather`.
    var stage: String
    /// The rule in words, naming aind-data-schema's model or validator it mirrors (or saying RigMapper is stricter).
    var rule: String

    /// The origin of `diagnostic`, from the messages RigMapper writes (see Pipeline's `Compatibility`, the
    /// release's model rules in the `Releases` module, the composer and the resolver).
    static func of(_ diagnostic: Diagnostic) -> CheckOrigin {
        let m = diagnostic.message
        let compatibility = "aind-data-schema 2.9.2 InstrumentAcquisitionCompatibility"
        if m.hasPrefix("active device '") && m.contains("is not a component of the instrument") {
            return CheckOrigin(stage: "cross-check", rule: "\(compatibility): a data stream's active devices should be instrument components (the reference only logs this)")
        }
        if m.hasPrefix("stimulus device '") {
            return CheckOrigin(stage: "cross-check", rule: "\(compatibility): stimulus devices must be instrument components")
        }
        if m.hasPrefix("instrument_id in acquisition") {
            return CheckOrigin(stage: "cross-check", rule: "\(compatibility): the acquisition's instrument_id must equal the instrument's")
        }
        if m.contains("is configured twice in this data stream") {
            return CheckOrigin(stage: "cross-check", rule: "RigMapper (stricter than the reference): one configuration per device in a data stream")
        }
        if m.hasPrefix("acquisition_type is empty") {
            return CheckOrigin(stage: "gather", rule: "RigMapper gather: aind-data-schema accepts an empty acquisition_type; set it in the job")
        }
        if m.hasPrefix("duplicate component name") {
            return CheckOrigin(stage: "validation", rule: "aind-data-schema 2.9.2 Instrument: unique component names (the reference only logs duplicates)")
        }
        if m.contains("requires a configuration of type") {
            return CheckOrigin(stage: "validation", rule: "aind-data-schema 2.9.2 Acquisition: CONFIG_REQUIREMENTS of each modality (core/acquisition.py)")
        }
        if m.contains("requires at least one device of type") {
            return CheckOrigin(stage: "validation", rule: "aind-data-schema 2.9.2 Instrument: DEVICES_REQUIRED of each modality (core/instrument.py)")
        }
        if m.hasPrefix("merge refused") {
            return CheckOrigin(stage: "merge", rule: "aind-data-schema 2.9.2 Instrument.__add__ / Acquisition.__add__ (RigMapper reports every conflict; see README, Merging documents)")
        }
        if m.contains("declares schema_version") {
            return CheckOrigin(stage: "merge", rule: "aind-data-schema models read an older document as the current schema version")
        }
        if m.hasPrefix("mapper ") && m.contains(" failed: ") {
            return CheckOrigin(stage: "mapper", rule: "the mapper's input checks (its contract and the rig format's SPEC)")
        }
        if m.hasPrefix("job type setting") {
            return CheckOrigin(stage: "job", rule: "RigMapper resolver: a job type's setting the chosen mapper version does not list is ignored")
        }
        if m.contains("raise_if_mapper_errors") || m.contains("raise_if_invalid") || m.contains("conflicting_documents") {
            return CheckOrigin(stage: "gather", rule: "the job's policy (raise_if_mapper_errors, raise_if_invalid, conflicting_documents)")
        }
        if let file = diagnostic.location?.file {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            if (name.hasPrefix("acquisition") || name.hasPrefix("instrument")) && name.hasSuffix(".json"), diagnostic.location?.jsonPath != nil {
                return CheckOrigin(stage: "validation", rule: "aind-data-schema 2.9.2 JSON Schema and model validators")
            }
            if diagnostic.location?.line != nil || diagnostic.location?.byteOffset != nil {
                return CheckOrigin(stage: "input", rule: "the input file's format")
            }
        }
        return CheckOrigin(stage: "", rule: "")
    }
}
