import MapperKit

/// What a fiber mapper version fixes: the `constants:` section of `MapperConfigs/fiber/<version>.yaml`.
public struct FiberConstants: Decodable, Sendable {
    public struct ModalityConstant: Decodable, Sendable {
        public var name: String
        public var abbreviation: String
    }

    public struct ExcitationWavelength: Decodable, Sendable {
        public var keyword: String
        public var nanometer: Int
    }

    public struct ChannelDefinition: Decodable, Sendable {
        /// `Green`, `Isosbestic`, `Red`: the channel name is `Fiber_<n>_<name>`.
        public var name: String
        /// Key in `intended_measurements.Fiber_<n>`: `G`, `Iso`, `R`.
        public var measurementKey: String
        public var excitationNanometer: Int
        /// `green` or `red`: which camera records the channel.
        public var camera: String
        public var emissionNanometer: Int

        enum CodingKeys: String, CodingKey {
            case name, camera
            case measurementKey = "measurement_key"
            case excitationNanometer = "excitation_nanometer"
            case emissionNanometer = "emission_nanometer"
        }
    }

    public struct ROIKeywords: Decodable, Sendable {
        public var roi: String
        public var background: String
        public var green: [String]
        public var red: [String]
    }

    public struct CodeConstant: Decodable, Sendable {
        public var url: String
        public var name: String?
        /// `rig.version` or `session.commit_hash`: where the code version is read.
        public var versionFrom: String
        /// Whether `parameters` records `{"allow_dirty_repo": …}` from the session.
        public var recordAllowDirtyRepo: Bool

        enum CodingKeys: String, CodingKey {
            case url, name
            case versionFrom = "version_from"
            case recordAllowDirtyRepo = "record_allow_dirty_repo"
        }
    }

    public var modality: ModalityConstant
    public var deviceNames: [String: String]
    public var excitationWavelengths: [ExcitationWavelength]
    public var channels: [ChannelDefinition]
    public var roiKeywords: ROIKeywords
    public var defaultLEDPower: Double
    public var ledPowerUnit: String
    public var defaultExposureTimeMicroseconds: Double
    public var exposureTimeUnit: String
    public var triggerType: String
    public var emissionWavelengthUnit: String
    public var controllerKey: String
    public var code: CodeConstant
    public var protocolID: [String]?
    /// Fixed acquisition type (1.0.0); `nil` when the version takes it from settings.
    public var acquisitionType: String?
    /// Fixed ethics review ids (1.0.0); `nil` when the version takes them from settings.
    public var ethicsReviewID: [String]?
    /// Refuse a session that carries `ethics_review_id` (1.0.0).
    public var rejectSessionEthicsReviewID: Bool
    /// The photometry rig's instrument (1.4.0), written when the job asks for it.
    public var instrument: FiberInstrumentConstants?

    enum CodingKeys: String, CodingKey {
        case modality, channels, code
        case deviceNames = "device_names"
        case excitationWavelengths = "excitation_wavelengths"
        case roiKeywords = "roi_keywords"
        case defaultLEDPower = "default_led_power"
        case ledPowerUnit = "led_power_unit"
        case defaultExposureTimeMicroseconds = "default_exposure_time_microseconds"
        case exposureTimeUnit = "exposure_time_unit"
        case triggerType = "trigger_type"
        case emissionWavelengthUnit = "emission_wavelength_unit"
        case controllerKey = "controller_key"
        case protocolID = "protocol_id"
        case acquisitionType = "acquisition_type"
        case ethicsReviewID = "ethics_review_id"
        case rejectSessionEthicsReviewID = "reject_session_ethics_review_id"
        case instrument
    }
}

/// The FIP rig's instrument as aind-metadata-mapper 1.4.0's `create_instrument` builds it: device specifications
/// (`{definition, fields}`, built from the schema) with `$computer`, `$detector_green`, `$detector_red` and
/// `$objective` filled in per rig.
public struct FiberInstrumentConstants: Decodable, Sendable {
    public var modality: String
    /// `green`/`red` → the rig key of the camera whose serial number is the detector's default.
    public var cameraKeys: [String: String]
    public var coordinateSystem: ConfigJSON
    public var components: [ConfigJSON]
    /// `Connection` fields.
    public var connections: [ConfigJSON]

    enum CodingKeys: String, CodingKey {
        case modality, components, connections
        case cameraKeys = "camera_keys"
        case coordinateSystem = "coordinate_system"
    }
}

/// `settings.instrument` of fiber@1.4.0: write `instrument_fiber.json` for the rig.
public struct FiberInstrumentSettings: Decodable, Sendable {
    public struct DetectorSerials: Decodable, Sendable {
        public var green: String?
        public var red: String?
    }

    public var location: String?
    public var objectiveSerial: String?
    /// Default: the rig's camera serial numbers.
    public var detectorSerials: DetectorSerials?

    enum CodingKeys: String, CodingKey {
        case location
        case objectiveSerial = "objective_serial"
        case detectorSerials = "detector_serials"
    }
}

/// Intended measurements of one fiber, by channel key (`R`, `G`, `B`, `Iso`); a `nil` value is "none".
public typealias FiberMeasurements = [String: String?]

/// Job settings of fiber@1.0.0 (`mappers.fiber.settings`).
public struct FiberSettingsV1_0: Decodable, Sendable {
    /// Implanted fiber indices, in the order patch cords are listed; `nil` reads `procedures.json`.
    public var implantedFibers: [Int]?
    /// `{Fiber_N: {R, G, B, Iso}}`.
    public var intendedMeasurements: [String: FiberMeasurements]?

    enum CodingKeys: String, CodingKey {
        case implantedFibers = "implanted_fibers"
        case intendedMeasurements = "intended_measurements"
    }
}

/// Job settings of fiber@1.4.0 (`mappers.fiber.settings`).
public struct FiberSettingsV1_4: Decodable, Sendable {
    public var implantedFibers: [Int]?
    public var intendedMeasurements: [String: FiberMeasurements]?
    /// Written as is; an empty string when unset (filled by a later merge).
    public var acquisitionType: String?
    /// IACUC protocol number(s), written as given.
    public var ethicsReviewID: [String]?
    /// When set, the rig's instrument is written too (`instrument_fiber.json`).
    public var instrument: FiberInstrumentSettings?

    enum CodingKeys: String, CodingKey {
        case instrument
        case implantedFibers = "implanted_fibers"
        case intendedMeasurements = "intended_measurements"
        case acquisitionType = "acquisition_type"
        case ethicsReviewID = "ethics_review_id"
    }
}
