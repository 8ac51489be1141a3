import Foundation
import MetadataModel
import Testing

@Suite struct TimestampTests {
    @Test func parsesAndPrintsAsPydantic() throws {
        let cases: [(String, String)] = [
            ("2025-08-15 01:52:59.5-04:00", "2025-08-15T01:52:59.500000-04:00"),
            ("2025-06-15 02:01:33.275046Z", "2025-06-15T02:01:33.275046Z"),
            ("2025-08-15T02:32:59.275046+00:00", "2025-08-15T02:32:59.275046Z"),
            ("2025-08-15 02:16:23+05:30", "2025-08-15T02:16:23+05:30"),
            ("2025-01-14 04:50:56.000001+05:30", "2025-01-14T04:50:56.000001+05:30"),
            ("2025-01-14T04:50:56.000000-0800", "2025-01-14T04:50:56-08:00"),
            ("2024-02-29T23:59:59.999999+14:00", "2024-02-29T23:59:59.999999+14:00"),
        ]
        for (text, expected) in cases {
            #expect(try Timestamp(parsing: text).description == expected, "\(text)")
        }
    }

    @Test func keepsMicrosecondsAndOffsetThatDateWouldLose() throws {
        let t = try Timestamp(parsing: "2025-07-18T12:32:35.275046-07:00")
        #expect(t.microsecond == 275_046)
        #expect(t.utcOffsetSeconds == -25_200)
        #expect(t.epochMicroseconds == 1_752_867_155_275_046)
    }

    @Test func rejectsMalformedText() {
        for text in [
            "2025-02-30T00:00:00Z", "2025-13-01T00:00:00Z", "2025-01-01", "2025-01-01T25:00:00Z",
            "2025-01-01T00:00:00.1234567Z", "2025-01-01T00:00:00+24:00", "2025-01-01T00:00:00 PST", "yesterday",
            "2023-02-29T00:00:00Z",
        ] {
            #expect(throws: Timestamp.Error.self, "\(text)") { try Timestamp(parsing: text) }
        }
    }

    @Test func comparesByInstantNotByText() throws {
        let a = try Timestamp(parsing: "2025-01-01T10:00:00+05:30")  // 04:30Z
        let b = try Timestamp(parsing: "2025-01-01T05:00:00Z")
        #expect(Timestamp.compareInstants(a, b) == .orderedAscending)
        #expect(Timestamp.compareInstants(try Timestamp(parsing: "2025-01-01T00:00:00-08:00"), try Timestamp(parsing: "2025-01-01T08:00:00Z")) == .orderedSame)
        #expect(Timestamp.compareInstants(try Timestamp(parsing: "2025-01-01T00:00:00"), b) == nil)
    }

    @Test func derivedTimeZoneFloorsFixedOffsetsToHours() throws {
        #expect(try Timestamp(parsing: "2025-08-15 02:16:23+05:30").derivedTimeZone == .int(5))
        #expect(try Timestamp(parsing: "2025-08-15 02:16:23-03:30").derivedTimeZone == .int(-4))
        #expect(try Timestamp(parsing: "2025-08-15 02:16:23-08:00").derivedTimeZone == .int(-8))
        #expect(try Timestamp(parsing: "2025-08-15 02:16:23Z").derivedTimeZone == .int(0))
        let named = try Timestamp(parsing: "2025-08-15 02:16:23").resolved(in: "America/Los_Angeles")
        #expect(named.derivedTimeZone == .string("America/Los_Angeles"))
    }

    @Test func naiveTimestampsResolveInTheNamedZoneAcrossDST() throws {
        let la = "America/Los_Angeles"
        #expect(try Timestamp(parsing: "2025-01-15 12:00:00").resolved(in: la).description == "2025-01-15T12:00:00-08:00")
        #expect(try Timestamp(parsing: "2025-07-15 12:00:00.25").resolved(in: la).description == "2025-07-15T12:00:00.250000-07:00")
        // 2025-03-09 02:30 does not exist in Los Angeles: the offset before the change (-08:00), as Python's fold=0.
        #expect(try Timestamp(parsing: "2025-03-09 02:30:00").resolved(in: la).description == "2025-03-09T02:30:00-08:00")
        // 2025-11-02 01:30 happens twice: the first (PDT, -07:00), as Python's fold=0.
        #expect(try Timestamp(parsing: "2025-11-02 01:30:00").resolved(in: la).description == "2025-11-02T01:30:00-07:00")
        #expect(try Timestamp(parsing: "2025-11-02 02:30:00").resolved(in: la).description == "2025-11-02T02:30:00-08:00")
        #expect(try Timestamp(parsing: "2025-06-01 09:00:00").resolved(in: "Asia/Kolkata").description == "2025-06-01T09:00:00+05:30")
        #expect(throws: Timestamp.Error.self) { try Timestamp(parsing: "2025-06-01 09:00:00").resolved(in: "Mars/Olympus") }
    }

    @Test func resolvingAnAwareTimestampChangesNothing() throws {
        let t = try Timestamp(parsing: "2025-06-01T09:00:00+02:00")
        #expect(try t.resolved(in: "America/Los_Angeles") == t)
    }
}
