import MetadataModel

/// A time read from a document, placed on the timeline's axis.
struct PlacedTime: Sendable {
    /// The string as the document wrote it.
    var text: String
    /// Microseconds since 1970-01-01T00:00:00Z; a time written without an offset is read in the axis's offset.
    var micros: Int64
    /// The UTC offset it was written with (`nil`: none).
    var offset: Int?
}

/// One bar of the timeline: the acquisition's span, a data stream, a source document's stream, or a stimulus epoch.
struct TimelineItem: Sendable {
    enum Kind: Sendable { case acquisition, stream, source, epoch }

    var kind: Kind
    /// Position among the items of its kind (0-based), and in its document.
    var index: Int
    /// `Data stream 1`, `Stimulus epoch 2: …`, `acquisition_fiber.json stream 1`.
    var title: String
    /// Modalities (abbreviations), or the stimulus name and modalities.
    var label: String
    /// The start and end as written (`nil` when absent or not a string).
    var startText: String?
    var endText: String?
    var start: PlacedTime?
    var end: PlacedTime?
    var devices: [String]
    /// The source document, for `.source` items.
    var file: String?
    /// Why the bar cannot be placed (a missing or unreadable time), or a remark (written without an offset).
    var problems: [String] = []

    var placed: Bool { start != nil && end != nil }
}

/// The timeline of one acquisition document: its bars on one time axis, in the offset the acquisition's times were
/// written with.
struct Timeline: Sendable {
    var items: [TimelineItem] = []
    /// Seconds east of UTC the axis is shown in (`nil`: the times carry no offset; shown as written).
    var axisOffset: Int?
    /// Where the offset was taken from, for the caption.
    var offsetSource: String = ""
    /// The axis range in microseconds since the epoch.
    var domainStart: Int64 = 0
    var domainEnd: Int64 = 0

    var streams: [TimelineItem] { items.filter { $0.kind == .stream } }
    var epochs: [TimelineItem] { items.filter { $0.kind == .epoch } }
    var sources: [TimelineItem] { items.filter { $0.kind == .source } }

