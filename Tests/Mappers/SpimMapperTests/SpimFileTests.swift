import Foundation
import MetadataModel
import Testing

@testable import SpimMapper

let spimFixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

@Suite struct SmartSPIMFolderNameTests {
    @Test(arguments: [
        ("SmartSPIM_695464_2023-10-18_20-30-30", "695464", "2023-10-18T20:30:30"),
        ("SmartSPIM_819682-screen_2024-05-01_10-00-00", "819682-screen", "2024-05-01T10:00:00"),
        ("SmartSPIM_ab_12_2024-05-01_23-59-59", "ab_12", "2024-05-01T23:59:59"),
    ])
    func subjectIsEverythingBeforeTheStamp(name: String, subject: String, start: String) throws {
        let parsed = try #require(SmartSPIMFolderName(name))
        #expect(parsed.subject == subject)
        #expect(parsed.start.description == start)
    }

    @Test(arguments: ["SmartSPIM_2024-05-01_10-00-00", "SPIM_695464_2023-10-18_20-30-30", "SmartSPIM_695464_2023-10-18", "SmartSPIM_695464_2023-13-18_20-30-30", "SmartSPIM_695464_2023-10-18_20:30:30"])
    func otherNamesAreRefused(name: String) {
        #expect(SmartSPIMFolderName(name) == nil)
    }
}

@Suite struct ASILogTests {
    /// The two real excerpts differ only in their last line: 12:00:55 PM is noon, 12:00:55 AM is midnight (an earlier
    /// AIND parser read them the other way round).
    @Test(arguments: [("example_ASI_logging_afternoon.txt", "2023-10-19T12:00:55"), ("example_ASI_logging_morning.txt", "2023-10-19T00:00:55")])
    func twelveOClockIsReadRight(file: String, expected: String) throws {
        let bytes = try Data(contentsOf: spimFixtures.appendingPathComponent("real/\(file)"))
        let last = try #require(ASILog.lastTimestamp(in: Array(bytes)[...]))
        #expect(last.timestamp.description == expected)
        #expect(last.skippedLines == 0)
    }

    @Test func trailingLinesWithoutTimestampsCRLFAndForeignBytesAreSkipped() throws {
        var bytes = Array("5/1/2024 11:59:58 PM\tSAM v=0 w=0\t\r\n\r\n5/2/2024 1:02:03 AM\t#Files\t3339\r\n".utf8)
        bytes += [0xB5, 0xFF, 0x0D, 0x0A] + Array("garbage\r\n  \r\n".utf8)
        let last = try #require(ASILog.lastTimestamp(in: bytes[...]))
        #expect(last.timestamp.description == "2024-05-02T01:02:03")
        #expect(last.skippedLines == 2)
        #expect(ASILog.lastTimestamp(in: Array("no time here\n\n".utf8)[...]) == nil)
        #expect(ASILog.lastTimestamp(in: [][...]) == nil)
        #expect(ASILog.timestamp(Array("13/1/2024 1:00:00 PM".utf8)[...]) == nil)
        #expect(ASILog.timestamp(Array("1/1/2024 13:00:00 PM".utf8)[...]) == nil)
        #expect(ASILog.timestamp(Array("1/1/2024 0:00:00 AM".utf8)[...]) == nil)
    }
}

@Suite struct SmartSPIMKeyTests {
    @Test(arguments: ["µm/pix", "μm/pix", "\u{FFFD}m/pix", "um/pix", "m/pix", "UM/PIX"])
    func everySpellingOfThePixelSizeIsOneKey(key: String) {
        #expect(SmartSPIMMetadata.normalise(key) == "um/pix")
    }

    @Test(arguments: ["Z step (µm)", "Z step (μm)", "Z step (um)", "Z step (m)", "z_step_um", "Z step (\u{FFFD}m)"])
    func everySpellingOfTheZStepIsOneKey(key: String) {
        #expect(SmartSPIMMetadata.normalise(key) == "zstepum")
    }
}
