import Foundation
import MapperKit

/// An Open Ephys session as read from its Record Node folders: every node's settings files, experiments and
/// recordings, with the streams each recording holds. Only XML, JSON, sync text and `.npy` headers are read — never
/// `continuous.dat` (its size is a fallback when a stream's `.npy` header is missing).
struct EcephysSession: Sendable {
    struct SettingsFile: Sendable {
        var path: String
        var settings: OpenEphysSettings
    }

    /// One continuous stream of one recording, as its node recorded it.
    struct RecordedStream: Sendable {
        var folder: String
        var streamName: String
        var processorName: String?
        var processorID: String?
        var sampleRate: Double?
        var channelCount: Int?
        /// Samples recorded (`shape[0]` of `sample_numbers.npy`).
        var sampleCount: Int64?
        /// The first sample number: from sync_messages.txt, else the first value of `sample_numbers.npy`.
        var firstSample: Int64?
        /// Where each value was read (for errors about what they give together).
        var sampleRateLocation: SourceLocation?
        var sampleCountLocation: SourceLocation?
        var firstSampleLocation: SourceLocation?

        var id: StreamID { StreamID(name: streamName, processorID: processorID) }
    }

    /// A stream of a recording: its name and source processor.
    struct StreamID: Hashable, Sendable {
        var name: String
        var processorID: String?
    }

    struct Recording: Sendable {
        var number: Int
        var path: String
        var streams: [RecordedStream]
        var softwareTimeMilliseconds: Int64?
        /// `softwareTimeMilliseconds` × 1000, checked when read.
        var softwareTimeMicroseconds: Int64?
        var softwareTimeLocation: SourceLocation?
        var syncPath: String?
        /// The index of each stream in `streams` (the first, when a stream is listed twice).
        var streamIndex: [StreamID: Int] = [:]

        init(number: Int, path: String, streams: [RecordedStream], softwareTimeMilliseconds: Int64?, softwareTimeMicroseconds: Int64?,
            softwareTimeLocation: SourceLocation?, syncPath: String?) {
            self.number = number
            self.path = path
            self.streams = streams
            self.softwareTimeMilliseconds = softwareTimeMilliseconds
            self.softwareTimeMicroseconds = softwareTimeMicroseconds
            self.softwareTimeLocation = softwareTimeLocation
            self.syncPath = syncPath
            for (i, stream) in streams.enumerated() where streamIndex[stream.id] == nil { streamIndex[stream.id] = i }
        }

        /// The first stream with this name and source processor.
        func stream(_ id: StreamID) -> RecordedStream? { streamIndex[id].map { streams[$0] } }
    }

    struct Experiment: Sendable {
        var number: Int
        var path: String
        var recordings: [Recording]
    }

    struct RecordNode: Sendable {
        /// The folder, relative to the input root (`ecephys/ecephys_clipped/Record Node 101`).
        var path: String
        /// Its name (`Record Node 101`).
        var name: String
        /// Settings files by experiment number (`settings.xml` is experiment 1, `settings_3.xml` experiment 3).
        var settings: [Int: SettingsFile]
        var experiments: [Experiment]
        /// The keys of `settings`, ascending.
        var settingsNumbers: [Int]

        init(path: String, name: String, settings: [Int: SettingsFile], experiments: [Experiment]) {
            self.path = path
            self.name = name
            self.settings = settings
            self.experiments = experiments
            settingsNumbers = settings.keys.sorted()
        }

        /// The settings that describe experiment `number`: its own file, else the latest earlier one, else the first
        /// (a binary search: called once per experiment).
        func settings(forExperiment number: Int) -> SettingsFile? {
            if let own = settings[number] { return own }
            var low = 0
            var high = settingsNumbers.count
            while low < high {  // the first key not below `number`
                let mid = low + (high - low) / 2
                if settingsNumbers[mid] < number { low = mid + 1 } else { high = mid }
            }
            let key = low > 0 ? settingsNumbers[low - 1] : settingsNumbers.first
            return key.flatMap { settings[$0] }
        }
    }

    /// Readable nodes, by name.
    var nodes: [RecordNode]
    /// Nodes that could not be read, with every problem found in them.
    var brokenNodes: [(name: String, path: String, problems: [Diagnostic])]
    /// Names of the folders holding the Record Nodes, nearest first (`ecephys_clipped`, `ecephys`,
    /// `ecephys_700001_2024-03-05_09-04-33`), up to three parents of the input folder: where AIND writes the subject
    /// and the time.
    var enclosingFolderNames: [String]

