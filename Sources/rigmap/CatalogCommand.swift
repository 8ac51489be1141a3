import ArgumentParser
import Batch
import Foundation
import MetadataModel
import RigMapperCore

/// `rigmap catalog`: what a batch's catalog knows — which sessions were mapped with which version, which failed.
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Query a batch's catalog, or merge shard catalogs.",
        discussion: """
            Lists the sessions of OUT_ROOT/rigmap-catalog.sqlite (or a catalog file given directly), one per line:
            session, status, mapper versions, separated by tabs (a tab, newline, backslash or other control character in a session name is written as an escape: \\t, \\n, \\\\, \\u{7}). --mapper fiber@1.0.0 keeps the sessions mapped with that version (--mapper fiber: any version); --status keeps one status: ok, partial, refused, bad_input, crashed, timed_out, catalog_failed, or failed (every status but ok). --json prints an array of objects with session, path, status, exit_code, attempts, recorded_at, mappers, outputs and diagnostics.

            merge: when one session is in several catalogs with different rows, the newest row (recorded_at) wins, the catalog named later on equal times; each such conflict is printed.

            Examples:
              rigmap catalog out --mapper fiber@1.0.0              # sessions to re-map after a fiber 1.0.0 bug fix
              rigmap catalog out --status failed --json
              rigmap catalog merge out/shard-*.sqlite --into out/rigmap-catalog.sqlite
            """,
        subcommands: [CatalogQueryCommand.self, CatalogMergeCommand.self],
        defaultSubcommand: CatalogQueryCommand.self
    )
}

struct CatalogQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query", abstract: "List the sessions of a catalog (the default).")

    @Argument(help: ArgumentHelp("OUT_ROOT of a batch, or a catalog file.", valueName: "out_root"))
    var location: String

    @Option(name: .long, help: ArgumentHelp("Only sessions mapped with this mapper (NAME or NAME@VERSION).", valueName: "mapper"))
    var mapper: String?

    @Option(name: .long, help: ArgumentHelp("Only sessions with this status (\(CatalogQueryCommand.statuses.joined(separator: ", "))).", valueName: "status"))
    var status: String?

    static let statuses = SessionStatus.allCases.map(\.name) + ["failed"]

    @Flag(name: .long, help: "Print a JSON array.")
    var json = false

    func validate() throws {
        if let status, !CatalogQueryCommand.statuses.contains(status) {
            throw ValidationError("--status must be one of \(CatalogQueryCommand.statuses.joined(separator: ", ")); found '\(status)'")
        }
    }

    func run() throws {
        var url = URL(fileURLWithPath: location)
        if (try? FileSystem.status(url.path).kind) == .directory { url = url.appendingPathComponent(BatchCatalog.fileName) }
        guard FileManager.default.fileExists(atPath: url.path) else {
            printError("\(url.path): error: no catalog here (rigmap batch writes OUT_ROOT/\(BatchCatalog.fileName); shards write shard-I-of-N.sqlite)")
            throw ExitCode(2)
        }
        let entries: [CatalogEntry]
        do {
            entries = try BatchCatalog(url: url).entries(mapper: mapper, status: status)
        } catch {
            throw fail(error, code: 2)
        }
        if json {
            let array: [JSONValue] = entries.map { entry in
                [
                    "session": .string(entry.session), "path": .string(entry.path), "status": .string(entry.status), "exit_code": .int(entry.exitCode),
                    "attempts": .int(entry.attempts), "recorded_at": .string(entry.recordedAt),
                    "mappers": .array(entry.mappers.map { ["mapper": .string($0.name), "version": .string($0.version), "config_sha256": .string($0.configSHA256), "outcome": .string($0.outcome)] }),
                    "outputs": .object(JSONObject(uniqueKeysWithValues: entry.outputs.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                    "diagnostics": .strings(entry.diagnostics),
                ]
            }
            print(JSONWriter.referenceString(.array(array), indent: 2))
        } else {
            for entry in entries {
                print("\(CatalogQueryCommand.escaped(entry.session))\t\(entry.status)\t\(entry.mappers.map { "\($0.name)@\($0.version)" }.joined(separator: ","))")
            }
            printError("\(entries.count) session(s)")
        }
    }

    /// A session name on one line of tab-separated text: control characters and backslashes escaped as in Swift
    /// string literals (`\\t`, `\\n`, `\\\\`, `\\u{7}`), everything else as is.
    static func escaped(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

struct CatalogMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Combine shard catalogs into one.",
        discussion: "Example: rigmap catalog merge out/shard-*.sqlite --into out/rigmap-catalog.sqlite")

    @Argument(help: ArgumentHelp("Shard catalogs (shard-I-of-N.sqlite).", valueName: "catalog"))
    var sources: [String]

    @Option(name: .long, help: ArgumentHelp("The catalog to create or update.", valueName: "file"))
    var into: String

    func validate() throws {
        if sources.isEmpty { throw ValidationError("name at least one catalog to merge") }
        if sources.contains(where: { PathRelation.canonical($0) == PathRelation.canonical(into) }) { throw ValidationError("--into must not be one of the catalogs merged") }
    }

    func run() throws {
        do {
            let summary = try BatchCatalog.merge(sources.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: into))
            for conflict in summary.conflicts { printError("conflict: \(conflict)") }
            print("merged \(summary.sessions) session(s) from \(sources.count) catalog(s) into \(into)\(summary.conflicts.isEmpty ? "" : " (\(summary.conflicts.count) conflict(s), newest kept)")")
        } catch {
            throw fail(error, code: 2)
        }
    }
}
