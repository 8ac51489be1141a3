import Foundation
import PackagePlugin

/// Build tool plugin: embeds the target's YAML files and JSON input contracts (the `MapperConfigs` target) into
/// generated Swift source,
/// so `rigmap` carries its shipped configs and runs from any folder, even as a copied release binary.
@main
struct EmbedConfigs: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let inputs = target.sourceFiles
            .map(\.url)
            .filter { ["yaml", "yml", "json"].contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedMapperConfigs.swift")
        let tool = try context.tool(named: "RigmapBuildTool")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) mapper config file(s)",
                executable: tool.url,
                arguments: ["embed", output.path, "EmbeddedMapperConfigs", target.directoryURL.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
