import Foundation
import MetadataModel
import Testing
import Validation

func validator(_ schema: String, lax: Bool = false) throws -> JSONSchemaValidator {
    try JSONSchemaValidator(schema: try JSONParser.parse(schema), options: .init(pydanticLax: lax))
}

func problems(_ schema: String, _ value: String, lax: Bool = false) throws -> [String] {
    try validator(schema, lax: lax).validate(try JSONParser.parse(value)).map(\.description)
}

@Suite struct KeywordTests {
    @Test func typeIncludingNullIntegerAndLists() throws {
        #expect(try problems(#"{"type": "number"}"#, "\"x\"") == [#"$: must be number, found string "x""#])
        #expect(try problems(#"{"type": "integer"}"#, "1.0").isEmpty)
        #expect(try problems(#"{"type": "integer"}"#, "1.5").count == 1)
        #expect(try problems(#"{"type": ["string", "null"]}"#, "null").isEmpty)
        #expect(try problems(#"{"type": ["string", "null"]}"#, "3").count == 1)
    }

    @Test func enumAndConst() throws {
        #expect(try problems(#"{"enum": ["a", "b"]}"#, "\"c\"") == [#"$: must be one of: "a", "b"; found "c""#])
        #expect(try problems(#"{"const": 2}"#, "2.0").isEmpty)
        #expect(try problems(#"{"const": "x"}"#, "\"y\"").count == 1)
    }

    @Test func requiredPropertiesAndAdditionalProperties() throws {
        let schema = #"{"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}}, "additionalProperties": false}"#
        #expect(Set(try problems(schema, #"{"c": 1}"#)) == ["a: required field 'a' is missing", "b: required field 'b' is missing", "c: unknown field 'c' is not allowed"])
        #expect(try problems(#"{"additionalProperties": {"type": "integer"}}"#, #"{"x": 1, "y": "z"}"#) == [#"y: must be integer, found string "z""#])
        #expect(try problems(#"{"patternProperties": {"^n_": {"type": "number"}}, "additionalProperties": false}"#, #"{"n_a": 1, "m": 2}"#) == ["m: unknown field 'm' is not allowed"])
    }

    @Test func itemsTuplesAndArrayBounds() throws {
        #expect(try problems(#"{"items": {"type": "integer"}, "minItems": 2, "uniqueItems": true}"#, "[1, 1, \"x\"]").count == 2)
        #expect(try problems(#"{"items": {"type": "integer"}, "minItems": 2}"#, "[1]") == ["$: must have at least 2 items, found 1"])
        #expect(try problems(#"{"items": [{"type": "string"}], "additionalItems": false}"#, "[\"a\", 2]") == ["[1]: no item is allowed beyond position 0"])
        #expect(try problems(#"{"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}"#, "[\"a\", 2, \"b\"]") == [#"[2]: must be integer, found string "b""#])
        #expect(try problems(#"{"maxItems": 1}"#, "[1, 2]").count == 1)
    }

    @Test func combinators() throws {
        let anyOf = #"{"anyOf": [{"type": "string"}, {"type": "null"}]}"#
        #expect(try problems(anyOf, "null").isEmpty)
        #expect(try problems(anyOf, "1") == ["$: must be string or null, found integer 1"])
        #expect(try problems(#"{"oneOf": [{"type": "integer"}, {"type": "number"}]}"#, "1") == ["$: matches more than one of the allowed forms (oneOf)"])
        #expect(try problems(#"{"oneOf": [{"type": "integer"}, {"type": "string"}]}"#, "1").isEmpty)
        #expect(try problems(#"{"allOf": [{"minimum": 2}, {"maximum": 3}]}"#, "4") == ["$: must be ≤ 3.0"])
        #expect(try problems(#"{"not": {"type": "string"}}"#, "\"s\"").count == 1)
    }

