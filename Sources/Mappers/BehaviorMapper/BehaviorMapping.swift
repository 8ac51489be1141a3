import MapperKit
import Foundation

/// The behavior session → instrument and acquisition mapping of behavior@1.0.0.
struct BehaviorMapping {
    let input: MapperInput
    let session: BehaviorSession
    let constants: BehaviorConstants
    let settings: BehaviorSettings
    let context: MapperContext
    let instrumentModels: ModelFactory
    let acquisitionModels: ModelFactory

    /// One Harp device of the instrument: its folder, its rig entry, or both.
    struct Device {
        var name: String
        var folder: HarpFolder?
        var rig: RigDevice?
        var whoAmI: Int?
        var isClockGenerator = false
    }

    mutating func documents(problems: inout DiagnosticCollector) throws(DiagnosticError) -> [(kind: DocumentKind, value: JSONValue)] {
        var devices = matchDevices(problems: &problems)
        try chooseClockGenerator(&devices, problems: &problems)
        // What the job must give when the files do not say it, reported together: one run names every setting to set.
        let missing = [instrumentIDProblem(), modificationDateProblem()].compactMap { $0 }
        if !missing.isEmpty { throw DiagnosticError(problems.diagnostics.filter { $0.severity == .error } + missing) }
        return try DiagnosticError.building {
            let instrument = try buildInstrument(devices, problems: &problems)
            let acquisition = try buildAcquisition(devices, problems: &problems)
            return [(.instrument, instrument), (.acquisition, acquisition)]
        }
    }

    // MARK: Devices

    /// `LickometerLeft` → `lickometer_left`.
    static func snakeCase(_ label: String) -> String {
        var out = ""
        let scalars = Array(label.unicodeScalars)
        for (i, c) in scalars.enumerated() {
            let upper = CharacterSet.uppercaseLetters.contains(c)
            if upper && i > 0 {
                let previousLower = CharacterSet.lowercaseLetters.contains(scalars[i - 1]) || CharacterSet.decimalDigits.contains(scalars[i - 1])
                let nextLower = i + 1 < scalars.count && CharacterSet.lowercaseLetters.contains(scalars[i + 1])
                if previousLower || (nextLower && CharacterSet.uppercaseLetters.contains(scalars[i - 1])) { out += "_" }
            }
            out += String(c).lowercased()
        }
        return out
    }

    /// Pairs each `.harp` folder with its rig entry: by the rig key its label names, then by serial number, then by a
    /// WhoAmI only one unpaired folder and one unpaired entry share (never by WhoAmI alone when two devices share one).
    func matchDevices(problems: inout DiagnosticCollector) -> [Device] {
        var folderFor: [String: Int] = [:]  // rig key → folder index
        var paired = Set<Int>()
        let rigKeys = Set(session.rigDevices.map(\.key))
        for (i, folder) in session.folders.enumerated() {
            let snake = BehaviorMapping.snakeCase(folder.label)
            let candidates = [constants.folderRigKeys[folder.label], "harp_" + snake, snake].compactMap { $0 }
            if let key = candidates.first(where: { rigKeys.contains($0) && folderFor[$0] == nil }) {
                folderFor[key] = i
                paired.insert(i)
            }
        }
        for (i, folder) in session.folders.enumerated() where !paired.contains(i) {
            guard let serial = folder.registers.serial, serial != 0 else { continue }
            let matches = session.rigDevices.filter { folderFor[$0.key] == nil && $0.serial == String(serial) }
            if matches.count == 1, let key = matches.first?.key {
                folderFor[key] = i
                paired.insert(i)
            }
        }
        for (i, folder) in session.folders.enumerated() where !paired.contains(i) {
            guard let who = folder.registers.whoAmI ?? folder.ymlWhoAmI else { continue }
            let entries = session.rigDevices.filter { folderFor[$0.key] == nil && $0.whoAmI == who }
            let folders = session.folders.indices.filter { !paired.contains($0) && (session.folders[$0].registers.whoAmI ?? session.folders[$0].ymlWhoAmI) == who }
            if entries.count == 1, folders == [i], let key = entries.first?.key {
                folderFor[key] = i
                paired.insert(i)
            }
        }

        var devices: [Device] = []
        var names = Set<String>()
        for rig in session.rigDevices {
            let folder = folderFor[rig.key].map { session.folders[$0] }
            if folder == nil {
                problems.warning(
                    "rig device '\(rig.key)' has no <Device>.harp folder: it is in the instrument, not an active device, and its versions are unknown",
                    at: session.rigPath.map { input.location($0, jsonPath: JSONPath([.key(rig.key)])) })
            }
            devices.append(Device(name: rig.key, folder: folder, rig: rig))
            names.insert(rig.key)
        }
        for (i, folder) in session.folders.enumerated() where !paired.contains(i) {
            var name = folder.label
            var n = 2
            while names.contains(name) {
                name = "\(folder.label)_\(n)"
                n += 1
            }
            if session.rig != nil {
                problems.warning("folder \(folder.label).harp has no entry in the rig file; the device is named '\(name)'", at: input.location(folder.path))
            }
            devices.append(Device(name: name, folder: folder, rig: nil))
            names.insert(name)
        }
        for i in devices.indices {
            devices[i].whoAmI = whoAmI(devices[i], problems: &problems)
        }
        return devices
    }

