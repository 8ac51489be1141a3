import AindSchemas
import Foundation
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
        #expect(report.status == .refused)
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
