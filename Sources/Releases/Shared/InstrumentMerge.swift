import Foundation
import MetadataModel

/// `Instrument.__add__`, with the strict shared-device rule.
enum InstrumentMerge {
    static func merge(
        _ a: JSONValue, _ aName: String, _ b: JSONValue, _ bName: String, origins: inout [String: String], resetsDeprecatedCoordinateSystem: Bool
    ) -> MergeStep {
        var conflicts: [Conflict] = []
        var notes: [String] = []
        let files = [aName, bName]

        if !MergeRules.field(a, "schema_version").isEquivalent(to: MergeRules.field(b, "schema_version")) {
            conflicts.append(
                Conflict(
                    kind: .schemaVersion, field: "schema_version", message: "schema versions differ",
                    values: MergeRules.byFile([(aName, MergeRules.field(a, "schema_version")), (bName, MergeRules.field(b, "schema_version"))]), files: files))
        }
        for key in ["location", "global_coordinate_system", "temperature_control"] where !MergeRules.field(a, key).isEquivalent(to: MergeRules.field(b, key)) {
            conflicts.append(
                Conflict(
                    kind: .keyField, field: key, message: "\(key.replacingUnderscores) differs",
                    values: MergeRules.byFile([(aName, MergeRules.field(a, key)), (bName, MergeRules.field(b, key))]), files: files))
        }

        // Modalities: union, sorted by abbreviation.
        let modalities = MergeRules.deduplicated((a["modalities"]?.arrayValue ?? []) + (b["modalities"]?.arrayValue ?? []))
            .sorted { MergeRules.pythonOrder($0["abbreviation"]?.stringValue ?? "", $1["abbreviation"]?.stringValue ?? "") }

        // Latest modification date (ISO dates compare as text).
        let dateA = a["modification_date"]?.stringValue ?? ""
        let dateB = b["modification_date"]?.stringValue ?? ""
        let modificationDate = dateB > dateA ? MergeRules.field(b, "modification_date") : MergeRules.field(a, "modification_date")

        // Components: by name through a hash map; a shared name refuses unless it is the one identical clock.
        var components = a["components"]?.arrayValue ?? []
        var byName: [String: Int] = [:]
        for (i, component) in components.enumerated() {
            if let name = component["name"]?.stringValue, byName[name] == nil { byName[name] = i }
        }
        var sharedClocks: [String] = []
        var seenInB = Set<String>()
        for component in b["components"]?.arrayValue ?? [] {
            guard let name = component["name"]?.stringValue else {
                components.append(component)
                continue
            }
            // A name repeated inside b itself is reported once, by the composer's per-document check.
            guard seenInB.insert(name).inserted else { continue }
            guard let index = byName[name] else {
                byName[name] = components.count
                components.append(component)
                origins[name] = bName
                continue
            }
            let existing = components[index]
            let firstFile = origins[name] ?? aName
            let both = [firstFile, bName]
            if isHarpClockGenerator(existing) && isHarpClockGenerator(component) {
                let combined = combineClocks(existing, firstFile, component, bName)
                if !combined.differences.isEmpty {
                    for (field, first, second) in combined.differences {
                        conflicts.append(
                            Conflict(
                                kind: .clockGeneratorDiffers, field: "\(name).\(field)",
                                message: "the shared Harp clock generator '\(name)' has \(field) \(JSONWriter.compactString(first)) in \(firstFile) but \(JSONWriter.compactString(second)) in \(bName)",
                                values: MergeRules.byFile([(firstFile, first), (bName, second)]), files: both))
                    }
                } else if let first = sharedClocks.first {
                    conflicts.append(
                        Conflict(
                            kind: .secondSharedClock, field: name,
                            message: "'\(name)' would be a second shared Harp clock generator (already sharing '\(first)'); only one may be shared",
                            files: both))
                } else {
                    sharedClocks.append(name)
                    components[index] = combined.merged
                    notes += combined.notes
                }
            } else {
                conflicts.append(
                    Conflict(
                        kind: .sharedDevice, field: name,
                        message: "device '\(name)' is in both \(firstFile) and \(bName); only one identical Harp clock generator may be shared",
                        values: MergeRules.byFile([(firstFile, existing), (bName, component)]), files: both))
            }
        }

        let members: [(String, JSONValue)?] = [
                ("object_type", MergeRules.field(a, "object_type")),
                ("describedBy", MergeRules.field(a, "describedBy")),
                ("schema_version", MergeRules.field(a, "schema_version")),
                ("location", MergeRules.field(a, "location")),
                ("instrument_id", MergeRules.alphabetical(a["instrument_id"], b["instrument_id"])),
                ("modification_date", modificationDate),
                ("modalities", .array(modalities)),
                ("calibrations", MergeRules.optionalList(a["calibrations"], b["calibrations"])),
                // 2.9.2: deprecated; the reference's merged instrument does not carry it. 3.0.0 has no such field.
                resetsDeprecatedCoordinateSystem ? ("coordinate_system", .null) : nil,
                ("global_coordinate_system", MergeRules.field(a, "global_coordinate_system")),
                ("temperature_control", MergeRules.field(a, "temperature_control")),
                ("notes", MergeRules.notes(a["notes"], b["notes"])),
                ("connections", MergeRules.concatenated(a["connections"], b["connections"])),
                ("components", .array(components)),
            ]
        let merged = MergeRules.ordered(members.compactMap { $0 }, extrasFrom: [a, b])
        return MergeStep(value: merged, conflicts: conflicts, notes: notes)
    }

