import Composer
import Foundation
import MetadataModel
import Testing

func instrument(_ id: String, location: JSONValue = "447", date: String = "2025-01-01", modalities: [String] = ["behavior"],
                components: [JSONValue] = [], connections: [JSONValue] = [], notes: JSONValue = .null, calibrations: JSONValue = .null) -> JSONValue {
    [
        "object_type": "Instrument", "schema_version": "2.2.8", "location": location, "instrument_id": .string(id),
        "modification_date": .string(date),
        "modalities": .array(modalities.map { ["name": .string($0.uppercased()), "abbreviation": .string($0)] }),
        "calibrations": calibrations, "global_coordinate_system": ["object_type": "Coordinate system", "name": "BREGMA_ARI"],
        "temperature_control": .null, "notes": notes, "connections": .array(connections), "components": .array(components),
    ]
}

func device(_ name: String, type: String = "Device", extra: [(String, JSONValue)] = []) -> JSONValue {
    var object: JSONObject = ["object_type": .string(type), "name": .string(name)]
    for (k, v) in extra { object[k] = v }
    return .object(object)
}

func clock(_ name: String = "Clock", serial: String = "1") -> JSONValue {
    device(name, type: "Harp device", extra: [("serial_number", .string(serial)), ("is_clock_generator", true)])
}

func stream(_ start: String, _ end: String, devices: [String], modality: String = "behavior", code: JSONValue = .null) -> JSONValue {
    [
        "object_type": "Data stream", "stream_start_time": .string(start), "stream_end_time": .string(end),
        "modalities": [["name": .string(modality), "abbreviation": .string(modality)]], "code": code, "notes": .null,
        "active_devices": .strings(devices), "configurations": [], "connections": [],
    ]
}

func acquisition(_ instrument: String, type: String = "Foraging", start: String = "2025-07-18T12:00:00-07:00", end: String = "2025-07-18T13:00:00-07:00",
                 experimenters: [String] = [], ethics: JSONValue = .null, streams: [JSONValue] = [], subject: String = "1",
                 details: JSONValue = .null, notes: JSONValue = .null) -> JSONValue {
    [
        "object_type": "Acquisition", "schema_version": "2.5.4", "protocol_id": .null, "subject_id": .string(subject), "specimen_id": .null,
        "acquisition_start_time": .string(start), "acquisition_start_tz": .null, "acquisition_end_time": .string(end),
        "experimenters": .strings(experimenters), "ethics_review_id": ethics, "instrument_id": .string(instrument),
        "acquisition_type": .string(type), "notes": notes, "global_coordinate_system": .null, "calibrations": [], "maintenance": [],
        "data_streams": .array(streams), "stimulus_epochs": [], "subject_details": details,
    ]
}

func merge(_ values: JSONValue...) -> Composer.Outcome {
    Composer.merge(values.enumerated().map { Composer.Document(name: "\($0.offset + 1).json", value: $0.element) })
}

/// A Harp clock generator as the FIP builder or the behavior adapter writes it.
func harpClock(serial: String?, firmware: String?, channels: [String]) -> JSONValue {
    let channelValues: [JSONValue] = channels.map {
        ["object_type": "DAQ channel", "channel_name": .string($0), "channel_type": "Digital Output", "port": .null]
    }
    return [
        "object_type": "Harp device", "name": "harp_clock_generator", "serial_number": .string(serial), "firmware_version": .string(firmware),
        "harp_device_type": ["whoami": 1404, "name": "WhiteRabbit"], "is_clock_generator": true, "channels": .array(channelValues),
    ]
}

@Suite struct InstrumentRuleTests {
    @Test func idsModalitiesDatesNotesAndConnectionsCombine() throws {
        let a = instrument("RIG_B", date: "2025-03-01", modalities: ["fib"], components: [device("A")], connections: [["source_device": "A", "target_device": "A"]], notes: "one")
        let b = instrument("RIG_A", date: "2025-05-01", modalities: ["behavior", "fib"], components: [device("B")], notes: "two")
        let merged = try #require(merge(a, b).merged)
        #expect(merged["instrument_id"] == "RIG_A_RIG_B")
        #expect(merged["modalities"]?.arrayValue?.compactMap { $0["abbreviation"]?.stringValue } == ["behavior", "fib"])
        #expect(merged["modification_date"] == "2025-05-01")
        #expect(merged["notes"] == "one\ntwo")
        #expect(merged["connections"]?.arrayValue?.count == 1)
        #expect(merged["components"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["A", "B"])
        #expect(merged["calibrations"] == .null)  // both empty → null, as the reference
        #expect(merge(a, instrument("RIG_B"))["instrument_id"] == "RIG_B")  // same id kept once
    }

