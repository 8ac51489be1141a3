import Foundation
import MetadataModel

/// `Acquisition.__add__` and `DataStream.__add__`, as aind-data-schema 2.9.2 and biodata-schema 3.0.0 define them (the
/// same code in both; 3.0.0 has no deprecated `coordinate_system` field to reset).
enum AcquisitionMerge {
    /// Streams whose starts and ends both lie within this many seconds are merged into one.
    static let overlapSeconds: Int64 = 120

    static func merge(_ a: JSONValue, _ aName: String, _ b: JSONValue, _ bName: String, resetsDeprecatedCoordinateSystem: Bool) -> MergeStep {
        var conflicts: [Conflict] = []
        var notes: [String] = []
        let files = [aName, bName]
        func values(_ key: String) -> [String: JSONValue] { MergeRules.byFile([(aName, MergeRules.field(a, key)), (bName, MergeRules.field(b, key))]) }

        if !MergeRules.field(a, "schema_version").isEquivalent(to: MergeRules.field(b, "schema_version")) {
            conflicts.append(Conflict(kind: .schemaVersion, field: "schema_version", message: "schema versions differ", values: values("schema_version"), files: files))
        }
        // Global coordinate system: both set and different refuses; else the one set.
        let csA = MergeRules.field(a, "global_coordinate_system")
        let csB = MergeRules.field(b, "global_coordinate_system")
        var coordinateSystem = MergeRules.truthy(csA) ? csA : csB
        if MergeRules.truthy(csA) && MergeRules.truthy(csB) && !csA.isEquivalent(to: csB) {
            conflicts.append(
                Conflict(kind: .keyField, field: "global_coordinate_system", message: "global coordinate systems differ", values: values("global_coordinate_system"), files: files))
            coordinateSystem = csA
        }
        for key in ["subject_id", "specimen_id"] where !MergeRules.field(a, key).isEquivalent(to: MergeRules.field(b, key)) {
            conflicts.append(Conflict(kind: .keyField, field: key, message: "\(key) differs", values: values(key), files: files))
        }
        let typeA = MergeRules.field(a, "acquisition_type")
        let typeB = MergeRules.field(b, "acquisition_type")
        if MergeRules.truthy(typeA) && MergeRules.truthy(typeB) && !typeA.isEquivalent(to: typeB) {
            conflicts.append(Conflict(kind: .keyField, field: "acquisition_type", message: "acquisition_type differs", values: values("acquisition_type"), files: files))
        }
        if MergeRules.truthy(a["subject_details"]) && MergeRules.truthy(b["subject_details"]) {
            conflicts.append(
                Conflict(kind: .subjectDetails, field: "subject_details", message: "both acquisitions have subject details; only one set is allowed", files: files))
        }

        let experimenters = MergeRules.deduplicated((a["experimenters"]?.arrayValue ?? []) + (b["experimenters"]?.arrayValue ?? []))
        var ethics = MergeRules.optionalList(a["ethics_review_id"], b["ethics_review_id"])
        if let list = ethics.arrayValue { ethics = .array(MergeRules.deduplicated(list)) }

        // Data streams: regular streams grouped by overlap and merged; external streams after them, unchanged.
        let all = (a["data_streams"]?.arrayValue ?? []) + (b["data_streams"]?.arrayValue ?? [])
        let external = all.filter { $0["object_type"]?.stringValue == "External data stream" }
        let regular = all.filter { $0["object_type"]?.stringValue != "External data stream" }
        let streams = mergeStreams(regular, notes: &notes) + external

        let startA = a["acquisition_start_time"]
        let startB = b["acquisition_start_time"]
        let endA = a["acquisition_end_time"]
        let endB = b["acquisition_end_time"]
        let start = earlier(startA, startB)
        let end = later(endA, endB)
        let startTimestamp = start?.stringValue.flatMap { try? Timestamp(parsing: $0) }

        let members: [(String, JSONValue)?] = [
                ("object_type", MergeRules.field(a, "object_type")),
                ("describedBy", MergeRules.field(a, "describedBy")),
                ("schema_version", MergeRules.field(a, "schema_version")),
                ("protocol_id", MergeRules.optionalList(a["protocol_id"], b["protocol_id"])),
                ("subject_id", MergeRules.field(a, "subject_id")),
                ("specimen_id", MergeRules.field(a, "specimen_id")),
                ("acquisition_start_time", start.map(normalizedTime) ?? .null),
                // Re-derived from the merged start, as the reference's validator derives it for a new Acquisition.
                ("acquisition_start_tz", startTimestamp.map { fixedOffsetZone($0) } ?? .null),
                ("acquisition_end_time", end.map(normalizedTime) ?? .null),
                ("experimenters", .array(experimenters)),
                ("ethics_review_id", ethics),
                ("instrument_id", MergeRules.alphabetical(a["instrument_id"], b["instrument_id"])),
                ("acquisition_type", MergeRules.truthy(typeA) ? typeA : typeB),
                ("notes", MergeRules.notes(a["notes"], b["notes"])),
                // 2.9.2: deprecated; not carried by the reference's merged acquisition. 3.0.0 has no such field.
                resetsDeprecatedCoordinateSystem ? ("coordinate_system", .null) : nil,
                ("global_coordinate_system", coordinateSystem),
                ("calibrations", MergeRules.concatenated(a["calibrations"], b["calibrations"])),
                ("maintenance", MergeRules.concatenated(a["maintenance"], b["maintenance"])),
                ("data_streams", .array(streams)),
                ("stimulus_epochs", MergeRules.concatenated(a["stimulus_epochs"], b["stimulus_epochs"])),
                ("manipulations", .array([])),  // the reference's merged acquisition starts with none
                ("subject_details", MergeRules.truthy(a["subject_details"]) ? MergeRules.field(a, "subject_details") : MergeRules.field(b, "subject_details")),
            ]
        let merged = MergeRules.ordered(members.compactMap { $0 }, extrasFrom: [a, b])
        return MergeStep(value: merged, conflicts: conflicts, notes: notes)
    }

