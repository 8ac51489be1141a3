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
            #expect(throws: Never.self, "\(mapper.identity)") {
                let config = try configs.versionConfig(for: mapper.identity)
                try mapper.checkSettings(config: config, settings: config.settings)
            }
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
