import MetadataModel
import RigMapperCore

/// The parts of the extractor's `fip.json` (the FIP contract) the fiber mappers read, checked.
///
/// Reading collects every problem with its JSON path before failing, so one run shows all of them.
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
        func at(_ path: JSONPath) -> SourceLocation { SourceLocation(file: file, jsonPath: path) }

        func object(_ value: JSONValue?, _ path: JSONPath, required: Bool = true) -> JSONObject? {
            guard let value else {
                if required { c.error("required field '\(path.components.last.map(name) ?? "$")' is missing", at: at(path)) }
                return nil
            }
            guard let o = value.objectValue else {
                c.error("must be an object, found \(value.typeName)", at: at(path))
                return nil
            }
            return o
        }
        func string(_ value: JSONValue?, _ path: JSONPath, required: Bool = true, nullable: Bool = false) -> String? {
            guard let value else {
                if required { c.error("required field '\(path.components.last.map(name) ?? "$")' is missing", at: at(path)) }
                return nil
            }
            if value.isNull && nullable { return nil }
            guard let s = value.stringValue else {
                c.error("must be a string\(nullable ? " or null" : ""), found \(value.typeName)", at: at(path))
                return nil
            }
            return s
        }

        guard let top = object(root, .root) else { throw DiagnosticError(c.diagnostics) }
        let streamsPath = JSONPath.root.appending("data_stream_metadata")
        let sessionPath = JSONPath.root.appending("session")
        let rigPath = JSONPath.root.appending("rig")

        // data_stream_metadata: at least one stream, each with id, start_time, end_time.
        var streams: [Stream] = []
        if let value = top["data_stream_metadata"] {
            if let items = value.arrayValue {
                if items.isEmpty { c.error("must contain at least one data stream", at: at(streamsPath)) }
                for (i, item) in items.enumerated() {
                    let p = streamsPath.appending(index: i)
                    guard let o = object(item, p) else { continue }
                    _ = string(o["id"], p.appending("id"))
                    let startText = string(o["start_time"], p.appending("start_time"))
                    let endText = string(o["end_time"], p.appending("end_time"))
                    var start: Timestamp?
                    var end: Timestamp?
                    do {
                        if let startText { start = try context.timestamp(startText, at: at(p.appending("start_time"))) }
                    } catch { c.append(contentsOf: error.diagnostics) }
                    do {
                        if let endText { end = try context.timestamp(endText, at: at(p.appending("end_time"))) }
                    } catch { c.append(contentsOf: error.diagnostics) }
                    if let start, let end { streams.append(Stream(start: start, end: end)) }
                }
            } else {
                c.error("must be an array, found \(value.typeName)", at: at(streamsPath))
            }
        } else {
            c.error("required field 'data_stream_metadata' is missing", at: at(streamsPath))
        }

        // session
        var subjectID: String?
        var experimenters: [String] = []
        var notes: String?
        var commitHash: String?
        var allowDirtyRepo = false
        var sessionHasEthics = false
        if let session = object(top["session"], sessionPath) {
            subjectID = string(session["subject"], sessionPath.appending("subject"))
            if let value = session["experimenter"] {
                let p = sessionPath.appending("experimenter")
                if let items = value.arrayValue {
                    for (i, item) in items.enumerated() {
                        if let s = string(item, p.appending(index: i)) { experimenters.append(s) }
                    }
                } else {
                    c.error("must be an array of strings, found \(value.typeName)", at: at(p))
                }
            }
            notes = string(session["notes"], sessionPath.appending("notes"), required: false, nullable: true)
            commitHash = string(session["commit_hash"], sessionPath.appending("commit_hash"), required: false, nullable: true)
            if let value = session["allow_dirty_repo"], !value.isNull {
                if let b = value.boolValue {
                    allowDirtyRepo = b
                } else {
                    c.error("must be a boolean, found \(value.typeName)", at: at(sessionPath.appending("allow_dirty_repo")))
                }
            }
            sessionHasEthics = session["ethics_review_id"] != nil
        }

        // rig
        var instrumentID: String?
        var rig = JSONObject()
        var rigVersion: String?
        if let rigObject = object(top["rig"], rigPath) {
            rig = rigObject
            instrumentID = string(rigObject["rig_name"], rigPath.appending("rig_name"))
            rigVersion = string(rigObject["version"], rigPath.appending("version"), required: false, nullable: true)
            for required in ["computer_name", "camera_green_iso", "camera_red", "light_source_uv", "light_source_blue", "light_source_lime", "cuttlefish_fip"]
            where rigObject[required] == nil {
                c.error("required field '\(required)' is missing", at: at(rigPath.appending(required)))
            }
            for (key, value) in rigObject {
                let p = rigPath.appending(key)
                if key.hasPrefix("light_source_") {
                    guard let light = object(value, p) else { continue }
                    if let power = light["power"], !power.isNull, power.numberValue == nil {
                        c.error("must be a number or null, found \(power.typeName)", at: at(p.appending("power")))
                    }
                    if let task = light["task"] {
                        if let t = object(task, p.appending("task")), let d1 = t["delta_1"], !d1.isNull, d1.numberValue == nil {
                            c.error("must be a number, found \(d1.typeName)", at: at(p.appending("task").appending("delta_1")))
                        }
                    } else {
                        c.error("required field 'task' is missing", at: at(p.appending("task")))
                    }
                } else if key.hasPrefix("camera_") {
                    _ = object(value, p)
                } else if key == "roi_settings", !value.isNull {
                    _ = object(value, p)
                } else if key == "cuttlefish_fip" {
                    if let controller = object(value, p) {
                        _ = string(controller["name"], p.appending("name"), required: false, nullable: true)
                    }
                }
            }
        }

        try c.check()
        guard let subjectID, let instrumentID else { throw DiagnosticError(c.diagnostics) }
        return FIPInput(
            streams: streams, subjectID: subjectID, instrumentID: instrumentID, experimenters: experimenters, notes: notes,
            commitHash: commitHash, allowDirtyRepo: allowDirtyRepo, sessionHasEthicsReviewID: sessionHasEthics, rig: rig,
            rigVersion: rigVersion)
    }
}

private func name(_ component: JSONPath.Component) -> String {
    switch component {
    case .key(let k): return k
    case .index(let i): return "[\(i)]"
    }
}
