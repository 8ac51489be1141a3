import AindSchemas
import Foundation
import MetadataModel

/// The `MapperConfigs/` files: the copy built into the binary, optionally overridden by a folder on disk.
///
/// A release binary carries every shipped config (embedded at build time), so it runs from anywhere without
/// resource bundles. `rigmap --config DIR` or the `RIGMAP_CONFIG_DIR` environment variable names a folder laid out
/// like `MapperConfigs/` (`fiber/1.4.0.yaml`, `fiber/fip.contract.json`, `job_types/…`); a file there (YAML or JSON,
/// every kind the built-in configs have) replaces the built-in file of the same relative path, and files only there
/// are added.
public struct ConfigStore: Sendable {
    /// One config file.
    public struct File: Sendable, Hashable {
        /// Path relative to the config root, e.g. `fiber/1.4.0.yaml`.
        public let relativePath: String
        public let contents: String
        /// How to name the file in messages: `MapperConfigs/fiber/1.4.0.yaml` or the override file's path.
        public let displayName: String

        init(relativePath: String, contents: String, displayName: String) {
            self.relativePath = relativePath
            self.contents = contents
            self.displayName = displayName
        }

        /// The file read as YAML.
        public func yaml() throws(DiagnosticError) -> ConfigValue {
            try ConfigValue.parseYAML(contents, file: displayName)
        }

        /// sha256 of the file's contents (recorded in lock files).
        public var sha256: String { Digest.sha256(contents) }
    }

    /// A version's parsed `MapperConfigs/<name>/<version>.yaml`.
    public struct VersionConfig: Sendable {
        public let file: File
        /// The aind-data-schema release the version targets (`schema:`).
        public let schema: SchemaRelease
        /// The `constants:` section (an empty mapping when absent).
        public let constants: ConfigValue
        /// The `settings:` section: defaults for the mapper's settings (an empty mapping when absent).
        public let settings: ConfigValue
        /// The constants once decoded into the mapper's type (decoded on first use, then shared).
        let decodedConstants = DecodedConstants()
    }

    public private(set) var files: [String: File]
    /// Parsed version configs by path: a store's files never change, and a batch asks for the same few thousands
    /// of times (parsing YAML costs milliseconds).
    private let parsed = Memo<String, Result<VersionConfig, DiagnosticError>>()

    /// A store of the built-in files, overridden by `overrideDirectory` when given.
    public init(embedded: [String: String], overrideDirectory: URL? = nil) throws(DiagnosticError) {
        var files: [String: File] = [:]
        for (path, contents) in embedded {
            files[path] = File(relativePath: path, contents: contents, displayName: "MapperConfigs/\(path) (built in)")
        }
        if let overrideDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: overrideDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw DiagnosticError("config folder does not exist", at: SourceLocation(file: overrideDirectory.path))
            }
            let root = overrideDirectory.standardizedFileURL.path
            let enumerator = FileManager.default.enumerator(atPath: root)
            while let relative = enumerator?.nextObject() as? String {
                guard relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") || relative.hasSuffix(".json") else { continue }
                let url = URL(fileURLWithPath: root).appendingPathComponent(relative)
                guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
                    throw DiagnosticError("cannot read config file (or it is not UTF-8)", at: SourceLocation(file: url.path))
                }
                files[relative] = File(relativePath: relative, contents: text, displayName: url.path)
            }
        }
        self.files = files
    }

    /// The file at `relativePath`, if any.
    public func file(_ relativePath: String) -> File? { files[relativePath] }

    /// The parsed config of one mapper version.
    ///
    /// - Throws: when the file is missing, malformed, has keys other than `mapper`, `version`, `schema`,
    ///   `description`, `constants`, `settings`, names another mapper or version than its path, or names an
    ///   aind-data-schema release this binary does not carry.
    public func versionConfig(for identity: MapperIdentity) throws(DiagnosticError) -> VersionConfig {
        let path = "\(identity.name)/\(identity.version).yaml"
        return try parsed.value(for: path) { Result { () throws(DiagnosticError) -> VersionConfig in try parseVersionConfig(path: path, identity: identity) } }.get()
    }

    private func parseVersionConfig(path: String, identity: MapperIdentity) throws(DiagnosticError) -> VersionConfig {
        guard let file = files[path] else {
            throw DiagnosticError("no config file for \(identity); expected MapperConfigs/\(path)")
        }
        let root = try file.yaml()
        guard case .mapping = root.kind else {
            throw DiagnosticError("a mapper config must be a mapping", at: root.location)
        }
        var collector = DiagnosticCollector()
        let allowed = ["mapper", "version", "schema", "description", "constants", "settings"]
        for key in root.keys where !allowed.contains(key) {
            collector.error("unknown key '\(key)' in mapper config (allowed: \(allowed.joined(separator: ", ")))", at: root[key]?.keyOrValueLocation)
        }
        if let mapper = root["mapper"], mapper.scalarText != identity.name {
            collector.error("config names mapper '\(mapper.scalarText ?? "?")' but its path is for '\(identity.name)'", at: mapper.location)
        }
        if let version = root["version"], version.scalarText != identity.version.description {
            collector.error("config names version '\(version.scalarText ?? "?")' but its path is for \(identity.version)", at: version.location)
        }
        var release: SchemaRelease?
        if let schema = root["schema"], let text = schema.scalarText {
            release = SchemaRelease(text)
            if release == nil {
                collector.error(
                    "config targets aind-data-schema \(text), which this rigmap does not carry (it has: \(SchemaRelease.versions.joined(separator: ", ")))",
                    at: schema.location)
            }
        } else {
            collector.error("a mapper config must name the aind-data-schema release it targets, e.g. `schema: 2.9.2`", at: root["schema"]?.location ?? root.location)
        }
        try collector.check()
        guard let release else { throw DiagnosticError(collector.diagnostics) }
        func section(_ key: String) -> ConfigValue {
            guard let value = root[key], !value.isNull else { return ConfigValue(.mapping([]), location: root.location) }
            return value
        }
        return VersionConfig(file: file, schema: release, constants: section("constants"), settings: section("settings"))
    }
}

/// A version's constants decoded into its mapper's `Constants` type, kept with its parsed config.
final class DecodedConstants: Sendable {
    let value = Locked<(any Sendable)?>(nil)
}
