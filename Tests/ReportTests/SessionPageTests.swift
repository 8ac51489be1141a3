import Crypto
import Foundation
import MapperTesting
import MetadataModel
import RigMapperCore
import Testing

@testable import Report

@Suite struct SessionPageTests {
    @Test func eachStreamAndEpochBarCarriesTheDocumentsStrings() throws {
        let fixture = try SessionFixture()
        let tokens = Tokens(try fixture.page())
        let streams = fixture.acquisition["data_streams"]?.arrayValue ?? []
        let bars = tokens.elements(with: "data-start")
        #expect(bars.count == streams.count)
        for (i, stream) in streams.enumerated() {
            let bar = bars.first { $0.value("data-stream") == String(i) }
            #expect(bar?.value("data-start") == stream["stream_start_time"]?.stringValue)
            #expect(bar?.value("data-end") == stream["stream_end_time"]?.stringValue)
            #expect(bar?.value("tabindex") == "0" && bar?.value("role") == "img")
            #expect(bar?.value("aria-label")?.contains(stream["stream_start_time"]?.stringValue ?? "?") == true)
        }
        let epochs = fixture.acquisition["stimulus_epochs"]?.arrayValue ?? []
        let epochBars = tokens.elements(with: "data-epoch-start")
        #expect(epochBars.count == epochs.count)
        for (i, epoch) in epochs.enumerated() {
            let bar = epochBars.first { $0.value("data-epoch") == String(i) }
            #expect(bar?.value("data-epoch-start") == epoch["stimulus_start_time"]?.stringValue)
            #expect(bar?.value("data-epoch-end") == epoch["stimulus_end_time"]?.stringValue)
        }
        // The source document's stream is drawn too, apart from the merged ones.
        #expect(tokens.elements(with: "data-source-file").map { $0.value("data-source-file") } == ["acquisition_behavior.json"])
        // Hover text: SVG titles with the exact times and the active devices.
        #expect(tokens.allText.contains("start 2025-07-18T12:32:33.125000-07:00\nend 2025-07-18T13:02:35.000001-07:00\nduration 30 min 1.875001 s"))
        #expect(tokens.allText.contains("active devices: harp_behavior, harp_clock_generator, FaceCamera"))
    }

    @Test func theClockGeneratorIsMarkedWithItsSourcesAndFields() throws {
        let tokens = Tokens(try SessionFixture().page())
        let marked = tokens.elements(with: "data-clock-generator")
        #expect(marked.map { $0.value("data-clock-generator") } == ["harp_clock_generator"])
        #expect(Set(tokens.elements(with: "data-clock-source").compactMap { $0.value("data-clock-source") }) == ["instrument_behavior.json", "instrument_zfiber.json"])
        // serial_number came from the second file, the rest from the first (the note says so).
        let text = tokens.allText
        #expect(text.contains("serial_number\"7\"instrument_zfiber.json"))
        #expect(text.contains("firmware_version\"0.2\"instrument_behavior.json"))
        // Components are grouped by device type.
        #expect(Set(tokens.elements(with: "data-device-type").compactMap { $0.value("data-device-type") }) == ["Camera", "Harp device"])
    }

    @Test func everyErrorAndWarningIsListedWithItsRule() throws {
        let tokens = Tokens(try SessionFixture().page())
        let rows = tokens.elements(with: "data-severity")
        #expect(rows.map { $0.value("data-severity") } == ["error", "warning"])
        let text = tokens.allText
        #expect(text.contains("stimulus device 'harp_behavior' is not a component of the instrument"))
        #expect(text.contains("InstrumentAcquisitionCompatibility: stimulus devices must be instrument components"))
        #expect(text.contains("InstrumentAcquisitionCompatibility: a data stream's active devices should be instrument components"))
    }

    @Test func provenanceShowsVersionsSourcesHashesAndTheSchema() throws {
        let fixture = try SessionFixture()
        let tokens = Tokens(try fixture.page())
        let mapper = tokens.elements(with: "data-mapper").first
        #expect(mapper?.value("data-mapper") == "behavior@1.0.0" && mapper?.value("data-version-source") == "job_type")
        let text = tokens.allText
        #expect(text.contains("the job type's default") && text.contains("99aa") && text.contains("cd34"))
        #expect(text.contains("acquisition.json: Acquisition 2.5.4 — aind-data-schema 2.9.2"))
        // The per-mapper file differs from what the lock recorded: the page says so.
        #expect(text.contains("differs: recorded not-the-file"))
        let acquisitionBytes = try Data(contentsOf: fixture.folder.appendingPathComponent("acquisition.json"))
        #expect(text.contains(Digest.sha256(Array(acquisitionBytes))))
    }

