import Foundation
import MapperKit

/// What ecephys@1.0.0 fixes: the `constants:` section of `MapperConfigs/ecephys/1.0.0.yaml`.
public struct EcephysConstants: Decodable, Sendable {
    public struct ProbeModelRule: Decodable, Sendable {
        public var model: String
        public var parts: [String]?
        public var prefixes: [String]?
    }

    public struct Names: Decodable, Sendable {
        public var assembly: String
        public var manipulator: String
        public var headstage: String
        public var basestation: String
    }

    public struct Code: Decodable, Sendable {
        public var url: String
        public var name: String
    }

    public struct CoordinateSystems: Decodable, Sendable {
        public var global: ConfigJSON
        public var manipulator: ConfigJSON
        public var probe: ConfigJSON
    }

    /// Processor names of the Neuropixels sources (`Neuropix-PXI`, `OneBox`).
    public var probeProcessors: [String]
    /// Processor names of NI-DAQ sources (`NI-DAQmx`).
    public var daqProcessors: [String]
    public var probeModels: [ProbeModelRule]
    public var defaultProbeModel: String
    public var quadBaseParts: [String]
    public var probeManufacturer: String
    public var manipulatorManufacturer: String
    public var daqManufacturer: String
    public var names: Names
    public var basestationDataInterface: [String: String]
    public var missingBSCFirmwareVersion: String
    public var daqDataInterfaces: [String: String]
    public var code: Code
    public var coordinateSystems: CoordinateSystems
    public var manipulatorPosition: [Double]
    public var probeTransform: [Double]

    enum CodingKeys: String, CodingKey {
        case names, code
        case probeProcessors = "probe_processors"
        case daqProcessors = "daq_processors"
        case probeModels = "probe_models"
        case defaultProbeModel = "default_probe_model"
        case quadBaseParts = "quad_base_parts"
        case probeManufacturer = "probe_manufacturer"
        case manipulatorManufacturer = "manipulator_manufacturer"
        case daqManufacturer = "daq_manufacturer"
        case basestationDataInterface = "basestation_data_interface"
        case missingBSCFirmwareVersion = "missing_bsc_firmware_version"
        case daqDataInterfaces = "daq_data_interfaces"
        case coordinateSystems = "coordinate_systems"
        case manipulatorPosition = "manipulator_position"
        case probeTransform = "probe_transform"
    }

    /// The `probe_model` of a part number: an exact part first, then a prefix, else the default (`Custom`).
    public func probeModel(partNumber: String?) -> String {
        guard let part = partNumber?.trimmingCharacters(in: .whitespaces), !part.isEmpty else { return defaultProbeModel }
        if let rule = probeModels.first(where: { $0.parts?.contains(part) == true }) { return rule.model }
        if let rule = probeModels.first(where: { $0.prefixes?.contains(where: { part.hasPrefix($0) }) == true }) { return rule.model }
        return defaultProbeModel
    }

    /// A component name from a template (`Ephys assembly {probe}`).
    func name(_ template: String, probe: String? = nil, slot: Int? = nil) -> String {
        var out = template
        if let probe { out = out.replacingEvery("{probe}", with: probe) }
        if let slot { out = out.replacingEvery("{slot}", with: String(slot)) }
        return out
    }
}

/// Job settings of ecephys@1.0.0 (`mappers.ecephys.settings`).
public struct EcephysSettings: Decodable, Sendable {
    /// Default: from the session folder's name (`<subject>_<YYYY-MM-DD_HH-MM-SS>`), with a warning.
    public var subjectID: String?
    /// Default: the computer's `MACHINE` name, with a warning.
    public var instrumentID: String?
    public var acquisitionType: String?
    public var experimenters: [String]?
    /// Probe name → manipulator serial number.
    public var manipulators: [String: String]?
    /// Probe name → CCFv3 structure acronym (`LGd`); `root` when absent, with a warning.
    public var targets: [String: String]?
    /// Probe serial number → name, overriding what the files say.
    public var probeNames: [String: String]?
    /// The acquisition's start, when the files cannot say it (no sync_messages.txt and a DATE the zone makes
    /// ambiguous). ISO 8601; without an offset it takes the job's zone.
    public var acquisitionStartTime: String?
    /// `YYYY-MM-DD`; default: the acquisition's date in the rig's zone.
    public var modificationDate: String?
    public var location: String?
    /// Map without the Record Nodes whose files cannot be read (each named in a warning) instead of refusing.
    public var skipUnreadableRecordNodes: Bool?

    enum CodingKeys: String, CodingKey {
        case experimenters, manipulators, targets, location
        case subjectID = "subject_id"
        case instrumentID = "instrument_id"
        case acquisitionType = "acquisition_type"
        case probeNames = "probe_names"
        case acquisitionStartTime = "acquisition_start_time"
        case modificationDate = "modification_date"
        case skipUnreadableRecordNodes = "skip_unreadable_record_nodes"
    }
}

/// The ecephys adapter's versions, for the mapper catalog.
public enum EcephysMapperVersions: MapperModule {
    public static let mappers: [any Mapper.Type] = [EcephysMapperV1_0.self]
}

/// `ecephys@1.0.0`: an Open Ephys GUI recording with Neuropixels probes (one or more `Record Node` folders at any
/// depth) → an instrument (one Ephys assembly per enabled probe, basestations, the computer, NI-DAQs) and an
/// acquisition (one data stream per experiment, times from `sync_messages.txt` and the streams' sample counts).
public struct EcephysMapperV1_0: Mapper {
    public typealias Constants = EcephysConstants
    public typealias Settings = EcephysSettings

    public static let identity = MapperIdentity(name: "ecephys", version: Version(1, 0, 0))
    public static let modalities = ["ecephys"]
    /// `Record Node 101` (GUI) and `Record_Node_101` (renamed copies), at any depth.
    public static let inputs: [InputPattern] = ["**/Record?Node?*/"]
    public static let summary = "Open Ephys + Neuropixels recording (Record Node folders) → instrument and acquisition"

    public init() {}

    public static func check(settings: EcephysSettings) -> [(path: String, message: String)] {
        var problems: [(path: String, message: String)] = []
        if let date = settings.modificationDate, date.count != 10 || (try? Timestamp(parsing: date + "T00:00:00Z")) == nil {
            problems.append(("modification_date", "must be a date written YYYY-MM-DD, found '\(date)'"))
        }
        if let start = settings.acquisitionStartTime, (try? Timestamp(parsing: start)) == nil {
            problems.append(("acquisition_start_time", "must be an ISO 8601 date and time, found '\(start)'"))
        }
        for (serial, name) in settings.probeNames ?? [:] where name.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(("probe_names", "gives serial \(serial) an empty name"))
        }
        return problems
    }

    public func map(_ input: MapperInput, constants: EcephysConstants, settings: EcephysSettings, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        var problems = DiagnosticCollector()
        let session = try EcephysSession.read(input, problems: &problems)
        var mapping = EcephysMapping(
            input: input, session: session, constants: constants, settings: settings, context: context,
            instrumentModels: try context.models(.instrument), acquisitionModels: try context.models(.acquisition))
        let documents = try mapping.documents(problems: &problems)
        try problems.check()
        return MapperOutput(documents: documents, warnings: problems.diagnostics)
    }
}
