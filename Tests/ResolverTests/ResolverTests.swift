import Foundation
import MapperTesting
import MetadataModel
import Resolver
import RigMapperCore
import Testing
import Version

// A test mapper family: `probe` 1.0.0, 1.2.0, 1.3.0 and a 2.0.0-rc.1 pre-release; 1.5.0 arrives later.
struct ProbeSettings: Decodable, Sendable {
    var gain: Double
    var channels: [Int]
    var labels: [String: String]?
}

protocol ProbeVersion: Mapper where Settings == ProbeSettings, Constants == NoConstants {}
extension ProbeVersion {
    static var modalities: [String] { ["ecephys"] }
    static var inputs: [InputPattern] { ["probe.json"] }
    func map(_ input: MapperInput, constants: NoConstants, settings: ProbeSettings, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        MapperOutput(documents: [(.acquisition, ["version": .string(Self.identity.version.description), "gain": .float(settings.gain)])])
    }
}
struct Probe1_0: ProbeVersion { static let identity = MapperIdentity(name: "probe", version: Version(1, 0, 0)) }
struct Probe1_2: ProbeVersion { static let identity = MapperIdentity(name: "probe", version: Version(1, 2, 0)) }
struct Probe1_3: ProbeVersion { static let identity = MapperIdentity(name: "probe", version: Version(1, 3, 0)) }
struct Probe1_5: ProbeVersion { static let identity = MapperIdentity(name: "probe", version: Version(1, 5, 0)) }
struct Probe2_0rc: ProbeVersion { static let identity = MapperIdentity(name: "probe", version: Version(2, 0, 0, pre: ["rc", "1"])) }

let probeConfigs: [String: String] = {
    var files: [String: String] = [:]
    for v in ["1.0.0", "1.2.0", "1.3.0", "1.5.0", "2.0.0-rc.1"] {
        files["probe/\(v).yaml"] = "mapper: probe\nversion: \(v)\nschema: 2.9.2\nsettings:\n  gain: 1.0\n  channels: [0]\n  labels: null\n"
    }
    files["job_types/probe_std.yaml"] = "mappers:\n  probe:\n    version: \"~1.2.0\"\n    settings:\n      gain: 2.0\n      labels: {a: x}\n"
    return files
}()

func resolver(_ types: [any Mapper.Type] = [Probe1_0.self, Probe1_2.self, Probe1_3.self, Probe2_0rc.self]) throws -> Resolver {
    Resolver(registry: try MapperRegistry(types), configs: try ConfigStore(embedded: probeConfigs), rigmapVersion: "9.9.9")
}

