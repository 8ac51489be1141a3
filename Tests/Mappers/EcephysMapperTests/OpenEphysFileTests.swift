import Foundation
import MetadataModel
import RigMapperCore
import Testing

@testable import EcephysMapper

@Suite struct OpenEphysDateTests {
    @Test(arguments: [
        ("5 Mar 2024 9:05:03", "2024-03-05T09:05:03"),
        ("10 Jan 2025 0:00:05", "2025-01-10T00:00:05"),
        ("04 Apr 2023 10:37:28", "2023-04-04T10:37:28"),
        ("8 Nov 2023 8:51:06", "2023-11-08T08:51:06"),
        ("21 november 2023 12:29:21", "2023-11-21T12:29:21"),
    ])
    func readsTheFormsJUCEAndPeopleWrite(text: String, expected: String) throws {
        let date = try #require(OpenEphysDate.parse(text))
        #expect(date.description == expected)
        #expect(date.isNaive)
    }

    @Test(arguments: ["2024-03-05 09:05:03", "5 Mrz 2024 9:05:03", "5 Mar 24 9:05:03", "31 Feb 2024 9:05:03", "5 Mar 2024 9:5:3", "5 Mar 2024 25:00:00", ""])
    func refusesWhatIsNotOne(text: String) {
        #expect(OpenEphysDate.parse(text) == nil)
    }
}

@Suite struct SyncMessagesTests {
    @Test func readsSoftwareTimeAndStartsWithCRLF() throws {
        let text = "Software Time (milliseconds since midnight Jan 1st 1970 UTC): 1709658303142\r\n"
            + "Start Time for Neuropix-PXI (100) - ProbeA-AP @ 30000 Hz: 900259\r\n"
            + "Start Time for OneBox (111) - OneBox-ADC @ 30300.5 Hz: -12\r\n"
            + "Start Time for My (odd) Source (7) - ch @ 2500 Hz: 0\r\n"
        let sync = SyncMessages(text)
        #expect(sync.softwareTimeMilliseconds == 1_709_658_303_142)
        #expect(sync.softwareTimeLine == 1)
        try #require(sync.starts.map(\.streamName) == ["ProbeA-AP", "OneBox-ADC", "ch"])
        #expect(sync.starts.map(\.processorID) == ["100", "111", "7"])
        #expect(sync.starts[2].processorName == "My (odd) Source")
        #expect(sync.starts[1].sampleRate == 30300.5)
        #expect(sync.starts[1].firstSample == -12)
        #expect(sync.unknownLines.isEmpty)
    }

    @Test func legacyTicksAreNotAWallClockAndUnknownLinesAreCounted() {
        let sync = SyncMessages("Software time: 123456789@10000000Hz\nProcessor: Neuropix-PXI Id: 100 subProcessor: 0 start time: 2340448@30000Hz\ngarbage\n\n")
        #expect(sync.softwareTimeMilliseconds == nil)
        #expect(sync.hasLegacyTicks)
        #expect(sync.unknownLines == [3])
    }

    /// Found by fuzzing: a start line whose rate is missing (`… @ Hz:`) crashed the reader.
    @Test func aStartLineWithoutARateIsUnknownNotACrash() {
        let sync = SyncMessages("Start Time for Neuropix-PXI (100) - ProbeB-LFP @ Hz: 75009\r\nStart Time for X (1) - Y @ 3 Hz: oops\r\n")
        #expect(sync.starts.isEmpty)
        #expect(sync.unknownLines == [1, 2])
    }
}

@Suite struct NPYHeaderTests {
    /// A NumPy 1.0 header as numpy writes it: padded with spaces to a multiple of 64 bytes, ending in a newline.
    static func npy(_ dict: String, version: UInt8 = 1, values: [Int64] = []) -> [UInt8] {
        let prefixLength = version == 1 ? 10 : 12
        var text = dict
        while (prefixLength + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        let length = text.utf8.count
        bytes += version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)] : [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), 0, 0]
        bytes += Array(text.utf8)
        for value in values { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        return bytes
    }

    @Test func readsShapeAndTypeOfVersions1And2() throws {
        for version: UInt8 in [1, 2] {
            let bytes = NPYHeaderTests.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1800000,), }", version: version, values: [900259])
            let header = try NPYHeader(bytes)
            #expect(header.descr == "<i8")
            #expect(header.shape == [1_800_000])
            #expect(!header.fortranOrder)
            #expect(header.dataOffset % 64 == 0)
            #expect(header.itemSize == 8)
        }
        let matrix = try NPYHeader(NPYHeaderTests.npy("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 4), }"))
        #expect(matrix.shape == [3, 4])
        #expect(matrix.fortranOrder)
    }

    @Test func truncatedOrForeignFilesAreLocatedErrors() {
        let whole = NPYHeaderTests.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }")
        #expect(throws: OpenEphysFileError.self) { try NPYHeader(Array(whole.prefix(40))) }
        #expect(throws: OpenEphysFileError.self) { try NPYHeader(Array("PK\u{3}\u{4} not numpy at all".utf8)) }
        #expect(throws: OpenEphysFileError.self) { try NPYHeader(NPYHeaderTests.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (-5,), }")) }
        #expect(throws: OpenEphysFileError.self) { try NPYHeader(NPYHeaderTests.npy("{'fortran_order': False, 'shape': (5,), }")) }
        do {
            _ = try NPYHeader(Array(whole.prefix(40)))
        } catch {
            #expect(error.byteOffset == 40)
        }
    }
}

