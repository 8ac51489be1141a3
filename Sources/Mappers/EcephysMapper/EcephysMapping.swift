import MapperKit
import Foundation

/// The Open Ephys session → instrument and acquisition mapping of ecephys@1.0.0.
struct EcephysMapping {
    let input: MapperInput
    let session: EcephysSession
    let constants: EcephysConstants
    let settings: EcephysSettings
    let context: MapperContext
    let instrumentModels: ModelFactory
    let acquisitionModels: ModelFactory

    /// A probe is one physical device: its basestation slot, port, dock and serial number (Quad Base shanks share
    /// all four, so they are one probe).
    struct ProbeKey: Hashable, Comparable {
        var slot: Int
        var port: Int
        var dock: Int
        var serial: String

        static func < (a: ProbeKey, b: ProbeKey) -> Bool {
            (a.slot, a.port, a.dock, a.serial) < (b.slot, b.port, b.dock, b.serial)
        }
    }

    /// One enabled probe of one settings file, named.
    struct NamedProbe {
        var key: ProbeKey
        var element: OpenEphysSettings.ProbeElement
        var processorName: String
        var processorID: String?
        var name: String
        /// Its streams' names in the file (`ProbeA-AP`, `ProbeA-LFP`; Quad Base `50213-1` … `-4`).
        var streams: Set<String>
        var settingsPath: String
    }

    /// A probe of the instrument: every experiment's view of it merged.
    struct Probe {
        var key: ProbeKey
        var element: OpenEphysSettings.ProbeElement
        var processorName: String
        var name: String
        /// Streams by source processor id (`100` → `ProbeA-AP`…).
        var streams: Set<StreamKey>
        var settingsPath: String
        /// Experiments whose settings enable it.
        var experiments: Set<Int>
        /// Experiments in which some Record Node recorded one of its streams.
        var recordedIn: Set<Int> = []
    }

    struct StreamKey: Hashable {
        var processorID: String
        var stream: String
    }

    /// A recorded stream in one experiment.
    struct RecordedKey: Hashable {
        var processorID: String?
        var stream: String
        var experiment: Int
    }

    /// An NI-DAQ source of the signal chain (one per stream of an `NI-DAQmx` processor).
    struct DAQ {
        var name: String
        var processorID: String
        var recordedIn: Set<Int> = []
    }

    /// What one experiment spans in time, across Record Nodes.
    struct ExperimentSpan {
        var number: Int
        var start: Int64  // µs since the epoch
        var end: Int64
        var recordings: [Int]
        /// The streams its first recording lists (`…/recording1/structure.oebin: continuous`), for errors about them.
        var location: SourceLocation? = nil
    }

    mutating func documents(problems: inout DiagnosticCollector) throws(DiagnosticError) -> [(kind: DocumentKind, value: JSONValue)] {
        try checkNodes(problems: &problems)
        let (probes, daqs) = inventory(problems: &problems)
        // What the job must give when the files do not say it (the subject, the instrument id), reported together
        // with a start time the files cannot give, so one run names everything to set.
        let missing = [subjectProblem(), instrumentIDProblem()].compactMap { $0 }
        let spans: [ExperimentSpan]
        do {
            spans = try times(problems: &problems)
        } catch {
            throw DiagnosticError(error.diagnostics + missing)
        }
        if !missing.isEmpty { throw DiagnosticError(problems.diagnostics.filter { $0.severity == .error } + missing) }
        return try DiagnosticError.building {
            let instrument = try buildInstrument(probes, daqs, spans: spans, problems: &problems)
            let acquisition = try buildAcquisition(probes, daqs, spans: spans, instrumentID: instrument["instrument_id"]?.stringValue, problems: &problems)
            return [(.instrument, instrument), (.acquisition, acquisition)]
        }
    }

    // MARK: Record Nodes

    /// A Record Node whose files cannot be read refuses the mapping (every problem reported, and which nodes were
    /// read), unless the job asks to skip such nodes; with no readable node there is nothing to map.
    func checkNodes(problems: inout DiagnosticCollector) throws(DiagnosticError) {
        guard !session.brokenNodes.isEmpty else { return }
        let read = session.nodes.map(\.name)
        let skip = settings.skipUnreadableRecordNodes == true && !read.isEmpty
        for node in session.brokenNodes {
            for problem in node.problems where problem.severity == .error {
                let message = "\(node.name) cannot be read: \(problem.message)"
                if skip {
                    problems.warning(message + "; mapped without it", at: problem.location)
                } else {
                    problems.error(message, at: problem.location)
                }
            }
            problems.append(contentsOf: node.problems.filter { $0.severity != .error })
        }
        if !skip {
            let others = read.isEmpty
                ? "no other Record Node could be read"
                : "\(read.joined(separator: ", ")) read without problems; set mappers.ecephys.settings.skip_unreadable_record_nodes: true to map without \(session.brokenNodes.map(\.name).joined(separator: ", "))"
            problems.error("\(session.brokenNodes.count) of \(session.brokenNodes.count + read.count) Record Nodes cannot be read (\(others))")
            throw DiagnosticError(problems.diagnostics)
        }
    }

    // MARK: Probes

    /// Every settings file, in experiment order, then node order.
    var settingsFiles: [(experiment: Int, node: EcephysSession.RecordNode, file: EcephysSession.SettingsFile)] {
        var out: [(Int, EcephysSession.RecordNode, EcephysSession.SettingsFile)] = []
        for node in session.nodes {
            for (experiment, file) in node.settings { out.append((experiment, node, file)) }
        }
        return out.sorted { a, b in a.0 != b.0 ? a.0 < b.0 : EcephysSession.naturalLess(a.1.name, b.1.name) }
    }

    func isProbeProcessor(_ name: String) -> Bool { constants.probeProcessors.contains(name) }

