import MetadataModel
import Testing

@testable import Report

@Suite struct TimelineTests {
    static func acquisition(_ streams: [(String, String)], start: String? = nil) -> JSONValue {
        [
            "acquisition_start_time": .string(start ?? streams.first?.0),
            "acquisition_end_time": .string(streams.last?.1),
            "data_streams": .array(streams.map { ["stream_start_time": .string($0.0), "stream_end_time": .string($0.1), "modalities": [["abbreviation": "fib"]]] }),
        ]
    }

    @Test func theAxisIsInTheSessionsOwnOffset() {
        let timeline = Timeline(acquisition: TimelineTests.acquisition([("2025-07-18T12:32:33.125-07:00", "2025-07-18T13:02:35.000001-07:00")]), sources: [])
        #expect(timeline.axisOffset == -25_200 && timeline.offsetSource == "acquisition_start_time")
        #expect(timeline.ticks.map(\.label) == ["12:35", "12:40", "12:45", "12:50", "12:55", "13:00"])
        #expect(timeline.startDate == "2025-07-18")
        // The same instants written in UTC are drawn in the same places, labelled in UTC.
        let utc = Timeline(acquisition: TimelineTests.acquisition([("2025-07-18T19:32:33.125Z", "2025-07-18T20:02:35.000001Z")]), sources: [])
        #expect(utc.domainStart == timeline.domainStart && utc.domainEnd == timeline.domainEnd)
        #expect(utc.ticks.first?.label == "19:35")
        let india = Timeline(acquisition: TimelineTests.acquisition([("2025-07-18T10:00:00+05:30", "2025-07-18T10:00:10+05:30")]), sources: [])
        #expect(india.ticks.map(\.label) == ["10:00:00", "10:00:02", "10:00:04", "10:00:06", "10:00:08", "10:00:10"])
        let short = Timeline(acquisition: TimelineTests.acquisition([("2025-07-18T10:00:00Z", "2025-07-18T10:00:01.2Z")]), sources: [])
        #expect(short.ticks.map(\.label) == ["10:00:00.000", "10:00:00.200", "10:00:00.400", "10:00:00.600", "10:00:00.800", "10:00:01.000", "10:00:01.200"])
    }

    @Test func barsArePlacedByTheirInstants() {
        let timeline = Timeline(
            acquisition: TimelineTests.acquisition([("2025-07-18T12:00:00-07:00", "2025-07-18T13:00:00-07:00"), ("2025-07-18T19:30:00Z", "2025-07-18T20:00:00Z")]),
            sources: [])
        let streams = timeline.streams
        #expect(streams.count == 2)
        #expect(timeline.x(streams[0].start?.micros ?? 0) == Timeline.left)
        #expect(timeline.x(streams[0].end?.micros ?? 0) == Timeline.left + Timeline.plotWidth)
        #expect(timeline.x(streams[1].start?.micros ?? 0) == Timeline.left + Timeline.plotWidth / 2)
        #expect(streams[1].startText == "2025-07-18T19:30:00Z")
    }

    @Test func durationsAndNumbersAreExact() {
        #expect(Timeline.duration(1_801_875_001) == "30 min 1.875001 s")
        #expect(Timeline.duration(7_200_000_000) == "2 h")
        #expect(Timeline.duration(250_000) == "0.25 s")
        #expect(Timeline.duration(-3_000_000) == "-3 s")
        #expect(Timeline.duration(0) == "0 s")
        #expect(Timeline.number(12.25) == "12.3" && Timeline.number(-0.04) == "0" && Timeline.number(976) == "976" && Timeline.number(.nan) == "0")
        #expect(Timeline.offsetName(-25_200) == "UTC-07:00" && Timeline.offsetName(19_800) == "UTC+05:30" && Timeline.offsetName(0) == "UTC")
    }

    @Test func problemsAreSaidNotHidden() {
        var streams = [("2025-07-18T13:00:00-07:00", "2025-07-18T12:00:00-07:00")]
        streams.append(("not a time", "2025-07-18T12:10:00"))
        let timeline = Timeline(acquisition: TimelineTests.acquisition(streams), sources: [])
        #expect(timeline.streams[0].problems == ["ends before it starts"])
        #expect(!timeline.streams[1].placed)
        #expect(timeline.streams[1].problems.contains { $0.hasPrefix("data_streams[1].stream_start_time: invalid timestamp") })
        #expect(timeline.streams[1].problems.contains("data_streams[1].stream_end_time has no UTC offset; placed as if written in UTC-07:00"))
        let empty = Timeline(acquisition: ["data_streams": []], sources: [])
        #expect(empty.ticks.isEmpty && empty.streams.isEmpty)
    }

    @Test func overlappingEpochsTakeSeparateLanes() {
        var acquisition = TimelineTests.acquisition([("2025-07-18T12:00:00Z", "2025-07-18T13:00:00Z")])
        if case .object(var object) = acquisition {
            object["stimulus_epochs"] = [
                ["stimulus_start_time": "2025-07-18T12:00:00Z", "stimulus_end_time": "2025-07-18T12:30:00Z", "stimulus_name": "a"],
                ["stimulus_start_time": "2025-07-18T12:20:00Z", "stimulus_end_time": "2025-07-18T12:40:00Z", "stimulus_name": "b"],
                ["stimulus_start_time": "2025-07-18T12:30:00Z", "stimulus_end_time": "2025-07-18T12:50:00Z", "stimulus_name": "c"],
            ]
            acquisition = .object(object)
        }
        let timeline = Timeline(acquisition: acquisition, sources: [])
        #expect(timeline.epochLanes() == [0, 1, 0])
        #expect(timeline.epochs.map(\.label) == ["a", "b", "c"])
    }
}
