import ArgumentParser
import Composer
import Foundation
import MetadataModel
import RigMapperCore
import Validation

/// `rigmap merge`: merge instruments or acquisitions under the composer's rules.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge two or more instrument_*.json or acquisition_*.json files into one.",
        discussion: """
            Files are merged in the order given, left to right (a + b + c), under aind-data-schema 2.9.2's rules,
            except that a device name in two instruments refuses the merge unless it is one Harp clock generator
            defined identically in both (the reference compares names only). The merged document is validated
            as the reference validates it; an invalid result refuses the merge.

            Exit status: 0 merged; 1 refused (every conflict on stderr and in --report; no output file);
            2 unreadable or malformed input.

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

    func run() throws {
        var documents: [Composer.Document] = []
        var unreadable: [Diagnostic] = []
        for file in files {
            do {
                documents.append(Composer.Document(name: file, value: try JSONDocument.read(URL(fileURLWithPath: file), displayName: file)))
            } catch {
                unreadable += error.diagnostics
            }
        }
        if !unreadable.isEmpty { throw fail(DiagnosticError(unreadable), code: 2) }

        var outcome = Composer.merge(documents)
        // The reference re-validates what it merged; so do we (connections naming devices that exist, and the rest).
        if let merged = outcome.merged, let kind = AindValidator.kind(of: merged) {
            let problems = AindValidator.validate(merged, as: kind).filter { $0.severity == .error }
            outcome.refuse(problems.map { ($0.path.description, $0.message) }, files: files)
        }
        var writes: [(url: URL, bytes: [UInt8])] = []
        if let report {
            writes.append((URL(fileURLWithPath: report), JSONWriter.referenceBytes(outcome.report(files: files))))
        }
        for note in outcome.notes { printError("note: \(note)") }
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
        print("merged \(files.count) \(outcome.kind?.rawValue.lowercased() ?? "document")s into \(output)")
    }
}
