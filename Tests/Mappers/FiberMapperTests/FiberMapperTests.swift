import FiberMapper
import Foundation
import MapperCatalog
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Testing

let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

/// Reference cases: `fip.json` + `job.yaml` + `expected.json` from aind-metadata-mapper 1.0.0 / 1.4.0.
func referenceCases() -> [String] {
    ["mapper-1.0.0", "mapper-1.4.0"].flatMap { version in
        ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(version).path)) ?? [])
            .filter { $0.hasPrefix("case_") }.sorted().map { "\(version)/\($0)" }
    }
}

/// Runs the fiber mapper as `rigmap map` would: the job's version and effective settings, built-in configs, the
/// input contract checked first.
func mapFiber(input: URL, job: JobConfig, spec: String? = nil) throws(DiagnosticError) -> RegisteredMapper.Run {
    let pipeline = Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "test"))
    var request = Resolver.Request(job: job)
    request.only = ["fiber"]
    if let spec {
        let (name, requirement) = try MapperRegistry.parse(spec: spec)
        request.versionOverrides[name] = requirement
    }
    guard let resolved = try pipeline.resolver.resolve(request).mapper("fiber") else { throw DiagnosticError("fiber not resolved") }
    let raw = try MapperInput(root: input.deletingLastPathComponent(), displayRoot: "", claimed: [input.lastPathComponent])
    let checked = try pipeline.checkInputContract(of: resolved.mapper, raw)
    return try resolved.mapper.run(checked, config: resolved.config, settings: resolved.settings, context: MapperContext(timeZone: job.timezone))
}

/// A temporary folder holding `fip.json` (optionally edited) and optionally `procedures.json`.
func scratchSession(fip: JSONValue, procedures: Bool = false) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fiber-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try Data(JSONWriter.referenceBytes(fip)).write(to: dir.appendingPathComponent("fip.json"))
    if procedures {
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("procedures.json"), to: dir.appendingPathComponent("procedures.json"))
    }
    return dir
}

func sampleFIP() throws -> JSONValue {
    try JSONDocument.read(fixtures.appendingPathComponent("mapper-1.4.0/case_000/fip.json"))
}

/// The errors `body` throws (none when it succeeds).
func errors(_ body: () throws -> Void) -> [Diagnostic] { thrownErrors(body) }

@Suite struct FiberParityTests {
    @Test func bothReferenceVersionsHaveCases() {
        #expect(referenceCases().filter { $0.hasPrefix("mapper-1.0.0") }.count == 4)
        #expect(referenceCases().filter { $0.hasPrefix("mapper-1.4.0") }.count == 6)
    }

    /// Mapped as `rigmap map --mapper fiber --input fip.json --job job.yaml` maps it (validation included).
    @Test(arguments: referenceCases())
    func reproducesTheReferenceByteForByte(_ name: String) throws {
        let dir = fixtures.appendingPathComponent(name)
        let run = try rigmapMap("fiber", input: dir.appendingPathComponent("fip.json"), jobFile: dir.appendingPathComponent("job.yaml"))
        #expect(run.documents.keys.sorted() == ["acquisition_fiber.json"])
        let expected = try Data(contentsOf: dir.appendingPathComponent("expected.json"))
        #expect(run.files["acquisition_fiber.json"] == Array(expected), "\(name) differs from the reference")
        // The version chosen is the one the job names.
        #expect(name.hasPrefix("mapper-\(run.mapper.dropFirst("fiber@".count))/"))
    }
}

@Suite struct FiberVersionTests {
    @Test func bothVersionsLiveSideBySide() throws {
        let registry = try MapperCatalog.registry()
        #expect(registry.versions(of: "fiber").map(\.description) == ["1.0.0", "1.4.0"])
        #expect(try registry.resolve("fiber").identity.description == "fiber@1.4.0")
        #expect(try registry.resolve(spec: "fiber@~1.0.0").identity.description == "fiber@1.0.0")
        #expect(try registry.resolve(spec: "fiber@^1.0").identity.description == "fiber@1.4.0")
    }

