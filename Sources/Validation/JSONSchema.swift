import Foundation
import MetadataModel
import Releases

/// A schema that cannot be compiled: a configuration error, not a problem with the data.
public struct SchemaCompileError: Error, Sendable, CustomStringConvertible {
    /// Where in the schema (a JSON pointer such as `#/properties/duration`).
    public var pointer: String
    public var message: String
    public var description: String { "schema cannot be compiled: at \(pointer): \(message)" }
}

/// A JSON Schema validator: draft-07, and the 2020-12 subset pydantic emits.
///
/// Keywords: `$ref` with `$id` base URIs, anchors and given documents, `type` (names and lists, `integer` by value so
/// `1.0` is an integer), `enum`, `const`, `required`, `properties`, `patternProperties`, `additionalProperties`,
/// `propertyNames`, `dependencies`, `minProperties`, `maxProperties`, `items` (schema or draft-07 tuple) with
/// `additionalItems`, `prefixItems`, `contains`, `minItems`, `maxItems`, `uniqueItems`, `allOf`, `anyOf`, `oneOf`
/// (with pydantic's `discriminator.mapping` picking the branch), `not`, `if`/`then`/`else`, `minimum`, `maximum`,
/// `exclusiveMinimum`, `exclusiveMaximum` (number or draft-04 boolean form), `multipleOf`, `minLength`, `maxLength`,
/// `pattern` (ECMA-262 semantics where they differ from the engine's), and `format` `date-time`, `date`, `time`,
/// `duration`, `uri`, `uri-reference` (others are annotations). Annotations (`title`, `description`, `default`, …)
/// are ignored. In draft-07 (the default, or `$schema` naming draft-04/06/07) `$ref` overrides its sibling keywords;
/// with a 2019-09 or 2020-12 `$schema` (or ``Options/draft2020``) siblings apply; a document given in
/// ``Options/documents`` follows its own `$schema`. 2020-12's `$dynamicRef`/`$dynamicAnchor` follow the dynamic scope.
/// Not supported (ignored): `dependentSchemas`, `dependentRequired`, `minContains`, `maxContains`,
/// `unevaluatedProperties`, `unevaluatedItems`, `$vocabulary`, `$recursiveRef`.
///
/// The draft-07 and 2020-12 metaschemas are carried (`AindSchemas.Metaschemas`): a `$ref` to
/// `http://json-schema.org/draft-07/schema#` or `https://json-schema.org/draft/2020-12/schema` (or one of its
/// vocabularies) compiles without the document being given; a given document of the same URI is used instead.
///
/// The schema is compiled once into an immutable graph, shared safely by any number of threads (with
/// ``Options/compilesLazily``, each `$ref` target once, when a validation first reaches it). `validate` reports
/// **every** error with its JSON path; a valid document costs one pass with no allocation per value. A number that is
/// NaN or infinite (made in memory: JSON has none) is an error wherever it is. What cannot be decided is an
/// `undetermined` issue, never a pass or a failure: a pattern the regular expression engine gave up on (also inside
/// `not`, `anyOf`, `oneOf`, `if`, `contains` or `patternProperties`), or a value and schema nested deeper than the
/// validator's stack-safe limit (1,100 levels of subschemas and values together).
public final class JSONSchemaValidator: Sendable {
    /// Options: format assertion, drafts, given documents, compilation, and the model dialect.
    public struct Options: Sendable {
        /// The model layer of a schema release (``ModelDialect``): pydantic's lax JSON coercions, `object_type`
        /// coercion, the unit rule. `nil`: plain JSON Schema. The engine holds no release-specific rule; it asks this.
        public var dialect: (any ModelDialect)? {
            didSet { pydanticLax = dialect?.laxScalars ?? false; coercesObjectType = dialect?.coercesObjectType ?? false }
        }
        /// Whether the dialect accepts what pydantic accepts in lax mode: numeric strings for numbers, `0`/`1` and
        /// boolean words for booleans, `true`/`false` as 1/0 for `integer` and `number` (not for a `Decimal` field, a
        /// number-or-string union outside an array's items), numbers (Unix time) for `date-time`, naive `date-time`
        /// values (the models attach a zone); and fills models with their defaults (``ModelDialect/laxScalars``).
        public private(set) var pydanticLax: Bool
        /// Whether a model's `object_type` is coerced to its own (``ModelDialect/coercesObjectType``).
        public private(set) var coercesObjectType: Bool
        /// Check `format` (`date-time`, `date`, `time`, `duration`, URIs). In draft-07 formats are annotations unless a
        /// validator asserts them; RigMapper asserts them.
        public var assertFormats: Bool
        /// Accept `date-time` values without a UTC offset (a later step gives them a zone or refuses them).
        public var allowNaiveDateTimes: Bool
        /// 2020-12 rules (`$ref` beside other keywords) even without a `$schema` saying so (pydantic's exports).
        public var draft2020: Bool
        /// Other schema documents by URI, for `$ref`s that leave the schema (metaschemas, shared definitions).
        public var documents: [String: JSONValue]
        /// Compile each `$ref` target when a validation first reaches it, instead of the whole schema up front: for a
        /// large schema whose documents use a small part of it, and which is known to compile (a defect in a part
        /// compiled late is reported as an issue where a value reached it, and cycles are not looked for).
        public var compilesLazily: Bool