    /// The enabled probes of one Neuropixels processor, named by SPEC §1.4: what their streams are called (the
    /// i-th distinct stream prefix, `-AP`/`-LFP` and Quad Base `-1`…`-4` removed, ADC streams skipped) — which
    /// is right under every naming scheme, while `custom_probe_name` defaults to the serial number and
    /// `CUSTOM_PROBE_NAMES` keeps stale entries. Without streams (GUI 0.5), a `custom_probe_name` that is not the
    /// serial number, else `<nodeId>.<i>`. The job's `probe_names` (serial → name) win over both.
    func namedProbes(
        _ processor: OpenEphysSettings.Processor, file: String, disabled: inout [(ProbeKey, OpenEphysSettings.ProbeElement)],
        problems: inout DiagnosticCollector
    ) -> [NamedProbe] {
        var enabled: [(ProbeKey, OpenEphysSettings.ProbeElement)] = []
        var seen = Set<ProbeKey>()
        for element in processor.probes {
            let key = ProbeKey(slot: element.slot ?? -1, port: element.port ?? -1, dock: element.dock ?? 0, serial: element.serialNumber ?? "")
            guard seen.insert(key).inserted else { continue }  // the other shanks of a Quad Base probe
            if element.isEnabled { enabled.append((key, element)) } else { disabled.append((key, element)) }
        }
        let hasQuadBase = enabled.contains { constants.quadBaseParts.contains($0.1.partNumber ?? "") }
        var prefixes: [(prefix: String, streams: [String])] = []
        var prefixIndex: [String: Int] = [:]
        for stream in processor.streams {
            if stream.name.uppercased().hasSuffix("ADC") || (stream.deviceName ?? "").uppercased().contains("ADC") { continue }
            let prefix = EcephysMapping.streamPrefix(stream.name, quadBase: hasQuadBase)
            if let index = prefixIndex[prefix] {
                prefixes[index].streams.append(stream.name)
            } else {
                prefixIndex[prefix] = prefixes.count
                prefixes.append((prefix, [stream.name]))
            }
        }
        let byStreams = prefixes.count == enabled.count
        if !byStreams && !processor.streams.isEmpty {
            problems.warning(
                "\(processor.name) (\(processor.nodeID ?? "?")) has \(enabled.count) enabled probes but \(prefixes.count) distinct stream names; probes are named from custom_probe_name or their slot and port",
                at: input.location(file, line: processor.line))
        }
        var out: [NamedProbe] = []
        for (i, (key, element)) in enabled.enumerated() {
            var name: String
            var streams: Set<String> = []
            if byStreams {
                name = prefixes[i].prefix
                streams = Set(prefixes[i].streams)
            } else if let custom = element.customName?.trimmingCharacters(in: .whitespaces), !custom.isEmpty, custom != element.serialNumber {
                name = custom
                streams = [custom, custom + "-AP", custom + "-LFP"]
            } else if processor.streams.isEmpty {
                name = "\(processor.nodeID ?? "?").\(i)"
                streams = [String(i)]  // GUI 0.5 folders: Neuropix-PXI-100.0, .1, …
            } else {
                name = "Probe slot \(key.slot) port \(key.port) dock \(key.dock)"
            }
            if let serial = element.serialNumber, let given = settings.probeNames?[serial] {
                name = given
            }
            out.append(
                NamedProbe(key: key, element: element, processorName: processor.name, processorID: processor.nodeID, name: name, streams: streams, settingsPath: file))
        }
        return out
    }

    /// `ProbeA-AP` → `ProbeA`; with a Quad Base probe in the chain, `50213-2` → `50213`.
    static func streamPrefix(_ name: String, quadBase: Bool) -> String {
        for suffix in ["-AP", "-LFP"] where name.hasSuffix(suffix) && name.count > suffix.count {
            return String(name.dropLast(suffix.count))
        }
        if quadBase, name.count > 2, let last = name.last, ("1"..."4").contains(last), name.dropLast().hasSuffix("-") {
            return String(name.dropLast(2))
        }
        return name
    }