    /// Reads the acquisition's span, data streams and stimulus epochs, and the data streams of `sources` (the
    /// per-rig documents a merged acquisition was made from).
    init(acquisition: JSONValue, sources: [ShownDocument]) {
        // The axis's offset: acquisition_start_time's, else the first stream's that has one.
        var candidates: [(String, String?)] = [("acquisition_start_time", acquisition["acquisition_start_time"]?.stringValue)]
        for (i, stream) in (acquisition["data_streams"]?.arrayValue ?? []).enumerated() {
            candidates.append(("data_streams[\(i)].stream_start_time", stream["stream_start_time"]?.stringValue))
        }
        for (field, text) in candidates {
            guard let text, let t = try? Timestamp(parsing: text), let offset = t.utcOffsetSeconds else { continue }
            axisOffset = offset
            offsetSource = field
            break
        }
        let offset = axisOffset

        func place(_ value: JSONValue?, _ field: String, into item: inout TimelineItem) -> (String?, PlacedTime?) {
            guard let value, !value.isNull else {
                item.problems.append("\(field) is missing")
                return (nil, nil)
            }
            guard let text = value.stringValue else {
                item.problems.append("\(field) is not a string (\(value.typeName))")
                return (nil, nil)
            }
            let t: Timestamp
            do {
                t = try Timestamp(parsing: text)
            } catch {
                item.problems.append("\(field): \(error.description)")
                return (text, nil)
            }
            if let micros = t.epochMicroseconds {
                return (text, PlacedTime(text: text, micros: micros, offset: t.utcOffsetSeconds))
            }
            // No offset: read in the axis's offset (or as if UTC when nothing has one), and say so.
            let shift = Int64(offset ?? 0) * 1_000_000
            item.problems.append("\(field) has no UTC offset; placed as if written in \(Timeline.offsetName(offset))")
            return (text, PlacedTime(text: text, micros: t.localEpochMicroseconds - shift, offset: nil))
        }
        func modalities(_ value: JSONValue?) -> [String] {
            (value?.arrayValue ?? []).compactMap { $0["abbreviation"]?.stringValue ?? $0["name"]?.stringValue ?? $0.stringValue }
        }
        func strings(_ value: JSONValue?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }

        var acquisitionItem = TimelineItem(kind: .acquisition, index: 0, title: "Acquisition", label: acquisition["acquisition_type"]?.stringValue ?? "", devices: [])
        (acquisitionItem.startText, acquisitionItem.start) = place(acquisition["acquisition_start_time"], "acquisition_start_time", into: &acquisitionItem)
        (acquisitionItem.endText, acquisitionItem.end) = place(acquisition["acquisition_end_time"], "acquisition_end_time", into: &acquisitionItem)
        items.append(acquisitionItem)

        for (i, stream) in (acquisition["data_streams"]?.arrayValue ?? []).enumerated() {
            var item = TimelineItem(
                kind: .stream, index: i, title: "Data stream \(i + 1)", label: modalities(stream["modalities"]).joined(separator: ", "),
                devices: strings(stream["active_devices"]))
            (item.startText, item.start) = place(stream["stream_start_time"], "data_streams[\(i)].stream_start_time", into: &item)
            (item.endText, item.end) = place(stream["stream_end_time"], "data_streams[\(i)].stream_end_time", into: &item)
            items.append(item)
        }
        var sourceIndex = 0
        for document in sources {
            for (i, stream) in (document.value["data_streams"]?.arrayValue ?? []).enumerated() {
                var item = TimelineItem(
                    kind: .source, index: sourceIndex, title: "\(document.name), data stream \(i + 1)",
                    label: modalities(stream["modalities"]).joined(separator: ", "), devices: strings(stream["active_devices"]), file: document.name)
                (item.startText, item.start) = place(stream["stream_start_time"], "\(document.name): data_streams[\(i)].stream_start_time", into: &item)
                (item.endText, item.end) = place(stream["stream_end_time"], "\(document.name): data_streams[\(i)].stream_end_time", into: &item)
                items.append(item)
                sourceIndex += 1
            }
        }
        for (i, epoch) in (acquisition["stimulus_epochs"]?.arrayValue ?? []).enumerated() {
            let name = epoch["stimulus_name"]?.stringValue ?? ""
            let kinds = modalities(epoch["stimulus_modalities"]).joined(separator: ", ")
            var item = TimelineItem(
                kind: .epoch, index: i, title: "Stimulus epoch \(i + 1)", label: [name, kinds].filter { !$0.isEmpty }.joined(separator: " · "),
                devices: strings(epoch["active_devices"]))
            (item.startText, item.start) = place(epoch["stimulus_start_time"], "stimulus_epochs[\(i)].stimulus_start_time", into: &item)
            (item.endText, item.end) = place(epoch["stimulus_end_time"], "stimulus_epochs[\(i)].stimulus_end_time", into: &item)
            items.append(item)
        }
        for i in items.indices {
            if let s = items[i].start, let e = items[i].end, e.micros < s.micros {
                items[i].problems.append("ends before it starts")
            }
        }

        let times = items.flatMap { [$0.start?.micros, $0.end?.micros].compactMap { $0 } }
        if let lo = times.min(), let hi = times.max() {
            domainStart = lo
            domainEnd = hi > lo ? hi : lo + 1_000_000
        }
    }

