import AindSchemas
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore

/// Renders one session's page from what its output folder holds (see ``SessionFolder``).
struct SessionPage {
    let folder: SessionFolder
    let options: ReportOptions

    /// Documents larger than this are listed, not shown in full.
    static let maximumShownDocumentBytes = 2 << 20

    /// The page as UTF-8.
    func render() -> [UInt8] {
        var w = HTMLWriter()
        let assets = PageAssets(style: Assets.style, script: Assets.sessionScript)
        assets.head(&w, title: "Session \(folder.name) — rigmap report", generator: options.generator)
        w.open("body", ["data-page": "session"])
        w.element("a", ["class": "skip", "href": "#main"], text: "Skip to the content")
        let timelines = folder.acquisitions.map { Timeline(acquisition: $0.value, sources: folder.acquisitions.count == 1 ? folder.sourceAcquisitions : []) }
        header(&w, timelines: timelines)
        w.open("main", ["id": "main"])
        timelineSection(&w, timelines: timelines)
        instrumentSection(&w)
        checksSection(&w, timelines: timelines)
        provenanceSection(&w)
        documentsSection(&w)
        w.close("main")
        w.open("footer", ["class": "page"])
        w.element(
            "p",
            text:
                "Written by \(options.generator) from the files of the output folder \(folder.name). The page fetches nothing; its script only shows tooltips and opens sections for printing."
        )
        w.close("footer")
        var islands = JSONObject()
        for (i, timeline) in timelines.enumerated() { islands["timeline-\(i)"] = timeline.tooltipJSON() }
        w.json(id: "report-data", JSONWriter.compactString(["timelines": .object(islands)]))
        assets.finish(&w)
        return Array(w.html.utf8)
    }

    // MARK: Header

    private func header(_ w: inout HTMLWriter, timelines: [Timeline]) {
        w.open("header", ["class": "page"])
        if let back = options.batchLink {
            w.element("p", ["class": "crumb"]) { w in
                w.element("a", ["href": back], text: "← The batch")
            }
        }
        w.element("h1") { w in
            w.text("Session ")
            w.element("span", ["class": "mono", "data-session-name": folder.name], text: folder.name)
        }
        w.open("dl", ["class": "facts"])
        if let gather = folder.gather {
            w.element("dt", text: "Gather")
            w.element("dd") { w in
                w.element("span", ["class": "status status-\(SessionPage.statusClass(gather.status))", "data-gather-status": gather.status], text: gather.status)
                w.text(" — \(gather.errors.count) error\(gather.errors.count == 1 ? "" : "s"), \(gather.warnings.count) warning\(gather.warnings.count == 1 ? "" : "s")")
            }
        } else {
            w.element("dt", text: "Made by")
            w.element("dd", text: "rigmap map (no gather_report.json here)")
        }
        if let acquisition = folder.acquisitions.first?.value {
            for (label, key) in [("Subject", "subject_id"), ("Acquisition type", "acquisition_type"), ("Instrument", "instrument_id")] {
                guard let value = acquisition[key]?.stringValue, !value.isEmpty else { continue }
                w.element("dt", text: label)
                w.element("dd", text: value)
            }
            if let timeline = timelines.first, let item = timeline.items.first(where: { $0.kind == .acquisition }) {
                w.element("dt", text: "Acquired")
                w.element("dd") { w in
                    w.element("span", ["class": "mono"], text: "\(item.startText ?? "—") → \(item.endText ?? "—")")
                    if let s = item.start, let e = item.end { w.text(" (\(Timeline.duration(e.micros - s.micros)))") }
                }
            }
        } else if let instrument = folder.instruments.first?.value, let id = instrument["instrument_id"]?.stringValue {
            w.element("dt", text: "Instrument")
            w.element("dd", text: id)
        }
        w.close("dl")
        w.element("nav", ["aria-label": "Sections"]) { w in
            w.open("ul")
            for (anchor, title) in [("#timeline", "Timeline"), ("#instrument", "Instrument"), ("#checks", "Checks"), ("#provenance", "Provenance"), ("#documents", "Documents")] {
                w.element("li") { w in w.element("a", ["href": anchor], text: title) }
            }
            w.close("ul")
        }
        w.close("header")
    }

