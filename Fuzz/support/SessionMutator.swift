// Structural mutations of a session (a SessionArchive), for libFuzzer's LLVMFuzzerCustomMutator: what a damaged or
// unusual recording looks like, whole, rather than random bytes. Each call applies one to four of:
//
// - a number in a text file (JSON, XML, YAML, sync_messages.txt, a .npy header) replaced by an extreme: 0, -0,
//   1e-300, 1e300, Int64.max, Int64.min, 2^63, 2^64, NaN, inf, Infinity, 1e999, a 30-digit integer, …
// - JSON edits through the parser: a value replaced (null, wrong type, extreme number, 70 000-character string,
//   deep nesting), a member removed or renamed, an array element duplicated up to thousands of times
// - XML edits: an element duplicated (up to thousands of times: the quadratic-STREAM case) or removed, an attribute
//   value replaced; line edits (duplicated, removed, garbage lines)
// - Harp messages (`*.bin`): length, type, payload type, payload (U64 ≥ 2^63, NaN floats), time fields; the checksum
//   fixed most of the time so the message is read
// - `.npy` headers: shape (huge, negative, 2-D, empty), descr, version, header length
// - a file truncated, its header bytes flipped, non-UTF-8 bytes inserted (in a string or anywhere), a string made
//   very long, libFuzzer's own byte mutation of one file (comparison-guided)
// - a file or folder removed, duplicated under a sibling name (recording2, Record Node 102, settings_2.xml), renamed
//   (non-ASCII, newline, 255 bytes), replaced by a folder, a symlink (loop, to its parent, outside), a FIFO, an empty
//   or a sparse file of a huge size; another file's content spliced in
// - the job's text (same text edits) and the `--input` path's spelling (`P/`, `./P`, `P//`, `P/.`)

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetadataModel

/// libFuzzer's default byte mutator, for one file's bytes.
@_silgen_name("LLVMFuzzerMutate")
func libFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// SplitMix64, seeded by libFuzzer's seed: the same seed gives the same mutation.
struct FuzzRandom {
    var state: UInt64
    init(seed: UInt32) { state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// `0..<n` (0 when n ≤ 0).
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    /// Mostly small, sometimes large: 1, 2, 3 … up to `limit`.
    mutating func count(_ limit: Int) -> Int {
        switch below(4) {
        case 0: return 1
        case 1: return 1 + below(4)
        case 2: return 1 + below(100)
        default: return 1 + below(max(1, limit))
        }
    }
}

enum SessionMutator {
    static let extremeNumbers: [String] = [
        "0", "-0", "0.0", "-0.0", "1", "-1", "-2", "1e-300", "-1e-300", "1e300", "-1e300", "1e308", "1.7976931348623157e308",
        "4.9e-324", "1e-320", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "4611686018427387904", "2147483647", "2147483648", "-2147483649",
        "4294967295", "4294967296", "65535", "65536", "255", "256", "NaN", "nan", "-nan", "inf", "-inf", "Infinity", "-Infinity",
        "1e999", "-1e999", "1E400", "123456789012345678901234567890", "99999999999999999999", ".5", "5.", "0x7fffffff", "+1",
        "01", "1_000", "1e", "--1", "30000.0000000000000000001", "3.0e4", "2.5e-8",
    ]

    static let invalidUTF8: [[UInt8]] = [[0xFF], [0xC3], [0xE9], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xFE, 0xFF], [0xEF, 0xBB, 0xBF]]

    static let weirdNames: [[UInt8]] = [
        Array("é".utf8), Array("Zoë-µscope".utf8), [0x0A], [0xFF], Array(" ".utf8), Array("\t".utf8), Array("-".utf8), Array("~".utf8),
        Array(repeating: 0x4E, count: 200), Array("\u{202E}".utf8), Array("x".utf8),
    ]

