import AindSchemas
import BehaviorMapper
import Foundation
import MapperCatalog
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Testing

let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

/// A Harp message as the devices write it (see SPEC: type, length, address, port, payload type, [time], payload, checksum).
func harpMessage(_ type: UInt8, address: UInt8, payloadType: UInt8, payload: [UInt8], time: Double? = nil) -> [UInt8] {
    var body: [UInt8] = [address, 0xFF, payloadType | (time != nil ? 0x10 : 0)]
    if let time {
        let seconds = UInt32(time)
        let ticks = UInt16(((time - Double(seconds)) / 32e-6).rounded())
        body += withUnsafeBytes(of: seconds.littleEndian, Array.init) + withUnsafeBytes(of: ticks.littleEndian, Array.init)
    }
    body += payload
    var raw: [UInt8] = [type, UInt8(body.count + 1)] + body
    raw.append(UInt8(truncatingIfNeeded: raw.reduce(0) { $0 &+ UInt32($1) }))
    return raw
}

/// A copy of a fixture session, to edit.
struct Session {
    let url: URL
    var behavior: URL { url.appendingPathComponent("behavior") }

    init(_ fixture: String = "session") throws {
        url = try makeTemporaryFolder("behavior-session")
        try FileManager.default.removeItem(at: url)
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent(fixture), to: url)
    }

    func file(_ relative: String) -> URL { behavior.appendingPathComponent(relative) }

    func bytes(_ relative: String) throws -> [UInt8] { Array(try Data(contentsOf: file(relative))) }

    func write(_ relative: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: file(relative)) }

    func remove(_ relative: String) throws { try FileManager.default.removeItem(at: file(relative)) }

    /// Edits a Logs JSON file (both its _input and _output forms).
    func editLog(_ name: String, _ edit: (inout JSONObject) -> Void) throws {
        for suffix in ["input", "output"] {
            let path = "Logs/\(name)_\(suffix).json"
            guard case .object(var object) = try JSONDocument.read(file(path)) else { continue }
            edit(&object)
            try Data(JSONWriter.referenceBytes(.object(object))).write(to: file(path))
        }
    }
}

/// Runs behavior@1.0.0 as `rigmap map` does (MapperTesting's `rigmapMap`: the pipeline, validation included, nothing
/// written on failure).
func map(_ session: Session, job: String = "timezone: America/Los_Angeles\n") throws(DiagnosticError) -> (instrument: JSONValue, acquisition: JSONValue, warnings: [Diagnostic]) {
    let run = try rigmapMap("behavior", input: session.url, inputDisplay: "session", job: job)
    return (try run.json("instrument_behavior.json"), try run.json("acquisition_behavior.json"), run.warnings)
}

func component(_ instrument: JSONValue, _ name: String) -> JSONValue? {
    instrument["components"]?.arrayValue?.first { $0["name"]?.stringValue == name }
}

