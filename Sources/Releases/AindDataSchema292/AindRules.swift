import Dispatch
import MetadataModel

/// The aind-data-schema 2.9.2 rules that JSON Schema cannot express, from the models' validators. biodata-schema 3.0.0
/// keeps them (``BiodataRules`` adds and changes a few).
///
/// Acquisition (`core/acquisition.py`):
/// - each data stream has, for each of its modalities, the configuration types the modality requires
///   (`CONFIG_REQUIREMENTS`: fib → an LED or laser config and a patch cord or fiber assembly config; ecephys → an ephys
///   assembly, probe or manipulator config; pophys, slap2 → an imaging config; SPIM → an imaging and a sample chamber
///   config; MRI → an MRI scan);
/// - a data stream's connections name its active devices;
/// - every `specimen_id` contains the `subject_id`;
/// - `instrument_id` is required when a data stream (not an external one) exists;
/// - `specimen_id` is required for SPIM and confocal streams.
///
/// Instrument (`core/instrument.py`):
/// - each modality has the device types it requires (`DEVICES_REQUIRED`: fib → a laser, LED or lamp, a detector and a
///   fiber patch cord; pophys → laser, detector, objective; slap2 → those and a DMD and a microscope;
///   behavior-videos → a camera assembly; SPIM → laser, objective, scanning stage);
/// - connections name components (or the instrument id);
/// - a camera assembly whose target is "Other" needs the instrument's `notes`;
/// - duplicate component names are a **warning** (the reference only logs them).
///
/// Any model (`base.py`, `components/*.py`):
/// - a `<x>_unit` that is empty while `<x>` (or a field whose name contains `<x>`) is set is an error (checked while
///   walking the schema, where the models' defaults are known: the release's ``ModelDialect``);
/// - a device whose manufacturer is "Other" needs `notes`;
/// - a device position needs both `transform` and `local_coordinate_system`, or neither;
/// - a multiband or multi-notch filter has a list of center wavelengths, any other filter a single one;
/// - an objective immersed in "other", a lick spout with solution "Other", and an MRI scan with pulse sequence
///   "Other" need `notes`; a primary (non-setup) MRI scan needs `affine_transform` and `resolution`;
/// - an imaging config's images use channels it defines, and SPIM images need its `local_coordinate_system`.
enum AindRules {
    static let configRequirements: [String: [[String]]] = [
        "ecephys": [["Ephys assembly config", "Probe config", "Manipulator config"]],
        "fib": [["Light emitting diode config", "Laser config"], ["Patch cord config", "Fiber assembly config"]],
        "pophys": [["Imaging config"]],
        "MRI": [["MRI scan"]],
        "SPIM": [["Imaging config"], ["Sample chamber config"]],
        "slap2": [["Imaging config"]],
    ]

    static let devicesRequired: [String: [[String]]] = [
        "fib": [["Laser", "Light emitting diode", "Lamp"], ["Camera", "Detector"], ["Fiber patch cord"]],
        "pophys": [["Laser"], ["Camera", "Detector"], ["Objective"]],
        "slap2": [["Laser"], ["Camera", "Detector"], ["Objective"], ["Digital micromirror device"], ["Microscope"]],
        "behavior-videos": [["Camera assembly"]],
        "SPIM": [["Laser"], ["Objective"], ["Scanning stage"]],
    ]

    static let specimenModalities: Set<String> = ["SPIM", "confocal"]

