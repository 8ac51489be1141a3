import AindSchemas
import Dispatch
import MetadataModel
@_exported import Releases

/// Validates documents of a schema release as its reference does (`Acquisition.model_validate_json`,
/// `Instrument.model_validate_json`): the release's exported JSON Schema, adjusted at its root to what the models
/// accept, through the generic JSON Schema engine with the release's ``ModelDialect`` (pydantic's lax JSON
/// coercions, `object_type` coercion, the unit rule), after the models' before-validators, then the release's model
/// rules on the document as the models hold it. Everything release-specific comes from the release's
/// ``ReleaseDefinition`` (`Releases` module); this type only runs it.
///
/// For aind-data-schema 2.9.2 (the default), pydantic behaviours the schema does not show, which this follows:
/// - `object_type` is coerced to the model's own value except where it selects a member of a discriminated union;
/// - `schema_version` is coerced to the current version whatever it holds, and `describedBy` is any string;
/// - datetimes without an offset are accepted (aind-data-schema attaches a zone), and numbers are Unix times;
/// - numeric strings are accepted for numbers, and `0`/`1` and words such as `yes` for booleans;
/// - `acquisition_start_tz` also accepts a fixed offset written as `-07:00`;
/// - a deprecated `coordinate_system` fills a missing `global_coordinate_system`.
public enum AindValidator {
    /// A document whose `object_type` names no kind this validator knows.
    public struct UnknownKind: Error, Sendable, CustomStringConvertible {
        public var objectType: String?
        public var description: String {
            let known = DocumentKind.allCases.map { "\"\($0.objectType)\"" }.joined(separator: " or ")
            return "object_type \(objectType.map { "\"\($0)\"" } ?? "is missing"); expected \(known)"
        }
    }

    /// Every problem with `document` (errors and warnings), its kind taken from `object_type`.
    public static func validate(_ document: JSONValue, release: SchemaRelease = .standard) throws(UnknownKind) -> [ValidationIssue] {
        guard let kind = DocumentKind(of: document) else { throw UnknownKind(objectType: document["object_type"]?.stringValue) }
        return validate(document, as: kind, release: release)
    }

    /// Every problem with `document` validated as `kind` under `release`.
    public static func validate(_ document: JSONValue, as kind: DocumentKind, release: SchemaRelease = .standard) -> [ValidationIssue] {
        let validator: JSONSchemaValidator
        do {
            validator = try self.validator(for: kind, release: release)
        } catch {
            return [ValidationIssue(at: .root, "internal: \(error)")]
        }
        let definition = release.definition
        var (issues, models) = validator.validateFillingDefaults(definition.beforeValidation(document, kind: kind))
        guard models.objectValue != nil else { return issues }
        // The model validators run only once the fields are valid, as in pydantic, and see what the models hold
        // (defaults filled: a nested camera written without its `object_type` is a Camera there).
        if !issues.contains(where: { $0.severity == .error }) {
            issues += definition.modelRules(models, kind: kind)
        }
        return issues
    }

    /// The compiled validator of one kind in one release, compiled on first use and shared by every thread (a
    /// `rigmap map` of an acquisition never compiles the instrument's). A caller that asks while another thread
    /// compiles it (``prepare(_:release:)`` or a concurrent validation) waits for that compilation.
    static func validator(for kind: DocumentKind, release: SchemaRelease) throws -> JSONSchemaValidator {
        try compiled.validator(for: kind, release: release)
    }

    /// Starts compiling the validators of `kinds` under `release`, in that order, on another thread and returns at
    /// once, so that compiling overlaps reading and parsing the documents; a validation that needs a validator being
    /// compiled waits for it rather than compiling it again. Only a matter of time: validating without it, or
    /// preparing a kind never used, gives the same results.
    public static func prepare(_ kinds: [DocumentKind], release: SchemaRelease = .standard) {
        compiled.prepare(kinds, release: release)
    }

    /// The process's compiled validators.
    static let compiled = CompiledValidators { kind, release in
        let schema = try release.schema(kind)
        // Lazily: a document reaches a part of its schema (aind-data-schema's example fiber acquisition 26 of the
        // acquisition's 274 definitions), and each definition is parsed and compiled when first reached. The tests
        // compile every part and check for cycles (`schemasCompiled`).
        let definition = release.definition
        let options = JSONSchemaValidator.Options(dialect: definition.dialect, compilesLazily: true)
        if schema.definitionsMayHoldIdentifiers {
            return try JSONSchemaValidator(schema: definition.adjustedSchema(schema.root, kind: kind), options: options)
        }
        return try JSONSchemaValidator(
            schema: definition.adjustedSchema(schema.document, kind: kind), definitions: { schema.definitionValue($0) }, options: options)
    }

    /// Whether the schemas of every kind in every carried release compile, every part of them, with no cycle that
    /// would never end (checked by the tests; validation compiles the parts a document reaches).
    public static var schemasCompiled: Bool {
        SchemaRelease.versions.allSatisfy { version in
            guard let release = SchemaRelease(version) else { return false }
            return DocumentKind.allCases.allSatisfy { kind in
                guard let validator = try? validator(for: kind, release: release) else { return false }
                return (try? validator.compileAll()) != nil
            }
        }
    }

    /// aind-data-schema 2.9.2's exported schema root adjusted to what its models accept
    /// (``ReleaseDefinition/adjustedSchema(_:kind:)``); for tests and tools that compile the standard schema themselves.
    static func patch(_ schema: JSONValue) -> JSONValue {
        SchemaReleases.standard.adjustedSchema(schema, kind: DocumentKind(of: schema) ?? .acquisition)
    }
}

