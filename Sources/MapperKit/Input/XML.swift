/// A small XML reader for rig files (Open Ephys `settings.xml`): elements, attributes, text, CDATA, comments,
/// processing instructions, a skipped DOCTYPE, the five predefined entities and character references.
///
/// Written here rather than taken from Foundation's `XMLParser` because that parser (libxml2 on Linux) reports a
/// truncated document as parsed successfully and gives no reliable position for the problem, while a rig file cut
/// short by a crash must be refused with its `line:column`. Malformed input is always an ``XML/SyntaxError``, never a
/// crash: nesting is bounded and every position is checked.
public enum XML {
    /// An element with its attributes (in document order), children and text, and where it starts.
    public struct Element: Sendable, Hashable {
        public var name: String
        public var attributes: [Attribute]
        public var children: [Element]
        /// The element's own character data (CDATA included), concatenated.
        public var text: String
        /// 1-based line and column of the `<` that opens it.
        public var line: Int
        public var column: Int

        /// The value of attribute `name`, compared without regard to case (`nodeId` = `NodeId`).
        public func attribute(_ name: String) -> String? {
            if let exact = attributes.first(where: { $0.name == name }) { return exact.value }
            let lower = name.lowercased()
            return attributes.first { $0.name.lowercased() == lower }?.value
        }

        /// Direct children named `name` (case-insensitive).
        public func children(named name: String) -> [Element] {
            let lower = name.lowercased()
            return children.filter { $0.name.lowercased() == lower }
        }

        /// The first direct child named `name` (case-insensitive).
        public func child(named name: String) -> Element? { children(named: name).first }

        /// Every descendant named `name` (case-insensitive), depth first in document order.
        public func descendants(named name: String) -> [Element] {
            let lower = name.lowercased()
            var out: [Element] = []
            func walk(_ element: Element) {
                for child in element.children {
                    if child.name.lowercased() == lower { out.append(child) }
                    walk(child)
                }
            }
            walk(self)
            return out
        }
    }

    public struct Attribute: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    /// Malformed XML, with where it was found.
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var line: Int
        public var column: Int
        public var offset: Int
        public var description: String { "\(line):\(column): \(message)" }
    }

    /// Deeper nesting is refused rather than risking the stack.
    public static let maximumDepth = 256

    /// Parses a whole document and returns its root element.
    public static func parse(_ text: String) throws(SyntaxError) -> Element {
        var parser = Parser(bytes: Array(text.utf8))
        return try parser.document()
    }
}

