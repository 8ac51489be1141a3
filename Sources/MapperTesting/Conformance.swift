import Foundation
import MetadataModel
import RigMapperCore
import Testing

/// A good input of one adapter and what it must produce: the fixture of ``checkAdapterConformance(_:sourceLocation:)``.
public struct ConformanceFixture: Sendable {
    /// The mapper, as `--mapper` takes it; name a version (`fiber@1.4.0`) so a newer one cannot change the goldens.
    public var mapper: String
    /// The input, as `--input` takes it: a file (`fip.json`) or a folder.
    public var input: URL
    /// How the input is named in diagnostics (default: its last path component).
    public var inputDisplay: String?
    /// The job file's YAML text (`nil`: no `--job`).
    public var job: String?
    /// The documents the run must write, by file name (`acquisition_fiber.json`), each with the file holding its
    /// expected bytes. The run must write exactly these documents. Give files in the source tree (see
    /// ``sourceFixtures(_:)``) so that `RIGMAP_UPDATE_GOLDEN=1` rewrites the committed files.
    public var golden: [String: URL]
    /// The golden files are a reference implementation's outputs (aind-metadata-mapper's, say): they are never
    /// rewritten, even with `RIGMAP_UPDATE_GOLDEN=1`.
    public var goldenFromReference: Bool
    /// The file the bad-input battery damages, relative to ``input`` (empty when ``input`` is that file): one the
    /// adapter cannot map without.
    public var mainFile: String
    /// Files (relative to ``input``) removed before each damage: ones the adapter reads instead of a main file that
    /// is missing (`session_output.json` beside `session_input.json`), so the damage cannot be worked around.
    public var fallbacks: [String]

    /// A fixture; see the properties.
    public init(
        mapper: String, input: URL, inputDisplay: String? = nil, job: String? = nil, golden: [String: URL], goldenFromReference: Bool = false,
        mainFile: String = "", fallbacks: [String] = []
    ) {
        self.mapper = mapper
        self.input = input
        self.inputDisplay = inputDisplay
        self.job = job
        self.golden = golden
        self.goldenFromReference = goldenFromReference
        self.mainFile = mainFile
        self.fallbacks = fallbacks
    }
}

/// The ways ``checkAdapterConformance(_:sourceLocation:)`` damages a fixture's main file.
public enum InputDamage: String, CaseIterable, Sendable {
    /// Cut to its first half (a crash during writing).
    case truncated
    /// Zero bytes.
    case emptied
    /// Replaced by an empty folder of the same name.
    case folder
    /// Replaced by 1 MiB of (seeded, so reproducible) random bytes.
    case randomBytes
}

/// The environment variable that makes ``checkAdapterConformance(_:sourceLocation:)`` rewrite golden files:
/// `RIGMAP_UPDATE_GOLDEN=1 swift test --filter FiberMapperTests`.
public let updateGoldenVariable = "RIGMAP_UPDATE_GOLDEN"

/// The `Fixtures` folder beside the calling test file, in the source tree (not the copy in the test bundle):
/// where golden files are read from and, with `RIGMAP_UPDATE_GOLDEN=1`, written to.
public func sourceFixtures(_ filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
}

/// The checks every rig adapter passes, in the spirit of a provider compatibility suite: call it once from each
/// adapter's tests with a good fixture.
///
/// 1. **Golden output.** Mapped as `rigmap map` maps it (``rigmapMap(_:input:inputDisplay:job:jobDisplay:settings:output:)``),
///    the fixture gives exactly the documents of ``ConformanceFixture/golden``, byte for byte. With
///    `RIGMAP_UPDATE_GOLDEN=1` the golden files are rewritten instead (unless they come from a reference
///    implementation) and the test fails, so that an update is always a deliberate, reviewed `git diff`.
/// 2. **Determinism.** A second run writes the same bytes (documents and `rigmap.lock`), and nothing written
///    depends on the host: no absolute path of the input, no temporary or home folder, no host name, not today's
///    date.
/// 3. **Bad input.** The main file truncated, emptied, replaced by a folder, or replaced by 1 MiB of random bytes
///    (each in a fresh copy of the fixture) is refused with an error that names a file, nothing is written to the
///    output folder, and the input is left as it was.
public func checkAdapterConformance(_ fixture: ConformanceFixture, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let first: MapRun
    do {
        first = try rigmapMap(fixture.mapper, input: fixture.input, inputDisplay: fixture.inputDisplay, job: fixture.job)
    } catch {
        Issue.record("\(fixture.mapper) refused its good fixture:\n\(error.diagnostics.map(\.description).joined(separator: "\n"))", sourceLocation: sourceLocation)
        return
    }
    checkGolden(first, fixture, sourceLocation: sourceLocation)
    checkDeterminism(first, fixture, sourceLocation: sourceLocation)
    for damage in InputDamage.allCases {
        checkRefusal(damage, fixture, sourceLocation: sourceLocation)
    }
}

