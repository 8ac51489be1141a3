import AindSchemas
import MetadataModel
import Testing
import Validation

/// The definitions the four rig families (fiber, behavior, ecephys, SPIM) build, by document kind.
let usedDefinitions: [DocumentKind: [String]] = [
    .acquisition: [
        "DataStream", "Code", "Connection", "DetectorConfig", "LightEmittingDiodeConfig", "LaserConfig", "Channel", "PatchCordConfig",
        "EphysAssemblyConfig", "ManipulatorConfig", "ProbeConfig", "Translation", "Scale", "ImagingConfig", "ImageSPIM", "SampleChamberConfig",
        "Immersion", "CoordinateSystem", "Axis", "DeviceConfig", "StimulusEpoch", "AcquisitionSubjectDetails", "OlfactometerConfig",
        "SpeakerConfig", "MousePlatformConfig",
    ],
    .instrument: [
        "HarpDevice", "Olfactometer", "OlfactometerChannel", "Computer", "Connection", "CameraAssembly", "Camera", "Lens", "DAQChannel",
        "DAQDevice", "Device", "EphysAssembly", "EphysProbe", "Manipulator", "NeuropixelsBasestation", "ProbePort", "LightEmittingDiode",
        "FiberPatchCord", "Filter", "Objective", "Laser", "ScanningStage", "CoordinateSystem", "Axis", "Detector", "Wheel", "Speaker",
        "LickSpout", "LickSpoutAssembly", "MotorizedStage",
    ],
]

/// Fills only the required fields of a definition with the simplest values its schema allows.
struct RequiredFiller {
    let models: ModelFactory

    func value(for definition: String?, depth: Int = 0) throws -> JSONValue {
        var fields = JSONObject()
        let properties = models.schema.definition(definition)?["properties"]?.objectValue ?? [:]
        for name in models.requiredFields(of: definition) {
            fields[name] = try value(of: properties[name] ?? .null, depth: depth + 1)
        }
        return try models.make(definition, fields)
    }

    func value(of schema: JSONValue, depth: Int) throws -> JSONValue {
        if let constant = schema["const"] { return constant }
        if let first = schema["enum"]?.arrayValue?.first { return first }
        if let mapping = schema["discriminator"]?["mapping"]?.objectValue, let target = mapping.values.first?.stringValue {
            return try value(of: ["$ref": .string(target)], depth: depth)
        }
        if let ref = schema["$ref"]?.stringValue {
            let name = String(ref.split(separator: "/").last ?? "")
            guard let target = models.schema.definition(name) else { return .null }
            if target["properties"] != nil { return try value(for: name, depth: depth) }
            return try value(of: .object(target), depth: depth)
        }
        for key in ["anyOf", "oneOf"] {
            if let branches = schema[key]?.arrayValue {
                let branch = branches.first { $0["type"]?.stringValue != "null" } ?? .null
                return try value(of: branch, depth: depth)
            }
        }
        switch schema["type"]?.stringValue {
        case "string":
            switch schema["format"]?.stringValue {
            case "date-time": return "2025-01-02T03:04:05Z"
            case "date": return "2025-01-02"
            default: return "x"
            }
        case "integer": return 1
        case "number": return 1.5
        case "boolean": return false
        case "array":
            let count = schema["minItems"]?.numberValue?.intValue ?? 0
            return .array(try (0..<count).map { _ in try value(of: schema["items"] ?? .null, depth: depth + 1) })
        case "object": return [:]
        default: return .null
        }
    }
}

@Suite struct ModelFactoryTests {
    let release = SchemaRelease.standard

    @Test func theReleaseIsCarriedAndKnowsItsDocumentVersions() throws {
        #expect(SchemaRelease.versions.contains("2.9.2"))
        #expect(try release.schema(.acquisition).schemaVersion == "2.5.4")
        #expect(try release.schema(.instrument).schemaVersion == "2.2.8")
        #expect(SchemaRelease("1.0.0") == nil)
    }

