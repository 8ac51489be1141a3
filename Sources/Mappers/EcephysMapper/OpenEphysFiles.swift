import Foundation
import MapperKit

/// A problem in one Open Ephys file, with where it is (line and column, JSON path, or byte offset).
public struct OpenEphysFileError: Error, Sendable {
    public var message: String
    public var line: Int?
    public var column: Int?
    public var byteOffset: Int?
    /// Where in a JSON file (`structure.oebin`): `continuous[2].sample_rate`.
    public var jsonPath: JSONPath?
}

/// Bounds on what the adapter accepts from Open Ephys files.
public enum OpenEphysLimits {
    /// The longest text field (UTF-8 bytes) kept from an input file: 64 KiB. No name, serial number, part number or
    /// version Open Ephys writes comes near it. A longer one (a damaged or hostile file) is refused with its location,
    /// never truncated: names identify devices across the two documents, and a cut name could match another.
    public static let maximumTextBytes = 65_536

    /// `value`, or a located error when it is longer than ``maximumTextBytes``.
    static func text(
        _ value: String, _ what: @autoclosure () -> String, line: Int? = nil, column: Int? = nil, jsonPath: JSONPath? = nil
    ) throws(OpenEphysFileError) -> String {
        let bytes = value.utf8.count
        guard bytes > maximumTextBytes else { return value }
        throw OpenEphysFileError(
            message: "\(what()) is \(bytes) bytes long; text fields longer than \(maximumTextBytes) bytes (64 KiB) are refused",
            line: line, column: column, jsonPath: jsonPath)
    }

    /// A sample rate is a finite number of hertz above zero; anything else (`nan`, `inf`, `0`, `-30000`) is refused.
    static func isSampleRate(_ value: Double) -> Bool { value.isFinite && value > 0 }

    /// Text from a file quoted in a message: at most 40 characters, the rest elided.
    static func quoted(_ value: some StringProtocol) -> String {
        value.count <= 40 ? "'\(value)'" : "'\(value.prefix(40))…' (\(value.utf8.count) bytes)"
    }
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
        /// Attribute values by lowercased name (of names that differ only in case, the first in the file).
        public var attributes: [String: String]
        public var line: Int

        public func value(_ name: String) -> String? {
            attributes[name.lowercased()]
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
        func text(_ name: String) throws(OpenEphysFileError) -> String? {
            guard let element = info?.child(named: name) else { return nil }
            let value = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { return nil }
            return try OpenEphysLimits.text(value, "<\(name)>", line: element.line, column: element.column)
        }
        version = try text("VERSION")
        date = try text("DATE")
        dateLine = info?.child(named: "DATE")?.line
        operatingSystem = try text("OS")
        if let machine = info?.child(named: "MACHINE") {
            let named = try OpenEphysSettings.attribute(machine, "name")?.trimmingCharacters(in: .whitespaces)
            let body = try OpenEphysLimits.text(machine.text.trimmingCharacters(in: .whitespacesAndNewlines), "<MACHINE>", line: machine.line, column: machine.column)
            self.machine = (named?.isEmpty == false ? named : nil) ?? (body.isEmpty ? nil : body)
        }
        var processors: [Processor] = []
        for chain in root.children(named: "SIGNALCHAIN") {
            for element in chain.children(named: "PROCESSOR") {
                processors.append(try OpenEphysSettings.processor(element))
            }
        }
        self.processors = processors
    }

