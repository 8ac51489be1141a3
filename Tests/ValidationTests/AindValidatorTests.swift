import Foundation
import MetadataModel
import Testing
import Validation

let validationFixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

func example(_ name: String) throws -> JSONValue {
    try JSONParser.parse(try Data(contentsOf: validationFixtures.appendingPathComponent("examples/\(name)")))
}

func exampleNames() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: validationFixtures.appendingPathComponent("examples").path)) ?? []).sorted()
}

/// `document` with `edit` applied to its top-level object.
func edited(_ document: JSONValue, _ edit: (inout JSONObject) -> Void) -> JSONValue {
    guard case .object(var object) = document else { return document }
    edit(&object)
    return .object(object)
}

func errors(_ document: JSONValue) throws -> [ValidationIssue] {
    try AindValidator.validate(document).filter { $0.severity == .error }
}

@Suite struct AindValidatorTests {
    @Test func embeddedSchemasCompile() {
        #expect(AindValidator.schemasCompiled)
    }

    @Test(arguments: exampleNames())
    func everyExampleIsValid(_ name: String) throws {
        #expect(try errors(try example(name)).map(\.description) == [], "\(name)")
    }

    @Test func unknownObjectTypeIsNotValidated() throws {
        #expect(throws: AindValidator.UnknownKind.self) { try AindValidator.validate(["object_type": "Subject"]) }
    }

    @Test func missingAndWrongFieldsAreAllReported() throws {
        let doc = edited(try example("fip_ophys_acquisition.json")) { o in
            o["subject_id"] = nil
            o["experimenters"] = "one person"
            o["acquisition_end_time"] = "2024-02-30T10:00:00Z"
        }
        let paths = Set(try errors(doc).map(\.path.description))
        #expect(paths == ["subject_id", "experimenters", "acquisition_end_time"])
    }

    @Test func pydanticCoercionsAreAccepted() throws {
        let doc = edited(try example("fip_ophys_acquisition.json")) { o in
            o["schema_version"] = "1.0.0"  // coerced to the current version by the reference
            o["acquisition_start_tz"] = "-08:00"  // legacy fixed-offset string
            o["acquisition_end_time"] = "2024-01-15T17:00:00"  // naive: the reference attaches a zone
        }
        #expect(try errors(doc).isEmpty)
    }
}

@Suite struct AindRuleTests {
    @Test func instrumentIDRequiredWithDataStreams() throws {
        let doc = edited(try example("fip_ophys_acquisition.json")) { $0["instrument_id"] = .null }
        #expect(try errors(doc).map(\.path.description) == ["instrument_id"])
    }

    @Test func specimenMustContainSubject() throws {
        let ok = edited(try example("exaspim_acquisition.json")) { _ in }
        #expect(try errors(ok).isEmpty)
        let bad = edited(try example("exaspim_acquisition.json")) { $0["specimen_id"] = "other-specimen" }
        #expect(try errors(bad).contains { $0.path.description == "specimen_id" && $0.message.contains("must contain the subject id") })
        let missing = edited(try example("exaspim_acquisition.json")) { $0["specimen_id"] = .null }
        #expect(try errors(missing).contains { $0.message.contains("specimen_id is required for modality 'SPIM'") })
    }

    @Test func modalityNeedsItsConfigurations() throws {
        let doc = edited(try example("fip_ophys_acquisition.json")) { o in
            if case .array(var streams)? = o["data_streams"], case .object(var s)? = streams.first {
                s["configurations"] = .array((s["configurations"]?.arrayValue ?? []).filter { $0["object_type"] != "Patch cord config" })
                streams[0] = .object(s)
                o["data_streams"] = .array(streams)
            }
        }
        #expect(try errors(doc).contains { $0.message.contains("modality 'fib' requires a configuration of type 'Patch cord config' or 'Fiber assembly config'") })
    }

    @Test func streamConnectionsNameActiveDevices() throws {
        let doc = edited(try example("ephys_acquisition.json")) { o in
            if case .array(var streams)? = o["data_streams"], case .object(var s)? = streams.first {
                s["connections"] = [["object_type": "Connection", "source_device": "Ghost", "target_device": "Ghost 2"]]
                streams[0] = .object(s)
                o["data_streams"] = .array(streams)
            }
        }
        #expect(try errors(doc).filter { $0.message.contains("is not in the data stream's active_devices") }.count == 2)
    }

