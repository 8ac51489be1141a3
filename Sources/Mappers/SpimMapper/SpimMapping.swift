import MapperKit
import Foundation

/// The SmartSPIM folder → acquisition mapping of spim@1.0.0 (SPEC §6).
struct SpimMapping {
    let input: MapperInput
    let constants: SpimConstants
    let settings: SpimSettings
    let context: MapperContext
    let models: ModelFactory

    /// One channel: a tile laser with its emission label.
    struct Channel {
        var laser: Int
        var emission: Int
        var name: String
        var tiles: [SmartSPIMMetadata.Tile]
    }

    /// The acquisition folder, relative to the input root (empty when the root is the folder), and its name.
    var folder: (path: String, name: String) {
        let path = input.claimed.first ?? ""
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        if trimmed.isEmpty || trimmed == "." { return ("", input.root.standardizedFileURL.lastPathComponent) }
        return (trimmed, trimmed.split(separator: "/").last.map(String.init) ?? trimmed)
    }

    func path(_ relative: String) -> String { MapperInput.join(folder.path, relative) }

    func acquisition(problems: inout DiagnosticCollector) throws(DiagnosticError) -> JSONValue {
        let (folderPath, folderName) = folder
        guard let name = SmartSPIMFolderName(folderName) else {
            throw DiagnosticError(
                "the folder name '\(folderName)' is not SmartSPIM_<subject>_<YYYY-MM-DD_HH-MM-SS>: the subject and the start time are unknown",
                at: input.location(folderPath.isEmpty ? "." : folderPath))
        }
        try checkRequiredSettings(name, at: input.location(folderPath.isEmpty ? "." : folderPath))
        let metadataPath = path(constants.metadataFile)
        guard input.kind(of: metadataPath) == .file else {
            throw DiagnosticError("no \(constants.metadataFile): the tiles, lasers and voxel size are unknown", at: input.location(metadataPath))
        }
        let metadata = try SmartSPIMMetadata(try input.json(metadataPath), file: input.display(metadataPath), problems: &problems)
        let (start, end) = try times(name, problems: &problems)
        let channels = try channels(metadata, problems: &problems)
        return try DiagnosticError.building {
            try document(name: name, metadata: metadata, channels: channels, start: start, end: end, problems: &problems)
        }
    }

    /// Every setting the job must give and does not, reported together (one run names them all): the zone of the
    /// folder stamp, `instrument_id`, `specimen_id` and `chamber_immersion`.
    func checkRequiredSettings(_ name: SmartSPIMFolderName, at folderLocation: SourceLocation) throws(DiagnosticError) {
        var missing: [Diagnostic] = []
        if context.timeZone == nil {
            missing.append(
                Diagnostic(
                    .error,
                    "the folder stamp \(name.start) is the rig's local time without a zone, and the job declares no timezone; set `timezone:` (the rig's IANA zone) in job.yaml",
                    at: folderLocation))
        }
        if settings.instrumentID == nil {
            missing.append(Diagnostic(.error, "the instrument id is unknown (the files do not say it); set mappers.spim.settings.instrument_id"))
        }
        if settings.specimenID == nil {
            missing.append(
                Diagnostic(.error, "aind-data-schema requires a specimen_id for SPIM and the files do not say it; set mappers.spim.settings.specimen_id"))
        }
        if settings.chamberImmersion == nil {
            missing.append(
                Diagnostic(.error, "aind-data-schema requires the chamber immersion; set mappers.spim.settings.chamber_immersion {medium, refractive_index}"))
        }
        if !missing.isEmpty { throw DiagnosticError(missing) }
    }

    // MARK: Time

