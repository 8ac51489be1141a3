import AindSchemas
import Foundation
import MetadataModel
import RigMapperCore

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
    }

    mutating func documents(problems: inout DiagnosticCollector) throws(DiagnosticError) -> [(kind: DocumentKind, value: JSONValue)] {
        try checkNodes(problems: &problems)
        let (probes, daqs) = inventory(problems: &problems)
        let spans = try times(problems: &problems)
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
        for stream in processor.streams {
            if stream.name.uppercased().hasSuffix("ADC") || (stream.deviceName ?? "").uppercased().contains("ADC") { continue }
            let prefix = EcephysMapping.streamPrefix(stream.name, quadBase: hasQuadBase)
            if let index = prefixes.firstIndex(where: { $0.prefix == prefix }) {
                prefixes[index].streams.append(stream.name)
            } else {
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
                    for stream in processor.streams where !daqs.contains(where: { $0.name == stream.name && $0.processorID == (processor.nodeID ?? "") }) {
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

        // What each experiment recorded, across Record Nodes.
        for node in session.nodes {
            for experiment in node.experiments {
                for recording in experiment.recordings {
                    for stream in recording.streams {
                        let key = StreamKey(processorID: stream.processorID ?? "", stream: stream.streamName)
                        for i in probes.indices where probes[i].streams.contains(key) { probes[i].recordedIn.insert(experiment.number) }
                        for i in daqs.indices where daqs[i].name == stream.streamName && (stream.processorID == nil || daqs[i].processorID == stream.processorID) {
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
        for node in session.nodes { for experiment in node.experiments where !experiment.recordings.isEmpty { numbers.insert(experiment.number) } }
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
        for number in numbers.sorted() {
            // Every node's view of this experiment's recordings.
            let views = session.nodes.compactMap { node -> (node: EcephysSession.RecordNode, experiment: EcephysSession.Experiment)? in
                guard let experiment = node.experiments.first(where: { $0.number == number }), !experiment.recordings.isEmpty else { return nil }
                return (node, experiment)
            }
            let recordingNumbers = Set(views.flatMap { $0.experiment.recordings.map(\.number) }).sorted()
            guard let firstRecording = recordingNumbers.first else { continue }
            // The experiment's first recording: the earliest Software Time, else the override, else DATE.
            var base: Int64
            if number == first, let override {
                base = override
            } else if let ms = views.compactMap({ $0.experiment.recordings.first { $0.number == firstRecording }?.softwareTimeMilliseconds }).min() {
                base = ms * 1000
            } else {
                var dates: [Int64] = []
                for view in views {
                    dates.append(try dateInstant(node: view.node, experiment: number, notBefore: spans.last?.end, warned: &warnedDate, problems: &problems))
                }
                guard let earliest = dates.min() else { continue }
                base = earliest
            }
            var end = base
            for recordingNumber in recordingNumbers {
                let copies = views.compactMap { $0.experiment.recordings.first { $0.number == recordingNumber } }
                var start = base
                if recordingNumber != firstRecording {
                    let firstCopies = views.compactMap { $0.experiment.recordings.first { $0.number == firstRecording } }
                    if let ms = copies.compactMap(\.softwareTimeMilliseconds).min(), !(number == first && override != nil) {
                        start = ms * 1000
                    } else if let shift = zip(firstCopies, copies).lazy.compactMap({ sampleShift(from: $0.0, to: $0.1) }).first
                        ?? firstCopies.lazy.flatMap({ a in copies.lazy.compactMap { b in sampleShift(from: a, to: b) } }).first
                    {
                        start = base + shift
                    } else if let copy = copies.first {
                        problems.warning(
                            "recording \(recordingNumber) has no Software Time and no first sample number: it is placed at the start of its experiment",
                            at: input.location(copy.path))
                    }
                }
                let duration = copies.flatMap(\.streams).compactMap { stream -> Int64? in
                    guard let count = stream.sampleCount, let rate = stream.sampleRate, rate > 0 else { return nil }
                    return Int64((Double(count) / rate * 1_000_000).rounded())
                }.max() ?? 0
                end = max(end, start + duration)
            }
            spans.append(ExperimentSpan(number: number, start: base, end: end, recordings: recordingNumbers))
        }
        crossCheckZone(problems: &problems)
        return spans
    }

    /// The time from one recording's first sample to another's (sample numbers continue across the recordings of
    /// an experiment), from the first stream both have.
    func sampleShift(from a: EcephysSession.Recording, to b: EcephysSession.Recording) -> Int64? {
        for stream in a.streams {
            guard let firstA = stream.firstSample, let rate = stream.sampleRate, rate > 0,
                let other = b.streams.first(where: { $0.streamName == stream.streamName && $0.processorID == stream.processorID }), let firstB = other.firstSample
            else { continue }
            return Int64((Double(firstB - firstA) / rate * 1_000_000).rounded())
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
            let candidates = [earlier, later].map { (wallSeconds - Int64($0)) * 1_000_000 }.filter { $0 >= (notBefore ?? 0) }
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
        return (wall.localEpochMicroseconds / 1_000_000 - Int64(offset)) * 1_000_000
    }

    static func offsetText(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        return String(format: "%@%02d:%02d", sign, minutes / 60, minutes % 60)
    }

    /// DATE is local, Software Time is UTC: when both describe the first recording of a node, their difference is
    /// the rig's UTC offset then. A job zone that disagrees by more than 15 minutes is probably not the rig's.
    func crossCheckZone(problems: inout DiagnosticCollector) {
        guard let zone = context.timeZone else { return }
        for node in session.nodes {
            guard let experiment = node.experiments.first, let recording = experiment.recordings.first, let ms = recording.softwareTimeMilliseconds,
                let file = node.settings(forExperiment: experiment.number), let text = file.settings.date, let wall = OpenEphysDate.parse(text),
                let shown = try? Timestamp(epochMicroseconds: ms * 1000, zoneIdentifier: zone), let offset = shown.utcOffsetSeconds
            else { continue }
            let implied = Int(wall.localEpochMicroseconds / 1_000_000 - ms / 1000)
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

    func instrumentID(problems: inout DiagnosticCollector) throws(DiagnosticError) -> String {
        if let id = settings.instrumentID { return id }
        guard let machine = machine().name else {
            throw DiagnosticError(
                "the instrument id is unknown: no settings file names its MACHINE; set mappers.ecephys.settings.instrument_id",
                at: settingsFiles.first.map { input.location($0.file.path) })
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
        for slot in Set(probes.map(\.key.slot)).sorted() {
            let onSlot = probes.filter { $0.key.slot == slot }
            guard let first = onSlot.first?.element else { continue }
            var ports: [JSONValue] = []
            for port in Set(onSlot.map(\.key.port)).sorted() {
                let names = onSlot.filter { $0.key.port == port }.sorted { ($0.key.dock, $0.key.serial) < ($1.key.dock, $1.key.serial) }.map(\.name)
                ports.append(try instrumentModels.make("ProbePort", ["index": .int(port), "probes": .strings(names)]))
            }
            let processor = onSlot.first?.processorName ?? ""
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
    func subject(problems: inout DiagnosticCollector) throws(DiagnosticError) -> String {
        let fromFolder = session.enclosingFolderNames.lazy.compactMap(EcephysMapping.subject(fromFolderName:)).first
        if let given = settings.subjectID {
            if let fromFolder, fromFolder.subject != given {
                problems.warning("the job's subject_id '\(given)' differs from '\(fromFolder.subject)' in the folder name '\(fromFolder.folder)'")
            }
            return given
        }
        guard let fromFolder else {
            throw DiagnosticError(
                "the subject is unknown: Open Ephys files do not name it and no folder is named <subject>_<YYYY-MM-DD_HH-MM-SS> (folders: \(session.enclosingFolderNames.joined(separator: ", "))); set mappers.ecephys.settings.subject_id")
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
        for span in spans {
            let active = probes.filter { $0.recordedIn.contains(span.number) }
            guard !active.isEmpty else {
                throw DiagnosticError("experiment \(span.number) recorded no probe's streams: an ecephys data stream needs at least one probe")
            }
            var devices: [String] = []
            for slot in Set(active.map(\.key.slot)).sorted() { devices.append(constants.name(constants.names.basestation, slot: slot)) }
            for probe in active {
                devices.append(constants.name(constants.names.assembly, probe: probe.name))
                devices.append(probe.name)
            }
            for daq in daqs where daq.recordedIn.contains(span.number) { devices.append(daq.name) }
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