    @Test func instrumentConnectionsAndRequiredDevices() throws {
        let dangling = edited(try example("ephys_instrument.json")) { o in
            o["connections"] = [["object_type": "Connection", "source_device": "Nowhere", "target_device": "Nowhere"]]
        }
        #expect(try errors(dangling).contains { $0.message == "connection device 'Nowhere' is not part of the instrument" })
        let noCords = edited(try example("fip_ophys_instrument.json")) { o in
            o["components"] = .array((o["components"]?.arrayValue ?? []).filter { $0["object_type"] != "Fiber patch cord" })
        }
        #expect(try errors(noCords).contains { $0.message.contains("modality 'fib' requires at least one device of type 'Fiber patch cord'") })
    }

    @Test func cameraTargetOtherNeedsNotes() throws {
        let doc = edited(try example("fip_ophys_instrument.json")) { o in
            o["notes"] = .null
            if case .array(var components)? = o["components"], let i = components.firstIndex(where: { $0["object_type"] == "Camera assembly" }),
                case .object(var camera) = components[i]
            {
                camera["target"] = "Other"
                components[i] = .object(camera)
                o["components"] = .array(components)
            }
        }
        #expect(try errors(doc).contains { $0.message.contains("camera target 'Other'") })
        let withNotes = edited(doc) { $0["notes"] = "the camera looks at the ceiling" }
        #expect(try errors(withNotes).isEmpty)
    }

    @Test func duplicateComponentNamesAreWarningsOnly() throws {
        let doc = edited(try example("fip_ophys_instrument.json")) { o in
            if case .array(var components)? = o["components"], let first = components.first {
                components.append(first)
                o["components"] = .array(components)
            }
        }
        let issues = try AindValidator.validate(doc)
        #expect(issues.contains { $0.severity == .warning && $0.message.contains("duplicate component name") })
        #expect(!issues.contains { $0.severity == .error })
    }

    @Test func unitsAreRequiredWhenTheirValueIsSet() throws {
        let doc = edited(try example("fip_ophys_acquisition.json")) { o in
            if case .array(var streams)? = o["data_streams"], case .object(var s)? = streams.first,
                case .array(var configs)? = s["configurations"], let i = configs.firstIndex(where: { $0["object_type"] == "Light emitting diode config" }),
                case .object(var led) = configs[i]
            {
                led["power"] = 5
                led["power_unit"] = .null
                configs[i] = .object(led)
                s["configurations"] = .array(configs)
                streams[0] = .object(s)
                o["data_streams"] = .array(streams)
            }
        }
        #expect(try errors(doc).contains { $0.message == "unit power_unit is required when power is set" })
    }

    @Test func manufacturerOtherNeedsNotes() throws {
        let doc = edited(try example("ephys_instrument.json")) { o in
            if case .array(var components)? = o["components"], let i = components.firstIndex(where: { $0["manufacturer"] != nil && $0["manufacturer"] != .null }),
                case .object(var device) = components[i]
            {
                device["manufacturer"] = ["name": "Other", "abbreviation": .null, "registry": .null, "registry_identifier": .null]
                device["notes"] = .null
                components[i] = .object(device)
                o["components"] = .array(components)
            }
        }
        #expect(try errors(doc).contains { $0.message.contains("manufacturer is 'Other'") })
    }

    /// An instrument long enough for its components to be checked on several threads reports the same issues, in
    /// the components' order, wherever they are.
    @Test func longInstrumentsReportIssuesInComponentOrder() throws {
        let marked = [0, 3, 300, 511, 512, 899]
        let doc = edited(try example("ephys_instrument.json")) { o in
            guard case .array(let components)? = o["components"],
                let template = components.first(where: { $0["manufacturer"] != nil && $0["manufacturer"] != .null }),
                case .object(var device) = template
            else { return }
            device["notes"] = .null
            var many: [JSONValue] = []
            for i in 0..<900 {
                device["name"] = .string("device \(i)")
                device["manufacturer"] = marked.contains(i)
                    ? ["name": "Other", "abbreviation": .null, "registry": .null, "registry_identifier": .null] : template["manufacturer"] ?? .null
                many.append(.object(device))
            }
            o["components"] = .array(many)
            o["connections"] = []
        }
        let found = try errors(doc).filter { $0.message.contains("manufacturer is 'Other'") }.map(\.path.description)
        #expect(found == marked.map { "components[\($0)].notes" })
    }
}