    static func read(_ input: MapperInput, problems: inout DiagnosticCollector) throws(DiagnosticError) -> EcephysSession {
        var nodes: [RecordNode] = []
        var broken: [(name: String, path: String, problems: [Diagnostic])] = []
        let folders = input.claimed.isEmpty ? [""] : input.claimed
        for folder in folders {
            let name = folder.split(separator: "/").last.map(String.init) ?? input.root.lastPathComponent
            var nodeProblems = DiagnosticCollector()
            do {
                let node = try readNode(input, path: folder, name: name, problems: &nodeProblems)
                if nodeProblems.hasErrors {
                    broken.append((name, folder, nodeProblems.diagnostics))
                } else {
                    nodes.append(node)
                    problems.append(contentsOf: nodeProblems.diagnostics)
                }
            } catch {
                broken.append((name, folder, nodeProblems.diagnostics + error.diagnostics))
            }
        }
        nodes.sort { naturalLess($0.name, $1.name) }
        var enclosing: [String] = []
        if let first = folders.first {
            var parts = first.split(separator: "/").map(String.init)
            if !parts.isEmpty { parts.removeLast() }
            enclosing = parts.reversed()
        }
        // The input folder and a few of its parents, by name only (`rigmap map --input <asset>/ecephys/ecephys_clipped`
        // is still inside `ecephys_<subject>_<date>_<time>`).
        enclosing += input.root.standardizedFileURL.pathComponents.reversed().prefix(4).filter { $0 != "/" }
        return EcephysSession(nodes: nodes, brokenNodes: broken, enclosingFolderNames: enclosing)
    }