    /// The instrument's probes (enabled in some experiment, first named wins) and NI-DAQs, with the experiments in
    /// which a Record Node recorded them.
    func inventory(problems: inout DiagnosticCollector) -> (probes: [Probe], daqs: [DAQ]) {
        var probes: [Probe] = []
        var index: [ProbeKey: Int] = [:]
        var disabled: [ProbeKey: (OpenEphysSettings.ProbeElement, String)] = [:]
        var daqs: [DAQ] = []
        var daqKeys = Set<StreamKey>()
        var warnedNames = Set<String>()
        for (experiment, _, file) in settingsFiles {
            for processor in file.settings.processors {
                if isProbeProcessor(processor.name) {
                    var off: [(ProbeKey, OpenEphysSettings.ProbeElement)] = []
                    for probe in namedProbes(processor, file: file.path, disabled: &off, problems: &problems) {
                        let streams = Set(probe.streams.map { StreamKey(processorID: probe.processorID ?? "", stream: $0) })
                        if let i = index[probe.key] {
                            probes[i].experiments.insert(experiment)
                            probes[i].streams.formUnion(streams)
                            if probes[i].name != probe.name && warnedNames.insert(probe.key.serial + probe.name).inserted {
                                problems.warning(
                                    "probe \(probe.key.serial) is '\(probe.name)' here but '\(probes[i].name)' in \(input.display(probes[i].settingsPath)); the first name is kept",
                                    at: input.location(file.path, line: probe.element.line))
                            }
                        } else {
                            index[probe.key] = probes.count
                            probes.append(
                                Probe(
                                    key: probe.key, element: probe.element, processorName: probe.processorName, name: probe.name, streams: streams,
                                    settingsPath: file.path, experiments: [experiment]))
                        }
                    }
                    for (key, element) in off where disabled[key] == nil { disabled[key] = (element, file.path) }
                } else if constants.daqProcessors.contains(processor.name) {
                    for stream in processor.streams where daqKeys.insert(StreamKey(processorID: processor.nodeID ?? "", stream: stream.name)).inserted {
                        daqs.append(DAQ(name: stream.name, processorID: processor.nodeID ?? ""))
                    }
                }
            }
        }
        for (key, (element, file)) in disabled.sorted(by: { $0.key < $1.key }) where index[key] == nil {
            problems.warning(
                "probe \(key.serial.isEmpty ? "(no serial)" : key.serial) on slot \(key.slot) port \(key.port) is disabled (isEnabled=\"0\"): it has no streams and is not in the instrument",
                at: input.location(file, line: element.line))
        }

        // What each experiment recorded, across Record Nodes: each (stream, experiment) once, through indexes of the
        // probes' and NI-DAQs' streams.
        var probesByStream: [StreamKey: [Int]] = [:]
        for i in probes.indices {
            for key in probes[i].streams { probesByStream[key, default: []].append(i) }
        }
        var daqsByName: [String: [Int]] = [:]
        for i in daqs.indices { daqsByName[daqs[i].name, default: []].append(i) }
        var done = Set<RecordedKey>()
        for node in session.nodes {
            for experiment in node.experiments {
                for recording in experiment.recordings {
                    for stream in recording.streams
                    where done.insert(RecordedKey(processorID: stream.processorID, stream: stream.streamName, experiment: experiment.number)).inserted {
                        let key = StreamKey(processorID: stream.processorID ?? "", stream: stream.streamName)
                        for i in probesByStream[key] ?? [] { probes[i].recordedIn.insert(experiment.number) }
                        for i in daqsByName[stream.streamName] ?? [] where stream.processorID == nil || daqs[i].processorID == stream.processorID {
                            daqs[i].recordedIn.insert(experiment.number)
                        }
                    }
                }
            }
        }
        for probe in probes where probe.recordedIn.isEmpty {
            problems.warning(
                "probe '\(probe.name)' (serial \(probe.key.serial)) is enabled but no Record Node recorded its streams: it is in the instrument but not an active device",
                at: input.location(probe.settingsPath, line: probe.element.line))
        }
        // Names must be unique across the instrument: a probe swapped between experiments on one port gets the
        // same stream name.
        var used: [String: Int] = [:]
        for i in probes.indices {
            used[probes[i].name, default: 0] += 1
            if used[probes[i].name, default: 0] > 1 {
                let renamed = "\(probes[i].name) (serial \(probes[i].key.serial))"
                problems.warning(
                    "two probes are called '\(probes[i].name)'; the one with serial \(probes[i].key.serial) is written as '\(renamed)'",
                    at: input.location(probes[i].settingsPath, line: probes[i].element.line))
                probes[i].name = renamed
            }
        }
        return (probes, daqs)
    }

    // MARK: Times

    /// The zone times are written in: the job's. Software Time is UTC, so without a job zone times are written in
    /// UTC (with a warning); a DATE without a zone is an error.
    func present(_ micro: Int64) throws(DiagnosticError) -> Timestamp {
        do {
            return try Timestamp(epochMicroseconds: micro, zoneIdentifier: context.timeZone)
        } catch {
            throw DiagnosticError(error.description)
        }
    }

