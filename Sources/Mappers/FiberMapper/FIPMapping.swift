import Foundation
import MetadataModel
import RigMapperCore

/// The FIP → Acquisition mapping shared by every fiber version; what differs between versions lives in
/// ``FiberConstants`` (from the version's config) and in the settings a version accepts.
struct FIPMapping {
    let constants: FiberConstants
    let input: FIPInput

    /// Settings common to all versions, after a version has applied its own rules.
    struct Resolved {
        var implantedFibers: [Int]
        var intendedMeasurements: [String: FiberMeasurements]?
        var acquisitionType: String
        var ethicsReviewID: [String]?
    }

    func acquisition(_ settings: Resolved) -> Acquisition {
        // Earliest start and latest end over all streams (the first one on ties), swapped if out of order.
        var start = input.streams[0].start
        var end = input.streams[0].end
        for stream in input.streams.dropFirst() {
            if Timestamp.compareInstants(stream.start, start) == .orderedAscending { start = stream.start }
            if Timestamp.compareInstants(stream.end, end) == .orderedDescending { end = stream.end }
        }
        if Timestamp.compareInstants(start, end) == .orderedDescending { swap(&start, &end) }

        let rig = input.rig
        let stream = DataStream(
            streamStartTime: start, streamEndTime: end,
            modalities: [Modality(name: constants.modality.name, abbreviation: constants.modality.abbreviation)],
            code: code(),
            activeDevices: activeDevices(rig, settings.implantedFibers),
            configurations: configurations(rig, settings.implantedFibers, settings.intendedMeasurements),
            connections: settings.implantedFibers.map { Connection(sourceDevice: "Patch Cord \($0)", targetDevice: "Fiber \($0)") })

        var acquisition = Acquisition(
            subjectID: input.subjectID, acquisitionStartTime: start, acquisitionEndTime: end,
            acquisitionType: settings.acquisitionType, dataStreams: [stream])
        acquisition.protocolID = constants.protocolID
        acquisition.experimenters = input.experimenters
        acquisition.ethicsReviewID = settings.ethicsReviewID
        acquisition.instrumentID = input.instrumentID
        acquisition.notes = input.notes
        return acquisition
    }

    private func deviceName(_ key: String) -> String { constants.deviceNames[key] ?? key }

    private func code() -> [Code]? {
        let version: String?
        switch constants.code.versionFrom {
        case "session.commit_hash": version = input.commitHash
        default: version = input.rigVersion
        }
        guard let version, !version.isEmpty else { return nil }
        let parameters: JSONValue = constants.code.recordAllowDirtyRepo ? ["allow_dirty_repo": .bool(input.allowDirtyRepo)] : .null
        return [Code(url: constants.code.url, name: constants.code.name, version: version, parameters: parameters)]
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
            let cameraKey = key.replacingOccurrences(of: k.roi, with: "")
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

    private func configurations(_ rig: JSONObject, _ fibers: [Int], _ measurements: [String: FiberMeasurements]?) -> [JSONValue] {
        var configurations: [JSONValue] = []
        let exposureMilliseconds = (measuredExposureTimeMicroseconds(rig) ?? constants.defaultExposureTimeMicroseconds) / 1000

        var ledsByWavelength: [Int: LightEmittingDiodeConfig] = [:]
        for (key, value) in rig where key.hasPrefix("light_source_") {
            let power: Double?
            switch value["power"] {
            case .none: power = constants.defaultLEDPower
            case .some(.number(let n)): power = n.doubleValue
            default: power = nil
            }
            let led = LightEmittingDiodeConfig(deviceName: deviceName(key), power: power, powerUnit: constants.ledPowerUnit)
            configurations.append(led.jsonValue)
            if let nm = wavelength(ofLightSource: key) { ledsByWavelength[nm] = led }
        }

        guard let roi = rig["roi_settings"]?.objectValue, !roi.isEmpty else { return configurations }
        let cameras = cameraNames(roi)
        for fiber in fibers {
            let fiberMeasurements = measurements?["Fiber_\(fiber)"]
            var channels: [Channel] = []
            for definition in constants.channels {
                guard let camera = cameras[definition.camera] else { continue }
                let measurement = fiberMeasurements?[definition.measurementKey] ?? nil
                let detector = DetectorConfig(
                    deviceName: camera, exposureTime: exposureMilliseconds, exposureTimeUnit: constants.exposureTimeUnit,
                    triggerType: constants.triggerType)
                channels.append(
                    Channel(
                        channelName: "Fiber_\(fiber)_\(definition.name)", intendedMeasurement: measurement, detector: detector,
                        lightSources: ledsByWavelength[definition.excitationNanometer].map { [$0.jsonValue] } ?? [],
                        excitationFilters: [], emissionFilters: [], emissionWavelength: definition.emissionNanometer,
                        emissionWavelengthUnit: constants.emissionWavelengthUnit))
            }
            if !channels.isEmpty {
                configurations.append(PatchCordConfig(deviceName: "Patch Cord \(fiber)", channels: channels).jsonValue)
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