    @Test func keyFieldsMustMatchAndEveryDifferenceIsReported() {
        let a = instrument("A", location: "447")
        var b = instrument("B", location: "428")
        if case .object(var o) = b { o["temperature_control"] = true; b = .object(o) }
        let outcome = merge(a, b)
        #expect(outcome.merged == Optional<JSONValue>.none)
        #expect(Set(outcome.conflicts.compactMap(\.field)) == ["location", "temperature_control"])
        #expect(outcome.conflicts.first { $0.field == "location" }?.values == ["1.json": "447", "2.json": "428"])
    }

    @Test func oneIdenticalClockGeneratorIsKeptOnce() throws {
        let merged = try #require(merge(instrument("A", components: [clock(), device("X")]), instrument("B", components: [device("Y"), clock()])).merged)
        #expect(merged["components"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Clock", "X", "Y"])
    }

    @Test func clockGeneratorsMustAgreeOnEveryFieldBothDefineEvenInKeyOrder() throws {
        let reordered = device("Clock", type: "Harp device", extra: [("is_clock_generator", true), ("serial_number", "1")])
        #expect(merge(instrument("A", components: [clock()]), instrument("B", components: [reordered])).merged != nil)
        let differs = merge(instrument("A", components: [clock()]), instrument("B", components: [clock(serial: "2")]))
        #expect(differs.conflicts.map(\.kind) == [.clockGeneratorDiffers])
        #expect(differs.conflicts.first?.field == "Clock.serial_number")
        #expect(differs.conflicts.first?.message.contains("\"1\" in 1.json but \"2\" in 2.json") == true)
    }

    /// The FIP builder's clock (no serial, no versions, a ClkOut channel) and the behavior adapter's (serial and
    /// versions from registers, no channels): compatible, combined field by field.
    @Test func partiallyFilledClocksCombineAndSayWhereEachFieldCameFrom() throws {
        let fip = harpClock(serial: nil, firmware: nil, channels: ["ClkOut"])
        let behavior = harpClock(serial: "7", firmware: "0.2", channels: [])
        let outcome = merge(instrument("FIP", components: [fip, device("F")]), instrument("BEH", components: [behavior, device("B")]))
        let merged = try #require(outcome.merged)
        let clocks = merged["components"]?.arrayValue?.filter { $0["name"] == "harp_clock_generator" } ?? []
        #expect(clocks.count == 1)
        #expect(clocks.first?["serial_number"] == "7")
        #expect(clocks.first?["firmware_version"] == "0.2")
        #expect(clocks.first?["channels"]?.arrayValue?.count == 1)
        #expect(outcome.notes.contains { $0.contains("serial_number, firmware_version from 2.json") })
        // The other way round: channels come from the second file.
        let reversed = merge(instrument("BEH", components: [behavior]), instrument("FIP", components: [fip]))
        #expect(reversed.merged?["components"]?[0]?["channels"]?[0]?["channel_name"] == "ClkOut")
        #expect(reversed.notes.contains { $0.contains("channel ClkOut from 2.json") })
    }

    @Test func clocksOfDifferentTypesOrChannelsDoNotCombine() {
        let whiteRabbit = harpClock(serial: nil, firmware: nil, channels: ["ClkOut"])
        var synchronizer = harpClock(serial: nil, firmware: nil, channels: [])
        if case .object(var o) = synchronizer { o["harp_device_type"] = ["whoami": 1152, "name": "ClockSynchronizer"]; synchronizer = .object(o) }
        let types = merge(instrument("A", components: [whiteRabbit]), instrument("B", components: [synchronizer]))
        #expect(types.conflicts.map(\.field) == ["harp_clock_generator.harp_device_type"])
        var otherChannel = harpClock(serial: nil, firmware: nil, channels: ["ClkOut"])
        if case .object(var o) = otherChannel, case .array(var channels)? = o["channels"], case .object(var c)? = channels.first {
            c["channel_type"] = "Digital Input"
            channels[0] = .object(c)
            o["channels"] = .array(channels)
            otherChannel = .object(o)
        }
        let channels = merge(instrument("A", components: [whiteRabbit]), instrument("B", components: [otherChannel]))
        #expect(channels.conflicts.map(\.field) == ["harp_clock_generator.channels[ClkOut]"])
    }

