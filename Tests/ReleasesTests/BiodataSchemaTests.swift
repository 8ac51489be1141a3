import AindSchemas
import Composer
import Foundation
import MetadataModel
@testable import Releases
import Testing
import Validation

let releaseFixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil) ?? URL(fileURLWithPath: "/nonexistent")

func fixture(_ folder: String, _ name: String) throws -> JSONValue {
    try JSONParser.parse(try Data(contentsOf: releaseFixtures.appendingPathComponent("\(folder)/\(name)")))
}

func fixtureNames(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: releaseFixtures.appendingPathComponent(folder).path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
}

let biodata = BiodataSchema300().release

func errors(_ document: JSONValue, _ release: SchemaRelease = biodata) throws -> [ValidationIssue] {
    try AindValidator.validate(document, release: release).filter { $0.severity == .error }
}

/// `document` with `edit` applied to its top-level object.
func edited(_ document: JSONValue, _ edit: (inout JSONObject) -> Void) -> JSONValue {
    guard case .object(var object) = document else { return document }
    edit(&object)
    return .object(object)
}

/// `value` with `edit` applied to the object at `path` (keys and indices).
func editing(_ value: JSONValue, at path: ArraySlice<JSONPath.Component>, _ edit: (inout JSONObject) -> Void) -> JSONValue {
    guard let head = path.first else {
        guard case .object(var object) = value else { return value }
        edit(&object)
        return .object(object)
    }
    switch (head, value) {
    case (.key(let key), .object(var object)):
        object[key] = editing(object[key] ?? .null, at: path.dropFirst(), edit)
        return .object(object)
    case (.index(let i), .array(var items)) where items.indices.contains(i):
        items[i] = editing(items[i], at: path.dropFirst(), edit)
        return .array(items)
    default:
        return value
    }
}

@Suite struct BiodataSchemaTests {
    @Test func fixturesExist() {
        #expect(fixtureNames("biodata-3.0.0").count >= 10)
        #expect(fixtureNames("biodata-3.0.0-refused").count >= 5)
    }

    /// Made from the aind-data-schema 2.9.2 examples and accepted by biodata-schema 3.0.0 (Scripts/make-biodata-fixtures.py).
    @Test(arguments: fixtureNames("biodata-3.0.0"))
    func everyFixtureIsValid(_ name: String) throws {
        let document = try fixture("biodata-3.0.0", name)
        #expect(try errors(document).map(\.description) == [], "\(name)")
    }

    /// Refused by biodata-schema 3.0.0 for one reason: a transform with fewer or more values than its coordinate
    /// system has axes.
    @Test(arguments: fixtureNames("biodata-3.0.0-refused"))
    func axisCountMismatchesAreRefused(_ name: String) throws {
        let found = try errors(try fixture("biodata-3.0.0-refused", name))
        #expect(found.contains { $0.message.hasPrefix("axis count mismatch for ") }, "\(name): \(found)")
    }

    @Test func codeNeedsAVersionOrACommitHash() throws {
        let document = try fixture("biodata-3.0.0", "ephys_acquisition.json")
        let path: [JSONPath.Component] = [.key("stimulus_epochs"), .index(0), .key("code")]
        guard document["stimulus_epochs"]?[0]?["code"]?["object_type"]?.stringValue == "Code" else {
            Issue.record("the fixture's first stimulus epoch has no code")
            return
        }
        let bare = editing(document, at: path[...]) { code in
            code["version"] = .null
            code["commit_hash"] = .null
        }
        let found = try errors(bare)
        #expect(found.map(\.path.description) == ["stimulus_epochs[0].code"])
        #expect(found.first?.message.contains("commit_hash or version") ?? false)
        // Under aind-data-schema 2.9.2 the same Code was only a warning of the reference's, not an error.
        #expect(try errors(edited(bare) { $0["schema_version"] = "2.5.4" }, .standard).filter { $0.path.description.hasPrefix("stimulus_epochs[0].code") }.isEmpty)
        let hashed = editing(bare, at: path[...]) { $0["commit_hash"] = "abcdef1234" }
        #expect(try errors(hashed).isEmpty)
    }

    @Test func duplicateDeviceNamesAreErrors() throws {
        let document = try fixture("biodata-3.0.0", "fip_ophys_instrument.json")
        guard let components = document["components"]?.arrayValue, components.count > 2, let name = components[0]["name"]?.stringValue else {
            Issue.record("fixture has too few components")
            return
        }
        let doubled = editing(document, at: [.key("components"), .index(1)][...]) { $0["name"] = .string(name) }
        let found = try errors(doubled).filter { $0.message.hasPrefix("duplicate component names") }
        #expect(found.map(\.message) == ["duplicate component names found: ['\(name)']"])
        // aind-data-schema 2.9.2 only warns.
        let old = try AindValidator.validate(try fixture("biodata-3.0.0", "fip_ophys_instrument.json"), release: .standard)
        #expect(!old.contains { $0.message.hasPrefix("duplicate component names") })
    }

    @Test func oneObjectReferredToTwiceIsNoCollision() throws {
        // Two camera assemblies holding the same camera (equal values): no collision. A camera that differs: one.
        let camera: JSONValue = [
            "object_type": "Camera", "name": "Cam", "manufacturer": ["name": "Other"], "notes": "n", "data_interface": "USB",
            "detector_type": "Camera", "cooling": "Air",
        ]
        let instrument: JSONValue = ["components": [["object_type": "Camera assembly", "name": "A", "camera": camera], ["object_type": "Camera assembly", "name": "B", "camera": camera]]]
        #expect(BiodataRules.duplicateNames(instrument).isEmpty)
        let differs = editing(instrument, at: [.key("components"), .index(1), .key("camera")][...]) { $0["serial_number"] = "2" }
        #expect(BiodataRules.duplicateNames(differs).map(\.message) == ["duplicate component names found: ['Cam']"])
    }

