import Foundation
import MapperTesting
import Testing

/// The conformance suite every adapter passes (MapperTesting), on the committed session (WhiteRabbit clock, a
/// camera). The golden files are behavior@1.0.0's output for it, reviewed against Docs/specs/behavior.md; rewrite
/// them only on purpose, with `RIGMAP_UPDATE_GOLDEN=1` (see Docs/WritingARigAdapter.md).
@Suite struct BehaviorConformanceTests {
    @Test func conformsOnTheCommittedSession() {
        let golden = sourceFixtures().appendingPathComponent("golden/session")
        checkAdapterConformance(
            ConformanceFixture(
                mapper: "behavior@1.0.0", input: fixtures.appendingPathComponent("session"), inputDisplay: "session",
                job: "timezone: America/Los_Angeles\n",
                golden: [
                    "instrument_behavior.json": golden.appendingPathComponent("instrument_behavior.json"),
                    "acquisition_behavior.json": golden.appendingPathComponent("acquisition_behavior.json"),
                ],
                // The session's subject and date come from here; without session_output.json beside it there is no
                // other copy to fall back on.
                mainFile: "behavior/Logs/session_input.json", fallbacks: ["behavior/Logs/session_output.json"]))
    }
}

@Suite struct BehaviorMissingSessionFileTests {
    /// Found by the conformance battery (session_input.json replaced by a folder, no session_output.json): the error
    /// for the missing session date named no file.
    @Test func withoutASessionFileTheDateErrorNamesTheLogsFolder() throws {
        let session = try Session()
        try session.remove("Logs/session_input.json")
        try session.remove("Logs/session_output.json")
        let errors = thrownErrors { _ = try map(session) }
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("the session has no date") == true)
        #expect(errors.first?.location?.file == "session/behavior/Logs")
    }
}

@Suite struct BehaviorMissingSettingsTests {
    /// No rig_name (the instrument id) and no session date (the modification date), and the job gives neither: one
    /// run names both settings.
    @Test func everyMissingRequiredSettingIsReportedAtOnce() throws {
        let session = try Session()
        try session.editLog("rig") { $0["rig_name"] = nil }
        try session.editLog("session") { $0["date"] = nil }
        let errors = thrownErrors { _ = try map(session) }
        #expect(errors.count == 2, "\(errors)")
        #expect(errors.contains { $0.message.contains("set mappers.behavior.settings.instrument_id") })
        #expect(errors.contains { $0.message.contains("set mappers.behavior.settings.modification_date") })
        // Giving both maps the session.
        let mapped = try map(session, job: "timezone: America/Los_Angeles\nmappers: {behavior: {settings: {instrument_id: 447-BEH-1, modification_date: \"2025-03-14\"}}}\n")
        #expect(mapped.instrument["instrument_id"] == "447-BEH-1")
    }
}