    /// Applies one to four structural mutations; the result's encoding must fit in `maxSize` bytes (mutations that
    /// would not fit are undone).
    static func mutate(_ archive: inout SessionArchive, maxSize: Int, rng: inout FuzzRandom) {
        let steps = 1 + rng.below(rng.chance(70) ? 1 : 4)
        for _ in 0..<steps {
            var tried = archive
            mutateOnce(&tried, rng: &rng, maxSize: maxSize)
            if tried.encoded.count <= maxSize { archive = tried }
        }
    }

    /// Files whose bytes can be edited (regular and sparse), by index.
    static func files(_ archive: SessionArchive) -> [Int] {
        archive.entries.indices.filter { archive.entries[$0].kind == .file || archive.entries[$0].kind == .sparse }
    }

    static func mutateOnce(_ archive: inout SessionArchive, rng: inout FuzzRandom, maxSize: Int) {
        let room = max(0, maxSize - archive.encoded.count)
        // Text edits go to the job now and then, to a file otherwise.
        func editData(_ edit: (inout [UInt8], inout FuzzRandom) -> Void) {
            let candidates = files(archive)
            if candidates.isEmpty || rng.chance(6) {
                edit(&archive.job, &rng)
                return
            }
            let index = rng.pick(candidates)
            edit(&archive.entries[index].data, &rng)
            if archive.entries[index].kind == .sparse, archive.entries[index].size < Int64(archive.entries[index].data.count) {
                archive.entries[index].size = Int64(archive.entries[index].data.count)
            }
        }
        /// A file whose name or content says what it is.
        func file(where test: (SessionArchive.Entry) -> Bool) -> Int? {
            let candidates = files(archive).filter { test(archive.entries[$0]) }
            return candidates.isEmpty ? nil : rng.pick(candidates)
        }

        switch rng.below(20) {
        case 0, 1, 2:
            editData { data, rng in replaceNumber(&data, rng: &rng) }
        case 3, 4:
            if let index = file(where: { $0.data.first == 0x7B || $0.data.first == 0x5B }) {
                mutateJSON(&archive.entries[index].data, rng: &rng, room: room)
            } else {
                editData { data, rng in replaceNumber(&data, rng: &rng) }
            }
        case 5:
            if let index = file(where: { $0.data.starts(with: Array("<".utf8)) || $0.path.ends(with: ".xml") }) {
                mutateXML(&archive.entries[index].data, rng: &rng, room: room)
            } else {
                editData { data, rng in mutateLines(&data, rng: &rng, room: room) }
            }
        case 6:
            editData { data, rng in mutateLines(&data, rng: &rng, room: room) }
        case 7:
            if let index = file(where: { $0.path.ends(with: ".bin") }) {
                mutateHarp(&archive.entries[index].data, rng: &rng, room: room)
            } else if let index = file(where: { $0.data.starts(with: [0x93] + Array("NUMPY".utf8)) }) {
                mutateNPY(&archive.entries[index].data, rng: &rng)
            } else {
                editData { data, rng in flipHeader(&data, rng: &rng) }
            }
        case 8:
            if let index = file(where: { $0.data.starts(with: [0x93] + Array("NUMPY".utf8)) }) {
                mutateNPY(&archive.entries[index].data, rng: &rng)
            } else {
                editData { data, rng in replaceNumber(&data, rng: &rng) }
            }
        case 9:
            editData { data, rng in
                guard !data.isEmpty else { return }
                let cut = rng.chance(50) ? rng.below(min(data.count, 200)) : rng.below(data.count)
                data.removeSubrange(cut...)
            }
        case 10:
            editData { data, rng in flipHeader(&data, rng: &rng) }
        case 11:
            editData { data, rng in
                let bytes = rng.pick(invalidUTF8)
                let strings = stringRanges(data)
                let at = !strings.isEmpty && rng.chance(70) ? rng.pick(strings).lowerBound + 1 : rng.below(data.count + 1)
                data.insert(contentsOf: bytes, at: min(at, data.count))
            }
        case 12:
            editData { data, rng in
                let strings = stringRanges(data)
                guard !strings.isEmpty else { return }
                let range = rng.pick(strings)
                let length = rng.pick([1000, 4096, 65_535, 65_537, 70_000, 200_000])
                guard length < room else { return }
                data.replaceSubrange((range.lowerBound + 1)..<range.upperBound, with: Array(repeating: rng.pick([0x41, 0x20, 0x5C]), count: length))
            }
        case 13:
            let candidates = files(archive)
            guard !candidates.isEmpty else { return }
            let index = rng.pick(candidates)
            var data = archive.entries[index].data
            let capacity = min(max(data.count * 2 + 64, 256), data.count + max(0, room))
            data += Array(repeating: 0, count: max(0, capacity - data.count))
            let kept = data.withUnsafeMutableBufferPointer { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return libFuzzerMutate(base, archive.entries[index].data.count, buffer.count)
            }
            archive.entries[index].data = Array(data.prefix(max(0, min(kept, data.count))))
        case 14:
            removeEntry(&archive, rng: &rng)
        case 15, 16:
            duplicateEntry(&archive, rng: &rng)
        case 17:
            renameEntry(&archive, rng: &rng)
        case 18:
            replaceKind(&archive, rng: &rng)
        default:
            switch rng.below(3) {
            case 0:
                // Another file's bytes in this one.
                let candidates = files(archive)
                guard candidates.count > 1 else { return }
                let (a, b) = (rng.pick(candidates), rng.pick(candidates))
                if archive.entries[b].data.count <= room { archive.entries[a].data = archive.entries[b].data }
            case 1:
                let path = archive.input
                archive.input = rng.pick([path + [0x2F], Array("./".utf8) + path, path + Array("//".utf8), path + Array("/.".utf8), path])
            default:
                editData { data, rng in replaceNumber(&data, rng: &rng) }
            }
        }
    }

