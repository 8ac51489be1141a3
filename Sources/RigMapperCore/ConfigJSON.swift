import MetadataModel

/// Any YAML value of a config, as JSON: for config sections that are data rather than typed settings (device
/// specifications written as aind-data-schema fields). Mappings keep their order; unquoted numbers and booleans are
/// numbers and booleans, quoted text is always a string. Every key is read, so the strict decoder reports none as
/// unknown.
public struct ConfigJSON: Decodable, Sendable, Hashable {
    public let value: JSONValue

    public init(_ value: JSONValue) { self.value = value }

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
