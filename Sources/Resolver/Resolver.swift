import Foundation
import MetadataModel
import RigMapperCore
import Version

/// Picks each mapper's version and settings for a job.
///
/// **Version precedence** (highest first): `--mapper NAME@VERSION` on the command line, `mappers.NAME.version` in
/// the job, the experiment's `rigmap.lock`, the job type's default, the newest release. An experiment pin is a
/// guarantee: a command-line or job version that the pinned version does not satisfy is refused, naming both, unless
/// `updateLock` is set (then the pin moves to the requested version). A requested range that the pin satisfies
/// resolves to the pinned version.
///
/// **Settings layering** (lowest first): the version's `MapperConfigs/NAME/VERSION.yaml` `settings:`, the job type's
/// `mappers.NAME.settings`, the job's, the command line's. Mappings merge key by key; scalars and lists replace.
public struct Resolver: Sendable {
    public let registry: MapperRegistry
    public let configs: ConfigStore
    /// Recorded in lock files.
    public let rigmapVersion: String

    public init(registry: MapperRegistry, configs: ConfigStore, rigmapVersion: String) {
        self.registry = registry
        self.configs = configs
        self.rigmapVersion = rigmapVersion
    }

    /// What to resolve.
    public struct Request: Sendable {
        public var job: JobConfig
        /// `--mapper NAME@VERSION` requirements.
        public var versionOverrides: [String: VersionRequirement] = [:]
        /// `--set NAME.KEY=VALUE` settings, per mapper, as a mapping.
        public var settingOverrides: [String: ConfigValue] = [:]
        /// Resolve only these mappers (default: every mapper the command line, job and job type name).
        public var only: [String]?
        /// Resolve these mappers too (those a gather found inputs for), besides the ones the job names.
        public var include: [String] = []
        /// Move experiment pins that contradict the request instead of refusing.
        public var updateLock = false

        public init(job: JobConfig = JobConfig()) {
            self.job = job
        }
    }

    /// Where a mapper's version came from.
    public enum Source: String, Sendable, Hashable {
        case commandLine = "command_line"
        case job
        case experiment
        case jobType = "job_type"
        case latest
    }

    /// Which layer set one setting.
    public struct SettingOrigin: Sendable {
        /// Dotted path, e.g. `intended_measurements.Fiber_0.R`.
        public var path: String
        /// `config`, `job_type`, `job` or `command_line`.
        public var layer: String
        public var location: SourceLocation?
        public var value: ConfigValue
    }

    /// One resolved mapper.
    public struct ResolvedMapper: Sendable {
        public var name: String
        public var mapper: RegisteredMapper
        public var source: Source
        /// The requirement that was asked for (`1.4.0`, `^1.2`), if any.
        public var requested: String?
        /// The effective settings: the version's defaults with every layer laid over them (the one place they are
        /// merged; pass to ``RegisteredMapper/run(_:config:settings:context:)``).
        public var settings: ConfigValue
        /// The version's parsed config (constants, defaults, schema release).
        public var config: ConfigStore.VersionConfig
        public var origins: [SettingOrigin]
        public var configFile: ConfigStore.File
        public var configSHA256: String
        /// sha256 of the merged settings in their canonical JSON form.
        public var settingsSHA256: String

        public var version: Version { mapper.identity.version }
    }

    /// The outcome for a whole job.
    public struct Resolution: Sendable {
        public var mappers: [ResolvedMapper] = []
        public var jobType: JobConfig?
        /// The job's `timezone`, else the job type's.
        public var timezone: String?
        public var raiseIfInvalid = true
        public var raiseIfMapperErrors = true
        /// What a gather does with a given document a mapper of the run also writes (job, else job type, else refuse).
        public var conflictingDocuments: JobConfig.ConflictingDocuments = .refuse
        /// The experiment lock in force, and where it is.
        public var experimentLock: LockFile?
        public var experimentLockURL: URL?
        /// The experiment lock as it must be written when `updateLock` moved pins (else `nil`).
        public var updatedExperimentLock: LockFile?
        /// The release the run writes (`schema:` of the job or job type, or the experiment lock's pin); `nil`: the
        /// mappers' own release, documents as they build them.
        public var schema: SchemaRelease?
        /// The `upgrade:` settings (job type's, then the job's, merged), for migrating to ``schema``.
        public var upgradeSettings: ConfigValue?
        public var warnings: [Diagnostic] = []

