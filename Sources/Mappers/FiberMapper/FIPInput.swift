import MapperKit

/// The parts of the extractor's `fip.json` the fiber mappers read.
///
/// The shape of the file (required fields, types) is checked beforehand against the input contract
/// `MapperConfigs/fiber/fip.contract.json`; what is left here is what a schema cannot say: the stream times must be
/// real ISO 8601 time points, and a time without a UTC offset takes the job's zone or is an error. Every problem is
/// reported with its JSON path before failing.
struct FIPInput {
    struct Stream {
        var start: Timestamp
        var end: Timestamp
    }

    var streams: [Stream]
    var subjectID: String
    var instrumentID: String
    var experimenters: [String]
    var notes: String?
    var commitHash: String?
    var allowDirtyRepo: Bool
    var sessionHasEthicsReviewID: Bool
    /// The rig object, members in file order (light sources, cameras, ROI settings are found by key).
    var rig: JSONObject
    var rigVersion: String?

    static func read(_ root: JSONValue, file: String, context: MapperContext) throws(DiagnosticError) -> FIPInput {
        var c = DiagnosticCollector()
        let streamsPath = JSONPath.root.appending("data_stream_metadata")
        var streams: [Stream] = []
        for (i, item) in (root["data_stream_metadata"]?.arrayValue ?? []).enumerated() {
            var times: [Timestamp] = []
            for key in ["start_time", "end_time"] {
                let location = SourceLocation(file: file, jsonPath: streamsPath.appending(index: i).appending(key))
                guard let text = item[key]?.stringValue else {
                    c.error("must be a date-time string", at: location)
                    continue
                }
                do {
                    times.append(try context.timestamp(text, at: location))
                } catch {
                    c.append(contentsOf: error.diagnostics)
                }
            }
            if times.count == 2 { streams.append(Stream(start: times[0], end: times[1])) }
        }
        let session = root["session"]
        let rig = root["rig"]?.objectValue ?? [:]
        let subject = session?["subject"]?.stringValue
        let instrument = rig["rig_name"]?.stringValue
        if subject == nil { c.error("required field 'subject' is missing", at: SourceLocation(file: file, jsonPath: ["session", "subject"].path)) }
        if instrument == nil { c.error("required field 'rig_name' is missing", at: SourceLocation(file: file, jsonPath: ["rig", "rig_name"].path)) }
        if streams.isEmpty && !c.hasErrors { c.error("at least one data stream is required", at: SourceLocation(file: file, jsonPath: streamsPath)) }
        try c.check()
        guard let subject, let instrument else { throw DiagnosticError(c.diagnostics) }
        return FIPInput(
            streams: streams, subjectID: subject, instrumentID: instrument,
            experimenters: (session?["experimenter"]?.arrayValue ?? []).compactMap(\.stringValue),
            notes: session?["notes"]?.stringValue, commitHash: session?["commit_hash"]?.stringValue,
            allowDirtyRepo: session?["allow_dirty_repo"]?.boolValue ?? false,
            sessionHasEthicsReviewID: session?["ethics_review_id"] != nil, rig: rig, rigVersion: rig["version"]?.stringValue)
    }
}

extension Array where Element == String {
    /// Object keys as a JSON path.
    fileprivate var path: JSONPath { JSONPath(map { .key($0) }) }
}