    /// WhoAmI from register 0, else device.yml, else the rig entry; disagreements are warnings.
    func whoAmI(_ device: Device, problems: inout DiagnosticCollector) -> Int? {
        let register = device.folder?.registers.whoAmI
        let yml = device.folder?.ymlWhoAmI
        let rig = device.rig?.whoAmI
        let chosen = register ?? yml ?? rig
        if let chosen {
            for (other, source) in [(yml, "device.yml"), (rig, "the rig file")] where other != nil && other != chosen {
                problems.warning("\(device.name): WhoAmI \(chosen) from \(register != nil ? "register 0" : "device.yml") but \(other ?? 0) in \(source)", at: device.folder.map { input.location($0.path) })
            }
        } else {
            problems.warning("\(device.name): WhoAmI unknown (no register 0, device.yml or rig entry)", at: device.folder.map { input.location($0.path) })
        }
        return chosen
    }

    /// Exactly one clock generator when any device generates: register 14's CLK_GEN bit, else the rig's
    /// `harp_clock_generator` or a generator type. Two that both claim it refuse the mapping, unless the job names one.
    func chooseClockGenerator(_ devices: inout [Device], problems: inout DiagnosticCollector) throws(DiagnosticError) {
        let claims = devices.indices.filter { devices[$0].folder?.registers.isClockGenerator == true }
        if let wanted = settings.clockGenerator {
            guard let index = devices.firstIndex(where: { $0.name == wanted || $0.folder?.label == wanted }) else {
                throw DiagnosticError(
                    "settings of behavior: clock_generator '\(wanted)' names no device (devices: \(devices.map(\.name).joined(separator: ", ")))")
            }
            for i in devices.indices { devices[i].isClockGenerator = i == index }
            let others = claims.filter { $0 != index }
            if !others.isEmpty || !claims.contains(index) {
                problems.warning(
                    "the job's clock_generator picks '\(devices[index].name)'\(others.isEmpty ? "" : "; \(others.map { devices[$0].name }.joined(separator: ", ")) also claim(s) it in register 14")",
                    at: devices[index].folder.map { input.location($0.path) })
            }
            return
        }
        if claims.count > 1 {
            let evidence = claims.map { i -> String in
                let file = devices[i].folder?.registers.sources[14].map { input.display($0) } ?? "register 14"
                return "'\(devices[i].name)' (\(file))"
            }
            throw DiagnosticError(
                "two devices claim to generate the clock: \(evidence.joined(separator: " and ")); set mappers.behavior.settings.clock_generator to the one to trust",
                at: devices[claims[0]].folder?.registers.sources[14].map { input.location($0) })
        }
        if let only = claims.first {
            devices[only].isClockGenerator = true
            return
        }
        // No register says so: a device whose register 14 is unknown and which the rig or its type names a generator.
        let fallback = devices.indices.filter { i in
            devices[i].folder?.registers.clockConfiguration == nil
                && (devices[i].rig?.key == constants.generatorRigKey || devices[i].whoAmI.map { constants.generatorTypes.contains($0) } ?? false)
        }
        if fallback.count == 1, let only = fallback.first {
            devices[only].isClockGenerator = true
            problems.warning("no register 14 says which device generates the clock; '\(devices[only].name)' is taken as the generator from the rig file and its type", at: devices[only].folder.map { input.location($0.path) })
        } else if fallback.count > 1 {
            throw DiagnosticError(
                "no register 14 says which device generates the clock and several could (\(fallback.map { devices[$0].name }.joined(separator: ", "))); set mappers.behavior.settings.clock_generator")
        }
    }

