import Foundation
import MapperTesting
import MetadataModel
import RigMapperCore
import Testing

/// A copy of a fixture whose files a test changes: the AIND asset (one Record Node, two experiments, the first with
/// two recordings; every stream has samples and a Software Time), unless another fixture is named.
struct EditedSession {
    let root: URL
    let node: URL

    init(_ fixture: String = "generated/asset-checkpoints/ecephys_700001_2024-07-01_13-59-30", node: String = "ecephys/ecephys_clipped/Record Node 101") throws {
        root = try copyOfFixture(fixture)
        self.node = root.appendingPathComponent(node)
    }

    struct Unchanged: Error, CustomStringConvertible {
        var path: String
        var description: String { "the edit changed nothing in \(path)" }
    }

    func url(_ path: String) -> URL { node.appendingPathComponent(path) }

    /// Rewrites a text file; an edit that changes nothing fails the test.
    func edit(_ path: String, _ change: (String) -> String) throws {
        let text = try String(contentsOf: url(path), encoding: .utf8)
        let changed = change(text)
        guard changed != text else { throw Unchanged(path: path) }
        try changed.write(to: url(path), atomically: true, encoding: .utf8)
    }

    /// Replaces the first occurrence of `old` (a regular expression when `regex`).
    func replace(_ path: String, _ old: String, with new: String, regex: Bool = false) throws {
        try edit(path) { text in
            guard let range = text.range(of: old, options: regex ? .regularExpression : []) else { return text }
            return text.replacingCharacters(in: range, with: new)
        }
    }

    /// Writes a `.npy` file with this shape (the text between the parentheses) and these values.
    func npy(_ path: String, shape: String, descr: String = "<i8", values: [Int64] = []) throws {
        let bytes = NPYHeaderTests.npy("{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(shape)), }", values: values)
        try Data(bytes).write(to: url(path))
    }

    func map(job: String = "timezone: America/Los_Angeles\n") throws(DiagnosticError) -> Mapped { try mapEcephys(root, job: job) }
}

let probeA = "experiment1/recording1/continuous/Neuropix-PXI-100.ProbeA-AP"

extension [Diagnostic] {
    func error(at file: String) -> Diagnostic? { first { $0.severity == .error && $0.location?.file?.hasSuffix(file) == true } }
}

