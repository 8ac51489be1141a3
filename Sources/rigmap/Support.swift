import ArgumentParser
import Foundation
import MapperCatalog
import RigMapperCore

/// Options every command that reads configs shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder of MapperConfigs overrides (default: $RIGMAP_CONFIG_DIR, else the built-in configs).", valueName: "dir"))
    var config: String?

    func store() throws(DiagnosticError) -> ConfigStore {
        let path = config ?? ProcessInfo.processInfo.environment["RIGMAP_CONFIG_DIR"]
        return try MapperCatalog.configStore(overrideDirectory: path.map { URL(fileURLWithPath: $0) })
    }
}

/// Writes text to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Prints every diagnostic to standard error and exits with `code`.
func fail(_ error: DiagnosticError, code: Int32 = 1) -> ExitCode {
    for diagnostic in error.diagnostics { printError(diagnostic.description) }
    return ExitCode(code)
}
