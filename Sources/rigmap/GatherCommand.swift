import ArgumentParser
import Foundation
import Pipeline
import MetadataModel
import Report
import Resolver
import RigMapperCore

/// `rigmap gather`: one session folder in, validated acquisition.json + instrument.json out.
struct GatherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gather",
        abstract: "Map, merge and validate a session folder into acquisition.json and instrument.json.",
        discussion: """
            1. Discovery: an exact acquisition.json / instrument.json in the session is used as is; otherwise every mapper whose input patterns match files in the session runs, at the version the resolver picks, writing acquisition_<mapper>.json / instrument_<mapper>.json to the output folder. A produced file is reused when rigmap.lock shows the same mapper version, settings and input bytes.

            2. Compose: the session's acquisition*.json and the produced ones are merged in sorted file-name order (likewise instrument*.json), under `rigmap merge`'s rules.

            3. Check: each merged document is validated against its schema release (aind-data-schema 2.9.2, or biodata-schema 3.0.0 when the job says schema: biodata-schema@3.0.0: the 2.9.2 merge is then upgraded), and the pair cross-checked (instrument ids equal; stimulus devices must be instrument components; other active devices missing from the instrument are warnings).

            4. Write: acquisition.json, instrument.json, the per-mapper files, rigmap.lock and gather_report.json, all at once at the end. The session's files are never modified.

            Exit status: 0 ok; 1 refused (a mapper failed, a merge was refused or a document is invalid, with the job's raise_if_mapper_errors / raise_if_invalid true; nothing written); 2 bad input or usage; 3 partial (written without a failed mapper, or with invalid documents, as the job allowed).

            Example:
              rigmap gather Examples/fip-session --job Examples/fip-session/job.yaml --output out
            """
    )

    @Argument(help: ArgumentHelp("The session folder.", valueName: "session"))
    var session: String

    @Option(name: .long, help: ArgumentHelp("Folder for the outputs (created if missing).", valueName: "dir"))
    var output: String

    @Flag(name: .long, help: "Print the report (gather_report.json) on standard output.")
    var json = false

    @Flag(name: .long, help: "Also write OUT_DIR/report.html, the page rigmap report writes (when the gather wrote something).")
    var report = false

    @OptionGroup var jobOptions: JobOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let pipeline: Pipeline
        let request: Resolver.Request
        do {
            pipeline = try makePipeline(try configOptions.store())
            request = try jobOptions.request()
        } catch {
            throw fail(error, code: 2)
        }
        let report = pipeline.gather(
            session: URL(fileURLWithPath: session), output: URL(fileURLWithPath: output), request: request, sessionDisplay: session, outputDisplay: output)

        for diagnostic in report.diagnostics { printError(diagnostic.description) }
        if json {
            print(JSONWriter.referenceString(report.jsonValue, indent: 2))
        } else {
            for mapper in report.mappers { print("\(mapper.mapper): \(mapper.outcome.rawValue) (version from \(mapper.source.rawValue))") }
            for file in report.written { print("wrote \(PathNames.appending(output, file))") }
            if !report.stale.isEmpty { print("left from an earlier run: \(report.stale.joined(separator: ", "))") }
            print("gather: \(report.status.name)")
        }
        if self.report && !report.written.isEmpty {
            let options = ReportOptions(generator: "rigmap \(Rigmap.version)", session: URL(fileURLWithPath: session), sessionDisplay: session)
            do {
                try Report.writeSessionPage(folder: URL(fileURLWithPath: output), displayName: output, options: options)
                if !json { print("wrote \(PathNames.appending(output, Report.fileName))") }
            } catch {
                for diagnostic in error.diagnostics { printError(diagnostic.description) }
                throw ExitCode(report.status == .ok ? 2 : report.status.rawValue)
            }
        }
        if report.status != .ok { throw ExitCode(report.status.rawValue) }
    }
}