    // MARK: Instrument

    func organization(_ name: String) throws -> JSONValue {
        try instrumentModels.variant("HarpDevice", "manufacturer", matching: .string(name))
    }

    func harpComponent(_ device: Device, problems: inout DiagnosticCollector) throws -> JSONValue {
        let registers = device.folder?.registers ?? CoreRegisters()
        var serial: String?
        if let value = registers.serial, value != 0 { serial = String(value) } else { serial = device.rig?.serial }
        guard let who = device.whoAmI, instrumentModels.hasVariant("HarpDevice", "harp_device_type", matching: .int(who)) else {
            problems.warning(
                "\(device.name): WhoAmI \(device.whoAmI.map(String.init) ?? "unknown") is not a Harp device type of \(context.schema); written as a generic device",
                at: device.folder?.registers.sources[0].map { input.location($0) } ?? device.folder.map { input.location($0.path) })
            var notes = "Harp device with WhoAmI \(device.whoAmI.map(String.init) ?? "unknown"), not a Harp device type of aind-data-schema \(context.schema.version)"
            if let fw = registers.firmwareVersion { notes += "; firmware \(fw)" }
            if let core = registers.coreVersion { notes += "; core \(core)" }
            if device.isClockGenerator { notes += "; generates the clock" }
            return try instrumentModels.make("Device", ["name": .string(device.name), "serial_number": .string(serial), "notes": .string(notes)])
        }
        let type = try instrumentModels.variant("HarpDevice", "harp_device_type", matching: .int(who))
        let typeName = type["name"]?.stringValue ?? ""
        var fields: JSONObject = [
            "name": .string(device.name),
            "serial_number": .string(serial),
            "firmware_version": .string(registers.firmwareVersion),
            "hardware_version": .string(registers.hardwareVersion),
            "harp_device_type": type,
            "core_version": .string(registers.coreVersion),
            "tag_version": .string(registers.tagVersion),
            "is_clock_generator": .bool(device.isClockGenerator),
        ]
        if let manufacturer = constants.manufacturers[typeName] { fields["manufacturer"] = try organization(manufacturer) }
        if device.isClockGenerator {
            fields["channels"] = [try instrumentModels.make("DAQChannel", ["channel_name": "ClkOut", "channel_type": "Digital Output"])]
        }
        if constants.olfactometerTypes.contains(typeName) {
            var channels: [JSONValue] = []
            let configs = device.rig?.entry["calibration"]?["channel_config"]?.objectValue ?? [:]
            for (_, config) in configs {
                guard let index = config["channel_index"]?.numberValue?.intValue, let kind = config["channel_type"]?.stringValue else { continue }
                var channel: JSONObject = ["channel_index": .int(index), "channel_type": .string(kind)]
                if let capacity = config["flow_rate_capacity"]?.numberValue?.intValue, capacity > 0 { channel["flow_capacity"] = .int(capacity) }
                if let unit = constants.olfactometerFlowUnit { channel["flow_unit"] = .string(unit) }
                channels.append(try instrumentModels.make("OlfactometerChannel", channel))
            }
            if configs.isEmpty {
                problems.warning("\(device.name): no channel calibration in the rig file; the olfactometer is written without channels", at: session.rigPath.map { input.location($0) })
            }
            fields["channels"] = .array(channels)
            if fields["manufacturer"] == nil { fields["manufacturer"] = try organization("Champalimaud Foundation") }
            return try instrumentModels.make("Olfactometer", fields)
        }
        return try instrumentModels.make("HarpDevice", fields)
    }

