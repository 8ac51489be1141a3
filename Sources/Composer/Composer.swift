import AindSchemas
import MetadataModel
@_exported import Releases

/// Merges several instruments, or several acquisitions, of one schema release into one.
///
/// The rules are the release's (``ReleaseDefinition/merge(_:_:_:_:kind:origins:)``; for aind-data-schema 2.9.2 and
/// biodata-schema 3.0.0, `Instrument.__add__`, `Acquisition.__add__`, `DataStream.__add__`, `utils/merge.py`), folded
/// left to right as `a + b + c`, with one deliberate difference:
///
/// - **Shared devices are refused.** A component name present in two instruments refuses the merge, except one Harp
///   device with `is_clock_generator: true` in both, kept once when the two definitions are compatible: the same
///   `harp_device_type`, and no field with two different non-null values. The kept device takes every field either
///   definition has (channels united by name), and the outcome's notes say which file supplied which field. Two rigs'
///   mappers never describe the one shared clock identically (one reads its serial and firmware from the device,
///   the other knows neither), so identity would refuse every real session. The reference compares names only: it
///   keeps the first definition of any duplicated name (logging an error for non-clocks), so two rigs that disagree
///   about a shared clock, or that reuse a device name for different devices, merge silently into a document that
///   describes neither. We refuse those and name the device, the field and both files.
///
/// Everything else follows the reference exactly, including its resets: a merged acquisition re-derives
/// `acquisition_start_tz` from the earliest start, drops the deprecated `coordinate_system`, and merged data streams
/// carry no `code` (the reference builds them without it); a merged instrument's `calibrations` is `null` when both are
/// empty. Devices, configurations and fields of types RigMapper does not model pass through unchanged.
///
/// The reference re-validates the merged document (it builds a new model), so a merge can also fail because the result
/// is invalid, e.g. a connection naming a device that no input defines. That check is the `Validation` module's:
/// `rigmap merge` and `rigmap gather` validate every merged document before writing it.
///
/// Cost is linear in the number of components: names are matched through a hash map.
public enum Composer {
    /// A named input (the file name, for messages and reports).
    public struct Document: Sendable {
        public var name: String
        public var value: JSONValue

        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    /// The result of a merge: the merged document, or every conflict that refuses it.
    public struct Outcome: Sendable {
        /// The merged document; `nil` when any conflict refused the merge.
        public var merged: JSONValue?
        public var kind: DocumentKind?
        /// Every conflict found (all of them, not just the first).
        public var conflicts: [Conflict]
        /// Notes that do not refuse the merge (e.g. duplicate active devices removed).
        public var notes: [String]

        public init(merged: JSONValue?, kind: DocumentKind?, conflicts: [Conflict], notes: [String]) {
            self.merged = merged
            self.kind = kind
            self.conflicts = conflicts
            self.notes = notes
        }
    }

    /// Merges `documents` in the order given under `release`'s rules; without `release`, under the release their
    /// `schema_version`s name (aind-data-schema 2.9.2 when none does). Documents naming different releases are
    /// refused (a `schema_version` conflict naming each file and its release). One document merges to itself.
    public static func merge(_ documents: [Document], release: SchemaRelease? = nil) -> Outcome {
        var conflicts: [Conflict] = []
        guard let first = documents.first else {
            return Outcome(merged: nil, kind: nil, conflicts: [Conflict(kind: .noInput, message: "nothing to merge", files: [])], notes: [])
        }
        var kinds: [DocumentKind?] = []
        for document in documents {
            let kind = DocumentKind(of: document.value)
            if kind == nil {
                let known = DocumentKind.allCases.map { "\"\($0.objectType)\"" }.joined(separator: " or ")
                conflicts.append(
                    Conflict(
                        kind: .unknownKind, field: "object_type", message: "object_type must be \(known)",
                        values: [document.name: document.value["object_type"] ?? .null], files: [document.name]))
            }
            kinds.append(kind)
        }
        let present = Set(kinds.compactMap { $0 })
        if present.count > 1 {
            var values: [String: JSONValue] = [:]
            for (document, kind) in zip(documents, kinds) { values[document.name] = .string(kind?.objectType) }
            conflicts.append(
                Conflict(kind: .mixedKinds, field: "object_type", message: "cannot merge instruments with acquisitions", values: values, files: documents.map(\.name)))
        }
        guard conflicts.isEmpty, let kind = kinds.first ?? nil else {
            return Outcome(merged: nil, kind: nil, conflicts: conflicts, notes: [])
        }
        if kind.mergePolicy == .instrument {
            // A component name given twice inside one instrument: the reference only logs it, and keeps both, so the
            // merged document would name two devices alike. Refused, located.
            for document in documents {
                var first: [String: Int] = [:]
                for (i, component) in (document.value["components"]?.arrayValue ?? []).enumerated() {
                    guard let name = component["name"]?.stringValue else { continue }
                    if let j = first[name] {
                        conflicts.append(
                            Conflict(
                                kind: .duplicateComponent, field: name,
                                message: "component name '\(name)' appears twice in \(document.name) (components[\(j)] and components[\(i)])",
                                files: [document.name]))
                    } else {
                        first[name] = i
                    }
                }
            }
            if !conflicts.isEmpty { return Outcome(merged: nil, kind: kind, conflicts: conflicts, notes: []) }
        }

        var notes: [String] = []
        let definition: any ReleaseDefinition
        if let release {
            definition = release.definition
        } else {
            switch SchemaReleases.commonRelease(of: documents.map { ($0.name, $0.value) }) {
            case .one(let named): definition = named
            case .unstated: definition = SchemaReleases.standard
            case .mixed(let conflict): return Outcome(merged: nil, kind: kind, conflicts: [conflict], notes: [])
            }
        }
        var accumulated = first.value
        var accumulatedName = first.name
        var sources = [first.name]
        // Which input defined each component so far, to name both files when a name is shared.
        var origins: [String: String] = [:]
        for component in first.value["components"]?.arrayValue ?? [] {
            if let name = component["name"]?.stringValue, origins[name] == nil { origins[name] = first.name }
        }
        for document in documents.dropFirst() {
            let step = definition.merge(accumulated, accumulatedName, document.value, document.name, kind: kind, origins: &origins)
            conflicts += step.conflicts
            notes += step.notes
            accumulated = step.value
            sources.append(document.name)
            accumulatedName = sources.joined(separator: " + ")
        }
        return Outcome(merged: conflicts.isEmpty ? accumulated : nil, kind: kind, conflicts: conflicts, notes: notes)
    }
}
