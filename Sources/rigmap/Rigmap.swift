import ArgumentParser
import Foundation

/// `rigmap`: map rig outputs to aind-data-schema documents.
@main
struct Rigmap: ParsableCommand {
    /// The RigMapper release.
    static let version = "0.6.0"

    static let configuration = CommandConfiguration(
        commandName: "rigmap",
        abstract: "Map raw rig outputs to acquisition.json and instrument.json (aind-data-schema 2.9.2, or biodata-schema 3.0.0).",
        discussion: """
            Examples:
              rigmap mappers
              rigmap map --mapper fiber --input Examples/fip-session/fip.json \\
                         --job Examples/fip-session/job.yaml --output out/
              rigmap map --mapper fiber@1.0.0 --input fip.json --output out/

            Configs: the MapperConfigs/ files are built into rigmap; --config DIR (or RIGMAP_CONFIG_DIR) names a folder with the same layout whose files replace or add to them.
            """,
        version: Rigmap.version,
        subcommands: [
            GatherCommand.self, BatchCommand.self, BatchMergeCommand.self, CatalogCommand.self, ReportCommand.self, MappersCommand.self, MapCommand.self,
            MergeCommand.self, ValidateCommand.self, UpgradeCommand.self,
            ResolveCommand.self, PinCommand.self, BatchWorkerCommand.self,
        ]
    )

    /// Runs the command line (swift-argument-parser), with usage errors exiting 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // Usage errors exit 2, as the README documents (swift-argument-parser's own code for them is 64).
            if exitCode(for: error).rawValue == 64 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