    @Test func anyOtherSharedNameIsRefusedNamingDeviceAndFiles() {
        let notClock = device("Clock", type: "Harp device", extra: [("serial_number", "1"), ("is_clock_generator", false)])
        let outcome = merge(instrument("A", components: [notClock, device("E1")]), instrument("B", components: [notClock, device("E1")]))
        #expect(outcome.conflicts.map(\.kind) == [.sharedDevice, .sharedDevice])
        #expect(outcome.conflicts.map(\.field) == ["Clock", "E1"])
        #expect(outcome.conflicts.allSatisfy { $0.files == ["1.json", "2.json"] })
    }

    @Test func onlyOneClockMayBeShared() {
        let outcome = merge(instrument("A", components: [clock("C1"), clock("C2")]), instrument("B", components: [clock("C1"), clock("C2")]))
        #expect(outcome.conflicts.map(\.kind) == [.secondSharedClock])
    }

    @Test func threeWayMergeNamesTheFileThatFirstDefinedADevice() {
        let outcome = merge(instrument("A", components: [device("P")]), instrument("B", components: [device("Q")]), instrument("C", components: [device("P")]))
        #expect(outcome.conflicts.first?.files == ["1.json", "3.json"])
        let ok = merge(instrument("A", components: [clock()]), instrument("B", components: [clock()]), instrument("C", components: [device("Z")]))
        #expect(ok.merged?["instrument_id"] == "A_B_C")
    }

    @Test func mixingKindsIsAnError() {
        let outcome = merge(instrument("A"), acquisition("A"))
        #expect(outcome.conflicts.map(\.kind) == [.mixedKinds])
        #expect(merge(["object_type": "Subject"]).conflicts.map(\.kind) == [.unknownKind])
    }

    @Test func oneDocumentMergesToItself() throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: composerFixtures.appendingPathComponent("examples").path).sorted() {
            let data = try Data(contentsOf: composerFixtures.appendingPathComponent("examples/\(name)"))
            let merged = try #require(Composer.merge([Composer.Document(name: name, value: try JSONParser.parse(data))]).merged)
            #expect(JSONWriter.referenceBytes(merged) == Array(data), "\(name)")
        }
    }
}

@Suite struct AcquisitionRuleTests {
    @Test func keyFieldsAndEmptyAcquisitionType() throws {
        #expect(merge(acquisition("A", subject: "1"), acquisition("B", subject: "2")).conflicts.map(\.field) == ["subject_id"])
        #expect(merge(acquisition("A", type: "X"), acquisition("B", type: "Y")).conflicts.map(\.field) == ["acquisition_type"])
        let filled = try #require(merge(acquisition("A", type: ""), acquisition("B", type: "Y")).merged)
        #expect(filled["acquisition_type"] == "Y")
    }

    @Test func listsDeduplicateInOrderAndTimesSpanBoth() throws {
        let a = acquisition("A", start: "2025-07-18T12:00:00-07:00", end: "2025-07-18T13:00:00-07:00", experimenters: ["Kim", "Bar"], ethics: ["2115"], notes: "a")
        let b = acquisition("B", start: "2025-07-18T18:30:00Z", end: "2025-07-18T21:00:00.5Z", experimenters: ["Bar", "Foo"], ethics: ["2115", "9"], notes: "b")
        let merged = try #require(merge(a, b).merged)
        #expect(merged["experimenters"] == ["Kim", "Bar", "Foo"])
        #expect(merged["ethics_review_id"] == ["2115", "9"])
        // a starts 19:00Z, b at 18:30Z: the earlier instant wins, with its own offset.
        #expect(merged["acquisition_start_time"] == "2025-07-18T18:30:00Z")
        #expect(merged["acquisition_start_tz"] == .int(0))
        #expect(merged["acquisition_end_time"] == "2025-07-18T21:00:00.500000Z")
        #expect(merged["notes"] == "a\nb")
        #expect(merged["instrument_id"] == "A_B")
    }

