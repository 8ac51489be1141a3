import Foundation
import MetadataModel

/// `Instrument.__add__`, with the strict shared-device rule.
enum InstrumentMerge {
    static let fieldOrder = [
        "object_type", "describedBy", "schema_version", "location", "instrument_id", "modification_date", "modalities",
        "calibrations", "coordinate_system", "global_coordinate_system", "temperature_control", "notes", "connections",
        "components",
    ]

    static func merge(_ a: JSONValue, _ aName: String, _ b: JSONValue, _ bName: String, origins: inout [String: String]) -> MergeStep {
        var conflicts: [Conflict] = []
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
                if !existing.isEquivalent(to: component) {
                    conflicts.append(
                        Conflict(
                            kind: .clockGeneratorDiffers, field: name,
                            message: "the shared Harp clock generator '\(name)' is defined differently in \(firstFile) and \(bName)",
                            values: MergeRules.byFile([(firstFile, existing), (bName, component)]), files: both))
                } else if let first = sharedClocks.first {
                    conflicts.append(
                        Conflict(
                            kind: .secondSharedClock, field: name,
                            message: "'\(name)' would be a second shared Harp clock generator (already sharing '\(first)'); only one may be shared",
                            files: both))
                } else {
                    sharedClocks.append(name)
                }
            } else {
                conflicts.append(
                    Conflict(
                        kind: .sharedDevice, field: name,
                        message: "device '\(name)' is in both \(firstFile) and \(bName); only one identical Harp clock generator may be shared",
                        values: MergeRules.byFile([(firstFile, existing), (bName, component)]), files: both))
            }
        }

        let merged = MergeRules.ordered(
            [
                ("object_type", MergeRules.field(a, "object_type")),
                ("describedBy", MergeRules.field(a, "describedBy")),
                ("schema_version", MergeRules.field(a, "schema_version")),
                ("location", MergeRules.field(a, "location")),
                ("instrument_id", MergeRules.alphabetical(a["instrument_id"], b["instrument_id"])),
                ("modification_date", modificationDate),
                ("modalities", .array(modalities)),
                ("calibrations", MergeRules.optionalList(a["calibrations"], b["calibrations"])),
                ("coordinate_system", .null),  // deprecated; the reference's merged instrument does not carry it
                ("global_coordinate_system", MergeRules.field(a, "global_coordinate_system")),
                ("temperature_control", MergeRules.field(a, "temperature_control")),
                ("notes", MergeRules.notes(a["notes"], b["notes"])),
                ("connections", MergeRules.concatenated(a["connections"], b["connections"])),
                ("components", .array(components)),
            ], extrasFrom: [a, b])
        return MergeStep(value: merged, conflicts: conflicts)
    }

    /// A Harp device (`object_type` "Harp device") with `is_clock_generator: true`.
    static func isHarpClockGenerator(_ component: JSONValue) -> Bool {
        component["object_type"]?.stringValue == "Harp device" && component["is_clock_generator"]?.boolValue == true
    }
}

extension String {
    var replacingUnderscores: String { replacingOccurrences(of: "_", with: " ") }
}