    /// Start and end of every experiment (µs since the epoch). A recording starts at the earliest Software Time any
    /// Record Node wrote for it (the nodes see the same first samples; a later node only processed its first block
    /// later). Without sync_messages.txt the experiment starts at its DATE in the job's zone — refused when that wall
    /// time is ambiguous or skipped there, unless the job gives `acquisition_start_time` — and a later recording is
    /// placed by its first sample number (sample numbers continue across the recordings of an experiment). A
    /// recording ends when its longest stream ends (sample count / rate), whichever node recorded it.
    func times(problems: inout DiagnosticCollector) throws(DiagnosticError) -> [ExperimentSpan] {
        var numbers = Set<Int>()
        // Every node's view of each experiment (its first folder of that number, when it holds recordings), in node
        // order: one pass over the nodes, then lookups.
        var viewsByNumber: [Int: [(node: EcephysSession.RecordNode, experiment: EcephysSession.Experiment)]] = [:]
        for node in session.nodes {
            var seen = Set<Int>()
            for experiment in node.experiments {
                if !experiment.recordings.isEmpty { numbers.insert(experiment.number) }
                guard seen.insert(experiment.number).inserted, !experiment.recordings.isEmpty else { continue }
                viewsByNumber[experiment.number, default: []].append((node, experiment))
            }
        }
        guard let first = numbers.min() else {
            throw DiagnosticError(
                "no Record Node holds a recording (experiment<N>/recording<M>/ with structure.oebin): nothing was recorded",
                at: session.nodes.first.map { input.location($0.path) })
        }
        var override: Int64?
        if let text = settings.acquisitionStartTime {
            let start = try context.timestamp(text, at: SourceLocation(file: "job settings", jsonPath: JSONPath([.key("acquisition_start_time")])))
            override = start.epochMicroseconds
        }
        var spans: [ExperimentSpan] = []
        var warnedDate = false
        var oddRates = RepeatedWarnings()
        for number in numbers.sorted() {
            // Every node's view of this experiment's recordings.
            let views = viewsByNumber[number] ?? []
            // Each recording's copies (one per node that holds it, in node order).
            var copiesByNumber: [Int: [EcephysSession.Recording]] = [:]
            for view in views {
                var seen = Set<Int>()
                for recording in view.experiment.recordings where seen.insert(recording.number).inserted {
                    copiesByNumber[recording.number, default: []].append(recording)
                }
            }
            let recordingNumbers = copiesByNumber.keys.sorted()
            guard let firstRecording = recordingNumbers.first else { continue }
            let firstCopies = copiesByNumber[firstRecording] ?? []
            // The experiment's first recording: the earliest Software Time, else the override, else DATE.
            var base: Int64
            if number == first, let override {
                base = override
            } else if let micro = firstCopies.compactMap(\.softwareTimeMicroseconds).min() {
                base = micro
            } else {
                var dates: [Int64] = []
                for view in views {
                    dates.append(try dateInstant(node: view.node, experiment: number, notBefore: spans.last?.end, warned: &warnedDate, problems: &problems))
                }
                guard let earliest = dates.min() else { continue }
                base = earliest
            }
            var end = base
            var counted = 0
            var empty: SourceLocation?
            var holdsSamples = false
            for recordingNumber in recordingNumbers {
                let copies = copiesByNumber[recordingNumber] ?? []
                var start = base
                if recordingNumber != firstRecording {
                    if let micro = copies.compactMap(\.softwareTimeMicroseconds).min(), !(number == first && override != nil) {
                        start = micro
                    } else if let shift = sampleShift(from: firstCopies, to: copies) {
                        switch shift {
                        case .value(let micro, let location):
                            guard let shifted = EcephysTime.adding(micro, to: base) else {
                                problems.error(
                                    "recording \(recordingNumber) starts \(micro) µs after its experiment's first recording (by their first sample numbers): that is not a time between the years 1 and 9999",
                                    at: location)
                                continue
                            }
                            start = shifted
                        case .invalid(let message, let location):
                            problems.error(message, at: location)
                            continue
                        }
                    } else if let copy = copies.first {
                        problems.warning(
                            "recording \(recordingNumber) has no Software Time and no first sample number: it is placed at the start of its experiment",
                            at: input.location(copy.path))
                    }
                }
                var duration: Int64 = 0
                var durationLocation: SourceLocation?
                for copy in copies {
                    for stream in copy.streams {
                        guard let count = stream.sampleCount else { continue }
                        counted += 1
                        if count > 0 { holdsSamples = true } else if empty == nil { empty = stream.sampleCountLocation }
                        guard let rate = stream.sampleRate, rate > 0 else { continue }
                        if !(1...1e9).contains(rate) {
                            oddRates.add(
                                "sample rate \(rate) Hz of stream '\(stream.streamName)' is outside 1 Hz – 1 GHz: not a rate an acquisition board runs at; the stream's length is computed with it",
                                at: stream.sampleRateLocation, to: &problems)
                        }
                        guard let micro = EcephysTime.microseconds(count, rate: rate) else {
                            problems.error(
                                "\(count) samples at \(rate) Hz (the rate from \(stream.sampleRateLocation?.description ?? "the stream")) last \(EcephysTime.describe(samples: count, rate: rate)): more microseconds than a 64-bit integer holds; the sample count or the rate is wrong",
                                at: stream.sampleCountLocation)
                            continue
                        }
                        if micro > duration {
                            duration = micro
                            durationLocation = stream.sampleCountLocation
                        }
                    }
                }
                guard let stop = EcephysTime.adding(duration, to: start) else {
                    problems.error(
                        "recording \(recordingNumber) of experiment \(number) would end \(duration) µs after it starts, after the year 9999: its sample count or rate is wrong",
                        at: durationLocation)
                    continue
                }
                end = max(end, stop)
            }
            if counted > 0 && !holdsSamples {
                problems.warning(
                    "experiment \(number) holds no samples: every stream's sample_numbers.npy has shape (0,) (or its continuous.dat is empty), so its data stream ends where it starts",
                    at: empty)
            }
            spans.append(
                ExperimentSpan(
                    number: number, start: base, end: end, recordings: recordingNumbers,
                    location: firstCopies.first.map { input.location(MapperInput.join($0.path, "structure.oebin"), jsonPath: JSONPath([.key("continuous")])) }))
        }
        oddRates.summarize(to: &problems) { count, lines in "… and \(count) more sample rates outside 1 Hz – 1 GHz (\(lines))" }
        crossCheckZone(problems: &problems)
        try problems.check()
        return spans
    }

    /// The time from one recording's first sample to a later one's, or why it cannot be known.
    enum Shift {
        case value(Int64, SourceLocation?)
        case invalid(String, SourceLocation?)
    }

    /// The shift from the experiment's first recording to a later one (sample numbers continue across the
    /// recordings of an experiment): from the same node's copies first, else from any pair — the first copy of the
    /// first recording that shares a stream with some copy of the later one, and of those copies the first. Linear in
    /// the streams of both.
    func sampleShift(from firstCopies: [EcephysSession.Recording], to copies: [EcephysSession.Recording]) -> Shift? {
        for (a, b) in zip(firstCopies, copies) {
            if let shift = sampleShift(from: a, to: b) { return shift }
        }
        // For each stream, the first copy of the later recording that has its first sample number.
        var firstHolder: [EcephysSession.StreamID: Int] = [:]
        for (j, b) in copies.enumerated() {
            for (id, i) in b.streamIndex where b.streams[i].firstSample != nil && firstHolder[id] == nil { firstHolder[id] = j }
        }
        for a in firstCopies {
            let holders = a.streams.lazy.filter { $0.firstSample != nil && ($0.sampleRate ?? 0) > 0 }.compactMap { firstHolder[$0.id] }
            if let j = holders.min(), let shift = sampleShift(from: a, to: copies[j]) { return shift }
        }
        return nil
    }