    /// One `PROCESSOR` element. Every text kept from it is at most ``OpenEphysLimits/maximumTextBytes`` long, and a
    /// stream's `sample_rate`, when it is a number, is finite and above zero; otherwise a located error.
    public static func processor(_ element: XML.Element) throws(OpenEphysFileError) -> Processor {
        var raw = try attribute(element, "name")
        if raw == nil { raw = try attribute(element, "pluginName") }
        let full = raw ?? ""
        let name = full.split(separator: "/").last.map(String.init) ?? full
        var streams: [Stream] = []
        for stream in element.children(named: "STREAM") {
            var rate: Double?
            if let text = try attribute(stream, "sample_rate"), let value = Double(text) {
                guard OpenEphysLimits.isSampleRate(value) else {
                    throw OpenEphysFileError(
                        message: "<STREAM> sample_rate \(OpenEphysLimits.quoted(text)) is not a sample rate (a finite number of hertz above zero)", line: stream.line, column: stream.column)
                }
                rate = value
            }
            streams.append(
                Stream(
                    name: try attribute(stream, "name") ?? "",
                    sampleRate: rate,
                    channelCount: try attribute(stream, "channel_count").flatMap { Int($0) },
                    deviceName: try attribute(stream, "device_name")))
        }
        var probes: [ProbeElement] = []
        for probe in element.descendants(named: "NP_PROBE") {
            // Keyed by the lowercased name; of two names that differ only in case, the first in the file is kept.
            var attributes: [String: String] = [:]
            for attribute in probe.attributes {
                let value = try OpenEphysLimits.text(attribute.value, "<NP_PROBE> attribute '\(attribute.name)'", line: probe.line, column: probe.column)
                let key = attribute.name.lowercased()
                if attributes[key] == nil { attributes[key] = value }
            }
            probes.append(ProbeElement(attributes: attributes, line: probe.line))
        }
        var basestations: [Basestation] = []
        for station in element.descendants(named: "BASESTATION") {
            guard let slot = try attribute(station, "Slot").flatMap({ Int($0) }) else { continue }
            var ports: [String: String] = [:]
            for attribute in station.attributes where attribute.name.lowercased().hasPrefix("port") {
                ports[attribute.name.lowercased()] = try OpenEphysLimits.text(
                    attribute.value, "<BASESTATION> attribute '\(attribute.name)'", line: station.line, column: station.column)
            }
            basestations.append(Basestation(slot: slot, namingScheme: try attribute(station, "NamingScheme").flatMap { Int($0) }, portNames: ports))
        }
        var states: [String: String] = [:]
        for parameters in element.children(named: "CUSTOM_PARAMETERS") {
            for stream in parameters.children(named: "STREAM") {
                if let name = try attribute(stream, "name"), let state = try attribute(stream, "recording_state") { states[name] = state }
            }
        }
        return Processor(
            name: name, nodeID: try attribute(element, "nodeId"), libraryVersion: try attribute(element, "libraryVersion"), streams: streams,
            probes: probes, basestations: basestations, recordingStates: states, line: element.line)
    }

