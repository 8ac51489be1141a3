import ArgumentParser
import Foundation
import MapperCatalog
import MetadataModel
import RigMapperCore

/// `rigmap map`: run one mapper on one input.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Run one mapper on one input and write acquisition_<name>.json (and instrument_<name>.json).",
        discussion: """
            The version is @VERSION when given, else the job's mappers.NAME.version, else the newest release.
            Settings are the version's defaults (MapperConfigs/NAME/VERSION.yaml) with the job's
            mappers.NAME.settings laid over them. Timestamps without a UTC offset take the job's `timezone`.

            Exit status: 0 written; 1 bad input, settings or job (every problem printed, located; nothing written).

            Examples:
              rigmap map --mapper fiber --input fip.json --job job.yaml --output out/
              rigmap map --mapper fiber@1.0.0 --input session/fip.json --job job.yaml --output out/
            """
    )

    @Option(name: .long, help: ArgumentHelp("Mapper name, optionally with a version or range: fiber, fiber@1.4.0, fiber@^1.0.", valueName: "name[@version]"))
    var mapper: String

    @Option(name: .long, help: ArgumentHelp("The rig output to map (a file such as fip.json, or a session folder).", valueName: "path"))
    var input: String

    @Option(name: .long, help: ArgumentHelp("Job file: mapper versions and settings, timezone.", valueName: "job.yaml"))
    var job: String?

    @Option(name: .long, help: ArgumentHelp("Folder for the output files (created if missing).", valueName: "dir"))
    var output: String

    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        do {
            try execute()
        } catch {
            throw fail(error)
        }
    }

    private func execute() throws(DiagnosticError) {
        let registry = try MapperCatalog.registry()
        let configs = try configOptions.store()
        let jobConfig = try job.map { path throws(DiagnosticError) in try JobConfig.load(contentsOf: URL(fileURLWithPath: path), displayName: path) }

        var (name, requirement) = try MapperRegistry.parse(spec: mapper)
        let entry = jobConfig?.mappers[name]
        if requirement == nil { requirement = entry?.version }
        let chosen: RegisteredMapper
        do {
            chosen = try registry.resolve(name, requirement: requirement)
        } catch {
            if requirement != nil && requirement == entry?.version, let location = entry?.versionLocation {
                throw DiagnosticError(error.diagnostics.map { Diagnostic($0.severity, $0.message, at: location) })
            }
            throw error
        }

        let inputURL = URL(fileURLWithPath: input)
        guard FileManager.default.fileExists(atPath: inputURL.path) else {
            throw DiagnosticError("no such file or folder", at: SourceLocation(file: input))
        }
        let context = MapperContext(timeZone: jobConfig?.timezone)
        let run = try chosen.run(MapperInput(url: inputURL, displayName: input), configs: configs, settings: entry?.settings, context: context)
        for warning in run.output.warnings { printError(warning.description) }

        let outputURL = URL(fileURLWithPath: output)
        let files = run.output.documents.map { document in
            (url: outputURL.appendingPathComponent(MapperOutput.fileName(kind: document.kind, mapper: name)),
             bytes: JSONWriter.referenceBytes(document.value))
        }
        try JSONDocument.writeAtomically(files)
        for file in files { print("wrote \(file.url.path) (\(chosen.identity))") }
    }
}