    func cameraTarget(_ name: String) -> String {
        for (word, target) in constants.camera.targets.sorted(by: { $0.key < $1.key }) where name.range(of: word, options: .caseInsensitive) != nil {
            return target
        }
        return "Other"
    }

    func cameraAssembly(_ camera: RigCamera) throws -> JSONValue {
        let type = camera.entry["device_type"]?.stringValue ?? ""
        var cameraFields: JSONObject = [
            "name": .string(camera.name),
            "serial_number": .string(camera.entry["serial_number"]?.stringValue),
            "manufacturer": try organization(constants.camera.manufacturers[type] ?? constants.camera.defaultManufacturer),
            "data_interface": .string(constants.camera.dataInterface),
        ]
        if let rate = camera.frameRate?.numberValue {
            cameraFields["frame_rate"] = .number(rate)
            cameraFields["frame_rate_unit"] = "hertz"
        }
        return try instrumentModels.make(
            "CameraAssembly",
            [
                "name": .string("\(camera.name)_assembly"),
                "target": .string(cameraTarget(camera.name)),
                "relative_position": .strings(constants.camera.relativePosition),
                "camera": try instrumentModels.make("Camera", cameraFields),
                "lens": try instrumentModels.make(
                    "Lens", ["name": .string("\(camera.name)_lens"), "manufacturer": try organization(constants.camera.lensManufacturer), "notes": .string(constants.camera.lensNotes)]),
            ])
    }

    /// The error when neither the job nor the rig file gives the instrument id.
    func instrumentIDProblem() -> Diagnostic? {
        guard settings.instrumentID == nil, session.rig?["rig_name"]?.stringValue == nil else { return nil }
        return Diagnostic(
            .error, "the instrument id is unknown: the rig file has no rig_name; set mappers.behavior.settings.instrument_id",
            at: session.rigPath.map { input.location($0, jsonPath: JSONPath([.key("rig_name")])) } ?? input.location(session.root))
    }

    func buildInstrument(_ devices: [Device], problems: inout DiagnosticCollector) throws -> JSONValue {
        guard let instrumentID = settings.instrumentID ?? session.rig?["rig_name"]?.stringValue else {
            throw DiagnosticError(instrumentIDProblem().map { [$0] } ?? [])
        }
        var components: [JSONValue] = []
        var connections: [JSONValue] = []
        let computer = session.rig?["computer_name"]?.stringValue
        if let computer {
            components.append(try instrumentModels.make("Computer", ["name": .string(computer)]))
        } else {
            problems.warning("the rig file names no computer_name: no computer component or serial connections", at: session.rigPath.map { input.location($0) })
        }
        var harpNames: [String] = []
        for device in devices {
            let component = try harpComponent(device, problems: &problems)
            components.append(component)
            if component["object_type"]?.stringValue != "Device" { harpNames.append(device.name) }
            if let computer, let port = device.rig?.port {
                connections.append(
                    try instrumentModels.make(
                        "Connection",
                        ["source_device": .string(device.name), "source_port": .string(port), "target_device": .string(computer), "send_and_receive": true]))
            }
        }
        if let generator = devices.first(where: \.isClockGenerator) {
            for name in harpNames where name != generator.name {
                connections.append(
                    try instrumentModels.make(
                        "Connection",
                        ["source_device": .string(generator.name), "source_port": "ClkOut", "target_device": .string(name), "target_port": "ClkIn"]))
            }
        }
        var otherTargets: [String] = []
        for camera in session.cameras {
            components.append(try cameraAssembly(camera))
            if cameraTarget(camera.name) == "Other" { otherTargets.append(camera.name) }
        }
        var modalities = [try instrumentModels.modality("behavior")]
        if !session.cameras.isEmpty { modalities.append(try instrumentModels.modality("behavior-videos")) }
        let notes: JSONValue = otherTargets.isEmpty ? .null : .string("Camera target not given by the rig file (written as Other): \(otherTargets.joined(separator: ", ")).")
        return try instrumentModels.document([
            "location": .string(settings.location),
            "instrument_id": .string(instrumentID),
            "modification_date": .string(try modificationDate()),
            "modalities": .array(modalities),
            "global_coordinate_system": try coordinateSystem(),
            "notes": notes,
            "connections": .array(connections),
            "components": .array(components),
        ])
    }

