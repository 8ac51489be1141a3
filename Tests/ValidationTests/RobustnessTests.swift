import Foundation
import MetadataModel
import Testing
import Validation

/// A schema compiled from text with `documents` (none by default).
private func compiled(_ schema: String, lax: Bool = false) throws -> JSONSchemaValidator {
    try JSONSchemaValidator(schema: try JSONParser.parse(schema), options: .init(pydanticLax: lax))
}

/// `(severity, path, message)` of every issue, for one assertion.
private func issues(_ validator: JSONSchemaValidator, _ value: JSONValue) -> [(ValidationIssue.Severity, String, String)] {
    validator.validate(value).map { ($0.severity, $0.path.description, $0.message) }
}

/// Taken apart one level at a time: a value nested 100,000 deep would exhaust the stack being freed recursively.
private func dismantle(_ value: inout JSONValue) {
    while true {
        switch value {
        case .array(let items) where items.count == 1: value = items[0]
        case .object(let members) where members.count == 1: value = members.values[0]
        default: return
        }
    }
}

/// Schemas and values that used to crash the validator (unbounded recursion) or hide a check ICU gave up on.
@Suite struct RecursionTests {
    /// `{"dependencies": {"x": {"$ref": "#"}}}` against `{"x": 1}` recursed until the stack overflowed (SIGSEGV): a
    /// schema `dependencies` entry applies to the same object, so the cycle never reaches into the data.
    @Test func aRefCycleThroughDependenciesIsACompileError() throws {
        let error = try #require(throws: SchemaCompileError.self) { try compiled(##"{"dependencies": {"x": {"$ref": "#"}}}"##) }
        #expect(error.message.contains("a $ref cycle that never reaches into the data: # → #/dependencies/x → #"), "\(error)")
        // Through a definition, and beside keywords that do descend into the data.
        #expect(throws: SchemaCompileError.self) {
            try compiled(##"{"definitions": {"d": {"dependencies": {"x": {"$ref": "#"}}}}, "properties": {"y": {"$ref": "#"}}, "allOf": [{"$ref": "#/definitions/d"}]}"##)
        }
    }