    @Test func bothDocumentsArePrettyPrintedInCollapsibleSections() throws {
        let fixture = try SessionFixture()
        let tokens = Tokens(try fixture.page())
        #expect(tokens.elements(with: "data-document").map { $0.value("data-document") } == ["acquisition.json", "instrument.json"])
        #expect(tokens.elements("details").filter { $0.value("class") == "doc" }.count == 2)
        #expect(tokens.allText.contains(JSONWriter.referenceString(fixture.acquisition)))
        #expect(tokens.allText.contains(JSONWriter.referenceString(fixture.instrument)))
    }

    @Test func thePageIsOneDocumentWithItsOwnScriptAndStyleOnly() throws {
        let html = try SessionFixture().page()
        let tokens = Tokens(html)
        #expect(tokens.scripts.count == 2)
        #expect(tokens.scripts.last?.content == Assets.sessionScript.description)
        #expect(tokens.scripts.first?.tag.value("type") == "application/json")
        #expect(tokens.styles == [Assets.style.description])
        let policy = tokens.elements("meta").first { $0.value("http-equiv") == "Content-Security-Policy" }?.value("content") ?? ""
        let hash = Data(SHA256.hash(data: Array(Assets.sessionScript.description.utf8))).base64EncodedString()
        #expect(policy.hasPrefix("default-src 'none'; script-src 'sha256-\(hash)'"))
        // Nothing is loaded: no src, no external href, no link or img elements.
        #expect(tokens.elements(with: "src").isEmpty && tokens.elements("link").isEmpty && tokens.elements("img").isEmpty)
        #expect(tokens.elements(with: "href").allSatisfy { $0.value("href")?.hasPrefix("#") == true })
        // Semantic structure: one header, main and footer; sections with headings; tables with scoped headers.
        for element in ["header", "main", "footer"] { #expect(tokens.elements(element).count == 1) }
        #expect(Set(tokens.elements("section").compactMap { $0.value("id") }).isSuperset(of: ["timeline", "instrument", "checks", "provenance", "documents"]))
        #expect(tokens.elements("th").allSatisfy { $0.value("scope") == "col" || $0.value("scope") == "row" })
        #expect(html.contains("@media print"))
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
    }

    @Test func theSamefilesGiveTheSameBytes() throws {
        let fixture = try SessionFixture()
        #expect(try fixture.page(validate: true) == fixture.page(validate: true))
    }

    @Test func validationRunsAgainAndNamesTheRelease() throws {
        let tokens = Tokens(try SessionFixture().page(validate: true))
        // The hand-made documents lack required fields: the page says so, under the release they declare.
        let results = tokens.elements(with: "data-validated")
        #expect(results.map { $0.value("data-validated") } == ["acquisition.json", "instrument.json"])
        #expect(results.allSatisfy { $0.value("data-valid") == "false" })
        #expect(tokens.allText.contains("under aind-data-schema 2.9.2"))
    }

    @Test func aMapFolderShowsWhatIsThere() throws {
        let folder = try makeTemporaryFolder("rigmap-report-map")
        let fixture = try SessionFixture()
        let source = try Data(contentsOf: fixture.folder.appendingPathComponent("acquisition.json"))
        try source.write(to: folder.appendingPathComponent("acquisition_fiber.json"))
        try Data(contentsOf: fixture.folder.appendingPathComponent("rigmap.lock")).write(to: folder.appendingPathComponent("rigmap.lock"))
        let tokens = Tokens(String(decoding: try Report.sessionPage(folder: folder, displayName: "out", options: ReportOptions(validate: false)), as: UTF8.self))
        #expect(tokens.elements(with: "data-start").count == 2)
        #expect(tokens.allText.contains("rigmap map (no gather_report.json here)"))
        #expect(tokens.elements(with: "data-mapper").first?.value("data-mapper") == "behavior@1.0.0")
        #expect(tokens.elements(with: "data-clock-generator").isEmpty)
    }

    @Test func unreadableFilesAreLocatedErrorsAndNothingIsWritten() throws {
        let fixture = try SessionFixture()
        try Data("{\"object_type\": \"Acquisition\",\n  \"data_streams\": [}".utf8).write(to: fixture.folder.appendingPathComponent("acquisition.json"))
        let diagnostics = thrownDiagnostics { try Report.writeSessionPage(folder: fixture.folder, displayName: "out", options: ReportOptions(validate: false)) }
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.location?.file == "out/acquisition.json" && diagnostics.first?.location?.line == 2)
        #expect(!FileManager.default.fileExists(atPath: fixture.folder.appendingPathComponent("report.html").path))

        try fixture.write("acquisition.json", fixture.acquisition)
        try fixture.write("gather_report.json", ["status": "ok", "warnings": [["severity": "loud"]]])
        let report = thrownDiagnostics { try Report.writeSessionPage(folder: fixture.folder, displayName: "out") }
        #expect(report.first?.location?.file == "out/gather_report.json" && report.first?.location?.jsonPath?.description == "warnings[0]")

        let empty = try makeTemporaryFolder("rigmap-report-empty")
        let nothing = thrownDiagnostics { try Report.writeSessionPage(folder: empty, displayName: "empty") }
        #expect(nothing.first?.message.hasPrefix("nothing to report") == true)
        let missing = thrownDiagnostics { try Report.writeSessionPage(folder: empty.appendingPathComponent("absent"), displayName: "absent") }
        #expect(missing.first?.location?.file == "absent")
    }

