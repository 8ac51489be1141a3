import AindSchemas
import Foundation
import MapperCatalog
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Testing

let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

struct Mapped {
    var instrument: JSONValue
    var acquisition: JSONValue
    var warnings: [Diagnostic]
    var lock: String

    var probes: [JSONValue] {
        (instrument["components"]?.arrayValue ?? []).filter { $0["object_type"] == "Ephys assembly" }.flatMap { $0["probes"]?.arrayValue ?? [] }
    }
    var probeNames: [String] { probes.compactMap { $0["name"]?.stringValue } }
    func probe(_ name: String) -> JSONValue? { probes.first { $0["name"]?.stringValue == name } }
    func component(_ name: String) -> JSONValue? { instrument["components"]?.arrayValue?.first { $0["name"]?.stringValue == name } }
    var streams: [JSONValue] { acquisition["data_streams"]?.arrayValue ?? [] }
    /// Active probes of a data stream (probe names among its active devices).
    func activeProbes(_ stream: Int = 0) -> [String] {
        let names = Set(probeNames)
        return (streams[stream]["active_devices"]?.arrayValue ?? []).compactMap(\.stringValue).filter { names.contains($0) }
    }
    func warned(_ text: String) -> Bool { warnings.contains { $0.severity == .warning && $0.message.contains(text) } }

    /// Every device the acquisition names (active devices, configuration device names at every depth) is an
    /// instrument component, and the ids agree: what aind-data-schema's compatibility check requires.
    func namesAreConsistent() -> Bool {
        let components = Set(instrument.instrumentComponentNames)
        var named: [String] = []
        func collect(_ value: JSONValue) {
            if let object = value.objectValue {
                if let name = object["device_name"]?.stringValue { named.append(name) }
                for (_, child) in object { collect(child) }
            } else if let array = value.arrayValue {
                array.forEach(collect)
            }
        }
        for stream in streams {
            named += (stream["active_devices"]?.arrayValue ?? []).compactMap(\.stringValue)
            collect(stream["configurations"] ?? .null)
        }
        return !named.isEmpty && named.allSatisfy(components.contains) && acquisition["instrument_id"] == instrument["instrument_id"]
    }
}

/// Runs ecephys@1.0.0 as `rigmap map` does (the pipeline: validation against aind-data-schema 2.9.2 included,
/// nothing written on failure).
func mapEcephys(_ input: URL, job: String = "timezone: America/Los_Angeles\n") throws(DiagnosticError) -> Mapped {
    let out: URL
    do {
        out = try makeTemporaryFolder("ecephys-out").appendingPathComponent("out")
    } catch {
        throw DiagnosticError("\(error)")
    }
    let pipeline = Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "test"))
    let request = Pipeline.MapRequest(
        mapper: "ecephys", input: input, inputDisplay: input.lastPathComponent, output: out,
        job: Resolver.Request(job: try JobConfig.parse(yaml: job, file: "job.yaml")))
    let result = try pipeline.map(request)
    let instrument = try JSONDocument.read(out.appendingPathComponent("instrument_ecephys.json"))
    let acquisition = try JSONDocument.read(out.appendingPathComponent("acquisition_ecephys.json"))
    let lock = (try? String(contentsOf: out.appendingPathComponent("rigmap.lock"), encoding: .utf8)) ?? ""
    return Mapped(instrument: instrument, acquisition: acquisition, warnings: result.warnings, lock: lock)
}

func fixture(_ path: String) -> URL { fixtures.appendingPathComponent(path) }

/// A copy of a fixture to edit.
func copyOfFixture(_ path: String) throws -> URL {
    let url = try makeTemporaryFolder("ecephys-session").appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent)
    try FileManager.default.copyItem(at: fixture(path), to: url)
    return url
}

func expectedJSON(_ path: String) throws -> JSONValue { try JSONDocument.read(fixture(path).appendingPathComponent("expected.json")) }

func instant(_ value: JSONValue?) -> Int64? { value?.stringValue.flatMap { try? Timestamp(parsing: $0) }?.epochMicroseconds }

