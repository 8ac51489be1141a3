import Foundation
import MetadataModel
import RigMapperCore

/// A `job.yaml`: which mappers run at which versions with which settings, and how strict the run is.
///
/// ```yaml
/// job_type: vr_foraging_fiber
/// experiment: experiments/patch-foraging
/// timezone: America/Los_Angeles
/// raise_if_invalid: true
/// raise_if_mapper_errors: true
/// mappers:
///   fiber:
///     version: "1.4.0"
///     settings: {implanted_fibers: [0, 1]}
/// ```
public struct JobConfig: Sendable {
    /// One entry under `mappers:`.
    public struct MapperEntry: Sendable {
        /// `version:` as written (exact or a range).
        public var version: VersionRequirement?
        /// Where `version:` was written.
        public var versionLocation: SourceLocation?
        /// `settings:`, laid over the version's defaults.
        public var settings: ConfigValue?
        /// Where the entry was written.
        public var location: SourceLocation?
    }

    /// `job_type:` — defaults from `MapperConfigs/job_types/<job_type>.yaml`.
    public var jobType: String?
    /// Where `job_type:` was written.
    public var jobTypeLocation: SourceLocation?
    /// `description:` (job types).
    public var description: String?
    public var experiment: String?
    /// IANA zone for rig timestamps written without an offset.
    public var timezone: String?
    public var raiseIfInvalid: Bool = true
    public var raiseIfMapperErrors: Bool = true
    /// `conflicting_documents:` — what a gather does with a document given in the session under the name a mapper of
    /// the run also writes (`acquisition_fiber.json` beside `fip.json`).
    public var conflictingDocuments: ConflictingDocuments = .refuse

    /// The choices of `conflicting_documents:`.
    public enum ConflictingDocuments: String, Sendable, CaseIterable {
        /// The gather is refused, naming the file (the default: a stale file must not silently win).
        case refuse
        /// The given file is used and the mapper's document is not (the report says so).
        case useGiven = "use_given"
        /// The mapper's document is used and the given file is not (the report says so).
        case useMapped = "use_mapped"
    }
    public var mappers: [String: MapperEntry] = [:]
    /// `schema:` — the release the run writes (`biodata-schema@3.0.0`); `nil`: what the mappers target (2.9.2).
    /// Mappers keep building their own release; the final documents are migrated to this one (`Upgrade`).
    public var schema: SchemaRelease?
    /// Where `schema:` was written.
    public var schemaLocation: SourceLocation?
    /// `upgrade:` — the settings a migration needs that the documents cannot say (as `rigmap upgrade --set`).
    public var upgrade: ConfigValue?
    /// Mapper names in the order the job lists them.
    public var mapperOrder: [String] = []
    /// Which of these were written in the file (so a job type's value is only replaced by one the job sets).
    public var explicitlySet: Set<String> = []
    /// The file the job was read from.
    public var file: String?
    /// The folder of the job file: `experiment:` is relative to it.
    public var directory: URL?

    /// What a YAML file of this shape is: a job, or a job type (no `job_type`/`experiment`, may have `description`).
    public enum Kind: Sendable {
        case job
        case jobType
    }

    public init() {}

    /// Reads a job file, reporting every problem (unknown keys, wrong types, bad versions or zones) with `file:line:column`.
    public static func load(contentsOf url: URL, displayName: String? = nil) throws(DiagnosticError) -> JobConfig {
        let name = displayName ?? url.path
        var job = try parse(try ConfigValue.load(contentsOf: url, displayName: name), file: name)
        job.directory = url.deletingLastPathComponent()
        return job
    }

    /// Reads a job from YAML text.
    public static func parse(yaml: String, file: String, kind: Kind = .job) throws(DiagnosticError) -> JobConfig {
        try parse(try ConfigValue.parseYAML(yaml, file: file), file: file, kind: kind)
    }

