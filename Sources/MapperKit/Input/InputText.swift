/// A text file as a mapper reads it, with a byte order mark removed and CRLF line ends read as LF.
///
/// Valid UTF-8 is read as such. Bytes that are not UTF-8 are read one of two ways:
/// - a file with no multi-byte UTF-8 sequence at all is a legacy 8-bit file (instrument software still writes `µ` as
///   the single byte 0xB5): it is read as Latin-1, every byte one character;
/// - a file that does hold UTF-8 sequences (`Zoë` as 0x6F 0xC3 0xAB) and also a stray invalid byte is UTF-8 with a
///   damaged byte: it is read as UTF-8 with each invalid byte replaced by U+FFFD, and ``damage`` says where
///   (reading it as Latin-1 would turn every `ë` into `Ã«`). ``MapperInput`` reports that as a warning.
public struct InputText: Sendable {
    /// How the bytes were decoded.
    public enum Encoding: String, Sendable {
        case utf8 = "UTF-8"
        case latin1 = "Latin-1"
    }

    /// The decoded text, with LF line ends.
    public let string: String
    public let encoding: Encoding
    /// Whether the file used CRLF line ends.
    public let hadCRLF: Bool
    /// Invalid bytes in a file read as UTF-8 (replaced by U+FFFD): where the first is, in the file, and how many.
    public let damage: Damage?

    /// Bytes that are not UTF-8 in a file that otherwise is.
    public struct Damage: Sendable, Hashable {
        /// Byte offset of the first invalid byte in the file (a BOM counted).
        public var firstOffset: Int
        /// Invalid bytes in all.
        public var count: Int

        /// The warning's text.
        public var message: String {
            "not valid UTF-8 at byte \(firstOffset)\(count > 1 ? " (and \(count - 1) more invalid bytes)" : ""): the file holds UTF-8 text, so it is read as UTF-8 with each invalid byte replaced by U+FFFD; check the value there"
        }
    }

    /// Decodes `bytes` (see the type's description).
    public init(decoding bytes: [UInt8]) {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        hadCRLF = body.contains(0x0D)
        // Line ends are normalised on the bytes (CR is one byte in both encodings): building the string scalar by
        // scalar cost ~300 instructions a byte on a 1.5 MB file.
        let normalised = hadCRLF ? InputText.replacingCRLF(body) : Array(body)
        if let utf8 = String(validating: normalised, as: UTF8.self) {
            string = utf8
            encoding = .utf8
            damage = nil
            return
        }
        let scan = InputText.scanUTF8(body)
        if scan.multiByteSequences > 0, let first = scan.firstInvalid {
            string = String(decoding: normalised, as: UTF8.self)
            encoding = .utf8
            damage = Damage(firstOffset: first, count: scan.invalidBytes)
        } else {
            string = String(decoding: InputText.latin1ToUTF8(normalised[...]), as: UTF8.self)
            encoding = .latin1
            damage = nil
        }
    }

    /// What a UTF-8 reading of `bytes` meets: well-formed multi-byte sequences, invalid bytes, and the offset (in
    /// `bytes`' own indices) of the first invalid one.
    static func scanUTF8(_ bytes: ArraySlice<UInt8>) -> (multiByteSequences: Int, invalidBytes: Int, firstInvalid: Int?) {
        var multi = 0
        var invalid = 0
        var first: Int?
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            // Expected length and the valid range of the second byte (overlongs and surrogates excluded).
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: length = 0
            }
            var ok = length > 0 && bytes.endIndex - i >= length
            if ok {
                for k in 1..<length {
                    let byte = bytes[i + k]
                    let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
                    if byte < lo || byte > hi {
                        ok = false
                        break
                    }
                }
            }
            if ok {
                multi += 1
                i += length
            } else {
                invalid += 1
                if first == nil { first = i }
                i += 1
            }
        }
        return (multi, invalid, first)
    }

    /// Latin-1 bytes as UTF-8 (every byte is the code point of the same number), transcoded on bytes.
    public static func latin1ToUTF8(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 {
                out.append(byte)
            } else {
                out.append(0xC0 | (byte >> 6))
                out.append(0x80 | (byte & 0x3F))
            }
        }
        return out
    }

    /// Whether `bytes` are valid UTF-8 (a leading BOM allowed).
    public static func isUTF8(_ bytes: [UInt8]) -> Bool {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        return String(validating: body, as: UTF8.self) != nil
    }

    /// The bytes of a file to parse as JSON, by the same rule as text: UTF-8 as is; a file holding UTF-8 sequences and
    /// stray invalid bytes with each invalid byte replaced by U+FFFD (and the damage); else Latin-1 transcoded.
    public static func jsonSource(_ raw: [UInt8]) -> (bytes: [UInt8], damage: Damage?) {
        if isUTF8(raw) { return (raw, nil) }
        let scan = scanUTF8(raw[...])
        if scan.multiByteSequences > 0, let first = scan.firstInvalid {
            return (Array(String(decoding: raw, as: UTF8.self).utf8), Damage(firstOffset: first, count: scan.invalidBytes))
        }
        return (latin1ToUTF8(raw[...]), nil)
    }

    /// CR LF (and a lone CR) as LF.
    static func replacingCRLF(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var previousCR = false
        for byte in bytes {
            if byte == 0x0D {
                out.append(0x0A)
                previousCR = true
            } else {
                if !(byte == 0x0A && previousCR) { out.append(byte) }
                previousCR = false
            }
        }
        return out
    }

    /// The lines, without their line ends (a final line end does not start an empty line).
    public var lines: [Substring] {
        var result = string.split(separator: "\n", omittingEmptySubsequences: false)
        if result.last == "" { result.removeLast() }
        return result
    }
}