@Suite struct EcephysGroundTruthTests {
    /// The upstream generator's example: 3 NP1.0 + 1 NP2.0, two Record Nodes, an NI-DAQ, auto naming.
    @Test func theExampleRecordingMatchesItsGroundTruth() throws {
        let expected = try expectedJSON("recording_example")
        let mapped = try mapEcephys(fixture("recording_example/700001_2024-03-05_09-04-33"))
        let truth = expected["probes"]?.arrayValue ?? []
        #expect(mapped.probeNames == truth.compactMap { $0["name"]?.stringValue })
        for probe in truth {
            let name = try #require(probe["name"]?.stringValue)
            let ours = try #require(mapped.probe(name))
            #expect(ours["serial_number"] == probe["serial_number"])
            #expect(ours["model"] == probe["probe_part_number"])
            #expect(ours["probe_model"] == probe["aind_probe_model"])
            #expect(ours["manufacturer"]?["abbreviation"] == "IMEC")
            #expect(ours["headstage"]?["serial_number"] == probe["headstage_serial_number"])
            #expect(ours["headstage"]?["model"] == probe["headstage_part_number"])
            let station = try #require(mapped.component("Basestation Slot \(probe["slot"]?.numberValue?.intValue ?? -1)"))
            let port = station["ports"]?.arrayValue?.first { $0["index"] == probe["port"] }
            #expect(port?["probes"]?.arrayValue?.contains(.string(name)) == true)
        }
        for station in expected["basestations"]?.arrayValue ?? [] {
            let ours = try #require(mapped.component("Basestation Slot \(station["slot"]?.numberValue?.intValue ?? -1)"))
            #expect(ours["basestation_firmware_version"] == station["bs_firmware_version"])
            #expect(ours["bsc_firmware_version"] == station["bsc_firmware_version"])
            #expect(ours["data_interface"] == "PXI")
        }
        #expect(mapped.component("W10DT160816")?["operating_system"] == "Windows 10")
        #expect(mapped.component("PXIe-6341")?["object_type"] == "DAQ device")
        // Start: the earliest Software Time (node 101: …142 ms; node 104 wrote …145), in the job's zone.
        #expect(mapped.acquisition["acquisition_start_time"] == "2024-03-05T09:05:03.142000-08:00")
        #expect(mapped.acquisition["acquisition_start_tz"] == "America/Los_Angeles")
        #expect(instant(mapped.acquisition["acquisition_start_time"]) == 1_709_658_303_142_000)
        #expect(mapped.acquisition["subject_id"] == "700001")
        #expect(mapped.warned("subject '700001' is taken from the folder name"))
        #expect(mapped.instrument["instrument_id"] == "W10DT160816")
        #expect(mapped.warned("the instrument id is the computer's name"))
        #expect(mapped.streams.count == 1)
        #expect(mapped.activeProbes() == ["ProbeA", "ProbeB", "ProbeC", "ProbeD"])
        #expect(mapped.streams[0]["active_devices"]?.arrayValue?.contains("PXIe-6341") == true)
        #expect(mapped.streams[0]["code"]?[0]?["version"] == "0.6.7")
        #expect(mapped.streams[0]["code"]?[0]?["url"] == "https://github.com/open-ephys/plugin-GUI")
        #expect(mapped.namesAreConsistent())
    }

