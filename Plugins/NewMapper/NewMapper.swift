import Foundation
import PackagePlugin

/// Command plugin: scaffolds a new rig adapter.
///
///     swift package --allow-writing-to-package-directory new-mapper --name probe
///
/// Creates `Sources/Mappers/ProbeMapper` (a compiling adapter at 0.1.0 with a Settings type, an input pattern and a
/// small real mapping), `MapperConfigs/probe/0.1.0.yaml`, `Tests/Mappers/ProbeMapperTests` (a fixture and a test
/// that maps it) and a README, and registers the module in Package.swift at the `// rigmap:mapper-modules` marker.
@main
struct NewMapper: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var extractor = ArgumentExtractor(arguments)
        guard let raw = extractor.extractOption(named: "name").first else {
            throw ScaffoldError("usage: swift package --allow-writing-to-package-directory new-mapper --name <name>")
        }
        let root = context.package.directoryURL
        let plan = try Scaffold(rawName: raw, root: root)
        try plan.write()
        print("created mapper '\(plan.name)' (module \(plan.module)) at version 0.1.0:")
        for file in plan.files.keys.sorted() { print("  \(file)") }
        print("  Package.swift: added \"\(plan.module)\" to mapperModules")
        print("next: swift build && swift run rigmap mappers")
    }
}

struct ScaffoldError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

struct Scaffold {
    let name: String  // probe
    let module: String  // ProbeMapper
    let typePrefix: String  // Probe
    let root: URL
    var files: [String: String] = [:]

    static let marker = "// rigmap:mapper-modules"

