import Batch
import Foundation
import MapperTesting
import MetadataModel
import RigMapperCore
import Testing

@testable import Report

@Suite struct BatchPageTests {
    static func entry(_ session: String, _ status: String, version: String = "1.4.0", diagnostics: [String] = []) -> CatalogEntry {
        CatalogEntry(
            session: session, path: "/nowhere/\(session)", status: status, exitCode: status == "ok" ? 0 : 1, inputSHA256: "i", jobSHA256: "j",
            fingerprint: "f", mappers: [CatalogEntry.MapperRun(name: "fiber", version: version, configSHA256: "c", outcome: status == "ok" ? "ran" : "failed")],
            outputs: [:], diagnostics: diagnostics)
    }

    @Test func failedSessionsComeFirstWithTheirDiagnostic() {
        let entries = [
            BatchPageTests.entry("a", "ok"), BatchPageTests.entry("b", "refused", diagnostics: ["b/fip.json: warning: w", "b/fip.json:1:2: byte 3: error: truncated"]),
            BatchPageTests.entry("c", "partial"), BatchPageTests.entry("d", "crashed", version: "1.0.0"), BatchPageTests.entry("e", "newer_status"),
        ]
        let tokens = Tokens(String(decoding: Report.batchPage(name: "out", entries: entries, links: ["a": "a/report.html"]), as: UTF8.self))
        let rows = tokens.elements(with: "data-session")
        #expect(rows.map { $0.value("data-session") } == ["d", "b", "e", "c", "a"])
        #expect(rows.map { $0.value("data-status") } == ["crashed", "refused", "newer_status", "partial", "ok"])
        // The row shows the first error, and a failed session's every diagnostic.
        #expect(tokens.allText.contains("b/fip.json:1:2: byte 3: error: truncatedall 2 diagnostics"))
        #expect(tokens.elements("a").compactMap { $0.value("href") }.filter { !$0.hasPrefix("#") } == ["a/report.html"])
        // Counts per status, and the histogram of mapper versions.
        let counts = tokens.elements(with: "data-count-status").compactMap { $0.value("data-count-status") }
        #expect(counts == ["crashed", "refused", "newer_status", "partial", "ok"])
        #expect(tokens.elements(with: "data-mapper-version").compactMap { $0.value("data-mapper-version") } == ["fiber@1.0.0", "fiber@1.4.0"])
        #expect(tokens.allText.contains("fiber@1.4.04"))  // four sessions used fiber@1.4.0
        // Readable without the script: the filters are hidden until it runs; rows are plain table rows.
        #expect(tokens.elements(with: "id").first { $0.value("id") == "filters" }?.value("hidden") == "")
        #expect(tokens.elements("th").allSatisfy { $0.value("scope") == "col" || $0.value("scope") == "row" })
    }

    @Test func largeBatchesAreSplitIntoTablesLaidOutOnDemand() {
        let entries = (0..<1_234).map { BatchPageTests.entry(String(format: "s%04d", $0), $0 % 10 == 0 ? "refused" : "ok") }
        let html = String(decoding: Report.batchPage(name: "out", entries: entries, links: [:]), as: UTF8.self)
        let tokens = Tokens(html)
        #expect(tokens.elements(with: "data-session").count == 1_234)
        #expect(tokens.elements("div").filter { $0.value("class") == "chunk" }.count == (1_234 + BatchPage.chunkSize - 1) / BatchPage.chunkSize)
        #expect(tokens.elements(with: "data-session").first?.value("data-status") == "refused")
        #expect(html.contains(".chunk{content-visibility:auto"))
        #expect(tokens.allText.contains("1,234 sessions in the catalog, 124 not ok"))
        #expect(BatchPage.grouped(0) == "0" && BatchPage.grouped(999) == "999" && BatchPage.grouped(1_000) == "1,000" && BatchPage.grouped(1_234_567) == "1,234,567")
    }

    @Test func aBatchFolderGetsItsPageAndEachSessionsPage() throws {
        let out = try makeTemporaryFolder("rigmap-report-batch")
        let fixture = try SessionFixture(in: out)
        let catalog = try BatchCatalog(url: out.appendingPathComponent(BatchCatalog.fileName))
        try catalog.record(BatchPageTests.entry(fixture.names.session, "partial"))
        try catalog.record(BatchPageTests.entry("no-outputs", "refused", diagnostics: ["no-outputs/fip.json: error: truncated"]))
        try catalog.record(BatchPageTests.entry("..", "ok"))
        // A folder whose files cannot be read: its row has no link and the problem is reported.
        let broken = out.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("{".utf8).write(to: broken.appendingPathComponent("acquisition.json"))
        try catalog.record(BatchPageTests.entry("broken", "ok"))

        #expect(Report.isBatchFolder(out) && !Report.isBatchFolder(fixture.folder))
        let outcome = try Report.writeBatchPages(folder: out, displayName: "out", options: ReportOptions(validate: false))
        #expect(outcome.sessions == 4 && outcome.sessionPages == 1)
        #expect(outcome.problems.first?.location?.file == "out/broken/acquisition.json")
        let page = Tokens(try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8))
        let links = page.elements("a").compactMap { $0.value("href") }.filter { !$0.hasPrefix("#") }
        #expect(links == ["\(fixture.names.session)/report.html"])
        for link in links { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(link).path)) }
        let session = Tokens(try String(contentsOf: fixture.folder.appendingPathComponent("report.html"), encoding: .utf8))
        #expect(session.elements("a").contains { $0.value("href") == "../report.html" })
        #expect(page.elements(with: "data-session").first?.value("data-session") == "no-outputs")
    }

    @Test func aFolderWithoutACatalogIsNotABatch() throws {
        let out = try makeTemporaryFolder("rigmap-report-nobatch")
        let diagnostics = thrownDiagnostics { _ = try Report.writeBatchPages(folder: out, displayName: "out") }
        #expect(diagnostics.first?.message.contains("not a batch's output folder") == true)
    }
}