@Suite struct BehaviorMappingTests {
    @Test func aCleanSessionMapsToBothDocuments() throws {
        let (instrument, acquisition, warnings) = try map(try Session())
        #expect(warnings.filter { $0.severity == .error }.isEmpty)
        #expect(instrument["instrument_id"] == "VR4_447_B")
        #expect(instrument["modification_date"] == "2025-03-14")
        #expect(instrument["modalities"]?.arrayValue?.compactMap { $0["abbreviation"]?.stringValue } == ["behavior", "behavior-videos"])
        let names = instrument["components"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["W10DT714099", "harp_behavior", "harp_olfactometer", "harp_lickometer", "harp_clock_generator", "harp_treadmill", "manipulator", "FaceCamera_assembly"])

        // Registers, not device.yml: WhoAmI, serial (register 13), versions, tag, clock bit.
        let behavior = try #require(component(instrument, "harp_behavior"))
        #expect(behavior["harp_device_type"] == ["whoami": 1216, "name": "Behavior"])
        #expect(behavior["serial_number"] == "1342")
        #expect(behavior["firmware_version"] == "3.3")
        #expect(behavior["hardware_version"] == "1.1")
        #expect(behavior["core_version"] == "1.11")
        #expect(behavior["is_clock_generator"] == false)
        let clock = try #require(component(instrument, "harp_clock_generator"))
        #expect(clock["harp_device_type"] == ["whoami": 1404, "name": "WhiteRabbit"])
        #expect(clock["is_clock_generator"] == true)
        #expect(clock["serial_number"] == "7")
        #expect(clock["manufacturer"]?["abbreviation"] == "AIND")
        #expect(clock["channels"]?[0]?["channel_name"] == "ClkOut")
        #expect(component(instrument, "harp_treadmill")?["tag_version"] == "1f3a9c2e00000000")
        // The lickometer's rig entry has no serial: register 13 gives it.
        #expect(component(instrument, "harp_lickometer")?["serial_number"] == "21")
        let olfactometer = try #require(component(instrument, "harp_olfactometer"))
        #expect(olfactometer["object_type"] == "Olfactometer")
        #expect(olfactometer["channels"]?.arrayValue?.map { $0["channel_type"]?.stringValue } == ["Odor", "Odor", "Odor", "Carrier"])
        #expect(olfactometer["manufacturer"]?["abbreviation"] == "Champalimaud")

        // Wiring: every device to the computer on its port; the generator's ClkOut to every other device's ClkIn.
        let connections = instrument["connections"]?.arrayValue ?? []
        #expect(connections.filter { $0["target_device"] == "W10DT714099" }.count == 6)
        #expect(connections.contains { $0["source_device"] == "harp_behavior" && $0["source_port"] == "COM3" })
        let clockLinks = connections.filter { $0["source_port"] == "ClkOut" }
        #expect(clockLinks.count == 5)
        #expect(clockLinks.allSatisfy { $0["source_device"] == "harp_clock_generator" && $0["target_port"] == "ClkIn" })
        #expect(instrument["global_coordinate_system"]?["axes"]?[1]?["direction"] == "Anterior_to_posterior")

        // Acquisition: session events in the job's zone with microseconds; one stream; the task's code.
        #expect(acquisition["subject_id"] == "789012")
        #expect(acquisition["acquisition_start_time"] == "2025-03-14T10:15:32.812345-07:00")
        #expect(acquisition["acquisition_end_time"] == "2025-03-14T10:15:40.812345-07:00")
        #expect(acquisition["acquisition_start_tz"] == "America/Los_Angeles")
        #expect(acquisition["experimenters"] == ["Jane Doe", "John Roe"])
        #expect(acquisition["instrument_id"] == instrument["instrument_id"])
        #expect(acquisition["acquisition_type"] == "AindVrForaging")
        let stream = try #require(acquisition["data_streams"]?[0])
        #expect(stream["active_devices"]?.arrayValue?.count == 7)
        #expect(stream["configurations"]?[0]?["device_name"] == "FaceCamera")
        let code = try #require(stream["code"]?[0])
        #expect(code["version"] == "1.3.2")
        #expect(code["commit_hash"] == "9f2c4e1b7a5d3c8e0f6a1b2c3d4e5f60718293a4")
        #expect(code["language"] == "Bonsai")
        #expect(code["parameters"]?["rig"] == "behavior/Logs/rig_input.json")
        // Every active device is an instrument component.
        let all = Set(instrument.instrumentComponentNames)
        #expect((stream["active_devices"]?.arrayValue ?? []).allSatisfy { all.contains($0.stringValue ?? "") })
    }

    @Test func settingsOverrideWhatTheSessionSays() throws {
        let job = """
            timezone: Europe/Berlin
            mappers:
              behavior:
                settings: {instrument_id: RIG-9, acquisition_type: Foraging, experimenters: [A. B.], modification_date: "2025-01-31", location: Room 101}

            """
        let (instrument, acquisition, _) = try map(try Session(), job: job)
        #expect(instrument["instrument_id"] == "RIG-9")
        #expect(instrument["location"] == "Room 101")
        #expect(instrument["modification_date"] == "2025-01-31")
        #expect(acquisition["acquisition_type"] == "Foraging")
        #expect(acquisition["experimenters"] == ["A. B."])
        #expect(acquisition["acquisition_start_time"] == "2025-03-14T18:15:32.812345+01:00")
        let bad = thrownErrors { _ = try map(try Session(), job: "mappers: {behavior: {settings: {modification_date: 31/01/2025}}}\n") }
        #expect(bad.first?.message.contains("modification_date") == true)
        #expect(bad.first?.location?.line == 1)
    }

    @Test func theLegacyCapitalisedFolderIsReadToo() throws {
        let session = try Session("session-clocksync")
        try FileManager.default.moveItem(at: session.behavior, to: session.url.appendingPathComponent("Behavior"))
        let (instrument, acquisition, _) = try map(session)
        #expect(instrument["instrument_id"] == "BEH_1")
        #expect(instrument["modalities"]?.arrayValue?.count == 1)
        #expect(component(instrument, "harp_clock_generator")?["harp_device_type"] == ["whoami": 1152, "name": "ClockSynchronizer"])
        // 2024-11-03 08:45 UTC is 01:45 PDT, the first of the repeated hour in Los Angeles.
        #expect(acquisition["acquisition_start_time"] == "2024-11-03T01:45:03.500000-07:00")
        #expect(acquisition["acquisition_end_time"] == "2024-11-03T01:45:11.500000-07:00")
    }

