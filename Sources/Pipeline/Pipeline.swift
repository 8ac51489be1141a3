import AindSchemas
import Composer
import Foundation
import MetadataModel
import Releases
import Resolver
import RigMapperCore
import Validation

/// RigMapper's pipeline: map one input, or gather one session, as the `rigmap map` and `rigmap gather` commands do.
///
/// Both go through the same steps and write the same provenance: resolve the mapper versions and settings (job,
/// job type, experiment lock, command line) → claim inputs with the resolved version's patterns → run the mapper
/// (input contract first) → validate its documents against the version's aind-data-schema release → (gather:
/// compose, validate the merged documents, cross-check them) → write everything at once with `rigmap.lock`.
///
/// ```swift
/// let pipeline = Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(),
///                                            configs: try MapperCatalog.configStore(), rigmapVersion: "0.6.0"))
/// let report = pipeline.gather(session: sessionURL, output: outURL, request: Resolver.Request(job: job))
/// ```
///
/// The composer and the validator are the `Composer` and `Validation` modules by default; both can be replaced.
public struct Pipeline: Sendable {
    public let resolver: Resolver
    /// Recorded in lock files.
    public var rigmapVersion: String { resolver.rigmapVersion }
    /// Combines several documents of one kind into one, or reports why it cannot.
    public var compose: @Sendable (_ documents: [(name: String, value: JSONValue)]) -> Composer.Outcome
    /// Problems with one document of a kind under a schema release (errors and warnings), located in `file`.
    public var validate: @Sendable (_ document: JSONValue, _ kind: DocumentKind, _ file: String, _ release: SchemaRelease) -> [Diagnostic]

    /// A pipeline with the default composer and validator.
    public init(resolver: Resolver) {
        self.resolver = resolver
        self.compose = Pipeline.defaultCompose
        self.validate = Pipeline.defaultValidate
    }

    /// The `Composer` module's merge.
    @Sendable public static func defaultCompose(_ documents: [(name: String, value: JSONValue)]) -> Composer.Outcome {
        Composer.merge(documents.map { Composer.Document(name: $0.name, value: $0.value) })
    }

    /// aind-data-schema validation of one document (the `Validation` module).
    @Sendable public static func defaultValidate(_ document: JSONValue, _ kind: DocumentKind, _ file: String, _ release: SchemaRelease) -> [Diagnostic] {
        AindValidator.validate(document, as: kind, release: release).map {
            // A value the validator could not decide is not proven valid: an error of the run.
            Diagnostic($0.severity == .warning ? .warning : .error, $0.message, at: SourceLocation(file: file, jsonPath: $0.path))
        }
    }

    /// Starts compiling, on another thread, the aind-data-schema validators the documents in `files` will need (the
    /// kind each names in its first 4 KiB: ``DocumentKind/init(sniffing:)``), so that compiling overlaps reading and
    /// parsing them. Only a matter of time: an unreadable file or a wrong hint changes nothing else.
    public static func prepareValidation(of files: [String], release: SchemaRelease = .standard) {
        var kinds = Set<DocumentKind>()
        for file in files where kinds.count < DocumentKind.allCases.count {
            guard let head = try? FileSystem.read(file, ranges: [0...4095]).parts.first, let kind = DocumentKind(sniffing: head) else { continue }
            kinds.insert(kind)
        }
        AindValidator.prepare(kinds.sorted(), release: release)
    }

    /// Parses the main input of `mapper` and checks it against the version's input contract, if it declares one:
    /// every violation is an error at its JSON path in the input; the checked document is handed to the mapper
    /// (``MapperInput/preloading(_:for:)``), so it is read once.
    public func checkInputContract(of mapper: RegisteredMapper, _ input: MapperInput) throws(DiagnosticError) -> MapperInput {
        guard let path = mapper.type.inputContract else { return input }
        guard let file = resolver.configs.file(path) else {
            throw DiagnosticError("\(mapper.identity) declares the input contract MapperConfigs/\(path), which does not exist")
        }
        let main = input.mainPath
        let document = try input.json(main)
        let validator = try Pipeline.contractValidator(file)
        // A value the contract could not decide (a pattern the regular-expression engine gave up on, a value nested
        // past the depth limit) is not proven to fit: an error too.
        let violations = validator.validate(document).filter { $0.severity != .warning }
        guard violations.isEmpty else {
            throw DiagnosticError(
                violations.map {
                    Diagnostic(
                        .error, "\($0.severity == .undetermined ? "could not be checked: " : "")\($0.message) (input contract \(path))",
                        at: input.location(main, jsonPath: $0.path))
                })
        }
        return input.preloading(document, for: main)
    }

