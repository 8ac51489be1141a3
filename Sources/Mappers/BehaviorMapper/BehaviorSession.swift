import Foundation
import MapperKit

/// The core registers of one Harp device, as its register files report them (the latest non-error reply per
/// address), each with the file it came from.
struct CoreRegisters {
    var whoAmI: Int?
    var hardware: (Int, Int)?
    var core: (Int, Int)?
    var firmware: (Int, Int)?
    var serial: Int?
    var clockConfiguration: UInt8?
    var tag: [UInt8]?
    /// Register 19: protocol, firmware and hardware semantic versions.
    var version: [UInt8]?
    /// Register address → the file that gave it.
    var sources: [Int: String] = [:]
    /// The latest Harp time seen in any core register file (heartbeats included).
    var latestTime: Double?
    /// The register file and byte offset of the message that gave ``latestTime``.
    var latestTimeSource: (path: String, offset: Int)?

    var isClockGenerator: Bool? { clockConfiguration.map { $0 & 0x02 != 0 } }

    /// `"a.b"`, or register 19's `"a.b.c"` when the device has it.
    var firmwareVersion: String? {
        if let v = version, v.count >= 6 { return "\(v[3]).\(v[4]).\(v[5])" }
        return firmware.map { "\($0.0).\($0.1)" }
    }
    var hardwareVersion: String? {
        if let v = version, v.count >= 9 { return "\(v[6]).\(v[7]).\(v[8])" }
        return hardware.map { "\($0.0).\($0.1)" }
    }
    var coreVersion: String? {
        if let v = version, v.count >= 3 { return "\(v[0]).\(v[1]).\(v[2])" }
        return core.map { "\($0.0).\($0.1)" }
    }
    /// Register 17 in hex, when it is not all zero.
    var tagVersion: String? {
        guard let tag, tag.contains(where: { $0 != 0 }) else { return nil }
        return tag.map { String(format: "%02x", $0) }.joined()
    }
}

/// One `<Label>.harp/` folder.
struct HarpFolder {
    var label: String
    var path: String
    /// The register files' name prefix (`LicketySplit` in `LicketySplit_0.bin`).
    var prefix: String?
    /// Register address → file path, for every `<prefix>_<address>.bin`.
    var files: [Int: (path: String, size: Int64)] = [:]
    var registers = CoreRegisters()
    /// `device.yml`: `device:` and `whoAmI:`, when readable.
    var ymlDevice: String?
    var ymlWhoAmI: Int?
    /// Whether any register file holds data (the device recorded something).
    var recorded: Bool { files.values.contains { $0.size > 0 } }
}

/// What scanning one core register file keeps: the replies for its register, the latest time, and the first few
/// framing problems with a count of the rest (a damaged file of millions of messages gives a few warnings, not
/// millions). Nothing here grows with the file.
struct RegisterFileSummary {
    /// Framing problems listed one by one; the rest are counted (``problemCount``) and summarised in one warning.
    static let maximumProblemsListed = 10

    var address: Int
    /// The latest non-error Read reply for ``address``, and the latest non-error reply of any kind.
    var lastRead: HarpMessage?
    var lastReply: HarpMessage?
    /// Whether any message of the file is an error reply.
    var sawError = false
    /// The latest Harp time of any message of the file, and the byte offset of the first message with that time.
    var latest: (time: Double, offset: Int)?
    var problems: [(offset: Int, message: String)] = []
    var problemCount = 0
    /// The offset of the first problem not listed.
    var firstUnlisted: Int?

    init(address: Int) { self.address = address }

    mutating func add(_ message: HarpMessage) {
        if let time = message.time, time > (latest?.time ?? -.infinity) { latest = (time, message.offset) }
        if message.isError { sawError = true }
        guard Int(message.address) == address, !message.isError else { return }
        lastReply = message
        if message.kind == .read { lastRead = message }
    }

    mutating func note(_ offset: Int, _ message: String) {
        problemCount += 1
        if problems.count < RegisterFileSummary.maximumProblemsListed {
            problems.append((offset, message))
        } else if firstUnlisted == nil {
            firstUnlisted = offset
        }
    }
}

