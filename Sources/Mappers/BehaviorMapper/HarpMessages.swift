import Foundation

/// One Harp binary message (harp-tech protocol, little-endian):
/// `type, length, address, port, payload type, [seconds u32, micro u16 (32 µs ticks)], payload, checksum`.
public struct HarpMessage: Sendable {
    public enum Kind: UInt8, Sendable {
        case read = 1
        case write = 2
        case event = 3
    }

    public var kind: Kind
    /// An error reply (`type | 0x08`): its payload may be junk.
    public var isError: Bool
    public var address: UInt8
    public var payloadType: UInt8
    /// Seconds and 32 µs ticks, when the message carries a timestamp that is not corrupt.
    public var seconds: UInt32?
    public var ticks: UInt16?
    public var payload: ArraySlice<UInt8>
    /// Where the message starts in its file.
    public var offset: Int

    public var elementSize: Int { Int(payloadType & 0x0F) }
    public var isSigned: Bool { payloadType & 0x80 != 0 }
    public var isFloat: Bool { payloadType & 0x40 != 0 }

    /// Harp time in seconds (`seconds + ticks × 32 µs`).
    public var time: Double? {
        guard let seconds, let ticks else { return nil }
        return Double(seconds) + Double(ticks) * 32e-6
    }

    /// The `index`-th element as an unsigned integer (little-endian), if present.
    public func unsigned(_ index: Int = 0) -> UInt64? {
        let size = elementSize
        let start = payload.startIndex + index * size
        guard size > 0, start + size <= payload.endIndex else { return nil }
        var value: UInt64 = 0
        for k in (0..<size).reversed() { value = value << 8 | UInt64(payload[start + k]) }
        return value
    }

    /// Every element as unsigned bytes (for U8 arrays: names, tags, versions).
    public var bytes: [UInt8] { Array(payload) }
}

/// What scanning a Harp register file found: the complete, well-formed messages, and every framing problem with its
/// byte offset.
public struct HarpScan: Sendable {
    public var messages: [HarpMessage] = []
    public var problems: [(offset: Int, message: String)] = []
}

/// Scans Harp register files.
///
/// A file is a concatenation of complete messages, but real files are not always whole: a crash cuts the last one
/// short, a bit flips, a writer pads with zeros. So the scan never trusts a fixed stride: it reads each message by
/// its own length, skips one whose checksum fails (keeping its length), resynchronises byte by byte after a header
/// that cannot be a message, and stops at a truncated tail; each problem is reported with its byte offset and the
/// scan goes on.
public enum HarpReader {
    /// The smallest message: type, length, address, port, payload type, checksum.
    static let minimumLength = 4

    public static func scan(_ bytes: [UInt8]) -> HarpScan {
        var scan = HarpScan()
        var i = 0
        var garbageStart: Int?
        func endGarbage() {
            if let start = garbageStart {
                scan.problems.append((start, "\(i - start) byte(s) that are no Harp message skipped (resynchronised at byte \(i))"))
                garbageStart = nil
            }
        }
        while i < bytes.count {
            let remaining = bytes.count - i
            guard remaining >= 2 else {
                endGarbage()
                scan.problems.append((i, "truncated message at the end of the file (\(remaining) byte)"))
                break
            }
            let type = bytes[i]
            let length = Int(bytes[i + 1])
            let total = length + 2
            guard plausibleHeader(type: type, length: length, payloadType: remaining >= 5 ? bytes[i + 4] : nil) else {
                if garbageStart == nil { garbageStart = i }
                i += 1
                continue
            }
            guard total <= remaining else {
                endGarbage()
                scan.problems.append((i, "truncated message at the end of the file (\(remaining) of \(total) bytes)"))
                break
            }
            var sum: UInt32 = 0
            for k in i..<(i + total - 1) { sum &+= UInt32(bytes[k]) }
            guard UInt8(truncatingIfNeeded: sum) == bytes[i + total - 1] else {
                endGarbage()
                scan.problems.append((i, "bad checksum; message skipped"))
                i += total
                continue
            }
            endGarbage()
            let payloadType = bytes[i + 4]
            let timestamped = payloadType & 0x10 != 0
            let header = timestamped ? 11 : 5
            let size = Int(payloadType & 0x0F)
            let payloadLength = total - header - 1
            guard payloadLength >= 0, size > 0, payloadLength % size == 0 else {
                scan.problems.append((i, "payload of \(max(0, payloadLength)) byte(s) does not fit its type 0x\(String(payloadType, radix: 16)); message skipped"))
                i += total
                continue
            }
            var message = HarpMessage(
                kind: HarpMessage.Kind(rawValue: type & 0x03) ?? .event, isError: type & 0x08 != 0, address: bytes[i + 2], payloadType: payloadType,
                seconds: nil, ticks: nil, payload: bytes[(i + header)..<(i + total - 1)], offset: i)
            if timestamped {
                let seconds = UInt32(bytes[i + 5]) | UInt32(bytes[i + 6]) << 8 | UInt32(bytes[i + 7]) << 16 | UInt32(bytes[i + 8]) << 24
                let ticks = UInt16(bytes[i + 9]) | UInt16(bytes[i + 10]) << 8
                if ticks > 31_249 {
                    scan.problems.append((i, "timestamp with \(ticks) ticks of 32 µs (more than a second) is corrupt; its time is ignored"))
                } else {
                    message.seconds = seconds
                    message.ticks = ticks
                }
            }
            scan.messages.append(message)
            i += total
        }
        endGarbage()
        return scan
    }

    /// Whether a header could start a message: a known type (Read, Write, Event, optionally an error reply), a length
    /// that holds the fixed fields, and a payload type with a real element size.
    static func plausibleHeader(type: UInt8, length: Int, payloadType: UInt8?) -> Bool {
        guard type & 0x03 != 0, type & ~UInt8(0x0B) == 0, length >= minimumLength else { return false }
        guard let payloadType else { return true }
        let size = payloadType & 0x0F
        guard [1, 2, 4, 8].contains(size), payloadType & 0x20 == 0, payloadType & 0x0F == size else { return false }
        if payloadType & 0x40 != 0 && (payloadType & 0x80 != 0 || size < 4) { return false }  // floats are unsigned f32
        if payloadType & 0x10 != 0 && length < 10 { return false }
        return true
    }
}

/// A Harp time (seconds since 1904-01-01T00:00:00Z, no leap seconds) as microseconds since 1970.
enum HarpTime {
    static let epochOffsetSeconds: Double = 2_082_844_800

    static func epochMicroseconds(_ harpSeconds: Double) -> Int64 {
        Int64(((harpSeconds - epochOffsetSeconds) * 1_000_000).rounded())
    }
}
