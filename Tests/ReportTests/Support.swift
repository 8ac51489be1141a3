import Foundation
import MapperTesting
import MetadataModel
import Resolver
import RigMapperCore
import Version

@testable import Report

/// Names a session's documents can carry, for one fixture: the defaults are plain, tests swap in hostile ones.
struct FixtureNames {
    var session = "session-1"
    var behaviorDevice = "harp_behavior"
    var clock = "harp_clock_generator"
    var camera = "FaceCamera"
    var modality = "behavior"
    var stimulus = "foraging"
    var sourceFile = "behavior"
    var mapper = "behavior"
    var version = "1.0.0"
    var note = "line"
    var warning = "active device 'Fiber 0' is not a component of the instrument (it may be an implanted device from the procedures)"
    var streamStart = "2025-07-18T12:32:33.125000-07:00"
    var streamEnd = "2025-07-18T13:02:35.000001-07:00"
}

/// A gather output folder written by hand: acquisition.json (two data streams, two stimulus epochs),
/// instrument.json (a clock generator), one per-mapper acquisition and two per-mapper instruments,
/// gather_report.json and rigmap.lock.
struct SessionFixture {
    let folder: URL
    let names: FixtureNames
    let acquisition: JSONValue
    let instrument: JSONValue

    init(_ names: FixtureNames = FixtureNames(), in base: URL? = nil) throws {
        self.names = names
        let parent = try base ?? makeTemporaryFolder("rigmap-report")
        folder = parent.appendingPathComponent(names.session)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let devices: JSONValue = .strings([names.behaviorDevice, names.clock, names.camera])
        let stream1: JSONValue = [
            "object_type": "Data stream", "stream_start_time": .string(names.streamStart), "stream_end_time": .string(names.streamEnd),
            "modalities": [["name": "Behavior", "abbreviation": .string(names.modality)]], "active_devices": devices,
        ]
        let stream2: JSONValue = [
            "object_type": "Data stream", "stream_start_time": "2025-07-18T12:40:00-07:00", "stream_end_time": "2025-07-18T12:50:00.5-07:00",
            "modalities": [["name": "Fiber photometry", "abbreviation": "fib"]], "active_devices": ["Patch Cord 0"],
        ]
        let epoch1: JSONValue = [
            "object_type": "Stimulus epoch", "stimulus_start_time": "2025-07-18T12:33:00-07:00", "stimulus_end_time": "2025-07-18T12:45:00-07:00",
            "stimulus_name": .string(names.stimulus), "stimulus_modalities": ["Virtual reality"], "active_devices": .strings([names.behaviorDevice]),
        ]
        let epoch2: JSONValue = [
            "object_type": "Stimulus epoch", "stimulus_start_time": "2025-07-18T12:44:00-07:00", "stimulus_end_time": "2025-07-18T13:00:00-07:00",
            "stimulus_name": "second", "stimulus_modalities": ["Olfactory"], "active_devices": [],
        ]
        acquisition = [
            "object_type": "Acquisition", "schema_version": "2.5.4", "subject_id": "795158", "instrument_id": "447-BEH-1",
            "acquisition_type": "AindVrForaging", "acquisition_start_time": .string(names.streamStart), "acquisition_end_time": .string(names.streamEnd),
            "data_streams": [stream1, stream2], "stimulus_epochs": [epoch1, epoch2], "notes": .string(names.note),
        ]
        let clock: JSONValue = [
            "object_type": "Harp device", "name": .string(names.clock), "serial_number": "7", "harp_device_type": ["whoami": 1404, "name": "WhiteRabbit"],
            "is_clock_generator": true, "firmware_version": "0.2",
        ]
        let behavior: JSONValue = [
            "object_type": "Harp device", "name": .string(names.behaviorDevice), "serial_number": "1342", "manufacturer": ["name": "Open Ephys Production Site"],
            "harp_device_type": ["whoami": 1216, "name": "Behavior"], "is_clock_generator": false,
        ]
        let camera: JSONValue = ["object_type": "Camera", "name": .string(names.camera), "model": .string(names.note)]
        instrument = [
            "object_type": "Instrument", "schema_version": "2.2.8", "instrument_id": "447-BEH-1", "location": "447",
            "modalities": [["name": "Behavior", "abbreviation": .string(names.modality)]], "components": [behavior, clock, camera],
            "connections": [["object_type": "Connection", "source_device": .string(names.clock), "target_device": .string(names.behaviorDevice), "target_port": "ClkIn"]],
        ]
        let sourceAcquisition: JSONValue = [
            "object_type": "Acquisition", "schema_version": "2.5.4", "acquisition_start_time": .string(names.streamStart),
            "acquisition_end_time": "2025-07-18T13:02:31.125000-07:00",
            "data_streams": [
                [
                    "stream_start_time": .string(names.streamStart), "stream_end_time": "2025-07-18T13:02:31.125000-07:00",
                    "modalities": [["abbreviation": .string(names.modality)]], "active_devices": devices,
                ]
            ],
        ]
        let clockWithoutSerial: JSONValue = ["object_type": "Harp device", "name": .string(names.clock), "harp_device_type": ["whoami": 1404, "name": "WhiteRabbit"], "is_clock_generator": true]
        try write("acquisition.json", acquisition)
        try write("instrument.json", instrument)
        try write("acquisition_\(names.sourceFile).json", sourceAcquisition)
        try write("instrument_\(names.sourceFile).json", ["object_type": "Instrument", "components": [behavior, clock, camera]])
        try write("instrument_zfiber.json", ["object_type": "Instrument", "components": [clockWithoutSerial]])
        let diagnostic = { (severity: String, message: String) -> JSONValue in
            [
                "severity": .string(severity), "message": .string(message), "file": "acquisition.json", "path": "data_streams[0].active_devices[2]",
                "line": .null, "column": .null, "byte": .null,
            ]
        }
        let report: JSONValue = [
            "status": "partial", "exit_code": 3,
            "mappers": [
                [
                    "mapper": .string("\(names.mapper)@\(names.version)"), "version_source": "job_type", "outcome": "ran", "claimed": .strings([names.sourceFile]),
                    "input_sha256": "ab12", "inputs": .object([names.sourceFile + "/": "cd34", "@claims": "ef56"]), "outputs": [], "diagnostics": [],
                ]
            ],
            "given_documents": [], "written": [], "stale": [],
            "notes": .strings([
                "shared clock generator '\(names.clock)': serial_number from instrument_zfiber.json, everything else from instrument_\(names.sourceFile).json",
                names.note,
            ]),
            "errors": [diagnostic("error", "stimulus device '\(names.behaviorDevice)' is not a component of the instrument")],
            "warnings": [diagnostic("warning", names.warning)],
        ]
        try write("gather_report.json", report)
        var lock = LockFile(rigmapVersion: "0.5.0")
        if let version = Version(names.version) {
            lock.mappers[names.mapper] = LockFile.Pin(version: version, configSHA256: "99aa")
        }
        lock.outputs["acquisition_\(names.sourceFile).json"] = LockFile.OutputRecord(
            mapper: "\(names.mapper)@\(names.version)", settingsSHA256: "11bb", inputs: [names.sourceFile: "22cc"], inputSHA256: "ab12", sha256: "not-the-file")
        try Data(lock.yaml.utf8).write(to: folder.appendingPathComponent("rigmap.lock"))
    }