// MARK: - Golden

private func checkGolden(_ run: MapRun, _ fixture: ConformanceFixture, sourceLocation: Testing.SourceLocation) {
    let produced = run.documents
    #expect(
        Set(produced.keys) == Set(fixture.golden.keys),
        "\(fixture.mapper) wrote \(produced.keys.sorted()), the golden files are \(fixture.golden.keys.sorted())", sourceLocation: sourceLocation)
    let update = ProcessEnvironment.value(updateGoldenVariable) == "1"
    if update && !fixture.goldenFromReference {
        var rewritten: [String] = []
        for (name, url) in fixture.golden.sorted(by: { $0.key < $1.key }) {
            guard let bytes = produced[name] else { continue }
            if (try? Data(contentsOf: url)).map(Array.init) == bytes { continue }
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(bytes).write(to: url)
                rewritten.append(url.path)
            } catch {
                Issue.record("cannot write the golden file \(url.path): \(error)", sourceLocation: sourceLocation)
            }
        }
        if !rewritten.isEmpty {
            Issue.record(
                "\(updateGoldenVariable)=1: rewrote \(rewritten.joined(separator: ", ")); review the diff, then run again without \(updateGoldenVariable)",
                sourceLocation: sourceLocation)
        }
        return
    }
    for (name, url) in fixture.golden.sorted(by: { $0.key < $1.key }) {
        guard let bytes = produced[name] else { continue }
        guard let data = try? Data(contentsOf: url) else {
            Issue.record("no golden file \(url.path) (make it with \(updateGoldenVariable)=1)", sourceLocation: sourceLocation)
            continue
        }
        if let difference = firstDifference(bytes, Array(data)) {
            Issue.record("\(name) differs from \(url.path): \(difference)", sourceLocation: sourceLocation)
        }
    }
}

/// Where `produced` and `expected` first differ, with the lines there; `nil` when they are equal.
func firstDifference(_ produced: [UInt8], _ expected: [UInt8]) -> String? {
    guard produced != expected else { return nil }
    var index = 0
    while index < produced.count && index < expected.count && produced[index] == expected[index] { index += 1 }
    let line = 1 + produced[..<index].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    func lineText(_ bytes: [UInt8]) -> String {
        guard index <= bytes.count else { return "" }
        var start = index
        while start > 0 && bytes[start - 1] != 0x0A { start -= 1 }
        var end = index
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
    return "byte \(index) (line \(line)) of \(produced.count) written, \(expected.count) expected\n  written:  \(lineText(produced))\n  expected: \(lineText(expected))"
}

// MARK: - Determinism

private func checkDeterminism(_ first: MapRun, _ fixture: ConformanceFixture, sourceLocation: Testing.SourceLocation) {
    do {
        let second = try rigmapMap(fixture.mapper, input: fixture.input, inputDisplay: fixture.inputDisplay, job: fixture.job)
        for name in Set(first.files.keys).union(second.files.keys).sorted() {
            #expect(first.files[name] == second.files[name], "\(name) differs between two runs of \(fixture.mapper) on the same input", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("a second run of \(fixture.mapper) failed:\n\(error.diagnostics.map(\.description).joined(separator: "\n"))", sourceLocation: sourceLocation)
    }
    for (name, bytes) in first.files.sorted(by: { $0.key < $1.key }) {
        let text = String(decoding: bytes, as: UTF8.self)
        for (what, value) in hostDependentTexts(input: fixture.input) where text.contains(value) {
            Issue.record("\(name) contains \(what) ('\(value)'): it would differ on another machine or day", sourceLocation: sourceLocation)
        }
    }
}

/// Texts that would make an output depend on where, by whom or when it was made.
private func hostDependentTexts(input: URL) -> [(String, String)] {
    var texts: [(String, String)] = [
        ("the input's absolute path", input.deletingLastPathComponent().path),
        ("the temporary folder", FileManager.default.temporaryDirectory.path),
        ("the home folder", FileManager.default.homeDirectoryForCurrentUser.path + "/"),
    ]
    let host = ProcessInfo.processInfo.hostName
    if host.count >= 4 && host != "localhost" { texts.append(("the host name", host)) }
    let now = Date()
    for zone in [TimeZone(identifier: "UTC"), TimeZone.current].compactMap({ $0 }) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let day = calendar.dateComponents([.year, .month, .day], from: now)
        if let year = day.year, let month = day.month, let date = day.day {
            let pad = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
            texts.append(("today's date", "\(year)-\(pad(month))-\(pad(date))"))
        }
    }
    // A path of one character or the root folder would match everywhere.
    return texts.filter { $0.1.count > 2 }
}

// MARK: - Bad input

/// Reproducible bytes (SplitMix64).
private struct SeededBytes {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count { withUnsafeBytes(of: next().littleEndian) { out.append(contentsOf: $0) } }
        return Array(out.prefix(count))
    }
}