    /// The time from one recording's first sample to another's, from the first stream both have.
    func sampleShift(from a: EcephysSession.Recording, to b: EcephysSession.Recording) -> Shift? {
        for stream in a.streams {
            guard let firstA = stream.firstSample, let rate = stream.sampleRate, rate > 0, let other = b.stream(stream.id), let firstB = other.firstSample
            else { continue }
            let (samples, overflow) = firstB.subtractingReportingOverflow(firstA)
            guard !overflow, let micro = EcephysTime.microseconds(samples, rate: rate) else {
                return .invalid(
                    "first sample \(firstB) of stream '\(stream.streamName)' is too far from \(firstA) in recording \(a.number) (\(stream.firstSampleLocation?.description ?? "?")) at \(rate) Hz: the shift between the recordings does not fit in 64 bits of microseconds",
                    other.firstSampleLocation)
            }
            return .value(micro, other.firstSampleLocation)
        }
        return nil
    }

    /// An experiment's DATE (the time its settings file was written) in the job's zone. A wall time the zone makes
    /// ambiguous is refused — except for a later experiment when only one of its two instants is not before the
    /// previous experiment's end (`notBefore`), or both are and the earlier is taken as the one that follows it.
    func dateInstant(
        node: EcephysSession.RecordNode, experiment: Int, notBefore: Int64?, warned: inout Bool, problems: inout DiagnosticCollector
    ) throws(DiagnosticError) -> Int64 {
        guard let file = node.settings(forExperiment: experiment) else {
            throw DiagnosticError("experiment \(experiment) has no sync_messages.txt and no settings file: its start is unknown", at: input.location(node.path))
        }
        let location = input.location(file.path, line: file.settings.dateLine)
        guard let text = file.settings.date else {
            throw DiagnosticError("no sync_messages.txt and no DATE in the settings: the start is unknown; set mappers.ecephys.settings.acquisition_start_time", at: location)
        }
        guard let wall = OpenEphysDate.parse(text) else {
            throw DiagnosticError("DATE '\(text)' is not a date Open Ephys writes (like '5 Mar 2024 9:05:03'); set mappers.ecephys.settings.acquisition_start_time", at: location)
        }
        guard let zone = context.timeZone else {
            throw DiagnosticError(
                "DATE '\(text)' is the rig's local time without a zone, and the job declares no timezone; set `timezone:` (the rig's IANA zone) in job.yaml",
                at: location)
        }
        let placement: Timestamp.Placement
        do {
            placement = try wall.placement(in: zone)
        } catch {
            throw DiagnosticError(error.description, at: location)
        }
        let offset: Int
        switch placement {
        case .unique(let only):
            offset = only
        case .ambiguous(let earlier, let later) where notBefore != nil:
            let wallSeconds = wall.localEpochMicroseconds / 1_000_000
            let candidates = [earlier, later].compactMap { EcephysTime.instant(localSeconds: wallSeconds, offsetSeconds: $0) }.filter { $0 >= (notBefore ?? 0) }
            guard let first = candidates.min() else {
                throw DiagnosticError(
                    "DATE '\(text)' in \(zone) is earlier than the end of the previous experiment whichever of its two UTC offsets it has; set mappers.ecephys.settings.acquisition_start_time",
                    at: location)
            }
            problems.warning(
                "DATE '\(text)' happens twice in \(zone); experiment \(experiment) is taken to start at its first occurrence after the previous experiment",
                at: location)
            return first
        case .ambiguous(let earlier, let later):
            throw DiagnosticError(
                "DATE '\(text)' happens twice in \(zone) (UTC offsets \(EcephysMapping.offsetText(earlier)) and \(EcephysMapping.offsetText(later))) and there is no sync_messages.txt to tell which; set mappers.ecephys.settings.acquisition_start_time",
                at: location)
        case .skipped:
            throw DiagnosticError(
                "DATE '\(text)' does not exist in \(zone) (the clock skipped it) and there is no sync_messages.txt; set mappers.ecephys.settings.acquisition_start_time",
                at: location)
        }
        if !warned {
            problems.warning("no sync_messages.txt with a Software Time: the start is the settings file's DATE, to the second, in \(zone)", at: location)
            warned = true
        }
        guard let instant = EcephysTime.instant(localSeconds: wall.localEpochMicroseconds / 1_000_000, offsetSeconds: offset) else {
            throw DiagnosticError("DATE '\(text)' in \(zone) is not a time between the years 1 and 9999; set mappers.ecephys.settings.acquisition_start_time", at: location)
        }
        return instant
    }

    /// `+01:00`, `-07:00` (hours of two digits at least, whatever their number).
    static func offsetText(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let minutes = seconds.magnitude / 60
        let hours = minutes / 60
        return sign + (hours < 10 ? "0" : "") + String(hours) + ":" + (minutes % 60 < 10 ? "0" : "") + String(minutes % 60)
    }

    /// DATE is local, Software Time is UTC: when both describe the first recording of a node, their difference is
    /// the rig's UTC offset then. A job zone that disagrees by more than 15 minutes is probably not the rig's.
    func crossCheckZone(problems: inout DiagnosticCollector) {
        guard let zone = context.timeZone else { return }
        for node in session.nodes {
            guard let experiment = node.experiments.first, let recording = experiment.recordings.first, let ms = recording.softwareTimeMilliseconds,
                let micro = recording.softwareTimeMicroseconds, EcephysTime.presentable.contains(micro),
                let file = node.settings(forExperiment: experiment.number), let text = file.settings.date, let wall = OpenEphysDate.parse(text),
                let shown = try? Timestamp(epochMicroseconds: micro, zoneIdentifier: zone), let offset = shown.utcOffsetSeconds,
                case let (difference, overflow) = (wall.localEpochMicroseconds / 1_000_000).subtractingReportingOverflow(ms / 1000), !overflow,
                let implied = Int(exactly: difference)
            else { continue }
            if abs(implied - offset) > 15 * 60 {
                problems.warning(
                    "DATE '\(text)' and the Software Time \(ms) differ by \(EcephysMapping.offsetText(implied)) from UTC, but \(zone) is \(EcephysMapping.offsetText(offset)) then: is the job's timezone the rig's?",
                    at: input.location(file.path, line: file.settings.dateLine))
            }
            return
        }
    }

