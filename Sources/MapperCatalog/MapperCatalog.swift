import Foundation
import MapperConfigs
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

    /// The built-in configs, overridden by `overrideDirectory` when given.
    public static func configStore(overrideDirectory: URL? = nil) throws(DiagnosticError) -> ConfigStore {
        try ConfigStore(embedded: embeddedConfigs, overrideDirectory: overrideDirectory)
    }
}