    @Test func discriminatorPicksTheBranchAndNamesUnknownKinds() throws {
        let schema = ##"""
            {"$defs": {
               "Cat": {"type": "object", "properties": {"kind": {"const": "cat"}, "lives": {"type": "integer"}}, "required": ["lives"]},
               "Dog": {"type": "object", "properties": {"kind": {"const": "dog"}, "good": {"type": "boolean"}}, "required": ["good"]}},
             "oneOf": [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}],
             "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/$defs/Cat", "dog": "#/$defs/Dog"}}}
            """##
        #expect(try problems(schema, #"{"kind": "dog"}"#) == ["good: required field 'good' is missing"])
        #expect(try problems(schema, #"{"kind": "cow"}"#) == [#"kind: unknown kind "cow"; expected one of: cat, dog"#])
        #expect(try problems(schema, #"{"lives": 9}"#) == ["kind: required field 'kind' is missing (it selects the kind of object)"])
    }

    @Test func numericBoundsIncludingDraft04Form() throws {
        #expect(try problems(#"{"minimum": 1, "exclusiveMaximum": 5}"#, "5") == ["$: must be < 5.0"])
        #expect(try problems(#"{"maximum": 5, "exclusiveMaximum": true}"#, "5") == ["$: must be < 5.0"])
        #expect(try problems(#"{"exclusiveMinimum": 0}"#, "0") == ["$: must be > 0.0"])
        #expect(try problems(#"{"multipleOf": 0.5}"#, "1.25").count == 1)
    }

    @Test func stringLengthAndPattern() throws {
        #expect(try problems(#"{"minLength": 2, "maxLength": 3}"#, "\"é\"") == ["$: must be at least 2 characters long"])
        #expect(try problems(#"{"pattern": "^[0-9a-f]{7,60}$"}"#, "\"XYZ\"") == ["$: must match the pattern ^[0-9a-f]{7,60}$"])
    }

    @Test func refsToDefinitionsAndDefsAndCycles() throws {
        let schema = ##"{"definitions": {"node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/node"}, "v": {"type": "integer"}}}}, "$ref": "#/definitions/node"}"##
        #expect(try problems(schema, #"{"next": {"next": {"v": "x"}}}"#) == [#"next.next.v: must be integer, found string "x""#])
    }

    @Test func everyErrorIsReported() throws {
        let schema = #"{"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}, "c": {"items": {"type": "boolean"}}}}"#
        #expect(try problems(schema, #"{"a": "1x", "b": 2, "c": [true, 0, "no"]}"#).count == 4)
    }
}

@Suite struct FormatTests {
    @Test func dateTimeKeepsTheGA4GHRules() throws {
        let s = #"{"type": "string", "format": "date-time"}"#
        #expect(try problems(s, "\"2025-07-18T12:32:35.275046-07:00\"").isEmpty)
        #expect(try problems(s, "\"2025-07-18T12:32:35Z\"").isEmpty)
        #expect(try problems(s, "\"2025-07-18T12:32:35\"").count == 1)  // no offset: not an RFC 3339 time point
        #expect(try problems(s, "\"2025-07-18T12:32:35\"", lax: true).isEmpty)  // pydantic attaches a zone
        #expect(try problems(s, "\"2025-02-30T00:00:00Z\"").count == 1)
    }

    @Test func dateTimeAndDuration() throws {
        #expect(try problems(#"{"format": "date"}"#, "\"2024-02-29\"").isEmpty)
        #expect(try problems(#"{"format": "date"}"#, "\"2023-02-29\"").count == 1)
        #expect(try problems(#"{"format": "time"}"#, "\"12:30:00+01:00\"").isEmpty)
        for ok in ["PT30M", "P1DT2H", "P3W", "PT0.5S", "P1Y2M3DT4H5M6S"] {
            #expect(try problems(#"{"format": "duration"}"#, "\"\(ok)\"").isEmpty, "\(ok)")
        }
        for bad in ["P", "PT", "30M", "P1H", "PT1D"] {
            #expect(try problems(#"{"format": "duration"}"#, "\"\(bad)\"").count == 1, "\(bad)")
        }
    }
}

@Suite struct SciCatTests {
    /// The SciCat datafile-metadata rule: a draft-07 file configures what is allowed; closed by default.
    @Test func closedSchemaAcceptsOnlyEmptyMetadata() throws {
        let closed = #"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "additionalProperties": false}"#
        #expect(try problems(closed, "{}").isEmpty)
        #expect(try problems(closed, #"{"duration": 3}"#) == ["duration: unknown field 'duration' is not allowed"])
    }

    @Test func openSchemaChecksWhatItNames() throws {
        let open = #"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"duration": {"type": "number"}}}"#
        #expect(try problems(open, #"{"duration": 3, "other": "ok"}"#).isEmpty)
        #expect(try problems(open, #"{"duration": "long"}"#) == [#"duration: must be number, found string "long""#])
    }

    @Test func aSchemaThatCannotCompileIsAConfigurationError() {
        for bad in [##"{"$ref": "#/definitions/missing"}"##, #"{"type": "decimal"}"#, #"{"required": "a"}"#, #"{"pattern": "("}"#, #"[1]"#, #"{"$ref": "http://example.com/x.json"}"#] {
            #expect(throws: SchemaCompileError.self, "\(bad)") { _ = try validator(bad) }
        }
    }
}