    // MARK: Instrument

    func organization(_ definition: String, _ property: String, _ name: String) throws -> JSONValue {
        try instrumentModels.variant(definition, property, matching: .string(name))
    }

    /// `"0"` and `""` are what Open Ephys writes for a serial number it does not know.
    static func known(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty, value != "0" else { return nil }
        return value
    }

    func machine() -> (name: String?, os: String?) {
        for (_, _, file) in settingsFiles where file.settings.machine != nil {
            return (file.settings.machine, file.settings.operatingSystem)
        }
        return (nil, settingsFiles.first?.file.settings.operatingSystem)
    }

    /// The error when neither the job nor a settings file gives the instrument id.
    func instrumentIDProblem() -> Diagnostic? {
        guard settings.instrumentID == nil, machine().name == nil else { return nil }
        return Diagnostic(
            .error, "the instrument id is unknown: no settings file names its MACHINE; set mappers.ecephys.settings.instrument_id",
            at: settingsFiles.first.map { input.location($0.file.path) })
    }

    func instrumentID(problems: inout DiagnosticCollector) throws(DiagnosticError) -> String {
        if let id = settings.instrumentID { return id }
        guard let machine = machine().name else {
            throw DiagnosticError(instrumentIDProblem().map { [$0] } ?? [])
        }
        problems.warning("no instrument_id in the job: the instrument id is the computer's name, '\(machine)'", at: settingsFiles.first.map { input.location($0.file.path) })
        return machine
    }

