import Foundation
import MapperKit

/// The name of a SmartSPIM acquisition folder: `SmartSPIM_<subject>_<YYYY-MM-DD_HH-MM-SS>` — the subject is every
/// character before the stamp (`695464`, `819682-screen`, `ab_12`), the stamp the rig's local wall time.
public struct SmartSPIMFolderName: Sendable, Equatable {
    public var subject: String
    /// The stamp as a naive timestamp (no offset).
    public var start: Timestamp

    public init?(_ name: String) {
        let prefix = "SmartSPIM_"
        guard name.hasPrefix(prefix), name.count > prefix.count + 20 else { return nil }
        let stamp = String(name.suffix(19))
        let separator = name.dropLast(19).last
        guard separator == "_" else { return nil }
        let subject = String(name.dropFirst(prefix.count).dropLast(20))
        guard !subject.isEmpty, let start = SmartSPIMFolderName.stamp(stamp) else { return nil }
        self.subject = subject
        self.start = start
    }

    /// `2024-05-01_10-00-00`.
    static func stamp(_ text: String) -> Timestamp? {
        let bytes = Array(text.utf8)
        guard bytes.count == 19, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x5F, bytes[13] == 0x2D, bytes[16] == 0x2D else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard bytes[i] >= 0x30 && bytes[i] <= 0x39 else { return nil }
                value = value * 10 + Int(bytes[i] - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13), let minute = number(14..<16),
            let second = number(17..<19)
        else { return nil }
        return try? Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second, utcOffsetSeconds: nil)
    }
}

/// `derivatives/ASI_logging.txt`, the ASI Tiger controller's serial log: lines `M/D/YYYY h:mm:ss AM|PM<TAB>…` on the
/// rig's local 12-hour clock. The session ends at the last line that has such a timestamp; lines without one
/// (events, blank lines, garbage a crash left, bytes that are not UTF-8) are skipped.
public enum ASILog {
    /// How many bytes the adapter reads at a time when it scans the log backwards from its end (64 KiB).
    public static let chunkBytes = 64 << 10
    /// How far from its end the adapter looks for a timestamp (16 MiB): a log whose last 16 MiB have none is refused
    /// (the job's `acquisition_end_time` then gives the end), so a log of any size costs at most this much reading.
    public static let searchLimitBytes: Int64 = 16 << 20

    /// The last timestamp in `bytes`, read from the end, and how many non-blank lines after it have none.
    public static func lastTimestamp(in bytes: ArraySlice<UInt8>) -> (timestamp: Timestamp, skippedLines: Int)? {
        var scan = BackwardScan()
        guard let found = scan.feed(bytes) ?? scan.finish() else { return nil }
        return (found, scan.skippedLines)
    }

    /// The last timestamp of a log read backwards in chunks: feed it the chunks from the file's end towards its start
    /// (each ending where the one fed before begins), then call ``finish()`` when the start of the file is reached.
    /// It gives what ``lastTimestamp(in:)`` gives for the whole file, keeping only the first bytes of the line that
    /// crosses a chunk boundary (white space runs collapsed, which changes nothing a timestamp is read from), so its
    /// memory does not grow with the lines or the file.
    public struct BackwardScan: Sendable {
        /// The bytes of the line crossing the boundary that come after it, each run of white space (space, tab, CR)
        /// written as one space, at most ``kept`` of them: a timestamp is read from the first 23.
        private var partial: [UInt8] = []
        /// Whether those bytes hold anything but white space (the line counts as skipped when it has no timestamp).
        private var partialHasContent = false
        /// Non-blank lines without a timestamp seen after the last one with a timestamp.
        public private(set) var skippedLines = 0

        private static let kept = 64

        public init() {}

        private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

        /// Reads `chunk`, the bytes just before everything fed so far; the timestamp when a line of it has one.
        public mutating func feed(_ chunk: ArraySlice<UInt8>) -> Timestamp? {
            var end = chunk.endIndex
            while let newline = chunk[chunk.startIndex..<end].lastIndex(of: 0x0A) {
                if let found = complete(chunk[(newline + 1)..<end]) { return found }
                end = newline
            }
            prepend(chunk[chunk.startIndex..<end])
            return nil
        }

        /// The start of the file is reached: the line crossing the boundary is the file's first line.
        public mutating func finish() -> Timestamp? { complete([][...]) }

