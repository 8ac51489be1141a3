/// A typed piece of an aind-data-schema document that writes itself in the reference field order.
public protocol JSONRepresentable: Sendable {
    /// The value in aind-data-schema 2.9.2 field order, defaults written out as pydantic writes them.
    var jsonValue: JSONValue { get }
}

extension Array: JSONRepresentable where Element: JSONRepresentable {
    public var jsonValue: JSONValue { .array(map(\.jsonValue)) }
}

/// aind-data-schema versions these builders follow.
public enum SchemaVersions {
    /// The aind-data-schema package release.
    public static let package = "2.9.2"
    /// `Acquisition.schema_version`.
    public static let acquisition = "2.5.4"
    /// `Instrument.schema_version`.
    public static let instrument = "2.2.8"
}

/// A modality, as `aind_data_schema_models.modalities.Modality` writes it (`{"name", "abbreviation"}`).
public struct Modality: JSONRepresentable, Hashable {
    public let name: String
    public let abbreviation: String

    public init(name: String, abbreviation: String) {
        self.name = name
        self.abbreviation = abbreviation
    }

    public static let fiberPhotometry = Modality(name: "Fiber photometry", abbreviation: "fib")
    public static let behavior = Modality(name: "Behavior", abbreviation: "behavior")
    public static let behaviorVideos = Modality(name: "Behavior videos", abbreviation: "behavior-videos")
    public static let ecephys = Modality(name: "Extracellular electrophysiology", abbreviation: "ecephys")
    public static let spim = Modality(name: "Selective plane illumination microscopy", abbreviation: "SPIM")

    public var jsonValue: JSONValue { ["name": .string(name), "abbreviation": .string(abbreviation)] }
}

/// `Code` (aind_data_schema.components.identifiers).
public struct Code: JSONRepresentable {
    public var url: String
    public var name: String?
    public var version: String?
    public var commitHash: String?
    public var container: JSONValue = .null
    public var runScript: String?
    public var language: String?
    public var languageVersion: String?
    public var inputData: JSONValue = .null
    public var parameters: JSONValue = .null
    public var coreDependency: JSONValue = .null

    public init(url: String, name: String? = nil, version: String? = nil, commitHash: String? = nil, parameters: JSONValue = .null) {
        self.url = url
        self.name = name
        self.version = version
        self.commitHash = commitHash
        self.parameters = parameters
    }

    public var jsonValue: JSONValue {
        [
            "object_type": "Code",
            "url": .string(url),
            "name": .string(name),
            "version": .string(version),
            "commit_hash": .string(commitHash),
            "container": container,
            "run_script": .string(runScript),
            "language": .string(language),
            "language_version": .string(languageVersion),
            "input_data": inputData,
            "parameters": parameters,
            "core_dependency": coreDependency,
        ]
    }
}

/// `Connection` (aind_data_schema.components.connections).
public struct Connection: JSONRepresentable {
    public var sourceDevice: String
    public var sourcePort: String?
    public var targetDevice: String
    public var targetPort: String?
    public var sendAndReceive: Bool

    public init(sourceDevice: String, sourcePort: String? = nil, targetDevice: String, targetPort: String? = nil, sendAndReceive: Bool = false) {
        self.sourceDevice = sourceDevice
        self.sourcePort = sourcePort
        self.targetDevice = targetDevice
        self.targetPort = targetPort
        self.sendAndReceive = sendAndReceive
    }

    public var jsonValue: JSONValue {
        [
            "object_type": "Connection",
            "source_device": .string(sourceDevice),
            "source_port": .string(sourcePort),
            "target_device": .string(targetDevice),
            "target_port": .string(targetPort),
            "send_and_receive": .bool(sendAndReceive),
        ]
    }
}

/// `LightEmittingDiodeConfig` (aind_data_schema.components.configs).
public struct LightEmittingDiodeConfig: JSONRepresentable {
    public var deviceName: String
    public var power: Double?
    /// A `PowerUnit` value, e.g. `percent`, `milliwatt`.
    public var powerUnit: String?
    public var powerMeasuredAt: String?

