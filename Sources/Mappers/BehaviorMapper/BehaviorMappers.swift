import MapperKit

/// What behavior@1.0.0 fixes: the `constants:` section of `MapperConfigs/behavior/1.0.0.yaml`.
public struct BehaviorConstants: Decodable, Sendable {
    public struct Logs: Decodable, Sendable {
        /// File names in `behavior/Logs/`, first found wins.
        public var rig: [String]
        public var session: [String]
        public var taskLogic: [String]

        enum CodingKeys: String, CodingKey {
            case rig, session
            case taskLogic = "task_logic"
        }
    }

    public struct Task: Decodable, Sendable {
        public var url: String
        public var name: String
    }

    public struct Camera: Decodable, Sendable {
        /// Organization name or abbreviation, by the rig's camera `device_type` (`SpinnakerCamera` → FLIR).
        public var manufacturers: [String: String]
        public var defaultManufacturer: String
        public var dataInterface: String
        /// Camera target by a word in the camera's name (`Face`, `Eye`, `Body`, `Tongue`); `Other` otherwise.
        public var targets: [String: String]
        public var relativePosition: [String]
        public var lensManufacturer: String
        public var lensNotes: String
        public var exposureTimeUnit: String

        enum CodingKeys: String, CodingKey {
            case manufacturers, targets
            case defaultManufacturer = "default_manufacturer"
            case dataInterface = "data_interface"
            case relativePosition = "relative_position"
            case lensManufacturer = "lens_manufacturer"
            case lensNotes = "lens_notes"
            case exposureTimeUnit = "exposure_time_unit"
        }
    }

    /// Folder names that hold a behavior session, preferred first (`behavior`, legacy `Behavior`).
    public var folders: [String]
    public var logs: Logs
    /// Folder labels whose rig key is not `harp_<snake_case(label)>`.
    public var folderRigKeys: [String: String]
    /// WhoAmIs of devices that generate a clock when their registers do not say (ClockSynchronizer, WhiteRabbit, …).
    public var generatorTypes: [Int]
    /// The rig key naming the clock generator when registers are silent.
    public var generatorRigKey: String
    /// Manufacturer (organization name or abbreviation) by Harp device type name; the schema's default otherwise.
    public var manufacturers: [String: String]
    /// Device types written as `Olfactometer` components (with channels from the rig's calibration).
    public var olfactometerTypes: [String]
    public var olfactometerFlowUnit: String?
    public var camera: Camera
    public struct CoordinateSystem: Decodable, Sendable {
        public struct Axis: Decodable, Sendable {
            public var name: String
            public var direction: String
        }
        public var name: String
        public var origin: String
        public var axes: [Axis]
        public var axisUnit: String

        enum CodingKeys: String, CodingKey {
            case name, origin, axes
            case axisUnit = "axis_unit"
        }
    }

    /// The instrument's global coordinate system (the one AIND's behavior and FIP instruments share).
    public var globalCoordinateSystem: CoordinateSystem
    public var codeLanguage: String
    /// Code entries by task logic name.
    public var tasks: [String: Task]
    public var defaultCodeURL: String

    enum CodingKeys: String, CodingKey {
        case folders, logs, manufacturers, camera, tasks
        case folderRigKeys = "folder_rig_keys"
        case generatorTypes = "generator_types"
        case generatorRigKey = "generator_rig_key"
        case olfactometerTypes = "olfactometer_types"
        case olfactometerFlowUnit = "olfactometer_flow_unit"
        case globalCoordinateSystem = "global_coordinate_system"
        case codeLanguage = "code_language"
        case defaultCodeURL = "default_code_url"
    }
}

/// Job settings of behavior@1.0.0 (`mappers.behavior.settings`); every one optional.
public struct BehaviorSettings: Decodable, Sendable {
    /// The device to trust when registers disagree about the clock: a folder label (`ClockGenerator`) or a
    /// component name (`harp_clock_generator`).
    public var clockGenerator: String?
    /// Default: the rig's `rig_name`.
    public var instrumentID: String?
    /// Default: the task logic's `name`.
    public var acquisitionType: String?
    /// Default: the session's `experimenter`.
    public var experimenters: [String]?
    /// `YYYY-MM-DD`; default: the session's date (never the day of mapping).
    public var modificationDate: String?
    /// The instrument's `location` (instruments merge only when their locations are equal).
    public var location: String?

    enum CodingKeys: String, CodingKey {
        case experimenters, location
        case clockGenerator = "clock_generator"
        case instrumentID = "instrument_id"
        case acquisitionType = "acquisition_type"
        case modificationDate = "modification_date"
    }
}

/// The behavior adapter's versions, for the mapper catalog.
public enum BehaviorMapperVersions: MapperModule {
    public static let mappers: [any Mapper.Type] = [BehaviorMapperV1_0.self]
}

/// `behavior@1.0.0`: an AIND behavior session recorded by Bonsai with Harp devices (`behavior/`, legacy
/// `Behavior/`) → an instrument (Harp devices from their core registers, the computer, olfactometers, cameras, clock
/// wiring) and an acquisition (subject, session times, one behavior data stream, the task's code).
public struct BehaviorMapperV1_0: Mapper {
    public typealias Constants = BehaviorConstants
    public typealias Settings = BehaviorSettings

    public static let identity = MapperIdentity(name: "behavior", version: Version(1, 0, 0))
    public static let modalities = ["behavior", "behavior-videos"]
    public static let inputs: [InputPattern] = ["behavior/", "Behavior/"]
    public static let summary = "Harp + Bonsai behavior session (behavior/) → instrument and acquisition"

    public init() {}

    public static func check(settings: BehaviorSettings) -> [(path: String, message: String)] {
        // Texts are held to the limit the session's own texts are (BehaviorSession.maximumTextBytes).
        var problems: [(path: String, message: String)] = []
        let texts: [(String, String?)] = [
            ("clock_generator", settings.clockGenerator), ("instrument_id", settings.instrumentID), ("acquisition_type", settings.acquisitionType),
            ("location", settings.location),
        ]
        let experimenters = (settings.experimenters ?? []).enumerated().map { ("experimenters", "item \($0.offset): ", Optional($0.element)) }
        for (path, item, text) in texts.map({ ($0.0, "", $0.1) }) + experimenters {
            guard let count = text?.utf8.count, count > BehaviorSession.maximumTextBytes else { continue }
            problems.append((path, "\(item)a text of \(count) bytes, longer than the \(BehaviorSession.maximumTextBytes) bytes (64 KiB) allowed"))
        }
        guard let date = settings.modificationDate else { return problems }
        if (try? Timestamp(parsing: date + "T00:00:00Z")) == nil || date.count != 10 {
            return problems + [("modification_date", "must be a date written YYYY-MM-DD, found '\(date)'")]
        }
        return problems
    }

    public func map(_ input: MapperInput, constants: BehaviorConstants, settings: BehaviorSettings, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        var problems = DiagnosticCollector()
        let session = try BehaviorSession.read(input, constants: constants, problems: &problems)
        var mapping = BehaviorMapping(
            input: input, session: session, constants: constants, settings: settings, context: context,
            instrumentModels: try context.models(.instrument), acquisitionModels: try context.models(.acquisition))
        let documents = try mapping.documents(problems: &problems)
        try problems.check()
        return MapperOutput(documents: documents, warnings: problems.diagnostics)
    }
}