    func write(_ name: String, _ value: JSONValue) throws {
        try Data(JSONWriter.referenceBytes(value)).write(to: folder.appendingPathComponent(name))
    }

    func page(validate: Bool = false) throws -> String {
        String(decoding: try Report.sessionPage(folder: folder, displayName: folder.path, options: ReportOptions(generator: "rigmap test", validate: validate)), as: UTF8.self)
    }
}

/// A page split into tokens the way a browser's tokenizer splits it (start and end tags with their attributes,
/// text, comments, the raw text of `<script>` and `<style>`, the escapable raw text of `<title>`), enough to check
/// that no value read from input became markup.
struct Tokens {
    struct Tag {
        var name: String
        var attributes: [(name: String, value: String, quoted: Bool)]
        var isEnd: Bool

        func value(_ name: String) -> String? { attributes.first { $0.name == name }.map { Tokens.decode($0.value) } }
    }

    var tags: [Tag] = []
    /// Text content, decoded.
    var text: [String] = []
    /// The raw content of each `<script>` element, in order, with its start tag.
    var scripts: [(tag: Tag, content: String)] = []
    var styles: [String] = []
    var comments = 0

    init(_ html: String) {
        let s = Array(html.unicodeScalars)
        var i = 0
        func isLetter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\u{0C}" }
        func starts(_ text: String, at k: Int) -> Bool {
            let t = Array(text.unicodeScalars)
            guard k + t.count <= s.count else { return false }
            for j in 0..<t.count where String(s[k + j]).lowercased() != String(t[j]).lowercased() { return false }
            return true
        }
        var buffer = ""
        func flush() {
            if !buffer.isEmpty { text.append(Tokens.decode(buffer)) }
            buffer = ""
        }
        while i < s.count {
            let c = s[i]
            if c == "<", i + 1 < s.count {
                let n = s[i + 1]
                if starts("<!--", at: i) {
                    flush()
                    comments += 1
                    var k = i + 4
                    while k < s.count && !starts("-->", at: k) { k += 1 }
                    i = k + 3
                    continue
                }
                if n == "!" {
                    flush()
                    while i < s.count && s[i] != ">" { i += 1 }
                    i += 1
                    continue
                }
                if isLetter(n) || (n == "/" && i + 2 < s.count && isLetter(s[i + 2])) {
                    flush()
                    let isEnd = n == "/"
                    i += isEnd ? 2 : 1
                    var name = ""
                    while i < s.count, !isSpace(s[i]), s[i] != "/", s[i] != ">" {
                        name.unicodeScalars.append(s[i])
                        i += 1
                    }
                    var attributes: [(String, String, Bool)] = []
                    while i < s.count, s[i] != ">" {
                        if isSpace(s[i]) || s[i] == "/" {
                            i += 1
                            continue
                        }
                        var attribute = ""
                        while i < s.count, !isSpace(s[i]), s[i] != "=", s[i] != ">", s[i] != "/" || attribute.isEmpty {
                            attribute.unicodeScalars.append(s[i])
                            i += 1
                        }
                        var value = ""
                        var quoted = false
                        if i < s.count, s[i] == "=" {
                            i += 1
                            if i < s.count, s[i] == "\"" || s[i] == "'" {
                                let quote = s[i]
                                quoted = quote == "\""
                                i += 1
                                while i < s.count, s[i] != quote {
                                    value.unicodeScalars.append(s[i])
                                    i += 1
                                }
                                i += 1
                            } else {
                                while i < s.count, !isSpace(s[i]), s[i] != ">" {
                                    value.unicodeScalars.append(s[i])
                                    i += 1
                                }
                            }
                        } else {
                            quoted = true  // a bare attribute: nothing to quote
                        }
                        attributes.append((attribute.lowercased(), value, quoted))
                    }
                    i += 1
                    let tag = Tag(name: name.lowercased(), attributes: attributes, isEnd: isEnd)
                    tags.append(tag)
                    if !isEnd, ["script", "style", "title"].contains(tag.name) {
                        var k = i
                        while k < s.count && !starts("</\(tag.name)", at: k) { k += 1 }
                        var content = ""
                        content.unicodeScalars.append(contentsOf: s[i..<min(k, s.count)])
                        switch tag.name {
                        case "script": scripts.append((tag, content))
                        case "style": styles.append(content)
                        default: text.append(Tokens.decode(content))
                        }
                        i = k
                    }
                    continue
                }
            }
            buffer.unicodeScalars.append(c)
            i += 1
        }
        flush()
    }

