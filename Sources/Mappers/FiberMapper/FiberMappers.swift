import MapperKit

/// Shared entry point of the fiber versions: read and check `fip.json`, settle implanted fibers, map.
enum FiberMapping {
    static let inputs: [InputPattern] = ["fip.json"]
    /// The FIP extractor's contract (aind-metadata-extractor `models/fip.json`, as draft-07).
    static let inputContract = "fiber/fip.contract.json"

    static func run(
        _ input: MapperInput, constants: FiberConstants, implantedFibers: [Int]?,
        intendedMeasurements: [String: FiberMeasurements]?, acquisitionType: String?, ethicsReviewID: [String]?,
        instrument: FiberInstrumentSettings? = nil, context: MapperContext
    ) throws(DiagnosticError) -> MapperOutput {
        let main = input.mainPath
        let document = try input.json(main)
        let fip = try FIPInput.read(document, file: input.display(main), context: context)
        var warnings: [Diagnostic] = []

        if constants.rejectSessionEthicsReviewID && fip.sessionHasEthicsReviewID {
            throw DiagnosticError(
                "ethics_review_id is a constant of this mapper version and must not be in the session",
                at: input.location(main, jsonPath: JSONPath([.key("session"), .key("ethics_review_id")])))
        }

        let fibers: [Int]
        if let implantedFibers {
            guard !implantedFibers.isEmpty else {
                throw DiagnosticError(
                    "no implanted fibers for subject \(fip.subjectID): settings.implanted_fibers is empty; implanted fiber information is required")
            }
            fibers = implantedFibers
            warnings += FiberMapping.warnings(implantedFibers: implantedFibers)
        } else {
            let folder = main.split(separator: "/").dropLast().joined(separator: "/")
            let procedures = MapperInput.join(folder, "procedures.json")
            let document: JSONValue
            do throws(DiagnosticError) {
                guard input.exists(procedures) else { throw DiagnosticError("no such file", at: input.location(procedures)) }
                document = try input.json(procedures)
            } catch {
                throw DiagnosticError(
                    error.diagnostics.map { $0.message }.joined(separator: "; ")
                        + " — no implanted fibers for subject \(fip.subjectID): set mappers.fiber.settings.implanted_fibers in the job, or put an aind-data-schema procedures.json beside the input",
                    at: input.location(procedures))
            }
            fibers = try ProceduresReader.implantedFibers(document, file: input.display(procedures))
            guard !fibers.isEmpty else {
                throw DiagnosticError(
                    "no implanted fibers found in procedures data for subject \(fip.subjectID) (no Surgery → Probe implant → Fiber probe); implanted fiber information is required",
                    at: input.location(procedures))
            }
        }

        if intendedMeasurements == nil {
            warnings.append(Diagnostic(.warning, "no intended_measurements in settings: channels carry no intended measurement"))
        }
        let mapping = FIPMapping(constants: constants, input: fip, models: try context.models(.acquisition))
        if mapping.measuredExposureTimeMicroseconds(fip.rig) == nil {
            warnings.append(
                Diagnostic(
                    .warning, "no light source has task.delta_1: camera exposure time defaults to \(constants.defaultExposureTimeMicroseconds) µs",
                    at: input.location(main, jsonPath: JSONPath([.key("rig")]))))
        }
        let acquisition: JSONValue
        do {
            acquisition = try mapping.acquisition(
                .init(
                    implantedFibers: fibers, intendedMeasurements: intendedMeasurements,
                    acquisitionType: acquisitionType ?? "", ethicsReviewID: ethicsReviewID))
        } catch {
            throw DiagnosticError(error)
        }
        var documents: [(kind: DocumentKind, value: JSONValue)] = [(.acquisition, acquisition)]
        if let instrument {
            documents.insert((.instrument, try FIPInstrument.build(instrument, constants: constants, fip: fip, document: document, input: input, context: context)), at: 0)
        }
        return MapperOutput(documents: documents, warnings: warnings)
    }
}

extension FiberMapping {
    /// Warnings for implanted fibers that are not distinct non-negative indices. aind-metadata-mapper maps them as
    /// given (a repeated index gives its devices twice), and a mapper version re-maps old sessions exactly as
    /// before, so these are warnings, not refusals; the composer refuses the repeated device names if the document
    /// is merged.
    static func warnings(implantedFibers fibers: [Int]) -> [Diagnostic] {
        var warnings: [Diagnostic] = []
        if let negative = fibers.first(where: { $0 < 0 }) {
            warnings.append(Diagnostic(.warning, "settings.implanted_fibers holds \(negative); fiber indices are 0 or more"))
        }
        var seen = Set<Int>()
        for fiber in fibers where !seen.insert(fiber).inserted {
            warnings.append(Diagnostic(.warning, "settings.implanted_fibers names fiber \(fiber) twice: its devices are in the acquisition twice"))
        }
        return warnings
    }
}

/// The fiber adapter's versions, for the mapper catalog.
public enum FiberMapperVersions: MapperModule {
    public static let mappers: [any Mapper.Type] = [FiberMapperV1_0.self, FiberMapperV1_4.self]
}

/// `fiber@1.0.0`: aind-metadata-mapper 1.0.0's FIPMapper. Acquisition type and ethics review id are fixed by the
/// version's constants; the code entry is the VrForaging-Fip repository at the session's commit.
public struct FiberMapperV1_0: Mapper {
    public typealias Constants = FiberConstants
    public typealias Settings = FiberSettingsV1_0

    public static let identity = MapperIdentity(name: "fiber", version: Version(1, 0, 0))
    public static let modalities = ["fib"]
    public static let inputs = FiberMapping.inputs
    public static let inputContract: String? = FiberMapping.inputContract
    public static let summary = "Fiber photometry (FIP) acquisition from fip.json, as aind-metadata-mapper 1.0.0"

    public init() {}

    public func map(_ input: MapperInput, constants: FiberConstants, settings: FiberSettingsV1_0, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        try FiberMapping.run(
            input, constants: constants, implantedFibers: settings.implantedFibers,
            intendedMeasurements: settings.intendedMeasurements, acquisitionType: constants.acquisitionType,
            ethicsReviewID: constants.ethicsReviewID, context: context)
    }
}

/// `fiber@1.4.0`: aind-metadata-mapper 1.4.0's FIPMapper. Acquisition type and ethics review id come from the
/// job's settings; the code entry is the aind-physiology-fip package at the rig's reported version. With
/// `settings.instrument`, also the rig's instrument as aind-metadata-mapper 1.4.0's `create_instrument` builds it.
public struct FiberMapperV1_4: Mapper {
    public typealias Constants = FiberConstants
    public typealias Settings = FiberSettingsV1_4

    public static let identity = MapperIdentity(name: "fiber", version: Version(1, 4, 0))
    public static let modalities = ["fib"]
    public static let inputs = FiberMapping.inputs
    public static let inputContract: String? = FiberMapping.inputContract
    public static let summary = "Fiber photometry (FIP) acquisition from fip.json, as aind-metadata-mapper 1.4.0"

    public init() {}

    public func map(_ input: MapperInput, constants: FiberConstants, settings: FiberSettingsV1_4, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        try FiberMapping.run(
            input, constants: constants, implantedFibers: settings.implantedFibers,
            intendedMeasurements: settings.intendedMeasurements,
            acquisitionType: settings.acquisitionType ?? constants.acquisitionType,
            ethicsReviewID: settings.ethicsReviewID ?? constants.ethicsReviewID, instrument: settings.instrument, context: context)
    }
}
