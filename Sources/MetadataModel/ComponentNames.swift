extension JSONValue {
    /// Every `name` of an aind-data-schema model object (one with `object_type`) found in this value, depth first,
    /// as aind-data-schema's `recursive_get_all_names` collects them (the deprecated `coordinate_system` is skipped
    /// where a `local_coordinate_system` or `global_coordinate_system` is present).
    public var modelNames: [String] {
        var names: [String] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .array(let items): items.forEach(walk)
            case .object(let object):
                guard object["object_type"] != nil else { return }
                if let name = object["name"]?.stringValue { names.append(name) }
                let hasNewCoordinateSystem = object["local_coordinate_system"] != nil || object["global_coordinate_system"] != nil
                for (key, member) in object where member.isContainer && !(key == "coordinate_system" && hasNewCoordinateSystem) {
                    walk(member)
                }
            default: break
            }
        }
        walk(self)
        return names
    }

    /// `Instrument.get_component_names()`: the names of all components (recursing into assemblies) plus the
    /// instrument id.
    public var instrumentComponentNames: [String] {
        var names = self["components"]?.modelNames ?? []
        if let id = self["instrument_id"]?.stringValue { names.append(id) }
        return names
    }
}