    /// The entities the pages write.
    static func decode(_ text: String) -> String {
        text.replacingEvery("&lt;", with: "<").replacingEvery("&gt;", with: ">").replacingEvery("&quot;", with: "\"").replacingEvery("&#39;", with: "'")
            .replacingEvery("&amp;", with: "&")
    }

    var allText: String { text.joined() }

    func elements(_ name: String) -> [Tag] { tags.filter { $0.name == name && !$0.isEnd } }
    func elements(with attribute: String) -> [Tag] { tags.filter { tag in !tag.isEnd && tag.attributes.contains { $0.name == attribute } } }
}

/// What a page shows of a string: control characters a page cannot show become U+FFFD (see `HTMLEscape`).
func shown(_ value: String) -> String {
    var out = ""
    for scalar in value.unicodeScalars {
        if (scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r") || (0x7F...0x9F).contains(scalar.value) {
            out += "\u{FFFD}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// A deterministic generator (SplitMix64), so a failing fuzz case is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Pieces of hostile names: markup, script and comment openers and closers, quotes, entities, line and paragraph
/// separators, control characters, CDATA, URL schemes, template syntax.
let hostilePieces: [String] = [
    "<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>", "<script>alert(2)</script>", "\"><svg onload=alert(3)>",
    "' onmouseover='alert(4)", "<!--", "-->", "<![CDATA[", "]]>", "</style>", "</title>", "</textarea>", "&amp;", "&lt;", "&#60;", "&",
    "\u{2028}", "\u{2029}", "\u{7}", "\u{1B}[31m", "\u{85}", "\u{0}", "\t", "\n", "javascript:alert(5)", "{{7*7}}", "${8}", "`", "\\", "\\u003c",
    "é", "😀", "\u{202E}", "<iframe srcdoc='<script>alert(6)</script>'>", "<a href=\"javascript:alert(7)\">x</a>", "x", " ",
]

func hostileName(_ g: inout SeededGenerator, fileSafe: Bool = false) -> String {
    var out = ""
    for _ in 0..<Int.random(in: 1...4, using: &g) {
        out += hostilePieces[Int.random(in: 0..<hostilePieces.count, using: &g)]
    }
    if fileSafe {
        out = out.replacingEvery("/", with: "_").replacingEvery("\u{0}", with: "_")
        if out.utf8.count > 180 { out = String(out.prefix(60)) }
    }
    return out
}
