import Batch
import MetadataModel

/// Renders a batch's page from its catalog: counts per status, the mapper-version histogram, and every session in a
/// table (failed sessions first) linking to the session's own page.
struct BatchPage {
    let name: String
    let entries: [CatalogEntry]
    /// Session name → relative link to its page (sessions without a page have none).
    let links: [String: String]
    let options: ReportOptions

    /// The order statuses are listed in: the ones that need a look first. A status this rigmap does not know (a
    /// newer rigmap's) comes after the known failures and before partial and ok. The script sorts by the same ranks.
    static let statusRanks: [String: Int] = ["crashed": 0, "timed_out": 1, "refused": 2, "bad_input": 3, "catalog_failed": 4, "partial": 6, "ok": 7]

    static func rank(_ status: String) -> Int {
        statusRanks[status] ?? 5
    }

    /// `12,345`: digits grouped by three, whatever the locale.
    static func grouped(_ n: Int) -> String {
        var digits = String(n.magnitude)
        var out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return (n < 0 ? "-" : "") + digits + out
    }

    /// Sessions failed first (by status, then name), then ok ones by name.
    static func sorted(_ entries: [CatalogEntry]) -> [CatalogEntry] {
        entries.sorted { a, b in
            let (ra, rb) = (rank(a.status), rank(b.status))
            if ra != rb { return ra < rb }
            return a.session.utf8.lexicographicallyPrecedes(b.session.utf8)
        }
    }

    /// The diagnostic a row shows: the first error when there is one, else the first diagnostic.
    static func firstDiagnostic(_ entry: CatalogEntry) -> String? {
        entry.diagnostics.first { $0.contains(": error: ") || $0.hasPrefix("error: ") } ?? entry.diagnostics.first
    }

    /// Rows per table of the sessions list.
    static let chunkSize = 100

    /// The sessions list's columns: sort key and title.
    static let columns: [(String, String)] = [("session", "Session"), ("status", "Status"), ("mappers", "Mapper versions"), ("recorded", "Recorded (UTC)"), ("diagnostic", "First diagnostic")]

    /// `<colgroup>` and `<thead>`: the visible header (sortable by click with scripts on; hidden from assistive
    /// technology, which reads each table's own header) or a table's own header, visually hidden.
    static func columnHeaders(_ w: inout HTMLWriter, sortable: Bool) {
        w.raw("<colgroup><col class=\"c-session\"><col class=\"c-status\"><col class=\"c-mappers\"><col class=\"c-recorded\"><col class=\"c-diagnostic\"></colgroup>")
        w.open("thead", ["class": sortable ? nil : "visually-hidden"])
        w.open("tr")
        for (key, title) in columns {
            w.element("th", ["scope": "col", "data-sort": sortable ? key : nil], text: title)
        }
        w.close("tr")
        w.close("thead")
    }

    /// One session's row: `data-session` and `data-status` for tests and the script, `data-mappers` (one
    /// `name@version` a line) for the version filter.
    func row(_ w: inout HTMLWriter, _ entry: CatalogEntry) {
        let first = BatchPage.firstDiagnostic(entry)
        w.open("tr", ["data-session": entry.session, "data-status": entry.status, "data-mappers": entry.mappers.map { "\($0.name)@\($0.version)" }.joined(separator: "\n")])
        w.element("th", ["scope": "row"]) { w in
            if let link = links[entry.session] {
                w.element("a", ["href": link], text: entry.session)
            } else {
                w.text(entry.session)
            }
        }
        w.element("td") { w in
            w.element("span", ["class": "status status-\(SessionPage.statusClass(entry.status))"], text: entry.status)
            if entry.attempts > 1 { w.element("div", ["class": "note"], text: "\(entry.attempts) attempts") }
        }
        w.element("td", text: entry.mappers.map { $0.outcome == "failed" ? "\($0.name)@\($0.version) (failed)" : "\($0.name)@\($0.version)" }.joined(separator: ", "))
        w.element("td") { w in
            // May break after the date only.
            if let t = entry.recordedAt.firstIndex(of: "T") {
                let split = entry.recordedAt.index(after: t)
                w.text(String(entry.recordedAt[..<split]))
                w.raw("<wbr>")
                w.text(String(entry.recordedAt[split...]))
            } else {
                w.text(entry.recordedAt)
            }
        }
        w.element("td") { w in
            guard let first else {
                w.text("—")
                return
            }
            w.text(first)
            if entry.status != "ok" && entry.diagnostics.count > 1 {
                w.element("details") { w in
                    w.element("summary", text: "all \(entry.diagnostics.count) diagnostics")
                    w.open("ul")
                    for diagnostic in entry.diagnostics { w.element("li", text: diagnostic) }
                    w.close("ul")
                }
            } else if entry.diagnostics.count > 1 {
                w.element("span", ["class": "note"], text: " (+\(entry.diagnostics.count - 1) more)")
            }
        }
        w.close("tr")
    }