    func coordinateSystem() throws -> JSONValue {
        let spec = constants.globalCoordinateSystem
        var axes: [JSONValue] = []
        for axis in spec.axes {
            axes.append(try instrumentModels.make("Axis", ["name": .string(axis.name), "direction": .string(axis.direction)]))
        }
        return try instrumentModels.make(
            "CoordinateSystem", ["name": .string(spec.name), "origin": .string(spec.origin), "axes": .array(axes), "axis_unit": .string(spec.axisUnit)])
    }

    /// The session date as written (YYYY-MM-DD), unless the job sets one; never the day of mapping.
    func modificationDate() throws(DiagnosticError) -> String {
        if let date = settings.modificationDate { return date }
        guard let text = session.session?["date"]?.stringValue, let date = try? Timestamp(parsing: text) else {
            throw DiagnosticError(modificationDateProblem().map { [$0] } ?? [])
        }
        return date.isoDate
    }

    /// The error when neither the job nor the session gives a date for the instrument's modification_date.
    func modificationDateProblem() -> Diagnostic? {
        if settings.modificationDate != nil { return nil }
        if let text = session.session?["date"]?.stringValue, (try? Timestamp(parsing: text)) != nil { return nil }
        return Diagnostic(
            .error, "the session has no date to give the instrument's modification_date; set mappers.behavior.settings.modification_date",
            at: session.sessionPath.map { input.location($0, jsonPath: JSONPath([.key("date")])) } ?? input.location(MapperInput.join(session.root, "Logs")))
    }

    // MARK: Acquisition

    /// The zone session times are written in: the job's, else the session date's offset, else UTC.
    func present(_ instant: Int64, from source: SourceLocation?) throws(DiagnosticError) -> Timestamp {
        do {
            if let zone = context.timeZone { return try Timestamp(epochMicroseconds: instant, zoneIdentifier: zone) }
            if let text = session.session?["date"]?.stringValue, let date = try? Timestamp(parsing: text), let offset = date.utcOffsetSeconds {
                return try Timestamp(epochMicroseconds: instant, zoneIdentifier: nil).withOffset(offset)
            }
            return try Timestamp(epochMicroseconds: instant, zoneIdentifier: nil)
        } catch {
            throw DiagnosticError(error.description, at: source)
        }
    }

    /// A session time and where it came from (a software event's line, the session date, a register file's message).
    struct SessionTime {
        var instant: Int64
        var source: SourceLocation
    }

