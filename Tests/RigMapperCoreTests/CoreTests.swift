import Foundation
import MapperTesting
import MetadataModel
import RigMapperCore
import Testing
import Version

/// A tiny mapper family used to exercise the registry without any real adapter.
struct EchoSettings: Decodable, Sendable {
    var label: String
    var count: Int?
}

struct EchoV1: Mapper {
    typealias Settings = EchoSettings
    static let identity = MapperIdentity(name: "echo", version: Version(1, 0, 0))
    static let modalities = ["behavior"]
    static let inputs: [InputPattern] = ["echo.json"]
    func map(_ input: MapperInput, constants: NoConstants, settings: EchoSettings, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        MapperOutput(documents: [(.acquisition, ["label": .string(settings.label), "count": .int(settings.count)])])
    }
}

struct EchoV1_2: Mapper {
    typealias Settings = EchoSettings
    static let identity = MapperIdentity(name: "echo", version: Version(1, 2, 0))
    static let modalities = ["behavior"]
    static let inputs: [InputPattern] = ["echo.json"]
    func map(_ input: MapperInput, constants: NoConstants, settings: EchoSettings, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        MapperOutput(documents: [])
    }
}

struct EchoV2Beta: Mapper {
    typealias Settings = EchoSettings
    static let identity = MapperIdentity(name: "echo", version: Version(2, 0, 0, pre: ["beta", "1"]))
    static let modalities = ["behavior"]
    static let inputs: [InputPattern] = ["echo.json"]
    func map(_ input: MapperInput, constants: NoConstants, settings: EchoSettings, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        MapperOutput(documents: [])
    }
}

func diagnostics(_ body: () throws -> Void) -> [Diagnostic] { thrownDiagnostics(body) }

@Suite struct RegistryTests {
    let registry: MapperRegistry

    init() throws {
        registry = try MapperRegistry([EchoV1.self, EchoV1_2.self, EchoV2Beta.self])
    }

    @Test func newestReleaseByDefaultPreReleaseOnlyWhenExact() throws {
        #expect(try registry.resolve("echo").identity.version == Version(1, 2, 0))
        #expect(try registry.resolve(spec: "echo@1.0.0").identity.version == Version(1, 0, 0))
        #expect(try registry.resolve(spec: "echo@>=1.0.0").identity.version == Version(1, 2, 0))
        #expect(try registry.resolve(spec: "echo@2.0.0-beta.1").identity.version.prereleaseIdentifiers == ["beta", "1"])
    }

    @Test func unknownNameListsWhatExists() {
        let found = diagnostics { _ = try registry.resolve("fibre") }
        #expect(found.first?.message.contains("unknown mapper 'fibre'") == true)
        #expect(found.first?.message.contains("echo (1.0.0, 1.2.0, 2.0.0-beta.1)") == true)
    }

    @Test func unknownVersionListsEveryVersion() {
        let found = diagnostics { _ = try registry.resolve(spec: "echo@3.0.0") }
        #expect(found.first?.message.contains("available: 1.0.0, 1.2.0, 2.0.0-beta.1") == true)
    }

    @Test func duplicateIdentityIsRefused() {
        let found = diagnostics { _ = try MapperRegistry([EchoV1.self, EchoV1.self]) }
        #expect(found.first?.message.contains("echo@1.0.0 is registered twice") == true)
    }

    @Test func settingsLayerOverVersionDefaultsAndUnknownKeysAreLocated() throws {
        let store = try ConfigStore(embedded: ["echo/1.0.0.yaml": "mapper: echo\nversion: 1.0.0\nschema: 2.9.2\nsettings:\n  label: default\n  count: 1\n"])
        let entry = try registry.resolve(spec: "echo@1.0.0")
        let input = try MapperInput(root: try makeTemporaryFolder())
        let job = try ConfigValue.parseYAML("count: 5", file: "job.yaml")
        let config = try store.versionConfig(for: entry.identity)
        let run = try entry.run(input, config: config, settings: config.settings.merging(job), context: MapperContext())
        #expect(run.output.documents.first?.value == ["label": "default", "count": 5])

        let bad = try ConfigValue.parseYAML("count: 5\nlabels: x\ncolour: red\n", file: "job.yaml")
        let found = diagnostics { _ = try entry.run(input, config: config, settings: config.settings.merging(bad), context: MapperContext()) }
        #expect(found.count == 2)
        // Each unknown key is reported where the key is written, not its value.
        #expect(found.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0)" } == ["2:1", "3:1"])
        #expect(found.first?.message.contains("known: count, label") == true)
    }

