import ArgumentParser
import AindSchemas
import Foundation
import MetadataModel
import Pipeline
import Releases
import RigMapperCore
import Validation

/// `rigmap validate`: conformance to a document's schema release (aind-data-schema 2.9.2, biodata-schema 3.0.0), or to
/// any draft-07 schema.
struct ValidateCommand: ParsableCommand {
    /// `aind-data-schema 2.9.2 or biodata-schema 3.0.0`, from the registered releases.
    static let releaseNames = SchemaReleases.registered.map(\.displayName).joined(separator: " or ")
    /// `aind-data-schema 2.9.2 (Acquisition 2.5.4, Instrument 2.2.8); …`
    static let releaseVersions = SchemaReleases.registered.map { definition in
        "\(definition.identifier) (\(DocumentKind.allCases.map { "\($0.objectType) \(definition.schemaVersion($0))" }.joined(separator: ", ")))"
    }.joined(separator: "; ")

    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate acquisition/instrument documents against their schema release (\(releaseNames)), or files against a JSON Schema.",
        discussion: """
            Without --schema, each file's kind comes from --kind, else its object_type ("Acquisition" or "Instrument"), else its file name (acquisition*.json, instrument*.json) as the models fill a missing object_type; it is checked as its schema release checks it: the JSON Schema plus the models' cross-field rules. An object_type that names no kind is an invalid document. With --schema, every file is checked against that draft-07 (or 2020-12 subset) schema instead: facility metadata schemas, rig input contracts.

            The release comes from --release, else from the document's schema_version: \(releaseVersions). Another version of a release's line (same major version) is read by that release, as its models read it; a document without a string schema_version is read as \(SchemaReleases.standard.displayName); any other schema_version is an error (exit 2) naming the releases known.

            --ref URL=FILE makes a schema document available to --schema's $refs (repeatable): facility schemas that refer to shared definitions, metaschemas.

            Exit status: 0 all valid; 1 some invalid (every error listed with its JSON path); 2 unreadable input, a file whose kind cannot be told, a schema_version no known release reads, a schema that does not compile (a $ref that does not resolve, a $ref cycle that never reaches into the data), or a value that could not be checked (a pattern the regular expression engine gave up on: neither valid nor invalid).

            Examples:
              rigmap validate out/acquisition.json out/instrument.json
              rigmap validate --release biodata-schema@3.0.0 acquisition.json
              rigmap validate --schema metadata.schema.json dataset.json --json
            """
    )

    @Argument(help: ArgumentHelp("Files to validate.", valueName: "file"))
    var files: [String]

    @Option(name: .long, help: ArgumentHelp("Validate against this JSON Schema instead.", valueName: "schema.json"))
    var schema: String?

    @Option(name: .customLong("ref"), help: ArgumentHelp("A document --schema may refer to: URL=FILE. Repeatable.", valueName: "url=file"))
    var refs: [String] = []

    @Option(name: .long, help: ArgumentHelp("Validate every file as this kind: acquisition or instrument.", valueName: "kind"))
    var kind: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Validate every file under this schema release (\(SchemaReleases.knownIdentifiers)) whatever its schema_version says.", valueName: "package@version"))
    var release: String?

    @Flag(name: .long, help: "Print a JSON report instead of text.")
    var json = false

    func run() throws {
        var forcedKind: DocumentKind?
        if let kind {
            guard let parsed = DocumentKind(rawValue: kind.lowercased()) else {
                printError("error: --kind must be one of: \(DocumentKind.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(2)
            }
            forcedKind = parsed
        }
        var forcedRelease: SchemaRelease?
        if let release {
            guard let parsed = SchemaRelease(release), SchemaReleases.definition(of: parsed) != nil else {
                printError("error: --release \(release) is not a schema release this rigmap knows; known: \(SchemaReleases.knownIdentifiers)")
                throw ExitCode(2)
            }
            forcedRelease = parsed
        }
        var custom: JSONSchemaValidator?
        if let schema {
            var documents: [String: JSONValue] = [:]
            do {
                for ref in refs {
                    guard let eq = ref.firstIndex(of: "="), eq != ref.startIndex else {
                        throw DiagnosticError("--ref expects URL=FILE, got '\(ref)'", at: SourceLocation(file: "<command line>"))
                    }
                    let path = String(ref[ref.index(after: eq)...])
                    documents[String(ref[..<eq])] = try JSONDocument.read(URL(fileURLWithPath: path), displayName: path)
                }
                let value = try JSONDocument.read(URL(fileURLWithPath: schema), displayName: schema)
                custom = try JSONSchemaValidator(schema: value, options: .init(documents: documents))
            } catch let error as DiagnosticError {
                throw fail(error, code: 2)
            } catch let error as SchemaCompileError {
                printError("\(schema): error: \(error) (a configuration error, not a problem with the data)")
                throw ExitCode(2)
            }
        }
        if custom == nil {
            if let forcedKind {
                AindValidator.prepare([forcedKind], release: forcedRelease ?? .standard)
            } else {
                Pipeline.prepareValidation(of: files, release: forcedRelease ?? .standard)
            }
        }
        var unreadable = false
        var invalid = false
        var undetermined = false
        var report: [JSONValue] = []
        for file in files {
            let document: JSONValue
            do {
                document = try JSONDocument.read(URL(fileURLWithPath: file), displayName: file)
            } catch {
                unreadable = true
                if json {
                    report.append(["file": .string(file), "status": "unreadable", "errors": .array(error.diagnostics.map { ["path": .null, "message": .string($0.message)] }), "warnings": []])
                } else {
                    for d in error.diagnostics { printError(d.description) }
                }
                continue
            }
            let issues: [ValidationIssue]
            if let custom {
                issues = custom.validate(document)
            } else if let kind = forcedKind ?? DocumentKind(of: document) ?? (document["object_type"] == nil ? DocumentKind(fileName: file) : nil) {
                // (From the file name: the models fill a missing object_type with their own.)
                let definition: any ReleaseDefinition
                if let forcedRelease {
                    definition = forcedRelease.definition
                } else {
                    switch SchemaReleases.choice(for: document["schema_version"], kind: kind) {
                    case .release(let named): definition = named
                    case .unstated: definition = SchemaReleases.standard
                    case .unknown(let version):
                        unreadable = true
                        let message =
                            "schema_version \(JSONWriter.compactString(.string(version))) names no schema release this rigmap knows (\(kind.objectType) documents: \(Self.releaseVersions)); use --release to choose one"
                        if json {
                            report.append(["file": .string(file), "status": "unknown_release", "errors": [["path": "schema_version", "message": .string(message)]], "warnings": []])
                        } else {
                            printError("\(file): schema_version: error: \(message)")
                        }
                        continue
                    }
                }
                issues = AindValidator.validate(document, as: kind, release: definition.release)
            } else if let objectType = document["object_type"] {
                // An object_type naming no kind: the document is invalid, not unreadable.
                let known = DocumentKind.allCases.map { "\"\($0.objectType)\"" }.joined(separator: " or ")
                issues = [ValidationIssue(at: JSONPath([.key("object_type")]), "object_type \(JSONWriter.compactString(objectType)) names no document kind; expected \(known)")]
            } else {
                unreadable = true
                let message = "no object_type, and the file name does not say the kind (acquisition*.json, instrument*.json); use --kind"
                if json {
                    report.append(["file": .string(file), "status": "unknown_kind", "errors": [["path": "object_type", "message": .string(message)]], "warnings": []])
                } else {
                    printError("\(file): object_type: error: \(message)")
                }
                continue
            }
            let errors = issues.filter { $0.severity == .error }
            let warnings = issues.filter { $0.severity == .warning }
            let unchecked = issues.filter { $0.severity == .undetermined }
            let status = !errors.isEmpty ? "invalid" : (!unchecked.isEmpty ? "undetermined" : "valid")
            if !errors.isEmpty { invalid = true } else if !unchecked.isEmpty { undetermined = true }
            if json {
                func entry(_ i: ValidationIssue) -> JSONValue { ["path": .string(i.path.description), "message": .string(i.message)] }
                report.append([
                    "file": .string(file), "status": .string(status),
                    "errors": .array((errors + unchecked).map(entry)), "warnings": .array(warnings.map(entry)),
                ])
            } else {
                for issue in issues { printError("\(file): \(issue.path): \(issue.severity.rawValue): \(issue.message)") }
                let summary = errors.isEmpty ? status : "invalid (\(errors.count) error\(errors.count == 1 ? "" : "s"))"
                print("\(file): \(summary)\(warnings.isEmpty ? "" : ", \(warnings.count) warning\(warnings.count == 1 ? "" : "s")")")
            }
        }
        if json { print(JSONWriter.referenceString(["files": .array(report)], indent: 2)) }
        if unreadable { throw ExitCode(2) }
        if invalid { throw ExitCode(1) }
        if undetermined { throw ExitCode(2) }
    }
}
