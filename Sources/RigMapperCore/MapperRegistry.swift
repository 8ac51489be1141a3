import AindSchemas
import Foundation
import MetadataModel
import Version

/// A mapper version known to a registry, with its type erased so versions of different mappers sit in one list.
public struct RegisteredMapper: Sendable {
    public let type: any Mapper.Type

    public var identity: MapperIdentity { type.identity }
    public var modalities: [String] { type.modalities }
    public var inputs: [InputPattern] { type.inputs }
    public var summary: String { type.summary }

    /// The result of one run: the documents, the settings the mapper ran with, and everything it read.
    public struct Run: Sendable {
        /// The documents, and the mapper's warnings followed by notes about the input (symlinks not followed).
        public let output: MapperOutput
        /// The effective settings the mapper ran with.
        public let settings: ConfigValue
        /// The version's config file.
        public let configFile: ConfigStore.File
        /// The aind-data-schema release the documents were built for.
        public let schema: SchemaRelease
        /// Every read of the input, for provenance.
        public let reads: [InputRead]

        /// The provenance hash of the input as read (see ``InputRead/combinedSHA256(_:)``).
        public var inputSHA256: String { InputRead.combinedSHA256(reads) }
    }

    /// Decodes the version's constants and `settings` — the effective settings, the version's defaults with every
    /// layer laid over them as the resolver merged them — and maps `input` (its input contract, if any, already
    /// checked by the caller).
    public func run(_ input: MapperInput, config: ConfigStore.VersionConfig, settings: ConfigValue, context: MapperContext) throws(DiagnosticError) -> Run {
        var context = context
        context.schema = config.schema
        var output = try type.decodeAndMap(input: input, config: config, settings: settings, context: context)
        output.warnings += input.inputWarnings
        return Run(output: output, settings: settings, configFile: config.file, schema: config.schema, reads: input.reads)
    }

    /// Decodes the version's constants and the effective `settings` without mapping anything: every unknown key or
    /// wrong type is reported at its `file:line:column`.
    public func checkSettings(config: ConfigStore.VersionConfig, settings: ConfigValue) throws(DiagnosticError) {
        _ = try type.decodeConfiguration(config: config, settings: settings)
    }
}

/// Every mapper version a binary knows, by name and version.
///
/// Several versions of one mapper are registered side by side (`fiber@1.0.0`, `fiber@1.4.0`); a lookup names an
/// exact version or a ``VersionRequirement``, and an unknown name or version is an error listing what exists.
public struct MapperRegistry: Sendable {
    private var byName: [String: [RegisteredMapper]] = [:]

    /// A registry of `mappers`. Two types with the same identity are an error.
    public init(_ mappers: [any Mapper.Type]) throws(DiagnosticError) {
        var collector = DiagnosticCollector()
        for type in mappers {
            let entry = RegisteredMapper(type: type)
            if byName[entry.identity.name, default: []].contains(where: { $0.identity == entry.identity }) {
                collector.error("\(entry.identity) is registered twice")
                continue
            }
            byName[entry.identity.name, default: []].append(entry)
        }
        try collector.check()
        for name in byName.keys { byName[name]?.sort { $0.identity.version < $1.identity.version } }
    }

    /// Mapper names, sorted.
    public var names: [String] { byName.keys.sorted() }

    /// Every registered mapper version, sorted by name then version.
    public var all: [RegisteredMapper] { names.flatMap { byName[$0] ?? [] } }

    /// Versions of `name`, oldest first.
    public func versions(of name: String) -> [Version] {
        (byName[name] ?? []).map(\.identity.version)
    }

    /// The exact version, if registered.
    public func mapper(_ name: String, version: Version) -> RegisteredMapper? {
        byName[name]?.first { $0.identity.version == version }
    }

    /// The newest version of `name` that satisfies `requirement` (any release when `nil`).
    ///
    /// - Throws: when no mapper has that name, or no version satisfies the requirement; the message lists what exists.
    public func resolve(_ name: String, requirement: VersionRequirement? = nil) throws(DiagnosticError) -> RegisteredMapper {
        guard let entries = byName[name], !entries.isEmpty else {
            let known = names.map { "\($0) (\(versions(of: $0).map(\.description).joined(separator: ", ")))" }
            throw DiagnosticError("unknown mapper '\(name)'; available: \(known.isEmpty ? "none" : known.joined(separator: "; "))")
        }
        let candidates: [RegisteredMapper]
        if let requirement {
            candidates = entries.filter { requirement.isSatisfied(by: $0.identity.version) }
        } else {
            candidates = entries.filter { $0.identity.version.prereleaseIdentifiers.isEmpty }
        }
        guard let chosen = candidates.last else {
            let available = entries.map(\.identity.version.description).joined(separator: ", ")
            throw DiagnosticError("no version of mapper '\(name)' matches '\(requirement?.text ?? "latest release")'; available: \(available)")
        }
        return chosen
    }

    /// Parses `name` or `name@requirement` (as on the command line) and resolves it.
    public func resolve(spec: String) throws(DiagnosticError) -> RegisteredMapper {
        let (name, requirement) = try Self.parse(spec: spec)
        return try resolve(name, requirement: requirement)
    }

    /// Splits `name@requirement`.
    public static func parse(spec: String) throws(DiagnosticError) -> (name: String, requirement: VersionRequirement?) {
        guard let at = spec.firstIndex(of: "@") else { return (spec, nil) }
        let name = String(spec[..<at])
        let text = String(spec[spec.index(after: at)...])
        guard let requirement = VersionRequirement(text) else {
            throw DiagnosticError("invalid version '\(text)' in '\(spec)'; use 1.4.0, ^1.2, ~1.4.0 or '>=1.0.0 <2.0.0'")
        }
        return (name, requirement)
    }
}

extension Mapper {
    @discardableResult
    static func decodeConfiguration(config: ConfigStore.VersionConfig, settings: ConfigValue) throws(DiagnosticError) -> (Constants, Settings) {
        let what = "\(Self.identity)"
        var collector = DiagnosticCollector()
        var constants: Self.Constants?
        var decoded: Self.Settings?
        if let known = config.decodedConstants.value.withLock({ $0 }) as? Self.Constants {
            constants = known
        } else {
            do {
                let fresh = try ConfigDecoder.decode(Self.Constants.self, from: config.constants, what: "constants of \(what)")
                config.decodedConstants.value.withLock { $0 = fresh }
                constants = fresh
            } catch {
                collector.append(contentsOf: error.diagnostics)
            }
        }
        do {
            decoded = try ConfigDecoder.decode(Self.Settings.self, from: settings, what: "settings of \(what)")
        } catch {
            collector.append(contentsOf: error.diagnostics)
        }
        try collector.check()
        guard let constants, let decoded else { throw DiagnosticError("internal: settings of \(what) not decoded") }
        for problem in check(settings: decoded) {
            collector.error("settings of \(what): '\(problem.path)' \(problem.message)", at: settings.value(at: problem.path)?.location ?? settings.location)
        }
        try collector.check()
        return (constants, decoded)
    }

    static func decodeAndMap(input: MapperInput, config: ConfigStore.VersionConfig, settings: ConfigValue, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        let (constants, decoded) = try decodeConfiguration(config: config, settings: settings)
        return try Self().map(input, constants: constants, settings: decoded, context: context)
    }
}