    // MARK: Text

    /// Byte ranges of numbers: `-?digits(.digits)?([eE][+-]?digits)?` not inside a word.
    static func numberRanges(_ data: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var i = 0
        func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
        func isWord(_ b: UInt8) -> Bool { isDigit(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x5F || b == 0x2E }
        while i < data.count {
            guard isDigit(data[i]), i == 0 || !isWord(data[i - 1]) else {
                i += 1
                continue
            }
            var start = i
            if start > 0, data[start - 1] == 0x2D { start -= 1 }
            var end = i
            while end < data.count, isDigit(data[end]) { end += 1 }
            if end + 1 < data.count, data[end] == 0x2E, isDigit(data[end + 1]) {
                end += 1
                while end < data.count, isDigit(data[end]) { end += 1 }
            }
            if end + 1 < data.count, data[end] == 0x65 || data[end] == 0x45 {
                var e = end + 1
                if e < data.count, data[e] == 0x2B || data[e] == 0x2D { e += 1 }
                if e < data.count, isDigit(data[e]) {
                    while e < data.count, isDigit(data[e]) { e += 1 }
                    end = e
                }
            }
            ranges.append(start..<end)
            i = end
            if ranges.count > 20_000 { break }
        }
        return ranges
    }

    static func replaceNumber(_ data: inout [UInt8], rng: inout FuzzRandom) {
        let ranges = numberRanges(data)
        guard !ranges.isEmpty else { return }
        // Headers come first in binary files: favour the first numbers now and then.
        let range = rng.chance(25) ? ranges[rng.below(min(ranges.count, 8))] : rng.pick(ranges)
        data.replaceSubrange(range, with: Array(rng.pick(extremeNumbers).utf8))
    }

    /// Byte ranges from one `"` (or `'`) to the next of the same kind, quotes included.
    static func stringRanges(_ data: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var open: (Int, UInt8)?
        for (i, b) in data.enumerated() where b == 0x22 || b == 0x27 {
            if let (start, quote) = open {
                if quote == b {
                    ranges.append(start..<i)
                    open = nil
                }
            } else {
                open = (i, b)
            }
            if ranges.count > 20_000 { break }
        }
        return ranges
    }

    static func flipHeader(_ data: inout [UInt8], rng: inout FuzzRandom) {
        guard !data.isEmpty else { return }
        for _ in 0..<(1 + rng.below(4)) {
            let at = rng.below(min(data.count, rng.chance(70) ? 64 : data.count))
            data[at] ^= UInt8(truncatingIfNeeded: 1 << rng.below(8)) | (rng.chance(30) ? 0xFF : 0)
        }
    }

    static func mutateLines(_ data: inout [UInt8], rng: inout FuzzRandom, room: Int) {
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        guard !lines.isEmpty else { return }
        let at = rng.below(lines.count)
        switch rng.below(5) {
        case 0:
            let copies = rng.count(5000)
            guard lines[at].count * copies < room else { return }
            lines.insert(contentsOf: Array(repeating: lines[at], count: copies), at: at)
        case 1:
            lines.remove(at: at)
        case 2:
            let garbage: [[UInt8]] = [Array("garbage".utf8), [0xFF, 0xFE], Array("Start Time for x (1) @ 30000 Hz: ".utf8), Array("\r".utf8), []]
            let copies = rng.count(2000)
            guard copies * 40 < room else { return }
            lines.insert(contentsOf: Array(repeating: rng.pick(garbage), count: copies), at: at)
        case 3:
            lines.swapAt(at, rng.below(lines.count))
        default:
            lines[at] += Array(rng.pick(["\r", " ", "\t", ":", "@", "Hz", ": 9223372036854775807"]).utf8)
        }
        data = Array(lines.joined(separator: [0x0A]))
    }

    // MARK: JSON

    static func mutateJSON(_ data: inout [UInt8], rng: inout FuzzRandom, room: Int) {
        guard var value = try? JSONParser.parse(data) else {
            replaceNumber(&data, rng: &rng)
            return
        }
        var budget = room
        mutateNode(&value, depth: 0, rng: &rng, budget: &budget)
        data = rng.chance(50) ? JSONWriter.referenceBytes(value, indent: 2) : Array(JSONWriter.compactString(value).utf8)
    }

    static func replacement(_ rng: inout FuzzRandom, budget: Int) -> JSONValue {
        switch rng.below(14) {
        case 0: return .null
        case 1: return .bool(rng.chance(50))
        case 2: return ""
        case 3: return .string(String(repeating: "x", count: min(max(0, budget - 100), rng.pick([300, 4096, 65_537, 70_000]))))
        case 4: return .string(rng.pick(["nan", "NaN", "inf", "-Infinity", "1e999", "\u{FFFD}", "Zoë-µscope", "2024-13-45T25:61:61", "\n", "0"]))
        case 5: return []
        case 6: return [:]
        case 7: return .number(JSONNumber(Int.max))
        case 8: return .number(JSONNumber(Int.min))
        case 9: return .number(JSONNumber(rng.pick([1e300, -1e300, 1e-300, -0.0, 0.5, 1.7976931348623157e308])))
        case 10: return .number(JSONNumber(rng.pick([0, -1, 1, 255, 256, 65_536, 2_147_483_648, 4_294_967_296])))
        case 11:
            var deep: JSONValue = []
            for _ in 0..<rng.pick([10, 100, 600]) { deep = [deep] }
            return deep
        case 12: return .string(rng.pick(["Ex_488_Em_525", "ProbeA", "Behavior", "America/Los_Angeles", "posix/UTC", "../x", "/", "."]))
        default: return [.null, 1, "a"]
        }
    }

    static func mutateNode(_ value: inout JSONValue, depth: Int, rng: inout FuzzRandom, budget: inout Int) {
        switch value {
        case .object(var object) where !object.isEmpty:
            let index = rng.below(object.count)
            let key = object.keys[index]
            if depth < 12, rng.chance(65), var child = object[key], child.isContainer || rng.chance(50) {
                mutateNode(&child, depth: depth + 1, rng: &rng, budget: &budget)
                object[key] = child
            } else {
                switch rng.below(5) {
                case 0: object.removeValue(forKey: key)
                case 1:
                    // Renamed: case, a suffix, non-ASCII (JSON keys are compared exactly).
                    let renamed = rng.pick([key.uppercased(), key + "_", key + "é", " " + key, key + "\u{0}", ""])
                    if object[renamed] == nil, let child = object.removeValue(forKey: key) { object[renamed] = child }
                default: object[key] = replacement(&rng, budget: budget)
                }
            }
            value = .object(object)
        case .array(var array) where !array.isEmpty:
            let index = rng.below(array.count)
            if depth < 12, rng.chance(60), array[index].isContainer {
                mutateNode(&array[index], depth: depth + 1, rng: &rng, budget: &budget)
            } else {
                switch rng.below(4) {
                case 0: array.remove(at: index)
                case 1:
                    let size = JSONWriter.compactString(array[index]).utf8.count + 1
                    let copies = min(rng.count(20_000), budget / max(1, size))
                    array.insert(contentsOf: Array(repeating: array[index], count: copies), at: index)
                    budget -= copies * size
                default: array[index] = replacement(&rng, budget: budget)
                }
            }
            value = .array(array)
        default:
            value = replacement(&rng, budget: budget)
        }
    }

    // MARK: XML

    /// The byte range of each element `<NAME …/>` or `<NAME …>…</NAME>` (same-name nesting counted).
    static func elementRanges(_ data: [UInt8], limit: Int = 4000) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var i = 0
        while i < data.count - 1, ranges.count < limit {
            defer { i += 1 }
            guard data[i] == 0x3C, (0x41...0x5A).contains(data[i + 1]) || (0x61...0x7A).contains(data[i + 1]) else { continue }
            var nameEnd = i + 1
            while nameEnd < data.count, data[nameEnd] != 0x20, data[nameEnd] != 0x3E, data[nameEnd] != 0x2F, data[nameEnd] != 0x0A, data[nameEnd] != 0x0D {
                nameEnd += 1
            }
            let name = Array(data[(i + 1)..<nameEnd])
            guard let tagEnd = data[nameEnd...].firstIndex(of: 0x3E) else { break }
            if data[tagEnd - 1] == 0x2F {
                ranges.append(i..<(tagEnd + 1))
                continue
            }
            // Find the matching close tag.
            let open = [0x3C] + name
            let close = [0x3C, 0x2F] + name + [0x3E]
            var depth = 1
            var j = tagEnd + 1
            while j < data.count, depth > 0 {
                if data[j] == 0x3C {
                    if data[j...].starts(with: close) {
                        depth -= 1
                        if depth == 0 {
                            ranges.append(i..<(j + close.count))
                            break
                        }
                    } else if data[j...].starts(with: open), j + open.count < data.count, [0x20, 0x3E, 0x2F, 0x0A, 0x0D].contains(data[j + open.count]) {
                        depth += 1
                    }
                }
                j += 1
            }
        }
        return ranges
    }