    @Test func onlyOneSetOfSubjectDetails() throws {
        let details: JSONValue = ["object_type": "Acquisition subject details"]
        #expect(merge(acquisition("A", details: details), acquisition("B", details: details)).conflicts.map(\.kind) == [.subjectDetails])
        #expect(merge(acquisition("A"), acquisition("B", details: details)).merged?["subject_details"] == details)
    }

    @Test func streamsWithin120SecondsMergeOthersStaySeparate() throws {
        let code: JSONValue = [["object_type": "Code", "url": "u"]]
        let a = acquisition("A", streams: [stream("2025-07-18T12:00:00-07:00", "2025-07-18T13:00:00-07:00", devices: ["Clock", "P"], code: code)])
        let b = acquisition("B", streams: [
            stream("2025-07-18T19:02:00Z", "2025-07-18T19:58:00Z", devices: ["Clock", "Q"], modality: "fib"),
            stream("2025-07-18T19:02:01Z", "2025-07-18T20:30:00Z", devices: ["R"]),
        ])
        let outcome = merge(a, b)
        let merged = try #require(outcome.merged)
        let streams = try #require(merged["data_streams"]?.arrayValue)
        #expect(streams.count == 2)
        #expect(streams[0]["active_devices"] == ["Clock", "P", "Q"])
        #expect(streams[0]["modalities"]?.arrayValue?.count == 2)
        #expect(streams[0]["code"] == .null)  // the reference builds merged streams without code
        #expect(streams[0]["stream_end_time"] == "2025-07-18T13:00:00-07:00")
        #expect(streams[1]["active_devices"] == ["R"])
        #expect(outcome.notes.contains { $0.contains("duplicate active devices") })
    }
}

@Suite struct LosslessTests {
    /// Each example merged with a disjoint document of the same kind keeps every field and component of the example.
    @Test func noFieldOfAnExampleIsLost() throws {
        let dir = composerFixtures.appendingPathComponent("examples")
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
            let example = try JSONParser.parse(try Data(contentsOf: dir.appendingPathComponent(name)))
            guard case .object(var other) = example else { continue }
            // Disjoint: no shared component names, nothing to combine but what must combine.
            if example["object_type"] == "Instrument" {
                other["instrument_id"] = "DISJOINT"
                other["components"] = [device("Disjoint device \(name)")]
                other["connections"] = []
                other["notes"] = .null
                other["calibrations"] = .null
            } else {
                other["instrument_id"] = "DISJOINT"
                other["data_streams"] = []
                other["stimulus_epochs"] = []
                other["calibrations"] = []
                other["maintenance"] = []
                other["subject_details"] = .null
                other["notes"] = .null
            }
            let outcome = Composer.merge([Composer.Document(name: name, value: example), Composer.Document(name: "disjoint.json", value: .object(other))])
            let merged = try #require(outcome.merged, "\(name): \(outcome.conflicts.map(\.summary))")
            // Lists the merge concatenates keep the example's entries first, unchanged (data streams are checked below:
            // the merge may regroup them).
            for key in ["components", "stimulus_epochs", "connections", "calibrations", "maintenance"] {
                let original = example[key]?.arrayValue ?? []
                let kept = merged[key]?.arrayValue ?? []
                #expect(Array(kept.prefix(original.count)) == original, "\(name).\(key)")
            }
            // Every original data stream's devices and configurations survive (streams may be re-timed or grouped).
            let originalConfigs = (example["data_streams"]?.arrayValue ?? []).flatMap { $0["configurations"]?.arrayValue ?? [] }
            let keptConfigs = (merged["data_streams"]?.arrayValue ?? []).flatMap { $0["configurations"]?.arrayValue ?? [] }
            #expect(Set(keptConfigs).isSuperset(of: originalConfigs), "\(name)")
            let originalDevices = (example["data_streams"]?.arrayValue ?? []).flatMap { $0["active_devices"]?.arrayValue ?? [] }
            let keptDevices = (merged["data_streams"]?.arrayValue ?? []).flatMap { $0["active_devices"]?.arrayValue ?? [] }
            #expect(Set(keptDevices).isSuperset(of: originalDevices), "\(name)")
            // Every model object of the example (its components, or its streams' configurations and stimulus epochs)
            // is still in the merged document, unchanged; the set checked is never empty.
            let source = example["object_type"] == "Instrument"
                ? example["components"]?.allObjects ?? []
                : originalConfigs.flatMap(\.allObjects) + (example["stimulus_epochs"]?.allObjects ?? [])
            #expect(!source.isEmpty || (example["data_streams"]?.arrayValue ?? []).allSatisfy { ($0["configurations"]?.arrayValue ?? []).isEmpty }, "\(name)")
            #expect(Set(merged.allObjects).isSuperset(of: source), "\(name)")
        }
    }
}