    @Test func versionOneZeroHasItsConstantsAndRefusesNewerSettings() throws {
        let job = try JobConfig.parse(
            yaml: "mappers:\n  fiber:\n    version: 1.0.0\n    settings:\n      implanted_fibers: [0]\n      acquisition_type: Other\n",
            file: "job.yaml")
        let dir = try scratchSession(fip: try sampleFIP())
        let found = errors { _ = try mapFiber(input: dir.appendingPathComponent("fip.json"), job: job) }
        #expect(found.count == 1)
        #expect(found.first?.message.contains("unknown key 'acquisition_type'") == true)
        #expect(found.first?.location?.file == "job.yaml")
        #expect(found.first?.location?.line == 6)
        #expect(found.first?.location?.column == 7)  // the key, not its value
    }

    @Test func versionOneZeroRefusesASessionEthicsReviewID() throws {
        guard case .object(var root) = try sampleFIP(), case .object(var session)? = root["session"] else { Issue.record("fixture"); return }
        session["ethics_review_id"] = ["123"]
        root["session"] = .object(session)
        let dir = try scratchSession(fip: .object(root))
        let job = try JobConfig.parse(yaml: "mappers: {fiber: {version: 1.0.0, settings: {implanted_fibers: [0]}}}", file: "job.yaml")
        let found = errors { _ = try mapFiber(input: dir.appendingPathComponent("fip.json"), job: job) }
        #expect(found.first?.location?.jsonPath?.description == "session.ethics_review_id")
    }
}

@Suite struct FiberSettingsTests {
    @Test func implantedFibersComeFromProceduresBesideTheInput() throws {
        let dir = try scratchSession(fip: try sampleFIP(), procedures: true)
        let run = try mapFiber(input: dir.appendingPathComponent("fip.json"), job: try JobConfig.parse(yaml: "timezone: UTC", file: "job.yaml"))
        let stream = try #require(run.output.documents.first?.value["data_streams"]?[0])
        // procedures.json names Fiber_2 then Fiber_0: used sorted, as the reference does.
        #expect(stream["connections"]?.arrayValue?.compactMap { $0["target_device"]?.stringValue } == ["Fiber 0", "Fiber 2"])
        #expect(run.output.warnings.contains { $0.message.contains("intended_measurements") })
    }

    @Test func withNeitherSettingNorProceduresTheRunFails() throws {
        let dir = try scratchSession(fip: try sampleFIP())
        let found = errors { _ = try mapFiber(input: dir.appendingPathComponent("fip.json"), job: JobConfig()) }
        #expect(found.count == 1)
        #expect(found.first?.message.contains("no implanted fibers") == true)
        #expect(found.first?.location?.file?.hasSuffix("procedures.json") == true)
    }

    @Test func emptyImplantedFibersFailAsTheReferenceDoes() throws {
        let dir = try scratchSession(fip: try sampleFIP(), procedures: true)
        let job = try JobConfig.parse(yaml: "mappers: {fiber: {settings: {implanted_fibers: []}}}", file: "job.yaml")
        let found = errors { _ = try mapFiber(input: dir.appendingPathComponent("fip.json"), job: job) }
        #expect(found.first?.message.contains("no implanted fibers") == true)
    }

    @Test func badFiberNameInProceduresIsLocated() throws {
        let dir = try scratchSession(fip: try sampleFIP())
        let text = try String(contentsOf: fixtures.appendingPathComponent("procedures.json"), encoding: .utf8)
        try text.replacingOccurrences(of: "\"Fiber_2\"", with: "\"Probe A\"").write(to: dir.appendingPathComponent("procedures.json"), atomically: true, encoding: .utf8)
        let found = errors { _ = try mapFiber(input: dir.appendingPathComponent("fip.json"), job: JobConfig()) }
        #expect(found.count == 1)
        #expect(found.first?.message.contains("'Probe A'") == true)
        #expect(found.first?.location?.jsonPath?.description.hasSuffix("implanted_device.name") == true)
    }