    static func mutateXML(_ data: inout [UInt8], rng: inout FuzzRandom, room: Int) {
        let ranges = elementRanges(data)
        guard !ranges.isEmpty else {
            replaceNumber(&data, rng: &rng)
            return
        }
        // Small elements (STREAM, NP_PROBE, CHANNEL) are the interesting ones to repeat.
        let small = ranges.filter { $0.count < 4096 }
        let range = !small.isEmpty && rng.chance(80) ? rng.pick(small) : rng.pick(ranges)
        switch rng.below(4) {
        case 0:
            let copies = min(rng.count(100_000), room / max(1, range.count + 1))
            guard copies > 0 else { return }
            let element = Array(data[range]) + [0x0A]
            var inserted: [UInt8] = []
            inserted.reserveCapacity(element.count * copies)
            for _ in 0..<copies { inserted += element }
            data.insert(contentsOf: inserted, at: range.upperBound)
        case 1:
            data.removeSubrange(range)
        default:
            // An attribute value of this element.
            let strings = stringRanges(Array(data[range])).map { ($0.lowerBound + range.lowerBound)..<($0.upperBound + range.lowerBound) }
            guard !strings.isEmpty else { return }
            let string = rng.pick(strings)
            let value: [UInt8] = rng.chance(60) ? Array(rng.pick(extremeNumbers).utf8) : rng.pick(weirdNames)
            data.replaceSubrange((string.lowerBound + 1)..<string.upperBound, with: value)
        }
    }

