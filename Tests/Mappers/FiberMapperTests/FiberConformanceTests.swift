import Foundation
import MapperTesting
import Testing

/// The conformance suite every adapter passes (MapperTesting), on a reference case of each fiber version: the
/// golden file is aind-metadata-mapper's own output for that case (`expected.json`), so it is never regenerated.
@Suite struct FiberConformanceTests {
    @Test(arguments: ["1.0.0", "1.4.0"])
    func conformsOnTheFirstReferenceCase(_ version: String) throws {
        let dir = fixtures.appendingPathComponent("mapper-\(version)/case_000")
        checkAdapterConformance(
            ConformanceFixture(
                mapper: "fiber@\(version)", input: dir.appendingPathComponent("fip.json"),
                job: try String(contentsOf: dir.appendingPathComponent("job.yaml"), encoding: .utf8),
                golden: ["acquisition_fiber.json": sourceFixtures().appendingPathComponent("mapper-\(version)/case_000/expected.json")],
                goldenFromReference: true))
    }
}
