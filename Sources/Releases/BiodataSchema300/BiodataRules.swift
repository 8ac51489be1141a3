import MetadataModel

/// The biodata-schema 3.0.0 rules that JSON Schema cannot express, from the models' validators: aind-data-schema
/// 2.9.2's (``AindRules``), with these changes.
///
/// - `Code` (`components/identifiers.py`): a `commit_hash` or a `version` is required (2.9.2 only warned).
/// - Duplicate component names are an **error** (`Instrument.validate_unique_component_names`), and only devices and
///   assemblies count (``deviceTypes``): two top-level components of one name, or two different objects anywhere in
///   the components' tree of one name (the same object referred to twice is no collision).
/// - Connections, and the compatibility check, name devices and assemblies only (`get_component_names` →
///   `recursive_get_device_names`), plus the instrument id.
/// - Every transform is checked against its coordinate system (`DataCoreModel.coordinate_system_validator`,
///   `utils/validators.py`): an object with `coordinate_system_name` holding transforms needs a coordinate system
///   in force of that name, and each `Translation`, `Rotation`, `Scale` has one value per axis and an `Affine` a
///   matrix of `n` or `n + 1` rows of `n + 1` (`n` the axes of the global coordinate system in force, or of the local
///   one for a transform whose `reference_coordinate_system` is `local`).
enum BiodataRules {
    /// The `object_type`s of biodata-schema 3.0.0's `Device` and `Assembly` classes and their subclasses (listed from
    /// the package's classes).
    static let deviceTypes: Set<String> = [
        "Additional imaging device", "Air puff device", "Arena", "Assembly", "Camera", "Camera assembly", "Catheter", "Computer",
        "DAQ device", "Detector", "Device", "Digital micromirror device", "Disc", "Enclosure", "Ephys assembly", "Ephys probe",
        "Fiber assembly", "Fiber patch cord", "Fiber probe", "Filter", "Harp device", "Lamp", "Laser", "Laser assembly", "Lens",
        "Lick spout", "Lick spout assembly", "Light assembly", "Light emitting diode", "Manipulator", "Microscope", "Monitor",
        "Motorized stage", "Myomatrix array", "Neuropixels basestation", "Objective", "Olfactometer", "Open ephys acquisition board",
        "Patch clamp ephys assembly", "Pockels cell", "Polygonal scanner", "Scanner", "Scanning stage", "Speaker", "Treadmill",
        "Tube", "Wheel",
    ]

    static let transformTypes: Set<String> = ["Translation", "Rotation", "Scale", "Affine"]

    static func acquisition(_ doc: JSONValue) -> [ValidationIssue] {
        AindRules.acquisition(doc) + models(doc) + coordinateSystems(doc)
    }

    static func instrument(_ doc: JSONValue) -> [ValidationIssue] {
        AindRules.instrument(doc, componentNames: componentNames, warnsOfDuplicates: false) + duplicateNames(doc) + models(doc) + coordinateSystems(doc)
    }

    /// `Instrument.get_component_names()`: the names of every device and assembly in the components' tree, then the
    /// instrument id.
    static func componentNames(_ instrument: JSONValue) -> [String] {
        var names = namedObjects(instrument["components"] ?? .null).filter { isDevice($0.object) }.map(\.name)
        if let id = instrument["instrument_id"]?.stringValue { names.append(id) }
        return names
    }

    static func isDevice(_ object: JSONValue) -> Bool {
        object["object_type"]?.stringValue.map { deviceTypes.contains($0) } ?? false
    }

