import MapperKit
import Foundation

/// The FIP → Acquisition mapping shared by every fiber version; what differs between versions lives in
/// ``FiberConstants`` (from the version's config) and in the settings a version accepts. Values are built from the
/// version's aind-data-schema release (``ModelFactory``), so field order and defaults are the schema's.
struct FIPMapping {
    let constants: FiberConstants
    let input: FIPInput
    let models: ModelFactory

    /// Settings common to all versions, after a version has applied its own rules.
    struct Resolved {
        var implantedFibers: [Int]
        var intendedMeasurements: [String: FiberMeasurements]?
        var acquisitionType: String
        var ethicsReviewID: [String]?
    }

    func acquisition(_ settings: Resolved) throws(SchemaBuildError) -> JSONValue {
        // Earliest start and latest end over all streams (the first one on ties), swapped if out of order.
        var start = input.streams[0].start
        var end = input.streams[0].end
        for stream in input.streams.dropFirst() {
            if Timestamp.compareInstants(stream.start, start) == .orderedAscending { start = stream.start }
            if Timestamp.compareInstants(stream.end, end) == .orderedDescending { end = stream.end }
        }
        if Timestamp.compareInstants(start, end) == .orderedDescending { swap(&start, &end) }

        let rig = input.rig
        var connections: [JSONValue] = []
        for fiber in settings.implantedFibers {
            connections.append(try models.make("Connection", ["source_device": .string("Patch Cord \(fiber)"), "target_device": .string("Fiber \(fiber)")]))
        }
        let stream = try models.make(
            "DataStream",
            [
                "stream_start_time": .timestamp(start),
                "stream_end_time": .timestamp(end),
                "modalities": [try models.modality(constants.modality.abbreviation)],
                "code": try code() ?? .null,
                "active_devices": .strings(activeDevices(rig, settings.implantedFibers)),
                "configurations": .array(try configurations(rig, settings.implantedFibers, settings.intendedMeasurements)),
                "connections": .array(connections),
            ])
        return try models.document([
            "protocol_id": .strings(constants.protocolID),
            "subject_id": .string(input.subjectID),
            "acquisition_start_time": .timestamp(start),
            "acquisition_start_tz": start.derivedTimeZone,
            "acquisition_end_time": .timestamp(end),
            "experimenters": .strings(input.experimenters),
            "ethics_review_id": .strings(settings.ethicsReviewID),
            "instrument_id": .string(input.instrumentID),
            "acquisition_type": .string(settings.acquisitionType),
            "notes": .string(input.notes),
            "data_streams": [stream],
        ])
    }

    private func deviceName(_ key: String) -> String { constants.deviceNames[key] ?? key }

    private func code() throws(SchemaBuildError) -> JSONValue? {
        let version: String?
        switch constants.code.versionFrom {
        case "session.commit_hash": version = input.commitHash
        default: version = input.rigVersion
        }
        guard let version, !version.isEmpty else { return nil }
        let parameters: JSONValue = constants.code.recordAllowDirtyRepo ? ["allow_dirty_repo": .bool(input.allowDirtyRepo)] : .null
        return [
            try models.make(
                "Code", ["url": .string(constants.code.url), "name": .string(constants.code.name), "version": .string(version), "parameters": parameters])
        ]
    }

    private func activeDevices(_ rig: JSONObject, _ fibers: [Int]) -> [String] {
        var devices = rig.keys.filter { $0.hasPrefix("light_source_") }.map(deviceName)
        devices += rig.keys.filter { $0.hasPrefix("camera_") }.map(deviceName)
        for fiber in fibers {
            devices.append("Patch Cord \(fiber)")
            devices.append("Fiber \(fiber)")
        }
        if let name = rig[constants.controllerKey]?["name"]?.stringValue, !name.isEmpty {
            devices.append(name)
        }
        return devices
    }

    /// Exposure time in microseconds: the first light source's `task.delta_1` that is a positive number.
    /// `nil` when no light source has one (the version's default applies).
    func measuredExposureTimeMicroseconds(_ rig: JSONObject) -> Double? {
        for (key, value) in rig where key.hasPrefix("light_source_") {
            if let delta = value["task"]?["delta_1"]?.numberValue, delta.doubleValue > 0 {
                return delta.doubleValue
            }
        }
        return nil
    }

    private func wavelength(ofLightSource key: String) -> Int? {
        let suffix = String(key.dropFirst("light_source_".count)).lowercased()
        return constants.excitationWavelengths.first { suffix.contains($0.keyword.lowercased()) }?.nanometer
    }