    /// GUI 1.0.1 (NP_PROBE under CUSTOM_PARAMETERS), probe-specific names, a Quad Base probe written as four NP_PROBE
    /// elements, and a probe no Record Node recorded.
    @Test func gui1ProbeSpecificNamesQuadBaseAndAnUnrecordedProbe() throws {
        let expected = try expectedJSON("generated/gui1-probe-names-quad-base")
        let mapped = try mapEcephys(fixture("generated/gui1-probe-names-quad-base/700001_2025-05-06_09-59-30"))
        let truth = expected["probes"]?.arrayValue ?? []
        #expect(mapped.probeNames == truth.compactMap { $0["name"]?.stringValue })
        #expect(mapped.probeNames.count == 4)  // the Quad Base probe once, not once per shank
        let quad = try #require(truth.first { $0["aind_probe_model"] == "Neuropixels 2.0 (Quad Base)" })
        #expect(mapped.probe(quad["name"]?.stringValue ?? "")?["probe_model"] == "Neuropixels 2.0 (Quad Base)")
        let unrecorded = try #require(truth.first { $0["recorded"] == false }?["name"]?.stringValue)
        #expect(mapped.probe(unrecorded) != nil)
        #expect(!mapped.activeProbes().contains(unrecorded))
        #expect(mapped.activeProbes() == truth.filter { $0["recorded"] == true }.compactMap { $0["name"]?.stringValue })
        #expect(mapped.warned("'\(unrecorded)'") && mapped.warned("no Record Node recorded its streams"))
        #expect(instant(mapped.acquisition["acquisition_start_time"]) == instant(expected["acquisition_start_time"]))
        #expect(instant(mapped.acquisition["acquisition_end_time"]) == instant(expected["acquisition_end_time"]))
        #expect(mapped.acquisition["acquisition_start_time"]?.stringValue?.hasSuffix("-07:00") == true)
        #expect(mapped.namesAreConsistent())
    }

    /// Neither the subject (no `<subject>_<stamp>` folder) nor the instrument id (no MACHINE) is in the files, and the
    /// job gives neither: one run names both settings.
    @Test func everyMissingRequiredSettingIsReportedAtOnce() throws {
        let copy = try makeTemporaryFolder("ecephys-missing").appendingPathComponent("2025-01-09_23-59-35")
        try FileManager.default.copyItem(at: fixture("generated/port-names-stale-lf/2025-01-09_23-59-35"), to: copy)
        let settings = copy.appendingPathComponent("Record Node 101/settings.xml")
        let text = try String(contentsOf: settings, encoding: .utf8)
        try text.replacingOccurrences(of: "<MACHINE name=\"W10DT160816\" ", with: "<MACHINE ").write(to: settings, atomically: true, encoding: .utf8)
        let refusal = thrownDiagnostics { _ = try mapEcephys(copy) }
        let errors = refusal.filter { $0.severity == .error }
        #expect(errors.count == 2, "\(refusal)")
        #expect(errors.contains { $0.message.contains("set mappers.ecephys.settings.subject_id") })
        #expect(errors.contains { $0.message.contains("set mappers.ecephys.settings.instrument_id") })
    }

    /// Custom port names (scheme 2) with stale CUSTOM_PROBE_NAMES entries, LF line endings, and a folder without the
    /// subject prefix (so the subject must come from the job).
    @Test func portNamesWinOverStaleCustomNamesAndTheSubjectComesFromTheJob() throws {
        let session = fixture("generated/port-names-stale-lf/2025-01-09_23-59-35")
        let refusal = thrownDiagnostics { _ = try mapEcephys(session) }
        #expect(refusal.contains { $0.severity == .error && $0.message.contains("the subject is unknown") && $0.message.contains("subject_id") })

        let expected = try expectedJSON("generated/port-names-stale-lf")
        let mapped = try mapEcephys(session, job: "timezone: America/Los_Angeles\nmappers: {ecephys: {settings: {subject_id: '700001'}}}\n")
        #expect(mapped.probeNames == ["L1", "L2", "L3"])
        #expect(mapped.probe("L1")?["serial_number"] == expected["probes"]?[0]?["serial_number"])
        #expect(!mapped.warned("subject"))
        #expect(mapped.acquisition["subject_id"] == "700001")
        // Recorded just after midnight (DATE "10 Jan 2025 0:00:05", folder of the previous day).
        #expect(mapped.acquisition["acquisition_start_time"] == expected["acquisition_start_time"])
        #expect(mapped.instrument["modification_date"] == "2025-01-10")
    }

