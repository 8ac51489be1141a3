import ArgumentParser
import Foundation
import MapperCatalog
import RigMapperCore
import Pipeline

/// `rigmap map`: run one mapper on one input.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Run one mapper on one input and write acquisition_<name>.json (and instrument_<name>.json).",
        discussion: """
            Version: @VERSION when given, else the job's mappers.NAME.version, else the experiment's rigmap.lock, else the job type's default, else the newest release (see `rigmap resolve --explain`). Settings: the version's defaults (MapperConfigs/NAME/VERSION.yaml), then the job type's, the job's and --set, each laid over the last. Timestamps without a UTC offset take the job's `timezone`.

            Besides the documents, DIR/rigmap.lock records the mapper version and the sha256 of every input and of the settings (provenance). A job whose `experiment:` names DIR re-runs with the same versions.

            Each output is validated against its schema release first (aind-data-schema 2.9.2; biodata-schema 3.0.0 when the job says schema: biodata-schema@3.0.0): with the job's raise_if_invalid true (the default) an invalid output is refused; with false it is written and its problems reported.

            Exit status: 0 written; 1 bad input, settings or job, or an invalid output (every problem printed, located; nothing written); 2 usage, or a path given (--input, --job) that does not exist.

            Examples:
              rigmap map --mapper fiber --input fip.json --job job.yaml --output out/
              rigmap map --mapper fiber@1.0.0 --input session/fip.json --job job.yaml --output out/
              rigmap map --mapper fiber --input fip.json --set fiber.implanted_fibers=[0,2] --output out/
            """
    )

    @Option(name: .long, help: ArgumentHelp("Mapper name, optionally with a version or range: fiber, fiber@1.4.0, fiber@^1.0.", valueName: "name[@version]"))
    var mapper: String

    @Option(name: .long, help: ArgumentHelp("The rig output to map (a file such as fip.json, or a session folder).", valueName: "path"))
    var input: String

    @Option(name: .long, help: ArgumentHelp("Folder for the output files (created if missing).", valueName: "dir"))
    var output: String

    @OptionGroup var jobOptions: JobOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        if output.isEmpty || input.isEmpty {
            printError("error: --\(output.isEmpty ? "output" : "input") must name a \(output.isEmpty ? "folder" : "file or folder")")
            throw ExitCode(2)
        }
        try requireExisting(input, jobOptions.job)
        do {
            try execute()
        } catch {
            throw fail(error)
        }
    }

    private func execute() throws(DiagnosticError) {
        let pipeline = try makePipeline(try configOptions.store())
        let request = Pipeline.MapRequest(
            mapper: mapper, input: URL(fileURLWithPath: input), inputDisplay: input, output: URL(fileURLWithPath: output), outputDisplay: output,
            job: try jobOptions.request())
        let result = try pipeline.map(request)
        for warning in result.warnings { printError(warning.description) }
        for file in result.written { print("wrote \(file)") }
        print("mapped with \(result.resolved.mapper.identity) (version from \(result.resolved.source.rawValue))")
    }
}