    @Test func singleModelValidators() {
        let rotation: JSONValue = ["a": ["object_type": "Rotation", "angles": [1, 2, 3], "axis_order": "xyw"]]
        #expect(BiodataRules.models(rotation).map(\.path.description) == ["a.axis_order"])
        #expect(BiodataRules.models(["a": ["object_type": "Rotation", "axis_order": "ZYX"]]).isEmpty)
        let image: JSONValue = ["object_type": "Planar image", "planes": [["object_type": "Plane"], ["object_type": "Plane"]]]
        #expect(BiodataRules.models(image).map(\.path.description) == ["planes"])
        #expect(BiodataRules.models(["object_type": "Planar image", "planes": [["object_type": "Coupled plane"], ["object_type": "Coupled plane"]]]).isEmpty)
        #expect(BiodataRules.models(["object_type": "Data asset", "name": .null, "url": ""]).count == 1)
        #expect(BiodataRules.models(["object_type": "Data asset", "url": "s3://x"]).isEmpty)
    }

    @Test func deprecatedTwoXFieldsAreRefused() throws {
        let document = try fixture("biodata-3.0.0", "fip_ophys_acquisition.json")
        let old = edited(document) { $0["coordinate_system"] = $0["global_coordinate_system"] }
        #expect(try errors(old).map(\.path.description).contains("coordinate_system"))
    }

    @Test func componentNamesAreDevicesAndAssemblies() throws {
        let instrument = try fixture("biodata-3.0.0", "fip_ophys_instrument.json")
        let names = BiodataSchema300().componentNames(ofInstrument: instrument)
        let everyModelName = AindDataSchema292().componentNames(ofInstrument: instrument)
        #expect(Set(names).isSubset(of: Set(everyModelName)))
        // The global coordinate system is named, but it is no device.
        if let system = instrument["global_coordinate_system"]?["name"]?.stringValue, system != instrument["instrument_id"]?.stringValue {
            #expect(!names.contains(system))
        }
        #expect(names.last == instrument["instrument_id"]?.stringValue)
    }
}

@Suite struct DialectTests {
    /// A model with a unit field; `power` set to 0 and no unit.
    static let schema: JSONValue = [
        "type": "object",
        "properties": ["object_type": ["const": "M", "default": "M"], "power": ["type": "number"], "power_unit": ["default": .null]],
    ]

    @Test func governedZeroIsSetOnlyIn300() throws {
        let value: JSONValue = ["object_type": "M", "power": 0]
        let old = try JSONSchemaValidator(schema: Self.schema, options: .init(dialect: AindDataSchema292().dialect))
        let new = try JSONSchemaValidator(schema: Self.schema, options: .init(dialect: BiodataSchema300().dialect))
        let plain = try JSONSchemaValidator(schema: Self.schema)
        #expect(old.validate(value).isEmpty)  // 2.9.2: 0 is falsy, so not set
        #expect(new.validate(value).map(\.message) == ["unit power_unit is required when power is set"])
        #expect(plain.validate(value).isEmpty)  // no dialect: plain JSON Schema
        #expect(new.validate(["object_type": "M", "power": 0, "power_unit": "mW"]).isEmpty)
    }

    @Test func laxCoercionsComeFromTheDialect() throws {
        let schema: JSONValue = ["type": "object", "properties": ["object_type": ["const": "M"], "n": ["type": "number"]]]
        let value: JSONValue = ["object_type": "Other", "n": "1.5"]
        #expect(try JSONSchemaValidator(schema: schema, options: .init(dialect: BiodataSchema300().dialect)).validate(value).isEmpty)
        #expect(try JSONSchemaValidator(schema: schema).validate(value).count == 2)
    }
}

@Suite struct ReleaseMergeTests {
    @Test func mixedReleasesAreRefusedNamingBoth() throws {
        let new = try fixture("biodata-3.0.0", "fip_ophys_acquisition.json")
        let old = edited(new) { $0["schema_version"] = "2.5.4" }
        let outcome = Composer.merge([Composer.Document(name: "new.json", value: new), Composer.Document(name: "old.json", value: old)])
        #expect(outcome.merged == nil)
        let message = outcome.conflicts.first?.message ?? ""
        #expect(outcome.conflicts.map(\.kind) == [.schemaVersion])
        for part in ["new.json is biodata-schema 3.0.0 (schema_version 3.0.0)", "old.json is aind-data-schema 2.9.2 (schema_version 2.5.4)"] {
            #expect(message.contains(part), "\(message)")
        }
    }

    @Test func a300MergeCarriesNoDeprecatedField() throws {
        let document = try fixture("biodata-3.0.0", "fip_ophys_acquisition.json")
        let second = edited(document) { $0["subject_details"] = .null }
        let outcome = Composer.merge([Composer.Document(name: "a.json", value: document), Composer.Document(name: "b.json", value: second)])
        let merged = try #require(outcome.merged)
        #expect(merged["coordinate_system"] == nil)
        #expect(merged["describedBy"] == (try biodata.schema(.acquisition)).document["properties"]?["describedBy"]?["default"])
        #expect(try errors(merged).isEmpty)
        // The same documents merged as 2.9.2 reset the deprecated field, as 2.9.2's reference does.
        let old = Composer.merge([Composer.Document(name: "a.json", value: document), Composer.Document(name: "b.json", value: second)], release: .standard)
        #expect(old.merged?["coordinate_system"] == .null)
    }
}
