import AindSchemas
import MetadataModel
import Testing

@Suite struct DocumentKindTests {
    private func sniff(_ text: String) -> DocumentKind? { DocumentKind(sniffing: Array(text.utf8)) }

    @Test func sniffingReadsTheFirstObjectTypeOfTheOpeningBytes() {
        #expect(sniff(#"{"object_type": "Instrument", "schema_version": "2.2.8"}"#) == .instrument)
        #expect(sniff("{\n  \"object_type\" :\t\"Acquisition\",\n") == .acquisition)
        // pydantic's order puts the document's own object_type first; anything else is only a hint.
        #expect(sniff(#"{"components": [{"object_type": "Laser"}], "object_type": "Instrument"}"#) == nil)
        #expect(sniff(#"{"object_type": "Instru"#) == nil)  // cut off by the head's end
        #expect(sniff(#"{"object_type": "Instr\u0075ment"}"#) == nil)  // escapes are left to the parser
        #expect(sniff(#"{"object_type": 7}"#) == nil)
        #expect(sniff(#"{"schema_version": "2.2.8"}"#) == nil)
        #expect(sniff("") == nil)
    }

    @Test func aSniffedKindIsTheParsedKindForEveryWrittenDocument() throws {
        for kind in DocumentKind.allCases {
            let document: JSONValue = ["object_type": .string(kind.objectType), "notes": "x"]
            let bytes = JSONWriter.referenceBytes(document)
            #expect(DocumentKind(sniffing: bytes) == kind)
            #expect(DocumentKind(of: try JSONParser.parse(bytes)) == kind)
        }
    }
}
