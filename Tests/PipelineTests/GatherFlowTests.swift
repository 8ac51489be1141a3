import AindSchemas
import Foundation
import MapperCatalog
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Testing

/// `Pipeline.gather` with the shipped fiber mapper, the real composer and the real validator.
@Suite struct GatherFlowTests {
    @Test func mapsTheSessionAndWritesEverythingAtOnce() throws {
        let (dir, out) = try fipSession()
        let before = hashes(dir)
        let report = try shippedPipeline().gather(session: dir, output: out, request: try request())
        #expect(report.status == .ok, "\(report.diagnostics)")
        #expect(contents(out) == ["acquisition.json", "acquisition_fiber.json", "gather_report.json", "rigmap.lock"])
        // One acquisition: the merged document is the mapper's own.
        #expect(try Data(contentsOf: out.appendingPathComponent("acquisition.json")) == Data(contentsOf: out.appendingPathComponent("acquisition_fiber.json")))
        #expect(report.mappers.map(\.outcome) == [.ran])
        #expect(report.mappers.first?.inputs["fip.json"] == before["fip.json"])
        #expect(report.mappers.first?.claimed == ["fip.json"])
        // Inputs are never modified.
        #expect(hashes(dir) == before)
        let written = try JSONDocument.read(out.appendingPathComponent("gather_report.json"))
        #expect(written["status"] == "ok")
        #expect(written["written"]?.arrayValue?.contains("acquisition.json") == true)
    }