    /// An AIND asset (Record Nodes under ecephys/ecephys_clipped, data clipped to 100 frames) with notebook
    /// checkpoint copies that must be ignored, two experiments of two recordings.
    @Test func anAINDAssetWithCheckpointCopiesAndSeveralRecordings() throws {
        let expected = try expectedJSON("generated/asset-checkpoints")
        let asset = fixture("generated/asset-checkpoints/ecephys_700001_2024-07-01_13-59-30")
        for input in [asset, asset.appendingPathComponent("ecephys/ecephys_clipped")] {
            let mapped = try mapEcephys(input)
            #expect(mapped.acquisition["subject_id"] == "700001")
            #expect(mapped.streams.count == 2)
            #expect(mapped.streams[0]["notes"]?.stringValue?.contains("experiment 1, recordings 1, 2") == true)
            #expect(instant(mapped.acquisition["acquisition_start_time"]) == instant(expected["acquisition_start_time"]))
            // The end comes from sample_numbers.npy (intact), not the clipped continuous.dat.
            #expect(instant(mapped.acquisition["acquisition_end_time"]) == instant(expected["acquisition_end_time"]))
            #expect(!mapped.lock.contains("ipynb_checkpoints"))
            #expect(!mapped.lock.contains("continuous.dat"))
            #expect(mapped.namesAreConsistent())
        }
    }
}

@Suite struct EcephysRealFileTests {
    /// AIND rig file: NamingScheme 3 with a CUSTOM_PROBE_NAMES map whose serials match no probe, and two Record Nodes
    /// (A: and B:) that each record three probes and each hold the whole signal chain.
    @Test func staleCustomProbeNamesAndTwoRecordNodesGiveEachProbeOnce() throws {
        let mapped = try mapEcephys(fixture("real/366122_2023-11-21_12-29-01"))
        #expect(mapped.probeNames == ["ProbeA", "ProbeB", "ProbeC", "ProbeD", "ProbeE", "ProbeF"])
        #expect(mapped.probe("ProbeA")?["serial_number"] == "19192719051")  // NP_PROBE's, not CUSTOM_PROBE_NAMES' 19192723682
        #expect(mapped.activeProbes() == mapped.probeNames)
        #expect(mapped.acquisition["subject_id"] == "366122")
        // 300 samples at 30 kHz after the Software Time (DATE 12:29:21 at -08:00, +250 ms).
        #expect(mapped.acquisition["acquisition_start_time"] == "2023-11-21T12:29:21.250000-08:00")
        #expect(mapped.acquisition["acquisition_end_time"] == "2023-11-21T12:29:21.260000-08:00")
        #expect(mapped.namesAreConsistent())
    }

    /// aind-metadata-mapper's "mislabeled" file: custom_probe_name = serial number under the auto scheme; odd
    /// hardware values (a 19-digit headstage serial, empty part numbers) pass through as strings.
    @Test func mislabeledProbesAreNamedByTheirStreams() throws {
        let mapped = try mapEcephys(fixture("real/mislabeled_2023-08-31_12-33-30"))
        #expect(mapped.probeNames == ["ProbeA", "ProbeB", "ProbeC", "ProbeD", "ProbeE", "ProbeF"])
        #expect(mapped.probe("ProbeA")?["serial_number"] == "18005114152")
        let odd = mapped.probes.first { $0["headstage"]?["serial_number"] == "3701768989021720654" }
        #expect(odd != nil)
        #expect(odd?["headstage"]?["model"] == .null)
        #expect(mapped.component("PXI-6133")?["data_interface"] == "PXI")
    }

    /// NewScale serials as stream names, a DATE written with a padded day ("04 Apr 2023") and no sync file, and a
    /// second experiment (surface finding) with its own settings_2.xml.
    @Test func paddedDateWithoutSyncAndASecondExperiment() throws {
        let mapped = try mapEcephys(fixture("real/684810_2023-04-04_10-37-00"))
        #expect(mapped.probeNames == ["46121", "46118"])
        #expect(mapped.acquisition["acquisition_start_time"] == "2023-04-04T10:37:28-07:00")
        #expect(mapped.streams.count == 2)
        #expect(mapped.streams[1]["stream_start_time"] == "2023-04-04T12:37:28-07:00")
        #expect(mapped.warned("the start is the settings file's DATE, to the second"))
        #expect(mapped.component("Basestation Slot 3")?["ports"]?.arrayValue?.map { $0["index"] } == [1, 4])
    }