    /// Every `(name, object)` of a model object (one with `object_type`) with a string `name` in `value`, depth first
    /// (`recursive_get_named_objects`); an object without `object_type` is not a model and is not looked into.
    static func namedObjects(_ value: JSONValue) -> [(name: String, object: JSONValue)] {
        var found: [(name: String, object: JSONValue)] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .array(let items): items.forEach(walk)
            case .object(let object):
                guard object["object_type"] != nil else { return }
                if let name = object["name"]?.stringValue { found.append((name, value)) }
                for (_, member) in object where member.isContainer { walk(member) }
            default: break
            }
        }
        walk(value)
        return found
    }

    static func duplicateNames(_ doc: JSONValue) -> [ValidationIssue] {
        let components = doc["components"]?.arrayValue ?? []
        var counts: [String: Int] = [:]
        for component in components where isDevice(component) {
            if let name = component["name"]?.stringValue, !name.isEmpty { counts[name, default: 0] += 1 }
        }
        var duplicates = Set(counts.filter { $0.value > 1 }.keys)
        var distinct: [String: [JSONValue]] = [:]
        for component in components {
            for (name, object) in namedObjects(component) where isDevice(object) {
                var seen = distinct[name] ?? []
                if !seen.contains(where: { $0.isEquivalent(to: object) }) { seen.append(object) }
                distinct[name] = seen
            }
        }
        duplicates.formUnion(distinct.filter { $0.value.count > 1 }.keys)
        guard !duplicates.isEmpty else { return [] }
        let list = duplicates.sorted(by: MergeRules.pythonOrder).map { "'\($0)'" }.joined(separator: ", ")
        return [ValidationIssue(at: JSONPath([.key("components")]), "duplicate component names found: [\(list)]")]
    }

    /// The validators of single models that ``AindRules`` does not apply (the last three are in aind-data-schema 2.9.2's
    /// models too, where RigMapper's 2.9.2 rules leave them out, unchanged):
    /// - `Code`: a `commit_hash` or a `version` (truthy) is required;
    /// - `Rotation.axis_order`: only the letters x, y, z (either case), at least one;
    /// - `PlanarImage` (and `PlanarImageStack`): more than one plane only when every one is a coupled plane;
    /// - `DataAsset`: a `name` or a `url`.
    static func models(_ doc: JSONValue) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        var stack: [JSONPath.Component] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .array(let items):
                for (i, item) in items.enumerated() where item.isContainer {
                    stack.append(.index(i))
                    walk(item)
                    stack.removeLast()
                }
            case .object(let object):
                switch object["object_type"]?.stringValue {
                case "Code"?:
                    if !(object["commit_hash"]?.isTruthy ?? false), !(object["version"]?.isTruthy ?? false) {
                        issues.append(ValidationIssue(at: JSONPath(stack), "either commit_hash or version must be provided for Code to ensure reproducibility"))
                    }
                case "Rotation"?:
                    if let order = object["axis_order"]?.stringValue, order.isEmpty || !order.allSatisfy({ "xyzXYZ".contains($0) }) {
                        issues.append(ValidationIssue(at: JSONPath(stack + [.key("axis_order")]), "axis_order must only contain axis characters (x, y, z), got '\(order)'"))
                    }
                case "Planar image"?, "Planar image stack"?:
                    let planes = object["planes"]?.arrayValue ?? []
                    if planes.count > 1, planes.contains(where: { $0["object_type"]?.stringValue != "Coupled plane" }) {
                        issues.append(ValidationIssue(at: JSONPath(stack + [.key("planes")]), "for single-plane optical physiology only a single Plane should be in planes"))
                    }
                case "Data asset"?:
                    if !(object["name"]?.isTruthy ?? false), !(object["url"]?.isTruthy ?? false) {
                        issues.append(ValidationIssue(at: JSONPath(stack), "either 'name' or 'url' must be provided for a data asset"))
                    }
                default: break
                }
                for (key, member) in object where member.isContainer {
                    stack.append(.key(key))
                    walk(member)
                    stack.removeLast()
                }
            default: break
            }
        }
        walk(doc)
        return issues
    }

    // MARK: Coordinate systems

    /// The coordinate system in force while walking: its name and axis count, and the local one.
    private struct Frame {
        var name: String?
        var axes: Int?
        var local: JSONValue?
    }

    /// `recursive_coord_system_check(document, None, None)`: the first problem, as the reference raises on it.
    static func coordinateSystems(_ doc: JSONValue) -> [ValidationIssue] {
        var stack: [JSONPath.Component] = []
        var problem: ValidationIssue?

        func axisCount(_ system: JSONValue) -> Int? { system["axes"]?.arrayValue?.count }
        func present(_ value: JSONValue?) -> JSONValue? {
            guard let value, value != .null, value.isTruthy else { return nil }
            return value
        }

        func fail(_ message: String) {
            if problem == nil { problem = ValidationIssue(at: JSONPath(stack), message) }
        }

        /// `_check_transform_dimensions`.
        func checkDimensions(_ transform: JSONValue, _ n: Int) {
            let type = transform["object_type"]?.stringValue ?? ""
            if type == "Affine" {
                let rows = transform["affine_transform"]?.arrayValue ?? []
                if (rows.count != n && rows.count != n + 1) || rows.contains(where: { ($0.arrayValue?.count ?? -1) != n + 1 }) {
                    fail("axis count mismatch for Affine, expected \(n) axes")
                }
                return
            }
            let key = type == "Rotation" ? "angles" : type == "Scale" ? "scale" : "translation"
            let count = transform[key]?.arrayValue?.count ?? 0
            if count != n { fail("axis count mismatch for \(type), expected \(n) axes, but found \(count)") }
        }

        /// `_iter_transforms` over one field's value.
        func transforms(in value: JSONValue, into found: inout [JSONValue]) {
            switch value {
            case .array(let items): for item in items { transforms(in: item, into: &found) }
            case .object(let object):
                if let type = object["object_type"]?.stringValue {
                    if transformTypes.contains(type) { found.append(value) }
                } else {
                    for (_, member) in object { transforms(in: member, into: &found) }
                }
            default: break
            }
        }

        func check(_ value: JSONValue, _ inherited: Frame) {
            guard problem == nil else { return }
            switch value {
            case .array(let items):
                for (i, item) in items.enumerated() where item.isContainer {
                    stack.append(.index(i))
                    check(item, inherited)
                    stack.removeLast()
                }
            case .object(let object):
                guard let type = object["object_type"]?.stringValue else {
                    // A mapping: its values are walked with the same frame.
                    for (key, member) in object where member.isContainer {
                        stack.append(.key(key))
                        check(member, inherited)
                        stack.removeLast()
                    }
                    return
                }
                var frame = inherited
                if let system = present(object["global_coordinate_system"]) ?? present(object["coordinate_system"]) {
                    frame = Frame(name: system["name"]?.stringValue, axes: axisCount(system), local: nil)
                }
                if let local = present(object["local_coordinate_system"]) { frame.local = local }
                if frame.axes == nil, let local = frame.local {
                    frame.name = local["name"]?.stringValue
                    frame.axes = axisCount(local)
                }
                if transformTypes.contains(type) {
                    var n = frame.axes
                    if object["reference_coordinate_system"]?.stringValue == "local", let local = frame.local { n = axisCount(local) }
                    guard let n, n != 0 else {
                        fail("a coordinate system is required when a transform or coordinate is present (object_type: \(type))")
                        return
                    }
                    checkDimensions(value, n)
                    return
                }
                if object.keys.contains("coordinate_system_name") {
                    var found: [JSONValue] = []
                    for (key, member) in object where key != "object_type" { transforms(in: member, into: &found) }
                    if !found.isEmpty {
                        guard let name = frame.name, let n = frame.axes, !name.isEmpty, n != 0 else {
                            fail("a coordinate system is required when a transform or coordinate is present (object_type: \(type))")
                            return
                        }
                        let declared = object["coordinate_system_name"]?.stringValue
                        if declared != name {
                            fail("system name mismatch for \(type), expected \(name), found \(declared ?? "null")")
                            return
                        }
                        for transform in found { checkDimensions(transform, n) }
                        if problem != nil { return }
                    }
                }
                for (key, member) in object where member.isContainer && key != "object_type" {
                    if key == "dimensions" && object.keys.contains("dimensions_unit") { continue }
                    var fieldFrame = frame
                    if key == "local_axis_positions", let local = present(object["local_coordinate_system"]) {
                        fieldFrame.name = local["name"]?.stringValue
                        fieldFrame.axes = axisCount(local)
                    }
                    stack.append(.key(key))
                    check(member, fieldFrame)
                    stack.removeLast()
                }
            default: break
            }
        }
        check(doc, Frame())
        return problem.map { [$0] } ?? []
    }
}