    /// The folder stamp (start) and the ASI log's last timestamp (end), both the rig's local wall time, placed in the
    /// job's zone. A start in a doubled hour takes its first occurrence (warning); an end there takes the occurrence
    /// after the start. Either in an hour the clock skipped is an error.
    func times(_ name: SmartSPIMFolderName, problems: inout DiagnosticCollector) throws(DiagnosticError) -> (Timestamp, Timestamp) {
        let folderLocation = input.location(folder.path.isEmpty ? "." : folder.path)
        guard let zone = context.timeZone else {
            throw DiagnosticError(
                "the folder stamp \(name.start) is the rig's local time without a zone, and the job declares no timezone; set `timezone:` (the rig's IANA zone) in job.yaml",
                at: folderLocation)
        }
        let start: Timestamp
        switch try placement(name.start, zone: zone, at: folderLocation) {
        case .unique(let offset):
            start = try place(name.start, offset: offset, zone: zone, at: folderLocation)
        case .ambiguous(let earlier, _):
            start = try place(name.start, offset: earlier, zone: zone, at: folderLocation)
            problems.warning("the folder stamp \(name.start) happens twice in \(zone): its first occurrence is taken", at: folderLocation)
        case .skipped:
            throw DiagnosticError("the folder stamp \(name.start) does not exist in \(zone) (the clock skipped it)", at: folderLocation)
        }
        let startInstant = start.epochMicroseconds ?? 0

        if let text = settings.acquisitionEndTime {
            let location = SourceLocation(file: "job settings", jsonPath: JSONPath([.key("acquisition_end_time")]))
            let end = try context.timestamp(text, at: location).converted(to: zone, at: location)
            guard (end.epochMicroseconds ?? 0) > startInstant else {
                throw DiagnosticError("acquisition_end_time \(end) is not after the folder's start \(start)", at: location)
            }
            return (start, end)
        }
        let logPath = path(constants.asiLogFile)
        let (wall, skipped) = try lastASITimestamp(logPath)
        let location = input.location(logPath)
        var candidates: [Int] = []
        switch try placement(wall, zone: zone, at: location) {
        case .unique(let offset): candidates = [offset]
        case .ambiguous(let earlier, let later): candidates = [earlier, later]
        case .skipped:
            throw DiagnosticError("the ASI log's last time \(wall) does not exist in \(zone) (the clock skipped it); set mappers.spim.settings.acquisition_end_time", at: location)
        }
        for offset in candidates {
            let end = try place(wall, offset: offset, zone: zone, at: location)
            if (end.epochMicroseconds ?? 0) > startInstant {
                if candidates.count > 1 {
                    problems.warning("the ASI log's last time \(wall) happens twice in \(zone): the occurrence after the start is taken", at: location)
                }
                if skipped > 0 {
                    problems.warning("the last \(skipped) line(s) of the ASI log have no timestamp; the end is the last line that has one", at: location)
                }
                return (start, end)
            }
        }
        throw DiagnosticError(
            "the ASI log ends at \(wall), not after the folder's start \(name.start): set mappers.spim.settings.acquisition_end_time if the log is not this acquisition's",
            at: location)
    }

    func placement(_ wall: Timestamp, zone: String, at location: SourceLocation) throws(DiagnosticError) -> Timestamp.Placement {
        do {
            return try wall.placement(in: zone)
        } catch {
            throw DiagnosticError(error.description, at: location)
        }
    }

    func place(_ wall: Timestamp, offset: Int, zone: String, at location: SourceLocation) throws(DiagnosticError) -> Timestamp {
        do {
            return try Timestamp(
                year: wall.year, month: wall.month, day: wall.day, hour: wall.hour, minute: wall.minute, second: wall.second, utcOffsetSeconds: offset,
                zoneIdentifier: zone)
        } catch {
            throw DiagnosticError(error.description, at: location)
        }
    }

    /// The last timestamp of the ASI log, read backwards from its end in chunks of ``ASILog/chunkBytes`` (each a ranged
    /// read of the input, so the provenance records what was read) and no further than ``ASILog/searchLimitBytes``
    /// from the end: memory is one chunk, whatever the size of the log.
    func lastASITimestamp(_ logPath: String) throws(DiagnosticError) -> (Timestamp, Int) {
        guard input.kind(of: logPath) == .file else {
            throw DiagnosticError(
                "no \(constants.asiLogFile): the acquisition's end is unknown; set mappers.spim.settings.acquisition_end_time", at: input.location(logPath))
        }
        let size = try input.size(of: logPath)
        guard size > 0 else {
            throw DiagnosticError(
                "the ASI log is empty: the acquisition's end is unknown; set mappers.spim.settings.acquisition_end_time", at: input.location(logPath))
        }
        let floor = max(0, size - ASILog.searchLimitBytes)
        var scan = ASILog.BackwardScan()
        var end = size
        while end > floor {
            let start = max(floor, end - Int64(ASILog.chunkBytes))
            let bytes = try input.bytes(logPath, ranges: [start...(end - 1)]).parts.first ?? []
            if let found = scan.feed(bytes[...]) { return (found, scan.skippedLines) }
            end = start
        }
        if end == 0, let found = scan.finish() { return (found, scan.skippedLines) }
        let searched =
            end == 0
            ? ""
            : " in its last \(ASILog.searchLimitBytes >> 20) MiB (\(size - end) of its \(size) bytes were searched, from the end)"
        throw DiagnosticError(
            "no line of the ASI log has a timestamp (M/D/YYYY h:mm:ss AM|PM)\(searched): the acquisition's end is unknown; set mappers.spim.settings.acquisition_end_time",
            at: input.location(logPath))
    }