    static func parse(_ root: ConfigValue, file: String, kind: Kind = .job) throws(DiagnosticError) -> JobConfig {
        var job = JobConfig()
        job.file = file
        let allowed: [String] =
            kind == .job
            ? ["job_type", "experiment", "timezone", "raise_if_invalid", "raise_if_mapper_errors", "conflicting_documents", "schema", "upgrade", "mappers"]
            : ["description", "timezone", "raise_if_invalid", "raise_if_mapper_errors", "conflicting_documents", "schema", "upgrade", "mappers"]
        var c = DiagnosticCollector()
        guard case .mapping(let members) = root.kind else {
            throw DiagnosticError("a job file must be a mapping", at: root.location)
        }
        func string(_ v: ConfigValue, _ key: String) -> String? {
            if v.isNull { return nil }
            guard let s = v.scalarText else {
                c.error("'\(key)' must be a string", at: v.location)
                return nil
            }
            return s
        }
        func bool(_ v: ConfigValue, _ key: String) -> Bool? {
            switch v.scalarText {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default:
                c.error("'\(key)' must be true or false", at: v.location)
                return nil
            }
        }
        for (key, value) in members {
            guard allowed.contains(key) else {
                c.error("unknown key '\(key)' in \(kind == .job ? "job file" : "job type") (allowed: \(allowed.joined(separator: ", ")))", at: value.keyOrValueLocation)
                continue
            }
            job.explicitlySet.insert(key)
            switch key {
            case "description": job.description = string(value, key)
            case "job_type":
                job.jobType = string(value, key)
                job.jobTypeLocation = value.location
            case "experiment": job.experiment = string(value, key)
            case "timezone":
                job.timezone = string(value, key)
                if let tz = job.timezone, let prefix = TimeZoneNames.variantPrefix(tz) {
                    c.error(
                        "time zone '\(tz)' names a \(prefix) copy of the zone database, which the reference does not read the same way; write '\(tz.dropFirst(prefix.count))'",
                        at: value.location)
                } else if let tz = job.timezone, !TimeZoneNames.isIANA(tz) {
                    c.error("unknown IANA time zone '\(tz)' (use a name of the zone database, such as America/Los_Angeles or Etc/GMT+5)", at: value.location)
                }
            case "raise_if_invalid": job.raiseIfInvalid = bool(value, key) ?? true
            case "raise_if_mapper_errors": job.raiseIfMapperErrors = bool(value, key) ?? true
            case "conflicting_documents":
                if let text = string(value, key) {
                    if let choice = ConflictingDocuments(rawValue: text) {
                        job.conflictingDocuments = choice
                    } else {
                        c.error(
                            "'conflicting_documents' must be one of \(ConflictingDocuments.allCases.map(\.rawValue).joined(separator: ", ")); found '\(text)'",
                            at: value.location)
                    }
                }
            case "schema":
                guard let text = string(value, key) else { continue }
                if let release = SchemaRelease(text), text.contains("@") {
                    job.schema = release
                    job.schemaLocation = value.location
                } else {
                    c.error(
                        "unknown schema release '\(text)'; this rigmap writes \(SchemaRelease.all.map(\.identifier).joined(separator: " or "))",
                        at: value.location)
                }
            case "upgrade":
                if value.isNull { continue }
                guard case .mapping = value.kind else {
                    c.error("'upgrade' must be a mapping of sections (instrument, code, transforms)", at: value.location)
                    continue
                }
                job.upgrade = value
            case "mappers":
                if value.isNull { continue }
                guard case .mapping(let entries) = value.kind else {
                    c.error("'mappers' must be a mapping of mapper names", at: value.location)
                    continue
                }
                for (name, entryValue) in entries {
                    var entry = MapperEntry()
                    entry.location = entryValue.location
                    if entryValue.isNull {
                        job.mappers[name] = entry
                        job.mapperOrder.append(name)
                        continue
                    }
                    guard case .mapping(let fields) = entryValue.kind else {
                        c.error("'mappers.\(name)' must be a mapping with 'version' and/or 'settings'", at: entryValue.location)
                        continue
                    }
                    for (field, fieldValue) in fields {
                        switch field {
                        case "version":
                            guard let text = string(fieldValue, "mappers.\(name).version") else { continue }
                            if let requirement = VersionRequirement(text) {
                                entry.version = requirement
                                entry.versionLocation = fieldValue.location
                            } else {
                                c.error("invalid version '\(text)' for mapper '\(name)'; use 1.4.0, ^1.2, ~1.4.0 or '>=1.0.0 <2.0.0'", at: fieldValue.location)
                            }
                        case "settings":
                            if fieldValue.isNull { continue }
                            guard case .mapping = fieldValue.kind else {
                                c.error("'mappers.\(name).settings' must be a mapping", at: fieldValue.location)
                                continue
                            }
                            entry.settings = fieldValue
                        default:
                            c.error("unknown key 'mappers.\(name).\(field)' (allowed: version, settings)", at: fieldValue.keyOrValueLocation)
                        }
                    }
                    job.mappers[name] = entry
                    job.mapperOrder.append(name)
                }
            default:
                break
            }
        }
        try c.check()
        return job
    }
}