    public init(deviceName: String, power: Double? = nil, powerUnit: String? = nil, powerMeasuredAt: String? = nil) {
        self.deviceName = deviceName
        self.power = power
        self.powerUnit = powerUnit
        self.powerMeasuredAt = powerMeasuredAt
    }

    public var jsonValue: JSONValue {
        [
            "object_type": "Light emitting diode config",
            "device_name": .string(deviceName),
            "power": .float(power),
            "power_unit": .string(powerUnit),
            "power_measured_at": .string(powerMeasuredAt),
        ]
    }
}

/// `DetectorConfig` (aind_data_schema.components.configs).
public struct DetectorConfig: JSONRepresentable {
    public var deviceName: String
    public var exposureTime: Double?
    public var exposureTimeUnit: String = "millisecond"
    /// A `TriggerType` value: `Internal` or `External`.
    public var triggerType: String
    public var compression: JSONValue = .null
    public var cropOffsetX: Int?
    public var cropOffsetY: Int?
    public var cropWidth: Int?
    public var cropHeight: Int?
    public var cropUnit: String = "pixel"

    public init(deviceName: String, exposureTime: Double? = nil, exposureTimeUnit: String = "millisecond", triggerType: String) {
        self.deviceName = deviceName
        self.exposureTime = exposureTime
        self.exposureTimeUnit = exposureTimeUnit
        self.triggerType = triggerType
    }

    public var jsonValue: JSONValue {
        [
            "object_type": "Detector config",
            "device_name": .string(deviceName),
            "exposure_time": .float(exposureTime),
            "exposure_time_unit": .string(exposureTimeUnit),
            "trigger_type": .string(triggerType),
            "compression": compression,
            "crop_offset_x": .int(cropOffsetX),
            "crop_offset_y": .int(cropOffsetY),
            "crop_width": .int(cropWidth),
            "crop_height": .int(cropHeight),
            "crop_unit": .string(cropUnit),
        ]
    }
}

/// `Channel` (aind_data_schema.components.configs).
public struct Channel: JSONRepresentable {
    public var channelName: String
    public var intendedMeasurement: String?
    public var detector: DetectorConfig
    public var additionalDeviceNames: [String]?
    public var lightSources: [JSONValue] = []
    public var variablePower: Bool = false
    public var excitationFilters: [JSONValue]?
    public var emissionFilters: [JSONValue]?
    public var emissionWavelength: Int?
    public var emissionWavelengthUnit: String?

    public init(
        channelName: String, intendedMeasurement: String? = nil, detector: DetectorConfig,
        lightSources: [JSONValue] = [], excitationFilters: [JSONValue]? = nil, emissionFilters: [JSONValue]? = nil,
        emissionWavelength: Int? = nil, emissionWavelengthUnit: String? = nil
    ) {
        self.channelName = channelName
        self.intendedMeasurement = intendedMeasurement
        self.detector = detector
        self.lightSources = lightSources
        self.excitationFilters = excitationFilters
        self.emissionFilters = emissionFilters
        self.emissionWavelength = emissionWavelength
        self.emissionWavelengthUnit = emissionWavelengthUnit
    }

    public var jsonValue: JSONValue {
        [
            "object_type": "Channel",
            "channel_name": .string(channelName),
            "intended_measurement": .string(intendedMeasurement),
            "detector": detector.jsonValue,
            "additional_device_names": .strings(additionalDeviceNames),
            "light_sources": .array(lightSources),
            "variable_power": .bool(variablePower),
            "excitation_filters": excitationFilters.map(JSONValue.array) ?? .null,
            "emission_filters": emissionFilters.map(JSONValue.array) ?? .null,
            "emission_wavelength": .int(emissionWavelength),
            "emission_wavelength_unit": .string(emissionWavelengthUnit),
        ]
    }
}

/// `PatchCordConfig` (aind_data_schema.components.configs).
public struct PatchCordConfig: JSONRepresentable {
    public var deviceName: String
    public var channels: [Channel]

    public init(deviceName: String, channels: [Channel]) {
        self.deviceName = deviceName
        self.channels = channels
    }

    public var jsonValue: JSONValue {
        ["object_type": "Patch cord config", "device_name": .string(deviceName), "channels": channels.jsonValue]
    }
}

