import Foundation
import Gather
import MapperCatalog
import MetadataModel
import Resolver
import RigMapperCore
import Testing

let gatherFixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

/// A stand-in composer: one document passes through; two or more are refused. (The real composer is tested in its
/// own module and end to end through `rigmap gather`.)
let singleDocumentComposer: @Sendable ([(name: String, value: JSONValue)]) -> Result<JSONValue, DiagnosticError> = { documents in
    if documents.count == 1, let only = documents.first { return .success(only.value) }
    return .failure(DiagnosticError("test composer: cannot merge \(documents.map(\.name).joined(separator: " + "))"))
}

func gatherer(validate: @escaping @Sendable (JSONValue, String) -> [Diagnostic] = { _, _ in [] }) throws -> Gatherer {
    let resolver = Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "test")
    return Gatherer(resolver: resolver, compose: singleDocumentComposer, validate: validate, contractChecker: MapperCatalog.context().contractChecker)
}

/// A session folder with the FIP fixture and a job.
func session(fip: Data? = nil, extra: [String: String] = [:]) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gather-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try (fip ?? Data(contentsOf: gatherFixtures.appendingPathComponent("fip-session/fip.json"))).write(to: dir.appendingPathComponent("fip.json"))
    for (name, text) in extra { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    return dir
}

func request(_ yaml: String = "mappers: {fiber: {settings: {implanted_fibers: [0, 1], acquisition_type: AindVrForaging}}}") throws -> Resolver.Request {
    Resolver.Request(job: try JobConfig.parse(yaml: yaml, file: "job.yaml"))
}

func contents(_ dir: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
}

func hashes(_ dir: URL) -> [String: String] {
    Dictionary(uniqueKeysWithValues: contents(dir).map { ($0, SHA256.hex(ofFile: dir.appendingPathComponent($0)) ?? "") })
}

@Suite struct GatherFlowTests {
    @Test func mapsTheSessionAndWritesEverythingAtOnce() throws {
        let dir = try session()
        let before = hashes(dir)
        let out = dir.appendingPathComponent("out")
        let report = try gatherer().gather(session: dir, output: out, request: try request(), rigmapVersion: "test")
        #expect(report.status == .ok, "\(report.diagnostics)")
        #expect(contents(out) == ["acquisition.json", "acquisition_fiber.json", "gather_report.json", "rigmap.lock"])
        #expect(try Data(contentsOf: out.appendingPathComponent("acquisition.json")) == Data(contentsOf: out.appendingPathComponent("acquisition_fiber.json")))
        #expect(report.mappers.map(\.outcome) == [.ran])
        #expect(report.mappers.first?.inputs["fip.json"] == before["fip.json"])
        // Inputs are never modified (the output folder is the only new entry).
        var after = hashes(dir)
        after["out"] = nil
        #expect(after == before)
        let written = try JSONDocument.read(out.appendingPathComponent("gather_report.json"))
        #expect(written["status"] == "ok")
        #expect(written["mappers"]?[0]?["mapper"] == "fiber@1.4.0")
    }

    @Test func anExactAcquisitionInTheSessionIsUsedAsIs() throws {
        let acquisition = #"{"object_type": "Acquisition", "subject_id": "1", "acquisition_type": "given", "instrument_id": "X"}"#
        let instrument = #"{"object_type": "Instrument", "instrument_id": "X", "components": []}"#
        let dir = try session(extra: ["acquisition.json": acquisition, "instrument.json": instrument])
        let out = dir.appendingPathComponent("out")
        let report = try gatherer().gather(session: dir, output: out, request: try request(), rigmapVersion: "test")
        #expect(report.status == .ok, "\(report.diagnostics)")
        #expect(report.mappers.isEmpty)
        #expect(try JSONDocument.read(out.appendingPathComponent("acquisition.json"))["acquisition_type"] == "given")
        #expect(!contents(out).contains("acquisition_fiber.json"))
    }

