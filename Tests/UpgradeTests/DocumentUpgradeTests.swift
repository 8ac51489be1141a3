import AindSchemas
import Foundation
import MapperTesting
import MetadataModel
import Pipeline
import RigMapperCore
import Testing
import Upgrade
import Validation

private let examples = Bundle.module.url(forResource: "Fixtures/aind-2.9.2", withExtension: nil)

private func example(_ name: String) throws -> JSONValue {
    let folder = try #require(examples)
    return try JSONDocument.read(folder.appendingPathComponent(name))
}

private func settings(_ assignments: String...) throws -> UpgradeSettings {
    var settings = UpgradeSettings()
    for assignment in assignments { try settings.set(assignment) }
    return settings
}

private let bregmaARI =
    #"{"object_type":"Coordinate system","name":"BREGMA_ARI","origin":"Bregma","axes":[{"object_type":"Axis","name":"AP","direction":"Posterior_to_anterior"},{"object_type":"Axis","name":"ML","direction":"Left_to_right"},{"object_type":"Axis","name":"SI","direction":"Superior_to_inferior"}],"axis_unit":"micrometer"}"#

@Suite struct DocumentUpgradeTests {
    @Test func everyReferenceExampleIsUpgradedOrRefusedWithAReason() throws {
        let folder = try #require(examples)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count == 20)
        let target = try #require(SchemaRelease("3.0.0"))
        var upgraded = 0
        for name in names {
            let outcome = DocumentUpgrade.upgrade(try example(name), settings: try settings("code.version=0.0.0-unknown"), file: name)
            switch outcome.status {
            case .upgraded:
                upgraded += 1
                let document = try #require(outcome.document)
                #expect(document["coordinate_system"] == nil, "\(name)")
                #expect(try AindValidator.validate(document, release: target).filter { $0.severity == .error }.isEmpty, "\(name)")
                let expected = outcome.kind == .acquisition ? "3.0.0" : "3.0.2"
                #expect(document["schema_version"]?.stringValue == expected, "\(name)")
            case .refused:
                #expect(outcome.diagnostics.contains { $0.severity == .error && !$0.message.isEmpty }, "\(name)")
                #expect(outcome.document == nil)
            }
        }
        #expect(upgraded == 15)
    }

    @Test func deprecatedCoordinateSystemBecomesGlobalAndIsReported() throws {
        var document = try example("mri_acquisition.json")
        guard case .object(var object) = document else { throw UpgradeTestError("not an object") }
        let system = try #require(object["global_coordinate_system"])
        #expect(system.objectValue != nil)
        object["coordinate_system"] = system
        object["global_coordinate_system"] = .null
        document = .object(object)
        let outcome = DocumentUpgrade.upgrade(document)
        #expect(outcome.status == .upgraded, "\(outcome.diagnostics)")
        #expect(outcome.document?["global_coordinate_system"] == system)
        let change = try #require(outcome.changes.first { $0.path.description == "coordinate_system" })
        #expect(change.action == .renamed)
        #expect(change.to?.description == "global_coordinate_system")
    }

    @Test func channelIndexBecomesPortAndNullsAreDroppedAsReported() throws {
        var document = try example("ephys_instrument.json")
        let channels = JSONPath([.key("components"), .index(6), .key("channels")])
        guard case .object(var channel)? = document[channels]?[0] else { throw UpgradeTestError("unexpected fixture") }
        channel["channel_index"] = 3
        document = try replacing(document, at: channels.appending(index: 0), with: .object(channel))
        let outcome = DocumentUpgrade.upgrade(document)
        #expect(outcome.status == .upgraded, "\(outcome.diagnostics)")
        let upgraded = try #require(outcome.document)
        #expect(upgraded[channels]?[0]?["port"] == 3)
        #expect(!JSONWriter.compactString(upgraded).contains("\"channel_index\""))
        #expect(outcome.changes.contains { $0.action == .renamed && $0.to?.description == "components[6].channels[0].port" })
        #expect(outcome.changes.contains { $0.action == .dropped && $0.path.description == "components[6].channels[1].channel_index" })
    }