    @Test func aFolderThatIsNotABehaviorSessionIsRefusedAndWritesNothing() throws {
        let empty = try makeTemporaryFolder("not-a-session")
        try FileManager.default.createDirectory(at: empty.appendingPathComponent("behavior/notes"), withIntermediateDirectories: true)
        let errors = thrownErrors { _ = try map(Session(empty)) }
        #expect(errors.first?.message.contains("not a behavior session") == true)
        let none = try makeTemporaryFolder("nothing")
        #expect(thrownErrors { _ = try map(Session(none)) }.first?.message.contains("finds nothing to read here") == true)
    }
}

extension Session {
    init(_ url: URL) { self.url = url }
}

/// SPEC §6: every tricky case seen in real data.
@Suite struct BehaviorTrickyCaseTests {
    @Test func aTruncatedLastMessageIsAWarningWithItsOffsetAndTheScanGoesOn() throws {
        let session = try Session()
        let heartbeat = try session.bytes("ClockGenerator.harp/WhiteRabbit_8.bin")
        try session.write("ClockGenerator.harp/WhiteRabbit_8.bin", Array(heartbeat.dropLast(5)))
        let (instrument, _, warnings) = try map(session)
        let warning = try #require(warnings.first { $0.message.contains("truncated message") })
        #expect(warning.location?.file == "session/behavior/ClockGenerator.harp/WhiteRabbit_8.bin")
        #expect(warning.location?.byteOffset == heartbeat.count - 16)  // a timestamped U32 event is 16 bytes
        #expect(component(instrument, "harp_clock_generator")?["is_clock_generator"] == true)
    }

    @Test func aBadChecksumSkipsThatMessageAndReportsIt() throws {
        let session = try Session()
        var serial = try session.bytes("Behavior.harp/Behavior_13.bin")
        serial[serial.count - 1] ^= 0xFF
        try session.write("Behavior.harp/Behavior_13.bin", serial)
        let (instrument, _, warnings) = try map(session)
        #expect(warnings.contains { $0.message.contains("bad checksum") && $0.location?.byteOffset == 0 && $0.location?.file?.hasSuffix("Behavior_13.bin") == true })
        #expect(component(instrument, "harp_behavior")?["serial_number"] == "1342")  // the rig's, since the register's is unreadable
    }

    @Test func garbageBetweenMessagesIsSkippedByResynchronising() throws {
        let session = try Session()
        let original = try session.bytes("Behavior.harp/Behavior_8.bin")
        try session.write("Behavior.harp/Behavior_8.bin", [0x00, 0xFF, 0x42, 0x00] + original)
        let (_, _, warnings) = try map(session)
        #expect(warnings.contains { $0.message.contains("resynchronised at byte 4") && $0.location?.byteOffset == 0 })
    }

    @Test func anEmptyRegisterFileIsAWarningAndTheWhoAmIComesFromDeviceYml() throws {
        let session = try Session()
        try session.write("Lickometer.harp/LicketySplit_0.bin", [])
        let (instrument, _, warnings) = try map(session)
        #expect(warnings.contains { $0.message.contains("empty register file") })
        #expect(component(instrument, "harp_lickometer")?["harp_device_type"] == ["whoami": 1400, "name": "LicketySplit"])
    }

    @Test func anErrorReplyLeavesTheValueUnknown() throws {
        let session = try Session()
        try session.write("Behavior.harp/Behavior_13.bin", harpMessage(0x09, address: 13, payloadType: 0x02, payload: [0xEE, 0xEE], time: 3_824_817_330))
        let (instrument, _, warnings) = try map(session)
        #expect(warnings.contains { $0.message.contains("register 13 answered only with an error reply") })
        #expect(component(instrument, "harp_behavior")?["serial_number"] == "1342")
    }

    @Test func untimestampedCommandsAreReadAtTheirOwnLength() throws {
        let session = try Session()
        let original = try session.bytes("Behavior.harp/Behavior_13.bin")
        try session.write("Behavior.harp/Behavior_13.bin", harpMessage(0x02, address: 13, payloadType: 0x02, payload: [0x22, 0x00]) + original)
        let (instrument, _, warnings) = try map(session)
        #expect(!warnings.contains { $0.location?.file?.hasSuffix("Behavior_13.bin") == true })
        #expect(component(instrument, "harp_behavior")?["serial_number"] == "1342")
    }