    @Test(arguments: DocumentKind.allCases)
    func everyUsedDefinitionBuildsFromRequiredFieldsValidatesAndKeepsSchemaOrder(kind: DocumentKind) throws {
        let models = try release.models(kind)
        let definitions = models.schema.root["$defs"] ?? [:]
        for name in usedDefinitions[kind] ?? [] {
            let value = try RequiredFiller(models: models).value(for: name)
            // Every property, in the schema's order, object_type first and set to the model's constant.
            #expect(value.objectValue.map { Array($0.keys) } == models.fields(of: name), "\(name)")
            if let constant = models.schema.definition(name)?["properties"]?["object_type"]?["const"] {
                #expect(value["object_type"] == constant, "\(name)")
            }
            // Written and read back, it validates against its definition.
            let reparsed = try JSONParser.parse(JSONWriter.referenceBytes(value))
            let validator = try JSONSchemaValidator(
                schema: ["$ref": .string("#/$defs/\(name)"), "$defs": definitions], options: .init(pydanticLax: true))
            let issues = validator.validate(reparsed).filter { $0.severity == .error }
            #expect(issues.isEmpty, "\(name): \(issues)")
            // The check has teeth: without a required field the same validator refuses it.
            if let required = models.requiredFields(of: name).first(where: { $0 != "object_type" }), case .object(var object) = reparsed {
                object.removeValue(forKey: required)
                #expect(!validator.validate(.object(object)).filter { $0.severity == .error }.isEmpty, "\(name) without \(required)")
            }
        }
    }

    @Test func theDocumentItselfBuildsWithItsDefaultsAndVersion() throws {
        let models = try release.models(.acquisition)
        let document = try RequiredFiller(models: models).value(for: nil)
        #expect(document["schema_version"] == "2.5.4")
        #expect(document.objectValue?.keys.first == "object_type")
        #expect(AindValidator.validate(document, as: .acquisition).filter { $0.severity == .error }.isEmpty)
    }

    @Test func unknownFieldsMissingRequiredFieldsAndWrongConstantsFail() throws {
        let models = try release.models(.instrument)
        #expect(throws: SchemaBuildError.self) { try models.make("HarpDevice", ["nmae": "x"]) }
        #expect(throws: SchemaBuildError.self) { try models.make("HarpDevice", ["name": "x"]) }
        #expect(throws: SchemaBuildError.self) { try models.make("NoSuchDevice", [:]) }
        #expect(throws: SchemaBuildError.self) { try models.make("Computer", ["name": "pc", "object_type": "Device"]) }
        do {
            _ = try models.make("HarpDevice", ["nmae": "x"])
        } catch {
            #expect(error.message.contains("HarpDevice has no field 'nmae'"))
        }
    }

    @Test func integersInFloatFieldsAreWrittenAsFloats() throws {
        let acquisition = try release.models(.acquisition)
        let scale = try acquisition.make("Scale", ["scale": [1.8, 1.8, 2]])
        #expect(JSONWriter.compactString(scale["scale"] ?? .null) == "[1.8,1.8,2.0]")
        let led = try acquisition.make("LightEmittingDiodeConfig", ["device_name": "LED", "power": 1, "power_unit": "percent"])
        #expect(JSONWriter.compactString(led["power"] ?? .null) == "1.0")
        let instrument = try release.models(.instrument)
        let port = try instrument.make("ProbePort", ["index": 3, "probes": ["ProbeA"]])
        #expect(JSONWriter.compactString(port["index"] ?? .null) == "3")
    }

    @Test func variantsComeFromTheSchemasTables() throws {
        let instrument = try release.models(.instrument)
        #expect(try instrument.variant("HarpDevice", "harp_device_type", matching: 1216) == ["whoami": 1216, "name": "Behavior"])
        #expect(try instrument.variant("HarpDevice", "harp_device_type", matching: "WhiteRabbit")["whoami"] == 1404)
        #expect(!instrument.hasVariant("HarpDevice", "harp_device_type", matching: 1411))
        #expect(try instrument.variant("HarpDevice", "manufacturer", matching: "IMEC")["name"] == "Interuniversity Microelectronics Center")
        #expect(try release.models(.acquisition).modality("ecephys") == ["name": "Extracellular electrophysiology", "abbreviation": "ecephys"])
    }
}
