import Foundation
import MetadataModel
import Testing

/// The 28 aind-data-schema 2.9.2 example documents, as `write_standard_file` wrote them.
let exampleDirectory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("examples")

func exampleNames() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: exampleDirectory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
}

@Suite struct RoundTripTests {
    @Test func allTwentyEightExamplesArePresent() {
        #expect(exampleNames().count == 28)
    }

    @Test(arguments: exampleNames())
    func exampleRoundTripsByteForByte(_ name: String) throws {
        let data = try Data(contentsOf: exampleDirectory.appendingPathComponent(name))
        let value = try JSONParser.parse(data)
        let written = JSONWriter.referenceBytes(value)
        #expect(written == Array(data), "\(name) did not round-trip")
    }

    @Test func reparsingWrittenOutputGivesTheSameValue() throws {
        for name in exampleNames() {
            let value = try JSONParser.parse(try Data(contentsOf: exampleDirectory.appendingPathComponent(name)))
            let again = try JSONParser.parse(JSONWriter.referenceBytes(value))
            #expect(again == value, "\(name)")
        }
    }

    @Test func keyOrderIsKeptNotSorted() throws {
        let value = try JSONParser.parse(#"{"zeta": 1, "alpha": {"y": [], "b": {}}, "mid": null}"#)
        #expect(JSONWriter.compactString(value) == #"{"zeta":1,"alpha":{"y":[],"b":{}},"mid":null}"#)
    }

    @Test func unknownDeviceTypesAndFieldsPassThrough() throws {
        let text = """
            {
               "object_type": "Instrument",
               "components": [
                  {
                     "object_type": "Quantum flux capacitor",
                     "name": "QFC-1",
                     "flux": 1.21e9,
                     "vendor_extra": {
                        "nested": [
                           true,
                           null,
                           -0.00001
                        ]
                     }
                  }
               ]
            }
            """
        let value = try JSONParser.parse(text)
        #expect(value["components"]?[0]?["vendor_extra"]?["nested"]?[2] == .number(JSONNumber(-0.00001)))
        // Re-serialised in the reference format: floats as pydantic prints them.
        #expect(JSONWriter.referenceString(value) == text.replacingOccurrences(of: "1.21e9", with: "1210000000.0"))
    }
}