    /// An event's instant: its `data` (a UTC datetime), else its Harp timestamp. A timestamp that is no finite
    /// number of seconds within the years 1–9999 is refused with the file, line and JSON path.
    func instant(_ event: SoftwareEvent, problems: inout DiagnosticCollector) throws(DiagnosticError) -> SessionTime? {
        if let text = event.data?.stringValue, let t = try? Timestamp(parsing: text), let micro = t.epochMicroseconds {
            return SessionTime(instant: micro, source: input.location(event.path, jsonPath: [.key("data")], line: event.line))
        }
        if let timestamp = event.timestamp, event.source == "harp" || event.source == nil {
            let located = input.location(event.path, jsonPath: [.key("timestamp")], line: event.line)
            guard let micro = HarpTime.epochMicroseconds(timestamp.doubleValue) else {
                throw DiagnosticError(
                    "timestamp \(timestamp.literal) is not a Harp time: expected a finite number of seconds since 1904-01-01T00:00:00Z within the years 1-9999",
                    at: located)
            }
            if plausible(micro) { return SessionTime(instant: micro, source: located) }
        }
        problems.warning("the event has neither a datetime nor a Harp timestamp to use", at: input.location(event.path, line: event.line))
        return nil
    }

    /// A Harp time (as microseconds since 1970) that is wall time (set from the host's UTC), not seconds since the
    /// device booted. Every instant here is within the years 1–9999, so the difference cannot overflow.
    func plausible(_ micro: Int64) -> Bool {
        if let text = session.session?["date"]?.stringValue, let date = try? Timestamp(parsing: text) {
            let reference = date.epochMicroseconds ?? (try? date.resolved(in: context.timeZone ?? "UTC"))?.epochMicroseconds
            if let reference { return abs(micro - reference) < 2 * 86_400 * 1_000_000 }
        }
        return micro > 946_684_800 * 1_000_000  // after 2000: not a boot-relative count
    }

    func times(_ devices: [Device], problems: inout DiagnosticCollector) throws(DiagnosticError) -> (Timestamp, Timestamp) {
        var start = try session.start.flatMap { event throws(DiagnosticError) in try instant(event, problems: &problems) }
        var end = try session.end.flatMap { event throws(DiagnosticError) in try instant(event, problems: &problems) }
        if start == nil {
            guard let path = session.sessionPath, let text = session.session?["date"]?.stringValue else {
                throw DiagnosticError(
                    "the start time is unknown: no StartSessionTime event and no session date", at: input.location(MapperInput.join(session.root, "SoftwareEvents")))
            }
            let located = input.location(path, jsonPath: JSONPath([.key("date")]))
            let date = try context.timestamp(text, at: located)
            start = date.epochMicroseconds.map { SessionTime(instant: $0, source: located) }
            problems.warning("no StartSessionTime event: the start is the session date (\(text))", at: located)
        }
        if end == nil {
            // The latest wall-time Harp timestamp of the devices' core registers (register times are at most 2^32 s
            // after 1904, always convertible).
            var latest: SessionTime?
            for device in devices {
                guard let registers = device.folder?.registers, let time = registers.latestTime, let source = registers.latestTimeSource,
                    let micro = HarpTime.epochMicroseconds(time), plausible(micro), micro > (latest?.instant ?? Int64.min)
                else { continue }
                latest = SessionTime(instant: micro, source: input.location(source.path, byteOffset: source.offset))
            }
            if let latest {
                end = latest
                problems.warning("no EndSessionTime event: the end is the last Harp timestamp of the devices' core registers", at: input.location(session.root))
            } else {
                let boot = devices.contains { $0.folder?.registers.latestTime != nil }
                throw DiagnosticError(
                    "the end time is unknown: no EndSessionTime event\(boot ? ", and the devices' clocks count from boot, not wall time" : " and no Harp timestamp")",
                    at: input.location(MapperInput.join(session.root, "SoftwareEvents")))
            }
        }
        guard let start, let end else { throw DiagnosticError("internal: session times unknown") }
        let startTime = try present(start.instant, from: start.source)
        let endTime = try present(end.instant, from: end.source)
        // aind-data-schema 2.9.2's Acquisition model takes an end before the start, but its Metadata model refuses
        // the acquisition then (every data stream time must lie between start and end): refused here, naming both.
        if end.instant < start.instant {
            throw DiagnosticError(
                "the session ends (\(endTime), from \(end.source)) before it starts (\(startTime), from \(start.source)); the acquisition would end before its start",
                at: end.source)
        }
        return (startTime, endTime)
    }

