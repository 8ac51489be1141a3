import Foundation

/// A timestamp that keeps microseconds and the UTC offset it was written with.
///
/// Foundation's `Date` keeps neither (it is a `Double` of seconds, with no offset), so RigMapper carries times as
/// `Timestamp`s from input to output. Parsing accepts ISO 8601 with `T` or a space between date and time, `Z` or
/// `±HH:MM` (also `±HHMM`), and 0–6 fraction digits. Printing follows pydantic: six fraction digits when the
/// microseconds are not zero, none when they are, and `Z` for a zero offset.
///
/// A timestamp written without an offset is *naive*. It is never given the host's zone: call
/// ``resolved(in:)`` with the IANA zone the job declares, or treat it as an error.
public struct Timestamp: Sendable, Hashable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int
    /// 0 ... 999 999.
    public let microsecond: Int
    /// Seconds east of UTC; `nil` for a naive timestamp.
    public let utcOffsetSeconds: Int?
    /// The IANA zone the offset was taken from, when the timestamp was resolved in a named zone.
    public let zoneIdentifier: String?

    /// A problem with a timestamp's text or zone.
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String { "invalid timestamp \"\(text)\": \(reason)" }
    }

    /// Makes a timestamp from its fields, checking each range.
    public init(
        year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
        microsecond: Int = 0, utcOffsetSeconds: Int?, zoneIdentifier: String? = nil
    ) throws(Error) {
        let text = "\(year)-\(month)-\(day) \(hour):\(minute):\(second)"
        guard (1...9999).contains(year) else { throw Error(text: text, reason: "year out of range 1...9999") }
        guard (1...12).contains(month) else { throw Error(text: text, reason: "month out of range 1...12") }
        guard (1...Timestamp.daysIn(month: month, year: year)).contains(day) else {
            throw Error(text: text, reason: "day \(day) does not exist in \(year)-\(month < 10 ? "0" : "")\(month)")
        }
        guard (0...23).contains(hour) else { throw Error(text: text, reason: "hour out of range 0...23") }
        guard (0...59).contains(minute) else { throw Error(text: text, reason: "minute out of range 0...59") }
        guard (0...59).contains(second) else { throw Error(text: text, reason: "second out of range 0...59") }
        guard (0...999_999).contains(microsecond) else { throw Error(text: text, reason: "microsecond out of range") }
        if let offset = utcOffsetSeconds, abs(offset) >= 86_400 {
            throw Error(text: text, reason: "UTC offset must be less than 24 hours")
        }
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
        self.utcOffsetSeconds = utcOffsetSeconds
        self.zoneIdentifier = zoneIdentifier
    }

    /// Parses ISO 8601 text (see the type's documentation for the accepted forms).
    public init(parsing text: String) throws(Error) {
        let b = Array(text.utf8)
        var i = 0
        func fail(_ reason: String) -> Error { Error(text: text, reason: reason) }
        func digits(_ n: Int, _ what: String) throws(Error) -> Int {
            guard i + n <= b.count else { throw fail("expected \(n) digits for \(what)") }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30 && c <= 0x39 else { throw fail("expected \(n) digits for \(what)") }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8, _ what: String) throws(Error) {
            guard i < b.count, b[i] == c else { throw fail("expected \(what)") }
            i += 1
        }
        let year = try digits(4, "the year")
        try expect(UInt8(ascii: "-"), "'-' after the year")
        let month = try digits(2, "the month")
        try expect(UInt8(ascii: "-"), "'-' after the month")
        let day = try digits(2, "the day")
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "t") else {
            throw fail(i < b.count ? "expected 'T' or a space between date and time" : "a time of day is required")
        }
        i += 1
        let hour = try digits(2, "the hour")
        try expect(UInt8(ascii: ":"), "':' after the hour")
        let minute = try digits(2, "the minute")
        var second = 0
        var micro = 0
        if i < b.count, b[i] == UInt8(ascii: ":") {
            i += 1
            second = try digits(2, "the second")
            if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
                i += 1
                var n = 0
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                    guard n < 6 else { throw fail("more than 6 fraction digits (microseconds are the limit)") }
                    micro = micro * 10 + Int(b[i] - 0x30)
                    n += 1
                    i += 1
                }
                guard n > 0 else { throw fail("expected digits after the decimal point") }
                for _ in n..<6 { micro *= 10 }
            }
        }
        var offset: Int? = nil
        if i < b.count {
            switch b[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                offset = 0
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                let oh = try digits(2, "the offset hours")
                if i < b.count, b[i] == UInt8(ascii: ":") { i += 1 }
                let om = try digits(2, "the offset minutes")
                guard oh < 24, om < 60 else { throw fail("UTC offset out of range") }
                offset = sign * (oh * 3600 + om * 60)
            default:
                throw fail("unexpected character after the time; expected 'Z' or an offset like +05:30")
            }
        }
        guard i == b.count else { throw fail("unexpected characters after the UTC offset") }
        do {
            try self.init(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                microsecond: micro, utcOffsetSeconds: offset)
        } catch {
            throw fail(error.reason)
        }
    }

    /// The instant `epochMicroseconds` (since 1970-01-01T00:00:00Z) as the wall clock of an IANA zone shows it (its
    /// offset at that instant), or in UTC when `zoneIdentifier` is `nil`.
    public init(epochMicroseconds: Int64, zoneIdentifier: String?) throws(Error) {
        // Years 1 to 9999 (with a day to spare on each side for the zone's offset): outside, the arithmetic below
        // would overflow, and no such time can be written anyway.
        guard (-62_135_683_200_000_000...253_402_387_199_999_999).contains(epochMicroseconds) else {
            throw Error(text: "\(epochMicroseconds) µs", reason: "the instant lies outside the years 1 to 9999")
        }
        var offset = 0
        if let zoneIdentifier {
            guard TimeZoneNames.isIANA(zoneIdentifier), let zone = TimeZone(identifier: zoneIdentifier) else {
                throw Error(text: "\(epochMicroseconds) µs", reason: "unknown IANA time zone \"\(zoneIdentifier)\"")
            }
            let seconds = epochMicroseconds >= 0 ? epochMicroseconds / 1_000_000 : (epochMicroseconds - 999_999) / 1_000_000
            offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        }
        let local = epochMicroseconds + Int64(offset) * 1_000_000
        let micro = Int(((local % 1_000_000) + 1_000_000) % 1_000_000)
        let totalSeconds = (local - Int64(micro)) / 1_000_000
        let days = Int(totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400)
        let secondOfDay = Int(totalSeconds - Int64(days) * 86_400)
        let (year, month, day) = Timestamp.civil(fromDays: days)
        try self.init(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60, second: secondOfDay % 60,
            microsecond: micro, utcOffsetSeconds: offset, zoneIdentifier: zoneIdentifier)
    }

    /// The same instant shown in another zone (`nil`: UTC); a naive timestamp is returned as is.
    public func converted(to zoneIdentifier: String?) throws(Error) -> Timestamp {
        guard let instant = epochMicroseconds else { return self }
        return try Timestamp(epochMicroseconds: instant, zoneIdentifier: zoneIdentifier)
    }

    /// The same instant with a fixed UTC offset (no zone name).
    public func withOffset(_ seconds: Int) throws(Error) -> Timestamp {
        guard let instant = epochMicroseconds else { return self }
        let (micros, overflowA) = Int64(seconds).multipliedReportingOverflow(by: 1_000_000)
        let (local, overflowB) = instant.addingReportingOverflow(micros)
        guard !overflowA, !overflowB else { throw Error(text: description, reason: "an offset of \(seconds) s cannot be applied") }
        let shifted = try Timestamp(epochMicroseconds: local, zoneIdentifier: nil)
        return try Timestamp(
            year: shifted.year, month: shifted.month, day: shifted.day, hour: shifted.hour, minute: shifted.minute, second: shifted.second,
            microsecond: shifted.microsecond, utcOffsetSeconds: seconds)
    }

    /// `true` when the text carried no UTC offset.
    public var isNaive: Bool { utcOffsetSeconds == nil }

    /// Microseconds since 1970-01-01T00:00:00Z; `nil` for a naive timestamp.
    public var epochMicroseconds: Int64? {
        guard let offset = utcOffsetSeconds else { return nil }
        return localEpochMicroseconds - Int64(offset) * 1_000_000
    }

    /// The wall-clock fields read as if they were UTC, in microseconds since the epoch (whatever the offset):
    /// subtract an offset to get the instant.
    public var localEpochMicroseconds: Int64 {
        let days = Int64(Timestamp.daysFromCivil(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return seconds * 1_000_000 + Int64(microsecond)
    }

    /// This wall-clock time placed in an IANA zone (DST-correct); an already aware timestamp is returned as is.
    ///
    /// A wall time that occurs twice (the hour a clock turns back) takes the first, earlier occurrence, and a
    /// wall time skipped by a clock turning forward takes the offset in force before the change; both as Python's
    /// `datetime.replace(tzinfo=ZoneInfo(...))` does.
    public func resolved(in zoneIdentifier: String) throws(Error) -> Timestamp {
        guard isNaive else { return self }
        let offset: Int
        switch try placement(in: zoneIdentifier) {
        case .unique(let only): offset = only
        case .ambiguous(let earlier, _): offset = earlier  // the larger offset gives the earlier instant
        case .skipped(let before): offset = before
        }
        return try Timestamp(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second,
            microsecond: microsecond, utcOffsetSeconds: offset, zoneIdentifier: zoneIdentifier)
    }

    /// Where a wall-clock time falls in a zone: once, twice (the hour a clock turns back), or never (skipped by a
    /// clock turning forward).
    public enum Placement: Sendable, Hashable {
        /// The one UTC offset the zone has at this wall time.
        case unique(offsetSeconds: Int)
        /// The wall time happens twice: first with `earlierOffsetSeconds`, then with `laterOffsetSeconds`.
        case ambiguous(earlierOffsetSeconds: Int, laterOffsetSeconds: Int)
        /// The wall time never happens; `offsetBeforeSeconds` is the offset in force before the change.
        case skipped(offsetBeforeSeconds: Int)
    }

    /// How this wall-clock time (its fields, whatever its offset) falls in an IANA zone.
    public func placement(in zoneIdentifier: String) throws(Error) -> Placement {
        guard TimeZoneNames.isIANA(zoneIdentifier), let zone = TimeZone(identifier: zoneIdentifier) else {
            throw Error(text: description, reason: "unknown IANA time zone \"\(zoneIdentifier)\"")
        }
        let local = localEpochMicroseconds / 1_000_000  // seconds, wall time read as UTC
        func offset(at utcSeconds: Int64) -> Int {
            zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcSeconds)))
        }
        // Offsets in force a little before and after: the candidates for this wall time.
        let before = offset(at: local - 86_400)
        let after = offset(at: local + 86_400)
        var valid: [Int] = []
        for candidate in [before, after] where !valid.contains(candidate) {
            if offset(at: local - Int64(candidate)) == candidate { valid.append(candidate) }
        }
        switch valid.count {
        case 0: return .skipped(offsetBeforeSeconds: before)
        case 1: return .unique(offsetSeconds: valid[0])
        default: return .ambiguous(earlierOffsetSeconds: valid.max() ?? before, laterOffsetSeconds: valid.min() ?? after)
        }
    }

    /// The text pydantic writes for this timestamp, e.g. `2025-07-18T12:32:35.275046-07:00`.
    public var description: String {
        var s = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        if microsecond != 0 { s += "." + pad(microsecond, 6) }
        if let offset = utcOffsetSeconds {
            if offset == 0 {
                s += "Z"
            } else {
                let a = abs(offset)
                s += (offset < 0 ? "-" : "+") + pad(a / 3600, 2) + ":" + pad(a % 3600 / 60, 2)
            }
        }
        return s
    }

    /// The calendar date of the wall-clock fields, `YYYY-MM-DD` (an instrument's `modification_date`).
    public var isoDate: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }

    /// The `acquisition_start_tz` aind-data-schema derives: the IANA name when the zone is named, else the
    /// UTC offset in whole hours rounded down (`+05:30` → `5`, `-03:30` → `-4`).
    public var derivedTimeZone: JSONValue {
        if let zoneIdentifier { return .string(zoneIdentifier) }
        guard let offset = utcOffsetSeconds else { return .null }
        return .int(Timestamp.wholeHoursRoundedDown(offset))
    }

    /// `seconds` in whole hours, rounded toward minus infinity (`-12600` → `-4`), as Python's `//` rounds.
    public static func wholeHoursRoundedDown(_ seconds: Int) -> Int {
        let (quotient, remainder) = seconds.quotientAndRemainder(dividingBy: 3600)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// Compares two aware timestamps by instant; `nil` when either is naive.
    public static func compareInstants(_ a: Timestamp, _ b: Timestamp) -> ComparisonResult? {
        guard let x = a.epochMicroseconds, let y = b.epochMicroseconds else { return nil }
        return x < y ? .orderedAscending : (x > y ? .orderedDescending : .orderedSame)
    }

    private func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's algorithm).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension JSONValue {
    /// A timestamp written as pydantic writes a datetime.
    public static func timestamp(_ value: Timestamp?) -> JSONValue {
        value.map { .string($0.description) } ?? .null
    }
}

