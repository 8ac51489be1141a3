import Foundation
import MetadataModel
import RigMapperCore

/// A problem in one Open Ephys file, with where it is (line and column, or byte offset).
public struct OpenEphysFileError: Error, Sendable {
    public var message: String
    public var line: Int?
    public var column: Int?
    public var byteOffset: Int?
}

// MARK: - settings.xml

/// What RigMapper reads from one Record Node's `settings.xml` (or `settings_<E>.xml`): the GUI version, the DATE it
/// was written, the computer, and the signal chain's processors with their streams, probes and basestations.
///
/// Tolerant of the layouts of GUI 0.5 to 1.0: tag and attribute names are matched without regard to case (`nodeId`
/// and `NodeId`), processor names lose their 0.5.x category prefix (`Sources/Neuropix-PXI`), `MACHINE` may be an
/// attribute or element text, and `NP_PROBE` elements are found anywhere inside their processor (under `EDITOR` before
/// 1.0, under `EDITOR/CUSTOM_PARAMETERS` from 1.0).
public struct OpenEphysSettings: Sendable {
    public struct Stream: Sendable {
        public var name: String
        public var sampleRate: Double?
        public var channelCount: Int?
        public var deviceName: String?
    }

    /// One `NP_PROBE` element (a probe, or one shank of a Quad Base probe).
    public struct ProbeElement: Sendable {
        public var attributes: [String: String]
        public var line: Int

        public func value(_ name: String) -> String? {
            let lower = name.lowercased()
            return attributes.first { $0.key.lowercased() == lower }?.value
        }
        public func int(_ name: String) -> Int? { value(name).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        public var slot: Int? { int("slot") }
        public var port: Int? { int("port") }
        public var dock: Int? { int("dock") }
        public var serialNumber: String? { value("probe_serial_number") }
        public var partNumber: String? { value("probe_part_number") }
        public var customName: String? { value("custom_probe_name") }
        /// `isEnabled` is absent before plugin 0.7; absent means enabled.
        public var isEnabled: Bool { value("isEnabled").map { $0.trimmingCharacters(in: .whitespaces) != "0" } ?? true }
    }

    public struct Basestation: Sendable {
        public var slot: Int
        public var namingScheme: Int?
        /// `port<p>dock<d>` → custom port name.
        public var portNames: [String: String]
    }

    public struct Processor: Sendable {
        /// The processor's name without a 0.5.x category prefix (`Neuropix-PXI`, `NI-DAQmx`, `Record Node`).
        public var name: String
        public var nodeID: String?
        public var libraryVersion: String?
        public var streams: [Stream]
        public var probes: [ProbeElement]
        public var basestations: [Basestation]
        /// Record Node only (GUI 0.6): streams by name → `recording_state` (`ALL`, `NONE`, or a channel mask).
        public var recordingStates: [String: String]
        public var line: Int
    }

    public var version: String?
    public var date: String?
    public var dateLine: Int?
    public var operatingSystem: String?
    public var machine: String?
    public var processors: [Processor]

    /// Reads a parsed document; `SETTINGS` must be its root.
    public init(_ root: XML.Element) throws(OpenEphysFileError) {
        guard root.name.uppercased() == "SETTINGS" else {
            throw OpenEphysFileError(message: "the root element is <\(root.name)>, not <SETTINGS>: not an Open Ephys settings file", line: root.line, column: root.column)
        }
        let info = root.child(named: "INFO")
        func text(_ name: String) -> String? {
            guard let value = info?.child(named: name)?.text.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            return value
        }
        version = text("VERSION")
        date = text("DATE")
        dateLine = info?.child(named: "DATE")?.line
        operatingSystem = text("OS")
        if let machine = info?.child(named: "MACHINE") {
            let named = machine.attribute("name")?.trimmingCharacters(in: .whitespaces)
            let body = machine.text.trimmingCharacters(in: .whitespacesAndNewlines)
            self.machine = (named?.isEmpty == false ? named : nil) ?? (body.isEmpty ? nil : body)
        }
        var processors: [Processor] = []
        for chain in root.children(named: "SIGNALCHAIN") {
            for element in chain.children(named: "PROCESSOR") {
                processors.append(OpenEphysSettings.processor(element))
            }
        }
        self.processors = processors
    }