    @Test func aMissingWhoAmIFileFallsBackToDeviceYmlThenTheRig() throws {
        let session = try Session()
        try session.remove("Lickometer.harp/LicketySplit_0.bin")
        #expect(component(try map(session).instrument, "harp_lickometer")?["harp_device_type"]?["whoami"] == 1400)
        try session.remove("Lickometer.harp/device.yml")
        #expect(component(try map(session).instrument, "harp_lickometer")?["harp_device_type"]?["whoami"] == 1400)
    }

    @Test func deviceYmlWithAnchorsAndMergeKeysIsReadAndItsVersionsNeverUsed() throws {
        let session = try Session()
        // Registers gone: device.yml's firmwareVersion "0.1" must not become the firmware version.
        for address in [6, 7] { try session.remove("Lickometer.harp/LicketySplit_\(address).bin") }
        let (instrument, _, _) = try map(session)
        let lickometer = try #require(component(instrument, "harp_lickometer"))
        #expect(lickometer["firmware_version"] == .null)
        #expect(lickometer["hardware_version"] == "0.5")
    }

    @Test func twoDevicesWithOneWhoAmIAreToldApartByFolderAndSerial() throws {
        let session = try Session()
        let extensionFolder = session.file("OlfactometerExtension1.harp")
        try FileManager.default.copyItem(at: session.file("Olfactometer.harp"), to: extensionFolder)
        let serial = harpMessage(0x01, address: 13, payloadType: 0x02, payload: [0x71, 0x00], time: 3_824_817_330)  // 113
        try session.write("OlfactometerExtension1.harp/Olfactometer_13.bin", serial)
        try session.editLog("rig") { rig in
            var entry = rig["harp_olfactometer"]?.objectValue ?? [:]
            entry["serial_number"] = "113"
            entry["port_name"] = "COM10"
            rig["harp_olfactometer_extension"] = [.object(entry)]
        }
        let (instrument, acquisition, _) = try map(session)
        #expect(component(instrument, "harp_olfactometer")?["serial_number"] == "112")
        #expect(component(instrument, "harp_olfactometer_extension_0")?["serial_number"] == "113")
        #expect(acquisition["data_streams"]?[0]?["active_devices"]?.arrayValue?.contains("harp_olfactometer_extension_0") == true)
    }

    @Test func aWhoAmIOutsideTheSchemasTableIsAGenericDevice() throws {
        for who: UInt16 in [1411, 0] {
            let session = try Session()
            try session.write("Lickometer.harp/LicketySplit_0.bin", harpMessage(0x01, address: 0, payloadType: 0x02, payload: [UInt8(who & 0xFF), UInt8(who >> 8)], time: 3_824_817_330))
            try session.remove("Lickometer.harp/device.yml")
            try session.editLog("rig") { rig in
                if case .object(var entry)? = rig["harp_lickometer"] { entry["who_am_i"] = .int(Int(who)); rig["harp_lickometer"] = .object(entry) }
            }
            let (instrument, _, warnings) = try map(session)
            let device = try #require(component(instrument, "harp_lickometer"))
            #expect(device["object_type"] == "Device", "\(who)")
            #expect(device["notes"]?.stringValue?.contains("WhoAmI \(who)") == true)
            #expect(warnings.contains { $0.message.contains("is not a Harp device type") })
        }
    }

    @Test func twoClockGeneratorsAreRefusedUnlessTheJobPicksOne() throws {
        let session = try Session()
        try session.write("Behavior.harp/Behavior_14.bin", harpMessage(0x01, address: 14, payloadType: 0x01, payload: [0b0101_0010], time: 3_824_817_330))
        let errors = thrownErrors { _ = try map(session) }
        let error = try #require(errors.first)
        #expect(error.message.contains("'harp_behavior' (session/behavior/Behavior.harp/Behavior_14.bin)"))
        #expect(error.message.contains("'harp_clock_generator' (session/behavior/ClockGenerator.harp/WhiteRabbit_14.bin)"))
        let (instrument, _, warnings) = try map(session, job: "timezone: UTC\nmappers: {behavior: {settings: {clock_generator: ClockGenerator}}}\n")
        let generators = instrument["components"]?.arrayValue?.filter { $0["is_clock_generator"] == true }.compactMap { $0["name"]?.stringValue }
        #expect(generators == ["harp_clock_generator"])
        #expect(warnings.contains { $0.message.contains("harp_behavior also claim(s) it") })
    }

