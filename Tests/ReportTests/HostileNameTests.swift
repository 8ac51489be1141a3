import Batch
import Foundation
import MapperTesting
import MetadataModel
import RigMapperCore
import Testing

@testable import Report

/// Pages made from documents, file names, catalogs and diagnostics full of markup, script and quote pieces: parsed
/// as a browser tokenizes them, the only elements, attributes and scripts are the page's own, and every name shows as
/// the text it is.
@Suite struct HostileNameTests {
    /// Elements and attributes the pages write; anything else in a page came from input.
    static let elements: Set<String> = [
        "html", "head", "meta", "title", "style", "body", "a", "header", "h1", "h2", "h3", "span", "dl", "dt", "dd", "nav", "ul", "li", "main", "section",
        "figure", "div", "svg", "g", "line", "text", "rect", "figcaption", "table", "caption", "thead", "tbody", "tr", "th", "td", "p", "details",
        "summary", "pre", "code", "br", "wbr", "footer", "script", "colgroup", "col", "button", "label", "input", "select", "option",
    ]
    static let attributes: Set<String> = [
        "lang", "charset", "http-equiv", "content", "name", "data-page", "class", "href", "data-session-name", "data-gather-status", "aria-label", "id",
        "aria-labelledby", "xmlns", "viewbox", "width", "height", "role", "data-domain-start-us", "data-domain-end-us", "data-plot-left", "data-plot-width",
        "data-axis-offset", "aria-hidden", "x1", "x2", "y1", "y2", "x", "y", "tabindex", "data-tip", "data-stream", "data-start", "data-end", "data-epoch",
        "data-epoch-start", "data-epoch-end", "data-source-file", "data-source-start", "data-source-end", "data-acquisition-start", "data-acquisition-end",
        "rx", "text-anchor", "scope", "data-device-type", "data-component", "data-clock-generator", "data-clock-source", "data-field", "data-severity",
        "data-message", "data-validated", "data-valid", "data-mapper", "data-version-source", "data-inputs-of", "data-file", "data-given", "data-document",
        "type", "data-count-status", "data-count", "hidden", "data-filter-status", "data-mapper-version", "data-filter-mapper", "placeholder", "value",
        "aria-live", "data-rows", "data-sort", "data-session", "data-status", "data-mappers",
    ]

