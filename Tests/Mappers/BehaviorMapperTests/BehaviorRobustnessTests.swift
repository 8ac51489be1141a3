import BehaviorMapper
import Foundation
import MapperCatalog
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Testing

/// Little-endian bytes of an integer.
func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

extension Session {
    /// Writes a Logs JSON file (both its _input and _output forms) as raw text, for numbers no writer produces.
    func writeLog(_ name: String, replacing old: String, with new: String) throws {
        for suffix in ["input", "output"] {
            let path = "Logs/\(name)_\(suffix).json"
            let text = String(decoding: try bytes(path), as: UTF8.self)
            #expect(text.contains(old), "\(path) holds \(old)")
            try write(path, Array(text.replacingOccurrences(of: old, with: new).utf8))
        }
    }

    /// A one-line software event file.
    func writeEvent(_ name: String, _ line: String) throws {
        try write("SoftwareEvents/\(name).json", Array((line + "\n").utf8))
    }
}

/// Issue 23: no input traps, memory stays flat, nothing wrong is written with exit 0.
@Suite struct BehaviorRobustnessTests {
    // MARK: Register values

    /// A core register holding a U64 ≥ 2^63 trapped converting it to `Int`: now a located error, file and byte offset.
    @Test(arguments: [
        (0, "Lickometer.harp/LicketySplit_0.bin"), (13, "Behavior.harp/Behavior_13.bin"), (14, "ClockGenerator.harp/WhiteRabbit_14.bin"),
        (6, "Treadmill.harp/Treadmill_6.bin"),
    ])
    func aU64RegisterValueOf2To63OrMoreIsALocatedError(address: Int, file: String) throws {
        for value: UInt64 in [1 << 63, UInt64.max] {
            let session = try Session()
            // An untimestamped command first (8 bytes), so the refused reply is at byte 8.
            let command = harpMessage(0x02, address: UInt8(address), payloadType: 0x02, payload: [0x22, 0x00])
            #expect(command.count == 8)
            try session.write(file, command + harpMessage(0x01, address: UInt8(address), payloadType: 0x08, payload: littleEndian(value), time: 3_824_817_331))
            let errors = thrownErrors { _ = try map(session) }
            let error = try #require(errors.first, "register \(address) holding \(value)")
            #expect(error.message.contains("register \(address) ("), "\(error.message)")
            #expect(error.message.contains("holds \(value) (type 0x18), more than a U"), "\(error.message)")
            #expect(error.location?.file == "session/behavior/\(file)")
            #expect(error.location?.byteOffset == 8)
        }
    }

    @Test func negativeAndFloatRegisterValuesAreLocatedErrors() throws {
        let cases: [(payloadType: UInt8, payload: [UInt8], expected: String)] = [
            (0x88, littleEndian(Int64(-1)), "holds -1 (type 0x98), a negative value"),
            (0x81, [0xFF], "holds -1 (type 0x91), a negative value"),
            (0x84, littleEndian(Int32.min), "holds -2147483648 (type 0x94), a negative value"),
            (0x44, littleEndian(Float(1216).bitPattern), "holds a floating-point payload (type 0x54)"),
            (0x02, littleEndian(UInt16(300)), "holds 300 (type 0x12), more than a U8 holds (at most 255)"),
        ]
        for (payloadType, payload, expected) in cases {
            let session = try Session()
            try session.write("Behavior.harp/Behavior_6.bin", harpMessage(0x01, address: 6, payloadType: payloadType, payload: payload, time: 3_824_817_331))
            let error = try #require(thrownErrors { _ = try map(session) }.first)
            #expect(error.message.contains("register 6 (FirmwareVersionHigh, U8) \(expected)"), "\(error.message)")
            #expect(error.location?.file == "session/behavior/Behavior.harp/Behavior_6.bin")
            #expect(error.location?.byteOffset == 0)
        }
    }