    @Test func timesThatCannotBePlacedStillGetTheirBar() throws {
        var names = FixtureNames()
        names.streamStart = "yesterday"
        names.streamEnd = "2025-07-18T13:02:35"
        let tokens = Tokens(try SessionFixture(names).page())
        let bar = tokens.elements(with: "data-start").first { $0.value("data-stream") == "0" }
        #expect(bar?.value("data-start") == "yesterday" && bar?.value("data-end") == "2025-07-18T13:02:35")
        #expect(bar?.value("class")?.contains("unplaced") == true)
        #expect(tokens.allText.contains("data_streams[0].stream_start_time: invalid timestamp \"yesterday\""))
        #expect(tokens.allText.contains("data_streams[0].stream_end_time has no UTC offset; placed as if written in UTC-07:00"))
    }

    @Test func clockNotesNameTheFilesAndFields() {
        let added = SessionPage.clockNotes(["shared clock generator 'c': serial_number, channel X from b.json, everything else from a.json"], name: "c")
        #expect(added.first?.first == "a.json" && added.first?.second == "b.json" && added.first?.fromSecond == ["serial_number", "channel X"])
        let nothing = SessionPage.clockNotes(["shared clock generator 'c' kept once: the definition in b.json is compatible with a.json's and adds nothing"], name: "c")
        #expect(nothing.first?.first == "a.json" && nothing.first?.second == "b.json" && nothing.first?.fromSecond == [])
        #expect(SessionPage.clockNotes(["shared clock generator 'other' kept once: …"], name: "c").isEmpty)
    }

    @Test func checksNameTheirOrigin() {
        func origin(_ message: String, file: String? = nil, path: JSONPath? = nil) -> CheckOrigin {
            CheckOrigin.of(Diagnostic(.warning, message, at: file.map { SourceLocation(file: $0, jsonPath: path) }))
        }
        #expect(origin("active device 'x' is not a component of the instrument (…)").stage == "cross-check")
        #expect(origin("modality 'fib' requires a configuration of type 'Patch cord config'").rule.contains("CONFIG_REQUIREMENTS"))
        #expect(origin("modality 'fib' requires at least one device of type 'Laser'").rule.contains("DEVICES_REQUIRED"))
        #expect(origin("duplicate component name 'x' (also components[0])").stage == "validation")
        #expect(origin("merge refused (conflict): x").stage == "merge")
        #expect(origin("must be a string, found 3", file: "out/acquisition.json", path: JSONPath([.key("subject_id")])).stage == "validation")
        #expect(origin("something new").stage == "")
    }
}
