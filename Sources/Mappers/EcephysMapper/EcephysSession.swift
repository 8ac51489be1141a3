import Foundation
import MetadataModel
import RigMapperCore

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
    }

    struct Recording: Sendable {
        var number: Int
        var path: String
        var streams: [RecordedStream]
        var softwareTimeMilliseconds: Int64?
        var syncPath: String?
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

        /// The settings that describe experiment `number`: its own file, else the latest earlier one.
        func settings(forExperiment number: Int) -> SettingsFile? {
            if let own = settings[number] { return own }
            return settings.filter { $0.key < number }.max { $0.key < $1.key }?.value ?? settings.min { $0.key < $1.key }?.value
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
                    problems.error(error.message, at: input.location(entry.path, line: error.line, column: error.column, byteOffset: error.byteOffset))
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
            problems.error(error.message, at: input.location(structurePath))
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

        var streams: [RecordedStream] = []
        for entry in structure.continuous {
            var stream = RecordedStream(
                folder: entry.folder, streamName: entry.streamName, processorName: entry.sourceProcessorName, processorID: entry.sourceProcessorID,
                sampleRate: entry.sampleRate, channelCount: entry.channelCount)
            if let start = sync?.starts.first(where: { $0.streamName == entry.streamName && (entry.sourceProcessorID == nil || $0.processorID == entry.sourceProcessorID) }) {
                stream.firstSample = start.firstSample
                if stream.sampleRate == nil { stream.sampleRate = start.sampleRate }
            }
            let folder = MapperInput.join(MapperInput.join(path, "continuous"), entry.folder)
            readSampleCount(input, folder: folder, stream: &stream, problems: &problems)
            streams.append(stream)
        }
        return Recording(number: number, path: path, streams: streams, softwareTimeMilliseconds: sync?.softwareTimeMilliseconds, syncPath: sync == nil ? nil : syncPath)
    }

    /// Samples in a stream from the header of `sample_numbers.npy` (GUI 0.5: `timestamps.npy`, which then holds
    /// sample numbers), else from the size of `continuous.dat` (wrong for AIND's clipped assets, hence a warning).
    static func readSampleCount(_ input: MapperInput, folder: String, stream: inout RecordedStream, problems: inout DiagnosticCollector) {
        for name in ["sample_numbers.npy", "timestamps.npy"] {
            let path = MapperInput.join(folder, name)
            guard input.kind(of: path) == .file else { continue }
            do {
                var bytes = try input.head(path, 4096)
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
                if stream.firstSample == nil, count > 0, header.descr == "<i8", bytes.count >= header.dataOffset + 8 {
                    var value: Int64 = 0
                    for i in 0..<8 { value |= Int64(bytes[header.dataOffset + i]) << (8 * Int64(i)) }
                    stream.firstSample = value
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
        stream.sampleCount = size / Int64(2 * channels)
        problems.warning(
            "no readable sample_numbers.npy: the length is continuous.dat's size (\(size) bytes / 2 / \(channels) channels), which is wrong for clipped data",
            at: input.location(data))
    }
}