    func assembly(_ probe: Probe, problems: inout DiagnosticCollector) throws -> JSONValue {
        let element = probe.element
        var headstage: JSONValue = .null
        if EcephysMapping.nonEmpty(element.value("headstage_part_number")) != nil || EcephysMapping.known(element.value("headstage_serial_number")) != nil {
            headstage = try instrumentModels.make(
                "Device",
                [
                    "name": .string(constants.name(constants.names.headstage, probe: probe.name)),
                    "serial_number": .string(EcephysMapping.known(element.value("headstage_serial_number"))),
                    "manufacturer": try organization("EphysProbe", "manufacturer", constants.probeManufacturer),
                    "model": .string(EcephysMapping.nonEmpty(element.value("headstage_part_number"))),
                ])
        }
        let serial = EcephysMapping.known(probe.key.serial)
        if serial == nil {
            problems.warning("probe '\(probe.name)' reports serial number '\(probe.key.serial)': written as unknown", at: input.location(probe.settingsPath, line: element.line))
        }
        let ephysProbe = try instrumentModels.make(
            "EphysProbe",
            [
                "name": .string(probe.name),
                "serial_number": .string(serial),
                "manufacturer": try organization("EphysProbe", "manufacturer", constants.probeManufacturer),
                "model": .string(EcephysMapping.nonEmpty(element.partNumber)),
                "probe_model": .string(constants.probeModel(partNumber: element.partNumber)),
                "headstage": headstage,
            ])
        let manipulatorSerial = settings.manipulators?[probe.name]
        if manipulatorSerial == nil {
            problems.warning(
                "no manipulator serial number for '\(probe.name)' (mappers.ecephys.settings.manipulators): its manipulator has none",
                at: input.location(probe.settingsPath, line: element.line))
        }
        let manipulator = try instrumentModels.make(
            "Manipulator",
            [
                "name": .string(constants.name(constants.names.manipulator, probe: probe.name)),
                "serial_number": .string(manipulatorSerial),
                "manufacturer": try organization("Manipulator", "manufacturer", constants.manipulatorManufacturer),
            ])
        return try instrumentModels.make(
            "EphysAssembly",
            ["name": .string(constants.name(constants.names.assembly, probe: probe.name)), "manipulator": manipulator, "probes": [ephysProbe]])
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// One basestation per slot: firmware from its first probe's attributes, ports listing their probes (both docks
    /// of a port in one list).
    func basestations(_ probes: [Probe]) throws -> [JSONValue] {
        var out: [JSONValue] = []
        // Probes by slot, then port, in probe order (one pass, not one per slot).
        var bySlot: [Int: [Int: [Probe]]] = [:]
        var firstOnSlot: [Int: Probe] = [:]
        for probe in probes {
            bySlot[probe.key.slot, default: [:]][probe.key.port, default: []].append(probe)
            if firstOnSlot[probe.key.slot] == nil { firstOnSlot[probe.key.slot] = probe }
        }
        for slot in bySlot.keys.sorted() {
            guard let onSlot = firstOnSlot[slot] else { continue }
            let first = onSlot.element
            var ports: [JSONValue] = []
            for (port, onPort) in (bySlot[slot] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let names = onPort.sorted { ($0.key.dock, $0.key.serial) < ($1.key.dock, $1.key.serial) }.map(\.name)
                ports.append(try instrumentModels.make("ProbePort", ["index": .int(port), "probes": .strings(names)]))
            }
            let processor = onSlot.processorName
            out.append(
                try instrumentModels.make(
                    "NeuropixelsBasestation",
                    [
                        "name": .string(constants.name(constants.names.basestation, slot: slot)),
                        "serial_number": .string(EcephysMapping.known(first.value("bs_serial_number"))),
                        "manufacturer": try organization("NeuropixelsBasestation", "manufacturer", constants.probeManufacturer),
                        "model": .string(EcephysMapping.nonEmpty(first.value("bs_part_number"))),
                        "data_interface": .string(constants.basestationDataInterface[processor] ?? "Other"),
                        "hardware_version": .string(EcephysMapping.nonEmpty(first.value("bs_hardware_version"))),
                        "basestation_firmware_version": .string(EcephysMapping.nonEmpty(first.value("bs_firmware_version")) ?? constants.missingBSCFirmwareVersion),
                        "bsc_firmware_version": .string(EcephysMapping.nonEmpty(first.value("bsc_firmware_version")) ?? constants.missingBSCFirmwareVersion),
                        "slot": .int(slot),
                        "ports": .array(ports),
                    ]))
        }
        return out
    }

    func daqDevice(_ daq: DAQ) throws -> JSONValue {
        let interface = constants.daqDataInterfaces.sorted { $0.key.count > $1.key.count }.first { daq.name.uppercased().hasPrefix($0.key.uppercased()) }?.value ?? "Other"
        return try instrumentModels.make(
            "DAQDevice",
            [
                "name": .string(daq.name),
                "manufacturer": try organization("DAQDevice", "manufacturer", constants.daqManufacturer),
                "model": .string(daq.name),
                "data_interface": .string(interface),
            ])
    }

    func buildInstrument(_ probes: [Probe], _ daqs: [DAQ], spans: [ExperimentSpan], problems: inout DiagnosticCollector) throws -> JSONValue {
        var components: [JSONValue] = []
        let (machineName, os) = machine()
        if let machineName {
            components.append(try instrumentModels.make("Computer", ["name": .string(machineName), "operating_system": .string(os)]))
        }
        components += try basestations(probes)
        for probe in probes { components.append(try assembly(probe, problems: &problems)) }
        for daq in daqs { components.append(try daqDevice(daq)) }
        return try instrumentModels.document([
            "location": .string(settings.location),
            "instrument_id": .string(try instrumentID(problems: &problems)),
            "modification_date": .string(try modificationDate(spans)),
            "modalities": [try instrumentModels.modality("ecephys")],
            "global_coordinate_system": try instrumentModels.build(spec: constants.coordinateSystems.global.value),
            "components": .array(components),
        ])
    }

    func modificationDate(_ spans: [ExperimentSpan]) throws(DiagnosticError) -> String {
        if let date = settings.modificationDate { return date }
        guard let start = spans.map(\.start).min() else { throw DiagnosticError("internal: no experiment to date the instrument") }
        return try present(start).isoDate
    }

    // MARK: Acquisition

    /// The subject: the job's, else the session folder's name (`700001_2024-03-05_09-04-33`,
    /// `ecephys_700001_2024-03-05_09-04-33`, `<session>_<subject>_<YYYYMMDD>`), nearest folder first.
    /// The error when neither the job nor a folder name gives the subject.
    func subjectProblem() -> Diagnostic? {
        guard settings.subjectID == nil, session.enclosingFolderNames.lazy.compactMap(EcephysMapping.subject(fromFolderName:)).first == nil else { return nil }
        return Diagnostic(
            .error,
            "the subject is unknown: Open Ephys files do not name it and no folder is named <subject>_<YYYY-MM-DD_HH-MM-SS> (folders: \(session.enclosingFolderNames.joined(separator: ", "))); set mappers.ecephys.settings.subject_id")
    }

    func subject(problems: inout DiagnosticCollector) throws(DiagnosticError) -> String {
        let fromFolder = session.enclosingFolderNames.lazy.compactMap(EcephysMapping.subject(fromFolderName:)).first
        if let given = settings.subjectID {
            if let fromFolder, fromFolder.subject != given {
                problems.warning("the job's subject_id '\(given)' differs from '\(fromFolder.subject)' in the folder name '\(fromFolder.folder)'")
            }
            return given
        }
        guard let fromFolder else {
            throw DiagnosticError(subjectProblem().map { [$0] } ?? [])
        }
        problems.warning("no subject_id in the job: subject '\(fromFolder.subject)' is taken from the folder name '\(fromFolder.folder)'")
        return fromFolder.subject
    }

    static func subject(fromFolderName folder: String) -> (subject: String, folder: String)? {
        // <subject>_YYYY-MM-DD_HH-MM-SS, optionally " (n)" and an asset prefix (ecephys_).
        let pattern = #"^(?:ecephys_)?(.+?)_(\d{4}-\d{2}-\d{2})_(\d{2}-\d{2}-\d{2})(?: \(\d+\))?$"#
        if let match = folder.range(of: pattern, options: .regularExpression), match == folder.startIndex..<folder.endIndex,
            let regex = try? NSRegularExpression(pattern: pattern),
            let result = regex.firstMatch(in: folder, range: NSRange(folder.startIndex..., in: folder)),
            let range = Range(result.range(at: 1), in: folder)
        {
            return (String(folder[range]), folder)
        }
        // <session>_<subject>_<YYYYMMDD> (a custom MAIN name).
        let parts = folder.split(separator: "_")
        if parts.count == 3, parts[2].count == 8, parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) {
            return (String(parts[1]), folder)
        }
        return nil
    }

    func target(_ probe: Probe, problems: inout DiagnosticCollector) throws -> JSONValue {
        let table = try context.schema.brainStructures()
        guard let acronym = settings.targets?[probe.name] else {
            problems.warning("no target for '\(probe.name)' (mappers.ecephys.settings.targets): written as root")
            return table["root"] ?? .null
        }
        if let structure = table[acronym] ?? table.first(where: { $0.key.lowercased() == acronym.lowercased() })?.value { return structure }
        throw DiagnosticError(
            "settings of ecephys: targets.\(probe.name) is '\(acronym)', not a CCFv3 structure acronym of \(context.schema) (such as root, VISp, LGd, CA1)")
    }