    /// Every applicator that re-applies to the same value closes a cycle; those that descend into members or items do not.
    @Test func everyInPlaceApplicatorIsCheckedForCycles() throws {
        for inPlace in [
            ##"{"allOf": [{"$ref": "#"}]}"##, ##"{"anyOf": [{"$ref": "#"}]}"##, ##"{"oneOf": [{"$ref": "#"}]}"##, ##"{"not": {"$ref": "#"}}"##,
            ##"{"if": {"$ref": "#"}}"##, ##"{"if": true, "then": {"$ref": "#"}}"##, ##"{"if": true, "else": {"$ref": "#"}}"##,
            ##"{"dependencies": {"x": {"$ref": "#"}}}"##, ##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##,
        ] {
            #expect(throws: SchemaCompileError.self, "\(inPlace)") { try compiled(inPlace) }
        }
        for descending in [
            ##"{"properties": {"x": {"$ref": "#"}}}"##, ##"{"additionalProperties": {"$ref": "#"}}"##, ##"{"patternProperties": {"^x": {"$ref": "#"}}}"##,
            ##"{"items": {"$ref": "#"}}"##, ##"{"items": [{"$ref": "#"}], "additionalItems": {"$ref": "#"}}"##, ##"{"contains": {"$ref": "#"}}"##,
            ##"{"propertyNames": {"$ref": "#"}}"##, ##"{"dependencies": {"x": {"properties": {"x": {"$ref": "#"}}}}}"##,
        ] {
            // Compiles, and validation ends (nothing in these schemas refuses a value).
            let validator = try compiled(descending)
            #expect(validator.validate(try JSONParser.parse(#"{"x": {"x": [[{"x": 1}]]}}"#)).isEmpty, "\(descending)")
            #expect(validator.validate(try JSONParser.parse(#"[[{"x": [1, {"x": {}}]}]]"#)).isEmpty, "\(descending)")
        }
        // A dependency cycle that consumes data validates to the end.
        let tree = try compiled(##"{"dependencies": {"x": {"properties": {"x": {"$ref": "#"}}}}, "properties": {"n": {"type": "integer"}}}"##)
        #expect(tree.validate(try JSONParser.parse(#"{"x": {"x": {"x": {"n": "deep"}}}}"#)).map(\.description) == [#"x.x.x.n: must be integer, found string "deep""#])
    }

    /// A value nested 100,000 levels (made in memory: the parser stops at 512) against a recursive schema: a located
    /// `undetermined` issue, no stack overflow.
    @Test func aValueNestedTooDeeplyIsUndeterminedNotACrash() throws {
        var value: JSONValue = 1
        for _ in 0..<100_000 { value = .array([value]) }
        defer { dismantle(&value) }
        let validator = try compiled(##"{"items": {"$ref": "#"}}"##)
        let found = validator.validate(value)
        #expect(found.count == 1)
        let issue = try #require(found.first)
        #expect(issue.severity == .undetermined)
        #expect(issue.message.contains("nested more than 1100 levels deep"), "\(issue.message)")
        #expect(issue.path.components.count == 550)
        #expect(!validator.isValid(value))
        // As deep as the parser allows is within the limit.
        var parsed: JSONValue = 1
        for _ in 0..<512 { parsed = .array([parsed]) }
        #expect(validator.validate(parsed).isEmpty)
        var objects: JSONValue = 1
        for _ in 0..<100_000 { objects = ["a": objects] }
        defer { dismantle(&objects) }
        #expect(try compiled(##"{"additionalProperties": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}}"##).validate(objects).map(\.severity) == [.undetermined])
    }

    /// A chain of `$ref`s that never consumes data but is no cycle (so it compiles) is bounded the same way, and a
    /// `not` around the limit does not turn "could not be checked" into a pass or a failure.
    @Test func aLongRefChainStopsAtTheLimit() throws {
        func chain(_ count: Int, _ link: (String) -> String) -> String {
            let links = (0..<count).map { "\"d\($0)\": \(link("#/definitions/d\($0 + 1)"))" }.joined(separator: ", ")
            return ##"{"definitions": {"##  + links + ##", "d\##(count)": {"type": "string"}}, "$ref": "#/definitions/d0"}"##
        }
        for link in [
            { (ref: String) in ##"{"allOf": [{"$ref": "\##(ref)"}]}"## }, { ref in ##"{"anyOf": [{"$ref": "\##(ref)"}, {"type": "null"}]}"## },
            { ref in ##"{"not": {"not": {"$ref": "\##(ref)"}}}"## }, { ref in ##"{"$ref": "\##(ref)"}"## },
        ] {
            let found = try compiled(chain(1_200, link)).validate(1)
            #expect(found.map(\.severity) == [.undetermined], "\(chain(1, link))")
            #expect(found.first?.message.contains("nested more than") == true)
            // A shorter chain is decided: 1 is not a string.
            let short = try compiled(chain(100, link)).validate(1)
            #expect(!short.isEmpty && short.allSatisfy { $0.severity == .error }, "\(chain(1, link))")
        }
    }
}

/// A check ICU gave up on is "could not be checked" wherever it sits, never a mismatch nor a match.
@Suite struct UndeterminedPatternTests {
    /// `.` keeps the pattern outside the automaton's subset: ICU runs it, and gives up on this text (its backtracking
    /// stack limit), quickly.
    static let pattern = "^(ab|c.)*$"
    static let long = String(repeating: "ab", count: 1_000_000)

    private func severities(_ schema: String, _ value: JSONValue) throws -> [ValidationIssue.Severity] {
        try compiled(schema).validate(value).map(\.severity)
    }

    @Test func theEngineGivesUpOnThisText() throws {
        let found = try compiled(##"{"pattern": "\##(Self.pattern)"}"##).validate(.string(Self.long))
        #expect(found.map(\.severity) == [.undetermined])
        #expect(found.first?.message.contains("could not be checked against the pattern") == true)
        #expect(try compiled(##"{"pattern": "\##(Self.pattern)"}"##).validate("abcdab").isEmpty)
    }

    /// Under `not`, `if`, `contains`, `patternProperties` + `additionalProperties`, `anyOf` and `oneOf` the verdict
    /// was read as a failure: `not` and `if` then passed (exit 0), `contains` and `additionalProperties` failed (exit 1).
    @Test func combinatorsCarryTheUndecidedVerdict() throws {
        let p = Self.pattern
        let long = JSONValue.string(Self.long)
        #expect(try severities(##"{"not": {"pattern": "\##(p)"}}"##, long) == [.undetermined])
        #expect(try severities(##"{"if": {"pattern": "\##(p)"}, "then": false}"##, long) == [.undetermined])
        #expect(try severities(##"{"if": {"pattern": "\##(p)"}, "then": {"type": "string"}, "else": {"minLength": 1}}"##, long).isEmpty)  // both agree
        #expect(try severities(##"{"if": {"pattern": "\##(p)"}, "then": {"type": "number"}, "else": {"type": "null"}}"##, long) == [.error])  // both fail
        #expect(try severities(##"{"contains": {"pattern": "\##(p)"}}"##, [long]) == [.undetermined])
        #expect(try severities(##"{"contains": {"pattern": "\##(p)"}}"##, [1, long, "ab"]).isEmpty)  // "ab" matches
        #expect(try severities(##"{"patternProperties": {"\##(p)": {}}, "additionalProperties": false}"##, .object([Self.long: 1])) == [.undetermined])
        #expect(try severities(##"{"anyOf": [{"pattern": "\##(p)"}, {"type": "number"}]}"##, long) == [.undetermined])
        #expect(try severities(##"{"anyOf": [{"pattern": "\##(p)"}, {"type": "string"}]}"##, long).isEmpty)
        #expect(try severities(##"{"oneOf": [{"pattern": "\##(p)"}, {"type": "number"}]}"##, long) == [.undetermined])
        #expect(try severities(##"{"oneOf": [{"pattern": "\##(p)"}, {"type": "string"}, {"minLength": 1}]}"##, long) == [.error])  // two pass
        // A definite failure elsewhere still decides.
        #expect(try severities(##"{"allOf": [{"not": {"pattern": "\##(p)"}}, {"type": "number"}]}"##, long).contains(.error))
        #expect(try !compiled(##"{"not": {"pattern": "\##(p)"}}"##).isValid(long))
    }

    /// Long arrays are checked on several threads: an undecided item still makes the document undetermined.
    @Test func longArraysCarryTheUndecidedVerdict() throws {
        var items = Array(repeating: JSONValue.string("ab"), count: 2_000)
        items[1_500] = .string(Self.long)
        let found = try compiled(##"{"items": {"pattern": "\##(Self.pattern)"}}"##).validate(.array(items))
        #expect(found.map(\.severity) == [.undetermined])
        #expect(found.first?.path.description == "[1500]")
    }
}

private enum SchemaVisitorMessage {
    static let nonFinite = "must be a finite number: NaN and infinities cannot be written as JSON"
}

/// JSON has no NaN or infinity: a number made in memory (by a mapper) that is one is an error where it is.
@Suite struct NonFiniteNumberTests {
    @Test func nonFiniteNumbersAreLocatedErrors() throws {
        let schema = try compiled(#"{"properties": {"a": {"type": "number"}, "b": {"type": "integer"}, "c": {}, "d": {"maximum": 5}, "e": true}}"#)
        for bad in [Double.nan, .infinity, -.infinity] {
            let number = JSONValue.number(JSONNumber(bad))
            // Also where no subschema looks: inside a value `{}` or `true` accepts, and in a member no keyword names.
            let value: JSONValue = ["a": number, "b": number, "c": [1, ["x": number]], "d": number, "e": [number], "f": ["g": [number]]]
            let found = schema.validate(value)
            #expect(found.map(\.path.description) == ["a", "b", "c[1].x", "d", "e[0]", "f.g[0]"], "\(bad)")
            #expect(found.allSatisfy { $0.severity == .error })
            #expect(found.first { $0.path.description == "a" }?.message == "must be a finite number: NaN and infinities cannot be written as JSON")
            #expect(found.first { $0.path.description == "b" }?.message == "must be integer, found non-finite number")
            #expect(!schema.isValid(value))
            #expect(!schema.isValid(["f": [["g": number]]]))
        }
        // Once a place, however many subschemas look at it.
        for twice in [#"{"anyOf": [{"type": "number"}, {"type": "null"}]}"#, #"{"type": "number", "allOf": [{"maximum": 5}, {}]}"#] {
            #expect(try compiled(twice).validate(.number(JSONNumber(Double.nan))).map(\.message) == [SchemaVisitorMessage.nonFinite], "\(twice)")
        }
        // In pydantic's lax mode too, and beside a finite value that passes.
        let lax = try compiled(#"{"properties": {"a": {"type": "number"}}}"#, lax: true)
        #expect(lax.validate(["a": .number(JSONNumber(Double.nan))]).count == 1)
        #expect(lax.validate(["a": .number(JSONNumber(2.5)), "b": .number(JSONNumber(1e300))]).isEmpty)
        // A huge integer literal is exact, not infinite.
        #expect(schema.validate(try JSONParser.parse(#"{"a": 1\#(String(repeating: "0", count: 400))}"#)).isEmpty)
    }
}

/// pydantic's lax mode takes `true`/`false` as 1/0 for int and float fields, not for Decimal ones.
@Suite struct LaxBooleanTests {
    @Test func booleansAreNumbersOnlyInLaxMode() throws {
        #expect(try problems(#"{"type": "integer"}"#, "true", lax: true).isEmpty)
        #expect(try problems(#"{"type": ["number", "null"]}"#, "false", lax: true).isEmpty)
        #expect(try problems(#"{"anyOf": [{"type": "number"}, {"type": "null"}]}"#, "true", lax: true).isEmpty)
        #expect(try problems(#"{"type": "integer"}"#, "true") == ["$: must be integer, found boolean true"])
        #expect(try problems(#"{"type": "number"}"#, "false") == ["$: must be number, found boolean false"])
        // Their value is 1 or 0 for the bounds.
        #expect(try problems(#"{"type": "integer", "minimum": 1}"#, "true", lax: true).isEmpty)
        #expect(try problems(#"{"type": "integer", "minimum": 1}"#, "false", lax: true) == ["$: must be ≥ 1.0"])
        #expect(try problems(#"{"type": "number", "exclusiveMinimum": 0}"#, "false", lax: true) == ["$: must be > 0.0"])
        // A string field does not take them.
        #expect(try problems(#"{"type": "string"}"#, "true", lax: true) == ["$: must be string, found boolean true"])
    }

    @Test func decimalFieldsRefuseBooleans() throws {
        let decimal = #"{"properties": {"d": {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]}}}"#
        #expect(try problems(decimal, #"{"d": true}"#, lax: true) == ["d: must be number or string (a decimal), found boolean true"])
        #expect(try problems(decimal, #"{"d": "2.5"}"#, lax: true).isEmpty)
        // `list[float | str]` items have the same shape and take them (aind-data-schema's Calibration input/output).
        #expect(try problems(#"{"items": {"anyOf": [{"type": "number"}, {"type": "string"}]}}"#, "[true, 1, \"a\"]", lax: true).isEmpty)
    }
}