    // MARK: Channels

    /// Channel folders under `SmartSPIM/` (`Ex_488_Em_525`): excitation → (emission, folder). Other entries (files,
    /// `_MIP` copies, `Ex_488_Ch0`) are not channels.
    func channelFolders(problems: inout DiagnosticCollector) throws(DiagnosticError) -> [Int: (emission: Int, name: String)] {
        let root = path(constants.channelRoot)
        guard input.kind(of: root) == .directory else {
            problems.warning("no \(constants.channelRoot)/ folder: emission wavelengths come from the job's emission_filter_device_names", at: input.location(root))
            return [:]
        }
        var folders: [Int: (emission: Int, name: String)] = [:]
        for entry in try input.list(root) where entry.isDirectory {
            let parts = entry.name.split(separator: "_")
            guard parts.count == 4, parts[0] == "Ex", parts[2] == "Em", let ex = Int(parts[1]), let em = Int(parts[3]), parts[1].allSatisfy(\.isNumber),
                parts[3].allSatisfy(\.isNumber)
            else { continue }
            if let existing = folders[ex] {
                problems.warning("two channel folders for \(ex) nm (\(existing.name), \(entry.name)): \(existing.name) is used", at: input.location(entry.path))
                continue
            }
            folders[ex] = (em, entry.name)
        }
        return folders
    }

    /// One channel per tile laser, by wavelength; emission from the channel folder, else the job's filter map.
    func channels(_ metadata: SmartSPIMMetadata, problems: inout DiagnosticCollector) throws(DiagnosticError) -> [Channel] {
        guard !metadata.tiles.isEmpty else {
            throw DiagnosticError("'tile_config' holds no tile: there is nothing to describe", at: input.location(path(constants.metadataFile), jsonPath: JSONPath([.key("tile_config")])))
        }
        let folders = try channelFolders(problems: &problems)
        var byLaser: [Int: [SmartSPIMMetadata.Tile]] = [:]
        for tile in metadata.tiles { byLaser[tile.laser, default: []].append(tile) }
        var channels: [Channel] = []
        for laser in byLaser.keys.sorted() {
            let emission: Int
            if let folder = folders[laser] {
                emission = folder.emission
            } else if let filter = settings.emissionFilterDeviceNames?[String(laser)], let digits = Int(filter.filter(\.isNumber)) {
                emission = digits
                problems.warning("no channel folder for the \(laser) nm tiles: the emission wavelength \(digits) nm is read from the job's filter '\(filter)'")
            } else {
                throw DiagnosticError(
                    "tiles use the \(laser) nm laser but there is no channel folder \(constants.channelRoot)/Ex_\(laser)_Em_<nm> to give its emission; map it in mappers.spim.settings.emission_filter_device_names",
                    at: input.location(path(constants.channelRoot)))
            }
            channels.append(Channel(laser: laser, emission: emission, name: "Ex_\(laser)_Em_\(emission)", tiles: byLaser[laser] ?? []))
        }
        for (ex, folder) in folders.sorted(by: { $0.key < $1.key }) where byLaser[ex] == nil {
            problems.warning("channel folder \(folder.name) has no tile in metadata.json: it is not a channel of the acquisition", at: input.location(path("\(constants.channelRoot)/\(folder.name)")))
        }
        if metadata.powers != nil {
            for channel in channels where metadata.powers?[channel.laser] == nil {
                problems.warning("wavelength_config has no \(channel.laser) nm entry: its laser is written without power")
            }
        }
        return channels
    }

    // MARK: Document

    func laserName(_ nm: Int) -> String {
        settings.laserDeviceNames?[String(nm)] ?? constants.laserName.replacingEvery("{nm}", with: String(nm))
    }

    func filterName(_ channel: Channel) -> String {
        settings.emissionFilterDeviceNames?[String(channel.laser)] ?? constants.emissionFilterName.replacingEvery("{nm}", with: String(channel.emission))
    }