    static func statusClass(_ status: String) -> String {
        ["ok", "partial", "refused", "bad_input", "crashed", "timed_out", "catalog_failed"].contains(status) ? status : "unknown"
    }

    // MARK: Timeline

    private func timelineSection(_ w: inout HTMLWriter, timelines: [Timeline]) {
        w.open("section", ["id": "timeline", "aria-labelledby": "timeline-title"])
        w.element("h2", ["id": "timeline-title"], text: "Timeline")
        if timelines.isEmpty {
            w.element("p", text: "No acquisition document here: nothing to draw.")
        }
        for (i, timeline) in timelines.enumerated() {
            let document = folder.acquisitions[i].name
            if timelines.count > 1 { w.element("h3", text: document) }
            w.open("figure")
            w.open("div", ["class": "table-wrap"])
            timeline.writeSVG(&w, id: "timeline-\(i)", document: document)
            w.close("div")
            var caption = "Each bar runs from its start to its end as \(document) gives them. "
            if timeline.axisOffset != nil {
                caption += "Times in \(Timeline.offsetName(timeline.axisOffset)), the offset \(timeline.offsetSource) was written with"
            } else {
                caption += "The times carry no UTC offset: shown as written"
            }
            caption += "; the axis starts on \(timeline.startDate). Hover over or focus a bar (Tab) for its exact times and active devices."
            w.element("figcaption", text: caption)
            w.close("figure")
            streamTable(&w, timeline: timeline, document: document)
        }
        w.close("section")
    }

