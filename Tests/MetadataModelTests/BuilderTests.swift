import Foundation
import MetadataModel
import Testing

@Suite struct BuilderTests {
    func example(_ name: String) throws -> JSONValue {
        try JSONParser.parse(try Data(contentsOf: exampleDirectory.appendingPathComponent(name)))
    }

    @Test func acquisitionAndDataStreamFieldsFollowTheReferenceOrder() throws {
        let reference = try example("fip_ophys_acquisition.json")
        let t = try Timestamp(parsing: "2025-01-01T00:00:00Z")
        let stream = DataStream(streamStartTime: t, streamEndTime: t, modalities: [.fiberPhotometry], activeDevices: [], configurations: [])
        let built = Acquisition(subjectID: "1", acquisitionStartTime: t, acquisitionEndTime: t, acquisitionType: "x", dataStreams: [stream]).jsonValue
        #expect(Array(built.objectValue?.keys ?? []) == Array(reference.objectValue?.keys ?? []))
        let referenceStream = try #require(reference["data_streams"]?[0])
        #expect(Array(built["data_streams"]?[0]?.objectValue?.keys ?? []) == Array(referenceStream.objectValue?.keys ?? []))
    }

    @Test func configBuildersMatchExampleObjectsOfTheSameType() throws {
        // Collect the first object of each object_type in the FIP example to compare key order.
        var byType: [String: JSONObject] = [:]
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                if let t = o["object_type"]?.stringValue, byType[t] == nil { byType[t] = o }
                o.values.forEach(walk)
            case .array(let a): a.forEach(walk)
            default: break
            }
        }
        walk(try example("fip_ophys_acquisition.json"))
        let detector = DetectorConfig(deviceName: "d", exposureTime: 1, triggerType: "Internal")
        let built: [String: JSONValue] = [
            "Code": Code(url: "u").jsonValue,
            "Light emitting diode config": LightEmittingDiodeConfig(deviceName: "l").jsonValue,
            "Detector config": detector.jsonValue,
            "Channel": Channel(channelName: "c", detector: detector).jsonValue,
            "Patch cord config": PatchCordConfig(deviceName: "p", channels: []).jsonValue,
        ]
        for (type, value) in built {
            let reference = try #require(byType[type], "no \(type) in the example")
            #expect(Array(value.objectValue?.keys ?? []) == Array(reference.keys), "\(type)")
        }
    }

    @Test func floatFieldsAreWrittenAsFloats() {
        let led = LightEmittingDiodeConfig(deviceName: "470nm LED", power: 20, powerUnit: "percent")
        #expect(JSONWriter.compactString(led.jsonValue).contains(#""power":20.0"#))
    }
}