    func coordinateSystem() throws -> JSONValue {
        var axes: [JSONValue] = []
        var letters = ""
        for (axis, text, key) in [("X", settings.xDirection, "x_direction"), ("Y", settings.yDirection, "y_direction"), ("Z", settings.zDirection, "z_direction")] {
            let normalised = text.lowercased().replacingEvery("_", with: " ").split(separator: " ").joined(separator: " ")
            guard let direction = constants.directions[normalised] else {
                throw DiagnosticError(
                    "settings of spim: \(key) is '\(text)'; expected one of \(constants.directions.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")) (any case)")
            }
            letters += direction.letter
            axes.append(try models.make("Axis", ["name": .string(axis), "direction": .string(direction.direction)]))
        }
        return try models.make(
            "CoordinateSystem", ["name": .string("SPIM_" + letters), "origin": "Origin", "axes": .array(axes), "axis_unit": "micrometer"])
    }

    func immersion(_ given: SpimSettings.Immersion, key: String, problems: inout DiagnosticCollector) throws -> JSONValue {
        let allowed = models.enumValues("ImmersionMedium").compactMap(\.stringValue)
        var medium = allowed.first { $0 == given.medium }
        if medium == nil {
            let lower = given.medium.lowercased()
            medium = constants.immersionMedia.first { lower.contains($0.contains) }?.medium
        }
        if medium == nil {
            problems.warning("\(key).medium '\(given.medium)' is none of aind-data-schema's immersion media: written as 'other'")
        }
        return try models.make("Immersion", ["medium": .string(medium ?? "other"), "refractive_index": .number(JSONNumber(given.refractiveIndex))])
    }

    func document(
        name: SmartSPIMFolderName, metadata: SmartSPIMMetadata, channels: [Channel], start: Timestamp, end: Timestamp, problems: inout DiagnosticCollector
    ) throws -> JSONValue {
        let metadataLocation = input.location(path(constants.metadataFile), jsonPath: JSONPath([.key("session_config")]))
        guard let pixel = metadata.xyPixelSize else {
            throw DiagnosticError("session_config has no XY pixel size ('µm/pix'): the images' scale is unknown", at: metadataLocation)
        }
        guard let zStep = metadata.zStep else {
            throw DiagnosticError("session_config has no Z step ('Z step (µm)'): the images' scale is unknown", at: metadataLocation)
        }
        guard let instrumentID = settings.instrumentID else {
            throw DiagnosticError("the instrument id is unknown (the files do not say it); set mappers.spim.settings.instrument_id")
        }
        guard var specimen = settings.specimenID else {
            throw DiagnosticError("aind-data-schema requires a specimen_id for SPIM and the files do not say it; set mappers.spim.settings.specimen_id")
        }
        if !specimen.contains(name.subject) { specimen = "\(name.subject)-\(specimen)" }
        guard let chamber = settings.chamberImmersion else {
            throw DiagnosticError("aind-data-schema requires the chamber immersion; set mappers.spim.settings.chamber_immersion {medium, refractive_index}")
        }
        let coordinateSystem = try coordinateSystem()

        var channelValues: [JSONValue] = []
        var activeDevices = [settings.detectorName]
        var calibratedUnit: String?
        for channel in channels {
            let power = metadata.powers?[channel.laser]
            if let unit = power?.unit, unit != "percent", calibratedUnit == nil { calibratedUnit = unit }
            let used = Set(channel.tiles.map { $0.side ?? constants.sides[0] })
            var lights: [JSONValue] = []
            for (i, side) in constants.sides.enumerated() where used.contains(side) {
                var fields: JSONObject = ["device_name": .string(laserName(channel.laser)), "wavelength": .int(channel.laser)]
                if let power, let value = i == 0 ? power.left : power.right {
                    fields["power"] = .number(JSONNumber(value))
                    fields["power_unit"] = .string(power.unit)
                }
                lights.append(try models.make("LaserConfig", fields))
            }
            var detector: JSONObject = ["device_name": .string(settings.detectorName), "trigger_type": .string(constants.triggerType)]
            if let exposure = channel.tiles.lazy.compactMap(\.exposure).first {
                detector["exposure_time"] = .number(JSONNumber(exposure))
                detector["exposure_time_unit"] = .string(constants.exposureTimeUnit)
            }
            channelValues.append(
                try models.make(
                    "Channel",
                    [
                        "channel_name": .string(channel.name),
                        "detector": try models.make("DetectorConfig", detector),
                        "light_sources": .array(lights),
                        "emission_filters": [try models.make("DeviceConfig", ["device_name": .string(filterName(channel))])],
                        "emission_wavelength": .int(channel.emission),
                        "emission_wavelength_unit": "nanometer",
                    ]))
            for device in [laserName(channel.laser), filterName(channel)] where !activeDevices.contains(device) { activeDevices.append(device) }
        }
        activeDevices.append(settings.sampleChamberName)
        if let objective = settings.objectiveName { activeDevices.append(objective) }

        let images = try images(channels, pixel: pixel, zStep: zStep)
        let imaging = try models.make(
            "ImagingConfig",
            ["device_name": .string(instrumentID), "channels": .array(channelValues), "local_coordinate_system": coordinateSystem, "images": .array(images)])
        var chamberFields: JSONObject = [
            "device_name": .string(settings.sampleChamberName), "chamber_immersion": try immersion(chamber, key: "chamber_immersion", problems: &problems),
        ]
        if let sample = settings.sampleImmersion { chamberFields["sample_immersion"] = try immersion(sample, key: "sample_immersion", problems: &problems) }
        var code: JSONValue = .null
        if let version = metadata.version, !version.isEmpty {
            code = [try models.make("Code", ["url": .string(settings.codeURL), "name": .string(constants.codeName), "version": .string(version)])]
        }
        let stream = try models.make(
            "DataStream",
            [
                "stream_start_time": .timestamp(start), "stream_end_time": .timestamp(end), "modalities": [try models.modality("SPIM")], "code": code,
                "notes": .string(calibratedUnit.map { constants.calibratedStreamNotes.replacingEvery("{unit}", with: $0) } ?? constants.streamNotes),
                "active_devices": .strings(activeDevices),
                "configurations": [imaging, try models.make("SampleChamberConfig", chamberFields)],
            ])
        return try models.document([
            "protocol_id": settings.protocolID.map { .strings($0) } ?? .null,
            "subject_id": .string(name.subject),
            "specimen_id": .string(specimen),
            "acquisition_start_time": .timestamp(start),
            "acquisition_start_tz": start.derivedTimeZone,
            "acquisition_end_time": .timestamp(end),
            "experimenters": .strings(settings.experimenters ?? []),
            "instrument_id": .string(instrumentID),
            "acquisition_type": .string(constants.acquisitionType),
            "global_coordinate_system": coordinateSystem,
            "data_streams": [stream],
        ])
    }

    /// One `Image spim` per tile, by channel and then in tile order. The first is built from the schema; the others
    /// are copies with their own channel, file and transforms (10,000 tiles are a real acquisition).
    func images(_ channels: [Channel], pixel: Double, zStep: Double) throws -> [JSONValue] {
        let scale = try models.make("Scale", ["scale": .array([pixel, pixel, zStep].map { .number(JSONNumber($0)) })])
        let template = try models.make(
            "ImageSPIM",
            [
                "channel_name": "", "file_name": "", "imaging_angle": 0,
                "image_to_acquisition_transform": [scale, try models.make("Translation", ["translation": [0.0, 0.0, 0.0]])],
            ])
        guard case .object(let imageObject) = template, case .array(let transforms)? = imageObject["image_to_acquisition_transform"],
            transforms.count == 2, case .object(let translationObject) = transforms[1]
        else { throw DiagnosticError("internal: the Image spim template has an unexpected shape") }
        var images: [JSONValue] = []
        images.reserveCapacity(channels.reduce(0) { $0 + $1.tiles.count })
        let divisor = constants.positionDivisor
        for channel in channels {
            for tile in channel.tiles {
                var translation = translationObject
                translation["translation"] = .array([tile.xPosition / divisor, tile.yPosition / divisor, tile.z / divisor].map { .number(JSONNumber($0)) })
                var image = imageObject
                image["channel_name"] = .string(channel.name)
                image["file_name"] = .string("\(constants.channelRoot)/\(channel.name)/\(tile.x)/\(tile.x)_\(tile.y)")
                image["image_to_acquisition_transform"] = .array([transforms[0], .object(translation)])
                images.append(.object(image))
            }
        }
        return images
    }
}

extension Timestamp {
    /// The same instant in another zone, or a located error.
    func converted(to zone: String, at location: SourceLocation) throws(DiagnosticError) -> Timestamp {
        do {
            return try converted(to: zone)
        } catch {
            throw DiagnosticError(error.description, at: location)
        }
    }
}
