import ArgumentParser
import Foundation
import MetadataModel
import Resolver
import RigMapperCore

/// `rigmap resolve`: which version and settings each mapper of a job gets, and why.
struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Show the mapper versions and settings a job resolves to, and where each came from.",
        discussion: """
            Version precedence: --mapper NAME@VERSION > the job's mappers.NAME.version > the experiment's rigmap.lock > the job type's default > the newest release. A requested version that contradicts the experiment's pin is refused unless --update-lock is given (then the pin moves and the lock is rewritten).

            Examples:
              rigmap resolve --job job.yaml
              rigmap resolve --job job.yaml --json --explain
              rigmap resolve --job job.yaml --mapper fiber@1.0.0 --update-lock
            """
    )

    @Option(name: .long, help: ArgumentHelp("Override a mapper's version: NAME@VERSION. Repeatable.", valueName: "name@version"))
    var mapper: [String] = []

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "Show, for each setting, which layer set it.")
    var explain = false

    @OptionGroup var jobOptions: JobOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        try requireExisting(jobOptions.job)
        do {
            try execute()
        } catch {
            throw fail(error)
        }
    }

    private func execute() throws(DiagnosticError) {
        let resolver = try makeResolver(try configOptions.store())
        var request = try jobOptions.request()
        for spec in mapper {
            let (name, requirement) = try MapperRegistry.parse(spec: spec)
            guard let requirement else { throw DiagnosticError("--mapper expects NAME@VERSION, got '\(spec)'", at: SourceLocation(file: "<command line>")) }
            request.versionOverrides[name] = requirement
        }
        let resolution = try resolver.resolve(request)
        for warning in resolution.warnings { printError(warning.description) }
        if let updated = resolution.updatedExperimentLock, let url = resolution.experimentLockURL {
            try JSONDocument.writeAtomically([(url, Array(updated.yaml.utf8))])
            printError("updated \(url.path)")
        }
        if json {
            print(JSONWriter.referenceString(Self.report(resolution, explain: explain), indent: 2))
            return
        }
        if resolution.mappers.isEmpty { print("no mappers: the job, its job type and --mapper name none") }
        for m in resolution.mappers {
            let requested = m.requested.map { " (requested \($0))" } ?? ""
            print("\(m.name)@\(m.version)  from \(m.source.rawValue)\(requested)  config \(m.configFile.displayName)")
            if explain {
                for origin in m.origins {
                    let at = origin.location.map { " [\($0)]" } ?? ""
                    print("    \(origin.path) = \(JSONWriter.compactString(origin.value.jsonValue))  ← \(origin.layer)\(at)")
                }
            }
        }
    }

    static func report(_ resolution: Resolver.Resolution, explain: Bool) -> JSONValue {
        var mappers = JSONObject()
        for m in resolution.mappers {
            var entry: JSONObject = [
                "version": .string(m.version.description),
                "source": .string(m.source.rawValue),
                "requested": .string(m.requested),
                "config": .string(m.configFile.displayName),
                "config_sha256": .string(m.configSHA256),
                "settings": m.settings.jsonValue,
                "settings_sha256": .string(m.settingsSHA256),
            ]
            if explain {
                var origins = JSONObject()
                for origin in m.origins {
                    origins[origin.path] = ["layer": .string(origin.layer), "at": .string(origin.location?.description)]
                }
                entry["explain"] = .object(origins)
            }
            mappers[m.name] = .object(entry)
        }
        return [
            "job_type": .string(resolution.jobType.map { _ in resolution.jobType?.file ?? "" }),
            "timezone": .string(resolution.timezone),
            "raise_if_invalid": .bool(resolution.raiseIfInvalid),
            "raise_if_mapper_errors": .bool(resolution.raiseIfMapperErrors),
            "experiment_lock": .string(resolution.experimentLockURL?.path),
            "mappers": .object(mappers),
        ]
    }
}

/// `rigmap pin`: pin mapper versions for every session of an experiment.
struct PinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Create or update DIR/rigmap.lock, pinning mapper versions for an experiment.",
        discussion: """
            Each NAME@VERSION is exact or a range (resolved to its newest match and recorded exactly). The lock records the versions, the sha256 of each version's config file, this rigmap's version and the time. A job names the experiment with `experiment: DIR` (relative to the job file). A release (biodata-schema@3.0.0) pins the schema every session of the experiment is written in, as a job's `schema:` asks.

            Example:
              rigmap pin --experiment experiments/patch-foraging fiber@1.4.0
            """
    )

    @Option(name: .long, help: ArgumentHelp("The experiment folder (created if missing).", valueName: "dir"))
    var experiment: String

    @Argument(help: ArgumentHelp("Mappers to pin.", valueName: "name@version"))
    var specs: [String]

    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        do {
            let resolver = try makeResolver(try configOptions.store())
            let url = URL(fileURLWithPath: experiment).appendingPathComponent(LockFile.fileName)
            let existing = try LockFile.load(url, displayName: PathNames.appending(experiment, LockFile.fileName))
            let lock = try resolver.pin(specs, into: existing)
            try JSONDocument.writeAtomically([(url, Array(lock.yaml.utf8))])
            for name in lock.mappers.keys.sorted() {
                if let pin = lock.mappers[name] { print("\(name)@\(pin.version)") }
            }
            print("wrote \(url.path)")
        } catch {
            throw fail(error)
        }
    }
}