    @Test func aRefusedMergeWritesNothing() throws {
        // A second acquisition of another subject: the real composer refuses the merge.
        var other = try JSONDocument.read(pipelineFixtures.appendingPathComponent("fip-session-expected/acquisition_fiber.json"))
        if case .object(var object) = other { object["subject_id"] = "999999"; other = .object(object) }
        let (dir, out) = try fipSession(extra: ["acquisition_other.json": JSONWriter.referenceString(other)])
        let report = try shippedPipeline().gather(session: dir, output: out, request: try request())
        #expect(report.status == Pipeline.Status.refused)
        #expect(report.diagnostics.contains { $0.message.contains("subject_id differs") })
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func invalidMergedDocumentsRefuseOrAreWrittenAndReported() throws {
        // An instrument whose connection names a device no instrument defines: the merged instrument is invalid.
        var instrument = try JSONDocument.read(pipelineFixtures.appendingPathComponent("fip-session/instrument_fip.json"))
        if case .object(var object) = instrument {
            let connection: JSONValue = [
                "object_type": "Connection", "source_device": "Harp ClockGenerator", "source_port": .null, "target_device": "No such device",
                "target_port": .null, "send_and_receive": false,
            ]
            object["connections"] = [connection]
            instrument = .object(object)
        }
        let (dir, out) = try fipSession(extra: ["instrument_fip.json": JSONWriter.referenceString(instrument)])
        let refused = try shippedPipeline().gather(session: dir, output: out, request: try request())
        #expect(refused.status == .refused)
        #expect(refused.diagnostics.contains { $0.message.contains("No such device") })
        #expect(!FileManager.default.fileExists(atPath: out.path))

        let written = try shippedPipeline().gather(
            session: dir, output: out,
            request: try request("raise_if_invalid: false\nmappers: {fiber: {settings: {implanted_fibers: [0], acquisition_type: X}}}"))
        #expect(written.status == .partial)
        #expect(contents(out).contains("instrument.json"))
        #expect(written.diagnostics.contains { $0.severity == .error && $0.message.contains("No such device") })
    }

    @Test func emptyAcquisitionTypeAfterTheMergeIsAWarningAsInTheReference() throws {
        let (dir, out) = try fipSession()
        let report = try shippedPipeline().gather(session: dir, output: out, request: try request("mappers: {fiber: {settings: {implanted_fibers: [0]}}}"))
        #expect(report.status == .ok, "\(report.diagnostics)")
        #expect(report.diagnostics.contains { $0.severity == .warning && $0.message.contains("acquisition_type is empty") })
        #expect(try JSONDocument.read(out.appendingPathComponent("acquisition.json"))["acquisition_type"] == "")
    }

    @Test func rerunsReuseOutputsUntilAnInputChanges() throws {
        let (dir, out) = try fipSession()
        let pipeline = try shippedPipeline()
        let first = pipeline.gather(session: dir, output: out, request: try request())
        #expect(first.mappers.map(\.outcome) == [.ran])
        let bytes = try Data(contentsOf: out.appendingPathComponent("acquisition.json"))
        let lock = try Data(contentsOf: out.appendingPathComponent("rigmap.lock"))

        let second = pipeline.gather(session: dir, output: out, request: try request())
        #expect(second.mappers.map(\.outcome) == [.reused])
        #expect(try Data(contentsOf: out.appendingPathComponent("acquisition.json")) == bytes)
        #expect(try Data(contentsOf: out.appendingPathComponent("rigmap.lock")) == lock)
        // The reused run reports the warnings the mapping gave, as the first run did.
        #expect(!first.diagnostics.isEmpty)
        #expect(second.diagnostics == first.diagnostics)
        #expect(second.mappers.map(\.diagnostics) == first.mappers.map(\.diagnostics))

        // Without the earlier report the earlier warnings are unknown: the mapper runs again.
        try FileManager.default.removeItem(at: out.appendingPathComponent(Pipeline.reportFileName))
        let withoutReport = pipeline.gather(session: dir, output: out, request: try request())
        #expect(withoutReport.mappers.map(\.outcome) == [.ran])
        #expect(withoutReport.diagnostics == first.diagnostics)

        // Changed settings: runs again.
        let changedSettings = pipeline.gather(
            session: dir, output: out, request: try request("mappers: {fiber: {settings: {implanted_fibers: [0], acquisition_type: AindVrForaging}}}"))
        #expect(changedSettings.mappers.map(\.outcome) == [.ran])

        // Changed input: runs again, and the output follows the input.
        let text = try String(contentsOf: dir.appendingPathComponent("fip.json"), encoding: .utf8).replacingOccurrences(of: "\"795158\"", with: "\"795159\"")
        try text.write(to: dir.appendingPathComponent("fip.json"), atomically: true, encoding: .utf8)
        let third = pipeline.gather(session: dir, output: out, request: try request())
        #expect(third.mappers.map(\.outcome) == [.ran])
        #expect(try JSONDocument.read(out.appendingPathComponent("acquisition.json"))["subject_id"] == "795159")
    }

    @Test func aStaleOutputOfTheSameNameIsNotTrusted() throws {
        let (dir, out) = try fipSession()
        let pipeline = try shippedPipeline()
        _ = pipeline.gather(session: dir, output: out, request: try request())
        // Someone edits the produced file: it no longer matches the lock's record, so the mapper runs again.
        let url = out.appendingPathComponent("acquisition_fiber.json")
        let edited = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "AindVrForaging", with: "Edited")
        try edited.write(to: url, atomically: true, encoding: .utf8)
        let report = pipeline.gather(session: dir, output: out, request: try request())
        #expect(report.mappers.map(\.outcome) == [.ran])
        #expect(try JSONDocument.read(out.appendingPathComponent("acquisition.json"))["acquisition_type"] == "AindVrForaging")
    }

    @Test func missingSessionIsBadInput() throws {
        let report = try shippedPipeline().gather(
            session: URL(fileURLWithPath: "/nonexistent/session"), output: try makeTemporaryFolder().appendingPathComponent("out"), request: try request())
        #expect(report.status == .badInput)
        #expect(report.status.rawValue == 2)
        #expect(report.diagnostics.first?.message.contains("no such file or folder") == true)
    }
}