/// Values at the limits of their types, found to trap (SIGILL) or to write wrong documents with exit 0: each must be
/// a located error, or a located warning when the documents stay right.
@Suite struct EcephysExtremeValueTests {
    /// `shape[0]` of sample_numbers.npy as large as Int64 goes: the duration in µs overflowed (trap). Also a count
    /// whose µs fit but end the recording after the year 9999, and a 2-D shape whose byte size overflows.
    @Test(arguments: ["9223372036854775807,", "4611686018427387904,", "100000000000000000,", "9223372036854775807, 9223372036854775807"])
    func hugeSampleCountsAreLocatedErrors(shape: String) throws {
        let session = try EditedSession()
        try session.npy("\(probeA)/sample_numbers.npy", shape: shape, values: [899433])
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "Neuropix-PXI-100.ProbeA-AP/sample_numbers.npy"), "\(problems)")
        #expect(error.location?.byteOffset != nil)
        #expect(error.message.contains(String(shape.prefix { $0 != "," })) || error.message.contains("9999"))
    }

    /// GUI 0.5's timestamps.npy (sample numbers, int64) is read the same way.
    @Test func aHugeShapeInALegacyTimestampsFile() throws {
        let session = try EditedSession()
        try FileManager.default.removeItem(at: session.url("\(probeA)/sample_numbers.npy"))
        try session.npy("\(probeA)/timestamps.npy", shape: "9223372036854775807,", values: [899433])
        let problems = thrownDiagnostics { _ = try session.map() }
        #expect(problems.error(at: "Neuropix-PXI-100.ProbeA-AP/timestamps.npy")?.message.contains("9223372036854775807 samples") == true, "\(problems)")
    }

    /// A header that claims more samples than the file holds is mapped as the header says, with a warning.
    @Test func aHeaderClaimingMoreThanTheFileHoldsIsWarned() throws {
        let session = try EditedSession()
        try session.npy("\(probeA)/sample_numbers.npy", shape: "1000,", values: [899433])
        let mapped = try session.map()
        let warning = try #require(mapped.warnings.first { $0.message.contains("more than the file's 8 bytes of data hold") })
        #expect(warning.location?.file?.hasSuffix("Neuropix-PXI-100.ProbeA-AP/sample_numbers.npy") == true)
        #expect(warning.location?.byteOffset != nil)
    }

    /// Shape `(0,)` everywhere gave an acquisition ending where it starts, silently (the wrapped real files and the
    /// upstream example are such recordings: they map as before, with a warning). Streams with samples: no warning.
    @Test func streamsWithoutSamplesAreWarned() throws {
        let empty = try mapEcephys(fixture("recording_example/700001_2024-03-05_09-04-33"))
        let warning = try #require(empty.warnings.first { $0.message.contains("experiment 1 holds no samples") })
        #expect(warning.location?.file?.hasSuffix("sample_numbers.npy") == true)
        #expect(empty.acquisition["acquisition_start_time"] == empty.acquisition["acquisition_end_time"])

        let full = try EditedSession().map()
        #expect(!full.warned("holds no samples"))
    }

    /// structure.oebin's `sample_rate`: 0 and negative are refused where they are (the JSON reader already refuses
    /// `1e999`, a number no 64-bit float holds); 1e-300 makes the duration overflow (it trapped), refused at the
    /// sample count and naming the rate's place.
    @Test(arguments: ["0", "0.0", "-0", "-30000.0"])
    func impossibleOebinRatesAreLocatedErrors(rate: String) throws {
        let session = try EditedSession()
        try session.replace("experiment1/recording1/structure.oebin", "\"sample_rate\": 30000.0", with: "\"sample_rate\": \(rate)")
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "experiment1/recording1/structure.oebin"), "\(problems)")
        #expect(error.location?.jsonPath?.description == "continuous[0].sample_rate")
        #expect(error.message.contains("is not a sample rate"))
    }

    @Test func aTinyOebinRateOverflowsTheDurationAndIsLocated() throws {
        let session = try EditedSession()
        try session.replace("experiment1/recording1/structure.oebin", "\"sample_rate\": 30000.0", with: "\"sample_rate\": 1e-300")
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "Neuropix-PXI-100.ProbeA-AP/sample_numbers.npy"), "\(problems)")
        #expect(error.message.contains("structure.oebin: continuous[0].sample_rate"))
    }

    /// A huge but finite rate gives a zero-length stream: mapped, with a warning at the rate.
    @Test func anAbsurdlyHighRateIsWarned() throws {
        let session = try EditedSession()
        try session.replace("experiment1/recording1/structure.oebin", "\"sample_rate\": 30000.0", with: "\"sample_rate\": 1e300")
        let mapped = try session.map()
        let warning = try #require(mapped.warnings.first { $0.message.contains("outside 1 Hz – 1 GHz") })
        #expect(warning.location?.jsonPath?.description == "continuous[0].sample_rate")
    }

    /// The rate of a start line in sync_messages.txt (used when structure.oebin has none).
    @Test(arguments: ["nan", "inf", "-inf", "0", "-30000"])
    func impossibleSyncRatesAreLocatedErrors(rate: String) throws {
        let session = try EditedSession()
        try session.replace("experiment1/recording1/structure.oebin", "\"sample_rate\": 30000.0", with: "\"rate_not_given\": 30000.0")
        try session.replace("experiment1/recording1/sync_messages.txt", "ProbeA-AP @ 30000 Hz", with: "ProbeA-AP @ \(rate) Hz")
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "experiment1/recording1/sync_messages.txt"), "\(problems)")
        #expect(error.location?.line == 2)
        #expect(error.message.contains("is not a sample rate"))
    }

    @Test func aTinySyncRateOverflowsTheDurationAndIsLocated() throws {
        let session = try EditedSession()
        try session.replace("experiment1/recording1/structure.oebin", "\"sample_rate\": 30000.0", with: "\"rate_not_given\": 30000.0")
        try session.replace("experiment1/recording1/sync_messages.txt", "ProbeA-AP @ 30000 Hz", with: "ProbeA-AP @ 1e-300 Hz")
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "Neuropix-PXI-100.ProbeA-AP/sample_numbers.npy"), "\(problems)")
        #expect(error.message.contains("recording1/sync_messages.txt:2"))
    }

    /// A STREAM's sample_rate in settings.xml is held to the same rule.
    @Test func aNonFiniteSettingsRateIsALocatedError() throws {
        let session = try EditedSession()
        try session.replace("settings.xml", "sample_rate=\"30000.0\"", with: "sample_rate=\"nan\"")
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "Record Node 101/settings.xml"), "\(problems)")
        #expect(error.location?.line != nil && error.location?.column != nil)
        #expect(error.message.contains("is not a sample rate"))
    }

    /// `Software Time` at Int64's ends: ms × 1000 overflowed (trap); one that fits but is past the year 9999 gave
    /// an error with no location.
    @Test(arguments: ["9223372036854775807", "-9223372036854775808", "9000000000000000000", "9000000000000000"])
    func softwareTimesOutOfRangeAreLocatedErrors(ms: String) throws {
        let session = try EditedSession()
        try session.replace("experiment1/recording1/sync_messages.txt", #"UTC\): \d+"#, with: "UTC): \(ms)", regex: true)
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "experiment1/recording1/sync_messages.txt"), "\(problems)")
        #expect(error.location?.line == 1)
        #expect(error.message.contains("Software Time \(ms) ms"))
    }

    /// `num_channels` 2^62 and no .npy: 2 bytes × channels overflowed (trap) when the length came from
    /// continuous.dat.
    @Test func aHugeChannelCountWithoutNPYFilesIsALocatedError() throws {
        let session = try EditedSession()
        for name in ["sample_numbers.npy", "timestamps.npy"] { try FileManager.default.removeItem(at: session.url("\(probeA)/\(name)")) }
        try session.replace("experiment1/recording1/structure.oebin", "\"num_channels\": 384", with: "\"num_channels\": 4611686018427387904")
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "experiment1/recording1/structure.oebin"), "\(problems)")
        #expect(error.location?.jsonPath?.description == "continuous[0].num_channels")
        #expect(error.message.contains("4611686018427387904"))
    }

    /// A later recording without Software Time is placed by first sample numbers: Int64.min and Int64.max made the
    /// subtraction overflow (trap); a difference whose µs overflow, or land past the year 9999, is refused too.
    @Test(arguments: [
        (Int64.min, Int64.max), (Int64.max, Int64.min), (0, Int64.max), (0, 9_000_000_000_000_000),
    ] as [(Int64, Int64)])
    func firstSamplesTooFarApartAreLocatedErrors(first: Int64, later: Int64) throws {
        let session = try EditedSession()
        try session.replace("experiment1/recording1/sync_messages.txt", "ProbeA-AP @ 30000 Hz: 899433", with: "ProbeA-AP @ 30000 Hz: \(first)")
        try session.edit("experiment1/recording2/sync_messages.txt") { text in
            text.replacingOccurrences(of: #"Software Time[^\n]*\n"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: "ProbeA-AP @ 30000 Hz: 1890603", with: "ProbeA-AP @ 30000 Hz: \(later)")
        }
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "experiment1/recording2/sync_messages.txt"), "\(problems)")
        #expect(error.location?.line == 1)
        #expect(error.message.contains("recording"))
    }

    /// The same placement with ordinary numbers still works (and is what the Software Time says, to the ms).
    @Test func aLaterRecordingIsStillPlacedByItsFirstSample() throws {
        let session = try EditedSession()
        try session.edit("experiment1/recording2/sync_messages.txt") { $0.replacingOccurrences(of: #"Software Time[^\n]*\n"#, with: "", options: .regularExpression) }
        let mapped = try session.map()
        let reference = try EditedSession().map()
        #expect(mapped.warned("no 'Software Time' line"))
        // (1890603 - 899433) samples at 30 kHz = 33.039 s after recording 1's 1719867600236 ms; Software Time: 33.039 s.
        #expect(instant(mapped.streams[0]["stream_end_time"]) == instant(reference.streams[0]["stream_end_time"]))
    }
}

/// Repeated garbage and oversized text.
@Suite struct EcephysHostileTextTests {
    /// Every garbage line of sync_messages.txt gave its own warning (a million lines: a million warnings).
    @Test func garbageSyncLinesAreSummarisedAfterTheFirstFive() throws {
        let session = try EditedSession()
        let file = session.url("experiment1/recording1/sync_messages.txt")
        // The file ends with a line break: the first added line is its number of line breaks + 1.
        let lines = try String(contentsOf: file, encoding: .utf8).unicodeScalars.filter { $0 == "\n" }.count + 1
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(String(repeating: "not a sync line\n", count: 10_000).utf8))
        try handle.close()
        let mapped = try session.map()
        let single = mapped.warnings.filter { $0.message == "line not understood; ignored" }
        #expect(single.map(\.location?.line) == (lines...(lines + 4)).map { $0 })
        let summary = mapped.warnings.filter { $0.message.contains("more lines not understood") }
        try #require(summary.count == 1)
        #expect(summary[0].message.contains("9995 more"))
        #expect(summary[0].message.contains("lines \(lines + 5)–\(lines + 9999)"))
        #expect(summary[0].location?.line == lines + 5)
    }

    /// Text fields over 64 KiB are refused where they are (never truncated: names identify devices).
    @Test(arguments: [
        ("settings.xml", "probe_serial_number=\"19192781851\"", "probe_serial_number=\"{}\""),
        ("settings.xml", "PROCESSOR name=\"Neuropix-PXI\"", "PROCESSOR name=\"{}\""),
        ("settings.xml", "MACHINE name=\"W10DT160816\"", "MACHINE name=\"{}\""),
        ("settings.xml", "<OS>Windows 10</OS>", "<OS>{}</OS>"),
        ("experiment1/recording1/structure.oebin", "\"stream_name\": \"ProbeA-AP\"", "\"stream_name\": \"{}\""),
        ("experiment1/recording1/sync_messages.txt", "Neuropix-PXI (100) - ProbeA-AP @", "Neuropix-PXI (100) - {} @"),
    ])
    func textOver64KiBIsRefusedWhereItIs(file: String, old: String, new: String) throws {
        let session = try EditedSession()
        let long = String(repeating: "x", count: 65_537)
        try session.replace(file, old, with: new.replacingOccurrences(of: "{}", with: long))
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "Record Node 101/\(file)"), "\(problems.prefix(3))")
        #expect(error.message.contains("65537 bytes long"))
        #expect(error.location?.line != nil || error.location?.jsonPath != nil)
    }

    /// A field of exactly 64 KiB is kept.
    @Test func textOfExactly64KiBIsKept() throws {
        let session = try EditedSession()
        let name = String(repeating: "n", count: 65_536)
        try session.replace("settings.xml", "<OS>Windows 10</OS>", with: "<OS>\(name)</OS>")
        let mapped = try session.map()
        #expect(mapped.component("W10DT160816")?["operating_system"]?.stringValue == name)
    }
}