    func buildAcquisition(_ devices: [Device], problems: inout DiagnosticCollector) throws -> JSONValue {
        guard let subject = session.session?["subject"]?.stringValue, !subject.isEmpty else {
            throw DiagnosticError(
                "the subject is unknown: the session file has no subject",
                at: session.sessionPath.map { input.location($0, jsonPath: JSONPath([.key("subject")])) } ?? input.location(MapperInput.join(session.root, "Logs")))
        }
        let (start, end) = try times(devices, problems: &problems)
        let instrumentID = settings.instrumentID ?? session.rig?["rig_name"]?.stringValue
        var acquisitionType = settings.acquisitionType ?? session.task?["name"]?.stringValue
        if acquisitionType == nil {
            problems.warning("no task logic name: acquisition_type is empty (set mappers.behavior.settings.acquisition_type)", at: session.taskPath.map { input.location($0) })
            acquisitionType = ""
        }
        let experimenters = settings.experimenters ?? (session.session?["experimenter"]?.arrayValue ?? []).compactMap(\.stringValue)

        var active = devices.filter { $0.folder?.recorded == true }.map(\.name)
        var configurations: [JSONValue] = []
        // Cameras of the rig's camera controllers record (their videos may be stored apart from the session).
        for camera in session.cameras {
            active.append(camera.name)
            var config: JSONObject = [
                "device_name": .string(camera.name),
                "exposure_time_unit": .string(constants.camera.exposureTimeUnit),
                "trigger_type": .string(camera.triggered ? "External" : "Internal"),
            ]
            if let exposure = camera.entry["exposure"]?.numberValue { config["exposure_time"] = .number(JSONNumber(exposure.doubleValue)) }
            configurations.append(try acquisitionModels.make("DetectorConfig", config))
        }
        var modalities = [try acquisitionModels.modality("behavior")]
        if !session.cameras.isEmpty { modalities.append(try acquisitionModels.modality("behavior-videos")) }
        let stream = try acquisitionModels.make(
            "DataStream",
            [
                "stream_start_time": .timestamp(start), "stream_end_time": .timestamp(end), "modalities": .array(modalities),
                "code": try code().map { [$0] } ?? .null, "active_devices": .strings(active), "configurations": .array(configurations),
            ])
        return try acquisitionModels.document([
            "subject_id": .string(subject),
            "acquisition_start_time": .timestamp(start),
            "acquisition_start_tz": start.derivedTimeZone,
            "acquisition_end_time": .timestamp(end),
            "experimenters": .strings(experimenters),
            "instrument_id": .string(instrumentID),
            "acquisition_type": .string(acquisitionType),
            "notes": .string(session.session?["notes"]?.stringValue),
            "data_streams": [stream],
        ])
    }

    /// The task's code: its repository, name and version, the session's commit, Bonsai, and the Logs read.
    func code() throws -> JSONValue? {
        guard let taskName = session.task?["name"]?.stringValue else { return nil }
        let known = constants.tasks[taskName]
        let version = session.task?["version"]?.stringValue ?? session.rig?["version"]?.stringValue
        let commit = session.session?["commit_hash"]?.stringValue
        guard version != nil || commit != nil else { return nil }
        var parameters = JSONObject()
        if let path = session.rigPath { parameters["rig"] = .string(path) }
        if let path = session.sessionPath { parameters["session"] = .string(path) }
        if let path = session.taskPath { parameters["task_logic"] = .string(path) }
        return try acquisitionModels.make(
            "Code",
            [
                "url": .string(known?.url ?? constants.defaultCodeURL), "name": .string(known?.name ?? taskName), "version": .string(version),
                "commit_hash": .string(commit), "language": .string(constants.codeLanguage), "parameters": .object(parameters),
            ])
    }
}