extension JSONValue {
    /// Every object nested in this value.
    var allObjects: [JSONValue] {
        switch self {
        case .object(let o): return [self] + o.values.flatMap(\.allObjects)
        case .array(let a): return a.flatMap(\.allObjects)
        default: return []
        }
    }
}

extension Composer.Outcome {
    subscript(key: String) -> JSONValue? { merged?[key] }
}

@Suite struct ExternalStreamTests {
    @Test func externalDataStreamsAreNeverMergedAndComeLast() throws {
        let external: JSONValue = [
            "object_type": "External data stream", "stream_start_time": "2025-07-18T12:00:00-07:00",
            "stream_end_time": "2025-07-18T13:00:00-07:00", "modalities": [], "notes": .null,
        ]
        let a = acquisition("A", streams: [external, stream("2025-07-18T12:00:00-07:00", "2025-07-18T13:00:00-07:00", devices: ["P"])])
        let b = acquisition("B", streams: [stream("2025-07-18T12:00:30-07:00", "2025-07-18T13:00:30-07:00", devices: ["Q"])])
        let streams = try #require(merge(a, b).merged?["data_streams"]?.arrayValue)
        #expect(streams.map { $0["object_type"]?.stringValue } == ["Data stream", "External data stream"])
        #expect(streams[0]["active_devices"] == ["P", "Q"])
        #expect(streams[1] == external)
    }
}

/// Refusals say what to change: both values of a key field, and what a duplicated device is.
@Suite struct RefusalMessageTests {
    @Test func aDifferingGlobalCoordinateSystemShowsBothValuesWhereTheyDiffer() throws {
        guard case .object(var other) = instrument("B") else {
            Issue.record("instrument() is not an object")
            return
        }
        other["global_coordinate_system"] = ["object_type": "Coordinate system", "name": "SPIM_RPI"]
        let outcome = merge(instrument("A"), .object(other))
        let conflict = try #require(outcome.conflicts.first { $0.field == "global_coordinate_system" })
        #expect(conflict.message == "global coordinate system differs (at name): \"BREGMA_ARI\" in 1.json, \"SPIM_RPI\" in 2.json; both documents must give the same value")
        let acquisitions = merge(acquisition("A", subject: "1"), acquisition("A", subject: "2"))
        #expect(acquisitions.conflicts.first { $0.field == "subject_id" }?.message.contains("\"1\" in 1.json, \"2\" in 2.json") == true)
    }

    /// A patch cord in both instruments: named with its type, identical or where it differs, how to resolve it, and
    /// no word about clock generators (it is no Harp device).
    @Test func aDuplicatedPatchCordSaysWhatItIsAndHowToResolveIt() throws {
        let cord = device("Patch Cord 0", type: "Fiber patch cord", extra: [("core_diameter", 200)])
        let same = merge(instrument("A", components: [cord]), instrument("B", components: [cord]))
        let identical = try #require(same.conflicts.first { $0.kind == .sharedDevice })
        #expect(identical.message.hasPrefix("device 'Patch Cord 0' is in both 1.json (Fiber patch cord) and 2.json (Fiber patch cord)"))
        #expect(identical.message.contains("the two descriptions are identical"))
        #expect(identical.message.contains("rename one"))
        #expect(!identical.message.contains("clock generator"))
        let thicker = device("Patch Cord 0", type: "Fiber patch cord", extra: [("core_diameter", 400)])
        let differs = try #require(merge(instrument("A", components: [cord]), instrument("B", components: [thicker])).conflicts.first { $0.kind == .sharedDevice })
        #expect(differs.message.contains("the descriptions differ (core_diameter: 200 in 1.json, 400 in 2.json)"))
        // A Harp device that is not a shared clock generator is told about the one exception.
        let harp = device("Harp Behavior", type: "Harp device")
        let harpConflict = try #require(merge(instrument("A", components: [harp]), instrument("B", components: [harp])).conflicts.first { $0.kind == .sharedDevice })
        #expect(harpConflict.message.contains("is_clock_generator: true"))
    }
}