    static func acquisition(_ doc: JSONValue) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let root = JSONPath.root
        let subject = doc["subject_id"]?.stringValue
        let specimens: [String] = {
            switch doc["specimen_id"] {
            case .string(let s)?: return [s]
            case .array(let a)?: return a.compactMap(\.stringValue)
            default: return []
            }
        }()
        if let subject, !subject.isEmpty {
            for specimen in specimens where !specimen.isEmpty && !specimen.contains(subject) {
                issues.append(ValidationIssue(at: root.appending("specimen_id"), "specimen id '\(specimen)' must contain the subject id '\(subject)'"))
            }
        }
        let streams = doc["data_streams"]?.arrayValue ?? []
        let regular = streams.enumerated().filter { $0.element["object_type"]?.stringValue != "External data stream" }
        if !regular.isEmpty && !truthy(doc["instrument_id"]) {
            issues.append(ValidationIssue(at: root.appending("instrument_id"), "instrument_id is required when data_streams contains a data stream"))
        }
        for (i, stream) in regular {
            let path = root.appending("data_streams").appending(index: i)
            let configTypes = Set((stream["configurations"]?.arrayValue ?? []).compactMap { $0["object_type"]?.stringValue })
            for modality in stream["modalities"]?.arrayValue ?? [] {
                guard let abbreviation = modality["abbreviation"]?.stringValue else { continue }
                for group in configRequirements[abbreviation] ?? [] where configTypes.isDisjoint(with: group) {
                    issues.append(
                        ValidationIssue(
                            at: path.appending("configurations"),
                            "modality '\(abbreviation)' requires a configuration of type \(group.map { "'\($0)'" }.joined(separator: " or "))"))
                }
                if specimenModalities.contains(abbreviation) && !truthy(doc["specimen_id"]) {
                    issues.append(ValidationIssue(at: root.appending("specimen_id"), "specimen_id is required for modality '\(abbreviation)'"))
                }
            }
            let active = Set((stream["active_devices"]?.arrayValue ?? []).compactMap(\.stringValue))
            for (j, connection) in (stream["connections"]?.arrayValue ?? []).enumerated() {
                for role in ["source_device", "target_device"] {
                    guard let device = connection[role]?.stringValue, !active.contains(device) else { continue }
                    issues.append(
                        ValidationIssue(
                            at: path.appending("connections").appending(index: j).appending(role),
                            "connection device '\(device)' is not in the data stream's active_devices"))
                }
            }
        }
        return issues + generic(doc, at: root)
    }

    /// The instrument's rules; `componentNames` gives the names connections may use (2.9.2: every model's name),
    /// `warnsOfDuplicates` whether duplicate component names are warned of here (2.9.2 only logs them; 3.0.0 refuses
    /// them in ``BiodataRules``).
    static func instrument(
        _ doc: JSONValue, componentNames: (JSONValue) -> [String] = { $0.instrumentComponentNames }, warnsOfDuplicates: Bool = true
    ) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let root = JSONPath.root
        let components = doc["components"]?.arrayValue ?? []
        // Duplicate names: a warning only, as the reference logs it.
        var seen: [String: Int] = [:]
        for (i, component) in components.enumerated() where warnsOfDuplicates {
            guard let name = component["name"]?.stringValue else { continue }
            if let first = seen[name] {
                issues.append(ValidationIssue(.warning, at: root.appending("components").appending(index: i).appending("name"), "duplicate component name '\(name)' (also components[\(first)])"))
            } else {
                seen[name] = i
            }
        }
        let connections = doc["connections"]?.arrayValue ?? []
        let names = connections.isEmpty ? [] : Set(componentNames(doc))
        for (j, connection) in connections.enumerated() {
            for role in ["source_device", "target_device"] {
                guard let device = connection[role]?.stringValue, !names.contains(device) else { continue }
                issues.append(
                    ValidationIssue(at: root.appending("connections").appending(index: j).appending(role), "connection device '\(device)' is not part of the instrument"))
            }
        }
        let types = Set(components.compactMap { $0["object_type"]?.stringValue })
        for modality in doc["modalities"]?.arrayValue ?? [] {
            guard let abbreviation = modality["abbreviation"]?.stringValue else { continue }
            for group in devicesRequired[abbreviation] ?? [] where types.isDisjoint(with: group) {
                issues.append(
                    ValidationIssue(
                        at: root.appending("components"),
                        "modality '\(abbreviation)' requires at least one device of type \(group.map { "'\($0)'" }.joined(separator: " or "))"))
            }
        }
        if doc["notes"] == nil || doc["notes"] == .null {
            for (i, component) in components.enumerated()
            where component["object_type"]?.stringValue == "Camera assembly" && component["target"]?.stringValue == "Other" {
                issues.append(
                    ValidationIssue(at: root.appending("components").appending(index: i).appending("target"), "camera target 'Other' needs the instrument's notes to describe it"))
            }
        }
        return issues + generic(doc, at: root)
    }

    /// Rules every model object carries, applied to every object with an `object_type`. The path is kept as a stack
    /// and turned into a `JSONPath` only for an object that is checked. A long array's items are walked on several
    /// threads, their issues joined in the items' order (the serial walk's order).
    static func generic(_ value: JSONValue, at path: JSONPath) -> [ValidationIssue] {
        var walker = GenericWalk(stack: path.components, splitsLongArrays: true)
        walker.walk(value)
        return walker.issues
    }

    private struct GenericWalk {
        var stack: [JSONPath.Component]
        var splitsLongArrays: Bool
        var issues: [ValidationIssue] = []

        mutating func walk(_ v: JSONValue) {
            switch v {
            case .array(let items):
                if splitsLongArrays, items.count >= Slices.longArray {
                    walkInSlices(items)
                    return
                }
                for (i, item) in items.enumerated() where item.isContainer {
                    stack.append(.index(i))
                    walk(item)
                    stack.removeLast()
                }
            case .object(let object):
                let found = RuleFields(object)
                if let type = found.type, found.needsCheck(type: type) {
                    check(object, type: type, at: JSONPath(stack), into: &issues)
                }
                for (key, member) in object where member.isContainer {
                    stack.append(.key(key))
                    walk(member)
                    stack.removeLast()
                }
            default: break
            }
        }

        /// The items of `items` in ``Slices/of(_:)`` on several threads, each slice's issues appended in
        /// slice order.
        private mutating func walkInSlices(_ items: [JSONValue]) {
            let slices = Slices.of(items.count)
            let found = Locked<[[ValidationIssue]]>(Array(repeating: [], count: slices.count))
            let prefix = stack
            DispatchQueue.concurrentPerform(iterations: slices.count) { slice in
                var walker = GenericWalk(stack: prefix, splitsLongArrays: false)
                for i in slices[slice] where items[i].isContainer {
                    walker.stack.append(.index(i))
                    walker.walk(items[i])
                    walker.stack.removeLast()
                }
                let issues = walker.issues
                found.withLock { $0[slice] = issues }
            }
            for slice in found.withLock({ $0 }) { issues += slice }
        }
    }

    /// The members of an object that decide whether ``check(_:type:at:into:)`` could find anything in it (most
    /// objects: no), found in one pass over its keys, compared by length first, instead of five hashed lookups into
    /// every object of the document.
    private struct RuleFields {
        var type: String?
        var otherManufacturer = false
        var transform = false
        var localCoordinateSystem = false
        var otherImmersion = false

        init(_ object: JSONObject) {
            for (key, member) in object {
                switch key.utf8.count {
                case 11 where key == "object_type": type = member.stringValue
                case 12 where key == "manufacturer": otherManufacturer = member["name"]?.stringValue == "Other"
                case 9 where key == "transform": transform = true
                case 9 where key == "immersion": otherImmersion = member.stringValue == "other"
                case 23 where key == "local_coordinate_system": localCoordinateSystem = true
                default: break
                }
            }
        }

        func needsCheck(type: String) -> Bool {
            otherManufacturer || (transform && localCoordinateSystem) || type == "Filter" || otherImmersion || type == "Lick spout config"
                || type == "MRI scan" || type == "Imaging config"
        }
    }

    private static func check(_ o: JSONObject, type: String, at p: JSONPath, into issues: inout [ValidationIssue]) {
        let notes = truthy(o["notes"])
        if o["manufacturer"]?["name"]?.stringValue == "Other" && !notes {
            issues.append(ValidationIssue(at: p.appending("notes"), "notes cannot be empty when the manufacturer is 'Other'"))
        }
        if o.keys.contains("transform") && o.keys.contains("local_coordinate_system") {
            let t = o["transform"].map { $0 != .null } ?? false
            let cs = o["local_coordinate_system"].map { $0 != .null } ?? false
            if t != cs {
                issues.append(ValidationIssue(at: p, "transform and local_coordinate_system must both be set or both be unset"))
            }
        }
        if type == "Filter", let filterType = o["filter_type"]?.stringValue {
            let multi = filterType == "Multiband" || filterType == "Multi notch"
            let isList = o["center_wavelength"]?.arrayValue != nil
            if multi && !isList { issues.append(ValidationIssue(at: p.appending("center_wavelength"), "a \(filterType) filter needs a list of center wavelengths")) }
            if !multi && isList { issues.append(ValidationIssue(at: p.appending("center_wavelength"), "a \(filterType) filter has a single center wavelength")) }
        }
        if o["immersion"]?.stringValue == "other" && !notes && type == "Objective" {
            issues.append(ValidationIssue(at: p.appending("notes"), "notes cannot be empty when immersion is 'other'"))
        }
        if type == "Lick spout config" && o["solution"]?.stringValue == "Other" && !notes {
            issues.append(ValidationIssue(at: p.appending("notes"), "notes cannot be empty when the solution is 'Other'"))
        }
        if type == "MRI scan" {
            if !truthy(o["setup"]) && (!truthy(o["affine_transform"]) || !truthy(o["resolution"])) {
                issues.append(ValidationIssue(at: p, "a primary (non-setup) MRI scan needs affine_transform and resolution"))
            }
            if o["pulse_sequence_type"]?.stringValue == "Other" && !notes {
                issues.append(ValidationIssue(at: p.appending("notes"), "notes cannot be empty when pulse_sequence_type is 'Other'"))
            }
        }
        if type == "Imaging config" {
            let channels = Set((o["channels"]?.arrayValue ?? []).compactMap { $0["channel_name"]?.stringValue })
            for (i, image) in (o["images"]?.arrayValue ?? []).enumerated() {
                if let name = image["channel_name"]?.stringValue, !channels.contains(name) {
                    issues.append(ValidationIssue(at: p.appending("images").appending(index: i).appending("channel_name"), "channel '\(name)' must be defined in the imaging config's channels"))
                }
                if image["object_type"]?.stringValue == "Image SPIM" && !truthy(o["local_coordinate_system"]) {
                    issues.append(ValidationIssue(at: p.appending("local_coordinate_system"), "local_coordinate_system is required when images are SPIM images"))
                }
            }
        }
    }

    /// Python truthiness; a missing field is falsy.
    static func truthy(_ value: JSONValue?) -> Bool { value?.isTruthy ?? false }
}
