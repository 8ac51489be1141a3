import AindSchemas
import MetadataModel
import Testing

@Suite struct MetaschemaFilesTests {
    /// Every carried metaschema is embedded, parses, and names itself by the URI it is found under.
    @Test func carriedMetaschemasNameTheirDraft() throws {
        let draft7 = Metaschemas.documents(for: "http://json-schema.org/draft-07/schema")
        #expect(draft7.count == 1)
        #expect(try JSONParser.parse(try #require(draft7.first))["$id"] == "http://json-schema.org/draft-07/schema#")
        let draft2020 = Metaschemas.documents(for: "https://json-schema.org/draft/2020-12/meta/core")
        let ids = Set(try draft2020.map { try JSONParser.parse($0)["$id"]?.stringValue ?? "" })
        let vocabularies = ["applicator", "content", "core", "format-annotation", "format-assertion", "meta-data", "unevaluated", "validation"]
        #expect(ids == Set(["https://json-schema.org/draft/2020-12/schema"] + vocabularies.map { "https://json-schema.org/draft/2020-12/meta/\($0)" }))
        #expect(Metaschemas.documents(for: "https://json-schema.org/draft/2019-09/schema").isEmpty)
        #expect(Metaschemas.documents(for: "http://example.com/schema").isEmpty)
    }
}
