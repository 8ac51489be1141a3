/// A text file as a mapper reads it: decoded as UTF-8, or as Latin-1 when the bytes are not UTF-8 (instrument
/// software still writes `µ` as the single byte 0xB5), with a byte order mark removed and CRLF line ends read as LF.
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

    /// Decodes `bytes`: UTF-8 when valid (a leading BOM dropped), else Latin-1 (every byte one character).
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
        } else {
            string = String(decoding: InputText.latin1ToUTF8(normalised[...]), as: UTF8.self)
            encoding = .latin1
        }
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