    @Test func wrongSettingTypesAreLocatedInTheJob() throws {
        let dir = try scratchSession(fip: try sampleFIP())
        let job = try JobConfig.parse(yaml: "mappers:\n  fiber:\n    settings:\n      implanted_fibers: [0, one]\n", file: "job.yaml")
        let found = errors { _ = try mapFiber(input: dir.appendingPathComponent("fip.json"), job: job) }
        #expect(found.first?.message.contains("implanted_fibers.1") == true)
        #expect(found.first?.location?.line == 4)
    }
}

@Suite struct FiberInputTests {
    func edited(_ edit: (inout JSONObject) -> Void) throws -> URL {
        guard case .object(var root) = try sampleFIP() else { throw DiagnosticError("fixture") }
        edit(&root)
        return try scratchSession(fip: .object(root), procedures: true).appendingPathComponent("fip.json")
    }

    @Test func everyProblemIsReportedWithItsJSONPath() throws {
        let input = try edited { root in
            if case .object(var session)? = root["session"] {
                session["subject"] = nil
                session["experimenter"] = ["Ana", 7]
                root["session"] = .object(session)
            }
            if case .object(var rig)? = root["rig"] {
                rig["rig_name"] = 42
                if case .object(var uv)? = rig["light_source_uv"] {
                    uv["power"] = "high"
                    rig["light_source_uv"] = .object(uv)
                }
                root["rig"] = .object(rig)
            }
            if case .array(var streams)? = root["data_stream_metadata"], case .object(var s)? = streams.last {
                s["end_time"] = "2025-02-30T00:00:00Z"
                streams[streams.count - 1] = .object(s)
                root["data_stream_metadata"] = .array(streams)
            }
        }
        let found = errors { _ = try mapFiber(input: input, job: JobConfig()) }
        let paths = Set(found.compactMap { $0.location?.jsonPath?.description })
        #expect(paths == ["session.subject", "session.experimenter[1]", "rig.rig_name", "rig.light_source_uv.power", "data_stream_metadata[2].end_time"])
        #expect(found.allSatisfy { $0.location?.file == "fip.json" })
    }

    @Test func truncatedJSONIsLocatedByLineAndByte() throws {
        let dir = try scratchSession(fip: try sampleFIP(), procedures: true)
        let url = dir.appendingPathComponent("fip.json")
        let data = try Data(contentsOf: url)
        try data.prefix(200).write(to: url)
        let found = errors { _ = try mapFiber(input: url, job: JobConfig()) }
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("malformed JSON") == true)
        #expect(found.first?.location?.byteOffset == 200)
        #expect(found.first?.location?.line != nil)
    }

    @Test func naiveTimestampWithoutAZoneIsAnError() throws {
        let input = try edited { root in
            root["data_stream_metadata"] = [["id": "fip_0", "start_time": "2025-07-01 10:00:00", "end_time": "2025-07-01T11:00:00-07:00"]]
        }
        let found = errors { _ = try mapFiber(input: input, job: JobConfig()) }
        #expect(found.count == 1)
        #expect(found.first?.location?.jsonPath?.description == "data_stream_metadata[0].start_time")
        #expect(found.first?.message.contains("timezone") == true)
    }

    @Test func naiveTimestampTakesTheJobZoneDSTCorrectly() throws {
        let input = try edited { root in
            root["data_stream_metadata"] = [
                ["id": "fip_0", "start_time": "2025-03-09 01:30:00.5", "end_time": "2025-03-09 03:30:00"],
            ]
        }
        let run = try mapFiber(input: input, job: try JobConfig.parse(yaml: "timezone: America/Los_Angeles", file: "job.yaml"))
        let acquisition = try #require(run.output.documents.first?.value)
        #expect(acquisition["acquisition_start_time"] == "2025-03-09T01:30:00.500000-08:00")
        #expect(acquisition["acquisition_end_time"] == "2025-03-09T03:30:00-07:00")
        #expect(acquisition["acquisition_start_tz"] == "America/Los_Angeles")
    }

    @Test func timestampsAcrossOffsetsPickTheEarliestAndLatestInstants() throws {
        let input = try edited { root in
            root["data_stream_metadata"] = [
                ["id": "a", "start_time": "2025-01-01T10:00:00+05:30", "end_time": "2025-01-01T06:00:00Z"],
                ["id": "b", "start_time": "2025-01-01T05:00:00Z", "end_time": "2024-12-31T23:00:00-08:00"],
            ]
        }
        let run = try mapFiber(input: input, job: JobConfig())
        let acquisition = try #require(run.output.documents.first?.value)
        #expect(acquisition["acquisition_start_time"] == "2025-01-01T10:00:00+05:30")  // 04:30Z
        #expect(acquisition["acquisition_start_tz"] == .int(5))
        #expect(acquisition["acquisition_end_time"] == "2024-12-31T23:00:00-08:00")  // 07:00Z
    }
}