@Suite struct StreamNameTests {
    @Test func probeNamesAreStreamNamesWithoutBandOrShankSuffixes() {
        #expect(EcephysMapping.streamPrefix("ProbeA-AP", quadBase: false) == "ProbeA")
        #expect(EcephysMapping.streamPrefix("ProbeA-LFP", quadBase: false) == "ProbeA")
        #expect(EcephysMapping.streamPrefix("ProbeD", quadBase: false) == "ProbeD")
        #expect(EcephysMapping.streamPrefix("50213-3", quadBase: true) == "50213")
        #expect(EcephysMapping.streamPrefix("23207205101-1", quadBase: false) == "23207205101-1")
        #expect(EcephysMapping.streamPrefix("-AP", quadBase: false) == "-AP")
    }

    @Test(arguments: [
        ("700001_2024-03-05_09-04-33", "700001"),
        ("ecephys_684810_2023-10-13_15-11-47", "684810"),
        ("684810_2023-10-13_15-11-47 (1)", "684810"),
        ("1312632445_366122_20231121", "366122"),
    ])
    func subjectsFromAINDFolderNames(folder: String, subject: String) {
        #expect(EcephysMapping.subject(fromFolderName: folder)?.subject == subject)
    }

    @Test(arguments: ["Record Node 101", "ecephys_clipped", "2024-03-05_09-04-33", "session"])
    func noSubjectInOtherFolderNames(folder: String) {
        #expect(EcephysMapping.subject(fromFolderName: folder) == nil)
    }
}

@Suite struct WallClockPlacementTests {
    @Test func fallBackHourIsAmbiguousSpringForwardHourIsSkipped() throws {
        let ambiguous = try Timestamp(year: 2024, month: 11, day: 3, hour: 1, minute: 30, utcOffsetSeconds: nil)
        #expect(try ambiguous.placement(in: "America/Los_Angeles") == .ambiguous(earlierOffsetSeconds: -7 * 3600, laterOffsetSeconds: -8 * 3600))
        let skipped = try Timestamp(year: 2024, month: 3, day: 10, hour: 2, minute: 30, utcOffsetSeconds: nil)
        #expect(try skipped.placement(in: "America/Los_Angeles") == .skipped(offsetBeforeSeconds: -8 * 3600))
        let plain = try Timestamp(year: 2024, month: 3, day: 5, hour: 9, minute: 5, second: 3, utcOffsetSeconds: nil)
        #expect(try plain.placement(in: "America/Los_Angeles") == .unique(offsetSeconds: -8 * 3600))
        #expect(try plain.placement(in: "Etc/UTC") == .unique(offsetSeconds: 0))
    }
}

@Suite struct OpenEphysHostileFileTests {
    /// A million garbage lines kept a million line numbers and gave a million warnings: the first five are kept,
    /// the rest counted, with the first and last of them.
    @Test func unknownSyncLinesAreCountedNotKept() {
        let text = "Software Time (milliseconds since midnight Jan 1st 1970 UTC): 1709658303142\n" + String(repeating: "garbage\n", count: 1000)
        let sync = SyncMessages(text)
        #expect(sync.unknownLines == [2, 3, 4, 5, 6])
        #expect(sync.unknownLineCount == 1000)
        #expect(sync.moreUnknownLines == 7...1001)
        #expect(sync.softwareTimeMicroseconds == 1_709_658_303_142_000)
        #expect(SyncMessages("a\nb\n").moreUnknownLines == nil)
    }

    @Test func unusableValuesInKnownLinesAreInvalidNotUnknown() {
        let sync = SyncMessages(
            "Software Time (milliseconds since midnight Jan 1st 1970 UTC): 9223372036854775807\r\n"
                + "Start Time for Neuropix-PXI (100) - ProbeA-AP @ nan Hz: 1\r\n"
                + "Start Time for Neuropix-PXI (100) - ProbeB-AP @ -inf Hz: 1\r\n"
                + "Start Time for Neuropix-PXI (100) - ProbeC-AP @ 0 Hz: 1\r\n"
                + "Start Time for Neuropix-PXI (100) - \(String(repeating: "x", count: 65_537)) @ 30000 Hz: 1\r\n"
                + "Start Time for Neuropix-PXI (100) - ProbeD-AP @ 30000 Hz: 9223372036854775807\r\n")
        #expect(sync.softwareTimeMilliseconds == nil && sync.softwareTimeMicroseconds == nil)
        #expect(sync.invalid.map(\.line) == [1, 2, 3, 4, 5])
        #expect(sync.invalid[0].message.contains("overflows"))
        #expect(sync.invalid[4].message.contains("65537 bytes long"))
        #expect(sync.starts.map(\.streamName) == ["ProbeD-AP"])
        #expect(sync.unknownLines.isEmpty)
    }

