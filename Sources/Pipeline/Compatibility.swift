import MetadataModel
import Releases
import RigMapperCore

/// The cross-check of a merged acquisition against the merged instrument, as the release's reference does it, and
/// RigMapper's own check of a merged acquisition alone.
enum Compatibility {
    /// The release's instrument/acquisition compatibility check (``ReleaseDefinition/compatibility(acquisition:instrument:)``),
    /// located in `acquisition.json`; the release is the one the acquisition's `schema_version` names (aind-data-schema
    /// 2.9.2 when it names none).
    static func check(acquisition: JSONValue, instrument: JSONValue) -> [Diagnostic] {
        let definition: any ReleaseDefinition
        switch SchemaReleases.choice(for: acquisition["schema_version"], kind: .acquisition) {
        case .release(let chosen): definition = chosen
        case .unstated, .unknown: definition = SchemaReleases.standard
        }
        return definition.compatibility(acquisition: acquisition, instrument: instrument).map { issue in
            Diagnostic(
                issue.severity == .warning ? .warning : .error, issue.message,
                at: SourceLocation(file: "acquisition.json", jsonPath: issue.path))
        }
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