/// fiber@1.4.0's instrument against aind-metadata-mapper 1.4.0's `create_instrument` (cases made by
/// Scripts/make-fiber-instrument-cases.py; `modification_date` is the session's date).
@Suite struct FiberInstrumentTests {
    static func cases() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent("instrument").path)) ?? []).sorted()
    }

    @Test func thereAreSeveralRigs() { #expect(FiberInstrumentTests.cases().count == 4) }

    /// Mapped as `rigmap map --mapper fiber --input fip.json --job job.yaml` maps it (validation included).
    @Test(arguments: cases())
    func equalsCreateInstrumentByteForByte(_ name: String) throws {
        let dir = fixtures.appendingPathComponent("instrument").appendingPathComponent(name)
        let run = try rigmapMap("fiber", input: dir.appendingPathComponent("fip.json"), jobFile: dir.appendingPathComponent("job.yaml"))
        #expect(run.documents.keys.sorted() == ["acquisition_fiber.json", "instrument_fiber.json"])
        #expect(run.files["instrument_fiber.json"] == Array(try Data(contentsOf: dir.appendingPathComponent("expected.json"))), "\(name)")
        let instrument = try run.json("instrument_fiber.json")
        // The pair is consistent: the instrument ids agree, and every active device of the acquisition is a component,
        // except the implanted fibers (procedures) and the lime LED, which aind-metadata-mapper 1.4.0's mapper calls
        // "560nm LED" while its instrument builder calls it "565nm LED".
        let acquisition = try run.json("acquisition_fiber.json")
        #expect(acquisition["instrument_id"] == instrument["instrument_id"])
        let components = Set(instrument.instrumentComponentNames)
        let missing = (acquisition["data_streams"]?[0]?["active_devices"]?.arrayValue ?? []).compactMap(\.stringValue).filter { !components.contains($0) }
        #expect(missing.allSatisfy { $0.hasPrefix("Fiber ") || $0 == "560nm LED" }, "\(missing)")
    }

    @Test func theInstrumentIsOffByDefaultAndNeedsTheObjectiveSerial() throws {
        let dir = fixtures.appendingPathComponent("instrument/case_000")
        var job = try JobConfig.load(contentsOf: dir.appendingPathComponent("job.yaml"))
        job.mappers["fiber"]?.settings = try ConfigValue.parseYAML("implanted_fibers: [0]\nacquisition_type: X\n", file: "job.yaml")
        #expect(try mapFiber(input: dir.appendingPathComponent("fip.json"), job: job).output.documents.map(\.kind) == [.acquisition])
        job.mappers["fiber"]?.settings = try ConfigValue.parseYAML("implanted_fibers: [0]\ninstrument: {location: here}\n", file: "job.yaml")
        let errors = thrownErrors { _ = try mapFiber(input: dir.appendingPathComponent("fip.json"), job: job) }
        #expect(errors.first?.message.contains("objective_serial is required") == true)
        // fiber@1.0.0 does not take the setting.
        job.mappers["fiber"]?.settings = try ConfigValue.parseYAML("implanted_fibers: [0]\ninstrument: {objective_serial: x}\n", file: "job.yaml")
        let old = thrownErrors { _ = try mapFiber(input: dir.appendingPathComponent("fip.json"), job: job, spec: "fiber@1.0.0") }
        #expect(old.first?.message.contains("unknown key 'instrument'") == true)
    }
}
