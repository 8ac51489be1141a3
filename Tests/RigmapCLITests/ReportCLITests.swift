import Foundation
import MetadataModel
import RigMapperCore
import Testing

/// `rigmap report` and `rigmap gather --report` as a user runs them.
@Suite struct ReportCLITests {
    /// Every value of `attribute` in a page, entities decoded, in order.
    static func values(_ attribute: String, in html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        let marker = " \(attribute)=\""
        while let start = rest.range(of: marker) {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { break }
            out.append(
                String(rest[..<end]).replacingEvery("&lt;", with: "<").replacingEvery("&gt;", with: ">").replacingEvery("&quot;", with: "\"")
                    .replacingEvery("&#39;", with: "'").replacingEvery("&amp;", with: "&"))
            rest = rest[end...]
        }
        return out
    }

    @Test func gatherWritesTheSessionPageOfTheREADMEsSession() throws {
        let out = temporaryFolder()
        let session = packageRoot.appendingPathComponent("Examples/vr-foraging-session")
        let result = try rigmap(["gather", session.path, "--job", session.appendingPathComponent("job.yaml").path, "--output", out.path, "--report"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wrote \(out.path)/report.html"))
        let page = out.appendingPathComponent("report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(try Data(contentsOf: page).count < 1 << 20)

        // The behavior, video and fiber streams on one timeline: the merged stream, and each rig's own.
        let acquisition = try JSONDocument.read(out.appendingPathComponent("acquisition.json"))
        let streams = acquisition["data_streams"]?.arrayValue ?? []
        #expect(ReportCLITests.values("data-start", in: html) == streams.compactMap { $0["stream_start_time"]?.stringValue })
        #expect(ReportCLITests.values("data-end", in: html) == streams.compactMap { $0["stream_end_time"]?.stringValue })
        #expect(ReportCLITests.values("data-source-file", in: html) == ["acquisition_behavior.json", "acquisition_fiber.json"])
        #expect(ReportCLITests.values("data-source-start", in: html) == ["2025-07-18T12:32:33.125000-07:00", "2025-07-18T12:32:35.275046-07:00"])
        #expect(html.contains("Data stream 1 · behavior, behavior-videos, fib"))
        // The shared clock and the two files that describe it.
        #expect(ReportCLITests.values("data-clock-generator", in: html) == ["harp_clock_generator"])
        #expect(ReportCLITests.values("data-clock-source", in: html) == ["instrument_behavior.json", "instrument_fiber.json"])
        // The reference-name warnings.
        #expect(ReportCLITests.values("data-severity", in: html) == ["warning", "warning", "warning"])
        for device in ["560nm LED", "Fiber 0", "Fiber 1"] {
            #expect(html.contains("active device &#39;\(device)&#39; is not a component of the instrument") || html.contains("active device '\(device)' is not a component of the instrument"))
        }

        // `rigmap report` on the same folder writes the same bytes, every time.
        let again = try rigmap(["report", out.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try String(contentsOf: page, encoding: .utf8) == html)
    }

    @Test func gatherJSONKeepsStandardOutputJSON() throws {
        let out = temporaryFolder()
        let session = packageRoot.appendingPathComponent("Examples/fip-session")
        let result = try rigmap(["gather", session.path, "--job", session.appendingPathComponent("job.yaml").path, "--output", out.path, "--report", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONParser.parse(result.stdout)["status"] == "ok")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        // The documents given in the session are read from it: their streams and hashes are on the page.
        #expect(ReportCLITests.values("data-source-file", in: html) == ["acquisition_behavior.json", "acquisition_fiber.json"])
        #expect(ReportCLITests.values("data-given", in: html) == ["acquisition_behavior.json", "instrument_behavior.json", "instrument_fip.json"])
        let given = try Data(contentsOf: session.appendingPathComponent("instrument_fip.json"))
        #expect(html.contains(Digest.sha256(Array(given))))
    }

    @Test func badFoldersExitTwoAndWriteNothing() throws {
        let missing = temporaryFolder()
        let result = try rigmap(["report", missing.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains(missing.path))
        #expect(!FileManager.default.fileExists(atPath: missing.path))

        let out = temporaryFolder()
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("{\"object_type\": \"Acquisition\", ]".utf8).write(to: out.appendingPathComponent("acquisition.json"))
        let malformed = try rigmap(["report", out.path])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("acquisition.json:1:"), "\(malformed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
    }

    @Test func aBatchGetsItsPageWithFailedSessionsFirstAndWorkingLinks() throws {
        let (base, root, job) = try BatchCLITests.sessions(3)
        let out = base.appendingPathComponent("out")
        _ = try rigmap(["batch", root.path, "--job", job.path, "--output", out.path])
        let result = try rigmap(["report", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("(3 sessions; 2 session pages)"))
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(ReportCLITests.values("data-session", in: html) == ["s002", "s000", "s001"])
        #expect(ReportCLITests.values("data-status", in: html) == ["refused", "ok", "ok"])
        #expect(html.contains("malformed JSON"))
        let links = ReportCLITests.values("href", in: html).filter { !$0.hasPrefix("#") }
        #expect(links == ["s000/report.html", "s001/report.html"])
        for link in links { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(link).path)) }
    }
}