    func render() -> [UInt8] {
        var w = HTMLWriter()
        let assets = PageAssets(style: Assets.style, script: Assets.batchScript)
        assets.head(&w, title: "Batch \(name) — rigmap report", generator: options.generator)
        w.open("body", ["data-page": "batch"])
        w.element("a", ["class": "skip", "href": "#main"], text: "Skip to the content")
        let sorted = BatchPage.sorted(entries)
        var counts: [String: Int] = [:]
        for entry in entries { counts[entry.status, default: 0] += 1 }
        let statuses = counts.keys.sorted { (BatchPage.rank($0), $0) < (BatchPage.rank($1), $1) }
        let failed = entries.filter { $0.status != "ok" }.count

        w.open("header", ["class": "page"])
        w.element("h1") { w in
            w.text("Batch ")
            w.element("span", ["class": "mono"], text: name)
        }
        w.element(
            "p", text: "\(BatchPage.grouped(entries.count)) session\(entries.count == 1 ? "" : "s") in the catalog, \(BatchPage.grouped(failed)) not ok. Each session's page is linked from its row.")
        w.element("nav", ["aria-label": "Sections"]) { w in
            w.open("ul")
            for (anchor, title) in [("#statuses", "By status"), ("#versions", "Mapper versions"), ("#sessions-section", "Sessions")] {
                w.element("li") { w in w.element("a", ["href": anchor], text: title) }
            }
            w.close("ul")
        }
        w.close("header")
        w.open("main", ["id": "main"])

        // Counts per status.
        w.open("section", ["id": "statuses", "aria-labelledby": "statuses-title"])
        w.element("h2", ["id": "statuses-title"], text: "Sessions by status")
        w.open("table", ["class": "counts"])
        w.raw("<thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Sessions</th></tr></thead>")
        w.open("tbody")
        for status in statuses {
            w.open("tr", ["data-count-status": status])
            w.element("th", ["scope": "row"]) { w in
                w.element("span", ["class": "status status-\(SessionPage.statusClass(status))"], text: status)
            }
            w.element("td") { w in
                w.element("span", ["data-count": ""], text: BatchPage.grouped(counts[status] ?? 0))
                w.text(" ")
                w.element("button", ["type": "button", "hidden": "", "data-filter-status": status], text: "Show in the table")
            }
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("section")

        // Mapper versions.
        var users: [String: [String]] = [:]
        for entry in entries {
            for mapper in entry.mappers { users["\(mapper.name)@\(mapper.version)", default: []].append(entry.session) }
        }
        let versions = users.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        w.open("section", ["id": "versions", "aria-labelledby": "versions-title"])
        w.element("h2", ["id": "versions-title"], text: "Mapper versions")
        if versions.isEmpty {
            w.element("p", ["class": "muted"], text: "No session records a mapper.")
        } else {
            w.open("table", ["class": "histogram"])
            w.element("caption", text: "Which sessions used each mapper version (rigmap catalog OUT --mapper NAME@VERSION lists them)")
            w.raw("<thead><tr><th scope=\"col\">Mapper version</th><th scope=\"col\">Sessions</th><th scope=\"col\">Share</th><th scope=\"col\">Which</th></tr></thead>")
            w.open("tbody")
            let total = max(entries.count, 1)
            for version in versions {
                let sessions = (users[version] ?? []).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                w.open("tr", ["data-mapper-version": version])
                w.element("th", ["scope": "row", "class": "mono"], text: version)
                w.element("td", ["data-count": ""], text: BatchPage.grouped(sessions.count))
                w.element("td") { w in
                    let width = 160.0 * Double(sessions.count) / Double(total)
                    w.open("svg", ["class": "hbar", "width": "160", "height": "12", "viewBox": "0 0 160 12", "aria-hidden": "true"])
                    w.void("rect", ["x": "0", "y": "0", "width": Timeline.number(max(width, 1)), "height": "12"], selfClosing: true)
                    w.close("svg")
                    w.text(" \(sessions.count * 100 / total) %")
                }
                w.element("td") { w in
                    w.element("button", ["type": "button", "hidden": "", "data-filter-mapper": version], text: "Show in the table")
                    w.element("details") { w in
                        w.element("summary", text: "\(BatchPage.grouped(sessions.count)) session\(sessions.count == 1 ? "" : "s")")
                        let listed = sessions.prefix(200)
                        w.element("p", ["class": "mono"], text: listed.joined(separator: ", ") + (sessions.count > listed.count ? " … and \(sessions.count - listed.count) more" : ""))
                    }
                }
                w.close("tr")
            }
            w.close("tbody")
            w.close("table")
        }
        w.close("section")

        // Sessions: a header table (sticky, the sort controls) and the rows in tables of `chunkSize`, each laid out only
        // when it comes near the viewport (`content-visibility: auto`): a 10,000-row table would take seconds to lay
        // out at once. The column widths are fixed, so the tables line up as one.
        w.open("section", ["id": "sessions-section", "aria-labelledby": "sessions-title"])
        w.element("h2", ["id": "sessions-title"], text: "Sessions")
        w.open("div", ["id": "filters", "class": "filters", "hidden": "", "role": "search", "aria-label": "Filter and sort the sessions"])
        w.element("label") { w in
            w.text("Search")
            w.void("input", ["type": "search", "id": "filter-text", "placeholder": "session, version, diagnostic…"])
        }
        w.element("label") { w in
            w.text("Status")
            w.open("select", ["id": "filter-status"])
            w.element("option", ["value": ""], text: "any")
            w.element("option", ["value": "failed"], text: "not ok")
            for status in statuses { w.element("option", ["value": status], text: status) }
            w.close("select")
        }
        w.element("label") { w in
            w.text("Mapper version")
            w.open("select", ["id": "filter-mapper"])
            w.element("option", ["value": ""], text: "any")
            for version in versions { w.element("option", ["value": version], text: version) }
            w.close("select")
        }
        w.element("label") { w in
            w.text("Sort by")
            w.open("select", ["id": "sort-by"])
            for (value, title) in BatchPage.columns where value != "" {
                w.element("option", ["value": value], text: value == "status" ? "\(title) (failed first)" : title)
            }
            for (value, title) in BatchPage.columns where value != "" {
                w.element("option", ["value": "-" + value], text: "\(title), reversed")
            }
            w.close("select")
        }
        w.element("button", ["type": "button", "id": "filter-clear"], text: "Clear")
        w.element("p", ["id": "shown", "aria-live": "polite"], text: "")
        w.close("div")
        w.element("p", ["class": "note"], text: "Failed sessions first, then by name. With scripts on, the fields above filter and sort the table.")
        w.open("div", ["id": "sessions", "class": "sessions", "data-rows": String(sorted.count)])
        w.open("table", ["class": "sessions sessions-head", "aria-hidden": "true"])
        BatchPage.columnHeaders(&w, sortable: true)
        w.close("table")
        let chunks = stride(from: 0, to: sorted.count, by: BatchPage.chunkSize).map { sorted[$0..<min($0 + BatchPage.chunkSize, sorted.count)] }
        for (c, chunk) in chunks.enumerated() {
            let first = c * BatchPage.chunkSize + 1
            w.open("div", ["class": "chunk"])
            w.open("table", ["class": "sessions"])
            w.element("caption", ["class": "visually-hidden"], text: "Sessions \(first) to \(first + chunk.count - 1) of \(sorted.count), failed first")
            BatchPage.columnHeaders(&w, sortable: false)
            w.open("tbody")
            for entry in chunk { row(&w, entry) }
            w.close("tbody")
            w.close("table")
            w.close("div")
        }
        if sorted.isEmpty { w.element("p", text: "The catalog has no session.") }
        w.close("div")
        w.close("section")
        w.close("main")
        w.open("footer", ["class": "page"])
        w.element(
            "p",
            text:
                "Written by \(options.generator) from \(name)/rigmap-catalog.sqlite. The page fetches nothing; its script only sorts and filters the table."
        )
        w.close("footer")
        assets.finish(&w)
        return Array(w.html.utf8)
    }
}