/// `value` with the value at `path` replaced by `transform` of it (`nil` removes it).
func editing(_ value: JSONValue, at path: [JSONPath.Component], _ transform: (JSONValue?) -> JSONValue?) -> JSONValue {
    guard let first = path.first else { return transform(value) ?? .null }
    let rest = Array(path.dropFirst())
    switch (value, first) {
    case (.object(var object), .key(let key)):
        if rest.isEmpty { object[key] = transform(object[key]) } else if let member = object[key] { object[key] = editing(member, at: rest, transform) }
        return .object(object)
    case (.array(var items), .index(let i)) where items.indices.contains(i):
        if rest.isEmpty { items[i] = transform(items[i]) ?? .null } else { items[i] = editing(items[i], at: rest, transform) }
        return .array(items)
    default:
        return value
    }
}

/// Where aind-data-schema 2.9.2 (pydantic's lax mode, and its models' defaults) accepts what the raw JSON seems to
/// refuse; each case checked against the reference (`Acquisition`/`Instrument.model_validate_json`).
@Suite struct ReferenceConformanceTests {
    /// ephys_instrument's components[8] is a camera assembly whose camera, "stick microscope 2", a connection names.
    static let stickMicroscope2: [JSONPath.Component] = [.key("components"), .index(8), .key("camera")]

    /// The reference fills the camera's `object_type` from the field's type before its validators run, so its name
    /// is an instrument component; the rules ran on the raw JSON and reported the connection as dangling.
    @Test func aNestedModelWithoutObjectTypeGetsItsDefaultBeforeTheRules() throws {
        let instrument = try example("ephys_instrument.json")
        #expect(instrument["components"]?[8]?["camera"]?["name"] == "stick microscope 2")
        let untyped = editing(instrument, at: Self.stickMicroscope2 + [.key("object_type")]) { _ in nil }
        #expect(untyped["components"]?[8]?["camera"]?["object_type"] == nil)
        #expect(try errors(untyped).map(\.description) == [])
        // A connection to a device that is really missing is still refused.
        let ghost = editing(untyped, at: [.key("connections"), .index(8), .key("source_device")]) { _ in "stick microscope 9" }
        #expect(try errors(ghost).map(\.description) == ["connections[8].source_device: connection device 'stick microscope 9' is not part of the instrument"])
    }

    /// `true`/`false` are 1/0 in int and float fields, and refused in Decimal ones.
    @Test func booleansInNumericFields() throws {
        let instrument = try example("ephys_instrument.json")
        for flag in [true, false] {
            let width = editing(instrument, at: Self.stickMicroscope2 + [.key("sensor_width")]) { _ in .bool(flag) }  // int
            #expect(try errors(width).isEmpty, "\(flag)")
            let rate = editing(instrument, at: Self.stickMicroscope2 + [.key("frame_rate")]) { _ in .bool(flag) }  // Decimal
            #expect(try errors(rate).map(\.description) == ["components[8].camera.frame_rate: must be number or string (a decimal), found boolean \(flag)"])
        }
        let acquisition = try example("fip_ophys_acquisition.json")
        let configurations: [JSONPath.Component] = [.key("data_streams"), .index(0), .key("configurations")]
        #expect(try errors(editing(acquisition, at: configurations + [.index(2), .key("power")]) { _ in true }).isEmpty)  // float
        #expect(try errors(editing(acquisition, at: configurations + [.index(0), .key("exposure_time")]) { _ in false }).isEmpty)
        #expect(try errors(editing(acquisition, at: configurations + [.index(0), .key("exposure_time")]) { _ in "long" }).count == 1)
    }

    /// A NaN or an infinity made in memory (a mapper's arithmetic) would be written as `null`: an error where it is.
    @Test func nonFiniteNumbersAreErrors() throws {
        let acquisition = try example("fip_ophys_acquisition.json")
        let path: [JSONPath.Component] = [.key("data_streams"), .index(0), .key("configurations"), .index(2), .key("power")]
        for bad in [Double.nan, .infinity] {
            let found = try errors(editing(acquisition, at: path) { _ in .number(JSONNumber(bad)) })
            #expect(found.map(\.path.description) == ["data_streams[0].configurations[2].power"], "\(bad) \(found)")
        }
        #expect(try errors(editing(acquisition, at: path) { _ in .number(JSONNumber(20.5)) }).isEmpty)
    }
}