/// IANA time-zone names, checked against the zone database itself.
///
/// Foundation accepts more than zone names (`GMT+5` is read as a fixed offset, with the sign the other way round
/// from the IANA `Etc/GMT+5`) and the name of a zone long removed (`US/Pacific-New`); a job's `timezone` must name a
/// zone of the database, as Python's `zoneinfo` reads it, so the same job means the same zone everywhere.
public enum TimeZoneNames {
    /// Where the database is: `$TZDIR`, else the system's.
    static var directories: [String] {
        var out: [String] = []
        if let dir = ProcessEnvironment.value("TZDIR"), !dir.isEmpty { out.append(dir) }
        out += ["/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo"]
        return out
    }

    /// Whether `name` is a zone of the IANA database (a TZif file under the zoneinfo folder), such as
    /// `America/Los_Angeles`, `UTC` or `Etc/GMT+5`. `localtime` (the host's zone) is never one, nor are the
    /// `posix/…` and `right/…` copies some systems install (``variantPrefix(_:)``).
    public static func isIANA(_ name: String) -> Bool {
        guard !name.isEmpty, name != "localtime", name != "posixrules", variantPrefix(name) == nil, !name.hasPrefix("/"), !name.split(separator: "/").contains(".."),
            name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/_+-".unicodeScalars.contains($0)) })
        else { return false }
        // The first four bytes, read with POSIX calls: FileHandle and Data cost 0.7 M instructions the first time.
        for directory in directories {
            let descriptor = open(directory + "/" + name, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            var magic = [UInt8](repeating: 0, count: 4)
            if read(descriptor, &magic, 4) == 4, magic == Array("TZif".utf8) { return true }
        }
        return false
    }

    /// `posix/` or `right/` when `name` starts with one: folders of the zoneinfo tree that hold copies of the zones
    /// (`right/` with leap seconds counted), which Python's `zoneinfo`, and so the reference, does not resolve the
    /// same way. The zone is the name without it.
    public static func variantPrefix(_ name: String) -> String? {
        ["posix/", "right/"].first { name.hasPrefix($0) }
    }
}