/// A session made only of raw files: a Harp behavior session and a FIP rig's fip.json, sharing one clock generator.
@Suite struct RawOnlySessionTests {
    @Test func twoRigsFromRawFilesGatherIntoOneInstrumentAndOneAcquisition() throws {
        let session = pipelineFixtures.appendingPathComponent("vr-foraging-session")
        let out = try makeTemporaryFolder("raw-only").appendingPathComponent("out")
        let job = try JobConfig.load(contentsOf: session.appendingPathComponent("job.yaml"), displayName: "job.yaml")
        let report = try shippedPipeline().gather(session: session, output: out, request: Resolver.Request(job: job))
        #expect(report.status == .ok, "\(report.diagnostics)")
        #expect(report.mappers.map(\.mapper) == ["behavior@1.0.0", "fiber@1.4.0"])
        #expect(report.mappers.allSatisfy { $0.source == .jobType })
        let instrument = try JSONDocument.read(out.appendingPathComponent("instrument.json"))
        let acquisition = try JSONDocument.read(out.appendingPathComponent("acquisition.json"))
        #expect(instrument["instrument_id"] == "447-BEH-1_FIP_1")
        #expect(acquisition["instrument_id"] == instrument["instrument_id"])
        let generators = instrument["components"]?.arrayValue?.filter { $0["is_clock_generator"] == true } ?? []
        #expect(generators.count == 1)
        // The behavior rig read the clock's serial and versions from its registers; the FIP rig knew neither.
        #expect(generators.first?["serial_number"] == "7")
        #expect(generators.first?["firmware_version"] == "0.2")
        #expect(report.notes.contains { $0.contains("harp_clock_generator") })
        // Both rigs' devices and both modalities.
        let names = Set(instrument.instrumentComponentNames)
        #expect(names.isSuperset(of: ["harp_behavior", "cuTTLefishFip", "Green CMOS", "W10DT714099", "DT542815"]))
        #expect(instrument["modalities"]?.arrayValue?.compactMap { $0["abbreviation"]?.stringValue } == ["behavior", "behavior-videos", "fib"])
        let modalities = Set((acquisition["data_streams"]?.arrayValue ?? []).flatMap { $0["modalities"]?.arrayValue ?? [] }.compactMap { $0["abbreviation"]?.stringValue })
        #expect(modalities == ["behavior", "behavior-videos", "fib"])
        // Only the implanted fibers (and the LED the 1.4.0 mapper and instrument builder name differently) are not components.
        let missing = report.diagnostics.filter { $0.message.contains("is not a component of the instrument") }.compactMap { $0.message.split(separator: "'").dropFirst().first }
        #expect(Set(missing) == ["Fiber 0", "Fiber 1", "560nm LED"])
    }

    @Test func clocksThatDisagreeRefuseTheMergeNamingTheFieldAndFiles() throws {
        let base = try makeTemporaryFolder("clash")
        let session = base.appendingPathComponent("session")
        try FileManager.default.copyItem(at: pipelineFixtures.appendingPathComponent("vr-foraging-session"), to: session)
        // A FIP rig whose clock is a ClockSynchronizer: a different Harp device type than the behavior rig's.
        let configs = base.appendingPathComponent("configs/fiber")
        try FileManager.default.createDirectory(at: configs, withIntermediateDirectories: true)
        let shipped = try #require(MapperCatalog.embeddedConfigs["fiber/1.4.0.yaml"])
        try shipped.replacingOccurrences(of: "harp_device_type: WhiteRabbit", with: "harp_device_type: ClockSynchronizer").write(to: configs.appendingPathComponent("1.4.0.yaml"), atomically: true, encoding: .utf8)
        let pipeline = Pipeline(
            resolver: Resolver(
                registry: try MapperCatalog.registry(),
                configs: try MapperCatalog.configStore(overrideDirectory: base.appendingPathComponent("configs")), rigmapVersion: "test"))
        let job = try JobConfig.load(contentsOf: session.appendingPathComponent("job.yaml"), displayName: "job.yaml")
        let report = pipeline.gather(session: session, output: base.appendingPathComponent("out"), request: Resolver.Request(job: job))
        #expect(report.status == Pipeline.Status.refused)
        let refusal = try #require(report.diagnostics.first { $0.message.contains("clock_generator_differs") })
        #expect(refusal.message.contains("harp_device_type"))
        #expect(refusal.message.contains("instrument_behavior.json") && refusal.message.contains("instrument_fiber.json"))
    }
}
