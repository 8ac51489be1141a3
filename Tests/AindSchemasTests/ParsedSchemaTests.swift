@testable import AindSchemas
import MetadataModel
import Testing

/// A schema's definitions are located at once and parsed when first asked for: each reads back as the full parse has
/// it, and the check that decides whether references can skip unread definitions looks at every spelling of `$id`.
@Suite struct ParsedSchemaTests {
    @Test(arguments: DocumentKind.allCases, SchemaRelease.all)
    func definitionsReadBackAsTheWholeSchemaHasThem(kind: DocumentKind, release: SchemaRelease) throws {
        let schema = try release.schema(kind)
        let whole = try #require(schema.root.objectValue)
        let definitions = try #require(whole["$defs"]?.objectValue)
        #expect(schema.definitionNames == Array(definitions.keys))
        for (name, value) in definitions { #expect(schema.definitionValue(name) == value, "\(name)") }
        var document = whole
        document.removeValue(forKey: "$defs")
        #expect(schema.document == .object(document))
        #expect(schema.definitionValue("NoSuchDefinition") == nil)
        // The carried schemas take the on-demand path.
        #expect(!schema.definitionsMayHoldIdentifiers)
    }

    @Test func identifiersAreFoundInEverySpelling() {
        let holding = [#"{"$id": "x"}"#, #"{"a": {"$anchor": "y"}}"#, #"{"$\u0069d": 1}"#, #"{"\u0024id": 1}"#]
        let free = [##"{"$ref": "#/$defs/A", "$defs": {"A": {"const": "$idea", "title": "$anchors"}}}"##, #"{"x": "$"}"#, "{}"]
        for text in holding { #expect(ParsedSchema.mayHoldIdentifiers(Array(text.utf8)), "\(text)") }
        for text in free { #expect(!ParsedSchema.mayHoldIdentifiers(Array(text.utf8)), "\(text)") }
    }

    @Test func deferredMembersAreLocatedAndChecked() throws {
        let text = Array(#"{"a": 1, "$defs": {"X": {"type": "string"}, "Y": [1, {"z": null}]}, "b": {"$defs": {"kept": true}}}"#.utf8)
        let (value, deferred) = try JSONParser.parse(text, deferringMembersOf: "$defs")
        #expect(value == ["a": 1, "b": ["$defs": ["kept": true]]])
        #expect(deferred.map(\.name) == ["X", "Y"])
        #expect(try deferred.map { try JSONParser.parse(text[$0.range]) } == [["type": "string"], [1, ["z": .null]]])
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(#"{"$defs": {"X": [1,]}}"#.utf8), deferringMembersOf: "$defs") }
    }
}
