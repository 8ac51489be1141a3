/// Where a problem sits in a JSON text: byte offset (0-based), line and column (1-based, columns in bytes).
public struct TextPosition: Sendable, Hashable, CustomStringConvertible {
    public let offset: Int
    public let line: Int
    public let column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column) (byte \(offset))" }
}

/// A JSON text that is not well-formed.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public let position: TextPosition

    public var description: String { "\(position): \(message)" }
}

/// A strict RFC 8259 parser that keeps key order and number text.
///
/// Duplicate keys keep the first key's position and the last value, as Python's `json` does.
/// `NaN`, `Infinity`, comments, trailing commas, lone surrogates and invalid UTF-8 are errors.
public struct JSONParser {
    /// Nesting deeper than this is refused rather than risking the stack.
    public static let maximumDepth = 512

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    // Members of the objects (keys, values, key bytes: one entry each per member) and of the arrays being parsed,
    // innermost last: each container takes its members from the top of its stacks into arrays of their exact size,
    // so no container's arrays grow (and reallocate) while it is parsed.
    private var keyStack: [String] = []
    private var valueStack: [JSONValue] = []
    private var rawStack: [Range<Int>] = []  // each key's bytes in the input; empty for a key with escapes
    private var elementStack: [JSONValue] = []
    // Object keys seen recently, by a hash of their bytes: a document repeats a few dozen keys hundreds of thousands
    // of times, and a key found here is the same String again (no decoding, no allocation; equal storage compares
    // fast). A slot holds the key's bytes in the input and its String; a newer key of the same hash replaces it.
    // The table grows with the input up to 1,024 slots: a schema definition of a few hundred bytes, parsed on its
    // own, would otherwise spend more filling and freeing the table than parsing.
    private var keyCacheRanges: [Range<Int>]
    private var keyCacheStrings: [String]
    private let keyCacheMask: UInt32

    /// Object members whose values are checked but not kept (``parse(_:omitting:)``).
    private let omitted: Set<String>
    /// The top-level member whose own members are located but not parsed (``parse(_:deferringMembersOf:)``).
    private var deferredKey: String?
    private var deferred: [(name: String, range: Range<Int>)] = []

    private init(bytes: [UInt8], omitted: Set<String>) {
        self.bytes = bytes
        self.omitted = omitted
        var slots = 16
        while slots < 1024 && slots * 32 < bytes.count { slots *= 2 }
        keyCacheRanges = [Range<Int>](repeating: 0..<0, count: slots)
        keyCacheStrings = [String](repeating: "", count: slots)
        keyCacheMask = UInt32(slots - 1)
    }

    /// Parses one JSON document (surrounding white space allowed, nothing else).
    public static func parse<Bytes: Collection>(_ data: Bytes) throws(JSONSyntaxError) -> JSONValue where Bytes.Element == UInt8 {
        try parse(data, omitting: [])
    }

    /// Parses one JSON document without the object members named `members`, at any depth: their values are read
    /// for syntax (a malformed one is an error, as in ``parse(_:)``) but not built, which for a large file whose
    /// bulk a caller ignores (an Open Ephys `structure.oebin`'s `channels`) saves most of the time and memory.
    /// Repeated keys inside an omitted value are not looked for.
    public static func parse<Bytes: Collection>(_ data: Bytes, omitting members: Set<String>) throws(JSONSyntaxError) -> JSONValue
    where Bytes.Element == UInt8 {
        var parser = JSONParser(bytes: Array(data), omitted: members)
        return try parser.document()
    }

    /// Parses one JSON object except the members of its member `key` (an object, such as a JSON Schema's `$defs`):
    /// those are checked for syntax and returned as byte ranges of `data`, in order, to be parsed when needed; the
    /// object is returned without `key`. A `key` whose value is not an object is parsed as any other member.
    public static func parse<Bytes: Collection>(_ data: Bytes, deferringMembersOf key: String) throws(JSONSyntaxError)
        -> (value: JSONValue, deferred: [(name: String, range: Range<Int>)]) where Bytes.Element == UInt8
    {
        var parser = JSONParser(bytes: Array(data), omitted: [])
        parser.deferredKey = key
        let value = try parser.document(requiringObject: true)
        return (value, parser.deferred)
    }