/// A Harp device entry of the rig JSON (`harp_behavior`, `manipulator`, …).
struct RigDevice {
    var key: String
    var entry: JSONObject
    /// Where the entry is in the rig file (`harp_olfactometer_extension[0]` for the device keyed `…_0`).
    var jsonPath: JSONPath
    var deviceType: String? { entry["device_type"]?.stringValue }
    var whoAmI: Int? { entry["who_am_i"]?.numberValue?.intValue }
    var serial: String? { entry["serial_number"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
    var port: String? { entry["port_name"]?.stringValue }
}

/// A camera of the rig's camera controllers.
struct RigCamera {
    var name: String
    var entry: JSONObject
    /// Where the camera is in the rig file (`triggered_camera_controller.cameras.FaceCamera`).
    var jsonPath: JSONPath
    var controller: String
    var frameRate: JSONValue?
    var triggered: Bool
}

/// A software event line (`SoftwareEvents/<Name>.json`).
struct SoftwareEvent {
    var data: JSONValue?
    /// The event's `timestamp` (Harp seconds), as written.
    var timestamp: JSONNumber?
    var source: String?
    var path: String
    var line: Int
}

/// Everything the behavior mapper reads from a session's `behavior/` folder: Logs, Harp device folders (core
/// registers, device.yml), and the first and last session events. Application registers are never opened.
struct BehaviorSession {
    var root: String
    var rig: JSONObject?
    var rigPath: String?
    var session: JSONObject?
    var sessionPath: String?
    var task: JSONObject?
    var taskPath: String?
    var folders: [HarpFolder] = []
    var rigDevices: [RigDevice] = []
    var cameras: [RigCamera] = []
    var start: SoftwareEvent?
    var end: SoftwareEvent?

    static func read(_ input: MapperInput, constants: BehaviorConstants, problems: inout DiagnosticCollector) throws(DiagnosticError) -> BehaviorSession {
        var claimed = input.claimed.filter { !$0.isEmpty }
        if claimed.isEmpty {
            // The folder itself was given: find behavior/ (or the legacy Behavior/) in it.
            claimed = constants.folders.filter { input.kind(of: $0) == .directory }
        }
        guard var root = claimed.first else {
            throw DiagnosticError("not a behavior session: no \(constants.folders.joined(separator: " or ")) folder", at: input.location(""))
        }
        if claimed.count > 1 {
            let preferred = constants.folders.first { folder in claimed.contains { $0 == folder || $0.hasSuffix("/" + folder) } } ?? root
            root = claimed.first { $0 == preferred || $0.hasSuffix("/" + preferred) } ?? root
            problems.warning("several behavior folders (\(claimed.joined(separator: ", "))); reading \(root)", at: input.location(root))
        }
        var session = BehaviorSession(root: root)
        let entries = try input.list(root)
        let logs = MapperInput.join(root, "Logs")
        let hasLogs = entries.contains { $0.name == "Logs" && $0.isDirectory }
        session.folders = try entries.filter { $0.isDirectory && $0.name.hasSuffix(".harp") }.map { entry throws(DiagnosticError) -> HarpFolder in
            try readFolder(input, path: entry.path, label: String(entry.name.dropLast(".harp".count)), problems: &problems)
        }
        guard hasLogs || !session.folders.isEmpty else {
            throw DiagnosticError("not a behavior session: \(input.display(root)) holds no Logs/ and no <Device>.harp/ folder", at: input.location(root))
        }

        // Logs: the *_input.json Bonsai was given, else its *_output.json re-serialisation.
        func log(_ names: [String]) throws(DiagnosticError) -> (JSONObject, String)? {
            guard hasLogs else { return nil }
            for name in names {
                let path = MapperInput.join(logs, name)
                guard input.kind(of: path) == .file else { continue }
                let value = try input.json(path)
                guard let object = value.objectValue else {
                    throw DiagnosticError("must be a JSON object, found \(value.typeName)", at: input.location(path, jsonPath: .root))
                }
                return (object, path)
            }
            return nil
        }
        if let (rig, path) = try log(constants.logs.rig) { session.rig = rig; session.rigPath = path }
        if let (s, path) = try log(constants.logs.session) { session.session = s; session.sessionPath = path }
        if let (t, path) = try log(constants.logs.taskLogic) { session.task = t; session.taskPath = path }
        if session.rig == nil { problems.warning("no rig file (\(constants.logs.rig.joined(separator: " or "))): devices are named by their folders", at: input.location(logs)) }

        // Rig devices, in the rig file's order: Harp devices (objects with a device_type and a WhoAmI or port), lists
        // of them, and the cameras of camera controllers.
        for (key, value) in session.rig ?? [:] {
            switch value {
            case .object(let object):
                if let cameras = object["cameras"]?.objectValue {
                    let triggered = key.contains("triggered")
                    for (name, camera) in cameras {
                        guard let entry = camera.objectValue else { continue }
                        session.cameras.append(
                            RigCamera(
                                name: name, entry: entry, jsonPath: [.key(key), .key("cameras"), .key(name)], controller: key,
                                frameRate: object["frame_rate"], triggered: triggered))
                    }
                } else if object["device_type"] != nil && (object["who_am_i"] != nil || object["port_name"] != nil) {
                    session.rigDevices.append(RigDevice(key: key, entry: object, jsonPath: [.key(key)]))
                }
            case .array(let items):
                for (i, item) in items.enumerated() {
                    if let object = item.objectValue, object["device_type"] != nil, object["who_am_i"] != nil || object["port_name"] != nil {
                        session.rigDevices.append(RigDevice(key: "\(key)_\(i)", entry: object, jsonPath: [.key(key), .index(i)]))
                    }
                }
            default:
                break
            }
        }

        try session.checkTextLengths(input)

        // The session's first StartSessionTime and last EndSessionTime.
        let events = MapperInput.join(root, "SoftwareEvents")
        session.start = try event(input, MapperInput.join(events, "StartSessionTime.json"), first: true, problems: &problems)
        session.end = try event(input, MapperInput.join(events, "EndSessionTime.json"), first: false, problems: &problems)
        return session
    }

    /// The longest text (in UTF-8 bytes) taken from the input into a document: 64 KiB. Names, ids, notes and
    /// experimenters longer than that are no real rig's; they are refused rather than truncated, since a cut name or
    /// id would silently differ from the one other documents of the session carry.
    static let maximumTextBytes = 65_536

    /// Refuses, with the file and JSON path, every text the mapping takes from the Logs JSON (or a JSON key it uses as
    /// a name) that is longer than ``maximumTextBytes``.
    func checkTextLengths(_ input: MapperInput) throws(DiagnosticError) {
        var errors: [Diagnostic] = []
        func check(_ value: JSONValue?, _ file: String?, _ path: JSONPath) {
            guard let file, let text = value?.stringValue else { return }
            let count = text.utf8.count
            if count > BehaviorSession.maximumTextBytes {
                errors.append(
                    Diagnostic(
                        .error, "a text of \(count) bytes, longer than the \(BehaviorSession.maximumTextBytes) bytes (64 KiB) allowed; refused",
                        at: input.location(file, jsonPath: path)))
            }
        }
        func checkKey(_ key: String, _ file: String?, in parent: JSONPath) {
            guard let file else { return }
            let count = key.utf8.count
            if count > BehaviorSession.maximumTextBytes {
                errors.append(
                    Diagnostic(
                        .error,
                        "a key of \(count) bytes (used as a device name), longer than the \(BehaviorSession.maximumTextBytes) bytes (64 KiB) allowed; refused",
                        at: input.location(file, jsonPath: parent)))
            }
        }
        for key in ["rig_name", "computer_name", "version"] { check(rig?[key], rigPath, [.key(key)]) }
        for device in rigDevices {
            if let first = device.jsonPath.components.first, case .key(let key) = first { checkKey(key, rigPath, in: .root) }
            for key in ["device_type", "serial_number", "port_name"] { check(device.entry[key], rigPath, device.jsonPath.appending(key)) }
            for (name, config) in device.entry["calibration"]?["channel_config"]?.objectValue ?? [:] {
                check(config["channel_type"], rigPath, device.jsonPath.appending("calibration").appending("channel_config").appending(name).appending("channel_type"))
            }
        }
        for camera in cameras {
            checkKey(camera.name, rigPath, in: JSONPath(Array(camera.jsonPath.components.dropLast())))
            for key in ["device_type", "serial_number"] { check(camera.entry[key], rigPath, camera.jsonPath.appending(key)) }
        }
        for key in ["subject", "notes", "commit_hash", "date"] { check(session?[key], sessionPath, [.key(key)]) }
        for (i, name) in (session?["experimenter"]?.arrayValue ?? []).enumerated() { check(name, sessionPath, [.key("experimenter"), .index(i)]) }
        for key in ["name", "version"] { check(task?[key], taskPath, [.key(key)]) }
        if !errors.isEmpty { throw DiagnosticError(errors) }
    }

    /// Reads one device folder: its core register files (addresses 0–19) and device.yml.
    static func readFolder(_ input: MapperInput, path: String, label: String, problems: inout DiagnosticCollector) throws(DiagnosticError) -> HarpFolder {
        var folder = HarpFolder(label: label, path: path)
        var prefixes: [String: Int] = [:]
        for entry in try input.list(path) where !entry.isDirectory {
            guard let (prefix, address) = registerFile(entry.name) else { continue }
            prefixes[prefix, default: 0] += 1
            folder.files[address] = (entry.path, entry.size)
        }
        folder.prefix = prefixes.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        if prefixes.count > 1 {
            problems.warning("register files with several prefixes (\(prefixes.keys.sorted().joined(separator: ", "))); using \(folder.prefix ?? "")", at: input.location(path))
        }

        // device.yml: only its device name and WhoAmI (never its versions: they describe the interface, not the unit).
        let yml = MapperInput.join(path, "device.yml")
        if input.kind(of: yml) == .file {
            do {
                let value = try input.yaml(yml)
                folder.ymlDevice = value["device"]?.scalarText
                if let text = value["whoAmI"]?.scalarText { folder.ymlWhoAmI = Int(text) ?? Int(text, radix: 8) }
            } catch {
                for d in error.diagnostics { problems.warning("device.yml ignored: \(d.message)", at: d.location) }
            }
        }

        for address in 0...19 {
            guard let file = folder.files[address] else { continue }
            if file.size == 0 {
                problems.warning("empty register file (the writer never flushed it)", at: input.location(file.path))
                continue
            }
            // Read in chunks and keep only what the mapping uses: memory stays flat however long the recording.
            var summary = RegisterFileSummary(address: address)
            var scanner = HarpScanner()
            func message(_ message: HarpMessage) { summary.add(message) }
            func problem(_ offset: Int, _ text: String) { summary.note(offset, text) }
            try input.chunks(file.path) { _, chunk in scanner.feed(chunk, message: message, problem: problem) }
            scanner.finish(message: message, problem: problem)
            for problem in summary.problems { problems.warning(problem.message, at: input.location(file.path, byteOffset: problem.offset)) }
            if let first = summary.firstUnlisted {
                problems.warning(
                    "\(summary.problemCount - summary.problems.count) more framing problem(s) in this file, the first of them here, not listed one by one",
                    at: input.location(file.path, byteOffset: first))
            }
            if let latest = summary.latest, latest.time > (folder.registers.latestTime ?? -.infinity) {
                folder.registers.latestTime = latest.time
                folder.registers.latestTimeSource = (file.path, latest.offset)
            }
            // The latest non-error Read reply for this address, else any non-error reply.
            guard let reply = summary.lastRead ?? summary.lastReply else {
                if summary.sawError {
                    problems.warning("register \(address) answered only with an error reply; its value is unknown", at: input.location(file.path))
                }
                continue
            }
            folder.registers.sources[address] = file.path
            let value = { () throws(DiagnosticError) -> Int? in try registerValue(reply, address: address, file: file.path, input) }
            switch address {
            case 0: folder.registers.whoAmI = try value()
            case 1: if let h = try value() { folder.registers.hardware = (h, folder.registers.hardware?.1 ?? 0) }
            case 2: if let l = try value() { folder.registers.hardware = (folder.registers.hardware?.0 ?? 0, l) }
            case 4: if let h = try value() { folder.registers.core = (h, folder.registers.core?.1 ?? 0) }
            case 5: if let l = try value() { folder.registers.core = (folder.registers.core?.0 ?? 0, l) }
            case 6: if let h = try value() { folder.registers.firmware = (h, folder.registers.firmware?.1 ?? 0) }
            case 7: if let l = try value() { folder.registers.firmware = (folder.registers.firmware?.0 ?? 0, l) }
            case 13: folder.registers.serial = try value()
            case 14: folder.registers.clockConfiguration = try value().flatMap { UInt8(exactly: $0) }
            case 17: folder.registers.tag = reply.bytes
            case 19: folder.registers.version = reply.bytes.count >= 9 ? reply.bytes : nil
            default: break
            }
        }
        // A version pair needs both halves from the registers.
        if folder.registers.sources[1] == nil || folder.registers.sources[2] == nil { folder.registers.hardware = nil }
        if folder.registers.sources[4] == nil || folder.registers.sources[5] == nil { folder.registers.core = nil }
        if folder.registers.sources[6] == nil || folder.registers.sources[7] == nil { folder.registers.firmware = nil }
        return folder
    }

    /// The name and type SPEC §2 gives each core register whose value the mapping reads as a number, with the largest
    /// value that type holds.
    static let integerRegisters: [Int: (name: String, type: String, maximum: UInt64)] = [
        0: ("WhoAmI", "U16", 0xFFFF),
        1: ("HardwareVersionHigh", "U8", 0xFF), 2: ("HardwareVersionLow", "U8", 0xFF),
        4: ("CoreVersionHigh", "U8", 0xFF), 5: ("CoreVersionLow", "U8", 0xFF),
        6: ("FirmwareVersionHigh", "U8", 0xFF), 7: ("FirmwareVersionLow", "U8", 0xFF),
        13: ("SerialNumber", "U16", 0xFFFF),
        14: ("ClockConfiguration", "U8", 0xFF),
    ]

    /// The first element of a core register's reply as a number, `nil` when the payload is empty.
    ///
    /// No core register the mapping reads is wider than 16 bits (SPEC §2), so a payload of a wider type is read when
    /// its value fits the register's type, and refused (a located error: the file and the message's byte offset) when
    /// it is negative, a float, or larger than the register's type holds: such a value cannot come from a device, and
    /// guessing would write a wrong WhoAmI, version or serial number.
    static func registerValue(_ reply: HarpMessage, address: Int, file: String, _ input: MapperInput) throws(DiagnosticError) -> Int? {
        guard let spec = integerRegisters[address], let raw = reply.unsigned(0) else { return nil }
        let register = "register \(address) (\(spec.name), \(spec.type))"
        let located = input.location(file, byteOffset: reply.offset)
        let payloadType = "0x" + String(reply.payloadType, radix: 16)
        if reply.isFloat {
            throw DiagnosticError("\(register) holds a floating-point payload (type \(payloadType)), not an integer: the file is corrupt", at: located)
        }
        let bits = reply.elementSize * 8
        if reply.isSigned, bits > 0, bits <= 64, raw >> (bits - 1) & 1 == 1 {
            let negative = Int64(bitPattern: raw << (64 - bits)) >> (64 - bits)
            throw DiagnosticError("\(register) holds \(negative) (type \(payloadType)), a negative value: the file is corrupt", at: located)
        }
        guard raw <= spec.maximum, let value = Int(exactly: raw) else {
            throw DiagnosticError(
                "\(register) holds \(raw) (type \(payloadType)), more than a \(spec.type) holds (at most \(spec.maximum)): the file is corrupt", at: located)
        }
        return value
    }

    /// `(prefix, address)` of `<prefix>_<address>.bin` (or `<prefix>_<address>_<suffix>.bin`).
    static func registerFile(_ name: String) -> (String, Int)? {
        guard name.hasSuffix(".bin") else { return nil }
        let parts = name.dropLast(4).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        for i in stride(from: parts.count - 1, through: 1, by: -1) {
            if let address = Int(parts[i]), address >= 0, address <= 255 {
                return (parts[..<i].joined(separator: "_"), address)
            }
        }
        return nil
    }

    /// The first (or last) event of a JSON-lines event file; `nil` when the file is absent or holds none.
    static func event(_ input: MapperInput, _ path: String, first: Bool, problems: inout DiagnosticCollector) throws(DiagnosticError) -> SoftwareEvent? {
        guard input.kind(of: path) == .file else { return nil }
        let text = try input.text(path)
        let lines = Array(text.lines.enumerated()).filter { !$0.element.allSatisfy(\.isWhitespace) }
        for (index, line) in first ? lines : lines.reversed() {
            do {
                let value = try JSONParser.parse(String(line))
                return SoftwareEvent(
                    data: value["data"], timestamp: value["timestamp"]?.numberValue, source: value["timestamp_source"]?.stringValue,
                    path: path, line: index + 1)
            } catch {
                problems.warning("event line is not JSON (\(error.message)); skipped", at: input.location(path, line: index + 1, column: error.position.column))
            }
        }
        return nil
    }
}