        /// The line made of `start` and the bytes kept after it is whole: its timestamp, or it is counted as skipped.
        private mutating func complete(_ start: ArraySlice<UInt8>) -> Timestamp? {
            let found: Timestamp?
            let hasContent: Bool
            if partial.isEmpty {
                // The line lies within one chunk: read as it is.
                found = ASILog.timestamp(start)
                hasContent = start.contains { !BackwardScan.isSpace($0) }
            } else {
                prepend(start)
                found = ASILog.timestamp(partial[...])
                hasContent = partialHasContent
            }
            partial.removeAll(keepingCapacity: true)
            partialHasContent = false
            if found == nil && hasContent { skippedLines += 1 }
            return found
        }

        /// Puts `bytes` before the kept bytes of the crossing line, collapsing white space, keeping the first ``kept``.
        private mutating func prepend(_ bytes: ArraySlice<UInt8>) {
            guard !bytes.isEmpty else { return }
            if !partialHasContent { partialHasContent = bytes.contains { !BackwardScan.isSpace($0) } }
            var head: [UInt8] = []
            head.reserveCapacity(BackwardScan.kept)
            var lastWasSpace = false
            var i = bytes.startIndex
            while i < bytes.endIndex && head.count < BackwardScan.kept {
                if BackwardScan.isSpace(bytes[i]) {
                    if !lastWasSpace { head.append(0x20) }
                    lastWasSpace = true
                } else {
                    head.append(bytes[i])
                    lastWasSpace = false
                }
                i += 1
            }
            if head.count < BackwardScan.kept {
                var rest = partial[...]
                if lastWasSpace, rest.first == 0x20 { rest = rest.dropFirst() }
                head.append(contentsOf: rest.prefix(BackwardScan.kept - head.count))
            }
            partial = head
        }
    }

    /// `5/1/2024 12:07:41 PM` at the start of a line (leading white space allowed): 12 AM is 00, 12 PM is 12.
    public static func timestamp(_ line: ArraySlice<UInt8>) -> Timestamp? {
        var i = line.startIndex
        func skipSpace() { while i < line.endIndex && (line[i] == 0x20 || line[i] == 0x09 || line[i] == 0x0D) { i += 1 } }
        func digits(_ minimum: Int, _ maximum: Int) -> Int? {
            var value = 0
            var count = 0
            while i < line.endIndex, count < maximum, line[i] >= 0x30, line[i] <= 0x39 {
                value = value * 10 + Int(line[i] - 0x30)
                i += 1
                count += 1
            }
            return count >= minimum ? value : nil
        }
        func expect(_ byte: UInt8) -> Bool {
            guard i < line.endIndex, line[i] == byte else { return false }
            i += 1
            return true
        }
        skipSpace()
        guard let month = digits(1, 2), expect(0x2F), let day = digits(1, 2), expect(0x2F), let year = digits(4, 4) else { return nil }
        let before = i
        skipSpace()
        guard i > before, let hour = digits(1, 2), expect(0x3A), let minute = digits(2, 2), expect(0x3A), let second = digits(2, 2) else { return nil }
        skipSpace()
        guard i + 1 < line.endIndex else { return nil }
        let meridiem = (line[i] | 0x20, line[i + 1] | 0x20)
        guard meridiem.1 == 0x6D, meridiem.0 == 0x61 || meridiem.0 == 0x70, (1...12).contains(hour) else { return nil }
        let hour24 = meridiem.0 == 0x61 ? (hour == 12 ? 0 : hour) : (hour == 12 ? 12 : hour + 12)
        return try? Timestamp(year: year, month: month, day: day, hour: hour24, minute: minute, second: second, utcOffsetSeconds: nil)
    }
}

/// `derivatives/metadata.json` as the SmartSPIM software writes it: `session_config`, `wavelength_config` and
/// `tile_config`, with keys whose spelling varies by software version and by how the Latin-1 file was decoded.
public struct SmartSPIMMetadata: Sendable {
    public struct Tile: Sendable {
        /// `t_12` → 12.
        public var index: Int
        public var key: String
        public var x: String
        public var y: String
        public var z: Double
        public var xPosition: Double
        public var yPosition: Double
        public var laser: Int
        public var side: String?
        public var exposure: Double?
    }

    public struct Power: Sendable {
        public var left: Double?
        public var right: Double?
        /// `percent`, `milliwatt` or `microwatt`.
        public var unit: String
    }

    /// `session_config` by normalised key (see ``normalise(_:)``).
    public var session: [String: JSONValue]
    /// `session_config`'s XY pixel size (`µm/pix`), when it has one.
    public var xyPixelSize: Double?
    /// `session_config`'s Z step (`Z step (µm)`), when it has one.
    public var zStep: Double?
    /// `session_config`'s software version (`Version`), when it has one.
    public var version: String?
    /// `wavelength_config` by wavelength; `nil` when the section is `null`.
    public var powers: [Int: Power]?
    /// Tiles in numeric order (`t_2` before `t_10`).
    public var tiles: [Tile]

