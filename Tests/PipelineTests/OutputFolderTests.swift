import AindSchemas
import Dispatch
import Foundation
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Testing

/// Output folders: one run's set of files, no matter how runs overlap, and nothing stale after a run.
@Suite struct OutputFolderTests {
    /// Two sessions of different subjects gathered into one folder at the same time, many times: afterwards the
    /// folder is always one run's (acquisition, lock and report agree), never a mix.
    @Test func concurrentGathersIntoOneFolderLeaveOneRunsFiles() throws {
        let first = try fipSession()
        let text = try String(contentsOf: first.session.appendingPathComponent("fip.json"), encoding: .utf8)
        let second = try fipSession(fip: Data(text.replacingOccurrences(of: "\"795158\"", with: "\"111111\"").utf8))
        let out = try makeTemporaryFolder("shared-out")
        let pipeline = try shippedPipeline()
        let job = try request()
        for _ in 0..<12 {
            let statuses = ConcurrentCollector()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let report = pipeline.gather(session: i == 0 ? first.session : second.session, output: out, request: job)
                statuses.add(report.status)
            }
            #expect(statuses.all.allSatisfy { $0 == .ok })
            let acquisition = try JSONDocument.read(out.appendingPathComponent("acquisition.json"))
            let lock = try #require(try LockFile.load(out.appendingPathComponent("rigmap.lock")))
            for (file, record) in lock.outputs {
                #expect(Digest.sha256(ofFile: out.appendingPathComponent(file)) == record.sha256, "\(file)")
            }
            let report = try JSONDocument.read(out.appendingPathComponent("gather_report.json"))
            let subject = acquisition["subject_id"]?.stringValue
            let fipHash = report["mappers"]?[0]?["inputs"]?["fip.json"]?.stringValue
            let expected = subject == "111111" ? Digest.sha256(ofFile: second.session.appendingPathComponent("fip.json")) : Digest.sha256(ofFile: first.session.appendingPathComponent("fip.json"))
            #expect(fipHash == expected)
            #expect(lock.outputs["acquisition_fiber.json"]?.inputs["fip.json"] == expected)
        }
    }

    @Test func aPartialRerunRemovesTheEarlierRunsFilesItDidNotProduce() throws {
        // First run: fiber maps. Second run: fiber fails, raise_if_mapper_errors false, a given acquisition remains.
        let given = try JSONDocument.read(pipelineFixtures.appendingPathComponent("fip-session/acquisition_behavior.json"))
        let (dir, out) = try fipSession(extra: ["acquisition_behavior.json": JSONWriter.referenceString(given)])
        let pipeline = try shippedPipeline()
        let ok = pipeline.gather(session: dir, output: out, request: try request())
        #expect(ok.status == .ok, "\(ok.diagnostics)")
        #expect(contents(out).contains("acquisition_fiber.json"))
        try "{}".write(to: dir.appendingPathComponent("fip.json"), atomically: true, encoding: .utf8)
        let partial = pipeline.gather(
            session: dir, output: out,
            request: try request("raise_if_mapper_errors: false\nmappers: {fiber: {settings: {implanted_fibers: [0], acquisition_type: AindVrForaging}}}"))
        #expect(partial.status == .partial, "\(partial.diagnostics)")
        #expect(!contents(out).contains("acquisition_fiber.json"))
        let lock = try #require(try LockFile.load(out.appendingPathComponent("rigmap.lock")))
        #expect(lock.outputs["acquisition_fiber.json"] == nil)
        #expect(try JSONDocument.read(out.appendingPathComponent("gather_report.json"))["status"] == "partial")
    }
}

/// Found by the paths fuzz target (Fuzz/targets/paths.swift): `gather s --output new/sub/out` whose mapper fails removed
/// `out` but left the parents `new/sub/` it had created on the way, though it wrote nothing.
@Suite struct CreatedOutputFolderTests {
    @Test func aGatherThatWritesNothingRemovesTheFoldersItCreated() throws {
        let (session, _) = try fipSession()
        let root = try makeTemporaryFolder("created-parents")
        // No settings: fiber has no implanted fibers, the gather fails and writes nothing.
        let report = try shippedPipeline().gather(session: session, output: root.appendingPathComponent("new/sub/out"), request: request("{}"))
        #expect(report.status != .ok, "\(report.diagnostics)")
        #expect(report.written.isEmpty)
        #expect(contents(root).isEmpty, "left behind: \(contents(root))")
    }

    /// Folders that existed before the run stay, even empty ones; only what the run created goes.
    @Test func existingParentsStay() throws {
        let (session, _) = try fipSession()
        let root = try makeTemporaryFolder("existing-parents")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("kept/empty"), withIntermediateDirectories: true)
        let report = try shippedPipeline().gather(
            session: session, output: root.appendingPathComponent("kept/empty/new/out"), request: request("{}"))
        #expect(report.written.isEmpty)
        #expect(contents(root) == ["kept"])
        #expect(contents(root.appendingPathComponent("kept")) == ["empty"])
        #expect(contents(root.appendingPathComponent("kept/empty")).isEmpty)
    }

    /// Found by the paths fuzz target: `merge y.json --output la/b/<a name longer than the file system allows>` failed
    /// but left the folders `la/b` it had created on the way (`JSONDocument.writeAtomically`).
    @Test func aWriteThatFailsRemovesTheFoldersItCreated() throws {
        let root = try makeTemporaryFolder("failed-write-parents")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("kept"), withIntermediateDirectories: true)
        let tooLong = String(repeating: "M", count: 300) + ".json"
        #expect(throws: DiagnosticError.self) {
            try JSONDocument.writeAtomically([(root.appendingPathComponent("kept/la/b/\(tooLong)"), Array("{}".utf8))])
        }
        #expect(contents(root) == ["kept"])
        #expect(contents(root.appendingPathComponent("kept")).isEmpty, "left behind: \(contents(root.appendingPathComponent("kept")))")
        // Two files, the second failing: the first one's new folder goes too, and nothing is written.
        #expect(throws: DiagnosticError.self) {
            try JSONDocument.writeAtomically([
                (root.appendingPathComponent("kept/one/a.json"), Array("{}".utf8)),
                (root.appendingPathComponent("kept/two/\(tooLong)"), Array("{}".utf8)),
            ])
        }
        #expect(contents(root.appendingPathComponent("kept")).isEmpty, "left behind: \(contents(root.appendingPathComponent("kept")))")
    }

    /// A gather that writes keeps the folders it created.
    @Test func aGatherThatWritesKeepsThem() throws {
        let (session, _) = try fipSession()
        let root = try makeTemporaryFolder("created-parents-kept")
        let out = root.appendingPathComponent("new/sub/out")
        let report = try shippedPipeline().gather(session: session, output: out, request: request())
        #expect(report.status == .ok, "\(report.diagnostics)")
        #expect(contents(out).contains("acquisition.json"))
    }
}

/// Results gathered from concurrent work.
final class ConcurrentCollector: Sendable {
    private let storage = Locked<[Pipeline.Status]>([])
    func add(_ status: Pipeline.Status) { storage.withLock { $0.append(status) } }
    var all: [Pipeline.Status] { storage.withLock { $0 } }
}
