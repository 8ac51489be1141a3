// rigmap-build-tool: the host tool behind RigMapper's build tool plugins.
//
//   RigmapBuildTool embed <output.swift> <type-name> <root-dir> <file>...
//       Embed text files into generated Swift source (MapperConfigs → EmbeddedMapperConfigs).
//   RigmapBuildTool register <output.swift> --modules <Module>... --sources <file.swift>... --configs <root> <file.yaml>...
//       Write the mapper catalog's module list from the adapter modules it depends on, and check every config
//       file against the adapters' mapper identities (errors as file:line:column, non-zero exit).
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

/// Writes `text` to `url` unless it already holds exactly that (keeps incremental builds quiet).
func writeIfChanged(_ text: String, to url: URL) {
    if (try? String(contentsOf: url, encoding: .utf8)) == text { return }
    do {
        try text.write(to: url, atomically: true, encoding: .utf8)
    } catch {
        fail("error: cannot write \(url.path): \(error)")
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "embed": embed(Array(arguments.dropFirst()))
case "register": register(Array(arguments.dropFirst()))
default: fail("usage: RigmapBuildTool embed|register …")
}