    /// The same DATE without a job zone is refused (never read as UTC or in the host's zone).
    @Test func aDateWithoutAZoneIsRefused() {
        let problems = thrownDiagnostics { _ = try mapEcephys(fixture("real/684810_2023-04-04_10-37-00"), job: "{}\n") }
        let error = problems.first { $0.severity == .error }
        #expect(error?.message.contains("DATE '04 Apr 2023 10:37:28'") == true)
        #expect(error?.message.contains("timezone") == true)
        #expect(error?.location?.file?.hasSuffix("settings.xml") == true)
        #expect(error?.location?.line == 7)
    }

    /// GUI 0.5.5.4: `Sources/Neuropix-PXI`, `NodeId`, MACHINE as element text, no STREAM elements; two probes on one
    /// port (docks 1 and 2).
    @Test func legacyGUI05Layout() throws {
        let mapped = try mapEcephys(fixture("real/legacy-0.5_2022-06-29_17-15-20"))
        #expect(mapped.probeNames == ["100.0", "100.1"])
        #expect(mapped.component("DESKTOP-8CBRTKC")?["operating_system"] == "Windows 8.0")
        #expect(mapped.component("Basestation Slot 2")?["ports"] == [["object_type": "Probe port", "index": 1, "probes": ["100.0", "100.1"]]])
        #expect(mapped.probe("100.0")?["probe_model"] == "Neuropixels 2.0 (Multi Shank)")
    }

    /// GUI 1.0.0: NP_PROBE under EDITOR/CUSTOM_PARAMETERS; three basestations; two Quad Base probes (four NP_PROBE
    /// elements each, one serial).
    @Test func gui1QuadBaseWithCustomNames() throws {
        let mapped = try mapEcephys(fixture("real/quad-base_2025-08-28_15-21-00"))
        #expect(mapped.probeNames == ["50210", "50197", "46101", "50720", "46810", "50213", "46811"])
        #expect(mapped.probe("50213")?["probe_model"] == "Neuropixels 2.0 (Quad Base)")
        #expect(mapped.probe("50210")?["probe_model"] == "Neuropixels 2.0 (Single Shank)")
        #expect(mapped.instrument["components"]?.arrayValue?.filter { $0["object_type"] == "Neuropixels basestation" }.count == 3)
    }

    /// OneBox: its own processor, slot 16, probe serial "0", an ADC stream that is not a probe, no basestation connect
    /// board. The real file comes with its structure.oebin and no sync file.
    @Test func oneBoxWithAnUnknownSerial() throws {
        let mapped = try mapEcephys(
            fixture("real/OE_OneBox-NP2014-binary"), job: "timezone: Europe/Berlin\nmappers: {ecephys: {settings: {subject_id: '1', instrument_id: onebox}}}\n")
        #expect(mapped.probeNames == ["ProbeA"])
        #expect(mapped.probe("ProbeA")?["serial_number"] == .null)
        #expect(mapped.warned("reports serial number '0'"))
        let station = try #require(mapped.component("Basestation Slot 16"))
        #expect(station["data_interface"] == "USB")
        #expect(station["bsc_firmware_version"] == "none (no basestation connect board)")
        #expect(mapped.acquisition["acquisition_start_time"] == "2025-11-17T10:48:37+01:00")
    }

    /// A real recording that kept only experiment 4, recording 2; an NHP probe (NP1032) has no aind-data-schema model.
    @Test func onlyALaterExperimentAndACustomProbeModel() throws {
        let mapped = try mapEcephys(
            fixture("real/OE_Neuropix-PXI-NP2-4shank-binary"), job: "timezone: Europe/Berlin\nmappers: {ecephys: {settings: {subject_id: '2'}}}\n")
        #expect(mapped.streams.count == 1)
        #expect(mapped.streams[0]["notes"]?.stringValue?.contains("experiment 4, recording 2") == true)
        #expect(mapped.probe("ProbeA")?["probe_model"] == "Custom")
        #expect(mapped.probe("ProbeA")?["model"] == "NP1032")
    }