    public static func processor(_ element: XML.Element) -> Processor {
        let raw = element.attribute("name") ?? element.attribute("pluginName") ?? ""
        let name = raw.split(separator: "/").last.map(String.init) ?? raw
        let streams = element.children(named: "STREAM").map { stream in
            Stream(
                name: stream.attribute("name") ?? "",
                sampleRate: stream.attribute("sample_rate").flatMap { Double($0) },
                channelCount: stream.attribute("channel_count").flatMap { Int($0) },
                deviceName: stream.attribute("device_name"))
        }
        let probes = element.descendants(named: "NP_PROBE").map { probe in
            ProbeElement(attributes: Dictionary(probe.attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }), line: probe.line)
        }
        var basestations: [Basestation] = []
        for station in element.descendants(named: "BASESTATION") {
            guard let slot = station.attribute("Slot").flatMap({ Int($0) }) else { continue }
            var ports: [String: String] = [:]
            for attribute in station.attributes where attribute.name.lowercased().hasPrefix("port") {
                ports[attribute.name.lowercased()] = attribute.value
            }
            basestations.append(Basestation(slot: slot, namingScheme: station.attribute("NamingScheme").flatMap { Int($0) }, portNames: ports))
        }
        var states: [String: String] = [:]
        for parameters in element.children(named: "CUSTOM_PARAMETERS") {
            for stream in parameters.children(named: "STREAM") {
                if let name = stream.attribute("name"), let state = stream.attribute("recording_state") { states[name] = state }
            }
        }
        return Processor(
            name: name, nodeID: element.attribute("nodeId"), libraryVersion: element.attribute("libraryVersion"), streams: streams,
            probes: probes, basestations: basestations, recordingStates: states, line: element.line)
    }
}

/// `DATE` of settings.xml: JUCE's `Time::toString` in the rig's local time without a zone — `5 Mar 2024 9:05:03`:
/// day and hour not zero-padded, English month abbreviations; hand-edited files pad (`04 Apr 2023`), and full month
/// names are accepted too. Never read with the host's locale or zone.
public enum OpenEphysDate {
    public static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// The wall-clock time, naive (no offset), or `nil` when the text is not in this form.
    public static func parse(_ text: String) -> Timestamp? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
        guard parts.count == 4, let day = Int(parts[0]), let year = Int(parts[2]), parts[2].count == 4 else { return nil }
        let word = parts[1].lowercased()
        guard word.count >= 3, let index = months.firstIndex(where: { word.hasPrefix($0) }) else { return nil }
        let clock = parts[3].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), clock[1].count == 2, clock[2].count == 2,
            let second = Int(clock[2]), clock[0].count <= 2
        else { return nil }
        return try? Timestamp(year: year, month: index + 1, day: day, hour: hour, minute: minute, second: second, utcOffsetSeconds: nil)
    }
}

// MARK: - structure.oebin

/// The continuous streams one recording's `structure.oebin` lists (only those its Record Node recorded).
public struct OpenEphysStructure: Sendable {
    public struct ContinuousStream: Sendable {
        /// `Neuropix-PXI-100.ProbeA-AP` (without the trailing `/`).
        public var folder: String
        /// `ProbeA-AP`; for GUI 0.4/0.5 files without `stream_name`, the part of the folder after the last `.`.
        public var streamName: String
        public var sourceProcessorName: String?
        public var sourceProcessorID: String?
        public var sampleRate: Double?
        public var channelCount: Int?
        /// Index in the file's `continuous` array, for locations.
        public var index: Int
    }

    public var guiVersion: String?
    public var continuous: [ContinuousStream]

    public init(_ document: JSONValue) throws(OpenEphysFileError) {
        guard let object = document.objectValue else {
            throw OpenEphysFileError(message: "structure.oebin is not a JSON object")
        }
        guiVersion = object["GUI version"]?.stringValue
        var streams: [ContinuousStream] = []
        for (index, entry) in (object["continuous"]?.arrayValue ?? []).enumerated() {
            guard var folder = entry["folder_name"]?.stringValue else { continue }
            while folder.hasSuffix("/") || folder.hasSuffix("\\") { folder.removeLast() }
            let streamName = entry["stream_name"]?.stringValue ?? folder.split(separator: ".").last.map(String.init) ?? folder
            let id = entry["source_processor_id"].flatMap { value -> String? in
                if let number = value.numberValue?.intValue { return String(number) }
                return value.stringValue
            }
            streams.append(
                ContinuousStream(
                    folder: folder, streamName: streamName, sourceProcessorName: entry["source_processor_name"]?.stringValue, sourceProcessorID: id,
                    sampleRate: entry["sample_rate"]?.numberValue?.doubleValue, channelCount: entry["num_channels"]?.numberValue?.intValue, index: index))
        }
        continuous = streams
    }
}