    @Test func bootRelativeClocksAreNeverWallTime() throws {
        let session = try Session()
        try session.remove("SoftwareEvents/EndSessionTime.json")
        // With wall-time heartbeats, the end falls back to the last Harp timestamp, with a warning.
        let fallback = try map(session)
        #expect(fallback.warnings.contains { $0.message.contains("no EndSessionTime event") })
        #expect(fallback.acquisition["acquisition_end_time"]?.stringValue?.hasPrefix("2025-03-14T10:15:") == true)
        // Boot-relative heartbeats (seconds since the device booted) never become the end time.
        for folder in ["Behavior.harp/Behavior", "Olfactometer.harp/Olfactometer", "Lickometer.harp/LicketySplit", "ClockGenerator.harp/WhiteRabbit", "Treadmill.harp/Treadmill", "StepperDriver.harp/StepperDriver"] {
            let file = URL(fileURLWithPath: folder).lastPathComponent
            let dir = URL(fileURLWithPath: folder).deletingLastPathComponent().relativePath
            for entry in try FileManager.default.contentsOfDirectory(atPath: session.file(dir).path) where entry.hasPrefix(file + "_") && entry.hasSuffix(".bin") {
                let address = Int(entry.dropFirst(file.count + 1).dropLast(4)) ?? 0
                guard address < 20 else { continue }
                try session.write("\(dir)/\(entry)", harpMessage(0x01, address: UInt8(address), payloadType: 0x01, payload: [1], time: 2_780_000))
            }
        }
        let errors = thrownErrors { _ = try map(session) }
        #expect(errors.first?.message.contains("count from boot") == true)
    }

    @Test func rigDevicesWithoutFoldersAndFoldersWithoutRigEntries() throws {
        let session = try Session()
        try FileManager.default.removeItem(at: session.file("Treadmill.harp"))
        try session.editLog("rig") { rig in rig.removeValue(forKey: "harp_lickometer") }
        let (instrument, acquisition, warnings) = try map(session)
        // The treadmill is in the instrument (from the rig file) but recorded nothing.
        let treadmill = try #require(component(instrument, "harp_treadmill"))
        #expect(treadmill["serial_number"] == "33")
        #expect(treadmill["firmware_version"] == .null)
        let active = acquisition["data_streams"]?[0]?["active_devices"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(!active.contains("harp_treadmill"))
        #expect(warnings.contains { $0.message.contains("'harp_treadmill' has no <Device>.harp folder") })
        // The lickometer folder has no rig entry: named by its folder label, still active and wired to the clock.
        #expect(component(instrument, "Lickometer")?["serial_number"] == "21")
        #expect(active.contains("Lickometer"))
        #expect(instrument["connections"]?.arrayValue?.contains { $0["target_device"] == "Lickometer" && $0["source_port"] == "ClkOut" } == true)
        #expect(warnings.contains { $0.message.contains("Lickometer.harp has no entry in the rig file") })
    }

    @Test func aNaiveSessionDateNeedsTheJobsZone() throws {
        let session = try Session()
        try session.remove("SoftwareEvents/StartSessionTime.json")
        try session.editLog("session") { s in s["date"] = "2025-03-14T10:15:29.812345" }
        let errors = thrownErrors { _ = try map(session, job: "mappers: {behavior: {}}\n") }
        let error = try #require(errors.first)
        #expect(error.message.contains("no UTC offset"))
        #expect(error.location?.file == "session/behavior/Logs/session_input.json")
        #expect(error.location?.jsonPath?.description == "date")
        let (_, acquisition, warnings) = try map(session)
        #expect(acquisition["acquisition_start_time"] == "2025-03-14T10:15:29.812345-07:00")
        #expect(warnings.contains { $0.message.contains("no StartSessionTime event") })
    }

    @Test func applicationRegistersAreNeverRead() throws {
        let session = try Session()
        let big = session.file("Behavior.harp/Behavior_44.bin")
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: 2_000_000_000)  // sparse: a long recording's size, no disk used
        try handle.close()
        let result = try rigmapMap("behavior", input: session.url, job: "timezone: UTC").result
        #expect(!result.record.inputs.keys.contains { $0.hasSuffix("_44.bin") || $0.hasSuffix("_32.bin") })
        #expect(result.record.inputs.keys.contains("behavior/Behavior.harp/Behavior_0.bin"))
    }
}
