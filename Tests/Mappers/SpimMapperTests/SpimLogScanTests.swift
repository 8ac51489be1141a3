import Foundation
import MapperCatalog
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Testing

@testable import SpimMapper

/// Runs spim@1.0.0 into `out` as `rigmap map` does; the diagnostics it throws (none when it wrote).
func mapSpim(_ input: URL, job: String = sampleJob, into out: URL) -> [Diagnostic] {
    thrownDiagnostics { _ = try rigmapMap("spim", input: input, job: job, output: out) }
}

extension SpimSession {
    /// An ASI log of `size` bytes that are zeros (a sparse file, as a crash leaves) followed by `tail`.
    func writeSparseLog(size: UInt64, tail: [UInt8] = []) throws {
        try Data().write(to: logURL)
        let handle = try FileHandle(forWritingTo: logURL)
        try handle.truncate(atOffset: size)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(tail))
        try handle.close()
    }

    /// The byte ranges of the ASI log that the mapping into `out` recorded in rigmap.lock, from the end backwards.
    func recordedLogRanges(_ out: URL) throws -> [Range<Int64>] {
        let lock = try #require(try LockFile.load(out.appendingPathComponent(LockFile.fileName)))
        let inputs = try #require(lock.outputs["acquisition_spim.json"]?.inputs)
        var ranges: [Range<Int64>] = []
        for key in inputs.keys where key.hasPrefix("derivatives/ASI_logging.txt#") {
            let bounds = try #require(key.split(separator: "#").last?.split(separator: "-").compactMap { Int64($0) })
            try #require(bounds.count == 2, "not a ranged read: \(key)")
            ranges.append(bounds[0]..<bounds[1])
        }
        return ranges.sorted { $0.lowerBound > $1.lowerBound }
    }
}

/// The ASI log is read backwards in 64 KiB chunks, at most 16 MiB of it (issue 23: a 3 GB log without a timestamp
/// in its tail was read whole).
@Suite struct SpimLogScanTests {
    static let endLine = Array("5/1/2024 12:07:41 PM\t#Files\t3339\r\n".utf8)

    /// A large sparse log with no timestamp: the usual error, saying how much was searched; nothing written.
    @Test func aLogWithoutATimestampInItsLast16MiBIsRefused() throws {
        let session = try SpimSession()
        try session.writeSparseLog(size: 20 << 20)
        let out = try makeTemporaryFolder("spim-out").appendingPathComponent("out")
        let error = try #require(mapSpim(session.url, into: out).first { $0.severity == .error })
        #expect(error.message.hasPrefix("no line of the ASI log has a timestamp (M/D/YYYY h:mm:ss AM|PM) in its last 16 MiB"))
        #expect(error.message.contains("16777216 of its 20971520 bytes were searched"))
        #expect(error.message.hasSuffix("set mappers.spim.settings.acquisition_end_time"))
        #expect(error.location?.file?.hasSuffix("derivatives/ASI_logging.txt") == true)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// The same sparse log with a timestamp as its last line: one chunk is read.
    @Test func aLargeLogEndingWithATimestampReadsOneChunk() throws {
        let session = try SpimSession()
        try session.writeSparseLog(size: 20 << 20, tail: [0x0A] + SpimLogScanTests.endLine)
        let out = try makeTemporaryFolder("spim-out").appendingPathComponent("out")
        #expect(mapSpim(session.url, into: out).isEmpty)
        let acquisition = try JSONDocument.read(out.appendingPathComponent("acquisition_spim.json"))
        #expect(acquisition["acquisition_end_time"] == "2024-05-01T12:07:41-07:00")
        let size = Int64(20 << 20) + 1 + Int64(SpimLogScanTests.endLine.count)
        #expect(try session.recordedLogRanges(out) == [(size - 65_536)..<size])
    }

    /// A timestamp followed by 300 KB of lines without one: found across chunk boundaries, the lines counted; the
    /// chunks read are recorded, contiguous from the end, 64 KiB each.
    @Test func aTimestampBehindManyChunksOfGarbage() throws {
        let session = try SpimSession()
        var log = Array("5/1/2024 10:00:02 AM\t\tASI.RW.Prep.1_Start\r\n".utf8) + SpimLogScanTests.endLine
        for i in 0..<12_000 { log += Array("TiffQueue \(i)\t\u{B5}\r\n\r\n".utf8) }
        try session.writeLog(log)
        let out = try makeTemporaryFolder("spim-out").appendingPathComponent("out")
        #expect(mapSpim(session.url, into: out).isEmpty)
        let acquisition = try JSONDocument.read(out.appendingPathComponent("acquisition_spim.json"))
        #expect(acquisition["acquisition_end_time"] == "2024-05-01T12:07:41-07:00")
        let ranges = try session.recordedLogRanges(out)
        #expect(ranges.first?.upperBound == Int64(log.count))
        #expect(ranges.allSatisfy { $0.count <= ASILog.chunkBytes })
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.lowerBound == $1.upperBound })
        #expect(ranges.count == (log.count + ASILog.chunkBytes - 1) / ASILog.chunkBytes)
        let warnings = (try? mapSpim(session.url).warnings) ?? []
        #expect(warned(warnings, "the last 12000 line(s) of the ASI log have no timestamp"))
    }

    /// The limit: a log of exactly 16 MiB is searched whole (its first line has the timestamp); one byte more and the
    /// first line is out of reach.
    @Test func theSearchStopsAt16MiB() throws {
        let session = try SpimSession()
        let limit = UInt64(ASILog.searchLimitBytes)
        // The timestamp line, then a sparse run of zeros, then a newline: `limit` bytes in all.
        var bytes = SpimLogScanTests.endLine
        let padding = limit - UInt64(bytes.count) - 1
        try session.writeLog(bytes)
        let handle = try FileHandle(forWritingTo: session.logURL)
        try handle.truncate(atOffset: UInt64(bytes.count) + padding)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0x0A]))
        try handle.close()
        let mapped = try mapSpim(session.url)
        #expect(mapped.acquisition["acquisition_end_time"] == "2024-05-01T12:07:41-07:00")
        #expect(warned(mapped.warnings, "the last 1 line(s) of the ASI log have no timestamp"))

        bytes = [0x20] + SpimLogScanTests.endLine
        try session.writeSparseLog(size: 0, tail: bytes)
        let grow = try FileHandle(forWritingTo: session.logURL)
        try grow.truncate(atOffset: UInt64(bytes.count) + padding)
        try grow.seekToEnd()
        try grow.write(contentsOf: Data([0x0A]))
        try grow.close()
        let refused = thrownErrors { _ = try mapSpim(session.url) }
        #expect(refused.contains { $0.message.contains("\(limit) of its \(limit + 1) bytes were searched") }, "\(refused)")
    }

    /// The committed fixture's log is read as before 0.5.1: one ranged read of the whole (42 KB) file, so rigmap.lock
    /// is unchanged.
    @Test func theFixtureLogIsOneRecordedRead() throws {
        let out = try makeTemporaryFolder("spim-out").appendingPathComponent("out")
        let session = try SpimSession()
        #expect(mapSpim(session.url, into: out).isEmpty)
        #expect(try session.recordedLogRanges(out) == [0..<42_456])
    }
}