    @Test func codeWithoutVersionIsRefusedNamingTheFieldUnlessSet() throws {
        let document = try example("fip_ophys_acquisition.json")
        let refused = DocumentUpgrade.upgrade(document)
        #expect(refused.status == .refused)
        #expect(refused.diagnostics.contains { $0.location?.jsonPath?.description == "stimulus_epochs[0].code.version" && $0.message.contains("code.version") })
        let upgraded = DocumentUpgrade.upgrade(document, settings: try settings("code.version=2.1"))
        #expect(upgraded.status == .upgraded, "\(upgraded.diagnostics)")
        #expect(upgraded.document?["stimulus_epochs"]?[0]?["code"]?["version"] == .string("2.1"))
        #expect(upgraded.changes.contains { $0.action == .set && $0.path.description == "stimulus_epochs[0].code.version" })
    }

    /// The target release's unit rule (its `ModelDialect`, the one `rigmap validate` applies): 2.9.2 lets a 0 through
    /// with no unit, 3.0.0 requires the unit for any value but null, and a unit cannot be made up.
    @Test func aValueWithoutItsUnitIsRefusedNamingTheField() throws {
        let original = try example("fip_behavior_instrument.json")
        let place = JSONPath([.key("components"), .index(5)])
        guard case .object(let led)? = original[place] else { throw UpgradeTestError("unexpected fixture") }
        #expect(led["object_type"] == "Light emitting diode")
        var zero = led
        zero["bandwidth"] = 0
        zero["bandwidth_unit"] = .null
        var document = try replacing(original, at: place, with: .object(zero))
        #expect(AindValidator.validate(document, as: .instrument).filter { $0.severity == .error }.isEmpty)
        let refused = DocumentUpgrade.upgrade(document, settings: try settings("code.version=1.0"))
        #expect(refused.status == .refused)
        #expect(refused.diagnostics.contains { $0.location?.jsonPath?.description == "components[5].bandwidth" && $0.message.contains("bandwidth_unit") })
        // A null value needs no unit.
        var none = led
        none["bandwidth"] = .null
        none["bandwidth_unit"] = .null
        document = try replacing(original, at: place, with: .object(none))
        #expect(DocumentUpgrade.upgrade(document, settings: try settings("code.version=1.0")).status == .upgraded)
    }

    @Test func aFramelessInstrumentNeedsTheSetting() throws {
        var document = try example("exaspim_instrument.json")
        guard case .object(var object) = document else { throw UpgradeTestError("not an object") }
        object["global_coordinate_system"] = .null
        object["coordinate_system"] = .null
        document = .object(object)
        let refused = DocumentUpgrade.upgrade(document)
        #expect(refused.status == .refused)
        #expect(refused.diagnostics.contains { $0.location?.jsonPath?.description == "global_coordinate_system" && $0.message.contains("instrument.global_coordinate_system") })
        let upgraded = DocumentUpgrade.upgrade(document, settings: try settings("instrument.global_coordinate_system=\(bregmaARI)"))
        #expect(upgraded.status == .upgraded, "\(upgraded.diagnostics)")
        #expect(upgraded.document?["global_coordinate_system"]?["name"] == .string("BREGMA_ARI"))
        #expect(upgraded.changes.contains { $0.action == .set && $0.path.description == "global_coordinate_system" })
    }

    @Test func devicesSharingANameAreRefused() throws {
        let outcome = DocumentUpgrade.upgrade(try example("multiplane_ophys_instrument.json"))
        #expect(outcome.status == .refused)
        #expect(outcome.diagnostics.contains { $0.message.contains("'Behavior Camera', 'Eye Camera', 'Face Camera'") })
    }

