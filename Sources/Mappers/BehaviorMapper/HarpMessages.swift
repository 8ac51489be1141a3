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

    /// Scans a whole file held in memory (see ``HarpScanner`` for one read in chunks): every message, with its
    /// payload a slice of `bytes`, and every problem.
    public static func scan(_ bytes: [UInt8]) -> HarpScan {
        var scan = HarpScan()
        var scanner = HarpScanner()
        let collect = { (message: HarpMessage) in
            var kept = message
            let start = message.offset + (message.payloadType & 0x10 != 0 ? 11 : 5)
            kept.payload = bytes[start..<(start + message.payload.count)]
            scan.messages.append(kept)
        }
        let note = { (offset: Int, text: String) in scan.problems.append((offset, text)) }
        scanner.feed(bytes, message: collect, problem: note)
        scanner.finish(message: collect, problem: note)
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

/// Scans a Harp register file handed over in chunks of any size, holding at most one chunk and one message.
///
/// It finds exactly what ``HarpReader/scan(_:)`` finds in the whole file, in the same order: every decision at an
/// offset needs at most the 257 bytes of the longest message after it, so bytes are held back only until that many
/// follow them (or the file ends). Messages and problems are handed to the callers' closures as they are found; a
/// message's payload is a slice of the scanner's buffer, valid only during the call (copy what must be kept).
public struct HarpScanner: Sendable {
    /// The longest message: a length byte of 255, plus the type and length bytes.
    static let maximumMessage = 257

    /// Bytes not scanned yet (fewer than ``maximumMessage`` between calls).
    private var pending: [UInt8] = []
    /// The file offset of `pending[0]`.
    private var pendingOffset = 0
    /// Where the current run of bytes that are no message began (a file offset).
    private var garbageStart: Int?
    /// Set at a truncated tail: nothing after it is scanned.
    private var stopped = false

    public init() {}

    /// Scans the next bytes of the file.
    public mutating func feed(_ bytes: [UInt8], message: (HarpMessage) -> Void, problem: (Int, String) -> Void) {
        guard !stopped else { return }
        if pending.isEmpty { pending = bytes } else { pending.append(contentsOf: bytes) }
        process(final: false, message: message, problem: problem)
    }

    /// Scans what is left at the end of the file.
    public mutating func finish(message: (HarpMessage) -> Void, problem: (Int, String) -> Void) {
        process(final: true, message: message, problem: problem)
        pending = []
    }

    private mutating func process(final: Bool, message: (HarpMessage) -> Void, problem: (Int, String) -> Void) {
        let bytes = pending
        var i = 0
        func endGarbage() {
            if let start = garbageStart {
                let at = pendingOffset + i
                problem(start, "\(at - start) byte(s) that are no Harp message skipped (resynchronised at byte \(at))")
                garbageStart = nil
            }
        }
        while !stopped && i < bytes.count {
            let remaining = bytes.count - i
            // Until the file ends, a decision waits for the longest message's bytes (no comparison below then depends
            // on where the chunk ends).
            if !final && remaining < HarpScanner.maximumMessage { break }
            let at = pendingOffset + i
            guard remaining >= 2 else {
                endGarbage()
                problem(at, "truncated message at the end of the file (\(remaining) byte)")
                stopped = true
                break
            }
            let type = bytes[i]
            let length = Int(bytes[i + 1])
            let total = length + 2
            guard HarpReader.plausibleHeader(type: type, length: length, payloadType: remaining >= 5 ? bytes[i + 4] : nil) else {
                if garbageStart == nil { garbageStart = at }
                i += 1
                continue
            }
            guard total <= remaining else {
                endGarbage()
                problem(at, "truncated message at the end of the file (\(remaining) of \(total) bytes)")
                stopped = true
                break
            }
            var sum: UInt32 = 0
            for k in i..<(i + total - 1) { sum &+= UInt32(bytes[k]) }
            guard UInt8(truncatingIfNeeded: sum) == bytes[i + total - 1] else {
                endGarbage()
                problem(at, "bad checksum; message skipped")
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
                problem(at, "payload of \(max(0, payloadLength)) byte(s) does not fit its type 0x\(String(payloadType, radix: 16)); message skipped")
                i += total
                continue
            }
            var found = HarpMessage(
                kind: HarpMessage.Kind(rawValue: type & 0x03) ?? .event, isError: type & 0x08 != 0, address: bytes[i + 2], payloadType: payloadType,
                seconds: nil, ticks: nil, payload: bytes[(i + header)..<(i + total - 1)], offset: at)
            if timestamped {
                let seconds = UInt32(bytes[i + 5]) | UInt32(bytes[i + 6]) << 8 | UInt32(bytes[i + 7]) << 16 | UInt32(bytes[i + 8]) << 24
                let ticks = UInt16(bytes[i + 9]) | UInt16(bytes[i + 10]) << 8
                if ticks > 31_249 {
                    problem(at, "timestamp with \(ticks) ticks of 32 µs (more than a second) is corrupt; its time is ignored")
                } else {
                    found.seconds = seconds
                    found.ticks = ticks
                }
            }
            message(found)
            i += total
        }
        if final { endGarbage() }
        if stopped || final {
            pending = []
        } else {
            pending = Array(bytes[i...])  // fewer than maximumMessage bytes
            pendingOffset += i
        }
    }
}

/// A Harp time (seconds since 1904-01-01T00:00:00Z, no leap seconds) as microseconds since 1970.
enum HarpTime {
    static let epochOffsetSeconds: Double = 2_082_844_800
    /// The instants a ``Timestamp`` can show, in seconds since 1970: 0001-01-01T00:00:00Z ..< 10000-01-01T00:00:00Z.
    static let unixSecondsRange: Range<Double> = -62_135_596_800 ..< 253_402_300_800

    /// Microseconds since 1970, or `nil` when `harpSeconds` is not finite or falls outside the years 1–9999 (so
    /// the conversion to an integer, and later arithmetic on it, can never overflow).
    static func epochMicroseconds(_ harpSeconds: Double) -> Int64? {
        guard harpSeconds.isFinite else { return nil }
        let unix = harpSeconds - epochOffsetSeconds
        guard unixSecondsRange.contains(unix) else { return nil }
        return Int64(exactly: (unix * 1_000_000).rounded())
    }
}
