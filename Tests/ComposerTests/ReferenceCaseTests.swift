import Composer
import Foundation
import MetadataModel
import Testing

let composerFixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

func referenceCases() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: composerFixtures.path)) ?? []).filter { $0.hasPrefix("case_") }.sorted()
}

/// The numbered inputs of a case, in merge order.
func inputs(_ name: String) throws -> [Composer.Document] {
    let dir = composerFixtures.appendingPathComponent(name)
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.first?.isNumber == true }.sorted()
    return try files.map { Composer.Document(name: $0, value: try JSONParser.parse(try Data(contentsOf: dir.appendingPathComponent($0)))) }
}

@Suite struct ReferenceCaseTests {
    @Test func allTwelveCasesArePresent() {
        #expect(referenceCases().count == 12)
    }

    @Test(arguments: referenceCases())
    func reproducesTheReference(_ name: String) throws {
        let dir = composerFixtures.appendingPathComponent(name)
        let outcome = Composer.merge(try inputs(name))
        if let expected = try? Data(contentsOf: dir.appendingPathComponent("expected.json")) {
            let merged = try #require(outcome.merged, "\(name) refused: \(outcome.conflicts.map(\.summary))")
            #expect(JSONWriter.referenceBytes(merged) == Array(expected), "\(name) differs from the reference")
        } else {
            let reason = try String(contentsOf: dir.appendingPathComponent("reject.txt"), encoding: .utf8)
            #expect(outcome.merged == Optional<JSONValue>.none, "\(name) should be refused: \(reason)")
            #expect(!outcome.conflicts.isEmpty)
        }
    }

    @Test func refusalsNameTheReasonTheDeviceAndBothFiles() throws {
        let location = Composer.merge(try inputs("case_004"))
        #expect(location.conflicts.contains { $0.kind == .keyField && $0.field == "location" })
        let clock = Composer.merge(try inputs("case_005"))
        let clockConflict = try #require(clock.conflicts.first { $0.kind == .clockGeneratorDiffers })
        #expect(clockConflict.files == ["1_instrument_1.json", "2_instrument_2.json"])
        let shared = Composer.merge(try inputs("case_007"))
        let sharedConflict = try #require(shared.conflicts.first { $0.kind == .sharedDevice })
        #expect(sharedConflict.field == "E1")
        #expect(sharedConflict.message.contains("1_instrument_1.json") && sharedConflict.message.contains("2_instrument_2.json"))
    }
}
