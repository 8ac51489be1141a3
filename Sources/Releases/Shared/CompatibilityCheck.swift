import MetadataModel

/// `InstrumentAcquisitionCompatibility.run_compatibility_check` (`utils/compatibility_check.py`, the same in
/// aind-data-schema 2.9.2 and biodata-schema 3.0.0), given the release's component names of the instrument:
/// - the acquisition's `instrument_id` must equal the instrument's (error);
/// - every stimulus epoch's active device must be an instrument component (error);
/// - a data stream's active device that is not an instrument component is a warning: it may be an implanted device
///   described by the procedures (the reference only logs it).
enum CompatibilityCheck {
    static func check(acquisition: JSONValue, instrument: JSONValue, componentNames: [String]) -> [ValidationIssue] {
        var out: [ValidationIssue] = []
        let acquisitionID = acquisition["instrument_id"]?.stringValue
        let instrumentID = instrument["instrument_id"]?.stringValue
        if acquisitionID != instrumentID {
            out.append(
                ValidationIssue(
                    at: JSONPath([.key("instrument_id")]),
                    "instrument_id in acquisition (\(acquisitionID ?? "null")) does not match the instrument's (\(instrumentID ?? "null"))"))
        }
        let components = Set(componentNames)
        for (i, epoch) in (acquisition["stimulus_epochs"]?.arrayValue ?? []).enumerated() {
            for (j, device) in (epoch["active_devices"]?.arrayValue ?? []).enumerated() {
                guard let name = device.stringValue, !components.contains(name) else { continue }
                out.append(
                    ValidationIssue(
                        at: JSONPath([.key("stimulus_epochs"), .index(i), .key("active_devices"), .index(j)]),
                        "stimulus device '\(name)' is not a component of the instrument"))
            }
        }
        for (i, stream) in (acquisition["data_streams"]?.arrayValue ?? []).enumerated() {
            for (j, device) in (stream["active_devices"]?.arrayValue ?? []).enumerated() {
                guard let name = device.stringValue, !components.contains(name) else { continue }
                out.append(
                    ValidationIssue(
                        .warning, at: JSONPath([.key("data_streams"), .index(i), .key("active_devices"), .index(j)]),
                        "active device '\(name)' is not a component of the instrument (it may be an implanted device from the procedures)"))
            }
        }
        return out
    }
}