    @Test func squareAffineGainsAZeroTranslationColumn() throws {
        let outcome = DocumentUpgrade.upgrade(try example("ephys_instrument.json"))
        #expect(outcome.status == .upgraded, "\(outcome.diagnostics)")
        let rows = try #require(outcome.document?["components"]?[14]?["transform"]?[0]?["affine_transform"]?.arrayValue)
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.arrayValue?.count == 4 && $0.arrayValue?.last == .number(JSONNumber(0.0)) })
        #expect(outcome.changes.contains { $0.action == .changed && $0.note.contains("zero translation") })
    }

    @Test func planarTransformsInAThreeAxisFrameAreRefusedWithTheSizes() throws {
        let outcome = DocumentUpgrade.upgrade(try example("slap2_acquisition.json"))
        #expect(outcome.status == .refused)
        #expect(outcome.diagnostics.contains { $0.message.contains("to have 3 values") && $0.message.contains("it has 2") })
    }

    @Test func aValueWithoutAFieldIsCarriedIntoNotes() throws {
        // A device-level coordinate_system that differs from the device's local one: carried, not lost.
        var document = try example("ephys_instrument.json")
        guard case .object(var object) = document, case .array(var components)? = object["components"], case .object(var device) = components[14] else {
            throw UpgradeTestError("unexpected fixture")
        }
        guard case .object(var system)? = device["coordinate_system"] else { throw UpgradeTestError("no coordinate_system") }
        system["name"] = "OTHER_ARI"
        device["coordinate_system"] = .object(system)
        components[14] = .object(device)
        object["components"] = .array(components)
        document = .object(object)
        let outcome = DocumentUpgrade.upgrade(document)
        #expect(outcome.status == .upgraded, "\(outcome.diagnostics)")
        let notes = try #require(outcome.document?["components"]?[14]?["notes"]?.stringValue)
        #expect(notes.contains("OTHER_ARI"))
        let change = try #require(outcome.changes.first { $0.action == .carried })
        #expect(change.path.description == "components[14].coordinate_system")
        #expect(change.to?.description == "components[14].notes")
    }

    @Test func allowLossDropsWhatNotesWouldCarryAndQuotesIt() throws {
        var document = try example("ephys_instrument.json")
        let path = JSONPath([.key("components"), .index(14), .key("coordinate_system"), .key("name")])
        document = try replacing(document, at: path, with: "OTHER_ARI")
        var settings = UpgradeSettings()
        settings.allowLoss = true
        let outcome = DocumentUpgrade.upgrade(document, settings: settings)
        #expect(outcome.status == .upgraded, "\(outcome.diagnostics)")
        #expect(outcome.document?["components"]?[14]?["notes"] == document["components"]?[14]?["notes"])
        let change = try #require(outcome.changes.first { $0.path.description == "components[14].coordinate_system" })
        #expect(change.action == .dropped)
        #expect(change.to == nil)
        #expect(change.note.contains("OTHER_ARI"))
    }

    @Test func documentsThatAreNotTwoNineTwoAreRefused() throws {
        let upgraded = try #require(DocumentUpgrade.upgrade(try example("exaspim_instrument.json")).document)
        let again = DocumentUpgrade.upgrade(upgraded)
        #expect(again.status == .refused)
        #expect(again.diagnostics.first?.message.contains("already a biodata-schema 3.0.0") == true)
        let other = DocumentUpgrade.upgrade(["object_type": "Subject", "schema_version": "2.0.0"])
        #expect(other.status == .refused)
        #expect(other.diagnostics.first?.location?.jsonPath?.description == "object_type")
    }

    @Test func settingsAreCheckedAndNamed() throws {
        var settings = UpgradeSettings()
        #expect(throws: UpgradeSettingsError.self) { try settings.set("code.nothing=1") }
        #expect(throws: UpgradeSettingsError.self) { try settings.set("instrument.global_coordinate_system=BREGMA") }
        #expect(throws: UpgradeSettingsError.self) { try settings.set("no-equals") }
        try settings.set("code.version=1.0")
        #expect(settings.codeVersion == "1.0")
        try settings.apply(["upgrade": ["code": ["commit_hash": "abc123"], "transforms": ["local_frame": true]]], source: "job.yaml")
        #expect(settings.codeCommitHash == "abc123")
        #expect(settings.transformsLocalFrame)
        #expect(JSONWriter.compactString(settings.jsonValue) == #"{"code":{"commit_hash":"abc123","version":"1.0"},"transforms":{"local_frame":true}}"#)
    }

    @Test func outputIsDeterministic() throws {
        let document = try example("ephys_instrument.json")
        let first = DocumentUpgrade.upgrade(document).document.map { JSONWriter.referenceBytes($0) }
        let second = DocumentUpgrade.upgrade(document).document.map { JSONWriter.referenceBytes($0) }
        #expect(first != nil)
        #expect(first == second)
    }
}

/// `document` with the value at `path` replaced.
func replacing(_ document: JSONValue, at path: JSONPath, with value: JSONValue) throws -> JSONValue {
    guard let first = path.components.first else { return value }
    let rest = JSONPath(Array(path.components.dropFirst()))
    switch (document, first) {
    case (.object(var object), .key(let key)):
        object[key] = try replacing(object[key] ?? .null, at: rest, with: value)
        return .object(object)
    case (.array(var items), .index(let i)) where items.indices.contains(i):
        items[i] = try replacing(items[i], at: rest, with: value)
        return .array(items)
    default:
        throw UpgradeTestError("no \(path) in the document")
    }
}

struct UpgradeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