    func assemblyConfig(_ probe: Probe, problems: inout DiagnosticCollector) throws -> JSONValue {
        let manipulator = try acquisitionModels.make(
            "ManipulatorConfig",
            [
                "device_name": .string(constants.name(constants.names.manipulator, probe: probe.name)),
                "local_coordinate_system": try acquisitionModels.build(spec: constants.coordinateSystems.manipulator.value),
                "local_axis_positions": try acquisitionModels.make("Translation", ["translation": .array(constants.manipulatorPosition.map { .number(JSONNumber($0)) })]),
            ])
        let probeConfig = try acquisitionModels.make(
            "ProbeConfig",
            [
                "device_name": .string(probe.name),
                "primary_targeted_structure": try target(probe, problems: &problems),
                "local_coordinate_system": try acquisitionModels.build(spec: constants.coordinateSystems.probe.value),
                "transform": [try acquisitionModels.make("Translation", ["translation": .array(constants.probeTransform.map { .number(JSONNumber($0)) })])],
            ])
        return try acquisitionModels.make(
            "EphysAssemblyConfig",
            ["device_name": .string(constants.name(constants.names.assembly, probe: probe.name)), "manipulator": manipulator, "probes": [probeConfig]])
    }

    func guiVersion() -> String? {
        settingsFiles.lazy.compactMap(\.file.settings.version).first
    }

    /// The folder the GUI named for the session (`700001_2024-03-05_09-04-33`), else the nearest enclosing one.
    var sessionFolderName: String {
        session.enclosingFolderNames.first { EcephysMapping.subject(fromFolderName: $0) != nil } ?? session.enclosingFolderNames.first ?? ""
    }

    func buildAcquisition(_ probes: [Probe], _ daqs: [DAQ], spans: [ExperimentSpan], instrumentID: String?, problems: inout DiagnosticCollector) throws -> JSONValue {
        let subject = try subject(problems: &problems)
        var streams: [JSONValue] = []
        var code: JSONValue = .null
        if let version = guiVersion() {
            code = [try acquisitionModels.make("Code", ["url": .string(constants.code.url), "name": .string(constants.code.name), "version": .string(version)])]
        }
        if context.timeZone == nil {
            problems.warning("the job declares no timezone: times are written in UTC (set `timezone:` to the rig's IANA zone)")
        }
        // Active probes and NI-DAQs by experiment, in instrument order (one pass over each, not one per experiment).
        var activeProbes: [Int: [Probe]] = [:]
        for probe in probes {
            for number in probe.recordedIn { activeProbes[number, default: []].append(probe) }
        }
        var activeDAQs: [Int: [DAQ]] = [:]
        for daq in daqs {
            for number in daq.recordedIn { activeDAQs[number, default: []].append(daq) }
        }
        for span in spans {
            let active = activeProbes[span.number] ?? []
            guard !active.isEmpty else {
                throw DiagnosticError("experiment \(span.number) recorded no probe's streams: an ecephys data stream needs at least one probe", at: span.location)
            }
            var devices: [String] = []
            for slot in Set(active.map(\.key.slot)).sorted() { devices.append(constants.name(constants.names.basestation, slot: slot)) }
            for probe in active {
                devices.append(constants.name(constants.names.assembly, probe: probe.name))
                devices.append(probe.name)
            }
            for daq in activeDAQs[span.number] ?? [] { devices.append(daq.name) }
            var configurations: [JSONValue] = []
            for probe in active { configurations.append(try assemblyConfig(probe, problems: &problems)) }
            let recordings = span.recordings.count == 1 ? "recording \(span.recordings[0])" : "recordings \(span.recordings.map(String.init).joined(separator: ", "))"
            streams.append(
                try acquisitionModels.make(
                    "DataStream",
                    [
                        "stream_start_time": .timestamp(try present(span.start)),
                        "stream_end_time": .timestamp(try present(span.end)),
                        "modalities": [try acquisitionModels.modality("ecephys")],
                        "code": code,
                        "notes": .string("\(sessionFolderName); Open Ephys experiment \(span.number), \(recordings)"),
                        "active_devices": .strings(devices),
                        "configurations": .array(configurations),
                    ]))
        }
        guard let start = spans.map(\.start).min(), let end = spans.map(\.end).max() else { throw DiagnosticError("internal: no experiment") }
        let startTime = try present(start)
        return try acquisitionModels.document([
            "subject_id": .string(subject),
            "acquisition_start_time": .timestamp(startTime),
            "acquisition_start_tz": startTime.derivedTimeZone,
            "acquisition_end_time": .timestamp(try present(end)),
            "experimenters": .strings(settings.experimenters ?? []),
            "instrument_id": .string(instrumentID),
            "acquisition_type": .string(settings.acquisitionType ?? "Extracellular electrophysiology"),
            "global_coordinate_system": try acquisitionModels.build(spec: constants.coordinateSystems.global.value),
            "data_streams": .array(streams),
        ])
    }
}

/// Warnings of one kind that input can repeat without bound (one per stream of a hostile file): the first few one by
/// one, then a single summary.
struct RepeatedWarnings {
    /// How many are reported one by one.
    static let shown = 5
    private(set) var count = 0
    private var firstHidden: SourceLocation?
    private var lastHidden: SourceLocation?

    mutating func add(_ message: @autoclosure () -> String, at location: SourceLocation?, to problems: inout DiagnosticCollector) {
        count += 1
        if count <= RepeatedWarnings.shown {
            problems.warning(message(), at: location)
        } else {
            if firstHidden == nil { firstHidden = location }
            lastHidden = location
        }
    }

    /// One warning for those not reported one by one: `message(how many, "first at …, last at …")`.
    func summarize(to problems: inout DiagnosticCollector, _ message: (Int, String) -> String) {
        guard count > RepeatedWarnings.shown else { return }
        let span = "first at \(firstHidden?.description ?? "?"), last at \(lastHidden?.description ?? "?")"
        problems.warning(message(count - RepeatedWarnings.shown, span), at: firstHidden)
    }
}