    /// The document's one value, with white space around it (and a UTF-8 byte order mark at the very start).
    private mutating func document(requiringObject: Bool = false) throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        if requiringObject, !peek(UInt8(ascii: "{")) { throw error("expected an object") }
        let value = try parseValue()
        skipWhitespace()
        if index < bytes.count {
            throw error("unexpected content after the JSON value")
        }
        return value
    }

    /// Parses a JSON document from a string.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    // MARK: - Values

    private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "N") where bytes[index...].starts(with: Array("NaN".utf8)),
            UInt8(ascii: "I") where bytes[index...].starts(with: Array("Infinity".utf8)):
            throw error("NaN and Infinity are not JSON numbers")
        default:
            throw error("unexpected character \(describe(bytes[index])), expected a value")
        }
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        index += 1
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            depth -= 1
            return .object(JSONObject())
        }
        // Keys and values are collected and the dictionary built once. Duplicate keys are found by comparing the keys'
        // bytes in the input (a length check rejects almost every pair), or through an index past 16 keys: inserting
        // into the ordered dictionary one key at a time compared each key with every earlier one as a String.
        let base = keyStack.count
        var lookup: [String: Int]? = nil
        // One bit per key hash modulo 64: a key whose bit is clear cannot repeat an earlier key (most keys), so the
        // comparison with every earlier key is skipped. Keys without a hash (escapes, non-ASCII) are always compared.
        var seen: UInt64 = 0
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw error("expected a string key in object") }
            let keyStart = index
            let (key, escaped, hash) = try parseKey()
            let range = escaped ? (keyStart..<keyStart) : ((keyStart + 1)..<(index - 1))
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error("expected ':' after object key \"\(key)\"") }
            index += 1
            skipWhitespace()
            if depth == 1, let deferredKey, key == deferredKey, peek(UInt8(ascii: "{")) {
                try skipObject(locatingMembers: true)  // located for later, not kept
            } else if !omitted.isEmpty, omitted.contains(key) {
                try skipValue()  // checked, not kept
            } else {
                try keepMember(key, range: range, hash: hash, base: base, lookup: &lookup, seen: &seen)
            }
            if try nextMember(inObject: true) { continue }
            break
        }
        depth -= 1
        let object = JSONObject(uncheckedUniqueKeys: Array(keyStack[base...]), values: Array(valueStack[base...]))
        keyStack.removeSubrange(base...)
        valueStack.removeSubrange(base...)
        rawStack.removeSubrange(base...)
        return .object(object)
    }

    /// Parses the value of the member `key` (its bytes at `range`, empty for a key with escapes) and puts it on the
    /// stacks of the object whose members start at `base`: a repeated key keeps its first place and takes the last
    /// value.
    @inline(__always)
    private mutating func keepMember(
        _ key: String, range: Range<Int>, hash: UInt32?, base: Int, lookup: inout [String: Int]?, seen: inout UInt64
    ) throws(JSONSyntaxError) {
        let value = try parseValue()
        var mayRepeat = true
        if let hash, seen != .max {
            let bit: UInt64 = 1 << UInt64(hash & 63)
            mayRepeat = seen & bit != 0
            seen |= bit
        } else {
            seen = .max  // from now on every key is compared
        }
        if mayRepeat, let existing = duplicate(of: key, range: range, from: base, lookup: lookup) {
            valueStack[existing] = value  // the first key's position, the last value (Python's json)
        } else {
            keyStack.append(key)
            valueStack.append(value)
            rawStack.append(range)
            if lookup != nil {
                lookup?[key] = keyStack.count - 1
            } else if keyStack.count - base > 16 {
                var positions: [String: Int] = [:]
                for i in base..<keyStack.count { positions[keyStack[i]] = i }
                lookup = positions
            }
        }
    }

    /// The stack index of an earlier key of the object whose members start at `base` equal to `key`, if any.
    private func duplicate(of key: String, range: Range<Int>, from base: Int, lookup: [String: Int]?) -> Int? {
        if let lookup { return lookup[key] }
        for i in base..<keyStack.count {
            let other = rawStack[i]
            if !range.isEmpty && !other.isEmpty {
                guard other.count == range.count else { continue }
                var j = 0
                while j < range.count && bytes[range.lowerBound + j] == bytes[other.lowerBound + j] { j += 1 }
                if j == range.count { return i }
            } else if keyStack[i] == key {
                return i
            }
        }
        return nil
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        index += 1
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            index += 1
            depth -= 1
            return .array([])
        }
        let base = elementStack.count
        while true {
            skipWhitespace()
            let value = try parseValue()
            elementStack.append(value)
            if try nextMember(inObject: false) { continue }
            break
        }
        depth -= 1
        let array = Array(elementStack[base...])
        elementStack.removeSubrange(base...)
        return .array(array)
    }

    // MARK: - Omitted values

    /// Steps over a value with the checks and errors of ``parseValue()``, building nothing (but the rare string with
    /// escapes or non-ASCII bytes, and the number whose range must be checked, which are read as usual).
    private mutating func skipValue() throws(JSONSyntaxError) {
        guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try skipObject(locatingMembers: false)
        case UInt8(ascii: "["):
            try enter()
            index += 1
            skipWhitespace()
            if peek(UInt8(ascii: "]")) {
                index += 1
                depth -= 1
                return
            }
            while true {
                skipWhitespace()
                try skipValue()
                if try nextMember(inObject: false) { continue }
                break
            }
            depth -= 1
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try skipNumber()
        default:
            _ = try parseValue()  // a literal, or the error parseValue gives
        }
    }

    /// Steps over the object at `index`; with `locatingMembers`, records each member's name and the bytes of its value
    /// in ``deferred``.
    private mutating func skipObject(locatingMembers: Bool) throws(JSONSyntaxError) {
        try enter()
        index += 1
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw error("expected a string key in object") }
            let keyStart = index
            let name: String? = locatingMembers ? try parseString() : nil
            if !locatingMembers { try skipString() }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else {
                var key = name ?? ""
                if name == nil {  // a skipped key was not built: read it again for the message, at the same place
                    let end = index
                    index = keyStart
                    key = try parseString()
                    index = end
                }
                throw error("expected ':' after object key \"\(key)\"")
            }
            index += 1
            skipWhitespace()
            let start = index
            try skipValue()
            if let name { deferred.append((name, start..<index)) }
            if try nextMember(inObject: true) { continue }
            break
        }
        depth -= 1
    }

    /// After a member or an item: `true` past a `,` (another follows), `false` past the closing bracket; otherwise the
    /// error of a malformed object or array.
    @inline(__always)
    private mutating func nextMember(inObject: Bool) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        if peek(UInt8(ascii: ",")) {
            index += 1
            return true
        }
        if peek(inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
            index += 1
            return false
        }
        if index < bytes.count { throw error(inObject ? "expected ',' or '}' in object" : "expected ',' or ']' in array") }
        throw error(inObject ? "unexpected end of input in object" : "unexpected end of input in array")
    }

    /// Steps over a string; one with escapes, control characters or non-ASCII bytes (or no end) is read by
    /// ``parseStringFlagged()`` instead, for its checks and errors.
    private mutating func skipString() throws(JSONSyntaxError) {
        let start = index
        let end = bytes.withUnsafeBufferPointer { buffer -> Int in
            var i = start + 1
            // Eight bytes at a time while none is `"`, `\`, a control character or non-ASCII (SWAR: a byte's high
            // bit is set in `special` when it is one of them; a borrow can only flag a byte after a real one). The
            // 300 KB Acquisition schema is mostly strings, which locating its definitions steps over.
            if let base = buffer.baseAddress {
                let ones: UInt64 = 0x0101_0101_0101_0101
                let highs: UInt64 = 0x8080_8080_8080_8080
                while i + 8 <= buffer.count {
                    let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    let quote = word ^ (ones &* 0x22)
                    let backslash = word ^ (ones &* 0x5C)
                    let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word) | word
                    if special & highs != 0 { break }
                    i += 8
                }
            }
            while i < buffer.count {
                let b = buffer[i]
                if b == 0x22 { return i }
                if b == 0x5C || b < 0x20 || b >= 0x80 { return -1 }
                i += 1
            }
            return -1
        }
        if end >= 0 {
            index = end + 1
        } else {
            _ = try parseStringFlagged()
        }
    }

    /// Steps over a number; one with a fraction or an exponent is read by ``parseNumber()`` (its range is checked).
    private mutating func skipNumber() throws(JSONSyntaxError) {
        let start = index
        var i = index
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        let digits = i
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        let integerDigits = i - digits
        if integerDigits > 0, !(bytes[digits] == UInt8(ascii: "0") && integerDigits > 1) {
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                let fraction = i + 1
                i = fraction
                while i < bytes.count, isDigit(bytes[i]) { i += 1 }
                // A fraction without an exponent is finite while the integer part is shorter than a double's range.
                if i > fraction, integerDigits < 300, !(i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E"))) {
                    index = i
                    return
                }
            } else if !(i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E"))) {
                index = i  // an integer: any length is a valid JSON number
                return
            }
        }
        index = start
        _ = try parseNumber()
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > JSONParser.maximumDepth {
            throw error("nesting deeper than \(JSONParser.maximumDepth) levels")
        }
    }

    // MARK: - Strings

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        try parseStringFlagged().value
    }

    /// An object key: a plain ASCII key is taken from the key cache when it is there; any other string is read by
    /// ``parseStringFlagged()``.
    private mutating func parseKey() throws(JSONSyntaxError) -> (value: String, escaped: Bool, hash: UInt32?) {
        let start = index + 1
        // FNV-1a over the key's bytes while looking for its end; anything but plain ASCII takes the general path.
        let (end, hash) = bytes.withUnsafeBufferPointer { buffer -> (Int, UInt32) in
            var i = start
            var hash: UInt32 = 2_166_136_261
            while i < buffer.count {
                let b = buffer[i]
                if b == 0x22 { return (i, hash) }
                if b == 0x5C || b < 0x20 || b >= 0x80 { return (-1, 0) }
                hash = (hash ^ UInt32(b)) &* 16_777_619
                i += 1
            }
            return (-1, 0)
        }
        guard end >= 0 else {
            let (value, escaped) = try parseStringFlagged()
            return (value, escaped, nil)
        }
        let slot = Int(hash & keyCacheMask)
        let cached = keyCacheRanges[slot]
        let length = end - start
        if cached.count == length, length > 0 {
            let same = bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return false }
                return bytesEqual(base + cached.lowerBound, base + start, length)
            }
            if same {
                index = end + 1
                return (keyCacheStrings[slot], false, hash)
            }
        }
        let key = String(decoding: bytes[start..<end], as: UTF8.self)
        keyCacheRanges[slot] = start..<end
        keyCacheStrings[slot] = key
        index = end + 1
        return (key, false, hash)
    }

    /// A string, and whether it held escapes.
    private mutating func parseStringFlagged() throws(JSONSyntaxError) -> (value: String, escaped: Bool) {
        let start = index
        index += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = index
        var plain = true  // no escapes so far: decode the whole run at the end
        var ascii = true  // only ASCII bytes: valid UTF-8 without checking
        while true {
            // Bytes that need no attention (most of every string) are skipped on the raw buffer, without bounds checks.
            index = bytes.withUnsafeBufferPointer { buffer in
                var i = index
                while i < buffer.count {
                    let b = buffer[i]
                    if b == 0x22 || b == 0x5C || b < 0x20 || b >= 0x80 { break }
                    i += 1
                }
                return i
            }
            guard index < bytes.count else {
                index = start
                throw error("unterminated string")
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte >= 0x80 { ascii = false }
            if byte < 0x20 {
                throw error("control character \(describe(byte)) must be escaped in a string")
            }
            if byte == UInt8(ascii: "\\") {
                try appendUTF8(bytes[runStart..<index], to: &scalars, at: runStart)
                plain = false
                index += 1
                guard index < bytes.count else { throw error("unterminated escape sequence") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    let first = try parseHex4()
                    if (0xD800...0xDBFF).contains(first) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("lone UTF-16 surrogate \\u\(hex(first)) in string")
                        }
                        index += 2
                        let second = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(second) else {
                            throw error("invalid UTF-16 surrogate pair in string")
                        }
                        try appendScalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00), to: &scalars)
                    } else {
                        try appendScalar(first, to: &scalars)
                    }
                default:
                    index -= 2
                    throw error("invalid escape \\\(Character(Unicode.Scalar(escaped)))")
                }
                runStart = index
                continue
            }
            index += 1
        }
        let end = index
        index += 1  // closing quote
        if plain {
            // ASCII needs no validation, and `String(validating:)` is an unspecialised generic (≈ 300 instructions
            // of metadata lookups a call).
            if ascii { return (String(decoding: bytes[(start + 1)..<end], as: UTF8.self), false) }
            guard let s = String(validating: bytes[(start + 1)..<end], as: UTF8.self) else {
                index = start
                throw error("string is not valid UTF-8")
            }
            return (s, false)
        }
        try appendUTF8(bytes[runStart..<end], to: &scalars, at: runStart)
        return (String(scalars), true)
    }

    private func appendUTF8(_ run: ArraySlice<UInt8>, to scalars: inout String.UnicodeScalarView, at offset: Int) throws(JSONSyntaxError) {
        if run.isEmpty { return }
        guard let s = String(validating: run, as: UTF8.self) else {
            throw JSONSyntaxError(message: "string is not valid UTF-8", position: position(of: offset))
        }
        scalars.append(contentsOf: s.unicodeScalars)
    }

    private func appendScalar(_ value: UInt32, to scalars: inout String.UnicodeScalarView) throws(JSONSyntaxError) {
        guard let scalar = Unicode.Scalar(value) else {
            throw error("lone UTF-16 surrogate \\u\(hex(value)) in string")
        }
        scalars.append(scalar)
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = index
        if peek(UInt8(ascii: "-")) { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected a digit in number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("leading zeros are not allowed in numbers") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected a digit after '.' in number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected a digit in exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        // ASCII only, so this cannot fail.
        let literal = String(decoding: bytes[start..<index], as: UTF8.self)
        let number = JSONNumber(validatedLiteral: literal)
        if !number.isInteger && !number.doubleValue.isFinite {
            index = start
            throw error("number \(literal) is out of range for a 64-bit float")
        }
        return number
    }

    // MARK: - Helpers

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private func peek(_ b: UInt8) -> Bool { index < bytes.count && bytes[index] == b }

    private mutating func skipWhitespace() {
        index = bytes.withUnsafeBufferPointer { buffer in
            var i = index
            while i < buffer.count {
                switch buffer[i] {
                case 0x20, 0x0A, 0x0D, 0x09: i += 1
                default: return i
                }
            }
            return i
        }
    }

    /// `true`, `false` or `null` at the cursor, compared on bytes (no array per literal).
    private mutating func expectWord(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        let matches = index + count <= bytes.count && bytes.withUnsafeBufferPointer { buffer in
            var i = 0
            while i < count, buffer[index + i] == word.utf8Start[i] { i += 1 }
            return i == count
        }
        guard matches else { throw error("invalid literal, expected '\(word)'") }
        index += count
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "0x" + hex(UInt32(byte))
    }

    private func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, position: position(of: min(index, bytes.count)))
    }

    private func position(of offset: Int) -> TextPosition {
        var line = 1
        var lineStart = 0
        var i = 0
        while i < offset {
            if bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        return TextPosition(offset: offset, line: line, column: offset - lineStart + 1)
    }
}

/// Whether `count` bytes at `a` and `b` are equal.
@inline(__always)
private func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
