import ArgumentParser
import Foundation
import MetadataModel
import Pipeline
import Releases
import RigMapperCore

/// `rigmap merge`: merge instruments or acquisitions under the composer's rules.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge two or more instrument_*.json or acquisition_*.json files into one.",
        discussion: """
            Files are merged in the order given, left to right (a + b + c), under the rules of the schema release their schema_version names (\(ValidateCommand.releaseNames); \(SchemaReleases.standard.displayName) when none does). Documents of different releases are refused, naming each file and its release. The rules are the release's `+`, except that a device name in two instruments refuses the merge unless it is one Harp clock generator defined identically in both (the reference compares names only). The merged document is validated as the reference validates it; an invalid result refuses the merge.

            Exit status: 0 merged; 1 refused (every conflict on stderr and in --report; no output file); 2 unreadable or malformed input.

            Examples:
              rigmap merge instrument_behavior.json instrument_fip.json --output instrument.json
              rigmap merge acquisition_*.json --output acquisition.json --report conflicts.json
            """
    )

    @Argument(help: ArgumentHelp("Documents to merge, in order.", valueName: "file"))
    var files: [String]

    @Option(name: .long, help: ArgumentHelp("The merged document.", valueName: "file"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("Write a JSON conflict report (also when the merge succeeds).", valueName: "file"))
    var report: String?

    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        // Usage: outputs never replace an input, and the report and the document are two files.
        let inputs = Set(files.map { PathRelation.canonical($0) })
        if output.isEmpty { throw usage("--output must name a file") }
        if inputs.contains(PathRelation.canonical(output)) { throw usage("--output \(output) is one of the input files; it would be overwritten") }
        if let report {
            if report.isEmpty { throw usage("--report must name a file") }
            if inputs.contains(PathRelation.canonical(report)) { throw usage("--report \(report) is one of the input files; it would be overwritten") }
            if PathRelation.canonical(report) == PathRelation.canonical(output) { throw usage("--output and --report name the same file") }
        }

        Pipeline.prepareValidation(of: files)
        var documents: [(name: String, value: JSONValue)] = []
        var unreadable: [Diagnostic] = []
        for (file, read) in zip(files, JSONDocument.readAll(files.map { (URL(fileURLWithPath: $0), $0) })) {
            switch read {
            case .success(let value): documents.append((file, value))
            case .failure(let error): unreadable += error.diagnostics
            }
        }
        if !unreadable.isEmpty { throw fail(DiagnosticError(unreadable), code: 2) }

        let pipeline: Pipeline
        do {
            pipeline = try makePipeline(try configOptions.store())
        } catch {
            throw fail(error, code: 2)
        }
        let result = pipeline.merge(documents)
        let outcome = result.outcome
        var writes: [(url: URL, bytes: [UInt8])] = []
        if let report {
            writes.append((URL(fileURLWithPath: report), JSONWriter.referenceBytes(outcome.report(files: files))))
        }
        for note in outcome.notes { printError("note: \(note)") }
        for warning in result.warnings { printError(warning.description) }
        guard let merged = outcome.merged else {
            for conflict in outcome.conflicts { printError("error: \(conflict.kind.rawValue): \(conflict.summary)") }
            do {
                try JSONDocument.writeAtomically(writes)
            } catch {
                throw fail(error, code: 1)
            }
            throw ExitCode(1)
        }
        writes.append((URL(fileURLWithPath: output), JSONWriter.referenceBytes(merged)))
        do {
            try JSONDocument.writeAtomically(writes)
        } catch {
            throw fail(error, code: 2)
        }
        print("merged \(files.count) \(outcome.kind?.rawValue ?? "document")s into \(output)")
    }

    private func usage(_ message: String) -> ExitCode {
        printError("error: \(message)")
        return ExitCode(2)
    }
}