/// Validators by kind and release, each compiled once: by the first thread that asks for it, or on a background
/// thread by ``prepare(_:release:)``; every other thread that asks meanwhile waits for that compilation.
final class CompiledValidators: Sendable {
    typealias Compile = @Sendable (DocumentKind, SchemaRelease) throws -> JSONSchemaValidator

    private let compile: Compile
    private let compilations = Locked<[String: Compilation]>([:])

    init(compile: @escaping Compile) {
        self.compile = compile
    }

    func validator(for kind: DocumentKind, release: SchemaRelease) throws -> JSONSchemaValidator {
        let (compilation, owner) = compilation(for: kind, release: release)
        if owner { compilation.run { try compile(kind, release) } }
        return try compilation.wait()
    }

    /// Compiles `kinds` in order on another thread, each one not already compiled or being compiled (a thread that
    /// needs one first compiles it itself, and this one then waits for it).
    func prepare(_ kinds: [DocumentKind], release: SchemaRelease) {
        let missing = compilations.withLock { compilations in kinds.filter { compilations[key(for: $0, release)] == nil } }
        guard !missing.isEmpty else { return }
        DispatchQueue.global().async {
            for kind in missing { _ = try? self.validator(for: kind, release: release) }
        }
    }

    private func key(for kind: DocumentKind, _ release: SchemaRelease) -> String { "\(release.version)/\(kind.rawValue)" }

    /// The compilation of `kind` under `release`, and whether the caller created it (and so must run it).
    private func compilation(for kind: DocumentKind, release: SchemaRelease) -> (Compilation, owner: Bool) {
        let key = key(for: kind, release)
        return compilations.withLock { compilations in
            if let existing = compilations[key] { return (existing, false) }
            let created = Compilation()
            compilations[key] = created
            return (created, true)
        }
    }

    /// A finished compilation without a result (cannot happen: ``Compilation/run(_:)`` sets it before leaving).
    private struct CompilationMissing: Error, CustomStringConvertible {
        var description: String { "internal: a finished schema compilation has no result" }
    }

    /// One validator's compilation: run once, by the thread that created it; waited for by every other.
    private final class Compilation: Sendable {
        private let finished = DispatchGroup()
        private let result = Locked<Result<JSONSchemaValidator, any Error>?>(nil)

        init() { finished.enter() }

        func run(_ body: () throws -> JSONSchemaValidator) {
            let outcome = Result { try body() }
            result.withLock { $0 = outcome }
            finished.leave()
        }

        func wait() throws -> JSONSchemaValidator {
            finished.wait()
            guard let outcome = result.withLock({ $0 }) else { throw CompilationMissing() }
            return try outcome.get()
        }
    }
}