    // MARK: Binary formats

    /// Harp messages: type, length (bytes after it), address, port, payload type (0x10: timestamped), [seconds u32,
    /// ticks u16], payload, checksum (sum of the bytes before it).
    static func mutateHarp(_ data: inout [UInt8], rng: inout FuzzRandom, room: Int) {
        var messages: [Range<Int>] = []
        var offset = 0
        while offset + 1 < data.count {
            let total = Int(data[offset + 1]) + 2
            guard offset + total <= data.count, total >= 5 else { break }
            messages.append(offset..<(offset + total))
            offset += total
        }
        guard !messages.isEmpty else {
            flipHeader(&data, rng: &rng)
            return
        }
        let message = rng.pick(messages)
        let o = message.lowerBound
        let timestamped = data[o + 4] & 0x10 != 0
        let payloadStart = o + 5 + (timestamped ? 6 : 0)
        var fixChecksum = rng.chance(80)
        switch rng.below(8) {
        case 0:
            data[o + 1] = rng.pick([0, 1, 2, 3, 4, 5, 0x7F, 0x80, 0xFE, 0xFF])
            fixChecksum = false
        case 1:
            data[o] = rng.pick([0, 1, 2, 3, 4, 9, 10, 11, 0x80, 0xFF])
        case 2:
            let types: [UInt8] = [0x01, 0x02, 0x04, 0x08, 0x81, 0x82, 0x84, 0x88, 0x44, 0x00, 0x0F, 0x48, 0x7F, 0xFF]
            data[o + 4] = rng.pick(types) | (timestamped ? 0x10 : 0)
        case 3:
            guard payloadStart < message.upperBound - 1 else { return }
            let patterns: [[UInt8]] = [
                [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0, 0, 0, 0, 0x80], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
                [0, 0, 0, 0, 0, 0, 0xF8, 0x7F], [0, 0, 0xC0, 0x7F], [0, 0, 0x80, 0x7F], [0, 0, 0, 0, 0, 0, 0, 0], [0xFF, 0xFF], [0x80],
            ]
            let pattern = rng.pick(patterns)
            for (k, byte) in pattern.enumerated() where payloadStart + k < message.upperBound - 1 { data[payloadStart + k] = byte }
        case 4:
            guard timestamped else { return }
            let seconds: [UInt8] = rng.pick([[0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0], [0, 0, 0, 0x80]])
            for k in 0..<4 { data[o + 5 + k] = seconds[k] }
            if rng.chance(50) { (data[o + 9], data[o + 10]) = (0xFF, 0xFF) }
        case 5:
            let copies = min(rng.count(50_000), room / max(1, message.count))
            guard copies > 0 else { return }
            let bytes = Array(data[message])
            var inserted: [UInt8] = []
            for _ in 0..<copies { inserted += bytes }
            data.insert(contentsOf: inserted, at: message.upperBound)
            return
        case 6:
            data.removeSubrange(message)
            return
        default:
            // The timestamp flag toggled: the payload is read from another place.
            data[o + 4] ^= 0x10
        }
        if fixChecksum, message.upperBound <= data.count {
            var sum: UInt8 = 0
            for byte in data[o..<(message.upperBound - 1)] { sum &+= byte }
            data[message.upperBound - 1] = sum
        }
    }