    @Test func aFailingMapperRefusesTheRunByDefault() throws {
        let dir = try session(fip: Data("{\"rig\": 1}".utf8))
        let out = dir.appendingPathComponent("out")
        let report = try gatherer().gather(session: dir, output: out, request: try request(), rigmapVersion: "test")
        #expect(report.status == .refused)
        #expect(report.status.rawValue == 1)
        #expect(report.mappers.first?.outcome == .failed)
        #expect(report.diagnostics.contains { $0.message.contains("mapper fiber@1.4.0 failed") && $0.location?.file == "fip.json" })
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func aFailingMapperLeavesATraceWhenTheRunGoesOn() throws {
        let behavior = #"{"object_type": "Acquisition", "subject_id": "1", "acquisition_type": "Behavior", "instrument_id": "B"}"#
        let dir = try session(fip: Data("{\"rig\": 1}".utf8), extra: ["acquisition_behavior.json": behavior])
        let out = dir.appendingPathComponent("out")
        let report = try gatherer().gather(
            session: dir, output: out, request: try request("raise_if_mapper_errors: false\nmappers: {fiber: {settings: {implanted_fibers: [0]}}}"),
            rigmapVersion: "test")
        #expect(report.status == .partial)
        #expect(report.status.rawValue == 3)
        #expect(contents(out) == ["acquisition.json", "gather_report.json", "rigmap.lock"])
        let written = try JSONDocument.read(out.appendingPathComponent("gather_report.json"))
        #expect(written["status"] == "partial")
        #expect(written["mappers"]?[0]?["outcome"] == "failed")
        #expect((written["errors"]?.arrayValue?.count ?? 0) > 0)
    }

    @Test func aRefusedMergeWritesNothing() throws {
        let behavior = #"{"object_type": "Acquisition", "subject_id": "1", "acquisition_type": "Behavior", "instrument_id": "B"}"#
        let dir = try session(extra: ["acquisition_behavior.json": behavior])
        let out = dir.appendingPathComponent("out")
        let report = try gatherer().gather(session: dir, output: out, request: try request(), rigmapVersion: "test")
        #expect(report.status == .refused)
        #expect(report.diagnostics.contains { $0.message.contains("acquisition_behavior.json + acquisition_fiber.json") })
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func invalidMergedDocumentsRefuseOrAreWrittenAndReported() throws {
        let invalid: @Sendable (JSONValue, String) -> [Diagnostic] = { _, name in [Diagnostic(.error, "made-up problem", at: SourceLocation(file: name))] }
        let dir = try session()
        let refusedOut = dir.appendingPathComponent("refused")
        let refused = try gatherer(validate: invalid).gather(session: dir, output: refusedOut, request: try request(), rigmapVersion: "test")
        #expect(refused.status == .refused)
        #expect(!FileManager.default.fileExists(atPath: refusedOut.path))
        let writtenOut = dir.appendingPathComponent("written")
        let written = try gatherer(validate: invalid).gather(
            session: dir, output: writtenOut,
            request: try request("raise_if_invalid: false\nmappers: {fiber: {settings: {implanted_fibers: [0], acquisition_type: X}}}"), rigmapVersion: "test")
        #expect(written.status == .partial)
        #expect(contents(writtenOut).contains("acquisition.json"))
        #expect(written.diagnostics.contains { $0.message == "made-up problem" })
    }

    @Test func emptyAcquisitionTypeAfterTheMergeIsInvalid() throws {
        let dir = try session()
        let report = try gatherer().gather(
            session: dir, output: dir.appendingPathComponent("out"), request: try request("mappers: {fiber: {settings: {implanted_fibers: [0]}}}"),
            rigmapVersion: "test")
        #expect(report.status == .refused)
        #expect(report.diagnostics.contains { $0.message.contains("acquisition_type is empty") })
    }

    @Test func rerunsReuseOutputsUntilAnInputChanges() throws {
        let dir = try session()
        let out = dir.appendingPathComponent("out")
        let first = try gatherer().gather(session: dir, output: out, request: try request(), rigmapVersion: "test")
        #expect(first.mappers.map(\.outcome) == [.ran])
        let bytes = try Data(contentsOf: out.appendingPathComponent("acquisition.json"))
        let lock = try Data(contentsOf: out.appendingPathComponent("rigmap.lock"))

        let second = try gatherer().gather(session: dir, output: out, request: try request(), rigmapVersion: "test")
        #expect(second.mappers.map(\.outcome) == [.reused])
        #expect(try Data(contentsOf: out.appendingPathComponent("acquisition.json")) == bytes)
        #expect(try Data(contentsOf: out.appendingPathComponent("rigmap.lock")) == lock)

        // Changed settings: runs again.
        let changedSettings = try gatherer().gather(
            session: dir, output: out, request: try request("mappers: {fiber: {settings: {implanted_fibers: [0], acquisition_type: AindVrForaging}}}"),
            rigmapVersion: "test")
        #expect(changedSettings.mappers.map(\.outcome) == [.ran])

        // Changed input: runs again, and the output follows the input.
        let text = try String(contentsOf: dir.appendingPathComponent("fip.json"), encoding: .utf8).replacingOccurrences(of: "\"795158\"", with: "\"795159\"")
        try text.write(to: dir.appendingPathComponent("fip.json"), atomically: true, encoding: .utf8)
        let third = try gatherer().gather(session: dir, output: out, request: try request(), rigmapVersion: "test")
        #expect(third.mappers.map(\.outcome) == [.ran])
        #expect(try JSONDocument.read(out.appendingPathComponent("acquisition.json"))["subject_id"] == "795159")
    }

    @Test func aStaleOutputOfTheSameNameIsNotTrusted() throws {
        let dir = try session()
        let out = dir.appendingPathComponent("out")
        _ = try gatherer().gather(session: dir, output: out, request: try request(), rigmapVersion: "test")
        // Someone edits the produced file: it no longer matches the lock's record, so the mapper runs again.
        let url = out.appendingPathComponent("acquisition_fiber.json")
        let edited = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "AindVrForaging", with: "Edited")
        try edited.write(to: url, atomically: true, encoding: .utf8)
        let report = try gatherer().gather(session: dir, output: out, request: try request(), rigmapVersion: "test")
        #expect(report.mappers.map(\.outcome) == [.ran])
        #expect(try JSONDocument.read(out.appendingPathComponent("acquisition.json"))["acquisition_type"] == "AindVrForaging")
    }

    @Test func missingSessionIsBadInput() throws {
        let report = try gatherer().gather(
            session: URL(fileURLWithPath: "/nonexistent/session"), output: FileManager.default.temporaryDirectory, request: try request(), rigmapVersion: "test")
        #expect(report.status == .badInput)
        #expect(report.status.rawValue == 2)
    }
}