    /// The longest text taken from metadata.json, in UTF-8 bytes (64 KiB): a longer value (a tile position, a side, a
    /// version, a power unit, a number written as text) is refused at its JSON path. No SmartSPIM file has one, and
    /// positions and the version are copied into the output.
    public static let maximumTextBytes = 64 << 10

    /// One spelling for every form of a key: lower-cased; `µ` (U+00B5), `μ` (U+03BC) and U+FFFD read as `u`;
    /// spaces, `_`, `(` and `)` removed; `m/pix` (the micro sign dropped) read as `um/pix`. `Z step (µm)`,
    /// `Z step (um)`, `Z step (m)` and `z_step_um` are all `zstepum`.
    public static func normalise(_ key: String) -> String {
        // ASCII keys (every tile key) on bytes; anything else scalar by scalar.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.utf8.count)
        var ascii = true
        for byte in key.utf8 {
            if byte >= 0x80 {
                ascii = false
                break
            }
            switch byte {
            case 0x20, 0x5F, 0x28, 0x29: continue  // space _ ( )
            case 0x41...0x5A: bytes.append(byte + 0x20)
            default: bytes.append(byte)
            }
        }
        var out: String
        if ascii {
            out = String(decoding: bytes, as: UTF8.self)
        } else {
            out = ""
            for scalar in key.unicodeScalars {
                switch scalar {
                case "\u{B5}", "\u{3BC}", "\u{FFFD}": out.append("u")
                case " ", "_", "(", ")": continue
                default: out.unicodeScalars.append(contentsOf: String(scalar).lowercased().unicodeScalars)
                }
            }
        }
        if out == "m/pix" { return "um/pix" }
        if out == "zstepm" { return "zstepum" }
        return out
    }

    /// A number written as a JSON number or as a string (`"1.800"`): `nil` when the value is missing, `null` or an
    /// empty string; a located error when it is anything else that is not a finite number (`"abc"`, `true`, `"nan"`,
    /// `"-inf"`, `"Infinity"`, `"1e999"`, `1e999`): aind-data-schema has no value for a non-finite number, and JSON
    /// would write it as `null`.
    ///
    /// - Parameters:
    ///   - what: the value as messages name it (`the tile's X`).
    ///   - location: where the value is.
    ///   Both are made only for an error (10,000 tiles have 60,000 values).
    public static func number(_ value: JSONValue?, _ what: @autoclosure () -> String, at location: @autoclosure () -> SourceLocation) throws(DiagnosticError) -> Double? {
        let parsed: Double?
        switch value {
        case nil, .null?:
            return nil
        case .number(let n)?:
            parsed = n.doubleValue
        case .string(let s)?:
            try checkLength(s, what(), at: location())
            let text = trimmed(s)
            if text.isEmpty { return nil }
            parsed = Double(text)
        default:
            parsed = nil
        }
        guard let parsed else { throw DiagnosticError("\(what()) is \(excerpt(value)), not a number", at: location()) }
        guard parsed.isFinite else {
            throw DiagnosticError("\(what()) is \(excerpt(value)), not a finite number (JSON has no value for it)", at: location())
        }
        return parsed
    }

    /// A value as text (`"471320"`, or `471320` written as a number); `nil` for other kinds of value. Text longer than
    /// ``maximumTextBytes`` is a located error.
    static func text(_ value: JSONValue?, _ what: @autoclosure () -> String, at location: @autoclosure () -> SourceLocation) throws(DiagnosticError) -> String? {
        switch value {
        case .string(let s)?:
            try checkLength(s, what(), at: location())
            return String(trimmed(s))
        case .number(let n)?:
            try checkLength(n.literal, what(), at: location())
            return n.literal
        default:
            return nil
        }
    }

    /// Refuses text longer than ``maximumTextBytes``.
    static func checkLength(_ text: String, _ what: @autoclosure () -> String, at location: @autoclosure () -> SourceLocation) throws(DiagnosticError) {
        let count = text.utf8.count
        guard count <= maximumTextBytes else {
            throw DiagnosticError(
                "\(what()) is \(count) bytes of text (\(excerpt(.string(text)))), more than the \(maximumTextBytes) (64 KiB) the adapter accepts",
                at: location())
        }
    }