    @Test func textFieldsUpTo64KiBAreKept() throws {
        let limit = OpenEphysLimits.maximumTextBytes
        #expect(limit == 65_536)
        #expect(try OpenEphysLimits.text(String(repeating: "é", count: limit / 2), "x") == String(repeating: "é", count: limit / 2))
        #expect(throws: OpenEphysFileError.self) { try OpenEphysLimits.text(String(repeating: "é", count: limit / 2) + "a", "x") }
    }

    @Test func npyShapesWhoseBytesOverflowHaveNoByteCount() throws {
        let huge = try NPYHeader(NPYHeaderTests.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (9223372036854775807,), }"))
        #expect(huge.shape == [Int64.max])
        #expect(huge.dataByteCount == nil)
        let bytes = NPYHeaderTests.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (300,), }")
        let plain = try NPYHeader(bytes)
        #expect(plain.dataByteCount == 2400)
        #expect(bytes[plain.shapeOffset] == UInt8(ascii: "("))
        #expect(try NPYHeader(NPYHeaderTests.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (0,), }")).dataByteCount == 0)
    }

    /// Attribute names that differ only in case: the first in the file, every time (a dictionary's order decided).
    @Test func probeAttributesDifferingInCaseTakeTheFirst() throws {
        let root = try XML.parse(
            """
            <SETTINGS><SIGNALCHAIN><PROCESSOR name="Neuropix-PXI" nodeId="100">
            <NP_PROBE slot="2" Slot="9" probe_serial_number="A" Probe_Serial_Number="B" PROBE_SERIAL_NUMBER="C"/>
            </PROCESSOR></SIGNALCHAIN></SETTINGS>
            """)
        let probe = try #require(try OpenEphysSettings(root).processors.first?.probes.first)
        #expect(probe.serialNumber == "A")
        #expect(probe.slot == 2)
    }

    @Test func aProcessorNameOver64KiBIsLocated() throws {
        let root = try XML.parse("<SETTINGS>\n<SIGNALCHAIN>\n<PROCESSOR name=\"\(String(repeating: "p", count: 70_000))\"/></SIGNALCHAIN></SETTINGS>")
        do {
            _ = try OpenEphysSettings(root)
            Issue.record("a 70,000-byte processor name was accepted")
        } catch {
            #expect(error.line == 3 && error.column == 1)
            #expect(error.message.contains("70000 bytes long"))
        }
    }

    /// Experiment → settings file: its own, else the latest earlier one, else the first (a binary search now).
    @Test func settingsForAnExperiment() throws {
        let settings = try OpenEphysSettings(XML.parse("<SETTINGS/>"))
        let files = Dictionary(uniqueKeysWithValues: [2, 5, 9].map { ($0, EcephysSession.SettingsFile(path: "settings_\($0).xml", settings: settings)) })
        let node = EcephysSession.RecordNode(path: "n", name: "n", settings: files, experiments: [])
        let chosen = [1, 2, 4, 5, 7, 9, 100, Int.min, Int.max].map { node.settings(forExperiment: $0)?.path }
        #expect(chosen == ["settings_2.xml", "settings_2.xml", "settings_2.xml", "settings_5.xml", "settings_5.xml", "settings_9.xml", "settings_9.xml", "settings_2.xml", "settings_9.xml"])
        #expect(EcephysSession.RecordNode(path: "n", name: "n", settings: [:], experiments: []).settings(forExperiment: 1) == nil)
    }

    @Test func offsetsAreWrittenWithTwoDigitHours() {
        #expect(EcephysMapping.offsetText(-8 * 3600) == "-08:00")
        #expect(EcephysMapping.offsetText(5 * 3600 + 45 * 60) == "+05:45")
        #expect(EcephysMapping.offsetText(0) == "+00:00")
        #expect(EcephysMapping.offsetText(-123 * 3600) == "-123:00")
        #expect(EcephysMapping.offsetText(Int.min).hasPrefix("-"))
    }

    @Test func durationsThatDoNotFitAreNil() {
        #expect(EcephysTime.microseconds(1_800_000, rate: 30000) == 60_000_000)
        #expect(EcephysTime.microseconds(Int64.max, rate: 30000) == nil)
        #expect(EcephysTime.microseconds(300, rate: 1e-300) == nil)
        #expect(EcephysTime.adding(1, to: EcephysTime.presentable.upperBound) == nil)
        #expect(EcephysTime.adding(Int64.max, to: 1) == nil)
        #expect(EcephysTime.instant(localSeconds: Int64.max, offsetSeconds: -3600) == nil)
        #expect(EcephysTime.instant(localSeconds: 1_709_629_503, offsetSeconds: -8 * 3600) == 1_709_658_303_000_000)
    }
}
