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
        var decoded: String
        if let utf8 = String(validating: body, as: UTF8.self) {
            decoded = utf8
            encoding = .utf8
        } else {
            decoded = String(String.UnicodeScalarView(body.map { Unicode.Scalar($0) }))
            encoding = .latin1
        }
        hadCRLF = body.contains(0x0D)
        if hadCRLF {
            decoded = decoded.replacingCRLF()
        }
        string = decoded
    }

    /// The lines, without their line ends (a final line end does not start an empty line).
    public var lines: [Substring] {
        var result = string.split(separator: "\n", omittingEmptySubsequences: false)
        if result.last == "" { result.removeLast() }
        return result
    }
}

extension String {
    /// CR LF (and a lone CR) as LF.
    fileprivate func replacingCRLF() -> String {
        var scalars = String.UnicodeScalarView()
        var previousCR = false
        for scalar in unicodeScalars {
            if scalar == "\r" {
                scalars.append("\n")
                previousCR = true
                continue
            }
            if scalar == "\n" && previousCR {
                previousCR = false
                continue
            }
            previousCR = false
            scalars.append(scalar)
        }
        return String(scalars)
    }
}