    init(rawName: String, root: URL) throws {
        let trimmed = rawName.trimmingCharacters(in: .whitespaces)
        guard let first = trimmed.unicodeScalars.first, CharacterSet.letters.contains(first),
            trimmed.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII })
        else {
            throw ScaffoldError("invalid mapper name '\(rawName)': use ASCII letters and digits, starting with a letter (e.g. probe)")
        }
        var base = trimmed
        if base.lowercased().hasSuffix("mapper") && base.count > 6 { base = String(base.dropLast(6)) }
        name = base.lowercased()
        typePrefix = base.prefix(1).uppercased() + base.dropFirst()
        module = typePrefix + "Mapper"
        self.root = root
        files = Scaffold.templates(name: name, module: module, prefix: typePrefix)
    }

    func write() throws {
        let fm = FileManager.default
        let packageURL = root.appendingPathComponent("Package.swift")
        guard var manifest = try? String(contentsOf: packageURL, encoding: .utf8) else {
            throw ScaffoldError("cannot read \(packageURL.path)")
        }
        guard let markerRange = manifest.range(of: Scaffold.marker) else {
            throw ScaffoldError("Package.swift has no '\(Scaffold.marker)' marker inside `mapperModules`; add it, then run again")
        }
        if manifest.contains("\"\(module)\"") {
            throw ScaffoldError("a module named \(module) is already listed in Package.swift")
        }
        for existing in ["Sources/Mappers/\(module)", "Tests/Mappers/\(module)Tests", "MapperConfigs/\(name)"]
        where fm.fileExists(atPath: root.appendingPathComponent(existing).path) {
            throw ScaffoldError("\(existing) already exists: mapper '\(name)' is taken")
        }
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        // Insert the module on its own line just above the marker, with the marker's indentation.
        let lineStart = manifest[..<markerRange.lowerBound].lastIndex(of: "\n").map { manifest.index(after: $0) } ?? manifest.startIndex
        let indent = String(manifest[lineStart..<markerRange.lowerBound])
        manifest.insert(contentsOf: "\(indent)\"\(module)\",\n", at: lineStart)
        try manifest.write(to: packageURL, atomically: true, encoding: .utf8)
    }

    static func templates(name: String, module: String, prefix: String) -> [String: String] {
        let source = """
            import Foundation
            import MapperKit

            /// Settings of \(name)@0.1.0 (`mappers.\(name).settings` in job.yaml); defaults in
            /// `MapperConfigs/\(name)/0.1.0.yaml`.
            public struct \(prefix)Settings: Decodable, Sendable {
                /// Written to the acquisition's `acquisition_type`.
                public var acquisitionType: String
                /// Experimenters to record when the input names none.
                public var experimenters: [String]?

                enum CodingKeys: String, CodingKey {
                    case acquisitionType = "acquisition_type"
                    case experimenters
                }
            }

            /// `\(name)@0.1.0`: maps `\(name).json` (subject, instrument, start and end time) to an Acquisition.
            public struct \(prefix)MapperV0_1: Mapper {
                public typealias Settings = \(prefix)Settings

                public static let identity = MapperIdentity(name: "\(name)", version: Version(0, 1, 0))
                public static let modalities = ["behavior"]
                public static let inputs: [InputPattern] = ["\(name).json"]
                public static let summary = "\(prefix) rig: acquisition from \(name).json"

                public init() {}

                public func map(_ input: MapperInput, constants: NoConstants, settings: \(prefix)Settings, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
                    let file = input.mainPath
                    let document = try input.json(file)
                    var problems = DiagnosticCollector()
                    func string(_ key: String) -> String? {
                        let location = input.location(file, jsonPath: JSONPath([.key(key)]))
                        guard let value = document[key] else {
                            problems.error("required field '\\(key)' is missing", at: location)
                            return nil
                        }
                        guard let text = value.stringValue else {
                            problems.error("must be a string, found \\(value.typeName)", at: location)
                            return nil
                        }
                        return text
                    }
                    func time(_ key: String) -> Timestamp? {
                        guard let text = string(key) else { return nil }
                        do {
                            return try context.timestamp(text, at: input.location(file, jsonPath: JSONPath([.key(key)])))
                        } catch {
                            problems.append(contentsOf: error.diagnostics)
                            return nil
                        }
                    }
                    let subject = string("subject_id")
                    let instrument = string("instrument_id")
                    let start = time("start_time")
                    let end = time("end_time")
                    try problems.check()
                    guard let subject, let instrument, let start, let end else { throw DiagnosticError(problems.diagnostics) }

                    // Values are built from the version's aind-data-schema release: field order and defaults come from
                    // the schema, and a misspelt field fails this adapter's tests.
                    let models = try context.models(.acquisition)
                    do {
                        let stream = try models.make("DataStream", [
                            "stream_start_time": .timestamp(start), "stream_end_time": .timestamp(end),
                            "modalities": [try models.modality("behavior")], "active_devices": [], "configurations": [],
                        ])
                        let experimenters = document["experimenters"]?.arrayValue?.compactMap(\\.stringValue) ?? settings.experimenters ?? []
                        let acquisition = try models.document([
                            "subject_id": .string(subject), "acquisition_start_time": .timestamp(start),
                            "acquisition_start_tz": start.derivedTimeZone, "acquisition_end_time": .timestamp(end),
                            "experimenters": .strings(experimenters), "instrument_id": .string(instrument),
                            "acquisition_type": .string(settings.acquisitionType), "data_streams": [stream],
                        ])
                        return MapperOutput(documents: [(.acquisition, acquisition)])
                    } catch {
                        throw DiagnosticError(error)
                    }
                }
            }

            /// The \(name) adapter's versions, for the mapper catalog.
            public enum \(module)Versions: MapperModule {
                public static let mappers: [any Mapper.Type] = [\(prefix)MapperV0_1.self]
            }

            """
        let config = """
            # \(name)@0.1.0 — constants (fixed by the version) and settings defaults (a job may override them).
            mapper: \(name)
            version: 0.1.0
            schema: 2.9.2   # the aind-data-schema release this version emits and is validated against
            description: \(prefix) rig acquisition from \(name).json.
            constants: {}
            settings:
              acquisition_type: \(prefix) session
              experimenters: null

            """
        let fixture = """
            {
               "subject_id": "123456",
               "instrument_id": "\(prefix)Rig-1",
               "start_time": "2025-07-18T12:32:35.275046-07:00",
               "end_time": "2025-07-18T13:02:35-07:00",
               "experimenters": ["A. Researcher"]
            }

            """
        let tests = """
            import Foundation
            import MapperTesting
            import Testing

            let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

            @Suite struct \(prefix)MapperTests {
                /// Maps `url` exactly as `rigmap map --mapper \(name) --input URL` does.
                func run(_ url: URL) throws -> MapRun {
                    try rigmapMap("\(name)", input: url, job: "timezone: America/Los_Angeles\\n")
                }

                @Test func mapsTheFixture() throws {
                    let acquisition = try run(fixtures.appendingPathComponent("\(name).json")).json("acquisition_\(name).json")
                    #expect(acquisition["subject_id"] == "123456")
                    #expect(acquisition["instrument_id"] == "\(prefix)Rig-1")
                    #expect(acquisition["acquisition_start_time"] == "2025-07-18T12:32:35.275046-07:00")
                    #expect(acquisition["acquisition_start_tz"] == .int(-7))
                    #expect(acquisition["acquisition_type"] == "\(prefix) session")
                }

                @Test func reportsEveryMissingField() throws {
                    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\\(UUID().uuidString).json")
                    try Data("{\\"subject_id\\": 7}".utf8).write(to: url)
                    let problems = thrownErrors { _ = try run(url) }
                    let paths = Set(problems.compactMap { $0.location?.jsonPath?.description })
                    #expect(paths.isSuperset(of: ["instrument_id", "start_time", "end_time"]))
                }
            }

            """
        let readme = """
            # \(module) — \(prefix) rig (`\(name)@0.1.0`)

            Maps a `\(name).json` file written by the \(prefix) rig to an aind-data-schema 2.9.2 Acquisition,
            `acquisition_\(name).json`:

            ```sh
            rigmap map --mapper \(name) --input \(name).json --job job.yaml --output OUT
            ```

            In `rigmap gather` the mapper claims every file named `\(name).json` in the session (`inputs` in
            `\(module).swift`); its acquisition is merged with the other mappers' documents. `rigmap mappers` lists it.

            ## What is read

            `\(name).json`, one JSON object:

            | field | required | becomes |
            |---|---|---|
            | `subject_id` | yes, a string | `subject_id` |
            | `instrument_id` | yes, a string | `instrument_id` (the instrument document must use the same id) |
            | `start_time` | yes, ISO 8601 | `acquisition_start_time`, the data stream's start; without a UTC offset it takes the job's `timezone` |
            | `end_time` | yes, ISO 8601 | `acquisition_end_time`, the data stream's end |
            | `experimenters` | no, a list of strings | `experimenters` (else the setting below) |

            Every missing or mistyped field is reported at once, each with its JSON path; nothing is written then.

            ## What is written

            `acquisition_\(name).json`: one data stream (modality `behavior`) from `start_time` to `end_time`, no
            devices or configurations yet, `acquisition_start_tz` derived from the start's zone. No instrument: a rig that
            can describe itself should also return an `.instrument` document (see `BehaviorMapper` or `EcephysMapper`).

            ## Settings (`mappers.\(name).settings` in job.yaml)

            | setting | default (`MapperConfigs/\(name)/0.1.0.yaml`) | meaning |
            |---|---|---|
            | `acquisition_type` | `\(prefix) session` | the acquisition's `acquisition_type` |
            | `experimenters` | `null` | used when the file names none |

            An unknown setting is an error at its `file:line:column`. The version's fixed values go in `constants:` of the
            same file (empty for now); `rigmap resolve --job job.yaml --explain` shows where each setting came from.

            ## Tests and fixtures

            `swift test --filter \(prefix)MapperTests` maps `Tests/Mappers/\(module)Tests/Fixtures/\(name).json` and checks
            the fields above, and checks that a file missing its fields names each one. Put real files from the rig (made
            small) beside it, and add a call to MapperTesting's `checkAdapterConformance`, which every shipped adapter's
            tests make (`Docs/WritingARigAdapter.md`, "Fixtures and tests").

            ## Before the first real version

            This is the scaffold `swift package new-mapper --name \(name)` wrote. To make it the rig's adapter:
            1. Describe the rig's real files in "What is read" (a spec in `Docs/specs/` if the format is involved) and
               replace `inputs` with patterns that match them.
            2. Replace the mapping with the real one: devices and configurations in the data stream, the right modality,
               an instrument if the rig can describe itself. Keep every value a version fixes in `constants:`.
            3. Add fixtures of real files and tests for every field and every way the input can be wrong.
            4. Release it as `1.0.0`: a new type and config beside this one; once released, a version's output never
               changes (a change is a new version). See `Docs/WritingARigAdapter.md`.

            | version | notes |
            |---|---|
            | `\(name)@0.1.0` | scaffolded by `new-mapper` |

            """
        return [
            "Sources/Mappers/\(module)/\(module).swift": source,
            "Sources/Mappers/\(module)/README.md": readme,
            "MapperConfigs/\(name)/0.1.0.yaml": config,
            "Tests/Mappers/\(module)Tests/Fixtures/\(name).json": fixture,
            "Tests/Mappers/\(module)Tests/\(module)Tests.swift": tests,
        ]
    }
}