    @Test func aWiderTypeHoldingAValueTheRegisterTakesIsStillRead() throws {
        let session = try Session()
        try session.write("Behavior.harp/Behavior_0.bin", harpMessage(0x01, address: 0, payloadType: 0x08, payload: littleEndian(UInt64(1216)), time: 3_824_817_331))
        try session.write("Behavior.harp/Behavior_13.bin", harpMessage(0x01, address: 13, payloadType: 0x84, payload: littleEndian(Int32(65_535)), time: 3_824_817_331))
        let (instrument, _, _) = try map(session)
        let behavior = try #require(component(instrument, "harp_behavior"))
        #expect(behavior["harp_device_type"] == ["whoami": 1216, "name": "Behavior"])
        #expect(behavior["serial_number"] == "65535")
    }

    // MARK: Software event timestamps

    /// `"timestamp": 1e300` trapped converting seconds to microseconds: now a located error (file, line, JSON path).
    @Test(arguments: ["1e300", "-1e300", "123456789012345678901234567890", "4e11", "-62135596801e3"])
    func anEventTimestampOutOfRangeIsALocatedError(literal: String) throws {
        let session = try Session()
        try session.writeEvent(
            "StartSessionTime", #"{"name":"StartSessionTime","timestamp":\#(literal),"timestamp_source":"harp","data":null,"data_type":"null"}"#)
        let error = try #require(thrownErrors { _ = try map(session) }.first)
        #expect(error.message.contains("timestamp \(literal) is not a Harp time"), "\(error.message)")
        #expect(error.location?.file == "session/behavior/SoftwareEvents/StartSessionTime.json")
        #expect(error.location?.line == 1)
        #expect(error.location?.jsonPath?.description == "timestamp")
    }

    @Test func anEndEventTimestampOutOfRangeOnItsLastLineIsALocatedError() throws {
        let session = try Session()
        let good = String(decoding: try session.bytes("SoftwareEvents/EndSessionTime.json"), as: UTF8.self)
        try session.write(
            "SoftwareEvents/EndSessionTime.json",
            Array((good + #"{"name":"EndSessionTime","timestamp":-1e300,"timestamp_source":null,"data":null}"# + "\n").utf8))
        let error = try #require(thrownErrors { _ = try map(session) }.first)
        #expect(error.location?.file == "session/behavior/SoftwareEvents/EndSessionTime.json")
        #expect(error.location?.line == 2)
        #expect(error.location?.jsonPath?.description == "timestamp")
    }

    /// The JSON parser refuses NaN, Infinity and numbers beyond a double (`1e999`): the line is skipped with a
    /// warning and the session date is the start.
    @Test(arguments: ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
    func nonJSONNumbersInAnEventAreSkippedLines(literal: String) throws {
        let session = try Session()
        try session.writeEvent("StartSessionTime", #"{"name":"StartSessionTime","timestamp":\#(literal),"data":null}"#)
        let (_, acquisition, warnings) = try map(session)
        #expect(warnings.contains { $0.message.contains("event line is not JSON") && $0.location?.line == 1 })
        #expect(acquisition["acquisition_start_time"] == "2025-03-14T10:15:29.812345-07:00")
    }

    /// A Harp timestamp the mapping can use still gives the start (and keeps microseconds).
    @Test func aHarpTimestampStillGivesTheStart() throws {
        let session = try Session()
        try session.writeEvent("StartSessionTime", #"{"name":"StartSessionTime","timestamp":3824817332.812345,"timestamp_source":"harp","data":null}"#)
        let (_, acquisition, _) = try map(session)
        #expect(acquisition["acquisition_start_time"] == "2025-03-14T10:15:32.812345-07:00")
    }

    // MARK: End before start

    @Test func anEndBeforeTheStartIsALocatedErrorNamingBothFiles() throws {
        let session = try Session()
        let start = try session.bytes("SoftwareEvents/StartSessionTime.json")
        let end = try session.bytes("SoftwareEvents/EndSessionTime.json")
        try session.write("SoftwareEvents/StartSessionTime.json", end)
        try session.write("SoftwareEvents/EndSessionTime.json", start)
        let errors = thrownErrors { _ = try map(session) }
        let error = try #require(errors.first)
        #expect(error.message.contains("before it starts"), "\(error.message)")
        #expect(error.message.contains("session/behavior/SoftwareEvents/EndSessionTime.json:1: data"), "\(error.message)")
        #expect(error.message.contains("session/behavior/SoftwareEvents/StartSessionTime.json:1: data"), "\(error.message)")
        #expect(error.location?.file == "session/behavior/SoftwareEvents/EndSessionTime.json")
    }

    @Test func anEndFromTheRegistersBeforeTheStartNamesTheRegisterFile() throws {
        let session = try Session()
        try session.remove("SoftwareEvents/EndSessionTime.json")
        // A start a day after every heartbeat (still within two days of the session date).
        try session.writeEvent("StartSessionTime", #"{"name":"StartSessionTime","timestamp":null,"data":"2025-03-15T17:15:32.812345Z"}"#)
        let error = try #require(thrownErrors { _ = try map(session) }.first)
        #expect(error.message.contains("before it starts"), "\(error.message)")
        #expect(error.message.contains("StartSessionTime.json:1: data"), "\(error.message)")
        #expect(error.location?.file?.hasSuffix(".bin") == true)
        #expect(error.location?.byteOffset != nil)
    }

    @Test func anEndEqualToTheStartIsAccepted() throws {
        let session = try Session()
        try session.write("SoftwareEvents/EndSessionTime.json", try session.bytes("SoftwareEvents/StartSessionTime.json"))
        let (_, acquisition, _) = try map(session)
        #expect(acquisition["acquisition_end_time"] == acquisition["acquisition_start_time"])
    }

    // MARK: Text length

    @Test func textsOver64KiBAreRefusedWithTheirJSONPath() throws {
        let long = String(repeating: "x", count: 65_537)
        let cases: [(log: String, path: String, edit: (inout JSONObject) -> Void)] = [
            ("rig", "rig_name", { $0["rig_name"] = .string(long) }),
            ("rig", "computer_name", { $0["computer_name"] = .string(long) }),
            ("rig", "harp_behavior.port_name", { rig in
                if case .object(var entry)? = rig["harp_behavior"] { entry["port_name"] = .string(long); rig["harp_behavior"] = .object(entry) }
            }),
            ("session", "experimenter[1]", { $0["experimenter"] = ["Jane Doe", .string(long)] }),
            ("session", "notes", { $0["notes"] = .string(long) }),
            ("session", "subject", { $0["subject"] = .string(long) }),
            ("tasklogic", "name", { $0["name"] = .string(long) }),
        ]
        for (log, path, edit) in cases {
            let session = try Session()
            try session.editLog(log, edit)
            let error = try #require(thrownErrors { _ = try map(session) }.first, "\(path)")
            #expect(error.message.contains("a text of 65537 bytes, longer than the 65536 bytes (64 KiB) allowed"), "\(error.message)")
            #expect(error.location?.file == "session/behavior/Logs/\(log)_input.json")
            #expect(error.location?.jsonPath?.description == path)
        }
    }

    @Test func aRigKeyOver64KiBIsRefused() throws {
        let session = try Session()
        try session.editLog("rig") { rig in
            rig[String(repeating: "k", count: 70_000)] = rig["harp_behavior"]
            rig.removeValue(forKey: "harp_behavior")
        }
        let error = try #require(thrownErrors { _ = try map(session) }.first)
        #expect(error.message.contains("a key of 70000 bytes"))
        #expect(error.location?.file == "session/behavior/Logs/rig_input.json")
    }

    @Test func aTextOfExactly64KiBIsWrittenWhole() throws {
        let notes = String(repeating: "n", count: 65_536)
        let session = try Session()
        try session.editLog("session") { $0["notes"] = .string(notes) }
        let (_, acquisition, _) = try map(session)
        #expect(acquisition["notes"]?.stringValue == notes)
    }

    @Test func settingsOver64KiBAreRefused() throws {
        let job = "timezone: UTC\nmappers: {behavior: {settings: {instrument_id: \(String(repeating: "i", count: 65_537))}}}\n"
        let error = try #require(thrownErrors { _ = try map(try Session(), job: job) }.first)
        #expect(error.message.contains("'instrument_id' a text of 65537 bytes"), "\(error.message)")
    }

    // MARK: Numbers of the rig file

    /// `1e999` is valid JSON grammar but no double: written, it would silently become `null`. The rig file is refused
    /// with its line and column.
    @Test func aCameraNumberBeyondADoubleIsRefused() throws {
        for old in ["\"frame_rate\": 60,", "\"exposure\": 10000,"] {
            let session = try Session()
            let key = old.split(separator: ":")[0]
            let text = String(decoding: try session.bytes("Logs/rig_input.json"), as: UTF8.self)
            #expect(text.contains(old))
            try session.write("Logs/rig_input.json", Array(text.replacingOccurrences(of: old, with: "\(key): 1e999,").utf8))
            let error = try #require(thrownErrors { _ = try map(session) }.first, "\(old)")
            #expect(error.message.contains("1e999 is out of range"), "\(error.message)")
            #expect(error.location?.file == "session/behavior/Logs/rig_input.json")
            #expect(error.location?.line != nil)
        }
    }

    // MARK: Register files scanned in chunks

    /// The chunked scanner finds exactly what the whole-file scan finds, wherever the chunks end.
    @Test func theChunkedScanMatchesTheWholeScanAtEveryChunkSize() throws {
        let session = try Session()
        var files: [[UInt8]] = []
        let heartbeats = try session.bytes("ClockGenerator.harp/WhiteRabbit_8.bin")
        files.append(heartbeats)
        // Garbage, a bad checksum, a corrupt timestamp, an error reply, an untimestamped command, a truncated tail.
        var damaged = [0x00, 0xFF, 0x42] + heartbeats
        damaged[damaged.count - 1] ^= 0x55
        damaged += harpMessage(0x01, address: 8, payloadType: 0x04, payload: [1, 2, 3, 4], time: 3_824_817_331)
        let corruptTime: [UInt8] = [0x03, 0x0E, 0x08, 0xFF, 0x14, 0, 0, 0, 0, 0xFF, 0xFF, 1, 2, 3, 4]  // 65535 ticks
        damaged += corruptTime + [UInt8(truncatingIfNeeded: corruptTime.reduce(0) { $0 &+ UInt32($1) })]
        damaged += harpMessage(0x09, address: 8, payloadType: 0x04, payload: [9, 9, 9, 9], time: 3_824_817_332)
        damaged += harpMessage(0x02, address: 8, payloadType: 0x02, payload: [0x22, 0x00])
        damaged += Array(repeating: 0xAB, count: 300)
        damaged += Array(harpMessage(0x03, address: 8, payloadType: 0x04, payload: [5, 6, 7, 8], time: 3_824_817_333).dropLast(3))
        files.append(damaged)
        files.append(Array(repeating: 0, count: 600))
        files.append([])
        for file in files {
            let whole = HarpReader.scan(file)
            #expect(!whole.messages.isEmpty || file.count < 700)
            for chunkSize in [1, 2, 3, 7, 16, 256, 257, 258, 1000, file.count + 1] {
                var messages: [(Int, UInt8, [UInt8], Double?)] = []
                var problems: [(Int, String)] = []
                var scanner = HarpScanner()
                var start = 0
                while start < file.count {
                    let end = min(file.count, start + chunkSize)
                    scanner.feed(Array(file[start..<end]), message: { messages.append(($0.offset, $0.address, Array($0.payload), $0.time)) }, problem: { problems.append(($0, $1)) })
                    start = end
                }
                scanner.finish(message: { messages.append(($0.offset, $0.address, Array($0.payload), $0.time)) }, problem: { problems.append(($0, $1)) })
                #expect(messages.map(\.0) == whole.messages.map(\.offset), "chunks of \(chunkSize)")
                #expect(messages.map(\.2) == whole.messages.map { Array($0.payload) }, "chunks of \(chunkSize)")
                #expect(messages.map(\.3) == whole.messages.map(\.time), "chunks of \(chunkSize)")
                #expect(problems.map(\.0) == whole.problems.map(\.offset), "chunks of \(chunkSize)")
                #expect(problems.map(\.1) == whole.problems.map(\.message), "chunks of \(chunkSize)")
            }
        }
    }

    /// A register file larger than a read chunk (1 MiB) is read to its end: its last heartbeat gives the end time,
    /// and the lock records the whole file's sha256 under its path, as a whole read does.
    @Test func aRegisterFileOfSeveralChunksIsReadToItsEndAndRecordedAsAWholeFile() throws {
        let session = try Session()
        try session.remove("SoftwareEvents/EndSessionTime.json")
        let original = try session.bytes("ClockGenerator.harp/WhiteRabbit_8.bin")
        var grown: [UInt8] = []
        grown.reserveCapacity(2_600_000)
        var second: UInt32 = 3_824_000_000
        while grown.count < 2_500_000 {
            grown += harpMessage(0x03, address: 8, payloadType: 0x04, payload: littleEndian(second), time: Double(second))
            second += 1
        }
        grown += original  // the latest heartbeats last, beyond the second chunk
        try session.write("ClockGenerator.harp/WhiteRabbit_8.bin", grown)
        let run = try rigmapMap("behavior", input: session.url, job: "timezone: America/Los_Angeles")
        #expect(run.result.record.inputs["behavior/ClockGenerator.harp/WhiteRabbit_8.bin"] == Digest.sha256(grown))
        let acquisition = try run.json("acquisition_behavior.json")
        let unchanged = try Session()
        try unchanged.remove("SoftwareEvents/EndSessionTime.json")
        let expected = try map(unchanged).acquisition["acquisition_end_time"]
        #expect(expected?.stringValue?.hasPrefix("2025-03-14T10:15:") == true)
        #expect(acquisition["acquisition_end_time"] == expected)
    }

    /// `MapperInput.chunks` hands over the whole file and records it as `bytes(_:)` does (same key, same digest).
    @Test func chunkedReadsAreRecordedAsWholeReads() throws {
        let folder = try makeTemporaryFolder("chunks")
        let content = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(content).write(to: folder.appendingPathComponent("data.bin"))
        let chunked = try MapperInput(root: folder)
        var seen: [UInt8] = []
        var offsets: [Int64] = []
        try chunked.chunks("data.bin", chunkSize: 4096) { offset, chunk in
            offsets.append(offset)
            seen += chunk
        }
        #expect(seen == content)
        #expect(offsets == [0, 4096, 8192])
        let whole = try MapperInput(root: folder)
        _ = try whole.bytes("data.bin")
        #expect(chunked.reads == whole.reads)
        #expect(chunked.reads.first { $0.path == "data.bin" }?.key == "data.bin")
        // An error of the body ends the read, is rethrown, and records nothing.
        let failing = try MapperInput(root: folder)
        let errors = thrownErrors {
            try failing.chunks("data.bin", chunkSize: 4096) { (offset: Int64, _: [UInt8]) throws(DiagnosticError) in
                if offset > 0 { throw DiagnosticError("stop", at: failing.location("data.bin", byteOffset: Int(offset))) }
            }
        }
        #expect(errors.first?.location?.byteOffset == 4096)
        #expect(!failing.reads.contains { $0.path == "data.bin" })
    }

    /// A register file damaged all through gives its first problems one by one and a count of the rest.
    @Test func manyFramingProblemsInOneFileAreSummarised() throws {
        let session = try Session()
        var bytes: [UInt8] = []
        for second in 0..<500 {
            var message = harpMessage(0x03, address: 8, payloadType: 0x04, payload: littleEndian(UInt32(second)), time: 3_824_817_331 + Double(second))
            message[message.count - 1] ^= 0xFF
            bytes += message
        }
        bytes += try session.bytes("Behavior.harp/Behavior_8.bin")
        try session.write("Behavior.harp/Behavior_8.bin", bytes)
        let (_, _, warnings) = try map(session)
        let mine = warnings.filter { $0.location?.file == "session/behavior/Behavior.harp/Behavior_8.bin" }
        #expect(mine.count == 11)
        #expect(mine.prefix(10).allSatisfy { $0.message.contains("bad checksum") })
        #expect(mine.last?.message.hasPrefix("490 more framing problem(s)") == true)
        #expect(mine.last?.location?.byteOffset == 10 * 16)
    }
}
