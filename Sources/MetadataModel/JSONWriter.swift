/// Writes JSON exactly as aind-data-schema's `write_standard_file` does (`model_dump_json(indent=3)`).
///
/// - three-space indent, `"key": value`, one member or element per line, `[]` and `{}` for empty containers;
/// - keys in the value's order, `null`s kept;
/// - UTF-8 unescaped; `"`, `\`, and control characters below U+0020 escaped (`\n`, `\t`, `\u0001`, …);
/// - floats as pydantic-core prints them (see ``JSONNumber/format(_:)``);
/// - no trailing newline.
public enum JSONWriter {
    /// The reference layout, as UTF-8 bytes.
    public static func referenceBytes(_ value: JSONValue, indent: Int = 3) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(value, level: 0, indent: indent, into: &out)
        return out
    }

    /// The reference layout, as a string.
    public static func referenceString(_ value: JSONValue, indent: Int = 3) -> String {
        String(decoding: referenceBytes(value, indent: indent), as: UTF8.self)
    }

    /// The compact layout (no white space), as pydantic's `model_dump_json()` without indent.
    public static func compactString(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        write(value, level: 0, indent: nil, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, level: Int, indent: Int?, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.description.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            if elements.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1, indent: indent, into: &out)
                write(element, level: level + 1, indent: indent, into: &out)
            }
            newline(level, indent: indent, into: &out)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in members {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                newline(level + 1, indent: indent, into: &out)
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                write(member, level: level + 1, indent: indent, into: &out)
            }
            newline(level, indent: indent, into: &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ level: Int, indent: Int?, into out: inout [UInt8]) {
        guard let indent else { return }
        out.append(0x0A)
        let count = level * indent
        if count <= spaces.count {
            out.append(contentsOf: spaces[..<count])
        } else {
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
        }
    }

    private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 192)

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { buffer in
            out.append(UInt8(ascii: "\""))
            // Most strings need no escape: copy them whole.
            if !buffer.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
                out.append(contentsOf: buffer)
                out.append(UInt8(ascii: "\""))
                return
            }
            for byte in buffer {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                case 0..<0x20:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0x0F)])
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }
}