private func checkRefusal(_ damage: InputDamage, _ fixture: ConformanceFixture, sourceLocation: Testing.SourceLocation) {
    let fm = FileManager.default
    do {
        let base = try makeTemporaryFolder("rigmap-conformance-\(damage.rawValue)")
        defer { try? fm.removeItem(at: base) }
        let input = base.appendingPathComponent(fixture.input.lastPathComponent)
        try fm.copyItem(at: fixture.input, to: input)
        for fallback in fixture.fallbacks { try fm.removeItem(at: input.appendingPathComponent(fallback)) }
        let main = fixture.mainFile.isEmpty ? input : input.appendingPathComponent(fixture.mainFile)
        let original = Array(try Data(contentsOf: main))
        switch damage {
        case .truncated:
            try Data(original.prefix(original.count / 2)).write(to: main)
        case .emptied:
            try Data().write(to: main)
        case .folder:
            try fm.removeItem(at: main)
            try fm.createDirectory(at: main, withIntermediateDirectories: false)
        case .randomBytes:
            var random = SeededBytes(state: 0x5249_474D_4150)  // "RIGMAP"
            try Data(random.bytes(1 << 20)).write(to: main)
        }
        let before = try snapshot(input)
        let output = base.appendingPathComponent("out")
        let what = "\(fixture.mapper) with \(fixture.mainFile.isEmpty ? fixture.input.lastPathComponent : fixture.mainFile) \(damage.rawValue)"
        do {
            let run = try rigmapMap(fixture.mapper, input: input, inputDisplay: fixture.inputDisplay, job: fixture.job, output: output)
            Issue.record("\(what) mapped without an error (wrote \(run.files.keys.sorted()))", sourceLocation: sourceLocation)
        } catch {
            let errors = error.diagnostics.filter { $0.severity == .error }
            #expect(!errors.isEmpty, "\(what): no error among \(error.diagnostics)", sourceLocation: sourceLocation)
            #expect(
                errors.contains { $0.location?.file.map { !$0.isEmpty } ?? false },
                "\(what): no error names a file:\n\(errors.map(\.description).joined(separator: "\n"))", sourceLocation: sourceLocation)
        }
        let left = (try? fm.contentsOfDirectory(atPath: output.path)) ?? []
        #expect(left.isEmpty, "\(what) left \(left.sorted()) in the output folder", sourceLocation: sourceLocation)
        #expect(try snapshot(input) == before, "\(what): the input was modified", sourceLocation: sourceLocation)
    } catch {
        Issue.record("cannot prepare the \(damage.rawValue) case of \(fixture.mapper): \(error)", sourceLocation: sourceLocation)
    }
}

/// Every entry under `root` (relative path → kind and content digest), to see that a run left its input alone.
private func snapshot(_ root: URL) throws -> [String: String] {
    var entries: [String: String] = [:]
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory) else { return [:] }
    if !isDirectory.boolValue { return ["": Digest.sha256(Array(try Data(contentsOf: root)))] }
    guard let walker = fm.enumerator(atPath: root.path) else { return [:] }
    while let relative = walker.nextObject() as? String {
        let url = root.appendingPathComponent(relative)
        var folder: ObjCBool = false
        _ = fm.fileExists(atPath: url.path, isDirectory: &folder)
        entries[relative] = folder.boolValue ? "folder" : Digest.sha256(Array(try Data(contentsOf: url)))
    }
    return entries
}
