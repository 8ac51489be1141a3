import MapperKit
import Foundation

/// What spim@1.0.0 fixes: the `constants:` section of `MapperConfigs/spim/1.0.0.yaml`.
public struct SpimConstants: Decodable, Sendable {
    public struct MediumRule: Decodable, Sendable {
        public var contains: String
        public var medium: String
    }

    public struct Direction: Decodable, Sendable {
        public var direction: String
        public var letter: String
    }

    public var acquisitionType: String
    public var metadataFile: String
    public var asiLogFile: String
    public var channelRoot: String
    public var positionDivisor: Double
    public var codeName: String
    public var exposureTimeUnit: String
    public var triggerType: String
    /// Tile `Side` values in light-source order (left, right).
    public var sides: [String]
    public var streamNotes: String
    public var calibratedStreamNotes: String
    public var laserName: String
    public var emissionFilterName: String
    public var immersionMedia: [MediumRule]
    /// Lower-cased direction text → axis direction and the letter of its positive end.
    public var directions: [String: Direction]

    enum CodingKeys: String, CodingKey {
        case sides, directions
        case acquisitionType = "acquisition_type"
        case metadataFile = "metadata_file"
        case asiLogFile = "asi_log_file"
        case channelRoot = "channel_root"
        case positionDivisor = "position_divisor"
        case codeName = "code_name"
        case exposureTimeUnit = "exposure_time_unit"
        case triggerType = "trigger_type"
        case streamNotes = "stream_notes"
        case calibratedStreamNotes = "calibrated_stream_notes"
        case laserName = "laser_name"
        case emissionFilterName = "emission_filter_name"
        case immersionMedia = "immersion_media"
    }
}

/// Job settings of spim@1.0.0 (`mappers.spim.settings`): what the raw files do not say (SPEC §7).
public struct SpimSettings: Decodable, Sendable {
    public struct Immersion: Decodable, Sendable {
        public var medium: String
        public var refractiveIndex: Double

        enum CodingKeys: String, CodingKey {
            case medium
            case refractiveIndex = "refractive_index"
        }
    }

    public var specimenID: String?
    public var instrumentID: String?
    public var experimenters: [String]?
    public var protocolID: [String]?
    public var chamberImmersion: Immersion?
    public var sampleImmersion: Immersion?
    public var xDirection: String
    public var yDirection: String
    public var zDirection: String
    public var detectorName: String
    public var sampleChamberName: String
    /// Wavelength (nm) → laser device name.
    public var laserDeviceNames: [String: String]?
    /// Wavelength (nm) → emission filter device name.
    public var emissionFilterDeviceNames: [String: String]?
    public var objectiveName: String?
    public var codeURL: String
    public var acquisitionEndTime: String?

    enum CodingKeys: String, CodingKey {
        case experimenters
        case specimenID = "specimen_id"
        case instrumentID = "instrument_id"
        case protocolID = "protocol_id"
        case chamberImmersion = "chamber_immersion"
        case sampleImmersion = "sample_immersion"
        case xDirection = "x_direction"
        case yDirection = "y_direction"
        case zDirection = "z_direction"
        case detectorName = "detector_name"
        case sampleChamberName = "sample_chamber_name"
        case laserDeviceNames = "laser_device_names"
        case emissionFilterDeviceNames = "emission_filter_device_names"
        case objectiveName = "objective_name"
        case codeURL = "code_url"
        case acquisitionEndTime = "acquisition_end_time"
    }
}

/// The SPIM adapter's versions, for the mapper catalog.
public enum SpimMapperVersions: MapperModule {
    public static let mappers: [any Mapper.Type] = [SpimMapperV1_0.self]
}

/// `spim@1.0.0`: a SmartSPIM light-sheet acquisition (`SmartSPIM_<subject>_<stamp>/`) → an acquisition: one data
/// stream with an imaging config (a channel per tile laser, an `Image spim` per tile) and a sample chamber config.
public struct SpimMapperV1_0: Mapper {
    public typealias Constants = SpimConstants
    public typealias Settings = SpimSettings

    public static let identity = MapperIdentity(name: "spim", version: Version(1, 0, 0))
    public static let modalities = ["SPIM"]
    /// A `SmartSPIM_*` folder, or the session folder itself when it holds `derivatives/metadata.json` and `SmartSPIM/`.
    public static let inputs: [InputPattern] = ["SmartSPIM_*/", InputPattern(".", requires: ["derivatives/metadata.json", "SmartSPIM/"])]
    public static let summary = "SmartSPIM light-sheet acquisition (SmartSPIM_<subject>_<stamp>/) → acquisition"

    public init() {}

    public static func check(settings: SpimSettings) -> [(path: String, message: String)] {
        var problems: [(path: String, message: String)] = []
        if let end = settings.acquisitionEndTime, (try? Timestamp(parsing: end)) == nil {
            problems.append(("acquisition_end_time", "must be an ISO 8601 date and time, found '\(end)'"))
        }
        for (key, value) in [("laser_device_names", settings.laserDeviceNames), ("emission_filter_device_names", settings.emissionFilterDeviceNames)] {
            for nm in (value ?? [:]).keys where Int(nm) == nil {
                problems.append((key, "has '\(nm)', not a wavelength in nm"))
            }
        }
        for (key, immersion) in [("chamber_immersion", settings.chamberImmersion), ("sample_immersion", settings.sampleImmersion)] {
            // A non-finite index (`.inf`, `1e999`) would be written as null.
            if let immersion, !(immersion.refractiveIndex > 0) || !immersion.refractiveIndex.isFinite {
                problems.append((key, "refractive_index must be a positive finite number, found \(immersion.refractiveIndex)"))
            }
        }
        return problems
    }

    public func map(_ input: MapperInput, constants: SpimConstants, settings: SpimSettings, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        var problems = DiagnosticCollector()
        let mapping = SpimMapping(input: input, constants: constants, settings: settings, context: context, models: try context.models(.acquisition))
        let acquisition = try mapping.acquisition(problems: &problems)
        try problems.check()
        return MapperOutput(documents: [(.acquisition, acquisition)], warnings: problems.diagnostics)
    }
}
