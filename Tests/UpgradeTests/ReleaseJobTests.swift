import AindSchemas
import Foundation
import MapperCatalog
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Testing
import Validation

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let vrForaging = packageRoot.appendingPathComponent("Examples/vr-foraging-session")

private func pipeline() throws -> Pipeline {
    Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "test"))
}

private func job(_ name: String) throws -> JobConfig {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/jobs", withExtension: nil)).appendingPathComponent(name)
    return try JobConfig.load(contentsOf: url)
}

/// The vr-foraging job without its `schema:` line.
private func standardJob() throws -> JobConfig {
    var job = try job("vr-foraging-3.0.0.yaml")
    job.schema = nil
    return job
}

@Suite struct ReleaseJobTests {
    @Test func gatherWritesTheJobsReleaseAndTheLockRecordsIt() throws {
        let output = try makeTemporaryFolder("release-gather").appendingPathComponent("out")
        let report = try pipeline().gather(session: vrForaging, output: output, request: Resolver.Request(job: try job("vr-foraging-3.0.0.yaml")))
        #expect(report.status == .ok, "\(report.diagnostics)")
        let target = try #require(SchemaRelease("3.0.0"))
        let acquisition = try JSONDocument.read(output.appendingPathComponent("acquisition.json"))
        let instrument = try JSONDocument.read(output.appendingPathComponent("instrument.json"))
        #expect(acquisition["schema_version"] == "3.0.0")
        #expect(instrument["schema_version"] == "3.0.2")
        #expect(try AindValidator.validate(acquisition, release: target).filter { $0.severity == .error }.isEmpty)
        #expect(try AindValidator.validate(instrument, release: target).filter { $0.severity == .error }.isEmpty)
        // Each mapper's own document stays what it built (the lock's outputs describe those bytes).
        #expect(try JSONDocument.read(output.appendingPathComponent("acquisition_fiber.json"))["schema_version"] == "2.5.4")
        let lock = try String(contentsOf: output.appendingPathComponent("rigmap.lock"), encoding: .utf8)
        #expect(lock.contains("schema: \"biodata-schema@3.0.0\"\n"))
        #expect(lock.contains("migration: \"\(Pipeline.migrationName)\"\n"))
        #expect(report.notes.contains { $0.hasPrefix("acquisition.json: written as biodata-schema@3.0.0") })
    }

    @Test func withoutTheKeyTheOutputsAreThoseOfTheMappersRelease() throws {
        let output = try makeTemporaryFolder("release-standard").appendingPathComponent("out")
        let report = try pipeline().gather(session: vrForaging, output: output, request: Resolver.Request(job: try standardJob()))
        #expect(report.status == .ok, "\(report.diagnostics)")
        #expect(try JSONDocument.read(output.appendingPathComponent("acquisition.json"))["schema_version"] == "2.5.4")
        let lock = try String(contentsOf: output.appendingPathComponent("rigmap.lock"), encoding: .utf8)
        #expect(!lock.contains("schema:"))
        #expect(!lock.contains("migration:"))
    }

    @Test func mapWritesTheJobsRelease() throws {
        let output = try makeTemporaryFolder("release-map").appendingPathComponent("out")
        let request = Pipeline.MapRequest(
            mapper: "fiber", input: vrForaging.appendingPathComponent("fip.json"), output: output, job: Resolver.Request(job: try job("vr-foraging-3.0.0.yaml")))
        let result = try pipeline().map(request)
        #expect(result.written.contains { $0.hasSuffix("acquisition_fiber.json") })
        let acquisition = try JSONDocument.read(output.appendingPathComponent("acquisition_fiber.json"))
        #expect(acquisition["schema_version"] == "3.0.0")
        let lock = try LockFile.load(output.appendingPathComponent("rigmap.lock"))
        #expect(lock?.schema == "biodata-schema@3.0.0")
        let bytes = try Data(contentsOf: output.appendingPathComponent("acquisition_fiber.json"))
        #expect(lock?.outputs["acquisition_fiber.json"]?.sha256 == Digest.sha256(Array(bytes)))
    }

    @Test func badUpgradeSettingsRefuseTheGatherNamingTheKey() throws {
        var job = try job("vr-foraging-3.0.0.yaml")
        job.upgrade = try ConfigValue.parseYAML("code: {nothing: 1}", file: "job.yaml")
        let output = try makeTemporaryFolder("release-bad-settings").appendingPathComponent("out")
        let report = try pipeline().gather(session: vrForaging, output: output, request: Resolver.Request(job: job))
        #expect(report.status == .refused)
        #expect(report.diagnostics.contains { $0.message.contains("unknown upgrade setting 'code.nothing'") })
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("acquisition.json").path))
    }

    @Test func theSchemaKeyIsCheckedWhereItIsWritten() throws {
        let error = thrownDiagnostics { _ = try JobConfig.parse(yaml: "schema: biodata-schema@9.9.9\n", file: "job.yaml") }
        #expect(error.first?.message.contains("unknown schema release 'biodata-schema@9.9.9'") == true)
        #expect(error.first?.location?.line == 1)
        let parsed = try JobConfig.parse(yaml: "schema: biodata-schema@3.0.0\nupgrade: {code: {version: '1.0'}}\n", file: "job.yaml")
        #expect(parsed.schema == SchemaRelease("3.0.0"))
        #expect(parsed.upgrade?["code"]?["version"]?.scalarText == "1.0")
    }

    @Test func anExperimentLockPinsTheRelease() throws {
        let experiment = try makeTemporaryFolder("release-experiment")
        try "schema: \"biodata-schema@3.0.0\"\nmappers: {}\n".write(to: experiment.appendingPathComponent("rigmap.lock"), atomically: true, encoding: .utf8)
        let resolver = Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "test")
        // A job that says nothing writes the pinned release.
        var plain = JobConfig()
        plain.experiment = experiment.path
        #expect(try resolver.resolve(Resolver.Request(job: plain)).schema == SchemaRelease("3.0.0"))
        // A job asking for another is refused, naming both, unless the pin is moved.
        var other = plain
        other.schema = SchemaRelease("2.9.2")
        let refused = thrownDiagnostics { _ = try resolver.resolve(Resolver.Request(job: other)) }
        #expect(refused.contains { $0.message.contains("asks for schema aind-data-schema@2.9.2") && $0.message.contains("pins biodata-schema@3.0.0") })
        var moving = Resolver.Request(job: other)
        moving.updateLock = true
        let moved = try resolver.resolve(moving)
        #expect(moved.schema == nil)
        #expect(moved.updatedExperimentLock?.schema == "aind-data-schema@2.9.2")
        // `rigmap pin biodata-schema@3.0.0` writes the pin.
        let pinned = try resolver.pin(["biodata-schema@3.0.0"], into: nil)
        #expect(pinned.schema == "biodata-schema@3.0.0")
        #expect(pinned.yaml.contains("schema: \"biodata-schema@3.0.0\"\n"))
    }
}
