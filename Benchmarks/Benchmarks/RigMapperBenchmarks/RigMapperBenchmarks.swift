// The hot paths of `rigmap`, each measured for time and allocations so a regression shows: JSON parse and write of an
// 11 MB instrument, validation of a 20,000-component instrument, the merge of two 10,000-component instruments,
// mapping one FIP session, and the schema compilation a cold process pays once.
import AindSchemas
import Benchmark
import Foundation
import MapperCatalog
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Validation

/// The repository (this file is in Benchmarks/Benchmarks/RigMapperBenchmarks/).
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// An instrument with `count` LEDs (copies of the example's 470 nm LED) and a shared clock, as the merge benchmark
/// of `Scripts/bench-merge` builds it.
func instrument(_ count: Int, rig: String) -> JSONValue {
    let example = (try? JSONDocument.read(repository.appendingPathComponent("Tests/MetadataModelTests/Fixtures/examples/fip_behavior_instrument.json"))) ?? .null
    guard case .object(var document) = example, let components = example["components"]?.arrayValue else { return .null }
    guard case .object(var led)? = components.first(where: { $0["name"] == "470nm LED" }),
        case .object(var clock)? = components.first(where: { $0["name"] == "Harp Behavior" })
    else { return .null }
    clock["name"] = "Harp ClockGenerator"
    clock["is_clock_generator"] = true
    clock["channels"] = []
    var list: [JSONValue] = [.object(clock)]
    for i in 0..<(count - 1) {
        led["name"] = .string("\(rig) LED \(i)")
        led["serial_number"] = .string(String(i))
        list.append(.object(led))
    }
    document["instrument_id"] = .string("RIG_\(rig)")
    document["modalities"] = [["name": "Behavior", "abbreviation": "behavior"]]
    document["calibrations"] = .null
    document["connections"] = []
    document["components"] = .array(list)
    return .object(document)
}

let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident]
    Benchmark.defaultConfiguration = .init(metrics: metrics, maxDuration: .seconds(10), maxIterations: 50)

    let big = instrument(20_000, rig: "A")
    let bigBytes = JSONWriter.referenceBytes(big)

    Benchmark("parse: 11 MB instrument (20,000 components)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try JSONParser.parse(bigBytes)) }
    }
    Benchmark("write: 11 MB instrument, reference layout") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(JSONWriter.referenceBytes(big)) }
    }
    Benchmark("validate: 20,000-component instrument (schema compiled once)") { benchmark in
        _ = AindValidator.validate(big, as: .instrument)  // compile outside the measurement
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(AindValidator.validate(big, as: .instrument)) }
    }
    Benchmark("compile: the Instrument schema of aind-data-schema 2.9.2, cold") { benchmark in
        let root = try SchemaRelease.newest.schema(.instrument).root  // the whole schema, parsed outside the measurement
        benchmark.startMeasurement()
        // Every part compiled up front (not lazily, as validation does), to keep measuring the compiler itself.
        for _ in benchmark.scaledIterations { blackHole(try JSONSchemaValidator(schema: root, options: .init(pydanticLax: true))) }
    }
    let a = instrument(10_000, rig: "A")
    let b = instrument(10_000, rig: "B")
    Benchmark("merge: 2 × 10,000 components, validated") { benchmark in
        let pipeline = Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "bench"))
        _ = pipeline.merge([("instrument_a.json", a), ("instrument_b.json", b)], release: .newest)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(pipeline.merge([("instrument_a.json", a), ("instrument_b.json", b)], release: .newest)) }
    }
    Benchmark("map: fiber@1.4.0 on Examples/fip-session (warm process)") { benchmark in
        let pipeline = Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "bench"))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rigmap-bench-\(UUID().uuidString)")
        let job = try JobConfig.load(contentsOf: repository.appendingPathComponent("Examples/fip-session/job.yaml"), displayName: "job.yaml")
        let request = Pipeline.MapRequest(
            mapper: "fiber", input: repository.appendingPathComponent("Examples/fip-session/fip.json"), output: out, job: Resolver.Request(job: job))
        _ = try pipeline.map(request)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try pipeline.map(request)) }
        benchmark.stopMeasurement()
        try? FileManager.default.removeItem(at: out)
    }
}