        public func mapper(_ name: String) -> ResolvedMapper? { mappers.first { $0.name == name } }
    }

    public func resolve(_ request: Request) throws(DiagnosticError) -> Resolution {
        var c = DiagnosticCollector()
        var resolution = Resolution()
        let job = request.job

        // Job type.
        var jobType: JobConfig?
        if let name = job.jobType {
            do {
                jobType = try loadJobType(name)
            } catch {
                c.append(contentsOf: error.diagnostics.map { Diagnostic($0.severity, $0.message, at: $0.location ?? job.jobTypeLocation) })
            }
        }
        // Every mapper the job names must exist, whichever ones this command runs (a misspelt `fibre:` and its
        // settings would otherwise be ignored without a word).
        var unknown = Set<String>()
        for name in job.mapperOrder where registry.versions(of: name).isEmpty {
            do {
                _ = try registry.resolve(name)
            } catch {
                c.append(contentsOf: error.diagnostics.map { Diagnostic($0.severity, $0.message, at: job.mappers[name]?.location ?? SourceLocation(file: job.file)) })
            }
            unknown.insert(name)
        }
        resolution.jobType = jobType
        resolution.timezone = job.timezone ?? jobType?.timezone
        resolution.raiseIfInvalid = job.explicitlySet.contains("raise_if_invalid") ? job.raiseIfInvalid : (jobType?.raiseIfInvalid ?? true)
        resolution.raiseIfMapperErrors =
            job.explicitlySet.contains("raise_if_mapper_errors") ? job.raiseIfMapperErrors : (jobType?.raiseIfMapperErrors ?? true)
        resolution.conflictingDocuments =
            job.explicitlySet.contains("conflicting_documents") ? job.conflictingDocuments : (jobType?.conflictingDocuments ?? .refuse)

        // Experiment lock.
        var lock: LockFile?
        if let experiment = job.experiment {
            let folder = URL(fileURLWithPath: experiment, relativeTo: job.directory).standardizedFileURL
            let url = folder.appendingPathComponent(LockFile.fileName)
            resolution.experimentLockURL = url
            do {
                lock = try LockFile.load(url, displayName: PathNames.appending(experiment, LockFile.fileName))
            } catch {
                c.append(contentsOf: error.diagnostics)
            }
        }
        resolution.experimentLock = lock
        var updatedLock = lock

        // The release written: an experiment's pin holds as a mapper version's does.
        let requestedSchema = job.schema ?? jobType?.schema
        if let pinnedText = lock?.schema {
            if let pinned = SchemaRelease(pinnedText) {
                if let requestedSchema, requestedSchema != pinned {
                    if request.updateLock {
                        updatedLock?.schema = requestedSchema.identifier
                        resolution.schema = requestedSchema
                    } else {
                        c.error(
                            "the job asks for schema \(requestedSchema.identifier) but the experiment lock (\(job.experiment ?? "?")/\(LockFile.fileName)) pins \(pinned.identifier); use --update-lock to move the pin",
                            at: job.schemaLocation ?? SourceLocation(file: job.file))
                    }
                } else {
                    resolution.schema = pinned
                }
            } else {
                c.error("the experiment lock pins schema '\(pinnedText)', which this rigmap does not write", at: SourceLocation(file: job.experiment.map { PathNames.appending($0, LockFile.fileName) }))
            }
        } else {
            resolution.schema = requestedSchema
        }
        if resolution.schema == .standard { resolution.schema = nil }
        switch (jobType?.upgrade, job.upgrade) {
        case (let base?, let over?): resolution.upgradeSettings = base.merging(over)
        case (let base, let over): resolution.upgradeSettings = over ?? base
        }

        // Which mappers.
        var names: [String] = []
        for name in (jobType?.mapperOrder ?? []) + job.mapperOrder + request.versionOverrides.keys.sorted() + request.include where !names.contains(name) {
            names.append(name)
        }
        if let only = request.only { names = only }

        for name in names where !unknown.contains(name) {
            do {
                let resolved = try resolveOne(name, request: request, jobType: jobType, lock: lock, updatedLock: &updatedLock, warnings: &resolution.warnings)
                resolution.mappers.append(resolved)
            } catch {
                c.append(contentsOf: error.diagnostics)
            }
        }
        try c.check()
        if request.updateLock, let updatedLock, updatedLock != lock {
            var written = updatedLock
            written.rigmapVersion = rigmapVersion
            resolution.updatedExperimentLock = written
        }
        return resolution
    }