    /// The compiled validator of a contract file: parsed and compiled once per file and process (a batch checks
    /// thousands of inputs against one). A contract that cannot be used is a configuration error, named as such.
    static func contractValidator(_ contract: ConfigStore.File) throws(DiagnosticError) -> JSONSchemaValidator {
        try compiledContracts.value(for: contract) { () throws(DiagnosticError) -> JSONSchemaValidator in
            do {
                let schema = try JSONDocument.parse(Array(contract.contents.utf8), displayName: contract.displayName)
                // Times without an offset pass here: the mapper gives them the job's zone, or refuses them, itself.
                return try JSONSchemaValidator(schema: schema, options: .init(allowNaiveDateTimes: true))
            } catch let error as DiagnosticError {
                throw DiagnosticError(error.diagnostics.map { Diagnostic($0.severity, "the input contract cannot be used: \($0.message)", at: $0.location) })
            } catch {
                throw DiagnosticError("the input contract cannot be used: \(error)", at: SourceLocation(file: contract.displayName))
            }
        }
    }

    private static let compiledContracts = Memo<ConfigStore.File, JSONSchemaValidator>()

    // MARK: Merge

    /// The result of ``merge(_:release:)``: the composer's outcome, refused when the merged document is invalid.
    public struct MergeResult: Sendable {
        public var outcome: Composer.Outcome
        /// Warnings about the merged document (duplicate component names and the like).
        public var warnings: [Diagnostic]
        /// The composer's result before validation refused it, when only validation did.
        public var invalidDocument: JSONValue?
        /// The merged document, when the merge was neither refused nor invalid.
        public var merged: JSONValue? { outcome.merged }
    }

    /// Merges documents of one kind and validates the result, as the reference re-validates the model it builds: a
    /// merged document that does not validate refuses the merge. `rigmap merge` and `rigmap gather` both use this.
    ///
    /// A document declaring another `schema_version` than `release` gives its kind is read as aind-data-schema reads
    /// it (its models load an older document and it becomes the current version): it is validated against `release`
    /// and merged as that release, with a warning; it refuses the merge only when it does not validate.
    ///
    /// Without `release`, the release is the one the documents' `schema_version`s name (aind-data-schema 2.9.2 when
    /// none does); documents naming two releases refuse the merge, naming each file and its release.
    public func merge(_ documents: [(name: String, value: JSONValue)], release requested: SchemaRelease? = nil) -> MergeResult {
        let release: SchemaRelease
        if let given = requested {
            release = given
        } else {
            switch SchemaReleases.commonRelease(of: documents) {
            case .one(let named): release = named.release
            case .unstated: release = .standard
            case .mixed(let conflict):
                return MergeResult(
                    outcome: Composer.Outcome(merged: nil, kind: documents.first.flatMap { DocumentKind(of: $0.value) }, conflicts: [conflict], notes: []),
                    warnings: [])
            }
        }
        var warnings: [Diagnostic] = []
        var documents = documents
        var refusals: [Conflict] = []
        for i in documents.indices {
            guard let kind = DocumentKind(of: documents[i].value), let current = (try? release.schema(kind))?.schemaVersion,
                let declared = documents[i].value["schema_version"], declared.stringValue != current, case .object(var object) = documents[i].value
            else { continue }
            let problems = validate(documents[i].value, kind, documents[i].name, release).filter { $0.severity != .warning }
            if problems.isEmpty {
                warnings.append(
                    Diagnostic(
                        .warning,
                        "declares schema_version \(JSONWriter.compactString(declared)); it validates under \(release), so it is merged as \(kind.objectType) \(current)",
                        at: SourceLocation(file: documents[i].name, jsonPath: JSONPath([.key("schema_version")]))))
                object["schema_version"] = .string(current)
                documents[i].value = .object(object)
            } else {
                refusals.append(
                    Conflict(
                        kind: .schemaVersion, field: "schema_version",
                        message: "\(documents[i].name) declares schema_version \(JSONWriter.compactString(declared)) and does not validate under \(release): \(problems.prefix(3).map(\.description).joined(separator: "; "))\(problems.count > 3 ? " (and \(problems.count - 3) more)" : "")",
                        values: [documents[i].name: declared], files: [documents[i].name]))
            }
        }
        if !refusals.isEmpty {
            return MergeResult(outcome: Composer.Outcome(merged: nil, kind: documents.first.flatMap { DocumentKind(of: $0.value) }, conflicts: refusals, notes: []), warnings: warnings)
        }
        var outcome = compose(documents)
        var invalidDocument: JSONValue?
        if let merged = outcome.merged, let kind = outcome.kind {
            let name = documents.count == 1 ? documents[0].name : kind.fileName
            let problems = validate(merged, kind, name, release)
            warnings += problems.filter { $0.severity == .warning }
            let errors = problems.filter { $0.severity == .error }
            if !errors.isEmpty {
                invalidDocument = merged
                outcome.refuse(errors.map { ($0.location?.jsonPath?.description ?? "$", $0.message) }, files: documents.map(\.name))
            }
        }
        return MergeResult(outcome: outcome, warnings: warnings, invalidDocument: invalidDocument)
    }
}
