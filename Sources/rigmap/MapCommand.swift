import ArgumentParser
import Foundation
import MapperCatalog
import MetadataModel
import Resolver
import RigMapperCore
import Validation

/// `rigmap map`: run one mapper on one input.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Run one mapper on one input and write acquisition_<name>.json (and instrument_<name>.json).",
        discussion: """
            Version: @VERSION when given, else the job's mappers.NAME.version, else the experiment's rigmap.lock,
            else the job type's default, else the newest release (see `rigmap resolve --explain`).
            Settings: the version's defaults (MapperConfigs/NAME/VERSION.yaml), then the job type's, the job's
            and --set, each laid over the last. Timestamps without a UTC offset take the job's `timezone`.

            Besides the documents, DIR/rigmap.lock records the mapper version and the sha256 of every input and
            of the settings (provenance). A job whose `experiment:` names DIR re-runs with the same versions.

            Each output is validated against aind-data-schema 2.9.2 first: with the job's raise_if_invalid true
            (the default) an invalid output is refused; with false it is written and its problems reported.

            Exit status: 0 written; 1 bad input, settings or job, or an invalid output (every problem printed,
            located; nothing written).

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
        do {
            try execute()
        } catch {
            throw fail(error)
        }
    }

    private func execute() throws(DiagnosticError) {
        let resolver = try makeResolver(configOptions)
        let (name, requirement) = try MapperRegistry.parse(spec: mapper)
        var request = try jobOptions.request()
        request.only = [name]
        if let requirement { request.versionOverrides[name] = requirement }
        let resolution = try resolver.resolve(request)
        for warning in resolution.warnings { printError(warning.description) }
        guard let resolved = resolution.mapper(name) else { throw DiagnosticError("internal: \(name) not resolved") }

        let inputURL = URL(fileURLWithPath: input)
        guard FileManager.default.fileExists(atPath: inputURL.path) else {
            throw DiagnosticError("no such file or folder", at: SourceLocation(file: input))
        }
        let context = MapperCatalog.context(timeZone: resolution.timezone)
        let run = try resolved.mapper.run(
            MapperInput(url: inputURL, displayName: input), configs: resolver.configs, settings: resolved.settingsOverlay, context: context)
        for warning in run.output.warnings { printError(warning.description) }

        // Each output is validated against aind-data-schema 2.9.2 before anything is written.
        var invalid: [Diagnostic] = []
        for document in run.output.documents {
            let fileName = MapperOutput.fileName(kind: document.kind, mapper: name)
            for issue in AindValidator.validate(document.value, as: document.kind == .acquisition ? .acquisition : .instrument) {
                let severity: Diagnostic.Severity = issue.severity == .error && resolution.raiseIfInvalid ? .error : .warning
                invalid.append(Diagnostic(severity, issue.message, at: SourceLocation(file: fileName, jsonPath: issue.path)))
            }
        }
        if invalid.contains(where: { $0.severity == .error }) {
            invalid.append(Diagnostic(.error, "the output is not valid aind-data-schema 2.9.2 and raise_if_invalid is true: nothing was written"))
            throw DiagnosticError(invalid)
        }
        for warning in invalid { printError(warning.description) }

        let outputURL = URL(fileURLWithPath: output)
        var files = run.output.documents.map { document in
            (url: outputURL.appendingPathComponent(MapperOutput.fileName(kind: document.kind, mapper: name)),
             bytes: JSONWriter.referenceBytes(document.value))
        }
        let lockURL = outputURL.appendingPathComponent(LockFile.fileName)
        // Keep the records of other mappers written to the same folder; an unreadable old lock is replaced.
        var provenance = ((try? LockFile.load(lockURL)) ?? nil) ?? LockFile()
        provenance.record(resolved, outputs: files.map { ($0.url.lastPathComponent, $0.bytes) }, inputs: run.output.inputsRead.isEmpty ? [MapperInput(url: inputURL, displayName: input)] : run.output.inputsRead, rigmapVersion: Rigmap.version)
        files.append((url: lockURL, bytes: Array(provenance.yaml.utf8)))
        if let updated = resolution.updatedExperimentLock, let url = resolution.experimentLockURL {
            files.append((url: url, bytes: Array(updated.yaml.utf8)))
        }
        try JSONDocument.writeAtomically(files)
        for file in files { print("wrote \(file.url.path)") }
        print("mapped with \(resolved.mapper.identity) (version from \(resolved.source.rawValue))")
    }
}