    /// Reads `MapperConfigs/job_types/<name>.yaml`.
    public func loadJobType(_ name: String) throws(DiagnosticError) -> JobConfig {
        guard let file = configs.file("job_types/\(name).yaml") else {
            let known = configs.files.keys.filter { $0.hasPrefix("job_types/") }.map { String($0.dropFirst("job_types/".count).dropLast(".yaml".count)) }.sorted()
            throw DiagnosticError("unknown job type '\(name)'; available: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
        }
        return try JobConfig.parse(try file.yaml(), file: file.displayName, kind: .jobType)
    }

    private func resolveOne(
        _ name: String, request: Request, jobType: JobConfig?, lock: LockFile?, updatedLock: inout LockFile?, warnings: inout [Diagnostic]
    ) throws(DiagnosticError) -> ResolvedMapper {
        let jobEntry = request.job.mappers[name]
        let typeEntry = jobType?.mappers[name]
        var explicit: (VersionRequirement, Source, SourceLocation?)?
        if let cli = request.versionOverrides[name] {
            explicit = (cli, .commandLine, SourceLocation(file: "<command line>"))
        } else if let v = jobEntry?.version {
            explicit = (v, .job, jobEntry?.versionLocation)
        }

        let chosen: RegisteredMapper
        let source: Source
        var requested = explicit?.0.text
        if let pin = lock?.mappers[name] {
            guard let pinned = registry.mapper(name, version: pin.version) else {
                let available = registry.versions(of: name).map(\.description).joined(separator: ", ")
                throw DiagnosticError(
                    "the experiment lock pins \(name)@\(pin.version), which this rigmap does not have; available: \(available.isEmpty ? "none" : available)",
                    at: SourceLocation(file: request.job.experiment.map { PathNames.appending($0, LockFile.fileName) }))
            }
            if let (requirement, explicitSource, location) = explicit, !requirement.isSatisfied(by: pin.version) {
                guard request.updateLock else {
                    let where_ = explicitSource == .commandLine ? "the command line asks for" : "the job asks for"
                    throw DiagnosticError(
                        "\(where_) \(name)@\(requirement) but the experiment lock (\(request.job.experiment ?? "?")/\(LockFile.fileName)) pins \(name)@\(pin.version); use --update-lock to move the pin",
                        at: location)
                }
                chosen = try registry.resolve(name, requirement: requirement)
                source = explicitSource
                let sha = (try? configs.versionConfig(for: chosen.identity))?.file.sha256
                updatedLock?.mappers[name] = LockFile.Pin(version: chosen.identity.version, configSHA256: sha)
            } else {
                chosen = pinned
                if let (requirement, explicitSource, _) = explicit, requirement.exactVersion != nil {
                    source = explicitSource
                } else {
                    source = .experiment
                }
            }
        } else if let (requirement, explicitSource, location) = explicit {
            do {
                chosen = try registry.resolve(name, requirement: requirement)
            } catch {
                throw DiagnosticError(error.diagnostics.map { Diagnostic($0.severity, $0.message, at: location ?? $0.location) })
            }
            source = explicitSource
        } else if let requirement = typeEntry?.version {
            chosen = try registry.resolve(name, requirement: requirement)
            source = .jobType
            requested = requirement.text
        } else {
            chosen = try registry.resolve(name)
            source = .latest
        }

        // Settings layers.
        let config = try configs.versionConfig(for: chosen.identity)
        var layers: [(String, ConfigValue)] = [("config", config.settings)]
        if var s = typeEntry?.settings, case .mapping(let members) = s.kind {
            // A job type serves a mapper family; its settings that the chosen version does not have (every setting
            // a version accepts is listed in its config's `settings:`) are dropped with a warning, not refused.
            let known = Set(config.settings.keys)
            let kept = members.filter { known.contains($0.key) }
            for (key, value) in members where !known.contains(key) {
                warnings.append(
                    Diagnostic(.warning, "job type setting '\(key)' does not apply to \(chosen.identity); ignored", at: value.location))
            }
            s.kind = .mapping(kept)
            layers.append(("job_type", s))
        }
        if let s = jobEntry?.settings { layers.append(("job", s)) }
        if let s = request.settingOverrides[name] { layers.append(("command_line", s)) }
        var overlay: ConfigValue?
        for (_, value) in layers.dropFirst() { overlay = overlay.map { $0.merging(value) } ?? value }
        let merged = overlay.map { config.settings.merging($0) } ?? config.settings
        try chosen.checkSettings(config: config, settings: merged)

        var origins: [SettingOrigin] = []
        for (path, value) in merged.leaves where !path.isEmpty {
            let layer = layers.last { $0.1.contains(path: path) }?.0 ?? "config"
            origins.append(SettingOrigin(path: path, layer: layer, location: value.location, value: value))
        }
        let configSHA = config.file.sha256
        if let pinnedSHA = lock?.mappers[name]?.configSHA256, lock?.mappers[name]?.version == chosen.identity.version, pinnedSHA != configSHA {
            warnings.append(
                Diagnostic(
                    .warning,
                    "the config of \(chosen.identity) (\(config.file.displayName)) differs from the one the experiment pinned (sha256 \(pinnedSHA.prefix(12))…); outputs may differ"
                ))
        }
        return ResolvedMapper(
            name: name, mapper: chosen, source: source, requested: requested, settings: merged, config: config, origins: origins,
            configFile: config.file, configSHA256: configSHA, settingsSHA256: Digest.sha256(JSONWriter.compactString(merged.jsonValue)))
    }

    /// Pins `specs` (`NAME@VERSION`, exact or a range resolved to its newest match) into `lock`, recording each
    /// version's config sha256, this rigmap's version and `now`.
    public func pin(_ specs: [String], into lock: LockFile?, now: Date = Date()) throws(DiagnosticError) -> LockFile {
        var c = DiagnosticCollector()
        var updated = lock ?? LockFile()
        var named: [String: String] = [:]
        for spec in specs {
            // `biodata-schema@3.0.0`: the release every session of the experiment is written in.
            if spec.contains("@"), let release = SchemaRelease(spec) {
                updated.schema = release == .standard ? nil : release.identifier
                continue
            }
            do {
                let mapper = try registry.resolve(spec: spec)
                if let earlier = named[mapper.identity.name] {
                    c.error("\(spec) and \(earlier) both pin '\(mapper.identity.name)'; an experiment pins one version of each mapper", at: SourceLocation(file: "<command line>"))
                    continue
                }
                named[mapper.identity.name] = spec
                let config = try configs.versionConfig(for: mapper.identity)
                updated.mappers[mapper.identity.name] = LockFile.Pin(version: mapper.identity.version, configSHA256: config.file.sha256)
            } catch {
                c.append(contentsOf: error.diagnostics)
            }
        }
        try c.check()
        updated.rigmapVersion = rigmapVersion
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        updated.created = formatter.string(from: now)
        return updated
    }

    /// Parses `--set NAME.KEY.PATH=VALUE` (VALUE is YAML: `3`, `[0, 1]`, `{R: dopamine}`) into per-mapper mappings.
    public static func settingOverrides(_ assignments: [String]) throws(DiagnosticError) -> [String: ConfigValue] {
        var c = DiagnosticCollector()
        var result: [String: ConfigValue] = [:]
        for assignment in assignments {
            guard let eq = assignment.firstIndex(of: "=") else {
                c.error("--set expects NAME.KEY=VALUE, got '\(assignment)'", at: SourceLocation(file: "<command line>"))
                continue
            }
            let keys = assignment[..<eq].split(separator: ".").map(String.init)
            guard keys.count >= 2 else {
                c.error("--set expects NAME.KEY=VALUE (a mapper name, then a setting), got '\(assignment)'", at: SourceLocation(file: "<command line>"))
                continue
            }
            let text = String(assignment[assignment.index(after: eq)...])
            do {
                var value = try ConfigValue.parseYAML(text, file: "<command line>")
                if text.isEmpty { value = ConfigValue(.null, location: SourceLocation(file: "<command line>")) }
                for key in keys.dropFirst().reversed() {
                    value = ConfigValue(.mapping([(key, value)]), location: SourceLocation(file: "<command line>"))
                }
                result[keys[0]] = result[keys[0]].map { $0.merging(value) } ?? value
            } catch {
                c.append(contentsOf: error.diagnostics)
            }
        }
        try c.check()
        return result
    }
}