    /// An attribute's value (name compared without regard to case), refused with its location when longer than
    /// ``OpenEphysLimits/maximumTextBytes``.
    static func attribute(_ element: XML.Element, _ name: String) throws(OpenEphysFileError) -> String? {
        guard let value = element.attribute(name) else { return nil }
        return try OpenEphysLimits.text(value, "<\(element.name)> attribute '\(name)'", line: element.line, column: element.column)
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
        func text(_ value: JSONValue?, _ path: JSONPath) throws(OpenEphysFileError) -> String? {
            guard let string = value?.stringValue else { return nil }
            return try OpenEphysLimits.text(string, "\(path)", jsonPath: path)
        }
        guiVersion = try text(object["GUI version"], JSONPath([.key("GUI version")]))
        var streams: [ContinuousStream] = []
        // Absent: no continuous stream; anything but a list is a damaged file, not "nothing recorded".
        if let value = object["continuous"], value.arrayValue == nil {
            throw OpenEphysFileError(message: "continuous is not a list of streams (it is \(value.typeName))", jsonPath: JSONPath([.key("continuous")]))
        }
        for (index, entry) in (object["continuous"]?.arrayValue ?? []).enumerated() {
            let at = JSONPath([.key("continuous"), .index(index)])
            guard var folder = try text(entry["folder_name"], at.appending("folder_name")) else { continue }
            while folder.hasSuffix("/") || folder.hasSuffix("\\") { folder.removeLast() }
            let streamName = try text(entry["stream_name"], at.appending("stream_name")) ?? folder.split(separator: ".").last.map(String.init) ?? folder
            var id: String?
            if let value = entry["source_processor_id"] {
                if let number = value.numberValue?.intValue {
                    id = String(number)
                } else {
                    id = try text(value, at.appending("source_processor_id"))
                }
            }
            var rate: Double?
            if let number = entry["sample_rate"]?.numberValue {
                guard OpenEphysLimits.isSampleRate(number.doubleValue) else {
                    throw OpenEphysFileError(
                        message: "sample_rate \(OpenEphysLimits.quoted(number.literal)) is not a sample rate (a finite number of hertz above zero)", jsonPath: at.appending("sample_rate"))
                }
                rate = number.doubleValue
            }
            streams.append(
                ContinuousStream(
                    folder: folder, streamName: streamName, sourceProcessorName: try text(entry["source_processor_name"], at.appending("source_processor_name")),
                    sourceProcessorID: id, sampleRate: rate, channelCount: entry["num_channels"]?.numberValue?.intValue, index: index))
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

    /// A line in a known form whose values cannot be used (a non-finite rate, a time that overflows, a name
    /// over 64 KiB): an error at that line.
    public struct Invalid: Sendable, Equatable {
        public var line: Int
        public var message: String
    }

    /// How many lines in an unknown form are kept in ``unknownLines`` (and reported one by one).
    public static let unknownLinesKept = 5

    public var softwareTimeMilliseconds: Int64?
    /// The Software Time in microseconds (`softwareTimeMilliseconds` × 1000, which fits).
    public var softwareTimeMicroseconds: Int64?
    public var softwareTimeLine: Int?
    /// `Software time: <ticks>@<rate>Hz` (GUI 0.5.x): not a wall-clock time.
    public var hasLegacyTicks = false
    public var starts: [Start] = []
    /// The first ``unknownLinesKept`` lines that match no known form (1-based line numbers), reported as warnings.
    public var unknownLines: [Int] = []
    /// Every line that matches no known form, counted (the first few are in ``unknownLines``).
    public var unknownLineCount = 0
    /// The first and last of the unknown lines after those kept, for one summary warning.
    public var moreUnknownLines: ClosedRange<Int>?
    /// Lines in a known form with values that cannot be used, reported as errors.
    public var invalid: [Invalid] = []

    public init(_ text: String) {
        // Line by line without an array of every line (a file of garbage can hold millions).
        var rest = Substring(text)
        var lineNumber = 0
        while !rest.isEmpty {
            lineNumber += 1
            let end = rest.firstIndex { $0 == "\n" || $0 == "\r\n" } ?? rest.endIndex
            var line = rest[..<end]
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            while line.last == "\r" || line.last == " " || line.last == "\t" { line.removeLast() }
            if line.isEmpty { continue }
            if let value = SyncMessages.suffix(line, after: "Software Time (milliseconds since midnight Jan 1st 1970 UTC):") {
                if let ms = Int64(value.trimmingCharacters(in: .whitespaces)) {
                    if softwareTimeMilliseconds == nil {
                        let (micro, overflow) = ms.multipliedReportingOverflow(by: 1000)
                        if overflow {
                            invalid.append(Invalid(line: lineNumber, message: "Software Time \(ms) ms is not a time: in microseconds it overflows a 64-bit integer"))
                        } else {
                            softwareTimeMilliseconds = ms
                            softwareTimeMicroseconds = micro
                            softwareTimeLine = lineNumber
                        }
                    }
                } else {
                    unknown(lineNumber)
                }
            } else if line.hasPrefix("Software time:") {
                hasLegacyTicks = true
            } else if line.hasPrefix("Start Time for "), let start = SyncMessages.start(line, lineNumber: lineNumber) {
                if let problem = SyncMessages.problem(start) {
                    invalid.append(Invalid(line: lineNumber, message: problem))
                } else {
                    starts.append(start)
                }
            } else if line.hasPrefix("Processor:") {
                continue  // GUI 0.5.x per-processor start: sample numbers without stream names
            } else {
                unknown(lineNumber)
            }
        }
    }

    mutating func unknown(_ line: Int) {
        unknownLineCount += 1
        if unknownLines.count < SyncMessages.unknownLinesKept {
            unknownLines.append(line)
        } else {
            moreUnknownLines = (moreUnknownLines?.lowerBound ?? line)...line
        }
    }

    /// Why a start line's values cannot be used, or `nil`.
    static func problem(_ start: Start) -> String? {
        guard OpenEphysLimits.isSampleRate(start.sampleRate) else {
            return "the sample rate \(start.sampleRate) Hz of \(OpenEphysLimits.quoted(start.streamName)) is not a sample rate (a finite number of hertz above zero)"
        }
        for (what, value) in [("processor name", start.processorName), ("processor id", start.processorID), ("stream name", start.streamName)]
        where value.utf8.count > OpenEphysLimits.maximumTextBytes {
            return "the \(what) is \(value.utf8.count) bytes long; text fields longer than \(OpenEphysLimits.maximumTextBytes) bytes (64 KiB) are refused"
        }
        return nil
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
    /// Byte offset of the shape's value (`(1800000,)`) in the file, for locations; 0 when not parsed from a file.
    public var shapeOffset: Int = 0

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
        shapeOffset = start + text.utf8.distance(from: text.startIndex, to: shapeValue.startIndex)
        guard shapeValue.first == "(", let close = shapeValue.firstIndex(of: ")") else {
            throw OpenEphysFileError(message: "the NumPy header's 'shape' is not a tuple", byteOffset: start)
        }
        var dims: [Int64] = []
        for part in shapeValue[shapeValue.index(after: shapeValue.startIndex)..<close].split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces).replacingEvery("L", with: "")
            if trimmed.isEmpty { continue }
            guard let dim = Int64(trimmed), dim >= 0 else {
                throw OpenEphysFileError(message: "the NumPy header's shape holds \(OpenEphysLimits.quoted(trimmed)), not a size", byteOffset: shapeOffset)
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

    /// Bytes the data takes by the header (elements × item size), or `nil` when the item size is unknown or the
    /// product does not fit in 64 bits (a shape no file can hold).
    public var dataByteCount: Int64? {
        guard let itemSize else { return nil }
        var total = Int64(itemSize)
        for dim in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            total = product
        }
        return total
    }
}
