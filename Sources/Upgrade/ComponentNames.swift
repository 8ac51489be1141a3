import MetadataModel

extension Converter {
    /// The `object_type`s of biodata-schema 3.0.0's `Device` and `Assembly` models (and their subclasses): the
    /// components connections and configurations refer to by name. Listed from the package's model classes.
    static let addressableTypes: Set<String> = [
        "Additional imaging device", "Air puff device", "Arena", "Assembly", "Camera", "Camera assembly", "Catheter", "Computer", "DAQ device",
        "Detector", "Device", "Digital micromirror device", "Disc", "Enclosure", "Ephys assembly", "Ephys probe", "Fiber assembly",
        "Fiber patch cord", "Fiber probe", "Filter", "Harp device", "Lamp", "Laser", "Laser assembly", "Lens", "Lick spout",
        "Lick spout assembly", "Light assembly", "Light emitting diode", "Manipulator", "Microscope", "Monitor", "Motorized stage",
        "Myomatrix array", "Neuropixels basestation", "Objective", "Olfactometer", "Open ephys acquisition board",
        "Patch clamp ephys assembly", "Pockels cell", "Polygonal scanner", "Scanner", "Scanning stage", "Speaker", "Treadmill", "Tube", "Wheel",
    ]

    /// biodata-schema 3.0.0 refuses an instrument in which two top-level components, or two different devices or
    /// assemblies anywhere in its components, share a name (2.9.2 warned). Renaming one would be a guess: refused.
    mutating func checkComponentNames(_ instrument: JSONValue) {
        guard let components = instrument["components"]?.arrayValue else { return }
        var topLevel: [String: Int] = [:]
        for component in components {
            guard let type = component["object_type"]?.stringValue, Converter.addressableTypes.contains(type),
                let name = component["name"]?.stringValue, !name.isEmpty
            else { continue }
            topLevel[name, default: 0] += 1
        }
        var duplicates = Set(topLevel.filter { $0.value > 1 }.keys)
        var distinct: [String: [JSONValue]] = [:]
        var order: [String] = []
        func collect(_ value: JSONValue, depth: Int) {
            guard depth < 256 else { return }
            switch value {
            case .array(let items):
                for item in items { collect(item, depth: depth + 1) }
            case .object(let object):
                guard let type = object["object_type"]?.stringValue else { return }
                if Converter.addressableTypes.contains(type), let name = object["name"]?.stringValue {
                    if distinct[name] == nil { order.append(name) }
                    if !(distinct[name] ?? []).contains(value) { distinct[name, default: []].append(value) }
                }
                for (key, member) in object where key != "object_type" && member.isContainer { collect(member, depth: depth + 1) }
            default:
                return
            }
        }
        for component in components { collect(component, depth: 0) }
        for name in order where (distinct[name]?.count ?? 0) > 1 { duplicates.insert(name) }
        guard !duplicates.isEmpty else { return }
        let names = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
        problem(
            JSONPath([.key("components")]),
            "biodata-schema 3.0.0 refuses an instrument whose devices share a name (2.9.2 warned): \(names); renaming them is the author's choice: fix the 2.9.2 document")
    }
}