    @Test func missingConfigFileIsAnError() throws {
        let found = diagnostics { _ = try ConfigStore(embedded: [:]).versionConfig(for: try registry.resolve("echo").identity) }
        #expect(found.first?.message.contains("MapperConfigs/echo/1.2.0.yaml") == true)
    }
}

@Suite struct VersionRequirementTests {
    func ok(_ req: String, _ version: String) -> Bool {
        guard let r = VersionRequirement(req), let v = Version(version) else { return false }
        return r.isSatisfied(by: v)
    }

    @Test func rangesBehaveAsSemverRanges() {
        #expect(ok("^1.2", "1.9.3"))
        #expect(!ok("^1.2", "2.0.0"))
        #expect(!ok("^1.2", "1.1.9"))
        #expect(ok("^0.3", "0.3.9"))
        #expect(!ok("^0.3", "0.4.0"))
        #expect(ok("~1.4.0", "1.4.7"))
        #expect(!ok("~1.4.0", "1.5.0"))
        #expect(ok(">=1.0.0 <2.0.0", "1.99.0"))
        #expect(!ok(">=1.0.0 <2.0.0", "2.0.0"))
        #expect(ok("1.4.0", "1.4.0"))
        #expect(!ok("1.4.0", "1.4.1"))
        #expect(!ok(">=1.0.0", "1.5.0-rc.1"))
        #expect(ok("*", "0.0.1"))
    }

    @Test func nonsenseIsRejected() {
        for text in ["", "latest", "^", "1.x", ">=one", "1.2.3.4"] {
            #expect(VersionRequirement(text) == nil, "\(text)")
        }
    }
}

@Suite struct ConfigTests {
    @Test func malformedYAMLGivesLineAndColumn() {
        let found = diagnostics { _ = try ConfigValue.parseYAML("mappers:\n  fiber: [1, 2\n", file: "job.yaml") }
        #expect(found.count == 1)
        #expect(found.first?.location?.file == "job.yaml")
        // The flow sequence opened on line 2 is still open when the document ends (line 3, column 1).
        #expect(found.first?.location?.line == 3)
        #expect(found.first?.location?.column == 1)
        #expect(found.first?.message.hasPrefix("malformed YAML") == true)
    }

    @Test func mergingReplacesScalarsAndListsAndMergesMappings() throws {
        let base = try ConfigValue.parseYAML("a: 1\nlist: [1, 2]\nm: {x: 1, y: 2}\n", file: "base")
        let top = try ConfigValue.parseYAML("list: [3]\nm: {y: 9, z: 3}\n", file: "top")
        let merged = base.merging(top)
        #expect(merged["a"]?.scalarText == "1")
        #expect(merged["list"] == (try ConfigValue.parseYAML("[3]", file: "x")))
        #expect(merged["m"]?.keys == ["x", "y", "z"])
        #expect(merged["m"]?["y"]?.scalarText == "9")
        #expect(merged["m"]?["y"]?.location?.file == "top")
    }

    @Test func overrideFolderReplacesAndAddsFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("echo"), withIntermediateDirectories: true)
        try "mapper: echo\nversion: 1.0.0\nschema: 2.9.2\nsettings: {label: override}\n".write(to: dir.appendingPathComponent("echo/1.0.0.yaml"), atomically: true, encoding: .utf8)
        let store = try ConfigStore(embedded: ["echo/1.0.0.yaml": "settings: {label: builtin}", "other/1.0.0.yaml": ""], overrideDirectory: dir)
        #expect(try store.versionConfig(for: EchoV1.identity).settings["label"]?.scalarText == "override")
        #expect(store.file("other/1.0.0.yaml") != nil)
        #expect(diagnostics { _ = try ConfigStore(embedded: [:], overrideDirectory: dir.appendingPathComponent("missing")) }.count == 1)
    }

    /// A template decodes its subtree as it is: YAML's scalars by the decoder's rules, any keys, and only the keys
    /// around it are checked.
    @Test func templatesKeepTheirSubtree() throws {
        struct Holder: Decodable { var template: ConfigJSON; var count: Int }
        let yaml = """
            template:
              big: 1_000
              quoted: "12"
              float: 1.5
              neg: -2
              yes: true
              word: True
              none: ~
              list: [x, 2, {k: v}]
            count: 3
            """
        let holder = try ConfigDecoder.decode(Holder.self, from: ConfigValue.parseYAML(yaml, file: "t.yaml"), what: "test")
        let expected: JSONValue = [
            "big": 1000, "quoted": "12", "float": 1.5, "neg": -2, "yes": true, "word": "True", "none": .null,
            "list": ["x", 2, ["k": "v"]],
        ]
        #expect(holder.template.value == expected)
        #expect(holder.count == 3)
        let unknown = diagnostics {
            _ = try ConfigDecoder.decode(Holder.self, from: ConfigValue.parseYAML("template: {any: 1}\ncount: 1\nextra: 2\n", file: "t.yaml"), what: "test")
        }
        #expect(unknown.map(\.message).contains { $0.contains("unknown key 'extra'") })
        #expect(unknown.count == 1)
    }

    @Test func versionConfigMustMatchItsPath() throws {
        let store = try ConfigStore(embedded: ["echo/1.0.0.yaml": "mapper: other\nversion: 1.0.1\nschema: 2.9.2\nextra: 1\n"])
        let found = diagnostics { _ = try store.versionConfig(for: EchoV1.identity) }
        #expect(found.count == 3)
    }
}

@Suite struct InputPatternTests {
    @Test func globsMatchFilesAndFolders() {
        #expect(InputPattern("fip.json").matches("fip.json", isDirectory: false))
        #expect(!InputPattern("fip.json").matches("sub/fip.json", isDirectory: false))
        #expect(InputPattern("**/settings.xml").matches("a/b/settings.xml", isDirectory: false))
        #expect(InputPattern("**/settings.xml").matches("settings.xml", isDirectory: false))
        #expect(InputPattern("behavior/*.harp/").matches("behavior/Behavior.harp", isDirectory: true))
        #expect(!InputPattern("behavior/*.harp/").matches("behavior/Behavior.harp", isDirectory: false))
    }
}

@Suite struct AtomicWriteTests {
    @Test func allFilesAppearOrNone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        try JSONDocument.writeAtomically([(dir.appendingPathComponent("a.json"), Array("{}".utf8)), (dir.appendingPathComponent("b.json"), Array("[]".utf8))])
        #expect(try String(contentsOf: dir.appendingPathComponent("b.json"), encoding: .utf8) == "[]")
        // A destination that cannot be written (a folder stands at its path) leaves no new file and no temporary.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("blocked.json/inner"), withIntermediateDirectories: true)
        let found = diagnostics {
            try JSONDocument.writeAtomically([(dir.appendingPathComponent("c.json"), Array("{}".utf8)), (dir.appendingPathComponent("blocked.json"), Array("{}".utf8))])
        }
        #expect(found.count == 1)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["a.json", "b.json", "blocked.json"])
    }
}

@Suite struct ReadAllTests {
    /// Files read at once come back in the order given, each parsed or refused exactly as reading it alone would.
    @Test func resultsKeepTheirFilesOrderAndErrors() throws {
        let dir = try makeTemporaryFolder()
        var files: [(url: URL, displayName: String)] = []
        for i in 0..<12 {
            let url = dir.appendingPathComponent("doc\(i).json")
            let text = i % 4 == 3 ? "{\"n\": \(i),\n  \"broken\" }" : "{\"n\": \(i), \"items\": [\(Array(repeating: "1", count: i * 100).joined(separator: ","))]}"
            try Data(text.utf8).write(to: url)
            files.append((url, "doc\(i).json"))
        }
        files.append((dir.appendingPathComponent("missing.json"), "missing.json"))
        let results = JSONDocument.readAll(files)
        #expect(results.count == files.count)
        for (file, result) in zip(files, results) {
            let alone = Result { () throws(DiagnosticError) -> JSONValue in try JSONDocument.read(file.url, displayName: file.displayName) }
            switch (result, alone) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure(let a), .failure(let b)): #expect(a.description == b.description && a.description.contains(file.displayName))
            default: Issue.record("\(file.displayName): read at once and alone disagree")
            }
        }
        #expect(results.filter { if case .failure = $0 { true } else { false } }.count == 4)
        if case .success(let fifth) = results[5] { #expect(fifth["n"] == .int(5)) } else { Issue.record("doc5.json not read") }
    }
}