// MARK: - sync_messages.txt

/// One recording's `sync_messages.txt`: the Software Time (UTC epoch milliseconds when recording started, GUI ≥ 0.6)
/// and the first sample number of every stream. GUI 0.5.x wrote high-resolution ticks instead of a wall-clock time,
/// which cannot place the recording in time.
public struct SyncMessages: Sendable {
    public struct Start: Sendable {
        public var processorName: String
        public var processorID: String
        public var streamName: String
        public var sampleRate: Double
        public var firstSample: Int64
        public var line: Int
    }

    public var softwareTimeMilliseconds: Int64?
    public var softwareTimeLine: Int?
    /// `Software time: <ticks>@<rate>Hz` (GUI 0.5.x): not a wall-clock time.
    public var hasLegacyTicks = false
    public var starts: [Start] = []
    /// Lines that match no known form (1-based line numbers), reported as warnings.
    public var unknownLines: [Int] = []

    public init(_ text: String) {
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            var line = Substring(raw)
            while line.last == "\r" || line.last == " " || line.last == "\t" { line.removeLast() }
            if line.isEmpty { continue }
            let lineNumber = number + 1
            if let value = SyncMessages.suffix(line, after: "Software Time (milliseconds since midnight Jan 1st 1970 UTC):") {
                if let ms = Int64(value.trimmingCharacters(in: .whitespaces)) {
                    if softwareTimeMilliseconds == nil {
                        softwareTimeMilliseconds = ms
                        softwareTimeLine = lineNumber
                    }
                } else {
                    unknownLines.append(lineNumber)
                }
            } else if line.hasPrefix("Software time:") {
                hasLegacyTicks = true
            } else if line.hasPrefix("Start Time for "), let start = SyncMessages.start(line, lineNumber: lineNumber) {
                starts.append(start)
            } else if line.hasPrefix("Processor:") {
                continue  // GUI 0.5.x per-processor start: sample numbers without stream names
            } else {
                unknownLines.append(lineNumber)
            }
        }
    }

    public static func suffix(_ line: Substring, after prefix: String) -> String? {
        guard line.hasPrefix(prefix) else { return nil }
        return String(line.dropFirst(prefix.count))
    }

    /// `Start Time for Neuropix-PXI (100) - ProbeA-AP @ 30000 Hz: 900259`; the processor name may hold spaces and
    /// parentheses, so the line is read from its fixed right-hand parts.
    public static func start(_ line: Substring, lineNumber: Int) -> Start? {
        let body = line.dropFirst("Start Time for ".count)
        guard let colon = body.lastIndex(of: ":"), let sample = Int64(body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)) else { return nil }
        let head = body[..<colon]
        guard let at = head.range(of: " @ ", options: .backwards), head.hasSuffix(" Hz") else { return nil }
        let rateEnd = head.index(head.endIndex, offsetBy: -3)
        guard at.upperBound <= rateEnd else { return nil }  // "… @ Hz": no rate
        let rateText = head[at.upperBound..<rateEnd]
        guard let rate = Double(rateText.trimmingCharacters(in: .whitespaces)) else { return nil }
        let processorAndStream = head[..<at.lowerBound]
        guard let dash = processorAndStream.range(of: ") - ") else { return nil }
        let stream = String(processorAndStream[dash.upperBound...])
        let processorPart = processorAndStream[..<dash.lowerBound]  // "Neuropix-PXI (100"
        guard let open = processorPart.range(of: " (", options: .backwards) else { return nil }
        return Start(
            processorName: String(processorPart[..<open.lowerBound]), processorID: String(processorPart[open.upperBound...]), streamName: stream,
            sampleRate: rate, firstSample: sample, line: lineNumber)
    }
}

// MARK: - .npy headers

