import AindSchemas
import Foundation
import MapperKit
import MetadataModel
import Testing

/// Every field name an adapter writes into a document is one the schema has: checked over the adapters' source text
/// and their configs' model specs, so a misspelt field fails here even on a path no fixture reaches (at run time
/// `ModelFactory.make` refuses it too, but only on the paths that run).
@Suite struct FieldNamesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Keys in adapter sources that are not document fields: keys of the rigs' own files and of config specs.
    static let notFields: [String: Set<String>] = [
        "BehaviorMapper": ["External", "rig", "session", "task_logic"],
        "EcephysMapper": ["line"],
        "FiberMapper": ["allow_dirty_repo", "computer", "definition", "detector_green", "detector_red", "fields", "objective"],
        "SpimMapper": ["exposure", "mw", "null", "side", "true", "uw", "x", "y", "z"],
    ]

    struct Release {
        /// Every definition's properties, and the documents' own (key `""` for acquisition and instrument).
        var properties: [String: Set<String>] = [:]
        var all = Set<String>()
    }

    static func release(_ version: String) throws -> Release {
        let release = try #require(SchemaRelease(version))
        var out = Release()
        for kind in DocumentKind.allCases {
            let schema = try release.schema(kind)
            let own = Set(schema.definition(nil)?["properties"]?.objectValue?.keys.map { $0 } ?? [])
            out.properties["", default: []].formUnion(own)
            out.all.formUnion(own)
            for name in schema.definitionNames {
                let keys = Set(schema.definition(name)?["properties"]?.objectValue?.keys.map { $0 } ?? [])
                out.properties[name, default: []].formUnion(keys)
                out.all.formUnion(keys)
            }
        }
        return out
    }

    /// The source text with comments removed.
    static func source(_ url: URL) throws -> String {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            guard let range = line.range(of: "//") else { return line }
            // A `//` inside a string literal (a URL) is not a comment: keep lines whose quotes before it are unbalanced.
            let before = line[..<range.lowerBound]
            return before.filter { $0 == "\"" }.count % 2 == 1 ? line : before
        }.joined(separator: "\n")
    }

    /// The keys at the top level of the dictionary literal starting at `start` (the `[`), with string literals,
    /// interpolations and nested brackets skipped.
    static func topLevelKeys(_ scalars: [Unicode.Scalar], from start: Int) -> [String] {
        var keys: [String] = []
        var depth = 0
        var i = start
        while i < scalars.count {
            let c = scalars[i]
            if c == "\"" {
                var j = i + 1
                var text = ""
                var interpolation = 0
                while j < scalars.count {
                    if scalars[j] == "\\" && j + 1 < scalars.count {
                        if scalars[j + 1] == "(" { interpolation += 1 }
                        j += 2
                        continue
                    }
                    if interpolation > 0 {
                        if scalars[j] == "(" { interpolation += 1 }
                        if scalars[j] == ")" { interpolation -= 1 }
                        j += 1
                        continue
                    }
                    if scalars[j] == "\"" { break }
                    text.unicodeScalars.append(scalars[j])
                    j += 1
                }
                var k = j + 1
                while k < scalars.count, scalars[k] == " " || scalars[k] == "\n" { k += 1 }
                if depth == 1, k < scalars.count, scalars[k] == ":", k + 1 < scalars.count, scalars[k + 1] != ":" { keys.append(text) }
                i = j + 1
                continue
            }
            if c == "[" || c == "(" || c == "{" { depth += 1 }
            if c == "]" || c == ")" || c == "}" {
                depth -= 1
                if depth == 0 { return keys }
            }
            i += 1
        }
        return keys
    }

    @Test func everyFieldAnAdapterWritesExists() throws {
        let release = try FieldNamesTests.release("2.9.2")
        let adapters = try FileManager.default.contentsOfDirectory(atPath: FieldNamesTests.root.appendingPathComponent("Sources/Mappers").path).sorted()
        #expect(adapters.count >= 4)
        var checkedCalls = 0
        for adapter in adapters {
            let folder = FieldNamesTests.root.appendingPathComponent("Sources/Mappers/\(adapter)")
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".swift") }).sorted() {
                let text = try FieldNamesTests.source(folder.appendingPathComponent(file))
                let scalars = Array(text.unicodeScalars)
                // `models.make("Definition", [...])` and `models.document([...])`: each key a field of that model.
                for match in text.matches(of: /\.(make)\(\s*"([A-Za-z0-9_]+)"\s*,\s*\[|\.(document)\(\s*\[/) {
                    let definition = match.output.2.map(String.init) ?? ""
                    let offset = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: match.range.upperBound.samePosition(in: text.unicodeScalars) ?? text.unicodeScalars.endIndex) - 1
                    let fields = try #require(release.properties[definition], "\(adapter)/\(file): no definition '\(definition)' in aind-data-schema 2.9.2")
                    for key in FieldNamesTests.topLevelKeys(scalars, from: offset) {
                        #expect(fields.contains(key), "\(adapter)/\(file): \(definition.isEmpty ? "the document" : definition) has no field '\(key)'")
                    }
                    checkedCalls += 1
                }
                // Every other key written in a dictionary literal or assigned by subscript is some model's field.
                let allowed = FieldNamesTests.notFields[adapter] ?? []
                for match in text.matches(of: /"([A-Za-z_][A-Za-z0-9_]*)"\s*:(?!:)|\["([A-Za-z_][A-Za-z0-9_]*)"\]\s*=(?!=)/) {
                    let key = String(match.output.1 ?? match.output.2 ?? "")
                    #expect(release.all.contains(key) || allowed.contains(key), "\(adapter)/\(file): '\(key)' is no field of any aind-data-schema 2.9.2 model")
                }
            }
        }
        #expect(checkedCalls > 30)
    }

    /// The model specs in the shipped configs (`{definition: X, fields: {...}}`, nested) name existing definitions
    /// and fields.
    @Test func everyFieldAConfigSpecWritesExists() throws {
        let release = try FieldNamesTests.release("2.9.2")
        let configs = FieldNamesTests.root.appendingPathComponent("MapperConfigs")
        var specs = 0
        func visit(_ value: JSONValue, _ file: String) {
            switch value {
            case .object(let object):
                if let definition = object["definition"]?.stringValue, let fields = object["fields"]?.objectValue {
                    specs += 1
                    let known = release.properties[definition]
                    #expect(known != nil, "\(file): no definition '\(definition)'")
                    for key in fields.keys { #expect(known?.contains(key) == true, "\(file): \(definition) has no field '\(key)'") }
                }
                for member in object.values { visit(member, file) }
            case .array(let items):
                for item in items { visit(item, file) }
            default:
                break
            }
        }
        let enumerator = FileManager.default.enumerator(at: configs, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "yaml" else { continue }
            let parsed = try ConfigValue.parseYAML(try String(contentsOf: url, encoding: .utf8), file: url.lastPathComponent)
            visit(parsed.jsonValue, url.lastPathComponent)
        }
        #expect(specs > 0)
    }
}
