import Foundation
import MapperConfigs
import MetadataModel
import Validation
import RigMapperCore

/// The one place that knows the adapter modules: every mapper version this binary ships, and the shipped configs.
public enum MapperCatalog {
    /// Adapter modules linked into this binary (generated at build time from this target's dependencies).
    public static var modules: [any MapperModule.Type] { GeneratedMapperModules.modules }

    /// Every mapper version of every module.
    public static var mapperTypes: [any Mapper.Type] { modules.flatMap { $0.mappers } }

    /// A registry of every shipped mapper version.
    public static func registry() throws(DiagnosticError) -> MapperRegistry {
        try MapperRegistry(mapperTypes)
    }

    /// The `MapperConfigs/` files embedded at build time, by relative path.
    public static var embeddedConfigs: [String: String] { EmbeddedMapperConfigs.files }

    /// A mapper context for a run: the job's time zone, and input contracts checked by the JSON Schema validator.
    public static func context(timeZone: String? = nil) -> MapperContext {
        MapperContext(timeZone: timeZone, contractChecker: checkContract)
    }

    /// Checks a document against a draft-07 contract with the `Validation` module's validator.
    @Sendable static func checkContract(_ document: JSONValue, _ schema: JSONValue) -> Result<[(path: JSONPath, message: String)], ContractSchemaError> {
        do {
            // Times without an offset pass here: the mapper gives them the job's zone, or refuses them, itself.
            let validator = try JSONSchemaValidator(schema: schema, options: .init(allowNaiveDateTimes: true))
            return .success(validator.validate(document).filter { $0.severity == .error }.map { ($0.path, $0.message) })
        } catch {
            return .failure(ContractSchemaError(error.description))
        }
    }

    /// The built-in configs, overridden by `overrideDirectory` when given.
    public static func configStore(overrideDirectory: URL? = nil) throws(DiagnosticError) -> ConfigStore {
        try ConfigStore(embedded: embeddedConfigs, overrideDirectory: overrideDirectory)
    }
}