    /// `Record Node 101` < `Record Node 104`; `experiment2` < `experiment10`.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric]) == .orderedAscending
    }

    /// The number in `prefix<N>` (`experiment12` → 12), or `nil`.
    static func number(_ name: String, prefix: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    static func readNode(_ input: MapperInput, path: String, name: String, problems: inout DiagnosticCollector) throws(DiagnosticError) -> RecordNode {
        let entries = try input.list(path)
        var settings: [Int: SettingsFile] = [:]
        var experiments: [Experiment] = []
        for entry in entries {
            if !entry.isDirectory, entry.name.lowercased().hasSuffix(".xml") {
                let stem = String(entry.name.dropLast(4))
                let experiment: Int?
                if stem == "settings" {
                    experiment = 1
                } else {
                    experiment = number(stem, prefix: "settings_")
                }
                guard let experiment else { continue }
                do {
                    let document = try input.xml(entry.path)
                    settings[experiment] = SettingsFile(path: entry.path, settings: try OpenEphysSettings(document))
                } catch let error as DiagnosticError {
                    problems.append(contentsOf: error.diagnostics)
                } catch let error as OpenEphysFileError {
                    problems.error(
                        error.message, at: input.location(entry.path, jsonPath: error.jsonPath, line: error.line, column: error.column, byteOffset: error.byteOffset))
                } catch {
                    problems.error("\(error)", at: input.location(entry.path))
                }
            } else if entry.isDirectory, let number = number(entry.name, prefix: "experiment") {
                experiments.append(try readExperiment(input, path: entry.path, number: number, problems: &problems))
            }
        }
        if settings.isEmpty && !problems.hasErrors {
            problems.error("no settings.xml: the Record Node's probes and computer are unknown", at: input.location(MapperInput.join(path, "settings.xml")))
        }
        experiments.sort { $0.number < $1.number }
        if experiments.isEmpty {
            problems.warning("\(name) holds no experiment folder: it recorded nothing", at: input.location(path))
        }
        return RecordNode(path: path, name: name, settings: settings, experiments: experiments)
    }

    static func readExperiment(_ input: MapperInput, path: String, number: Int, problems: inout DiagnosticCollector) throws(DiagnosticError) -> Experiment {
        var recordings: [Recording] = []
        for entry in try input.list(path) where entry.isDirectory {
            guard let n = self.number(entry.name, prefix: "recording") else { continue }
            if let recording = readRecording(input, path: entry.path, number: n, problems: &problems) { recordings.append(recording) }
        }
        recordings.sort { $0.number < $1.number }
        return Experiment(number: number, path: path, recordings: recordings)
    }

    static func readRecording(_ input: MapperInput, path: String, number: Int, problems: inout DiagnosticCollector) -> Recording? {
        let structurePath = MapperInput.join(path, "structure.oebin")
        guard input.exists(structurePath) else {
            problems.error("no structure.oebin: the recording's streams are unknown", at: input.location(structurePath))
            return nil
        }
        let structure: OpenEphysStructure
        do {
            // Each stream's `channels` (most of the file: one object per channel) is not read.
            structure = try OpenEphysStructure(try input.json(structurePath, omitting: ["channels"]))
        } catch let error as DiagnosticError {
            problems.append(contentsOf: error.diagnostics)
            return nil
        } catch let error as OpenEphysFileError {
            problems.error(error.message, at: input.location(structurePath, jsonPath: error.jsonPath))
            return nil
        } catch {
            problems.error("\(error)", at: input.location(structurePath))
            return nil
        }

        var sync: SyncMessages?
        let syncPath = MapperInput.join(path, "sync_messages.txt")
        if input.exists(syncPath) {
            do {
                let messages = SyncMessages(try input.text(syncPath).string)
                for line in messages.unknownLines {
                    problems.warning("line not understood; ignored", at: input.location(syncPath, line: line))
                }
                if let more = messages.moreUnknownLines {
                    let count = messages.unknownLineCount - messages.unknownLines.count
                    problems.warning(
                        "… and \(count) more \(count == 1 ? "line" : "lines") not understood, like these (lines \(more.lowerBound)–\(more.upperBound)); ignored",
                        at: input.location(syncPath, line: more.lowerBound))
                }
                for invalid in messages.invalid {
                    problems.error(invalid.message, at: input.location(syncPath, line: invalid.line))
                }
                if let micro = messages.softwareTimeMicroseconds, !EcephysTime.presentable.contains(micro) {
                    problems.error(
                        "Software Time \(messages.softwareTimeMilliseconds ?? 0) ms is not a time between the years 1 and 9999",
                        at: input.location(syncPath, line: messages.softwareTimeLine))
                }
                if messages.softwareTimeMilliseconds == nil {
                    problems.warning(
                        messages.hasLegacyTicks
                            ? "a GUI 0.5 sync file: its software time counts processor ticks, not wall-clock time"
                            : "no 'Software Time' line: the recording's start is not known to the millisecond",
                        at: input.location(syncPath))
                }
                sync = messages
            } catch {
                problems.append(contentsOf: error.diagnostics.map { Diagnostic(.warning, $0.message + " (the recording's start is taken from settings.xml)", at: $0.location) })
            }
        }

        // The first start line of each stream, by name and source processor, and by name alone.
        var startByID: [StreamID: SyncMessages.Start] = [:]
        var startByName: [String: SyncMessages.Start] = [:]
        for start in sync?.starts ?? [] {
            let id = StreamID(name: start.streamName, processorID: start.processorID)
            if startByID[id] == nil { startByID[id] = start }
            if startByName[start.streamName] == nil { startByName[start.streamName] = start }
        }
        var streams: [RecordedStream] = []
        for entry in structure.continuous {
            let at = JSONPath([.key("continuous"), .index(entry.index)])
            var stream = RecordedStream(
                folder: entry.folder, streamName: entry.streamName, processorName: entry.sourceProcessorName, processorID: entry.sourceProcessorID,
                sampleRate: entry.sampleRate, channelCount: entry.channelCount)
            if entry.sampleRate != nil { stream.sampleRateLocation = input.location(structurePath, jsonPath: at.appending("sample_rate")) }
            // With a source processor id, only a start line of that processor; without, any of that stream name.
            let start: SyncMessages.Start?
            if let id = entry.sourceProcessorID {
                start = startByID[StreamID(name: entry.streamName, processorID: id)]
            } else {
                start = startByName[entry.streamName]
            }
            if let start {
                stream.firstSample = start.firstSample
                stream.firstSampleLocation = input.location(syncPath, line: start.line)
                if stream.sampleRate == nil {
                    stream.sampleRate = start.sampleRate
                    stream.sampleRateLocation = input.location(syncPath, line: start.line)
                }
            }
            let folder = MapperInput.join(MapperInput.join(path, "continuous"), entry.folder)
            readSampleCount(
                input, folder: folder, stream: &stream, channelCountLocation: input.location(structurePath, jsonPath: at.appending("num_channels")), problems: &problems)
            streams.append(stream)
        }
        return Recording(
            number: number, path: path, streams: streams, softwareTimeMilliseconds: sync?.softwareTimeMilliseconds,
            softwareTimeMicroseconds: sync?.softwareTimeMicroseconds,
            softwareTimeLocation: sync?.softwareTimeLine.map { input.location(syncPath, line: $0) }, syncPath: sync == nil ? nil : syncPath)
    }

    /// Samples in a stream from the header of `sample_numbers.npy` (GUI 0.5: `timestamps.npy`, which then holds
    /// sample numbers), else from the size of `continuous.dat` (wrong for AIND's clipped assets, hence a warning).
    static func readSampleCount(
        _ input: MapperInput, folder: String, stream: inout RecordedStream, channelCountLocation: SourceLocation, problems: inout DiagnosticCollector
    ) {
        for name in ["sample_numbers.npy", "timestamps.npy"] {
            let path = MapperInput.join(folder, name)
            guard input.kind(of: path) == .file else { continue }
            do {
                // The same read as `head(path, 4096)`, which also gives the file's size.
                let first = try input.bytes(path, ranges: [0...4095])
                var bytes = first.parts.first ?? []
                var header: NPYHeader
                if let length = try NPYHeader.headerLength(bytes), length + 8 > bytes.count, length <= 1 << 20 {
                    bytes = try input.head(path, length + 8)
                }
                header = try NPYHeader(bytes)
                if name == "timestamps.npy" && !(header.descr.hasSuffix("i8") || header.descr.hasSuffix("u8")) { continue }
                guard let count = header.shape.first else {
                    problems.warning("the NumPy header has an empty shape", at: input.location(path, byteOffset: 0))
                    continue
                }
                stream.sampleCount = count
                stream.sampleCountLocation = input.location(path, byteOffset: header.shapeOffset)
                // A header claiming more data than the file holds: a damaged header or a truncated copy.
                let held = first.size - Int64(header.dataOffset)
                if count > 0, let itemSize = header.itemSize, header.dataByteCount.map({ $0 > held }) ?? true {
                    problems.warning(
                        "the header claims \(count) samples, more than the file's \(max(0, held)) bytes of data hold (\(itemSize) bytes a sample): a damaged header or a truncated copy; the length is taken from the header",
                        at: input.location(path, byteOffset: header.shapeOffset))
                }
                if stream.firstSample == nil, count > 0, header.descr == "<i8", bytes.count >= header.dataOffset + 8 {
                    var value: Int64 = 0
                    for i in 0..<8 { value |= Int64(bytes[header.dataOffset + i]) << (8 * Int64(i)) }
                    stream.firstSample = value
                    stream.firstSampleLocation = input.location(path, byteOffset: header.dataOffset)
                }
                return
            } catch let error as OpenEphysFileError {
                problems.warning(error.message + "; the stream's length is taken from continuous.dat", at: input.location(path, byteOffset: error.byteOffset))
            } catch {
                problems.append(contentsOf: (error as? DiagnosticError)?.diagnostics.map { Diagnostic(.warning, $0.message, at: $0.location) } ?? [])
            }
        }
        let data = MapperInput.join(folder, "continuous.dat")
        guard let channels = stream.channelCount, channels > 0, input.kind(of: data) == .file, let size = try? input.size(of: data) else {
            problems.warning("no sample_numbers.npy or continuous.dat: the stream's length is unknown", at: input.location(folder))
            return
        }
        // 2 bytes a sample on every channel (int16).
        let (frame, overflow) = Int64(channels).multipliedReportingOverflow(by: 2)
        guard !overflow else {
            problems.error(
                "num_channels \(channels) is not a channel count (its frames of 2 bytes a channel overflow a 64-bit integer); the stream's length cannot be taken from continuous.dat",
                at: channelCountLocation)
            return
        }
        stream.sampleCount = size / frame
        stream.sampleCountLocation = input.location(data)
        problems.warning(
            "no readable sample_numbers.npy: the length is continuous.dat's size (\(size) bytes / 2 / \(channels) channels), which is wrong for clipped data",
            at: input.location(data))
    }
}