/// A job file written into a fresh folder (so `experiment:` paths resolve against it).
func job(_ yaml: String, lock: String? = nil) throws -> JobConfig {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("resolver-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("exp"), withIntermediateDirectories: true)
    try yaml.write(to: dir.appendingPathComponent("job.yaml"), atomically: true, encoding: .utf8)
    if let lock { try lock.write(to: dir.appendingPathComponent("exp/rigmap.lock"), atomically: true, encoding: .utf8) }
    return try JobConfig.load(contentsOf: dir.appendingPathComponent("job.yaml"), displayName: "job.yaml")
}

func failure(_ body: () throws -> Void) -> [Diagnostic] { thrownDiagnostics(body) }

let pinned1_0 = "mappers:\n  probe:\n    version: 1.0.0\n"

@Suite struct PrecedenceTests {
    @Test func latestReleaseWhenNothingAsks() throws {
        let r = try resolver().resolve(.init(job: try job("mappers: {probe: {}}")))
        #expect(r.mapper("probe")?.version == Version(1, 3, 0))
        #expect(r.mapper("probe")?.source == .latest)
    }

    @Test func jobTypeDefaultBeatsLatest() throws {
        let r = try resolver().resolve(.init(job: try job("job_type: probe_std")))
        #expect(r.mapper("probe")?.version == Version(1, 2, 0))
        #expect(r.mapper("probe")?.source == .jobType)
    }

    @Test func experimentLockBeatsJobType() throws {
        let r = try resolver().resolve(.init(job: try job("job_type: probe_std\nexperiment: exp\n", lock: pinned1_0)))
        #expect(r.mapper("probe")?.version == Version(1, 0, 0))
        #expect(r.mapper("probe")?.source == .experiment)
    }

    @Test func jobVersionBeatsJobTypeAndAgreesWithLock() throws {
        let r = try resolver().resolve(.init(job: try job("job_type: probe_std\nmappers: {probe: {version: 1.3.0}}")))
        #expect(r.mapper("probe")?.version == Version(1, 3, 0))
        #expect(r.mapper("probe")?.source == .job)
        // A range in the job that the pin satisfies resolves to the pin.
        let pinned = try resolver().resolve(.init(job: try job("experiment: exp\nmappers: {probe: {version: '^1.0'}}", lock: pinned1_0)))
        #expect(pinned.mapper("probe")?.version == Version(1, 0, 0))
        #expect(pinned.mapper("probe")?.source == .experiment)
    }

    @Test func commandLineBeatsJob() throws {
        var request = Resolver.Request(job: try job("mappers: {probe: {version: 1.3.0}}"))
        request.versionOverrides["probe"] = VersionRequirement("1.0.0")
        let r = try resolver().resolve(request)
        #expect(r.mapper("probe")?.version == Version(1, 0, 0))
        #expect(r.mapper("probe")?.source == .commandLine)
    }
}

@Suite struct PinTests {
    @Test func jobContradictingTheLockIsRefusedNamingBoth() throws {
        let found = failure { _ = try resolver().resolve(.init(job: try job("experiment: exp\nmappers:\n  probe:\n    version: 1.3.0\n", lock: pinned1_0))) }
        #expect(found.count == 1)
        #expect(found.first?.message.contains("probe@1.3.0") == true)
        #expect(found.first?.message.contains("pins probe@1.0.0") == true)
        #expect(found.first?.location?.file == "job.yaml")
        #expect(found.first?.location?.line == 4)
    }

    @Test func updateLockMovesThePin() throws {
        var request = Resolver.Request(job: try job("experiment: exp\nmappers: {probe: {version: 1.3.0}}", lock: pinned1_0))
        request.updateLock = true
        let r = try resolver().resolve(request)
        #expect(r.mapper("probe")?.version == Version(1, 3, 0))
        #expect(r.updatedExperimentLock?.mappers["probe"]?.version == Version(1, 3, 0))
        #expect(r.updatedExperimentLock?.rigmapVersion == "9.9.9")
    }

    @Test func pinSurvivesTheArrivalOfANewerVersion() throws {
        let before = try resolver().resolve(.init(job: try job("experiment: exp\nmappers: {probe: {}}", lock: pinned1_0)))
        let newer = try resolver([Probe1_0.self, Probe1_2.self, Probe1_3.self, Probe1_5.self])
        let after = try newer.resolve(.init(job: try job("experiment: exp\nmappers: {probe: {}}", lock: pinned1_0)))
        #expect(before.mapper("probe")?.version == Version(1, 0, 0))
        #expect(after.mapper("probe")?.version == Version(1, 0, 0))
        // Without the pin the newer version wins.
        #expect(try newer.resolve(.init(job: try job("mappers: {probe: {}}"))).mapper("probe")?.version == Version(1, 5, 0))
    }

    @Test func pinRecordsExactVersionsConfigHashesAndTime() throws {
        let lock = try resolver().pin(["probe@^1.0"], into: nil, now: Date(timeIntervalSince1970: 0))
        #expect(lock.mappers["probe"]?.version == Version(1, 3, 0))
        #expect(lock.mappers["probe"]?.configSHA256 == Digest.sha256(probeConfigs["probe/1.3.0.yaml"] ?? ""))
        #expect(lock.created == "1970-01-01T00:00:00Z")
        #expect(lock.rigmapVersion == "9.9.9")
        let reread = try LockFile.load(try writeTemp(lock.yaml))
        #expect(reread == lock)
    }

    /// Names with characters YAML reads as line breaks (NEL, LINE and PARAGRAPH SEPARATOR), control characters and
    /// quotes survive a lock's write and read.
    @Test func lockKeysWithLineBreakCharactersRoundTrip() throws {
        var lock = LockFile(rigmapVersion: "9.9.9")
        let odd = ["a\u{85}b", "c\u{2028}d", "e\u{2029}f", "g\u{7F}h\u{1}i", "quote\"and\\slash", "tab\tnew\nline"]
        var inputs: [String: String] = [:]
        for (i, name) in odd.enumerated() { inputs["f:\(name)"] = String(repeating: "\(i)", count: 64) }
        lock.outputs["acquisition_x.json"] = LockFile.OutputRecord(mapper: "x@1.0.0", settingsSHA256: "s", inputs: inputs, inputSHA256: "i", sha256: "o")
        let reread = try LockFile.load(try writeTemp(lock.yaml))
        #expect(reread == lock)
    }

    @Test func lockPinningAVersionThisBinaryLacksIsAnError() throws {
        let found = failure { _ = try resolver().resolve(.init(job: try job("experiment: exp\nmappers: {probe: {}}", lock: "mappers:\n  probe:\n    version: 7.0.0\n"))) }
        #expect(found.first?.message.contains("pins probe@7.0.0") == true)
        #expect(found.first?.message.contains("available: 1.0.0, 1.2.0, 1.3.0, 2.0.0-rc.1") == true)
    }

    func writeTemp(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString).lock")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}

@Suite struct RangeAndMessageTests {
    @Test func rangesResolveToTheNewestMatchAndSkipPreReleases() throws {
        for (range, expected) in [("^1.0", "1.3.0"), ("~1.2.0", "1.2.0"), (">=1.0.0 <1.3.0", "1.2.0"), (">=1.0.0", "1.3.0"), ("2.0.0-rc.1", "2.0.0-rc.1")] {
            let r = try resolver().resolve(.init(job: try job("mappers: {probe: {version: '\(range)'}}")))
            #expect(r.mapper("probe")?.version.description == expected, "\(range)")
        }
    }

    @Test func unknownMapperAndVersionListWhatExists() throws {
        let unknownName = failure { _ = try resolver().resolve(.init(job: try job("mappers: {prob: {}}"))) }
        #expect(unknownName.first?.message.contains("available: probe (1.0.0, 1.2.0, 1.3.0, 2.0.0-rc.1)") == true)
        let unknownVersion = failure { _ = try resolver().resolve(.init(job: try job("mappers:\n  probe:\n    version: 4.0.0\n"))) }
        #expect(unknownVersion.first?.message.contains("available: 1.0.0, 1.2.0, 1.3.0, 2.0.0-rc.1") == true)
        #expect(unknownVersion.first?.location?.line == 3)
        let unknownType = failure { _ = try resolver().resolve(.init(job: try job("job_type: nope"))) }
        #expect(unknownType.first?.message.contains("available: probe_std") == true)
    }
}

@Suite struct SettingsLayerTests {
    @Test func layersMergeInOrderAndExplainTheirSource() throws {
        var request = Resolver.Request(job: try job("job_type: probe_std\nmappers:\n  probe:\n    settings:\n      channels: [1, 2]\n      labels: {b: y}\n"))
        request.settingOverrides = try Resolver.settingOverrides(["probe.gain=3.5"])
        let r = try resolver().resolve(request)
        let m = try #require(r.mapper("probe"))
        #expect(m.settings.jsonValue == ["gain": 3.5, "channels": [1, 2], "labels": ["a": "x", "b": "y"]])
        let layers = Dictionary(uniqueKeysWithValues: m.origins.map { ($0.path, $0.layer) })
        #expect(layers == ["gain": "command_line", "channels": "job", "labels.a": "job_type", "labels.b": "job"])
        #expect(m.origins.first { $0.path == "channels" }?.location?.line == 5)
    }

    @Test func unknownSettingKeysAreLocated() throws {
        let found = failure { _ = try resolver().resolve(.init(job: try job("mappers:\n  probe:\n    settings:\n      gian: 2\n"))) }
        #expect(found.count == 1)
        #expect(found.first?.message.contains("unknown key 'gian'") == true)
        #expect(found.first.map { "\($0.location?.file ?? ""):\($0.location?.line ?? 0):\($0.location?.column ?? 0)" } == "job.yaml:4:7")
    }

    /// A misspelt key is reported where the key is written, not where its value starts (here, on the next line).
    @Test func aMisspeltKeyIsReportedAtTheKey() {
        let yaml = "timezone: America/Los_Angeles\nmappers:\n  fiber:\n    version: 1.4.0\n  behavior:\n    setings:\n      location: \"447\"\n"
        let found = failure { _ = try JobConfig.parse(yaml: yaml, file: "job.yaml") }
        #expect(found.count == 1)
        #expect(found.first?.message.contains("unknown key 'mappers.behavior.setings'") == true)
        #expect(found.first.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0)" } == "6:5")
        let top = failure { _ = try JobConfig.parse(yaml: "mapers:\n  fiber: {}\n", file: "job.yaml") }
        #expect(top.first.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0)" } == "1:1")
    }

    @Test func malformedJobYAMLGivesLineAndColumn() {
        let found = failure { _ = try job("mappers:\n  probe: {version: 1.0.0\n") }
        #expect(found.first?.location?.file == "job.yaml")
        #expect(found.first?.location?.line == 3)
    }

    @Test func jobFileReportsEveryProblem() {
        let yaml = "timezone: Mars/Base\nraise_if_invalid: maybe\nmapers: {}\nmappers:\n  fiber:\n    version: one\n    setings: {}\n"
        let found = failure { _ = try JobConfig.parse(yaml: yaml, file: "job.yaml") }
        #expect(found.count == 5)
        #expect(found.map { $0.location?.line ?? 0 } == [1, 2, 3, 6, 7])
    }

    @Test func jobTypeDefaultsForFlagsAndJobOverrides() throws {
        // The job type sets the flags and the zone; a job that says nothing inherits them, a job that says otherwise wins.
        var files = probeConfigs
        files["job_types/strict_berlin.yaml"] = "timezone: Europe/Berlin\nraise_if_invalid: false\nraise_if_mapper_errors: false\nmappers: {probe: {version: \"1.0.0\"}}\n"
        let r = Resolver(registry: try MapperRegistry([Probe1_0.self, Probe1_2.self]), configs: try ConfigStore(embedded: files), rigmapVersion: "9.9.9")
        let inherited = try r.resolve(.init(job: try job("job_type: strict_berlin\n")))
        #expect(inherited.raiseIfInvalid == false)
        #expect(inherited.raiseIfMapperErrors == false)
        #expect(inherited.timezone == "Europe/Berlin")
        #expect(inherited.mapper("probe")?.source == .jobType)
        let overridden = try r.resolve(.init(job: try job("job_type: strict_berlin\nraise_if_invalid: true\ntimezone: Asia/Tokyo\n")))
        #expect(overridden.raiseIfInvalid == true)
        #expect(overridden.raiseIfMapperErrors == false)
        #expect(overridden.timezone == "Asia/Tokyo")
        // Without a job type, the defaults: strict, no zone.
        let plain = try r.resolve(.init(job: try job("mappers: {probe: {version: \"1.0.0\"}}\n")))
        #expect(plain.raiseIfInvalid == true && plain.raiseIfMapperErrors == true && plain.timezone == nil)
    }

    @Test func settingsHashIsStableAndSensitive() throws {
        let a = try resolver().resolve(.init(job: try job("mappers: {probe: {settings: {gain: 2}}}"))).mapper("probe")?.settingsSHA256
        let b = try resolver().resolve(.init(job: try job("mappers:\n  probe:\n    settings:\n      gain: 2\n"))).mapper("probe")?.settingsSHA256
        let c = try resolver().resolve(.init(job: try job("mappers: {probe: {settings: {gain: 3}}}"))).mapper("probe")?.settingsSHA256
        #expect(a == b)
        #expect(a != c)
    }
}

@Suite struct DigestTests {
    @Test func knownVectors() {
        #expect(Digest.sha256(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Digest.sha256([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func aFileIsHashedInChunksToTheSameDigest() throws {
        // Larger than one chunk and not a multiple of it, so the last partial chunk and the end of file both matter.
        let bytes = (0..<(2 * 1_048_576 + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let url = try makeTemporaryFolder().appendingPathComponent("big.bin")
        try Data(bytes).write(to: url)
        #expect(Digest.sha256(ofFile: url) == Digest.sha256(bytes))
        let empty = url.deletingLastPathComponent().appendingPathComponent("empty.bin")
        try Data().write(to: empty)
        #expect(Digest.sha256(ofFile: empty) == Digest.sha256([UInt8]()))
        #expect(Digest.sha256(ofFile: url.deletingLastPathComponent().appendingPathComponent("missing")) == nil)
    }
}

@Suite struct JobTypeAcrossVersionsTests {
    @Test func jobTypeSettingsUnknownToTheChosenVersionAreDroppedWithAWarning() throws {
        var files = probeConfigs
        files["probe/1.0.0.yaml"] = "mapper: probe\nversion: 1.0.0\nschema: 2.9.2\nsettings:\n  gain: 1.0\n  channels: [0]\n"  // no `labels`
        let r = Resolver(registry: try MapperRegistry([Probe1_0.self, Probe1_2.self]), configs: try ConfigStore(embedded: files), rigmapVersion: "9")
        // probe 1.0.0's settings type still accepts `labels`, but its config does not list it: the job type's is dropped.
        let resolved = try r.resolve(.init(job: try job("job_type: probe_std\nmappers: {probe: {version: 1.0.0}}")))
        #expect(resolved.mapper("probe")?.settings["labels"] == nil)
        #expect(resolved.mapper("probe")?.settings["gain"]?.scalarText == "2.0")
        #expect(resolved.warnings.contains { $0.message.contains("'labels' does not apply to probe@1.0.0") })
        // The same key written in the job itself is checked strictly (here it is a real setting, so it is kept).
        let strict = try r.resolve(.init(job: try job("mappers: {probe: {version: 1.0.0, settings: {labels: {a: b}}}}")))
        #expect(strict.mapper("probe")?.settings["labels"]?["a"]?.scalarText == "b")
    }
}
