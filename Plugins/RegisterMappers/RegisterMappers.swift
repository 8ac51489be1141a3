import Foundation
import PackagePlugin

/// Build tool plugin on `MapperCatalog`: generates the catalog's list of adapter modules from the target's own
/// dependencies (every dependency under `Sources/Mappers/`), and checks every `MapperConfigs` file against the mapper
/// identities the adapters declare. Adding an adapter is a new module plus its name in Package.swift's
/// `mapperModules`; no central list is edited by hand.
@main
struct RegisterMappers: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        var adapters: [SourceModuleTarget] = []
        var configs: SourceModuleTarget?
        for dependency in target.dependencies {
            guard case .target(let dependencyTarget) = dependency, let module = dependencyTarget as? SourceModuleTarget else { continue }
            if module.directoryURL.path.contains("/Sources/Mappers/") {
                adapters.append(module)
            } else if module.name == "MapperConfigs" {
                configs = module
            }
        }
        adapters.sort { $0.name < $1.name }
        let sources = adapters.flatMap { $0.sourceFiles.map(\.url).filter { $0.pathExtension == "swift" } }
        let yamls = (configs?.sourceFiles.map(\.url) ?? []).filter { ["yaml", "yml"].contains($0.pathExtension) }.sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("GeneratedMapperModules.swift")
        var arguments = ["register", output.path, "--modules"] + adapters.map(\.name)
        arguments += ["--sources"] + sources.map(\.path)
        if let configs {
            arguments += ["--configs", configs.directoryURL.path] + yamls.map(\.path)
        }
        return [
            .buildCommand(
                displayName: "Registering \(adapters.count) mapper module(s), checking \(yamls.count) config file(s)",
                executable: try context.tool(named: "RigmapBuildTool").url,
                arguments: arguments,
                inputFiles: sources + yamls,
                outputFiles: [output]
            )
        ]
    }
}