    /// Checks a page parsed as a browser would: known elements and attributes only, every attribute value quoted,
    /// `scripts` scripts (the data island and the page's own), the island's JSON intact.
    static func checkStructure(_ html: String, scripts expected: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Tokens {
        let tokens = Tokens(html)
        let unknownElements = Set(tokens.tags.map(\.name)).subtracting(elements)
        #expect(unknownElements.isEmpty, "elements from input: \(unknownElements)", sourceLocation: sourceLocation)
        let unknownAttributes = Set(tokens.tags.flatMap { $0.attributes.map(\.name) }).subtracting(attributes)
        #expect(unknownAttributes.isEmpty, "attributes from input: \(unknownAttributes)", sourceLocation: sourceLocation)
        #expect(tokens.tags.allSatisfy { $0.attributes.allSatisfy(\.quoted) }, "an unquoted attribute value", sourceLocation: sourceLocation)
        for tag in tokens.tags {
            for attribute in tag.attributes {
                #expect(!attribute.value.contains("<") && !attribute.value.contains(">"), "\(tag.name) \(attribute.name)", sourceLocation: sourceLocation)
            }
        }
        #expect(tokens.comments == 0, sourceLocation: sourceLocation)
        #expect(tokens.scripts.map(\.content).filter { $0.first != "{" } == expected, sourceLocation: sourceLocation)
        for island in tokens.scripts where island.tag.value("type") == "application/json" {
            for forbidden in ["<", ">", "&", "\u{2028}", "\u{2029}"] { #expect(!island.content.contains(forbidden), sourceLocation: sourceLocation) }
            #expect((try? JSONParser.parse(island.content)) != nil, sourceLocation: sourceLocation)
        }
        return tokens
    }

    @Test(arguments: 0..<24) func hostileSessionPages(seed: UInt64) throws {
        var g = SeededGenerator(state: seed &* 7919 &+ 17)
        var names = FixtureNames()
        names.session = hostileName(&g, fileSafe: true)
        names.behaviorDevice = hostileName(&g)
        names.clock = hostileName(&g)
        names.camera = hostileName(&g)
        names.modality = hostileName(&g)
        names.stimulus = hostileName(&g)
        // The mapper and the source file are also keys of rigmap.lock, whose writer (LockFile.yaml) does not yet escape
        // U+0085, U+2028 and U+2029, which YAML reads as line breaks: kept out of these two until it does.
        let yamlBreaks: Set<Unicode.Scalar> = ["\u{85}", "\u{2028}", "\u{2029}"]
        func lockSafe(_ name: String) -> String { String(String.UnicodeScalarView(name.unicodeScalars.filter { !yamlBreaks.contains($0) })) }
        names.sourceFile = lockSafe(hostileName(&g, fileSafe: true))
        names.mapper = lockSafe(hostileName(&g))
        names.note = hostileName(&g)
        names.warning = hostileName(&g)
        if seed % 4 == 3 { names.streamStart = hostileName(&g) }
        let fixture = try SessionFixture(names)
        let html = try fixture.page()
        let tokens = HostileNameTests.checkStructure(html, scripts: [Assets.sessionScript.description])
        #expect(tokens.scripts.count == 2)

        // Each name shows as itself (controls as U+FFFD) in the text, and the attributes hold it exactly.
        let text = tokens.allText
        for name in [names.session, names.behaviorDevice, names.clock, names.camera, names.modality, names.stimulus, names.note, names.warning] {
            #expect(text.contains(shown(name)), "not shown: \(name.debugDescription)")
        }
        #expect(tokens.elements(with: "data-clock-generator").map { $0.value("data-clock-generator") } == [shown(names.clock)])
        let bar = tokens.elements(with: "data-start").first { $0.value("data-stream") == "0" }
        #expect(bar?.value("data-start") == shown(names.streamStart))
        #expect(tokens.elements(with: "data-source-file").first?.value("data-source-file") == shown("acquisition_\(names.sourceFile).json"))
        #expect(tokens.elements(with: "data-mapper").first?.value("data-mapper") == shown("\(names.mapper)@1.0.0"))
        // The data island gives the exact strings back to the script.
        let island = try JSONParser.parse(tokens.scripts.first?.content ?? "")
        let devices: JSONValue? = island["timelines"]?["timeline-0"]?["s0"]?["devices"]
        let expected: JSONValue = .strings([names.behaviorDevice, names.clock, names.camera])
        #expect(devices == expected)
        #expect(island["timelines"]?["timeline-0"]?["e0"]?["title"]?.stringValue?.contains(names.stimulus) == true)
    }

    @Test(arguments: 0..<12) func hostileBatchPages(seed: UInt64) throws {
        var g = SeededGenerator(state: seed &* 104_729 &+ 5)
        var entries: [CatalogEntry] = []
        var links: [String: String] = [:]
        for i in 0..<6 {
            let session = hostileName(&g) + String(i)
            let status = i == 3 ? hostileName(&g) : ["ok", "refused", "crashed"][i % 3]
            let mapper = CatalogEntry.MapperRun(name: hostileName(&g), version: hostileName(&g), configSHA256: "aa", outcome: i == 1 ? "failed" : "ran")
            entries.append(
                CatalogEntry(
                    session: session, path: hostileName(&g), status: status, exitCode: 1, inputSHA256: "x", jobSHA256: "y", fingerprint: "z", mappers: [mapper],
                    outputs: [:], diagnostics: [hostileName(&g), hostileName(&g)], recordedAt: hostileName(&g)))
            if i % 2 == 0 { links[session] = HTMLEscape.pathSegment(session) + "/report.html" }
        }
        let html = String(decoding: Report.batchPage(name: hostileName(&g), entries: entries, links: links), as: UTF8.self)
        let tokens = HostileNameTests.checkStructure(html, scripts: [Assets.batchScript.description])
        #expect(tokens.scripts.count == 1)
        let rows = tokens.elements(with: "data-session")
        #expect(Set(rows.compactMap { $0.value("data-session") }) == Set(entries.map { shown($0.session) }))
        for entry in entries {
            let row = rows.first { $0.value("data-session") == shown(entry.session) }
            #expect(row?.value("data-status") == shown(entry.status))
            #expect(row?.value("data-mappers") == shown(entry.mappers.map { "\($0.name)@\($0.version)" }.joined(separator: "\n")))
        }
        let text = tokens.allText
        for entry in entries {
            #expect(text.contains(shown(entry.session)) && text.contains(shown(entry.diagnostics[0])))
        }
        for tag in tokens.elements(with: "href") {
            let href = tag.value("href") ?? ""
            #expect(href.hasPrefix("#") || href.unicodeScalars.allSatisfy { CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%/").contains($0) })
        }
        #expect(tokens.elements("a").filter { $0.value("href")?.hasSuffix("/report.html") == true }.count == 3)
    }
}