/// Found by the map-ecephys fuzz target (Fuzz/targets/map-ecephys.swift): errors that named no file.
@Suite struct EcephysFuzzFindingTests {
    /// Replaces `continuous` in a structure.oebin (an edit that changes nothing fails the test).
    func setContinuous(_ session: EditedSession, _ path: String, _ value: JSONValue) throws {
        try session.edit(path) { text in
            guard case .object(var object)? = try? JSONParser.parse(text) else { return text }
            object["continuous"] = value
            return JSONWriter.referenceString(.object(object))
        }
    }

    /// `"continuous": 9223372036854775807` was read as "no stream recorded"; the mapping then failed with "experiment
    /// 1 recorded no probe's streams", naming no file. Anything but a list is now an error at its place.
    @Test(arguments: ["9223372036854775807", "{}", "\"ProbeA-AP\"", "null"])
    func aContinuousThatIsNotAListIsALocatedError(literal: String) throws {
        let session = try EditedSession()
        try setContinuous(session, "experiment1/recording1/structure.oebin", try JSONParser.parse(literal))
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.error(at: "experiment1/recording1/structure.oebin"), "\(problems)")
        #expect(error.location?.jsonPath?.description == "continuous")
        #expect(error.message.contains("continuous is not a list of streams"))
    }

    /// An experiment whose recordings list no stream of any probe: the error names the first recording's list.
    @Test func anExperimentWithoutProbeStreamsIsALocatedError() throws {
        let session = try EditedSession()
        for recording in ["recording1", "recording2"] { try setContinuous(session, "experiment1/\(recording)/structure.oebin", []) }
        let problems = thrownDiagnostics { _ = try session.map() }
        let error = try #require(problems.first { $0.severity == .error && $0.message.contains("recorded no probe's streams") }, "\(problems)")
        #expect(error.location?.file?.hasSuffix("Record Node 101/experiment1/recording1/structure.oebin") == true)
        #expect(error.location?.jsonPath?.description == "continuous")
        #expect(problems.filter { $0.severity == .error }.allSatisfy { $0.location?.file != nil })
    }
}