    /// A value as messages quote it: text cut after 40 characters, other values by kind.
    static func excerpt(_ value: JSONValue?) -> String {
        func cut(_ text: String) -> String { text.count > 40 ? "'\(text.prefix(40))…'" : "'\(text)'" }
        switch value {
        case .string(let s)?: return cut(s)
        case .number(let n)?: return cut(n.literal)
        case .bool(let b)?: return b ? "true" : "false"
        case .array?: return "an array"
        case .object?: return "an object"
        case .null?, nil: return "null"
        }
    }

    /// Without surrounding spaces and tabs (Foundation's `trimmingCharacters` costs thousands of instructions a
    /// call; 10,000 tiles have 50,000 values).
    static func trimmed(_ s: String) -> Substring {
        var text = s[...]
        while let first = text.utf8.first, first == 0x20 || first == 0x09 { text = text.dropFirst() }
        while let last = text.utf8.last, last == 0x20 || last == 0x09 { text = text.dropLast() }
        return text
    }

    /// Reads the document, every problem located by JSON path.
    public init(_ document: JSONValue, file: String, problems: inout DiagnosticCollector) throws(DiagnosticError) {
        func location(_ path: [JSONPath.Component]) -> SourceLocation { SourceLocation(file: file, jsonPath: JSONPath(path)) }
        guard let root = document.objectValue else { throw DiagnosticError("metadata.json is not a JSON object", at: location([])) }
        for section in ["session_config", "wavelength_config", "tile_config"] where root[section] == nil {
            throw DiagnosticError("metadata.json has no '\(section)'", at: location([]))
        }
        guard let session = root["session_config"]?.objectValue else {
            throw DiagnosticError("'session_config' is \(root["session_config"] == .null ? "null" : "not an object")", at: location([.key("session_config")]))
        }
        var normalised: [String: JSONValue] = [:]
        var spelling: [String: String] = [:]  // normalised key → the key as the file writes it
        for (key, value) in session where normalised[SmartSPIMMetadata.normalise(key)] == nil {
            normalised[SmartSPIMMetadata.normalise(key)] = value
            spelling[SmartSPIMMetadata.normalise(key)] = key
        }
        self.session = normalised
        func sessionLocation(_ key: String) -> SourceLocation { location([.key("session_config"), .key(spelling[key] ?? key)]) }
        xyPixelSize = try SmartSPIMMetadata.number(normalised["um/pix"], "the XY pixel size", at: sessionLocation("um/pix"))
        zStep = try SmartSPIMMetadata.number(normalised["zstepum"], "the Z step", at: sessionLocation("zstepum"))
        version = try SmartSPIMMetadata.text(normalised["version"], "the software version", at: sessionLocation("version"))

        switch root["wavelength_config"] {
        case .null?:
            powers = nil
            problems.warning("'wavelength_config' is null: the channels are written without laser power", at: location([.key("wavelength_config")]))
        case .object(let lasers)?:
            var table: [Int: Power] = [:]
            for (key, entry) in lasers {
                guard let nm = Int(key.trimmingCharacters(in: .whitespaces)) else {
                    problems.warning(
                        "wavelength \(SmartSPIMMetadata.excerpt(.string(key))) is not a number: ignored", at: location([.key("wavelength_config"), .key(key)]))
                    continue
                }
                // Normalised key → the field as the file writes it; the first of two spellings wins.
                var fields: [String: (name: String, value: JSONValue)] = [:]
                for (name, value) in entry.objectValue ?? [:] where fields[SmartSPIMMetadata.normalise(name)] == nil {
                    fields[SmartSPIMMetadata.normalise(name)] = (name, value)
                }
                func field(_ normalisedKey: String, _ what: String) throws(DiagnosticError) -> Double? {
                    guard let field = fields[normalisedKey] else { return nil }
                    return try SmartSPIMMetadata.number(
                        field.value, "the \(nm) nm laser's \(what)", at: location([.key("wavelength_config"), .key(key), .key(field.name)]))
                }
                let unitLocation = location([.key("wavelength_config"), .key(key), .key(fields["powerunit"]?.name ?? "power_unit")])
                let unitText = try SmartSPIMMetadata.text(fields["powerunit"]?.value, "power_unit", at: unitLocation)?.lowercased() ?? "percent"
                let unit: String
                switch unitText {
                case "milliwatt", "mw": unit = "milliwatt"
                case "microwatt", "uw": unit = "microwatt"
                case "percent", "%": unit = "percent"
                default:
                    problems.warning(
                        "power_unit \(SmartSPIMMetadata.excerpt(.string(unitText))) is not known: the power is written as percent",
                        at: location([.key("wavelength_config"), .key(key)]))
                    unit = "percent"
                }
                table[nm] = Power(left: try field("powerleft", "power_left"), right: try field("powerright", "power_right"), unit: unit)
            }
            powers = table
        default:
            throw DiagnosticError("'wavelength_config' is not an object", at: location([.key("wavelength_config")]))
        }

        guard let tileConfig = root["tile_config"]?.objectValue else {
            throw DiagnosticError("'tile_config' is \(root["tile_config"] == .null ? "null" : "not an object")", at: location([.key("tile_config")]))
        }
        var tiles: [Tile] = []
        tiles.reserveCapacity(tileConfig.count)
        typealias Field = (name: String, value: JSONValue)
        for (key, entry) in tileConfig {
            let at = location([.key("tile_config"), .key(key)])
            guard let object = entry.objectValue else { throw DiagnosticError("the tile is not an object", at: at) }
            // The fields a tile has (`X` or legacy `x`, `Laser` or legacy `wavelength`…), in one pass.
            var xField: Field?, yField: Field?, zField: Field?, laserField: Field?, sideField: Field?, exposureField: Field?
            for (name, value) in object {
                switch name {
                case "X", "x": xField = (name, value)
                case "Y", "y": yField = (name, value)
                case "Z", "z": zField = (name, value)
                case "Laser", "laser", "Wavelength", "wavelength": laserField = laserField ?? (name, value)
                case "Side", "side": sideField = (name, value)
                case "Exposure", "exposure": exposureField = (name, value)
                default:
                    switch SmartSPIMMetadata.normalise(name) {
                    case "x": xField = (name, value)
                    case "y": yField = (name, value)
                    case "z": zField = (name, value)
                    case "laser", "wavelength": laserField = laserField ?? (name, value)
                    case "side": sideField = (name, value)
                    case "exposure": exposureField = (name, value)
                    default: break
                    }
                }
            }
            func required(_ field: Field?, _ name: String) throws(DiagnosticError) -> Field {
                guard let field else { throw DiagnosticError("the tile has no '\(name)'", at: at) }
                return field
            }
            func fieldLocation(_ field: Field) -> SourceLocation { location([.key("tile_config"), .key(key), .key(field.name)]) }
            func number(_ field: Field?, _ what: String) throws(DiagnosticError) -> Double? {
                guard let field else { return nil }
                return try SmartSPIMMetadata.number(field.value, "the tile's \(what)", at: fieldLocation(field))
            }
            func text(_ field: Field?, _ what: String) throws(DiagnosticError) -> String? {
                guard let field else { return nil }
                return try SmartSPIMMetadata.text(field.value, "the tile's \(what)", at: fieldLocation(field))
            }
            let xValue = try required(xField, "X"), yValue = try required(yField, "Y"), zValue = try required(zField, "Z")
            let laserValue = try required(laserField, "Laser")
            guard let x = try text(xValue, "X"), let xPosition = try number(xValue, "X"), let y = try text(yValue, "Y"), let yPosition = try number(yValue, "Y")
            else { throw DiagnosticError("the tile's X and Y must be numbers", at: at) }
            guard let z = try number(zValue, "Z") else { throw DiagnosticError("the tile's Z must be a number", at: at) }
            guard let laserNumber = try number(laserValue, "Laser") else { throw DiagnosticError("the tile's Laser must be a wavelength in nm", at: at) }
            guard let laser = Int(exactly: laserNumber) else {
                throw DiagnosticError("the tile's Laser must be a wavelength in nm, found \(SmartSPIMMetadata.excerpt(laserValue.value))", at: fieldLocation(laserValue))
            }
            // `t_<digits>` only (`Int` would also read `t_+5` and `t_-3`); a number too large for an Int goes last.
            let digits = key.utf8.dropFirst(2)
            let numbered = key.hasPrefix("t_") && !digits.isEmpty && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            let index = numbered ? Int(key.dropFirst(2)) ?? Int.max : Int.max
            tiles.append(
                Tile(
                    index: index, key: key, x: x, y: y, z: z, xPosition: xPosition, yPosition: yPosition, laser: laser,
                    side: try text(sideField, "Side"), exposure: try number(exposureField, "Exposure")))
        }
        // Numeric tile order; keys that are not t_<n> keep their place after the numbered ones.
        self.tiles = tiles.enumerated().sorted { a, b in (a.element.index, a.offset) < (b.element.index, b.offset) }.map(\.element)
    }
}
