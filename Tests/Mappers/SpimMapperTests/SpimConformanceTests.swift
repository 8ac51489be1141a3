import Foundation
import MapperTesting
import Testing

/// The conformance suite every adapter passes (MapperTesting), on the synthetic SmartSPIM folder. The golden file is
/// spim@1.0.0's output for it: the spec's golden acquisition (`real/expected_acquisition_v2_for_synthetic_sample.json`,
/// made with Docs/specs/spim.md §6) without its final newline, as SpimGoldenTests also checks. Rewrite it only on
/// purpose, with `RIGMAP_UPDATE_GOLDEN=1` (see Docs/WritingARigAdapter.md).
@Suite struct SpimConformanceTests {
    @Test func conformsOnTheSyntheticFolder() {
        checkAdapterConformance(
            ConformanceFixture(
                mapper: "spim@1.0.0", input: spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"), job: sampleJob,
                golden: ["acquisition_spim.json": sourceFixtures().appendingPathComponent("golden/SmartSPIM_000000_2024-05-01_10-00-00/acquisition_spim.json")],
                mainFile: "derivatives/metadata.json"))
    }
}
