import Foundation
import MapperCatalog
import MetadataModel
import Validation
import Resolver
import RigMapperCore
import Testing

/// The shipped catalog is consistent: every registered version has a config whose constants and settings decode,
/// every config names a registered version, and every job type resolves.
@Suite struct CatalogTests {
    @Test func everyRegisteredVersionHasADecodableConfig() throws {
        let registry = try MapperCatalog.registry()
        let configs = try MapperCatalog.configStore()
        #expect(!registry.all.isEmpty)
        for mapper in registry.all {
            #expect(throws: Never.self, "\(mapper.identity)") { try mapper.checkSettings(configs: configs, settings: nil) }
        }
    }

    @Test func everyVersionConfigBelongsToARegisteredVersion() throws {
        let registry = try MapperCatalog.registry()
        let registered = Set(registry.all.map { "\($0.identity.name)/\($0.identity.version).yaml" })
        let files = Set(MapperCatalog.embeddedConfigs.keys.filter { !$0.hasPrefix("job_types/") && $0.hasSuffix(".yaml") })
        #expect(files == registered)
    }

    @Test func everyDeclaredInputContractShipsAndCompiles() throws {
        let registry = try MapperCatalog.registry()
        let contracts = registry.all.compactMap { $0.type.inputContract }
        #expect(contracts.contains("fiber/fip.contract.json"))
        for path in contracts {
            let text = try #require(MapperCatalog.embeddedConfigs[path], "\(path) is not shipped")
            let schema = try JSONParser.parse(text)
            #expect(throws: Never.self) { try JSONSchemaValidator(schema: schema) }
        }
    }

    /// The build composes every shipped YAML file, and reading the composed tree gives exactly what parsing the
    /// text gives: every value, every scalar's quoting and every line and column.
    @Test func composedConfigsEqualParsedYAML() throws {
        let yamlFiles = MapperCatalog.embeddedConfigs.keys.filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(yamlFiles.count >= 7)
        #expect(Set(MapperCatalog.composedConfigs.keys) == Set(yamlFiles))
        func same(_ a: ConfigValue, _ b: ConfigValue, _ path: String) {
            #expect(a.location == b.location, "\(path)")
            switch (a.kind, b.kind) {
            case (.null, .null): break
            case let (.scalar(x, qx), .scalar(y, qy)): #expect(x == y && qx == qy, "\(path)")
            case let (.sequence(x), .sequence(y)):
                #expect(x.count == y.count, "\(path)")
                for (k, (p, q)) in zip(x, y).enumerated() { same(p, q, "\(path)[\(k)]") }
            case let (.mapping(x), .mapping(y)):
                #expect(x.map(\.key) == y.map(\.key), "\(path)")
                for (p, q) in zip(x, y) { same(p.value, q.value, "\(path).\(p.key)") }
            default: Issue.record("\(path): \(a.kind) vs \(b.kind)")
            }
        }
        for path in yamlFiles {
            let text = try #require(MapperCatalog.embeddedConfigs[path])
            let composed = try #require(MapperCatalog.composedConfigs[path])
            let name = "MapperConfigs/\(path)"
            let fromTree = try #require(ConfigValue(composed: composed, file: name), "\(path)")
            same(fromTree, try ConfigValue.parseYAML(text, file: name), path)
        }
        // What is not such a document is refused; the store then parses the text.
        #expect(ConfigValue(composed: "m 1 1 1 1:k p 2 3 1:v", file: "f")?["k"]?.location == SourceLocation(file: "f", line: 2, column: 3))
        for broken in ["", "x 1 1", "m 1 1 2 1:k p 2 3 1:v", "p 1 1 9:v", "p 1 1 1:v ", "p a 1 1:v", "s - - 1 n 1", "q 1 1 1:é"] {
            #expect(ConfigValue(composed: broken, file: "f") == nil, "\(broken)")
        }
        let store = try ConfigStore(embedded: ["a/1.0.0.yaml": "k: v\n"], composed: ["a/1.0.0.yaml": "[broken"])
        #expect(try store.file("a/1.0.0.yaml")?.yaml()["k"]?.scalarText == "v")
    }

    @Test func everyJobTypeResolves() throws {
        let resolver = Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "test")
        let names = MapperCatalog.embeddedConfigs.keys.filter { $0.hasPrefix("job_types/") }
        #expect(names.count >= 2)
        for file in names {
            var job = JobConfig()
            job.jobType = String(file.dropFirst("job_types/".count).dropLast(".yaml".count))
            let resolution = try resolver.resolve(.init(job: job))
            #expect(!resolution.mappers.isEmpty, "\(file)")
            #expect(resolution.warnings.isEmpty, "\(file): \(resolution.warnings)")
        }
    }
}
