import MetadataModel

/// biodata-schema 3.0.0's coordinate-frame rule on an upgraded document: every transform (`Translation`, `Rotation`,
/// `Scale`, `Affine`) has as many parameters as its frame has axes. The frame is the nearest enclosing
/// `global_coordinate_system` (or an atlas coordinate's `coordinate_system`); a transform marked
/// `reference_coordinate_system: local` uses the enclosing `local_coordinate_system`; `local_axis_positions` use
/// their device's local frame. aind-data-schema 2.9.2 checked transforms against the nearest frame of any kind, so a
/// 2.9.2 document can hold transforms 3.0.0 refuses:
/// - a square `Affine` (3×3 in a 3-axis frame) is written as 3.0.0's N×(N+1) with a zero translation column;
/// - with `transforms.local_frame`, a `global` translation or rotation sized for its device's local frame is marked
///   `local`;
/// - any other mismatch refuses the document, naming the transform and both sizes.
extension Converter {
    struct Frame {
        var name: String?
        var axes: Int
    }

    private static let transformTypes: Set<String> = ["Translation", "Rotation", "Scale", "Affine"]

    private static func frame(_ value: JSONValue?) -> Frame? {
        guard let value, case .object(let system) = value, let axes = system["axes"]?.arrayValue else { return nil }
        return Frame(name: system["name"]?.stringValue, axes: axes.count)
    }

    mutating func checkFrames(_ value: JSONValue, _ path: JSONPath, frame inherited: Frame?, local inheritedLocal: Frame?) -> JSONValue {
        switch value {
        case .array(let items):
            guard items.contains(where: \.isContainer) else { return value }
            var out = items
            for (i, item) in items.enumerated() where item.isContainer {
                out[i] = checkFrames(item, path.appending(index: i), frame: inherited, local: inheritedLocal)
            }
            return .array(out)
        case .object(var object):
            var frame = inherited
            var local = inheritedLocal
            if object["object_type"] != nil {
                if let own = Converter.frame(object["global_coordinate_system"]) ?? Converter.frame(object["coordinate_system"]) {
                    frame = own
                    local = nil
                }
                let ownLocal = Converter.frame(object["local_coordinate_system"])
                if let ownLocal { local = ownLocal }
                if frame == nil, let local { frame = local }
                if let type = object["object_type"]?.stringValue, Converter.transformTypes.contains(type) {
                    let reference = object["reference_coordinate_system"]?.stringValue ?? "global"
                    var size = frame
                    if reference == "local", let local { size = local }
                    guard let size else {
                        problem(path, "biodata-schema 3.0.0 requires a coordinate system for this \(type) and none encloses it")
                        return value
                    }
                    fitTransform(&object, type: type, frame: size, local: local, path)
                    return .object(object)
                }
                if object["coordinate_system_name"] != nil {
                    checkNamedSystem(&object, frame: frame, path)
                }
                for (key, member) in object where key != "object_type" && member.isContainer {
                    if key == "dimensions" && object["dimensions_unit"] != nil { continue }
                    var memberFrame = frame
                    if key == "local_axis_positions", let ownLocal { memberFrame = ownLocal }
                    object[key] = checkFrames(member, path.appending(key), frame: memberFrame, local: local)
                }
                return .object(object)
            }
            for (key, member) in object where member.isContainer {
                object[key] = checkFrames(member, path.appending(key), frame: frame, local: local)
            }
            return .object(object)
        default:
            return value
        }
    }

    /// An object with `coordinate_system_name` and transforms among its fields: the name must be its frame's.
    private mutating func checkNamedSystem(_ object: inout JSONObject, frame: Frame?, _ path: JSONPath) {
        var hasTransform = false
        for (_, member) in object where Converter.containsTransform(member, depth: 0) { hasTransform = true }
        guard hasTransform else { return }
        guard let frame else {
            problem(path, "biodata-schema 3.0.0 requires a coordinate system when a transform is present and none encloses this \(object["object_type"]?.stringValue ?? "object")")
            return
        }
        if let name = object["coordinate_system_name"]?.stringValue, name != frame.name {
            problem(path.appending("coordinate_system_name"), "\(name) is not the enclosing coordinate system (\(frame.name ?? "unnamed")); biodata-schema 3.0.0 requires it to be")
        }
    }

    private static func containsTransform(_ value: JSONValue, depth: Int) -> Bool {
        guard depth < 8 else { return false }
        switch value {
        case .object(let object):
            if let type = object["object_type"]?.stringValue { return transformTypes.contains(type) }
            return object.values.contains { containsTransform($0, depth: depth + 1) }
        case .array(let items):
            return items.contains { containsTransform($0, depth: depth + 1) }
        default:
            return false
        }
    }

    private mutating func fitTransform(_ object: inout JSONObject, type: String, frame: Frame, local: Frame?, _ path: JSONPath) {
        let axes = frame.axes
        if type == "Affine" {
            guard let rows = object["affine_transform"]?.arrayValue?.map({ $0.arrayValue ?? [] }) else { return }
            if (rows.count == axes || rows.count == axes + 1) && rows.allSatisfy({ $0.count == axes + 1 }) { return }
            if rows.count == axes && rows.allSatisfy({ $0.count == axes }) {
                let padded: [JSONValue] = rows.map { .array($0 + [.number(JSONNumber(0.0))]) }
                object["affine_transform"] = .array(padded)
                let at = path.appending("affine_transform")
                changes.append(
                    UpgradeChange(
                        path: at, action: .changed, from: at, to: at,
                        note: "a \(axes)×\(axes) matrix (2.9.2) written as biodata-schema 3.0.0's \(axes)×\(axes + 1) affine: the same map, with a zero translation column"))
                return
            }
            problem(path.appending("affine_transform"), "biodata-schema 3.0.0 requires an Affine in a \(axes)-axis frame (\(frame.name ?? "unnamed")) to be \(axes)×\(axes + 1) or \(axes + 1)×\(axes + 1); this one is \(rows.count)×\(rows.first?.count ?? 0)")
            return
        }
        let key = type == "Rotation" ? "angles" : type == "Scale" ? "scale" : "translation"
        guard let parameters = object[key]?.arrayValue, parameters.count != axes else { return }
        if settings.transformsLocalFrame, object["reference_coordinate_system"]?.stringValue == "global", let local, local.axes == parameters.count {
            object["reference_coordinate_system"] = "local"
            let at = path.appending("reference_coordinate_system")
            changes.append(
                UpgradeChange(
                    path: at, action: .changed, from: at, to: at,
                    note: "global → local: its \(parameters.count) values fit its device's local frame (\(local.name ?? "unnamed")), as 2.9.2 checked them, not the \(axes)-axis global frame (transforms.local_frame)"))
            return
        }
        var message = "biodata-schema 3.0.0 requires this \(type) to have \(axes) values, one per axis of \(frame.name ?? "its coordinate system"); it has \(parameters.count)"
        if let local, local.axes == parameters.count, object["reference_coordinate_system"] != nil {
            message += " (it fits its device's local frame \(local.name ?? ""): the setting transforms.local_frame: true marks it local)"
        }
        problem(path.appending(key), message)
    }
}