        /// Options; `dialect` is the model layer to apply. `pydanticLax: true` without a dialect means the standard
        /// release's dialect (``SchemaReleases/standard``: aind-data-schema 2.9.2's), as before releases had dialects.
        public init(
            pydanticLax: Bool = false, dialect: (any ModelDialect)? = nil, assertFormats: Bool = true, allowNaiveDateTimes: Bool = false,
            draft2020: Bool = false, documents: [String: JSONValue] = [:], compilesLazily: Bool = false
        ) {
            let chosen = dialect ?? (pydanticLax ? SchemaReleases.standard.dialect : nil)
            self.dialect = chosen
            self.pydanticLax = chosen?.laxScalars ?? false
            self.coercesObjectType = chosen?.coercesObjectType ?? false
            self.assertFormats = assertFormats
            self.allowNaiveDateTimes = allowNaiveDateTimes
            self.draft2020 = draft2020
            self.documents = documents
            self.compilesLazily = compilesLazily
        }
    }

    let compiled: CompiledSchema
    public let options: Options

    /// Compiles `schema`.
    ///
    /// - Throws: ``SchemaCompileError`` for a malformed keyword, a `$ref` that does not resolve, or a cycle of
    ///   references that would never consume input (with the cycle's path).
    public convenience init(schema: JSONValue, options: Options = Options()) throws(SchemaCompileError) {
        try self.init(schema: schema, definitions: nil, options: options)
    }

    /// Compiles `schema`; when `definitions` is given, its `$defs` entries are not in it but read by name from
    /// `definitions` when a `$ref` (`#/$defs/Name`) needs them, and no entry may hold an `$id` or `$anchor`.
    init(schema: JSONValue, definitions: (@Sendable (String) -> JSONValue?)?, options: Options) throws(SchemaCompileError) {
        let declared = schema["$schema"]?.stringValue ?? ""
        let draft2020 = options.draft2020 || declared.contains("2019-09") || declared.contains("2020-12")
        compiled = try CompiledSchema(
            compiler: SchemaCompiler(root: schema, definitions: definitions, documents: options.documents, draft7: !draft2020, dialect: options.dialect))
        self.options = options
        if !options.compilesLazily { try compiled.compileAll() }
    }

    /// Compiles every part of the schema not compiled yet and checks it for cycles that would never end: what a
    /// validator that ``Options/compilesLazily`` skipped.
    func compileAll() throws(SchemaCompileError) {
        try compiled.compileAll()
    }

    /// Every problem with `value`; empty when valid.
    public func validate(_ value: JSONValue) -> [ValidationIssue] {
        var fast = SchemaVisitor(schema: compiled, options: options, collecting: false)
        fast.splitsLongArrays = true
        if fast.validate(value, compiled.root) && !fast.unknown { return [] }
        var full = SchemaVisitor(schema: compiled, options: options, collecting: true)
        _ = full.validate(value, compiled.root)
        return full.issues
    }

    /// Every problem with `value`, and, when it is valid, `value` as pydantic's models hold it: defaults filled and
    /// `object_type`s coerced (``DefaultFiller``; `value` itself when no model object lacks anything). In pydantic's lax
    /// mode only: otherwise `value` as given.
    func validateFillingDefaults(_ value: JSONValue) -> (issues: [ValidationIssue], models: JSONValue) {
        var fast = SchemaVisitor(schema: compiled, options: options, collecting: false)
        fast.splitsLongArrays = true
        if fast.validate(value, compiled.root) && !fast.unknown {
            guard options.pydanticLax && fast.modelsNeedDefaults else { return ([], value) }
            var filler = DefaultFiller(schema: compiled, options: options)
            return ([], filler.fill(value, compiled.root) ?? value)
        }
        var full = SchemaVisitor(schema: compiled, options: options, collecting: true)
        _ = full.validate(value, compiled.root)
        guard options.pydanticLax, !full.issues.contains(where: { $0.severity == .error }) else { return (full.issues, value) }
        // Only undecided checks: the rules still run, on the models' values.
        var filler = DefaultFiller(schema: compiled, options: options)
        return (full.issues, filler.fill(value, compiled.root) ?? value)
    }

    /// Whether `value` is valid (no issue list is built); `false` also when a check could not be decided.
    public func isValid(_ value: JSONValue) -> Bool {
        var fast = SchemaVisitor(schema: compiled, options: options, collecting: false)
        return fast.validate(value, compiled.root) && !fast.unknown
    }
}