/// `DataStream` (aind_data_schema.core.acquisition).
public struct DataStream: JSONRepresentable {
    public var streamStartTime: Timestamp
    public var streamEndTime: Timestamp
    public var modalities: [Modality]
    public var code: [Code]?
    public var notes: String?
    public var activeDevices: [String]
    /// Device configurations of any type (typed builders' `jsonValue`s or pass-through values).
    public var configurations: [JSONValue]
    public var connections: [Connection] = []

    public init(
        streamStartTime: Timestamp, streamEndTime: Timestamp, modalities: [Modality], code: [Code]? = nil,
        notes: String? = nil, activeDevices: [String], configurations: [JSONValue], connections: [Connection] = []
    ) {
        self.streamStartTime = streamStartTime
        self.streamEndTime = streamEndTime
        self.modalities = modalities
        self.code = code
        self.notes = notes
        self.activeDevices = activeDevices
        self.configurations = configurations
        self.connections = connections
    }

    public var jsonValue: JSONValue {
        [
            "object_type": "Data stream",
            "stream_start_time": .timestamp(streamStartTime),
            "stream_end_time": .timestamp(streamEndTime),
            "modalities": modalities.jsonValue,
            "code": code?.jsonValue ?? .null,
            "notes": .string(notes),
            "active_devices": .strings(activeDevices),
            "configurations": .array(configurations),
            "connections": connections.jsonValue,
        ]
    }
}

/// `Acquisition` (aind_data_schema.core.acquisition, schema 2.5.4).
public struct Acquisition: JSONRepresentable {
    public var protocolID: [String]?
    public var subjectID: String
    public var specimenID: String?
    public var acquisitionStartTime: Timestamp
    /// `nil` derives it from ``acquisitionStartTime`` as aind-data-schema's validator does.
    public var acquisitionStartTZ: JSONValue?
    public var acquisitionEndTime: Timestamp
    public var experimenters: [String] = []
    public var ethicsReviewID: [String]?
    public var instrumentID: String?
    public var acquisitionType: String
    public var notes: String?
    public var coordinateSystem: JSONValue = .null
    public var globalCoordinateSystem: JSONValue = .null
    public var calibrations: [JSONValue] = []
    public var maintenance: [JSONValue] = []
    public var dataStreams: [DataStream]
    public var stimulusEpochs: [JSONValue] = []
    public var manipulations: [JSONValue] = []
    public var subjectDetails: JSONValue = .null

    public init(
        subjectID: String, acquisitionStartTime: Timestamp, acquisitionEndTime: Timestamp, acquisitionType: String,
        dataStreams: [DataStream]
    ) {
        self.subjectID = subjectID
        self.acquisitionStartTime = acquisitionStartTime
        self.acquisitionEndTime = acquisitionEndTime
        self.acquisitionType = acquisitionType
        self.dataStreams = dataStreams
    }

    public var jsonValue: JSONValue {
        [
            "object_type": "Acquisition",
            "describedBy": "https://raw.githubusercontent.com/AllenNeuralDynamics/aind-data-schema/main/src/aind_data_schema/core/acquisition.py",
            "schema_version": .string(SchemaVersions.acquisition),
            "protocol_id": .strings(protocolID),
            "subject_id": .string(subjectID),
            "specimen_id": .string(specimenID),
            "acquisition_start_time": .timestamp(acquisitionStartTime),
            "acquisition_start_tz": acquisitionStartTZ ?? acquisitionStartTime.derivedTimeZone,
            "acquisition_end_time": .timestamp(acquisitionEndTime),
            "experimenters": .strings(experimenters),
            "ethics_review_id": .strings(ethicsReviewID),
            "instrument_id": .string(instrumentID),
            "acquisition_type": .string(acquisitionType),
            "notes": .string(notes),
            "coordinate_system": coordinateSystem,
            "global_coordinate_system": globalCoordinateSystem,
            "calibrations": .array(calibrations),
            "maintenance": .array(maintenance),
            "data_streams": dataStreams.jsonValue,
            "stimulus_epochs": .array(stimulusEpochs),
            "manipulations": .array(manipulations),
            "subject_details": subjectDetails,
        ]
    }
}