    /// `.npy`: magic, version (2 bytes), header length (u16 LE for 1.x, u32 for 2.x), then the header dict.
    static func mutateNPY(_ data: inout [UInt8], rng: inout FuzzRandom) {
        guard data.count >= 10 else { return }
        switch rng.below(6) {
        case 0:
            data[6] = rng.pick([0, 1, 2, 3, 0xFF])
        case 1:
            let length: [UInt8] = rng.pick([[0, 0], [0xFF, 0xFF], [0xFF, 0x7F], [UInt8(truncatingIfNeeded: data.count), 0]])
            (data[8], data[9]) = (length[0], length[1])
        default:
            let text = Array("'shape': (".utf8)
            let descr = Array("'descr': '".utf8)
            if rng.chance(70), let at = firstRange(of: text, in: data), let close = data[at.upperBound...].firstIndex(of: 0x29) {
                let shapes = [
                    "9223372036854775807,", "4611686018427387904,", "-1,", "", "0,", "100000000000000000,", "9223372036854775807, 9223372036854775807",
                    "3, 4", "1e3,", "18446744073709551615,", "2147483648, 4",
                ]
                data.replaceSubrange(at.upperBound..<close, with: Array(rng.pick(shapes).utf8))
            } else if let at = firstRange(of: descr, in: data), let close = data[at.upperBound...].firstIndex(of: 0x27) {
                let descrs = ["<f8", ">i8", "<i4", "|u1", "<U1", "O", "<c16", "<M8[us]", "<i16", "", "<u8"]
                data.replaceSubrange(at.upperBound..<close, with: Array(rng.pick(descrs).utf8))
            } else {
                replaceNumber(&data, rng: &rng)
            }
        }
    }

