import AindSchemas
import Foundation
import MapperCatalog
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Version

let pipelineFixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

/// The real pipeline over the shipped mappers and configs (real composer, real validator).
func shippedPipeline() throws -> Pipeline {
    Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "test"))
}

/// A session folder with the FIP fixture (and any extra files), and a separate output folder beside it.
func fipSession(fip: Data? = nil, extra: [String: String] = [:]) throws -> (session: URL, output: URL) {
    let base = try makeTemporaryFolder("pipeline")
    let dir = base.appendingPathComponent("session")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try (fip ?? Data(contentsOf: pipelineFixtures.appendingPathComponent("fip-session/fip.json"))).write(to: dir.appendingPathComponent("fip.json"))
    for (name, text) in extra { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    return (dir, base.appendingPathComponent("out"))
}

func request(_ yaml: String = "mappers: {fiber: {settings: {implanted_fibers: [0, 1], acquisition_type: AindVrForaging}}}") throws -> Resolver.Request {
    Resolver.Request(job: try JobConfig.parse(yaml: yaml, file: "job.yaml"))
}

/// Visible entries of a folder, sorted.
func contents(_ dir: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
}

func hashes(_ dir: URL) -> [String: String] {
    var out: [String: String] = [:]
    let enumerator = FileManager.default.enumerator(atPath: dir.path)
    while let relative = enumerator?.nextObject() as? String {
        let url = dir.appendingPathComponent(relative)
        if let digest = Digest.sha256(ofFile: url) { out[relative] = digest }
    }
    return out
}

// MARK: - A folder-input mapper (test double)

/// `tally@1.0.0`: claims every `rec */` folder of a session; for each, lists it, reads `meta.json` whole and the
/// first 16 bytes of `header.bin`, and never opens `data.bin`. One behavior data stream per folder.
struct TallySettings: Decodable, Sendable {
    var acquisitionType: String
    enum CodingKeys: String, CodingKey { case acquisitionType = "acquisition_type" }
}

struct TallyV1: Mapper {
    typealias Settings = TallySettings
    static let identity = MapperIdentity(name: "tally", version: Version(1, 0, 0))
    static let modalities = ["behavior"]
    static let inputs: [InputPattern] = ["rec */"]

    func map(_ input: MapperInput, constants: NoConstants, settings: TallySettings, context: MapperContext) throws(DiagnosticError) -> MapperOutput {
        let models = try context.models(.acquisition)
        var streams: [JSONValue] = []
        var subject = ""
        var start: Timestamp?
        var end: Timestamp?
        for folder in input.claimed {
            let entries = try input.list(folder)
            guard entries.contains(where: { $0.name == "meta.json" }) else {
                throw DiagnosticError("no meta.json", at: input.location(folder))
            }
            let meta = try input.json(MapperInput.join(folder, "meta.json"))
            let header = try input.head(MapperInput.join(folder, "header.bin"), 16)
            subject = meta["subject"]?.stringValue ?? ""
            let from = try context.timestamp(meta["start"]?.stringValue ?? "", at: input.location(folder))
            let to = try context.timestamp(meta["end"]?.stringValue ?? "", at: input.location(folder))
            start = start ?? from
            end = to
            do {
                streams.append(
                    try models.make(
                        "DataStream",
                        [
                            "stream_start_time": .timestamp(from), "stream_end_time": .timestamp(to),
                            "modalities": [try models.modality("behavior")], "active_devices": [], "configurations": [],
                            "notes": .string("\(folder): header \(header.count) bytes"),
                        ]))
            } catch {
                throw DiagnosticError(error)
            }
        }
        guard let start, let end else { throw DiagnosticError("nothing claimed") }
        do {
            let document = try models.document([
                "subject_id": .string(subject), "acquisition_start_time": .timestamp(start), "acquisition_start_tz": start.derivedTimeZone,
                "acquisition_end_time": .timestamp(end), "instrument_id": "TALLY-1", "acquisition_type": .string(settings.acquisitionType),
                "data_streams": .array(streams),
            ])
            return MapperOutput(documents: [(.acquisition, document)])
        } catch {
            throw DiagnosticError(error)
        }
    }
}

let tallyConfigs: [String: String] = [
    "tally/1.0.0.yaml": "mapper: tally\nversion: 1.0.0\nschema: 2.9.2\nsettings:\n  acquisition_type: Tally\n"
]

func tallyPipeline() throws -> Pipeline {
    Pipeline(resolver: Resolver(registry: try MapperRegistry([TallyV1.self]), configs: try ConfigStore(embedded: tallyConfigs), rigmapVersion: "test"))
}

/// A session with `rec A` and `rec B` folders (and an unclaimed `notes.txt`), plus an output folder beside it.
func tallySession() throws -> (session: URL, output: URL) {
    let base = try makeTemporaryFolder("tally")
    let dir = base.appendingPathComponent("session")
    for (name, minute) in [("rec A", 0), ("rec B", 30)] {
        let rec = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: rec, withIntermediateDirectories: true)
        let meta = #"{"subject": "123456", "start": "2025-01-02T10:\#(String(format: "%02d", minute)):00-08:00", "end": "2025-01-02T10:\#(String(format: "%02d", minute + 20)):00-08:00"}"#
        try meta.write(to: rec.appendingPathComponent("meta.json"), atomically: true, encoding: .utf8)
        try Data((0..<64).map { UInt8($0) }).write(to: rec.appendingPathComponent("header.bin"))
        try Data(repeating: 7, count: 4096).write(to: rec.appendingPathComponent("data.bin"))
    }
    try "unclaimed".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
    return (dir, base.appendingPathComponent("out"))
}
