import MapperKit

/// The photometry rig's instrument (fiber@1.4.0 with `settings.instrument`), equal to what aind-metadata-mapper
/// 1.4.0's `create_instrument(instrument_id, location, computer_name, detector serials, objective_serial)` returns,
/// except `modification_date`: the session's date, never the day of mapping.
enum FIPInstrument {
    static func build(
        _ settings: FiberInstrumentSettings, constants: FiberConstants, fip: FIPInput, document: JSONValue, input: MapperInput, context: MapperContext
    ) throws(DiagnosticError) -> JSONValue {
        guard let spec = constants.instrument else {
            throw DiagnosticError("\(input.display(input.mainPath)): this fiber version has no instrument description (settings.instrument is not supported)")
        }
        let main = input.mainPath
        var problems = DiagnosticCollector()
        let rig = fip.rig
        let computer = rig["computer_name"]?.stringValue
        if computer?.isEmpty ?? true {
            problems.error("the rig has no computer_name for the instrument's computer", at: input.location(main, jsonPath: JSONPath([.key("rig"), .key("computer_name")])))
        }
        func detector(_ color: String, _ given: String?) -> String? {
            if let given { return given }
            let key = spec.cameraKeys[color] ?? ""
            if let serial = rig[key]?["serial_number"]?.stringValue { return serial }
            problems.error(
                "no serial number for the \(color) detector: the rig's \(key) has none; set settings.instrument.detector_serials.\(color)",
                at: input.location(main, jsonPath: JSONPath([.key("rig"), .key(key), .key("serial_number")])))
            return nil
        }
        let green = detector("green", settings.detectorSerials?.green)
        let red = detector("red", settings.detectorSerials?.red)
        if settings.objectiveSerial?.isEmpty ?? true {
            problems.error("settings.instrument.objective_serial is required to describe the rig's objective")
        }
        // The session's date (as written); else the earliest stream start's.
        var date = fip.streams.map(\.start).min { Timestamp.compareInstants($0, $1) == .orderedAscending }?.isoDate
        if let text = document["session"]?["date"]?.stringValue, let session = try? Timestamp(parsing: text) { date = session.isoDate }
        try problems.check()

        let models = try context.models(.instrument)
        let substitutions: [String: JSONValue] = [
            "computer": .string(computer), "detector_green": .string(green), "detector_red": .string(red), "objective": .string(settings.objectiveSerial),
        ]
        do {
            let coordinateSystem = try models.build(spec: spec.coordinateSystem.value)
            var components: [JSONValue] = []
            for component in spec.components { components.append(try models.build(spec: component.value, substitutions: substitutions)) }
            var connections: [JSONValue] = []
            for connection in spec.connections {
                connections.append(try models.build(spec: ["definition": "Connection", "fields": connection.value], substitutions: substitutions))
            }
            let location = settings.location.flatMap { $0.isEmpty ? nil : $0 }
            return try models.document([
                "location": .string(location),
                "instrument_id": .string(fip.instrumentID),
                "modification_date": .string(date),
                "modalities": [try models.modality(spec.modality)],
                "calibrations": [],
                // The reference passes its coordinate system as the deprecated `coordinate_system`, which pydantic
                // also copies to `global_coordinate_system`: both are written.
                "coordinate_system": coordinateSystem,
                "global_coordinate_system": coordinateSystem,
                "connections": .array(connections),
                "components": .array(components),
            ])
        } catch {
            throw DiagnosticError(error)
        }
    }
}
