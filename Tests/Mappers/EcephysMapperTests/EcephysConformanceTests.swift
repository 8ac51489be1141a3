import Foundation
import MapperTesting
import Testing

/// The conformance suite every adapter passes (MapperTesting), on the upstream generator's example recording (two
/// Record Nodes, 3 NP1.0 + 1 NP2.0, an NI-DAQ). The golden files are ecephys@1.0.0's output for it, checked against
/// the generator's ground truth (`recording_example/expected.json`, also by EcephysGroundTruthTests); rewrite them
/// only on purpose, with `RIGMAP_UPDATE_GOLDEN=1` (see Docs/WritingARigAdapter.md).
@Suite struct EcephysConformanceTests {
    @Test func conformsOnTheExampleRecording() {
        let golden = sourceFixtures().appendingPathComponent("golden/recording_example")
        checkAdapterConformance(
            ConformanceFixture(
                mapper: "ecephys@1.0.0", input: fixtures.appendingPathComponent("recording_example/700001_2024-03-05_09-04-33"),
                job: "timezone: America/Los_Angeles\n",
                golden: [
                    "instrument_ecephys.json": golden.appendingPathComponent("instrument_ecephys.json"),
                    "acquisition_ecephys.json": golden.appendingPathComponent("acquisition_ecephys.json"),
                ],
                // Record Node 104 is another copy of the signal chain; without it node 101's settings are the only ones.
                mainFile: "Record Node 101/settings.xml", fallbacks: ["Record Node 104"]))
    }
}