    static func firstRange(of needle: [UInt8], in data: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty, data.count >= needle.count else { return nil }
        for i in 0...(data.count - needle.count) where data[i] == needle[0] && data[i..<(i + needle.count)].elementsEqual(needle) {
            return i..<(i + needle.count)
        }
        return nil
    }

    // MARK: Tree

    static func isUnder(_ path: [UInt8], _ folder: [UInt8]) -> Bool {
        path == folder || (path.count > folder.count && path.starts(with: folder) && path[folder.count] == 0x2F)
    }

    static func removeEntry(_ archive: inout SessionArchive, rng: inout FuzzRandom) {
        guard !archive.entries.isEmpty else { return }
        let path = archive.entries[rng.below(archive.entries.count)].path
        archive.entries.removeAll { isUnder($0.path, path) }
    }

    /// A sibling name: a number in the last component changed (`recording1` → `recording2`, `Record Node 101` →
    /// `Record Node 102`, `Behavior_12.bin` → `Behavior_13.bin`), or a suffix (`settings.xml` → `settings_2.xml`).
    static func siblingName(_ path: [UInt8], rng: inout FuzzRandom) -> [UInt8] {
        let slash = path.lastIndex(of: 0x2F).map { $0 + 1 } ?? 0
        var name = Array(path[slash...])
        let numbers = numberRanges(name).filter { name[$0.lowerBound] != 0x2D }
        if !numbers.isEmpty, rng.chance(75) {
            let range = rng.pick(numbers)
            let value = Int(String(decoding: name[range], as: UTF8.self)) ?? 0
            let replacement = rng.pick([value + 1, value + 2, 0, 10, 99, 1000])
            name.replaceSubrange(range, with: Array(String(replacement).utf8))
        } else if let dot = name.lastIndex(of: 0x2E), dot > 0 {
            name.insert(contentsOf: Array(rng.pick(["_2", "_02", " (copy)", "-checkpoint"]).utf8), at: dot)
        } else {
            name += Array(rng.pick(["_2", "2", " copy"]).utf8)
        }
        return Array(path[..<slash]) + name
    }

    static func duplicateEntry(_ archive: inout SessionArchive, rng: inout FuzzRandom) {
        guard !archive.entries.isEmpty else { return }
        let source = archive.entries[rng.below(archive.entries.count)].path
        let target = siblingName(source, rng: &rng)
        guard target != source, !archive.entries.contains(where: { isUnder($0.path, target) }) else { return }
        let copies = archive.entries.filter { isUnder($0.path, source) }.map { entry -> SessionArchive.Entry in
            var copy = entry
            copy.path = target + entry.path.dropFirst(source.count)
            return copy
        }
        archive.entries += copies
    }