    /// Camera device names by camera type (`green`, `red`), from the ROI settings' `<camera key>_roi` keys.
    private func cameraNames(_ roi: JSONObject) -> [String: String] {
        let k = constants.roiKeywords
        var names: [String: String] = [:]
        for key in roi.keys where key.contains(k.roi) && !key.contains(k.background) {
            let cameraKey = key.replacingEvery(k.roi, with: "")
            let type: String
            if k.green.contains(where: { cameraKey.contains($0) }) {
                type = "green"
            } else if k.red.contains(where: { cameraKey.contains($0) }) {
                type = "red"
            } else {
                continue
            }
            names[type] = deviceName(cameraKey)
        }
        return names
    }

    private func configurations(_ rig: JSONObject, _ fibers: [Int], _ measurements: [String: FiberMeasurements]?) throws(SchemaBuildError) -> [JSONValue] {
        var configurations: [JSONValue] = []
        let exposureMilliseconds = (measuredExposureTimeMicroseconds(rig) ?? constants.defaultExposureTimeMicroseconds) / 1000

        var ledsByWavelength: [Int: JSONValue] = [:]
        for (key, value) in rig where key.hasPrefix("light_source_") {
            let power: Double?
            switch value["power"] {
            case .none: power = constants.defaultLEDPower
            case .some(.number(let n)): power = n.doubleValue
            default: power = nil
            }
            let led = try models.make(
                "LightEmittingDiodeConfig", ["device_name": .string(deviceName(key)), "power": .float(power), "power_unit": .string(constants.ledPowerUnit)])
            configurations.append(led)
            if let nm = wavelength(ofLightSource: key) { ledsByWavelength[nm] = led }
        }

        guard let roi = rig["roi_settings"]?.objectValue, !roi.isEmpty else { return configurations }
        let cameras = cameraNames(roi)
        for fiber in fibers {
            let fiberMeasurements = measurements?["Fiber_\(fiber)"]
            var channels: [JSONValue] = []
            for definition in constants.channels {
                guard let camera = cameras[definition.camera] else { continue }
                let measurement = fiberMeasurements?[definition.measurementKey] ?? nil
                let detector = try models.make(
                    "DetectorConfig",
                    [
                        "device_name": .string(camera), "exposure_time": .float(exposureMilliseconds),
                        "exposure_time_unit": .string(constants.exposureTimeUnit), "trigger_type": .string(constants.triggerType),
                    ])
                channels.append(
                    try models.make(
                        "Channel",
                        [
                            "channel_name": .string("Fiber_\(fiber)_\(definition.name)"),
                            "intended_measurement": .string(measurement),
                            "detector": detector,
                            "light_sources": .array(ledsByWavelength[definition.excitationNanometer].map { [$0] } ?? []),
                            "excitation_filters": [],
                            "emission_filters": [],
                            "emission_wavelength": .int(definition.emissionNanometer),
                            "emission_wavelength_unit": .string(constants.emissionWavelengthUnit),
                        ]))
            }
            if !channels.isEmpty {
                configurations.append(try models.make("PatchCordConfig", ["device_name": .string("Patch Cord \(fiber)"), "channels": .array(channels)]))
            }
        }
        return configurations
    }
}

/// Implanted fibers from an aind-data-schema `procedures.json`: Surgery → Probe implant → Fiber probe `Fiber_N`.
enum ProceduresReader {
    /// Sorted, de-duplicated fiber indices; empty when the procedures name no fiber probe.
    static func implantedFibers(_ procedures: JSONValue, file: String) throws(DiagnosticError) -> [Int] {
        var c = DiagnosticCollector()
        var indices = Set<Int>()
        let root = JSONPath.root.appending("subject_procedures")
        for (i, subjectProcedure) in (procedures["subject_procedures"]?.arrayValue ?? []).enumerated() {
            guard subjectProcedure["object_type"]?.stringValue == "Surgery" else { continue }
            let surgeryPath = root.appending(index: i).appending("procedures")
            for (j, procedure) in (subjectProcedure["procedures"]?.arrayValue ?? []).enumerated() {
                guard procedure["object_type"]?.stringValue == "Probe implant",
                    let device = procedure["implanted_device"], device["object_type"]?.stringValue == "Fiber probe"
                else { continue }
                let namePath = surgeryPath.appending(index: j).appending("implanted_device").appending("name")
                let name = device["name"]?.stringValue ?? ""
                // As the reference: the text between the first and second '_' is the index ("Fiber_2" → 2).
                let parts = name.split(separator: "_", omittingEmptySubsequences: false)
                guard name.hasPrefix("Fiber_"), parts.count > 1, let index = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
                    c.error("invalid fiber name '\(name)'; expected 'Fiber_<index>' (e.g. 'Fiber_0')", at: SourceLocation(file: file, jsonPath: namePath))
                    continue
                }
                indices.insert(index)
            }
        }
        try c.check()
        return indices.sorted()
    }
}
