import ArgumentParser
import Foundation
import MapperCatalog
import MetadataModel
import RigMapperCore

/// `rigmap mappers`: every mapper with its versions, modalities and input patterns.
struct MappersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mappers",
        abstract: "List every mapper with its versions, modalities and input patterns.",
        discussion: "Example: rigmap mappers --json"
    )

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let registry: MapperRegistry
        do {
            registry = try MapperCatalog.registry()
        } catch {
            throw fail(error)
        }
        if json {
            var mappers = JSONObject()
            for name in registry.names {
                let entries = registry.all.filter { $0.identity.name == name }
                var versions = JSONObject()
                for entry in entries {
                    versions[entry.identity.version.description] = [
                        "modalities": .strings(entry.modalities),
                        "inputs": .strings(entry.inputs.map(\.pattern)),
                        "summary": .string(entry.summary),
                    ]
                }
                mappers[name] = ["versions": .object(versions), "latest": .string(registry.versions(of: name).last?.description)]
            }
            print(JSONWriter.referenceString(["mappers": .object(mappers)], indent: 2))
            return
        }
        // One column width for every row: the longest NAME@VERSION plus two spaces (at least 16).
        let width = max(16, (registry.all.map(\.identity.description.count).max() ?? 0) + 2)
        for entry in registry.all {
            let id = entry.identity.description.padding(toLength: width, withPad: " ", startingAt: 0)
            print("\(id)modalities: \(entry.modalities.joined(separator: ", "))  inputs: \(entry.inputs.map(\.pattern).joined(separator: ", "))")
            if !entry.summary.isEmpty { print("    \(entry.summary)") }
        }
    }
}
