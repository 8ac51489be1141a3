import MetadataModel
import RigMapperCore

/// The cross-check of a merged acquisition against the merged instrument, as aind-data-schema's
/// `InstrumentAcquisitionCompatibility` does it.
enum Compatibility {
    /// - `instrument_id` of the acquisition must equal the instrument's (error);
    /// - every stimulus epoch's active device must be an instrument component (error);
    /// - a data stream's active device that is not an instrument component is a warning: it may be an implanted
    ///   device described by the procedures (the reference only logs it).
    ///
    /// `hint` says what to change when the ids differ (gather knows which file gave which id).
    static func check(acquisition: JSONValue, instrument: JSONValue, hint: () -> String = { "" }) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let acquisitionID = acquisition["instrument_id"]?.stringValue
        let instrumentID = instrument["instrument_id"]?.stringValue
        if acquisitionID != instrumentID {
            let advice = hint()
            out.append(
                Diagnostic(
                    .error,
                    "instrument_id in acquisition (\(acquisitionID ?? "null")) does not match the instrument's (\(instrumentID ?? "null"))"
                        + (advice.isEmpty ? "" : ": \(advice)"),
                    at: SourceLocation(file: "acquisition.json", jsonPath: JSONPath([.key("instrument_id")]))))
        }
        let components = Set(instrument.instrumentComponentNames)
        for (i, epoch) in (acquisition["stimulus_epochs"]?.arrayValue ?? []).enumerated() {
            for (j, device) in (epoch["active_devices"]?.arrayValue ?? []).enumerated() {
                guard let name = device.stringValue, !components.contains(name) else { continue }
                out.append(
                    Diagnostic(
                        .error, "stimulus device '\(name)' is not a component of the instrument",
                        at: SourceLocation(file: "acquisition.json", jsonPath: JSONPath([.key("stimulus_epochs"), .index(i), .key("active_devices"), .index(j)]))))
            }
        }
        for (i, stream) in (acquisition["data_streams"]?.arrayValue ?? []).enumerated() {
            for (j, device) in (stream["active_devices"]?.arrayValue ?? []).enumerated() {
                guard let name = device.stringValue, !components.contains(name) else { continue }
                out.append(
                    Diagnostic(
                        .warning, "active device '\(name)' is not a component of the instrument (it may be an implanted device from the procedures)",
                        at: SourceLocation(file: "acquisition.json", jsonPath: JSONPath([.key("data_streams"), .index(i), .key("active_devices"), .index(j)]))))
            }
        }
        return out
    }

    /// Problems of a merged acquisition alone: a device configured twice in one data stream (a fiber index repeated in
    /// `implanted_fibers` gives its patch cord twice) is an error — the documents would say two different things of
    /// one device, and a later merge cannot tell which holds.
    static func check(acquisition: JSONValue) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for (i, stream) in (acquisition["data_streams"]?.arrayValue ?? []).enumerated() {
            var seen: [String: Int] = [:]
            for (j, configuration) in (stream["configurations"]?.arrayValue ?? []).enumerated() {
                guard let name = configuration["device_name"]?.stringValue else { continue }
                if let first = seen[name] {
                    out.append(
                        Diagnostic(
                            .error,
                            "device '\(name)' is configured twice in this data stream (configurations \(first) and \(j)); a repeated index in a mapper's settings (such as fiber's implanted_fibers) gives this",
                            at: SourceLocation(
                                file: "acquisition.json", jsonPath: JSONPath([.key("data_streams"), .index(i), .key("configurations"), .index(j), .key("device_name")]))))
                } else {
                    seen[name] = j
                }
            }
        }
        return out
    }
}
