import Foundation
import PackagePlugin

/// Build tool plugin: embeds a target's YAML and JSON files (the `MapperConfigs` target's configs and input contracts,
/// the `AindSchemas` target's exported JSON Schemas) into generated Swift source, as `Embedded<TargetName>.files`, so
/// `rigmap` carries them and runs from any folder, even as a copied release binary. The same source carries each YAML
/// file composed (`composed`) and each JSON Schema's `$defs` located (`definitionIndex`), work a run then skips.
@main
struct EmbedConfigs: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let inputs = target.sourceFiles
            .map(\.url)
            .filter { ["yaml", "yml", "json"].contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
        let typeName = "Embedded\(target.name)"
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("\(typeName).swift")
        let tool = try context.tool(named: "RigmapBuildTool")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) file(s) into \(target.name)",
                executable: tool.url,
                arguments: ["embed", output.path, typeName, target.directoryURL.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
