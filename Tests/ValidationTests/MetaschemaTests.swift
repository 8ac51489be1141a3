import Foundation
import MetadataModel
import Testing
import Validation

/// The draft-07 and 2020-12 metaschemas are carried: a schema may `$ref` them without `--ref`.
@Suite struct MetaschemaTests {
    static let draft7 = ##"{"$ref": "http://json-schema.org/draft-07/schema#"}"##
    static let draft2020 = ##"{"$ref": "https://json-schema.org/draft/2020-12/schema"}"##

    private func valid(_ metaschema: String, _ schema: String, documents: [String: JSONValue] = [:]) throws -> Bool {
        try JSONSchemaValidator(schema: try JSONParser.parse(metaschema), options: .init(documents: documents)).isValid(try JSONParser.parse(schema))
    }

    @Test func draft07CompilesWithoutBeingGiven() throws {
        #expect(try valid(Self.draft7, #"{"type": "object", "properties": {"a": {"type": "string", "minLength": 2}}}"#))
        #expect(try valid(Self.draft7, #"{"definitions": {"a": {"items": [{"type": "integer"}]}}}"#))
        #expect(try !valid(Self.draft7, #"{"type": "strin"}"#))
        #expect(try !valid(Self.draft7, #"{"properties": {"a": {"minLength": -1}}}"#))
        #expect(try !valid(Self.draft7, #"{"definitions": {"a": {"items": {"type": 5}}}}"#))
        // Without the fragment too, and from a schema that declares the draft.
        #expect(try !valid(##"{"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"s": {"$ref": "http://json-schema.org/draft-07/schema"}}}"##, #"{"s": {"type": 1}}"#))
    }

    @Test func draft2020CompilesAndChecksNestedSchemasThroughItsDynamicReferences() throws {
        #expect(try valid(Self.draft2020, #"{"type": "object", "properties": {"a": {"type": "string"}}, "$defs": {"b": {"prefixItems": [true]}}}"#))
        #expect(try !valid(Self.draft2020, #"{"type": "strin"}"#))
        // A subschema is checked against the whole metaschema (`$dynamicRef: "#meta"` reaches back to the root
        // metaschema), not only against the vocabulary that names the keyword holding it.
        #expect(try !valid(Self.draft2020, #"{"properties": {"a": {"type": "strin"}}}"#))
        #expect(try !valid(Self.draft2020, #"{"$defs": {"a": {"items": {"minLength": -1}}}}"#))
        #expect(try !valid(Self.draft2020, #"{"$id": "https://example.com/s#fragment"}"#))
        #expect(try !valid(Self.draft2020, #"{"dependencies": {"a": 5}}"#))
        // Entered through the applicator vocabulary alone, `#meta` is the vocabulary: `type` is not its keyword.
        let applicator = ##"{"$ref": "https://json-schema.org/draft/2020-12/meta/applicator"}"##
        #expect(try valid(applicator, #"{"properties": {"a": {"type": "strin"}}}"#))
        #expect(try !valid(applicator, #"{"properties": {"a": 5}}"#))
    }

    /// A document given for the same URI is the one used.
    @Test func aGivenDocumentWins() throws {
        let given: [String: JSONValue] = ["http://json-schema.org/draft-07/schema": ["type": "string"]]
        #expect(try valid(Self.draft7, #""any string""#, documents: given))
        #expect(try !valid(Self.draft7, #"{}"#, documents: given))
        #expect(try valid(Self.draft7, #"{}"#))
    }

    /// `$dynamicRef` resolves to the outermost resource in scope that declares the anchor.
    @Test func dynamicReferencesFollowTheDynamicScope() throws {
        let schema = ##"""
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.com/root", "$ref": "list",
             "$defs": {
               "strings": {"$dynamicAnchor": "items", "type": "string"},
               "list": {"$id": "list", "type": "array", "items": {"$dynamicRef": "#items"},
                        "$defs": {"items": {"$dynamicAnchor": "items"}}}}}
            """##
        let validator = try JSONSchemaValidator(schema: try JSONParser.parse(schema))
        #expect(validator.isValid(["a", "b"]))
        #expect(validator.validate(["a", 42]).map(\.description) == ["[1]: must be string, found integer 42"])
        // The list alone: its own anchor, which accepts anything.
        let list = try JSONSchemaValidator(schema: try JSONParser.parse(##"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://example.com/list"}"##),
            options: .init(documents: ["https://example.com/root": try JSONParser.parse(schema)]))
        #expect(list.isValid(["a", 42]))
    }
}