    /// `UTC-07:00`, `UTC+05:30`, `UTC`.
    static func offsetName(_ seconds: Int?) -> String {
        guard let seconds else { return "UTC" }
        if seconds == 0 { return "UTC" }
        let sign = seconds < 0 ? "-" : "+"
        let magnitude = seconds.magnitude
        return "UTC\(sign)\(pad(Int(magnitude / 3600), 2)):\(pad(Int(magnitude % 3600 / 60), 2))"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// `30 min 1.875001 s`, `2 h 5 min`, `0.25 s`, `-3 s`.
    static func duration(_ micros: Int64) -> String {
        let negative = micros < 0
        let m = micros.magnitude
        let totalSeconds = m / 1_000_000
        let fraction = m % 1_000_000
        let hours = totalSeconds / 3600
        let minutes = totalSeconds % 3600 / 60
        let seconds = totalSeconds % 60
        var parts: [String] = []
        if hours > 0 { parts.append("\(hours) h") }
        if minutes > 0 { parts.append("\(minutes) min") }
        if seconds > 0 || fraction > 0 || parts.isEmpty {
            var text = String(seconds)
            if fraction > 0 {
                var digits = pad(Int(fraction), 6)
                while digits.hasSuffix("0") { digits.removeLast() }
                text += "." + digits
            }
            parts.append(text + " s")
        }
        return (negative ? "-" : "") + parts.joined(separator: " ")
    }

    // MARK: Axis

    /// One axis tick: where, and its label in the axis's offset.
    struct Tick: Sendable {
        var micros: Int64
        var label: String
    }

    static let steps: [Int64] = [
        1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
        1_000_000, 2_000_000, 5_000_000, 10_000_000, 15_000_000, 30_000_000,
        60_000_000, 120_000_000, 300_000_000, 600_000_000, 900_000_000, 1_800_000_000,
        3_600_000_000, 7_200_000_000, 10_800_000_000, 21_600_000_000, 43_200_000_000,
        86_400_000_000, 172_800_000_000, 604_800_000_000, 1_209_600_000_000, 2_592_000_000_000, 7_776_000_000_000, 31_536_000_000_000,
    ]

    /// Ticks at round wall-clock times of the axis's offset, at most about 8.
    var ticks: [Tick] {
        let span = domainEnd - domainStart
        guard span > 0 else { return [] }
        let day: Int64 = 86_400_000_000
        let step = Timeline.steps.first { span / $0 <= 8 } ?? ((span / 8 / day) + 1) * day
        let shift = Int64(axisOffset ?? 0) * 1_000_000
        let localStart = domainStart + shift
        let localEnd = domainEnd + shift
        var t = Timeline.floorDivide(localStart, step) * step
        if t < localStart { t += step }
        var out: [Tick] = []
        while t <= localEnd && out.count < 64 {
            out.append(Tick(micros: t - shift, label: Timeline.label(local: t, step: step, span: span)))
            t += step
        }
        return out
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// A wall-clock label: `12:45`, `12:45:30`, `12:45:30.250`, with the date when the axis spans days.
    static func label(local: Int64, step: Int64, span: Int64) -> String {
        guard let t = try? Timestamp(epochMicroseconds: local, zoneIdentifier: nil) else { return "" }
        let date = "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))"
        var time = "\(pad(t.hour, 2)):\(pad(t.minute, 2))"
        if step < 60_000_000 { time += ":\(pad(t.second, 2))" }
        if step < 1_000_000 { time += ".\(pad(t.microsecond / 1000, 3))" }
        if step >= 86_400_000_000 { return date }
        return span >= 86_400_000_000 ? "\(date) \(time)" : time
    }

    /// The date of the axis's start in its offset (`2025-07-18`).
    var startDate: String {
        guard let t = try? Timestamp(epochMicroseconds: domainStart + Int64(axisOffset ?? 0) * 1_000_000, zoneIdentifier: nil) else { return "" }
        return "\(Timeline.pad(t.year, 4))-\(Timeline.pad(t.month, 2))-\(Timeline.pad(t.day, 2))"
    }
}

// MARK: SVG

extension Timeline {
    static let width = 1000.0
    static let left = 12.0
    static let plotWidth = 976.0

    /// An SVG number: at most one decimal, no exponent, `0` for anything not finite.
    static func number(_ value: Double) -> String {
        guard value.isFinite, let tenths = Int64(exactly: (value * 10).rounded()) else { return "0" }
        let sign = tenths < 0 ? "-" : ""
        let m = tenths.magnitude
        return m % 10 == 0 ? "\(sign)\(m / 10)" : "\(sign)\(m / 10).\(m % 10)"
    }

    func x(_ micros: Int64) -> Double {
        let span = Double(domainEnd - domainStart)
        guard span > 0 else { return Timeline.left }
        return Timeline.left + Timeline.plotWidth * Double(micros - domainStart) / span
    }

    /// Lanes for stimulus epochs: an epoch goes in the first lane whose last epoch has ended (at most 24 lanes).
    func epochLanes() -> [Int] {
        let epochs = self.epochs
        var lanes: [Int] = Array(repeating: 0, count: epochs.count)
        var laneEnds: [Int64] = []
        let order = epochs.indices.sorted { (epochs[$0].start?.micros ?? .min, $0) < (epochs[$1].start?.micros ?? .min, $1) }
        for i in order {
            guard let s = epochs[i].start?.micros, let e = epochs[i].end?.micros else {
                lanes[i] = laneEnds.count
                laneEnds.append(.max)
                continue
            }
            if let lane = laneEnds.firstIndex(where: { $0 <= s }) {
                lanes[i] = lane
                laneEnds[lane] = max(e, s)
            } else if laneEnds.count < 24 {
                lanes[i] = laneEnds.count
                laneEnds.append(max(e, s))
            } else {
                lanes[i] = 23
            }
        }
        return lanes
    }

    /// The text shown for a bar, shortened for the drawing (the full text is in its title and label).
    static func short(_ text: String, _ limit: Int = 110) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// What a bar says when hovered or read aloud.
    func description(_ item: TimelineItem) -> String {
        var lines = [item.label.isEmpty ? item.title : "\(item.title): \(item.label)"]
        lines.append("start \(item.startText ?? "—")")
        lines.append("end \(item.endText ?? "—")")
        if let s = item.start, let e = item.end { lines.append("duration \(Timeline.duration(e.micros - s.micros))") }
        if !item.devices.isEmpty { lines.append("active devices: \(item.devices.joined(separator: ", "))") }
        lines += item.problems
        return lines.joined(separator: "\n")
    }

    /// Writes the SVG: the acquisition span, the data streams, the source documents' streams, the stimulus epochs
    /// and the axis. `id` keeps several timelines on one page apart.
    func writeSVG(_ w: inout HTMLWriter, id: String, document: String) {
        let rowHeight = 38.0
        let headerHeight = 24.0
        var rows: [(y: Double, draw: (inout HTMLWriter, Double) -> Void)] = []
        var y = 4.0
        var headers: [(Double, String)] = []

        func bar(_ item: TimelineItem, tip: String, cssClass: String) -> (inout HTMLWriter, Double) -> Void {
            { w, top in
                let label = Timeline.short(item.label.isEmpty ? item.title : "\(item.title) · \(item.label)")
                let placedX: Double
                let barWidth: Double
                if let s = item.start, let e = item.end {
                    let x0 = self.x(min(s.micros, e.micros))
                    let x1 = self.x(max(s.micros, e.micros))
                    placedX = x0
                    barWidth = max(2, x1 - x0)
                } else {
                    placedX = Timeline.left
                    barWidth = Timeline.plotWidth
                }
                let aria = self.description(item).replacingEvery("\n", with: "; ")
                let anchorEnd = placedX > Timeline.left + Timeline.plotWidth * 0.55
                switch item.kind {
                case .stream:
                    w.open(
                        "g",
                        [
                            "class": "bar \(cssClass)\(item.placed ? "" : " unplaced")", "tabindex": "0", "role": "img", "aria-label": aria, "data-tip": tip,
                            "data-stream": String(item.index), "data-start": item.startText ?? "", "data-end": item.endText ?? "",
                        ])
                case .epoch:
                    w.open(
                        "g",
                        [
                            "class": "bar \(cssClass)\(item.placed ? "" : " unplaced")", "tabindex": "0", "role": "img", "aria-label": aria, "data-tip": tip,
                            "data-epoch": String(item.index), "data-epoch-start": item.startText ?? "", "data-epoch-end": item.endText ?? "",
                        ])
                case .source:
                    w.open(
                        "g",
                        [
                            "class": "bar \(cssClass)\(item.placed ? "" : " unplaced")", "tabindex": "0", "role": "img", "aria-label": aria, "data-tip": tip,
                            "data-source-file": item.file ?? "", "data-source-start": item.startText ?? "", "data-source-end": item.endText ?? "",
                        ])
                case .acquisition:
                    w.open(
                        "g",
                        [
                            "class": "bar \(cssClass)\(item.placed ? "" : " unplaced")", "tabindex": "0", "role": "img", "aria-label": aria, "data-tip": tip,
                            "data-acquisition-start": item.startText ?? "", "data-acquisition-end": item.endText ?? "",
                        ])
                }
                w.element("title", text: self.description(item))
                w.void(
                    "rect",
                    ["x": Timeline.number(placedX), "y": Timeline.number(top + 17), "width": Timeline.number(barWidth), "height": "16", "rx": "3"],
                    selfClosing: true)
                w.element(
                    "text",
                    [
                        "class": "bar-label", "x": Timeline.number(anchorEnd ? placedX + barWidth : placedX), "y": Timeline.number(top + 12),
                        "text-anchor": anchorEnd ? "end" : "start",
                    ],
                    text: item.placed ? label : "\(label) — not placed: \(item.problems.joined(separator: "; "))")
                w.close("g")
            }
        }

        if let acquisition = items.first(where: { $0.kind == .acquisition }) {
            rows.append((y, bar(acquisition, tip: "a0", cssClass: "acquisition")))
            y += rowHeight
        }
        let streams = self.streams
        headers.append((y, "Data streams (\(document))"))
        y += headerHeight
        for item in streams {
            rows.append((y, bar(item, tip: "s\(item.index)", cssClass: "stream")))
            y += rowHeight
        }
        let sources = self.sources
        if !sources.isEmpty {
            headers.append((y, "As each source document wrote them"))
            y += headerHeight
            for item in sources {
                rows.append((y, bar(item, tip: "r\(item.index)", cssClass: "source")))
                y += rowHeight
            }
        }
        let epochs = self.epochs
        if !epochs.isEmpty {
            headers.append((y, "Stimulus epochs"))
            y += headerHeight
            let lanes = epochLanes()
            let laneCount = (lanes.max() ?? 0) + 1
            for (i, item) in epochs.enumerated() {
                rows.append((y + Double(lanes[i]) * rowHeight, bar(item, tip: "e\(item.index)", cssClass: "epoch")))
            }
            y += Double(laneCount) * rowHeight
        }
        let axisY = y + 4
        let height = axisY + 34
        let ticks = self.ticks

        w.open(
            "svg",
            [
                "xmlns": "http://www.w3.org/2000/svg", "class": "timeline", "id": id, "viewBox": "0 0 \(Timeline.number(Timeline.width)) \(Timeline.number(height))",
                "width": "100%", "role": "group", "aria-label": "Timeline of \(document): each bar from its start to its end; times in \(Timeline.offsetName(axisOffset))",
                "data-domain-start-us": String(domainStart), "data-domain-end-us": String(domainEnd), "data-plot-left": Timeline.number(Timeline.left),
                "data-plot-width": Timeline.number(Timeline.plotWidth), "data-axis-offset": axisOffset.map(String.init) ?? "",
            ])
        w.open("g", ["class": "grid", "aria-hidden": "true"])
        for tick in ticks {
            let tx = Timeline.number(x(tick.micros))
            w.void("line", ["x1": tx, "x2": tx, "y1": "0", "y2": Timeline.number(axisY)], selfClosing: true)
        }
        w.close("g")
        for (hy, text) in headers {
            w.element("text", ["class": "group-label", "x": Timeline.number(Timeline.left), "y": Timeline.number(hy + 16)], text: Timeline.short(text, 140))
        }
        for row in rows { row.draw(&w, row.y) }
        w.open("g", ["class": "axis", "aria-hidden": "true"])
        w.void(
            "line", ["x1": Timeline.number(Timeline.left), "x2": Timeline.number(Timeline.left + Timeline.plotWidth), "y1": Timeline.number(axisY), "y2": Timeline.number(axisY)],
            selfClosing: true)
        for (i, tick) in ticks.enumerated() {
            let tx = x(tick.micros)
            w.void("line", ["x1": Timeline.number(tx), "x2": Timeline.number(tx), "y1": Timeline.number(axisY), "y2": Timeline.number(axisY + 6)], selfClosing: true)
            let anchor = i == 0 && tx < Timeline.left + 30 ? "start" : (tx > Timeline.left + Timeline.plotWidth - 30 ? "end" : "middle")
            w.element("text", ["x": Timeline.number(tx), "y": Timeline.number(axisY + 20), "text-anchor": anchor], text: tick.label)
        }
        w.close("g")
        w.close("svg")
    }

    /// The data the script's tooltips show (exact times, duration, devices), keyed like the bars' `data-tip`.
    func tooltipJSON() -> JSONValue {
        var object = JSONObject()
        for item in items {
            let key: String
            switch item.kind {
            case .acquisition: key = "a\(item.index)"
            case .stream: key = "s\(item.index)"
            case .source: key = "r\(item.index)"
            case .epoch: key = "e\(item.index)"
            }
            var entry: JSONObject = [
                "title": .string(item.label.isEmpty ? item.title : "\(item.title): \(item.label)"),
                "start": .string(item.startText),
                "end": .string(item.endText),
                "devices": .strings(item.devices),
                "notes": .strings(item.problems),
            ]
            if let s = item.start, let e = item.end { entry["duration"] = .string(Timeline.duration(e.micros - s.micros)) }
            object[key] = .object(entry)
        }
        return .object(object)
    }
}