/// The backward chunked scan finds what the whole-file scan of 0.5.0 found, for any chunking.
@Suite struct ASILogBackwardScanTests {
    /// 0.5.0's reader of a whole log, kept as the oracle.
    static func wholeFileLastTimestamp(in bytes: ArraySlice<UInt8>) -> (timestamp: Timestamp, skippedLines: Int)? {
        var end = bytes.endIndex
        var skipped = 0
        while end > bytes.startIndex {
            var start = end
            while start > bytes.startIndex && bytes[start - 1] != 0x0A { start -= 1 }
            let line = bytes[start..<end]
            if let stamp = ASILog.timestamp(line) { return (stamp, skipped) }
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) { skipped += 1 }
            end = start > bytes.startIndex ? start - 1 : start
        }
        return nil
    }

    /// Lines that are, or nearly are, timestamps; white space runs longer than a chunk; blank lines; foreign bytes.
    static let pieces: [[UInt8]] = [
        Array("5/1/2024 12:07:41 PM\t#Files\t3339".utf8),
        Array("  \t5/2/2024 \t \t 1:02:03 \r am".utf8),
        Array("5/3/2024\(String(repeating: " ", count: 300))11:00:00\(String(repeating: "\t", count: 150))PM".utf8),
        Array("5/4/2024 1:00:00 P".utf8),
        Array("5/5/2024 13:00:00 PM".utf8),
        Array("5/6/2024 1:00:00 PX".utf8),
        Array("garbage".utf8), [0xB5, 0xFF], [], [0x0D], Array(String(repeating: " ", count: 200).utf8),
        Array(String(repeating: "x", count: 500).utf8),
    ]

    static func log(seed: UInt64, lines: Int) -> [UInt8] {
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var bytes: [UInt8] = []
        for _ in 0..<lines {
            bytes += pieces[next() % pieces.count]
            if next() % 4 != 0 { bytes.append(0x0A) }
        }
        return bytes
    }

    static func scanned(_ bytes: [UInt8], chunk: Int) -> (timestamp: Timestamp, skippedLines: Int)? {
        var scan = ASILog.BackwardScan()
        var end = bytes.count
        while end > 0 {
            let start = max(0, end - chunk)
            if let found = scan.feed(bytes[start..<end]) { return (found, scan.skippedLines) }
            end = start
        }
        return scan.finish().map { ($0, scan.skippedLines) }
    }

    @Test(arguments: 0..<40)
    func everyChunkingGivesTheWholeFileAnswer(seed: Int) {
        let bytes = ASILogBackwardScanTests.log(seed: UInt64(seed), lines: 1 + seed % 13)
        let expected = ASILogBackwardScanTests.wholeFileLastTimestamp(in: bytes[...])
        for chunk in [1, 2, 3, 5, 7, 16, 33, 64, 100, 4096] {
            let found = ASILogBackwardScanTests.scanned(bytes, chunk: chunk)
            #expect(found?.timestamp == expected?.timestamp, "seed \(seed), chunk \(chunk)")
            #expect(found?.skippedLines == expected?.skippedLines, "seed \(seed), chunk \(chunk)")
        }
        let whole = ASILog.lastTimestamp(in: bytes[...])
        #expect(whole?.timestamp == expected?.timestamp && whole?.skippedLines == expected?.skippedLines)
    }

    /// The cases the random logs must hit: a timestamp with long white space runs split across chunks.
    @Test func longWhiteSpaceRunsAcrossChunks() throws {
        let line = Array("5/3/2024\(String(repeating: " ", count: 300))11:00:00\(String(repeating: "\t", count: 150))PM\n garbage\n".utf8)
        for chunk in [1, 7, 64, 4096] {
            let found = try #require(ASILogBackwardScanTests.scanned(line, chunk: chunk))
            #expect(found.timestamp.description == "2024-05-03T23:00:00")
            #expect(found.skippedLines == 1)
        }
        #expect(ASILogBackwardScanTests.scanned(Array(String(repeating: " ", count: 1000).utf8), chunk: 10) == nil)
    }
}