    private func streamTable(_ w: inout HTMLWriter, timeline: Timeline, document: String) {
        let rows = timeline.items
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "streams"])
        w.element("caption", text: "The bars of the timeline, with the exact times \(document) and the source documents give")
        w.raw("<colgroup><col class=\"c-bar\"><col class=\"c-label\"><col class=\"c-time\"><col class=\"c-time\"><col class=\"c-duration\"><col></colgroup>")
        w.raw("<thead><tr><th scope=\"col\">Bar</th><th scope=\"col\">Modalities or stimulus</th><th scope=\"col\">Start</th><th scope=\"col\">End</th><th scope=\"col\">Duration</th><th scope=\"col\">Active devices</th></tr></thead>")
        w.open("tbody")
        for item in rows {
            w.open("tr", ["class": "row-\(SessionPage.kindName(item.kind))"])
            w.element("th", ["scope": "row"], text: item.title)
            w.element("td", text: item.label)
            SessionPage.timeCell(&w, item.startText)
            SessionPage.timeCell(&w, item.endText)
            w.element("td") { w in
                if let s = item.start, let e = item.end { w.text(Timeline.duration(e.micros - s.micros)) } else { w.text("—") }
                for problem in item.problems {
                    w.element("div", ["class": "note"], text: problem)
                }
            }
            w.element("td", ["class": "devices"], text: item.devices.isEmpty ? "—" : item.devices.joined(separator: ", "))
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
    }

    /// A time as written, allowed to break only between its date, its time of day and its offset.
    static func timeCell(_ w: inout HTMLWriter, _ text: String?) {
        w.element("td", ["class": "mono time"]) { w in
            guard let text else {
                w.text("—")
                return
            }
            var parts: [Substring] = []
            var rest = text[...]
            if let t = rest.firstIndex(where: { $0 == "T" || $0 == " " }), t != rest.startIndex {
                parts.append(rest[...t])
                rest = rest[rest.index(after: t)...]
            }
            if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" || $0 == "Z" }), sign != rest.startIndex {
                parts.append(rest[..<sign])
                rest = rest[sign...]
            }
            parts.append(rest)
            for (i, part) in parts.enumerated() {
                if i > 0 { w.raw("<wbr>") }
                w.element("span", text: String(part))
            }
        }
    }

    static func kindName(_ kind: TimelineItem.Kind) -> String {
        switch kind {
        case .acquisition: return "acquisition"
        case .stream: return "stream"
        case .source: return "source"
        case .epoch: return "epoch"
        }
    }

    // MARK: Instrument

    /// A shared clock's description, from the gather report's notes: which file described it first and what the
    /// later one added.
    struct ClockNote {
        var text: String
        var first: String?
        var second: String?
        /// Fields the second file supplied (empty: it added nothing).
        var fromSecond: [String] = []
    }

    static func clockNotes(_ notes: [String], name: String) -> [ClockNote] {
        var out: [ClockNote] = []
        let keptOnce = "shared clock generator '\(name)' kept once: the definition in "
        let added = "shared clock generator '\(name)': "
        for note in notes {
            if note.hasPrefix(keptOnce) {
                var clock = ClockNote(text: note)
                let rest = note.dropFirst(keptOnce.count)
                if let split = rest.range(of: " is compatible with ") {
                    clock.second = String(rest[..<split.lowerBound])
                    var first = String(rest[split.upperBound...])
                    if first.hasSuffix("'s and adds nothing") { first.removeLast("'s and adds nothing".count) }
                    clock.first = first
                }
                out.append(clock)
            } else if note.hasPrefix(added) {
                var clock = ClockNote(text: note)
                let rest = note.dropFirst(added.count)
                if let split = rest.range(of: ", everything else from ", options: .backwards) {
                    clock.first = String(rest[split.upperBound...])
                    let left = rest[..<split.lowerBound]
                    if let from = left.range(of: " from ", options: .backwards) {
                        clock.second = String(left[from.upperBound...])
                        clock.fromSecond = left[..<from.lowerBound].components(separatedBy: ", ")
                    }
                }
                out.append(clock)
            } else if note.contains("'\(name)'") {
                out.append(ClockNote(text: note))
            }
        }
        return out
    }

    private func instrumentSection(_ w: inout HTMLWriter) {
        w.open("section", ["id": "instrument", "aria-labelledby": "instrument-title"])
        w.element("h2", ["id": "instrument-title"], text: "Instrument")
        if folder.instruments.isEmpty {
            w.element("p", text: "No instrument document here.")
        }
        let activeIn = activeDevices()
        for document in folder.instruments {
            let instrument = document.value
            if folder.instruments.count > 1 { w.element("h3", text: document.name) }
            w.open("dl", ["class": "facts"])
            for (label, key) in [("Instrument id", "instrument_id"), ("Location", "location"), ("Modified", "modification_date")] {
                guard let value = instrument[key]?.stringValue else { continue }
                w.element("dt", text: label)
                w.element("dd", text: value)
            }
            let modalities = (instrument["modalities"]?.arrayValue ?? []).compactMap { $0["abbreviation"]?.stringValue }
            if !modalities.isEmpty {
                w.element("dt", text: "Modalities")
                w.element("dd", text: modalities.joined(separator: ", "))
            }
            let components = instrument["components"]?.arrayValue ?? []
            w.element("dt", text: "Components")
            w.element("dd", text: String(components.count))
            w.close("dl")

            let sources = folder.sourceInstruments
            for component in components where component["is_clock_generator"]?.boolValue == true {
                clockGenerator(&w, component: component, instrument: instrument, sources: sources)
            }
            if let notes = instrument["notes"]?.stringValue, !notes.isEmpty {
                w.element("p", ["class": "note"], text: "Notes: \(notes)")
            }
            var groups: [String: [JSONValue]] = [:]
            for component in components {
                groups[component["object_type"]?.stringValue ?? "(no object_type)", default: []].append(component)
            }
            for type in groups.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                let members = groups[type] ?? []
                w.open("section", ["class": "group", "data-device-type": type])
                w.element("h3", text: "\(type) (\(members.count))")
                w.open("div", ["class": "table-wrap"])
                w.open("table", ["class": "components"])
                w.open("thead")
                w.raw("<tr><th scope=\"col\">Name</th><th scope=\"col\">Manufacturer</th><th scope=\"col\">Model or type</th><th scope=\"col\">Serial number</th><th scope=\"col\">Active in</th>")
                if !sources.isEmpty { w.raw("<th scope=\"col\">Described in</th>") }
                w.raw("</tr>")
                w.close("thead")
                w.open("tbody")
                for component in members {
                    let name = component["name"]?.stringValue ?? "(no name)"
                    let isClock = component["is_clock_generator"]?.boolValue == true
                    w.open("tr", ["data-component": name])
                    w.element("th", ["scope": "row"]) { w in
                        w.text(name)
                        if isClock { w.element("span", ["class": "badge"], text: "clock generator") }
                    }
                    w.element("td", text: component["manufacturer"]?["name"]?.stringValue ?? "—")
                    let model = component["model"]?.stringValue ?? component["harp_device_type"]?["name"]?.stringValue ?? "—"
                    w.element("td", text: model)
                    w.element("td", text: component["serial_number"]?.stringValue ?? "—")
                    w.element("td", text: activeIn[name].map { $0.joined(separator: ", ") } ?? "—")
                    if !sources.isEmpty {
                        let defining = sources.filter { SessionPage.component(named: name, in: $0.value) != nil }.map(\.name)
                        w.element("td", text: defining.isEmpty ? "—" : defining.joined(separator: ", "))
                    }
                    w.close("tr")
                }
                w.close("tbody")
                w.close("table")
                w.close("div")
                w.close("section")
            }
        }
        w.close("section")
    }

    /// Device name → the data streams and epochs it is active in (`stream 1`, `epoch 2`).
    private func activeDevices() -> [String: [String]] {
        var out: [String: [String]] = [:]
        guard let acquisition = folder.acquisitions.first?.value else { return out }
        for (i, stream) in (acquisition["data_streams"]?.arrayValue ?? []).enumerated() {
            for device in Set((stream["active_devices"]?.arrayValue ?? []).compactMap(\.stringValue)) { out[device, default: []].append("stream \(i + 1)") }
        }
        for (i, epoch) in (acquisition["stimulus_epochs"]?.arrayValue ?? []).enumerated() {
            for device in Set((epoch["active_devices"]?.arrayValue ?? []).compactMap(\.stringValue)) { out[device, default: []].append("epoch \(i + 1)") }
        }
        return out
    }

    static func component(named name: String, in instrument: JSONValue) -> JSONValue? {
        (instrument["components"]?.arrayValue ?? []).first { $0["name"]?.stringValue == name }
    }

    private func clockGenerator(_ w: inout HTMLWriter, component: JSONValue, instrument: JSONValue, sources: [ShownDocument]) {
        let name = component["name"]?.stringValue ?? "(no name)"
        let notes = SessionPage.clockNotes(folder.gather?.notes ?? [], name: name)
        let defining = sources.filter { SessionPage.component(named: name, in: $0.value) != nil }
        var files: [String] = []
        for file in defining.map(\.name) + notes.flatMap({ [$0.first, $0.second].compactMap { $0 } }) where !files.contains(file) { files.append(file) }
        w.open("div", ["class": "clock", "data-clock-generator": name])
        w.element("h3") { w in
            w.text("Clock generator: ")
            w.element("span", ["class": "mono"], text: name)
        }
        var facts: [String] = [component["object_type"]?.stringValue ?? ""]
        if let type = component["harp_device_type"]?["name"]?.stringValue { facts.append(type) }
        if let serial = component["serial_number"]?.stringValue { facts.append("serial number \(serial)") }
        if let firmware = component["firmware_version"]?.stringValue { facts.append("firmware \(firmware)") }
        w.element("p", text: facts.filter { !$0.isEmpty }.joined(separator: " · "))
        let driven = (instrument["connections"]?.arrayValue ?? []).filter { $0["source_device"]?.stringValue == name }.compactMap { c -> String? in
            guard let target = c["target_device"]?.stringValue else { return nil }
            let port = c["target_port"]?.stringValue
            return port.map { "\(target) (\($0))" } ?? target
        }
        if !driven.isEmpty { w.element("p", text: "Connected to: \(driven.joined(separator: ", "))") }
        if files.isEmpty {
            w.element("p", ["class": "note"], text: "Described in one document only.")
        } else {
            w.element("p") { w in
                w.text("Described by \(files.count) source\(files.count == 1 ? "" : "s"): ")
                for (i, file) in files.enumerated() {
                    if i > 0 { w.text(i == files.count - 1 ? " and " : ", ") }
                    w.element("span", ["class": "mono", "data-clock-source": file], text: file)
                }
            }
        }
        for note in notes { w.element("p", ["class": "note"], text: "gather_report.json: \(note.text)") }

        // Which file supplied each field: the composer takes the first file's (in file-name order) and fills fields
        // it leaves null from the next; the notes name what the later file added.
        let parsed = notes.first { $0.first != nil && $0.second != nil }
        if case .object(let fields) = component, parsed != nil || defining.count > 1 {
            w.element("details") { w in
                w.element("summary", text: "Which file supplied which field")
                w.open("table", ["class": "fields"])
                w.raw("<thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Value</th><th scope=\"col\">Supplied by</th></tr></thead>")
                w.open("tbody")
                for (key, value) in fields {
                    let supplier: String
                    if let parsed, let first = parsed.first, let second = parsed.second {
                        if key == "channels" {
                            let added = parsed.fromSecond.filter { $0.hasPrefix("channel ") }
                            supplier = added.isEmpty ? first : "\(first); \(added.joined(separator: ", ")) from \(second)"
                        } else {
                            supplier = parsed.fromSecond.contains(key) ? second : first
                        }
                    } else {
                        supplier =
                            defining.first { doc in
                                guard let theirs = SessionPage.component(named: name, in: doc.value)?[key] else { return false }
                                return !theirs.isNull
                            }?.name ?? (value.isNull ? "—" : "?")
                    }
                    w.open("tr", ["data-field": key])
                    w.element("th", ["scope": "row", "class": "mono"], text: key)
                    w.element("td", ["class": "mono"], text: Timeline.short(JSONWriter.compactString(value), 120))
                    w.element("td", text: supplier)
                    w.close("tr")
                }
                w.close("tbody")
                w.close("table")
            }
        }
        w.close("div")
    }

    // MARK: Checks

    private func checksSection(_ w: inout HTMLWriter, timelines: [Timeline]) {
        w.open("section", ["id": "checks", "aria-labelledby": "checks-title"])
        w.element("h2", ["id": "checks-title"], text: "Checks")
        if let gather = folder.gather {
            w.element("p") { w in
                w.text("The gather ended ")
                w.element("span", ["class": "status status-\(SessionPage.statusClass(gather.status))"], text: gather.status)
                if let code = gather.exitCode { w.text(" (exit status \(code))") }
                w.text(
                    ". gather_report.json lists every error and warning of the run: mapper input checks, validation of each document against aind-data-schema, the merge, and the cross-check of the acquisition against the instrument."
                )
            }
            diagnosticTable(&w, title: "Errors", diagnostics: gather.errors, severity: "error")
            diagnosticTable(&w, title: "Warnings", diagnostics: gather.warnings, severity: "warning")
            let failed = gather.mappers.filter { $0.outcome == "failed" }
            if !failed.isEmpty {
                w.element("p", text: "Failed mappers: \(failed.map(\.mapper).joined(separator: ", ")) (their errors are listed above).")
            }
            if !gather.notes.isEmpty {
                w.element("h3", text: "Notes of the merge")
                w.open("ul", ["class": "notes"])
                for note in gather.notes { w.element("li", text: note) }
                w.close("ul")
            }
            if !gather.stale.isEmpty {
                w.element("h3", text: "Files left from an earlier run")
                w.element("p", text: "This run did not replace them (it wrote only its report): \(gather.stale.joined(separator: ", ")).")
            }
        } else {
            w.element("p", text: "No gather_report.json here (the output of rigmap map): the checks are the validation below.")
        }
        if options.validate {
            w.element("h3", text: "Validation when this page was written")
            w.open("ul", ["class": "validation"])
            var issues: [Diagnostic] = []
            for document in folder.acquisitions + folder.instruments {
                guard let kind = document.kind else { continue }
                let (release, remark) = SessionPage.release(of: document.value, kind: kind)
                let found = Pipeline.defaultValidate(document.value, kind, document.name, release)
                issues += found
                let errors = found.filter { $0.severity == .error }.count
                let warnings = found.count - errors
                w.open("li", ["data-validated": document.name, "data-valid": errors == 0 ? "true" : "false"])
                w.element("span", ["class": "mono"], text: document.name)
                w.text(": ")
                w.element(
                    "span", ["class": "status status-\(errors == 0 ? "ok" : "error")"],
                    text: errors == 0 ? "valid" : "\(errors) error\(errors == 1 ? "" : "s")")
                w.text(" under \(release)\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "")\(remark.map { " (\($0))" } ?? "")")
                w.close("li")
            }
            w.close("ul")
            if !issues.isEmpty {
                diagnosticTable(&w, title: "Validation issues", diagnostics: issues, severity: nil)
            }
        }
        let problems = timelines.flatMap { $0.items.filter { !$0.problems.isEmpty } }
        if !problems.isEmpty || !folder.observations.isEmpty {
            w.element("h3", text: "Seen while drawing the page")
            w.open("ul", ["class": "observations"])
            for item in problems { w.element("li", text: "\(item.title): \(item.problems.joined(separator: "; "))") }
            for observation in folder.observations { w.element("li", text: observation) }
            w.close("ul")
        }
        w.close("section")
    }

    /// The release a document's `schema_version` belongs to; the newest, with a remark, when none does.
    static func release(of document: JSONValue, kind: DocumentKind) -> (SchemaRelease, String?) {
        let declared = document["schema_version"]?.stringValue
        for version in SchemaRelease.versions.reversed() {
            guard let release = SchemaRelease(version), let schema = try? release.schema(kind) else { continue }
            if schema.schemaVersion == declared { return (release, nil) }
        }
        return (.newest, "it declares schema_version \(declared ?? "null"), which no release rigmap carries")
    }

    private func diagnosticTable(_ w: inout HTMLWriter, title: String, diagnostics: [Diagnostic], severity: String?) {
        w.element("h3", text: "\(title) (\(diagnostics.count))")
        guard !diagnostics.isEmpty else {
            w.element("p", ["class": "muted"], text: "None.")
            return
        }
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "diagnostics"])
        w.raw("<thead><tr><th scope=\"col\">Where</th><th scope=\"col\">Message</th><th scope=\"col\">Check</th><th scope=\"col\">Reference rule</th></tr></thead>")
        w.open("tbody")
        for diagnostic in diagnostics {
            let origin = CheckOrigin.of(diagnostic)
            let level = severity ?? diagnostic.severity.rawValue
            w.open("tr", ["class": "diag \(level)", "data-severity": level])
            w.element("td", ["class": "mono"], text: diagnostic.location?.description ?? "—")
            w.element("td", ["data-message": ""], text: diagnostic.message)
            w.element("td", text: origin.stage.isEmpty ? "—" : origin.stage)
            w.element("td", text: origin.rule.isEmpty ? "—" : origin.rule)
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
    }

    // MARK: Provenance

    private func provenanceSection(_ w: inout HTMLWriter) {
        w.open("section", ["id": "provenance", "aria-labelledby": "provenance-title"])
        w.element("h2", ["id": "provenance-title"], text: "Provenance")
        let lock = folder.lock
        w.open("dl", ["class": "facts"])
        w.element("dt", text: "rigmap")
        w.element("dd", text: lock?.rigmapVersion.map { "\($0) (rigmap.lock)" } ?? "not recorded (no rigmap.lock)")
        var releases: [String] = []
        for document in folder.acquisitions + folder.instruments {
            guard let kind = document.kind else { continue }
            let (release, remark) = SessionPage.release(of: document.value, kind: kind)
            let declared = document.value["schema_version"]?.stringValue ?? "null"
            var line = "\(document.name): \(kind.objectType) \(declared) — \(remark == nil ? release.description : "no release rigmap carries")"
            if let described = document.value["describedBy"]?.stringValue { line += " (describedBy \(described))" }
            releases.append(line)
        }
        if !releases.isEmpty {
            w.element("dt", text: "Schema")
            w.element("dd") { w in
                for (i, line) in releases.enumerated() {
                    if i > 0 { w.void("br") }
                    w.text(line)
                }
            }
        }
        w.close("dl")

        // Mappers: the gather report's (with where each version came from), else the lock's.
        w.element("h3", text: "Mappers")
        struct Row {
            var name: String
            var version: String
            var source: String
            var outcome: String
            var config: String
            var combined: String
            var claimed: String
            var inputs: [(key: String, sha256: String)]
        }
        var rows: [Row] = []
        if let gather = folder.gather {
            for m in gather.mappers {
                let parts = m.mapper.split(separator: "@", maxSplits: 1).map(String.init)
                let name = parts.first ?? m.mapper
                let pin = lock?.mappers[name]
                rows.append(
                    Row(
                        name: name, version: parts.count > 1 ? parts[1] : (pin?.version.description ?? "?"), source: m.versionSource ?? "—", outcome: m.outcome ?? "—",
                        config: pin?.configSHA256 ?? "—", combined: m.inputSHA256 ?? "—", claimed: m.claimed.joined(separator: ", "), inputs: m.inputs))
            }
        } else if let lock {
            for name in lock.mappers.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                guard let pin = lock.mappers[name] else { continue }
                let identity = "\(name)@\(pin.version)"
                let records = lock.outputs.filter { $0.value.mapper == identity }.sorted { $0.key < $1.key }
                let inputs = (records.first?.value.inputs ?? [:]).sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { (key: $0.key, sha256: $0.value) }
                rows.append(
                    Row(
                        name: name, version: pin.version.description, source: "not recorded (rigmap map prints it)", outcome: records.isEmpty ? "—" : "ran",
                        config: pin.configSHA256 ?? "—", combined: records.first?.value.inputSHA256 ?? "—", claimed: "", inputs: inputs))
            }
        }
        if rows.isEmpty {
            w.element("p", ["class": "muted"], text: "No mapper ran (the documents were given in the session).")
        } else {
            w.open("div", ["class": "table-wrap"])
            w.open("table", ["class": "mappers"])
            w.raw(
                "<thead><tr><th scope=\"col\">Mapper</th><th scope=\"col\">Version</th><th scope=\"col\">Version from</th><th scope=\"col\">Outcome</th><th scope=\"col\">Config sha256</th><th scope=\"col\">Inputs sha256 (combined)</th></tr></thead>"
            )
            w.open("tbody")
            for row in rows {
                w.open("tr", ["data-mapper": "\(row.name)@\(row.version)", "data-version-source": row.source])
                w.element("th", ["scope": "row"], text: row.name)
                w.element("td", ["class": "mono"], text: row.version)
                w.element("td", text: SessionPage.describeSource(row.source))
                w.element("td", text: row.outcome)
                w.element("td", ["class": "hash"], text: row.config)
                w.element("td", ["class": "hash"], text: row.combined)
                w.close("tr")
            }
            w.close("tbody")
            w.close("table")
            w.close("div")
            w.element("h3", text: "Input files read")
            w.element(
                "p", ["class": "note"],
                text:
                    "Each read as rigmap.lock records it: a file (its sha256), path#ranges (the bytes read and the size), folder/ (its listing), path? (whether it exists), @claims (what the mapper was given)."
            )
            for row in rows {
                w.element("details", ["class": "inputs", "data-inputs-of": row.name]) { w in
                    w.element(
                        "summary",
                        text: "\(row.name)@\(row.version): \(row.inputs.count) read\(row.inputs.count == 1 ? "" : "s")\(row.claimed.isEmpty ? "" : ", claimed \(row.claimed)")")
                    w.open("div", ["class": "table-wrap"])
                    w.open("table")
                    w.raw("<thead><tr><th scope=\"col\">Read</th><th scope=\"col\">sha256</th></tr></thead>")
                    w.open("tbody")
                    for input in row.inputs {
                        w.open("tr")
                        w.element("th", ["scope": "row", "class": "mono"], text: input.key)
                        w.element("td", ["class": "hash"], text: input.sha256)
                        w.close("tr")
                    }
                    w.close("tbody")
                    w.close("table")
                    w.close("div")
                }
            }
        }

        w.element("h3", text: "Files in this folder")
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "files"])
        w.raw("<thead><tr><th scope=\"col\">File</th><th scope=\"col\">Written by</th><th scope=\"col\">sha256</th><th scope=\"col\">rigmap.lock</th></tr></thead>")
        w.open("tbody")
        let shown = folder.acquisitions + folder.instruments + folder.sourceAcquisitions + folder.sourceInstruments
        for file in folder.files {
            let record = lock?.outputs[file]
            let document = shown.first { $0.name == file && $0.origin == .output }
            w.open("tr", ["data-file": file])
            w.element("th", ["scope": "row", "class": "mono"], text: file)
            w.element("td", text: record?.mapper ?? (file == DocumentKind.acquisition.fileName || file == DocumentKind.instrument.fileName ? "the merge" : "rigmap"))
            let now = document?.sha256 ?? folder.fileSHA256[file]
            w.element("td", ["class": "hash"], text: now ?? "—")
            let check: String
            if let recorded = record?.sha256, let now {
                check = recorded == now ? "matches" : "differs: recorded \(recorded) (edited after the run?)"
            } else {
                check = "—"
            }
            w.element("td", text: check)
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")

        if let gather = folder.gather, !gather.givenDocuments.isEmpty {
            w.element("h3", text: "Documents given in the session")
            w.open("ul", ["class": "given"])
            let read = folder.sourceAcquisitions + folder.sourceInstruments
            for name in gather.givenDocuments {
                let document = read.first { $0.name == name && $0.origin == .session }
                w.element("li") { w in
                    w.element("span", ["class": "mono", "data-given": name], text: name)
                    if let document {
                        w.text(" — sha256 ")
                        w.element("span", ["class": "mono"], text: document.sha256)
                    } else if folder.givenNotRead.contains(name) {
                        w.text(" — not read (rigmap report --session DIR reads the session's documents)")
                    }
                }
            }
            w.close("ul")
        }
        w.close("section")
    }

    static func describeSource(_ source: String) -> String {
        switch source {
        case "command_line": return "command line (--mapper)"
        case "job": return "the job (mappers.NAME.version)"
        case "experiment": return "the experiment's pin (rigmap.lock)"
        case "job_type": return "the job type's default"
        case "latest": return "the newest release"
        default: return source
        }
    }

    // MARK: Documents

    private func documentsSection(_ w: inout HTMLWriter) {
        w.open("section", ["id": "documents", "aria-labelledby": "documents-title"])
        w.element("h2", ["id": "documents-title"], text: "Documents")
        let documents = folder.acquisitions + folder.instruments
        if documents.isEmpty { w.element("p", text: "No document here.") }
        for document in documents {
            let text = JSONWriter.referenceString(document.value)
            w.element("details", ["class": "doc", "data-document": document.name]) { w in
                w.element("summary") { w in
                    w.element("span", ["class": "mono"], text: document.name)
                    w.text(" — \(document.kind?.objectType ?? "document") \(document.value["schema_version"]?.stringValue ?? ""), \(SessionPage.size(document.size))")
                }
                if text.utf8.count > SessionPage.maximumShownDocumentBytes {
                    w.element("p", text: "Too large to show here (\(SessionPage.size(text.utf8.count))); open the file itself.")
                } else {
                    w.open("pre")
                    w.open("code")
                    w.text(text)
                    w.close("code")
                    w.close("pre")
                }
            }
        }
        w.close("section")
    }

    static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) bytes" }
        if bytes < 1 << 20 { return "\((bytes + 512) / 1024) KB" }
        let tenths = (bytes * 10 + (1 << 19)) >> 20
        return "\(tenths / 10).\(tenths % 10) MB"
    }
}
