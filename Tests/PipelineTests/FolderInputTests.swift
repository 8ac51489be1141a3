import AindSchemas
import Foundation
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Testing

/// Folder inputs through the pipeline, with the `tally` test double (see TestSupport.swift).
@Suite struct FolderInputTests {
    let job = Resolver.Request(job: JobConfig())

    func map(_ session: URL, into output: URL) throws -> Pipeline.MapResult {
        try tallyPipeline().map(Pipeline.MapRequest(mapper: "tally", input: session, output: output, job: job))
    }

    @Test func oneMapperReceivesEveryFolderItClaims() throws {
        let (session, output) = try tallySession()
        let result = try map(session, into: output)
        #expect(result.record.claimed == ["rec A", "rec B"])
        let acquisition = try JSONDocument.read(output.appendingPathComponent("acquisition_tally.json"))
        #expect(acquisition["data_streams"]?.arrayValue?.count == 2)
        #expect(acquisition["data_streams"]?[1]?["notes"] == "rec B: header 16 bytes")
    }

    @Test func theProvenanceHashFollowsWhatWasReadAndNothingElse() throws {
        let (session, output) = try tallySession()
        let first = try map(session, into: output).record
        // The reads are recorded by what was read: whole files, a byte range, listings; never data.bin.
        #expect(first.inputs["rec A/meta.json"] != nil)
        #expect(first.inputs["rec A/header.bin#0-16"] != nil)
        #expect(first.inputs["rec A/"] != nil)
        #expect(!first.inputs.keys.contains { $0.contains("data.bin") })

        func hash() throws -> String? { try map(session, into: output).record.inputSHA256 }
        let original = try hash()
        #expect(original != nil)

        // An unread file changes (same size, then another size): the hash does not move.
        try Data(repeating: 9, count: 4096).write(to: session.appendingPathComponent("rec A/data.bin"))
        #expect(try hash() == original)
        try Data(repeating: 9, count: 10).write(to: session.appendingPathComponent("rec A/data.bin"))
        #expect(try hash() == original)
        try "changed".write(to: session.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        #expect(try hash() == original)

        // Bytes of header.bin past the 16 read do not count; the 16 read do.
        var header = (0..<64).map { UInt8($0) }
        header[40] = 0xFF
        try Data(header).write(to: session.appendingPathComponent("rec A/header.bin"))
        #expect(try hash() == original)
        header[3] = 0xFF
        try Data(header).write(to: session.appendingPathComponent("rec A/header.bin"))
        let afterHeader = try hash()
        #expect(afterHeader != original)

        // A read file changes: the hash moves.
        let meta = session.appendingPathComponent("rec B/meta.json")
        try (try String(contentsOf: meta, encoding: .utf8)).replacingOccurrences(of: "123456", with: "123457").write(to: meta, atomically: true, encoding: .utf8)
        let afterMeta = try hash()
        #expect(afterMeta != afterHeader)

        // A file added to a listed folder: the listing, hence the hash, moves.
        try "x".write(to: session.appendingPathComponent("rec B/extra.txt"), atomically: true, encoding: .utf8)
        #expect(try hash() != afterMeta)
    }

    @Test func gatherReusesFolderInputsUntilAReadFileChanges() throws {
        let (session, output) = try tallySession()
        let pipeline = try tallyPipeline()
        #expect(pipeline.gather(session: session, output: output, request: job).mappers.map(\.outcome) == [.ran])
        #expect(pipeline.gather(session: session, output: output, request: job).mappers.map(\.outcome) == [.reused])
        // data.bin is not read: still reused.
        try Data(repeating: 1, count: 100).write(to: session.appendingPathComponent("rec B/data.bin"))
        #expect(pipeline.gather(session: session, output: output, request: job).mappers.map(\.outcome) == [.reused])
        // A third Record-like folder appears: the mapper is given something new and runs.
        let recC = session.appendingPathComponent("rec C")
        try FileManager.default.copyItem(at: session.appendingPathComponent("rec A"), to: recC)
        let withC = pipeline.gather(session: session, output: output, request: job)
        #expect(withC.mappers.map(\.outcome) == [.ran])
        #expect(withC.mappers.first?.claimed == ["rec A", "rec B", "rec C"])
        // meta.json changes: runs again.
        try "{\"subject\": \"123456\", \"start\": \"2025-01-02T11:00:00-08:00\", \"end\": \"2025-01-02T11:20:00-08:00\"}"
            .write(to: recC.appendingPathComponent("meta.json"), atomically: true, encoding: .utf8)
        #expect(pipeline.gather(session: session, output: output, request: job).mappers.map(\.outcome) == [.ran])
    }

    @Test func mapAndGatherWriteTheSameDocumentAndTheSameLockEntries() throws {
        let (session, output) = try tallySession()
        let mapped = output.appendingPathComponent("mapped")
        let gathered = output.appendingPathComponent("gathered")
        _ = try map(session, into: mapped)
        let report = try tallyPipeline().gather(session: session, output: gathered, request: job)
        #expect(report.status == .ok, "\(report.diagnostics)")
        #expect(try Data(contentsOf: mapped.appendingPathComponent("acquisition_tally.json")) == Data(contentsOf: gathered.appendingPathComponent("acquisition_tally.json")))
        let a = try #require(try LockFile.load(mapped.appendingPathComponent("rigmap.lock")))
        let b = try #require(try LockFile.load(gathered.appendingPathComponent("rigmap.lock")))
        #expect(a.outputs["acquisition_tally.json"] == b.outputs["acquisition_tally.json"])
        #expect(a.outputs["acquisition_tally.json"]?.inputs.count ?? 0 > 4)
        #expect(a.mappers == b.mappers)
    }

    @Test func aSymlinkLeavingTheInputIsReportedNotFollowed() throws {
        let (session, output) = try tallySession()
        let outside = try makeTemporaryFolder("outside")
        try "secret".write(to: outside.appendingPathComponent("meta.json"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: session.appendingPathComponent("rec A/escape"), withDestinationURL: outside)
        let result = try map(session, into: output)
        #expect(result.warnings.contains { $0.message.contains("symlink leads outside the input") && $0.location?.file?.hasSuffix("rec A/escape") == true })
        #expect(!(result.record.inputs.keys.contains { $0.contains("escape") }))
    }

    @Test func aFolderWithNothingToClaimIsLocatedAndWritesNothing() throws {
        let empty = try makeTemporaryFolder("empty-session")
        let output = try makeTemporaryFolder().appendingPathComponent("out")
        let errors = thrownErrors { _ = try map(empty, into: output) }
        #expect(errors.first?.message.contains("tally@1.0.0 finds nothing to read here") == true)
        #expect(errors.first?.location?.file == empty.path)
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