private struct Parser {
    let bytes: [UInt8]
    var i = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
    }

    // MARK: Document

    mutating func document() throws(XML.SyntaxError) -> XML.Element {
        try misc(allowDoctype: true)
        guard i < bytes.count else { throw error(bytes.isEmpty ? "empty document" : "no root element") }
        guard bytes[i] == UInt8(ascii: "<") else { throw error("expected the root element, found text") }
        let root = try element(depth: 1)
        try misc(allowDoctype: false)
        if i < bytes.count { throw error("content after the root element") }
        return root
    }

    /// White space, comments, processing instructions (and one DOCTYPE before the root).
    mutating func misc(allowDoctype: Bool) throws(XML.SyntaxError) {
        while true {
            skipSpace()
            if starts("<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if starts("<!--") {
                try skip(past: "-->", what: "comment")
            } else if allowDoctype, starts("<!DOCTYPE") {
                try doctype()
            } else {
                return
            }
        }
    }

    mutating func doctype() throws(XML.SyntaxError) {
        let start = i
        var bracket = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "["): bracket += 1
            case UInt8(ascii: "]"): bracket -= 1
            case UInt8(ascii: ">") where bracket <= 0:
                i += 1
                return
            default: break
            }
            i += 1
        }
        i = start
        throw error("unterminated DOCTYPE")
    }

    // MARK: Elements

    mutating func element(depth: Int) throws(XML.SyntaxError) -> XML.Element {
        guard depth <= XML.maximumDepth else { throw error("nesting deeper than \(XML.maximumDepth) levels") }
        let (line, column) = position(of: i)
        i += 1  // <
        let name = try self.name("element name")
        var attributes: [XML.Attribute] = []
        // Names seen, once there are enough to make comparing with each earlier one slow (an Open Ephys <CHANNELS>
        // carries one attribute per channel: hundreds).
        var attributeNames: Set<String>? = nil
        while true {
            let hadSpace = skipSpace()
            guard i < bytes.count else { throw error("unexpected end of document inside the tag <\(name)>") }
            if bytes[i] == UInt8(ascii: "/") {
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") else { throw error("expected '>' after '/' in <\(name)>") }
                i += 2
                return XML.Element(name: name, attributes: attributes, children: [], text: "", line: line, column: column)
            }
            if bytes[i] == UInt8(ascii: ">") {
                i += 1
                break
            }
            guard hadSpace else { throw error("expected white space before an attribute in <\(name)>") }
            let attributeStart = i
            let attributeName = try self.name("attribute name")
            let repeated = attributeNames.map { $0.contains(attributeName) } ?? attributes.contains(where: { $0.name == attributeName })
            if repeated {
                i = attributeStart
                throw error("duplicate attribute '\(attributeName)' in <\(name)>")
            }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw error("expected '=' after attribute '\(attributeName)'") }
            i += 1
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                throw error("expected a quoted value for attribute '\(attributeName)'")
            }
            let quote = bytes[i]
            i += 1
            let value = try characterData(until: quote, what: "attribute value")
            i += 1  // closing quote
            attributes.append(XML.Attribute(name: attributeName, value: value))
            if attributeNames != nil {
                attributeNames?.insert(attributeName)
            } else if attributes.count >= 16 {
                attributeNames = Set(attributes.map(\.name))
            }
        }
        // Content.
        var children: [XML.Element] = []
        var text = ""
        while true {
            guard i < bytes.count else {
                throw error("unexpected end of document: <\(name)> (line \(line)) is not closed")
            }
            if bytes[i] != UInt8(ascii: "<") {
                text += try characterData(until: UInt8(ascii: "<"), what: "text")
                continue
            }
            if starts("</") {
                let closeStart = i
                i += 2
                let closing = try self.name("closing tag name")
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { throw error("expected '>' to end </\(closing)>") }
                guard closing == name else {
                    i = closeStart
                    throw error("</\(closing)> does not close <\(name)> (opened at line \(line), column \(column))")
                }
                i += 1
                return XML.Element(name: name, attributes: attributes, children: children, text: text, line: line, column: column)
            }
            if starts("<!--") {
                try skip(past: "-->", what: "comment")
            } else if starts("<![CDATA[") {
                i += 9
                let start = i
                guard let end = find("]]>") else { throw error("unterminated CDATA section") }
                text += try decodeUTF8(start, end)
                i = end + 3
            } else if starts("<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if starts("<!") {
                throw error("unexpected markup declaration inside <\(name)>")
            } else {
                children.append(try element(depth: depth + 1))
            }
        }
    }

    mutating func name(_ what: String) throws(XML.SyntaxError) -> String {
        let start = i
        while i < bytes.count {
            let b = bytes[i]
            let ok = (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":")
                || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b >= 0x80
            guard ok else { break }
            if i == start && ((b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")) { break }
            i += 1
        }
        guard i > start else {
            throw error(i < bytes.count ? "expected \(what), found \(describe(bytes[i]))" : "unexpected end of document, expected \(what)")
        }
        return try decodeUTF8(start, i)
    }

    /// Text up to (not including) `terminator`, with entity and character references decoded.
    mutating func characterData(until terminator: UInt8, what: String) throws(XML.SyntaxError) -> String {
        var out: [UInt8] = []
        while i < bytes.count, bytes[i] != terminator {
            let b = bytes[i]
            if b == UInt8(ascii: "&") {
                out.append(contentsOf: try reference())
                continue
            }
            if terminator != UInt8(ascii: "<") && b == UInt8(ascii: "<") { throw error("'<' is not allowed in an \(what)") }
            out.append(b)
            i += 1
        }
        if i >= bytes.count && terminator != UInt8(ascii: "<") { throw error("unexpected end of document in an \(what)") }
        if !out.contains(where: { $0 >= 0x80 }) { return String(decoding: out, as: UTF8.self) }  // ASCII: valid as it is
        guard let text = String(validating: out, as: UTF8.self) else { throw error("\(what) is not valid UTF-8") }
        return text
    }

    mutating func reference() throws(XML.SyntaxError) -> [UInt8] {
        let start = i
        guard let semicolon = bytes[i...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
            throw error("'&' must start a reference such as &amp;")
        }
        let body = String(decoding: bytes[(i + 1)..<semicolon], as: UTF8.self)
        i = semicolon + 1
        switch body {
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "amp": return [UInt8(ascii: "&")]
        case "apos": return [UInt8(ascii: "'")]
        case "quot": return [UInt8(ascii: "\"")]
        default:
            var value: UInt32?
            if body.hasPrefix("#x") || body.hasPrefix("#X") {
                value = UInt32(body.dropFirst(2), radix: 16)
            } else if body.hasPrefix("#") {
                value = UInt32(body.dropFirst(), radix: 10)
            }
            guard let value, value != 0, let scalar = Unicode.Scalar(value) else {
                i = start
                throw error("unknown entity or invalid character reference '&\(body);'")
            }
            return Array(String(Character(scalar)).utf8)
        }
    }

    // MARK: Helpers

    @discardableResult
    mutating func skipSpace() -> Bool {
        let start = i
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        return i > start
    }

    func starts(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard i + count <= bytes.count else { return false }
        return text.withUTF8Buffer { buffer in
            for k in 0..<count where bytes[i + k] != buffer[k] { return false }
            return true
        }
    }

    func find(_ text: StaticString) -> Int? {
        let needle = text.withUTF8Buffer { Array($0) }
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var k = i
        while k + needle.count <= bytes.count {
            if bytes[k] == first && bytes[k..<(k + needle.count)].elementsEqual(needle) { return k }
            k += 1
        }
        return nil
    }

    mutating func skip(past terminator: StaticString, what: String) throws(XML.SyntaxError) {
        guard let end = find(terminator) else { throw error("unterminated \(what)") }
        i = end + terminator.utf8CodeUnitCount
    }

    mutating func decodeUTF8(_ start: Int, _ end: Int) throws(XML.SyntaxError) -> String {
        guard let text = String(validating: bytes[start..<end], as: UTF8.self) else {
            let (line, column) = position(of: start)
            throw XML.SyntaxError(message: "text is not valid UTF-8", line: line, column: column, offset: start)
        }
        return text
    }

    func describe(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    /// Line and column of a byte offset. Elements ask in document order, so the scan resumes where the last one
    /// stopped (scanning from the start each time made a 1 MB file quadratic).
    var scanned = (offset: 0, line: 1, lineStart: 0)

    mutating func position(of offset: Int) -> (Int, Int) {
        let end = min(offset, bytes.count)
        if end < scanned.offset { scanned = (0, 1, 0) }
        var (k, line, lineStart) = scanned
        while k < end {
            if bytes[k] == 0x0A {
                line += 1
                lineStart = k + 1
            }
            k += 1
        }
        scanned = (end, line, lineStart)
        return (line, end - lineStart + 1)
    }

    mutating func error(_ message: String) -> XML.SyntaxError {
        let (line, column) = position(of: i)
        return XML.SyntaxError(message: message, line: line, column: column, offset: min(i, bytes.count))
    }
}