    /// `Acquisition._merge_data_streams`: each stream, in order, with every later unvisited stream that overlaps it.
    static func mergeStreams(_ streams: [JSONValue], notes: inout [String]) -> [JSONValue] {
        let times = streams.map { stream -> (Int64, Int64)? in
            guard let s = stream["stream_start_time"]?.stringValue.flatMap({ try? Timestamp(parsing: $0) })?.epochMicroseconds,
                let e = stream["stream_end_time"]?.stringValue.flatMap({ try? Timestamp(parsing: $0) })?.epochMicroseconds
            else { return nil }
            return (s, e)
        }
        var visited = Set<Int>()
        var result: [JSONValue] = []
        for i in streams.indices where !visited.contains(i) {
            visited.insert(i)
            var group = [streams[i]]
            if let ti = times[i] {
                for j in (i + 1)..<streams.count where !visited.contains(j) {
                    guard let tj = times[j] else { continue }
                    let limit = overlapSeconds * 1_000_000
                    if abs(ti.0 - tj.0) <= limit && abs(ti.1 - tj.1) <= limit {
                        group.append(streams[j])
                        visited.insert(j)
                    }
                }
            }
            var merged = group[0]
            for next in group.dropFirst() { merged = addStreams(merged, next, notes: &notes) }
            result.append(merged)
        }
        return result
    }

    /// `DataStream.__add__`: a new stream (so without `code`) spanning both.
    static func addStreams(_ a: JSONValue, _ b: JSONValue, notes: inout [String]) -> JSONValue {
        let devices = (a["active_devices"]?.arrayValue ?? []) + (b["active_devices"]?.arrayValue ?? [])
        let unique = MergeRules.deduplicated(devices)
        if unique.count < devices.count {
            notes.append("duplicate active devices were removed from merged data streams: only DAQ devices should be shared")
        }
        return MergeRules.ordered(
            [
                ("object_type", MergeRules.field(a, "object_type")),
                ("stream_start_time", earlier(a["stream_start_time"], b["stream_start_time"]).map(normalizedTime) ?? .null),
                ("stream_end_time", later(a["stream_end_time"], b["stream_end_time"]).map(normalizedTime) ?? .null),
                ("modalities", .array(MergeRules.deduplicated((a["modalities"]?.arrayValue ?? []) + (b["modalities"]?.arrayValue ?? [])))),
                ("code", .null),
                ("notes", MergeRules.notes(a["notes"], b["notes"])),
                ("active_devices", .array(unique)),
                ("configurations", MergeRules.concatenated(a["configurations"], b["configurations"])),
                ("connections", MergeRules.concatenated(a["connections"], b["connections"])),
            ], extrasFrom: [])
    }

    /// Python's `min(a, b)` on datetimes: `b` only when strictly earlier.
    static func earlier(_ a: JSONValue?, _ b: JSONValue?) -> JSONValue? {
        guard let a else { return b }
        guard let b else { return a }
        return compare(b, a) == .orderedAscending ? b : a
    }

    /// Python's `max(a, b)`: `b` only when strictly later.
    static func later(_ a: JSONValue?, _ b: JSONValue?) -> JSONValue? {
        guard let a else { return b }
        guard let b else { return a }
        return compare(b, a) == .orderedDescending ? b : a
    }

    private static func compare(_ x: JSONValue, _ y: JSONValue) -> ComparisonResult? {
        guard let tx = x.stringValue.flatMap({ try? Timestamp(parsing: $0) }), let ty = y.stringValue.flatMap({ try? Timestamp(parsing: $0) }) else {
            return nil
        }
        return Timestamp.compareInstants(tx, ty)
    }

    /// A time as pydantic writes it (the same instant and offset).
    static func normalizedTime(_ value: JSONValue) -> JSONValue {
        guard let text = value.stringValue, let t = try? Timestamp(parsing: text) else { return value }
        return .string(t.description)
    }

    /// The zone of a time read back from JSON: always a fixed offset, in whole hours rounded down.
    static func fixedOffsetZone(_ t: Timestamp) -> JSONValue {
        guard let offset = t.utcOffsetSeconds else { return .null }
        return .int(Timestamp.wholeHoursRoundedDown(offset))
    }
}
