import ArgumentParser
import Foundation
import MapperCatalog
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore

/// Options every command that reads configs shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder of MapperConfigs overrides (default: $RIGMAP_CONFIG_DIR, else the built-in configs).", valueName: "dir"))
    var config: String?

    func store() throws(DiagnosticError) -> ConfigStore {
        try Self.store(directory: config)
    }

    /// The configs in force with `--config directory` (`nil`: none given).
    static func store(directory: String?) throws(DiagnosticError) -> ConfigStore {
        let path = directory ?? ProcessEnvironment.value("RIGMAP_CONFIG_DIR")
        return try MapperCatalog.configStore(overrideDirectory: path.map { URL(fileURLWithPath: $0) })
    }
}

/// Writes text to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Exit 2, naming the path, when a file or folder named on the command line does not exist: every command exits 2
/// for a missing input path (README, "Exit codes").
func requireExisting(_ paths: String?...) throws {
    for case let path? in paths where !path.isEmpty && !FileManager.default.fileExists(atPath: path) {
        printError("\(path): error: no such file or folder")
        throw ExitCode(2)
    }
}

/// Prints every diagnostic to standard error and exits with `code`.
func fail(_ error: DiagnosticError, code: Int32 = 1) -> ExitCode {
    for diagnostic in error.diagnostics { printError(diagnostic.description) }
    return ExitCode(code)
}

/// Options that describe a job: the job file, version and setting overrides.
struct JobOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Job file: job type, experiment, timezone, mapper versions and settings.", valueName: "job.yaml"))
    var job: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a setting: NAME.KEY=VALUE (VALUE is YAML). Repeatable.", valueName: "name.key=value"))
    var settings: [String] = []

    @Flag(name: .long, help: "Move experiment pins that contradict the requested versions instead of refusing.")
    var updateLock = false

    func request() throws(DiagnosticError) -> Resolver.Request {
        try Self.request(job: job, settings: settings, updateLock: updateLock)
    }

    /// The request these options stand for, from their values.
    static func request(job: String?, settings: [String], updateLock: Bool) throws(DiagnosticError) -> Resolver.Request {
        let jobConfig = try job.map { path throws(DiagnosticError) in try JobConfig.load(contentsOf: URL(fileURLWithPath: path), displayName: path) } ?? JobConfig()
        var request = Resolver.Request(job: jobConfig)
        request.settingOverrides = try Resolver.settingOverrides(settings)
        request.updateLock = updateLock
        return request
    }
}

/// The resolver over the shipped mappers and the configs in force.
func makeResolver(_ configs: ConfigStore) throws(DiagnosticError) -> Resolver {
    Resolver(registry: try MapperCatalog.registry(), configs: configs, rigmapVersion: Rigmap.version)
}

/// The pipeline over the shipped mappers and the configs in force, with the default composer and validator.
func makePipeline(_ configs: ConfigStore) throws(DiagnosticError) -> Pipeline {
    Pipeline(resolver: try makeResolver(configs))
}