    /// Two definitions of one shared clock generator, combined: compatible when they have the same
    /// `harp_device_type` and no field with two different non-null values; the result takes every field either has
    /// (channels united by name). Notes say which file supplied which field.
    static func combineClocks(_ a: JSONValue, _ aName: String, _ b: JSONValue, _ bName: String)
        -> (merged: JSONValue, differences: [(field: String, a: JSONValue, b: JSONValue)], notes: [String])
    {
        guard case .object(let first) = a, case .object(let second) = b else { return (a, [], []) }
        var merged = first
        var differences: [(String, JSONValue, JSONValue)] = []
        var fromSecond: [String] = []
        let name = first["name"]?.stringValue ?? "?"
        if !(first["harp_device_type"] ?? .null).isEquivalent(to: second["harp_device_type"] ?? .null) {
            differences.append(("harp_device_type", first["harp_device_type"] ?? .null, second["harp_device_type"] ?? .null))
        }
        for (key, theirs) in second where key != "harp_device_type" {
            let ours = first[key] ?? .null
            if key == "channels", case .array(let mine) = ours, case .array(let other) = theirs {
                var channels = mine
                for channel in other {
                    let channelName = channel["channel_name"]
                    if let same = mine.first(where: { $0["channel_name"] == channelName && channelName != nil }) {
                        if !same.isEquivalent(to: channel) {
                            differences.append(("channels[\(channelName?.stringValue ?? "?")]", same, channel))
                        }
                    } else {
                        channels.append(channel)
                        fromSecond.append("channel \(channelName?.stringValue ?? "?")")
                    }
                }
                merged[key] = .array(channels)
                continue
            }
            if theirs.isNull || theirs.isEquivalent(to: ours) { continue }
            if ours.isNull {
                merged[key] = theirs
                fromSecond.append(key)
            } else {
                differences.append((key, ours, theirs))
            }
        }
        var notes: [String] = []
        if differences.isEmpty {
            notes.append(
                fromSecond.isEmpty
                    ? "shared clock generator '\(name)' kept once: the definition in \(bName) is compatible with \(aName)'s and adds nothing"
                    : "shared clock generator '\(name)': \(fromSecond.joined(separator: ", ")) from \(bName), everything else from \(aName)")
        }
        return (.object(merged), differences, notes)
    }

    /// A Harp device (`object_type` "Harp device") with `is_clock_generator: true`.
    static func isHarpClockGenerator(_ component: JSONValue) -> Bool {
        component["object_type"]?.stringValue == "Harp device" && component["is_clock_generator"]?.boolValue == true
    }
}

extension String {
    var replacingUnderscores: String { replacingEvery("_", with: " ") }
}