    static func renameEntry(_ archive: inout SessionArchive, rng: inout FuzzRandom) {
        guard !archive.entries.isEmpty else { return }
        let source = archive.entries[rng.below(archive.entries.count)].path
        let slash = source.lastIndex(of: 0x2F).map { $0 + 1 } ?? 0
        var name = Array(source[slash...])
        switch rng.below(4) {
        case 0: name = name.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : ((0x41...0x5A).contains($0) ? $0 + 0x20 : $0) }
        case 1: name.insert(contentsOf: rng.pick(weirdNames), at: rng.below(name.count + 1))
        case 2: name = Array(repeating: 0x4C, count: 255 - min(name.count, 200)) + name.prefix(200)
        default: name = siblingName(name, rng: &rng)
        }
        let target = Array(source[..<slash]) + name
        guard target != source, !archive.entries.contains(where: { isUnder($0.path, target) }) else { return }
        for i in archive.entries.indices where isUnder(archive.entries[i].path, source) {
            archive.entries[i].path = target + archive.entries[i].path.dropFirst(source.count)
        }
    }

    static func replaceKind(_ archive: inout SessionArchive, rng: inout FuzzRandom) {
        guard !archive.entries.isEmpty else { return }
        let index = rng.below(archive.entries.count)
        let path = archive.entries[index].path
        var entry = SessionArchive.Entry(kind: .file, path: path, data: [])
        switch rng.below(8) {
        case 0:
            entry.kind = .directory
        case 1:
            entry.kind = .symlink
            let name = path.lastIndex(of: 0x2F).map { Array(path[($0 + 1)...]) } ?? path
            entry.data = rng.pick([name, Array("..".utf8), Array(".".utf8), Array("/dev/zero".utf8), Array("/nonexistent".utf8), Array("../../..".utf8)])
        case 2:
            entry.kind = .fifo
        case 3:
            entry.kind = .file
        case 4, 5:
            // Sparse: the same head, a size far larger than the data (headers and tails are read, never the whole).
            guard archive.entries[index].kind == .file || archive.entries[index].kind == .sparse else { return }
            entry.kind = .sparse
            entry.data = archive.entries[index].data
            let sizeOnly = path.ends(with: ".dat") || path.ends(with: "ASI_logging.txt") || archive.entries[index].kind == .sparse
            let sizes: [Int64] = sizeOnly ? [1 << 20, 1 << 31, (1 << 32) + 1, 1 << 40, 3 << 30] : [1 << 16, 1 << 20, 16 << 20]
            entry.size = max(Int64(entry.data.count), rng.pick(sizes))
        default:
            guard archive.entries[index].kind == .sparse else { return }
            // A size-only file whose size does not divide into frames.
            entry.kind = .sparse
            entry.data = archive.entries[index].data
            entry.size = max(Int64(entry.data.count), archive.entries[index].size + Int64(rng.pick([-1, 1, 3, -7])))
        }
        archive.entries.removeAll { isUnder($0.path, path) && $0.path != path }
        archive.entries[archive.entries.firstIndex { $0.path == path } ?? index] = entry
    }

    // MARK: Cross-over

    /// Entries of `a`, each replaced with `b`'s entry of the same path now and then; `b`'s other entries added now
    /// and then.
    static func crossOver(_ a: SessionArchive, _ b: SessionArchive, rng: inout FuzzRandom) -> SessionArchive {
        var out = a
        var byPath: [[UInt8]: SessionArchive.Entry] = [:]
        for entry in b.entries { byPath[entry.path] = entry }
        for i in out.entries.indices {
            if let other = byPath[out.entries[i].path], rng.chance(50) { out.entries[i] = other }
        }
        let known = Set(out.entries.map(\.path))
        for entry in b.entries where !known.contains(entry.path) && rng.chance(20) { out.entries.append(entry) }
        if rng.chance(20) { out.job = b.job }
        return out
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: String) -> Bool { self.count >= suffix.utf8.count && self.suffix(suffix.utf8.count).elementsEqual(suffix.utf8) }
}