    /// Probe-specific names whose CUSTOM_PROBE_NAMES differ in case ("probeA" / "ProbeA"); streams in NP_PROBE order
    /// (B, A, F, D), not alphabetical.
    @Test func streamOrderFollowsTheProbesNotTheAlphabet() throws {
        let mapped = try mapEcephys(fixture("real/np-ultra_2023-11-08_08-50-40"))
        #expect(mapped.probeNames == ["ProbeB", "ProbeA", "ProbeF", "ProbeD"])
        #expect(mapped.probe("ProbeB")?["serial_number"] == "20088315591")
        #expect(mapped.probe("ProbeB")?["probe_model"] == "Neuropixels UHD (Fixed)")
    }

    @Test func aDisabledProbeIsLeftOutWithAWarning() throws {
        let mapped = try mapEcephys(fixture("real/enabled-disabled_2024-11-14_15-16-30"), job: "timezone: Europe/Rome\n")
        #expect(mapped.probeNames == ["ProbeA"])
        #expect(mapped.warned("probe 22420006904 on slot 5 port 2 is disabled"))
        #expect(!mapped.warned("is the job's timezone the rig's"))
    }

    /// The job's zone disagrees with what DATE and Software Time imply (+01:00): a warning, the times stay exact.
    @Test func aJobZoneThatIsNotTheRigsIsQuestioned() throws {
        let mapped = try mapEcephys(fixture("real/enabled-disabled_2024-11-14_15-16-30"))
        #expect(mapped.warned("is the job's timezone the rig's?"))
        #expect(instant(mapped.acquisition["acquisition_start_time"]) == 1_731_593_812_250_000)
    }

    /// A second experiment whose settings file has other probes on the same ports: both sets are in the instrument,
    /// the later ones renamed with their serial, each experiment's stream naming its own.
    @Test func probesSwappedBetweenExperimentsStayDistinct() throws {
        let mapped = try mapEcephys(fixture("real/multi-probe_2022-04-14_15-10-40"), job: "timezone: Europe/Paris\n")
        #expect(mapped.probeNames == ["ProbeA", "ProbeB", "ProbeC", "ProbeD", "ProbeA (serial 19122502073)", "ProbeB (serial 19122502691)"])
        #expect(mapped.activeProbes(0) == ["ProbeA", "ProbeB", "ProbeC", "ProbeD"])
        #expect(mapped.activeProbes(1) == ["ProbeA (serial 19122502073)", "ProbeB (serial 19122502691)"])
        #expect(mapped.warned("two probes are called 'ProbeA'"))
        #expect(mapped.namesAreConsistent())
    }

    @Test(arguments: ["real/signalchains_2023-11-06_15-35-20", "real/opto_2023-08-30_23-41-10", "real/OE_Neuropix-PXI-NP1-binary"])
    func otherRealLayoutsMapConsistently(path: String) throws {
        let mapped = try mapEcephys(fixture(path), job: "timezone: Europe/Paris\nmappers: {ecephys: {settings: {subject_id: '3'}}}\n")
        #expect(mapped.probeNames == ["ProbeA"])
        #expect(mapped.activeProbes() == ["ProbeA"])
        #expect(mapped.namesAreConsistent())
    }
}

@Suite struct EcephysBadInputTests {
    /// No sync file and a DATE in the hour clocks turn back: refused where DATE is written, unless the job says when.
    @Test func anAmbiguousDateWithoutSyncIsRefusedUnlessTheJobGivesTheStart() throws {
        let session = fixture("generated/disabled-no-sync-dst/700001_2024-11-03_01-29-30")
        let problems = thrownDiagnostics { _ = try mapEcephys(session) }
        let error = try #require(problems.first { $0.severity == .error })
        #expect(error.message.contains("DATE '3 Nov 2024 1:30:00' happens twice in America/Los_Angeles"))
        #expect(error.message.contains("acquisition_start_time"))
        #expect(error.location?.line == 7)

        let expected = try expectedJSON("generated/disabled-no-sync-dst")
        let mapped = try mapEcephys(
            session, job: "timezone: America/Los_Angeles\nmappers: {ecephys: {settings: {acquisition_start_time: '2024-11-03T01:30:00-07:00'}}}\n")
        #expect(mapped.acquisition["acquisition_start_time"] == "2024-11-03T01:30:00-07:00")
        #expect(mapped.probeNames == ["ProbeA", "ProbeC", "ProbeD"])  // ProbeB disabled: its letter is skipped
        #expect(mapped.warned("is disabled"))
        #expect(mapped.streams.count == 2)
        #expect(instant(mapped.acquisition["acquisition_start_time"]) == instant(expected["acquisition_start_time"]))
        // Experiment 2's DATE is in the same doubled hour: its first occurrence after experiment 1 is taken.
        #expect(mapped.warned("experiment 2 is taken to start at its first occurrence after the previous experiment"))
        #expect(mapped.streams[1]["stream_start_time"]?.stringValue?.hasSuffix("-07:00") == true)
    }

