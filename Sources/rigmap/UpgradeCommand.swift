import ArgumentParser
import Foundation
import MetadataModel
import Pipeline
import RigMapperCore
import Upgrade

/// `rigmap upgrade`: aind-data-schema 2.9.2 documents to biodata-schema 3.0.0.
struct UpgradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Upgrade aind-data-schema 2.9.2 acquisition/instrument documents to biodata-schema 3.0.0.",
        discussion: """
            Each upgraded document is written under its own file name in --output, with upgrade_report.json: per document its status (upgraded or refused), every field renamed, moved, defaulted, set, carried or dropped (JSON paths), and the diagnostics. Folders are walked for acquisition*.json and instrument*.json. Inputs are never modified.

            Nothing is lost silently: a value 3.0.0 has no field for is carried into the nearest enclosing notes (the document's own at worst) and reported; --allow-loss drops it instead, quoted in the report. Nothing is invented: what 3.0.0 requires and the 2.9.2 document lacks comes from --set / --settings, else the document is refused naming the field:
              instrument.global_coordinate_system=JSON   an instrument's frame, when 2.9.2 has null
              code.version=TEXT, code.commit_hash=TEXT   Code entries with neither
              transforms.local_frame=true                mark global transforms sized for their device's local frame as local

            Exit status: 0 all upgraded; 1 some refused; 2 an input could not be read, or a usage error.

            Examples:
              rigmap upgrade old/ --to biodata-schema@3.0.0 --output new/ --set code.version=1.4.0
              rigmap upgrade instrument.json --to biodata-schema@3.0.0 --output new/ --settings upgrade.yaml
            """
    )

    @Argument(help: ArgumentHelp("Documents or folders to upgrade.", valueName: "file-or-folder"))
    var inputs: [String]

    @Option(name: .long, help: ArgumentHelp("The release to upgrade to: biodata-schema@3.0.0.", valueName: "release"))
    var to: String

    @Option(name: .long, help: ArgumentHelp("Folder for the upgraded documents and upgrade_report.json (created if missing).", valueName: "dir"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("Upgrade settings: a YAML or JSON mapping {section: {key: value}} (or a job file with an upgrade: section).", valueName: "file"))
    var settings: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("An upgrade setting: SECTION.KEY=VALUE (VALUE is JSON when it parses, else text). Repeatable.", valueName: "section.key=value"))
    var assignments: [String] = []

    @Flag(name: .long, help: "Drop values 3.0.0 cannot hold (quoted in the report) instead of carrying them into notes.")
    var allowLoss = false

    @Option(name: .long, help: ArgumentHelp("Documents upgraded at once (default 1).", valueName: "n"))
    var jobs: Int = 1

    @Flag(name: .long, help: "Print the report (upgrade_report.json) on standard output.")
    var json = false

    func run() throws {
        guard to == "biodata-schema@3.0.0" || to == "3.0.0" else {
            printError("error: --to must be biodata-schema@3.0.0 (the only release documents can be upgraded to), got '\(to)'")
            throw ExitCode(2)
        }
        guard jobs >= 1 && jobs <= 1024 else {
            printError("error: --jobs must be between 1 and 1024, got \(jobs)")
            throw ExitCode(2)
        }
        var upgradeSettings = UpgradeSettings()
        do {
            if let settings {
                let value = try ConfigValue.load(contentsOf: URL(fileURLWithPath: settings), displayName: settings).jsonValue
                try upgradeSettings.apply(value, source: settings)
            }
            for assignment in assignments { try upgradeSettings.set(assignment) }
        } catch let error as UpgradeSettingsError {
            printError("error: \(error.message)")
            throw ExitCode(2)
        } catch let error as DiagnosticError {
            throw fail(error, code: 2)
        }
        upgradeSettings.allowLoss = allowLoss
        let request = Pipeline.UpgradeRequest(inputs: inputs, output: URL(fileURLWithPath: output), outputDisplay: output, settings: upgradeSettings, jobs: jobs)
        let report = Pipeline.upgrade(request)
        for diagnostic in report.diagnostics { printError(diagnostic.description) }
        for (file, outcome) in report.documents {
            for diagnostic in outcome.diagnostics where diagnostic.severity == .error { printError(diagnostic.description) }
            if !json { print("\(file): \(outcome.status.rawValue) (\(outcome.changes.count) change\(outcome.changes.count == 1 ? "" : "s"))") }
        }
        if json {
            print(JSONWriter.referenceString(report.jsonValue, indent: 2))
        } else if !report.written.isEmpty {
            let upgraded = report.documents.filter { $0.outcome.status == .upgraded }.count
            print("upgrade: \(upgraded) of \(report.documents.count) upgraded; wrote \(PathNames.appending(output, Pipeline.upgradeReportFileName))")
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