/// The header of a NumPy `.npy` file (format 1.0–3.0): element type, order and shape, and where the data starts.
/// Only the header is read, never the data.
public struct NPYHeader: Sendable, Equatable {
    public var descr: String
    public var fortranOrder: Bool
    public var shape: [Int64]
    /// Byte offset of the first element.
    public var dataOffset: Int

    /// Bytes needed to hold the whole header of a file starting with `prefix` (at least its first 12 bytes), or
    /// `nil` when `prefix` is too short to say.
    public static func headerLength(_ prefix: [UInt8]) throws(OpenEphysFileError) -> Int? {
        let known = min(prefix.count, magic.count)
        guard Array(prefix.prefix(known)) == Array(magic.prefix(known)) else {
            throw OpenEphysFileError(message: "not a NumPy file (it does not start with \\x93NUMPY)", byteOffset: 0)
        }
        guard prefix.count >= 10 else { return nil }
        switch prefix[6] {
        case 1: return 10 + (Int(prefix[8]) | Int(prefix[9]) << 8)
        case 2, 3:
            guard prefix.count >= 12 else { return nil }
            let length = Int(prefix[8]) | (Int(prefix[9]) << 8) | (Int(prefix[10]) << 16) | (Int(prefix[11]) << 24)
            return 12 + length
        default:
            throw OpenEphysFileError(message: "unknown NumPy format version \(prefix[6]).\(prefix[7])", byteOffset: 6)
        }
    }

    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    public init(descr: String, fortranOrder: Bool, shape: [Int64], dataOffset: Int) {
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
        self.dataOffset = dataOffset
    }

    /// Parses a header from the file's first bytes (which must hold the whole header).
    public init(_ bytes: [UInt8]) throws(OpenEphysFileError) {
        guard let total = try NPYHeader.headerLength(bytes) else {
            throw OpenEphysFileError(message: "the file ends inside the NumPy header (\(bytes.count) bytes)", byteOffset: bytes.count)
        }
        guard bytes.count >= total else {
            throw OpenEphysFileError(message: "the file ends inside the NumPy header (\(bytes.count) of \(total) bytes)", byteOffset: bytes.count)
        }
        let start = bytes[6] == 1 ? 10 : 12
        guard let text = String(validating: bytes[start..<total], as: UTF8.self) else {
            throw OpenEphysFileError(message: "the NumPy header is not text", byteOffset: start)
        }
        func value(of key: String) throws(OpenEphysFileError) -> Substring {
            guard let range = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\"") else {
                throw OpenEphysFileError(message: "the NumPy header has no '\(key)'", byteOffset: start)
            }
            var rest = text[range.upperBound...].drop { $0 == " " }
            guard rest.first == ":" else { throw OpenEphysFileError(message: "the NumPy header's '\(key)' has no value", byteOffset: start) }
            rest = rest.dropFirst().drop { $0 == " " }
            return rest
        }
        let descrValue = try value(of: "descr")
        guard let quote = descrValue.first, quote == "'" || quote == "\"", let end = descrValue.dropFirst().firstIndex(of: quote) else {
            throw OpenEphysFileError(message: "the NumPy header's 'descr' is not a string", byteOffset: start)
        }
        descr = String(descrValue[descrValue.index(after: descrValue.startIndex)..<end])
        fortranOrder = try value(of: "fortran_order").hasPrefix("True")
        let shapeValue = try value(of: "shape")
        guard shapeValue.first == "(", let close = shapeValue.firstIndex(of: ")") else {
            throw OpenEphysFileError(message: "the NumPy header's 'shape' is not a tuple", byteOffset: start)
        }
        var dims: [Int64] = []
        for part in shapeValue[shapeValue.index(after: shapeValue.startIndex)..<close].split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces).replacingEvery("L", with: "")
            if trimmed.isEmpty { continue }
            guard let dim = Int64(trimmed), dim >= 0 else {
                throw OpenEphysFileError(message: "the NumPy header's shape holds '\(trimmed)', not a size", byteOffset: start)
            }
            dims.append(dim)
        }
        shape = dims
        dataOffset = total
    }

    /// Bytes per element for the plain numeric types (`<i8`, `<f8`, `|u1`…), else `nil`.
    public var itemSize: Int? {
        guard let last = descr.last, let size = Int(String(last)), descr.count == 3 else { return nil }
        return size
    }
}