/// Times as the documents hold them: microseconds since the epoch, within what a timestamp can show.
enum EcephysTime {
    /// 0001-01-02 to 9999-12-30 UTC: the wall clock of any zone at these instants is within the years 1–9999, the
    /// range of a ``Timestamp``.
    static let presentable: ClosedRange<Int64> = -62_135_510_400_000_000...253_402_214_399_999_999

    /// `samples` at `rate` Hz in microseconds, rounded, or `nil` when that is not a 64-bit integer.
    static func microseconds(_ samples: Int64, rate: Double) -> Int64? {
        Int64(exactly: (Double(samples) / rate * 1_000_000).rounded())
    }

    /// The instant of a wall clock (seconds, read as if UTC) at a UTC offset, in µs, when it is ``presentable``.
    static func instant(localSeconds: Int64, offsetSeconds: Int) -> Int64? {
        let (seconds, overflow) = localSeconds.subtractingReportingOverflow(Int64(offsetSeconds))
        let (micro, overflowMicro) = seconds.multipliedReportingOverflow(by: 1_000_000)
        return overflow || overflowMicro || !presentable.contains(micro) ? nil : micro
    }

    /// `instant + micro` when it fits and is ``presentable``, else `nil`.
    static func adding(_ micro: Int64, to instant: Int64) -> Int64? {
        let (sum, overflow) = instant.addingReportingOverflow(micro)
        return !overflow && presentable.contains(sum) ? sum : nil
    }

    /// A duration in words for messages (`12.5 days`, `3.07e+11 years`).
    static func describe(samples: Int64, rate: Double) -> String {
        let seconds = Double(samples) / rate
        let years = seconds / (365.25 * 86_400)
        if years >= 1 { return String(format: "%.3g years", years) }
        return String(format: "%.3g days", seconds / 86_400)
    }
}
