import MetadataModel

/// Any YAML value of a config, as JSON: for config sections that are data rather than typed settings (device
/// specifications written as aind-data-schema fields). Mappings keep their order; unquoted numbers and booleans are
/// numbers and booleans, quoted text is always a string. Every key is read, so the strict decoder reports none as
/// unknown.
public struct ConfigJSON: Decodable, Sendable, Hashable {
    public let value: JSONValue

    public init(_ value: JSONValue) { self.value = value }

    /// `config` as ``init(from:)`` reads it through ``ConfigDecoder``, value for value, without a decoder: mappings,
    /// lists, null, and scalars as an integer, else a number, else a string (`true` and `false` as booleans); quoted
    /// scalars are strings.
    public init(converting config: ConfigValue) {
        value = ConfigJSON.convert(config)
    }

    private static func convert(_ config: ConfigValue) -> JSONValue {
        switch config.kind {
        case .null:
            return .null
        case .mapping(let members):
            var object = JSONObject()
            for (key, member) in members { object[key] = convert(member) }
            return .object(object)
        case .sequence(let items):
            return .array(items.map(convert))
        case .scalar(let text, let quoted):
            if let int: Int = ConfigScalar.integer(text, quoted: quoted) { return .int(int) }
            if let double: Double = ConfigScalar.float(text, quoted: quoted) { return .float(double) }
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return .string(text)
            }
        }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: Key.self) {
            var object = JSONObject()
            for key in keyed.allKeys { object[key.stringValue] = try keyed.decode(ConfigJSON.self, forKey: key).value }
            value = .object(object)
            return
        }
        if var list = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !list.isAtEnd { items.append(try list.decode(ConfigJSON.self).value) }
            value = .array(items)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            value = .null
        } else if let int = try? single.decode(Int.self) {
            value = .int(int)
        } else if let double = try? single.decode(Double.self) {
            value = .float(double)
        } else if let text = try? single.decode(String.self) {
            switch text {
            case "true": value = .bool(true)
            case "false": value = .bool(false)
            default: value = .string(text)
            }
        } else {
            value = .null
        }
    }
}

/// How an unquoted YAML scalar reads as a number (the decoder's rules, shared with ``ConfigJSON``).
public enum ConfigScalar {
    /// An unquoted scalar's text as an integer (`_` separators allowed).
    public static func integer<T: FixedWidthInteger>(_ text: String, quoted: Bool) -> T? {
        quoted ? nil : T(text.utf8.contains(UInt8(ascii: "_")) ? String(text.unicodeScalars.filter { $0 != "_" }) : text)
    }

    /// An unquoted scalar's text as a floating-point number (YAML's `.inf` and `.nan` spellings too).
    public static func float<T: BinaryFloatingPoint & LosslessStringConvertible>(_ text: String, quoted: Bool) -> T? {
        if quoted { return nil }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf": return T.infinity
        case "-.inf", "-.Inf", "-.INF": return -T.infinity
        case ".nan", ".NaN", ".NAN": return T.nan
        default: return T(text)
        }
    }
}