    /// A settings.xml cut short by a crash in one of two Record Nodes: refused with its line:column, saying which
    /// node was read; the job may map without it.
    @Test func aTruncatedSettingsFileInOneNode() throws {
        let session = try copyOfFixture("recording_example/700001_2024-03-05_09-04-33")
        let file = session.appendingPathComponent("Record Node 104/settings.xml")
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count / 2).write(to: file)
        let problems = thrownDiagnostics { _ = try mapEcephys(session) }
        let located = try #require(problems.first { $0.severity == .error && $0.location?.file?.hasSuffix("Record Node 104/settings.xml") == true })
        #expect(located.message.hasPrefix("Record Node 104 cannot be read"))
        #expect(located.location?.line != nil && located.location?.column != nil)
        #expect(problems.contains { $0.message.contains("Record Node 101 read without problems") && $0.message.contains("skip_unreadable_record_nodes") })

        let mapped = try mapEcephys(session, job: "timezone: America/Los_Angeles\nmappers: {ecephys: {settings: {skip_unreadable_record_nodes: true}}}\n")
        #expect(mapped.warned("Record Node 104 cannot be read"))
        #expect(mapped.probeNames == ["ProbeA", "ProbeB", "ProbeC", "ProbeD"])  // node 101's settings describe every probe
        #expect(mapped.activeProbes() == ["ProbeA", "ProbeB"])  // node 104 recorded C and D
    }

    @Test func aTruncatedStructureFileIsLocated() throws {
        let session = try copyOfFixture("recording_example/700001_2024-03-05_09-04-33")
        for node in ["Record Node 101", "Record Node 104"] {
            let file = session.appendingPathComponent("\(node)/experiment1/recording1/structure.oebin")
            let bytes = try Data(contentsOf: file)
            try bytes.prefix(1000).write(to: file)
        }
        let problems = thrownDiagnostics { _ = try mapEcephys(session) }
        let located = problems.filter { $0.severity == .error && $0.location?.file?.hasSuffix("structure.oebin") == true }
        #expect(located.count == 2)
        #expect(located.allSatisfy { $0.location?.line != nil })
        #expect(problems.contains { $0.message.contains("2 of 2 Record Nodes cannot be read (no other Record Node could be read)") })
    }

    @Test func aFolderWithoutRecordNodesIsRefused() throws {
        let empty = try makeTemporaryFolder("ecephys-empty")
        try "x".write(to: empty.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let problems = thrownDiagnostics { _ = try mapEcephys(empty) }
        #expect(problems.contains { $0.message.contains("ecephys@1.0.0 finds nothing to read here") && $0.location?.file == empty.lastPathComponent })
    }

    /// `&` and non-ASCII in a probe's name (XML-escaped in settings.xml, plain in the oebin and sync file).
    @Test func escapedAndNonASCIINamesSurviveEveryFile() throws {
        let session = try copyOfFixture("generated/gui1-probe-names-quad-base/700001_2025-05-06_09-59-30")
        let name = "Tür&Ä 5"
        let manager = FileManager.default
        var paths: [URL] = []
        while let path = manager.enumerator(at: session, includingPropertiesForKeys: nil)?.allObjects.compactMap({ $0 as? URL }).first(where: { $0.lastPathComponent.contains("45460") }) {
            let renamed = path.deletingLastPathComponent().appendingPathComponent(path.lastPathComponent.replacingOccurrences(of: "45460", with: name))
            try manager.moveItem(at: path, to: renamed)
        }
        for case let url as URL in manager.enumerator(at: session, includingPropertiesForKeys: nil)?.allObjects ?? [] {
            guard ["xml", "oebin", "txt"].contains(url.pathExtension) else { continue }
            paths.append(url)
            let text = try String(contentsOf: url, encoding: .utf8)
            let replacement = url.pathExtension == "xml" ? "Tür&amp;Ä 5" : name
            try text.replacingOccurrences(of: "45460", with: replacement).write(to: url, atomically: true, encoding: .utf8)
        }
        #expect(!paths.isEmpty)
        let mapped = try mapEcephys(session)
        #expect(mapped.probeNames.first == name)
        #expect(mapped.activeProbes().first == name)
        #expect(mapped.namesAreConsistent())
    }

    /// Probe names given by the job (serial → name) replace what the files say, and every setting reaches the documents.
    @Test func jobSettingsReachTheDocuments() throws {
        let job = """
            timezone: America/Los_Angeles
            mappers:
              ecephys:
                settings:
                  subject_id: "700001"
                  instrument_id: "EPHYS-7"
                  acquisition_type: "Receptive field mapping"
                  experimenters: [Ada Lovelace]
                  probe_names: {"19192712471": "Probe 1"}
                  manipulators: {"Probe 1": SN45356, ProbeB: SN45357}
                  targets: {"Probe 1": LGd, ProbeB: VISp}
                  modification_date: "2024-03-01"
                  location: "Room 323"
            """
        let mapped = try mapEcephys(fixture("recording_example/700001_2024-03-05_09-04-33"), job: job)
        #expect(mapped.probeNames == ["Probe 1", "ProbeB", "ProbeC", "ProbeD"])
        #expect(mapped.instrument["instrument_id"] == "EPHYS-7")
        #expect(mapped.instrument["location"] == "Room 323")
        #expect(mapped.instrument["modification_date"] == "2024-03-01")
        #expect(mapped.acquisition["acquisition_type"] == "Receptive field mapping")
        #expect(mapped.acquisition["experimenters"] == ["Ada Lovelace"])
        #expect(mapped.component("Ephys assembly Probe 1")?["manipulator"]?["serial_number"] == "SN45356")
        let configs = mapped.streams[0]["configurations"]?.arrayValue ?? []
        let target = configs.first { $0["device_name"] == "Ephys assembly Probe 1" }?["probes"]?[0]?["primary_targeted_structure"]
        #expect(target == ["atlas": "CCFv3", "name": "Dorsal part of the lateral geniculate complex", "acronym": "LGd", "id": "170"])
        #expect(mapped.warned("no target for 'ProbeC'"))
        #expect(!mapped.warned("subject"))
        #expect(mapped.namesAreConsistent())

        let unknown = thrownDiagnostics {
            _ = try mapEcephys(fixture("recording_example/700001_2024-03-05_09-04-33"), job: "timezone: UTC\nmappers: {ecephys: {settings: {targets: {ProbeA: NOPE}}}}\n")
        }
        #expect(unknown.contains { $0.message.contains("targets.ProbeA is 'NOPE', not a CCFv3 structure acronym") })
    }

    /// Mapping twice gives the same bytes, and the size of continuous.dat (here a sparse 8 GB file) changes nothing:
    /// the mapper never reads it when sample_numbers.npy is there.
    @Test func hugeDataFilesAreNeverReadAndOutputsAreStable() throws {
        let session = try copyOfFixture("recording_example/700001_2024-03-05_09-04-33")
        let first = try mapEcephys(session)
        let dat = session.appendingPathComponent("Record Node 101/experiment1/recording1/continuous/Neuropix-PXI-100.ProbeA-AP/continuous.dat")
        let handle = try FileHandle(forWritingTo: dat)
        try handle.truncate(atOffset: 8 << 30)
        try handle.close()
        let second = try mapEcephys(session)
        #expect(JSONWriter.referenceBytes(first.instrument) == JSONWriter.referenceBytes(second.instrument))
        #expect(JSONWriter.referenceBytes(first.acquisition) == JSONWriter.referenceBytes(second.acquisition))
        #expect(!second.lock.contains("continuous.dat"))
    }
}
