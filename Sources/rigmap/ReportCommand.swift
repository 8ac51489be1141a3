import ArgumentParser
import Foundation
import Report
import RigMapperCore

/// `rigmap report`: a self-contained page showing an output folder, or a batch.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write OUT_DIR/report.html: one self-contained page showing a gather, map or batch output folder.",
        discussion: """
            A gather or map output folder: the acquisition as a timeline (each data stream from its start to its end, the source documents' streams and the stimulus epochs below, in the acquisition's UTC offset), the instrument's components by device type with the clock generator and which file supplied its fields, every error and warning of gather_report.json with the reference rule it follows, the documents validated again, provenance (mapper versions and where each came from, the files read and their sha256, the schema release) and both documents.

            A batch output folder (it holds rigmap-catalog.sqlite): the batch page (counts per status, the mapper-version histogram, every session in a table, failed first, sortable and filterable) and each session's page, OUT_ROOT/<session>/report.html, linked from its row.

            The page fetches nothing and runs only its own inline script (a Content-Security-Policy names its sha256); it is readable with scripts off and prints. The same files give the same page.

            Exit status: 0 written; 2 the folder holds nothing to show or a file in it cannot be read (nothing written); 3 a batch page was written but some session pages could not be (each reason printed).

            Examples:
              rigmap report out
              rigmap report out --session Examples/fip-session   # also show the documents given in the session
              rigmap report /data/metadata                        # a batch
              rigmap gather SESSION --job job.yaml --output out --report
            """
    )

    @Argument(help: ArgumentHelp("The output folder of rigmap gather, map or batch.", valueName: "out_dir"))
    var folder: String

    @Option(name: .long, help: ArgumentHelp("The session folder the gather read: documents given in it are shown as sources.", valueName: "dir"))
    var session: String?

    @Flag(name: .customLong("no-session-pages"), help: "For a batch: write only the batch page (rows link to session pages already there).")
    var noSessionPages = false

    func run() throws {
        let url = URL(fileURLWithPath: folder)
        let options = ReportOptions(generator: "rigmap \(Rigmap.version)", session: session.map { URL(fileURLWithPath: $0) }, sessionDisplay: session)
        if Report.isBatchFolder(url) {
            let outcome: Report.BatchOutcome
            do {
                outcome = try Report.writeBatchPages(folder: url, displayName: folder, options: options, sessionPages: !noSessionPages)
            } catch {
                throw fail(error, code: 2)
            }
            for problem in outcome.problems { printError(problem.description) }
            print("wrote \(PathNames.appending(folder, Report.fileName)) (\(outcome.sessions) sessions; \(outcome.sessionPages) session pages)")
            if !outcome.problems.isEmpty { throw ExitCode(3) }
            return
        }
        do {
            try Report.writeSessionPage(folder: url, displayName: folder, options: options)
        } catch {
            throw fail(error, code: 2)
        }
        print("wrote \(PathNames.appending(folder, Report.fileName))")
    }
}
