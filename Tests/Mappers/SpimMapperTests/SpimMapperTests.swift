import AindSchemas
import Foundation
import MapperCatalog
import MapperTesting
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Testing

/// The job settings for the sample folder (the fields SLIMS would give), as job.yaml.
let sampleJob = """
    timezone: America/Los_Angeles
    mappers:
      spim:
        settings:
          specimen_id: 000000-BRN00000148
          instrument_id: 440_SmartSPIM1_20240327
          experimenters: [Jane Doe]
          protocol_id: ["https://dx.doi.org/10.17504/protocols.io.3byl4jo1rlo5/v1"]
          chamber_immersion: {medium: Cargille Oil 1.5200, refractive_index: 1.5182}
          sample_immersion: {medium: EasyIndex, refractive_index: 1.5177}
          laser_device_names: {"488": Ex_488, "561": Ex_561, "639": Ex_639}
          emission_filter_device_names: {"488": Em_525, "561": Em_600, "639": Em_680}

    """

/// A copy of the sample acquisition (renamed when asked), to edit.
struct SpimSession {
    let url: URL

    init(name: String = "SmartSPIM_000000_2024-05-01_10-00-00") throws {
        url = try makeTemporaryFolder("spim").appendingPathComponent(name)
        try FileManager.default.copyItem(at: spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"), to: url)
    }

    var metadataURL: URL { url.appendingPathComponent("derivatives/metadata.json") }
    var logURL: URL { url.appendingPathComponent("derivatives/ASI_logging.txt") }

    /// metadata.json as text (it is Latin-1: the micro sign is one byte).
    func metadataText() throws -> String { try String(contentsOf: metadataURL, encoding: .isoLatin1) }
    func writeMetadata(_ text: String, encoding: String.Encoding = .isoLatin1) throws { try text.write(to: metadataURL, atomically: true, encoding: encoding) }

    /// Edits metadata.json as JSON (written back as UTF-8).
    func editMetadata(_ edit: (inout JSONObject) -> Void) throws {
        guard case .object(var object) = try JSONParser.parse(Array(try metadataText().utf8)) else { return }
        edit(&object)
        try Data(JSONWriter.referenceBytes(.object(object))).write(to: metadataURL)
    }

    func writeLog(_ bytes: [UInt8]) throws { try Data(bytes).write(to: logURL) }
}

/// Runs spim@1.0.0 as `rigmap map` does (MapperTesting's `rigmapMap`: validation included, nothing written on failure).
func mapSpim(_ input: URL, job: String = sampleJob) throws(DiagnosticError) -> (acquisition: JSONValue, bytes: [UInt8], warnings: [Diagnostic]) {
    let run = try rigmapMap("spim", input: input, job: job)
    return (try run.json("acquisition_spim.json"), run.files["acquisition_spim.json"] ?? [], run.warnings)
}

extension JSONValue {
    var stream: JSONValue? { self["data_streams"]?[0] }
    var imaging: JSONValue? { stream?["configurations"]?[0] }
    var channelNames: [String] { imaging?["channels"]?.arrayValue?.compactMap { $0["channel_name"]?.stringValue } ?? [] }
    var images: [JSONValue] { imaging?["images"]?.arrayValue ?? [] }
}

func warned(_ warnings: [Diagnostic], _ text: String) -> Bool { warnings.contains { $0.severity == .warning && $0.message.contains(text) } }

@Suite struct SpimGoldenTests {
    /// The golden acquisition made from the sample folder with SPEC §6's rules: same bytes (the golden file ends with
    /// a newline, as files written by hand do; write_standard_file does not write one).
    @Test func theGoldenAcquisitionIsReproduced() throws {
        let golden = Array(try Data(contentsOf: spimFixtures.appendingPathComponent("real/expected_acquisition_v2_for_synthetic_sample.json")))
        let mapped = try mapSpim(spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"))
        #expect(mapped.bytes + [0x0A] == golden)
        // What the golden pins, spelled out: the end is 12:07:41 PM (noon), Z scale is the Z step, translations are /10.
        #expect(mapped.acquisition["acquisition_end_time"] == "2024-05-01T12:07:41-07:00")
        let first = try #require(mapped.acquisition.images.first)
        #expect(first["image_to_acquisition_transform"]?[0]?["scale"] == [1.8, 1.8, 2.0])
        #expect(first["image_to_acquisition_transform"]?[1]?["translation"] == [47132.0, 70149.0, 170.7])
        #expect(first["file_name"] == "SmartSPIM/Ex_488_Em_525/471320/471320_701490")
        #expect(mapped.acquisition.images.count == 24)
    }

    /// Images by channel, each channel's in numeric tile order: t_2, t_3 … before t_10 (a string sort would put t_10
    /// after t_1).
    @Test func imagesFollowNumericTileOrder() throws {
        let session = try SpimSession()
        try session.editMetadata { object in
            // Shuffle the stored order: numeric order must not depend on it.
            guard case .object(let tiles)? = object["tile_config"] else { return }
            object["tile_config"] = .object(JSONObject(uniqueKeysWithValues: tiles.reversed().map { ($0.key, $0.value) }))
        }
        let mapped = try mapSpim(session.url)
        let names = mapped.acquisition.images.map { $0["file_name"]?.stringValue ?? "" }
        let golden = try JSONDocument.read(spimFixtures.appendingPathComponent("real/expected_acquisition_v2_for_synthetic_sample.json"))
        #expect(names == golden.images.map { $0["file_name"]?.stringValue ?? "" })
    }
}

@Suite struct SpimTimeTests {
    @Test func noTimezoneIsAnError() {
        let problems = thrownDiagnostics { _ = try mapSpim(spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"), job: sampleJob.replacingOccurrences(of: "timezone: America/Los_Angeles\n", with: "")) }
        #expect(problems.contains { $0.message.contains("the job declares no timezone") && $0.location?.file?.contains("SmartSPIM_000000_2024-05-01_10-00-00") == true })
    }

    /// A job missing several required settings hears of all of them in one run, not one per run.
    @Test func everyMissingRequiredSettingIsReportedAtOnce() {
        var job = sampleJob.replacingOccurrences(of: "timezone: America/Los_Angeles\n", with: "")
        for line in ["      specimen_id: 000000-BRN00000148\n", "      chamber_immersion: {medium: Cargille Oil 1.5200, refractive_index: 1.5182}\n"] {
            job = job.replacingOccurrences(of: line, with: "")
        }
        let problems = thrownDiagnostics { _ = try mapSpim(spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"), job: job) }
        #expect(problems.filter { $0.severity == .error }.count == 3, "\(problems)")
        #expect(problems.contains { $0.message.contains("set `timezone:`") })
        #expect(problems.contains { $0.message.contains("mappers.spim.settings.specimen_id") })
        #expect(problems.contains { $0.message.contains("mappers.spim.settings.chamber_immersion") })
        #expect(!problems.contains { $0.message.contains("instrument_id") })
        // Without the instrument id too: four.
        let four = thrownDiagnostics {
            _ = try mapSpim(
                spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"),
                job: job.replacingOccurrences(of: "      instrument_id: 440_SmartSPIM1_20240327\n", with: ""))
        }
        #expect(four.filter { $0.severity == .error }.count == 4, "\(four)")
        #expect(four.contains { $0.message.contains("mappers.spim.settings.instrument_id") })
    }

    /// A run from the evening to after midnight, the date in the ASI line carrying the day.
    @Test func aRunAcrossMidnight() throws {
        let session = try SpimSession(name: "SmartSPIM_000000_2024-05-01_20-47-00")
        try session.writeLog(Array("5/1/2024 8:47:02 PM\t\tASI.RW.Prep.1_Start\n\n5/2/2024 1:48:09 AM\t#Files\t3339\n".utf8))
        let mapped = try mapSpim(session.url)
        #expect(mapped.acquisition["acquisition_start_time"] == "2024-05-01T20:47:00-07:00")
        #expect(mapped.acquisition["acquisition_end_time"] == "2024-05-02T01:48:09-07:00")
    }

    /// The clock turns back at 2:00 on 3 Nov 2024 in Los Angeles: 1:15 happens at -07:00 and again at -08:00. A run
    /// that starts at 1:45 (-07:00) and ends at 1:15 ends at the second 1:15.
    @Test func anEndInTheRepeatedHourTakesTheOccurrenceAfterTheStart() throws {
        let session = try SpimSession(name: "SmartSPIM_000000_2024-11-03_01-45-00")
        try session.writeLog(Array("11/3/2024 1:45:02 AM\t\tASI.RW.Prep.1_Start\n11/3/2024 1:15:00 AM\t#Files\t3339\n".utf8))
        let mapped = try mapSpim(session.url)
        #expect(mapped.acquisition["acquisition_start_time"] == "2024-11-03T01:45:00-07:00")
        #expect(mapped.acquisition["acquisition_end_time"] == "2024-11-03T01:15:00-08:00")
        #expect(warned(mapped.warnings, "happens twice"))
        #expect(warned(mapped.warnings, "folder stamp 2024-11-03T01:45:00 happens twice"))
    }

    @Test func anEndBeforeTheStartOrInASkippedHourIsAnError() throws {
        let early = try SpimSession()
        try early.writeLog(Array("5/1/2024 9:00:00 AM\t#Files\t3339\n".utf8))
        #expect(thrownDiagnostics { _ = try mapSpim(early.url) }.contains { $0.message.contains("not after the folder's start") })
        let spring = try SpimSession(name: "SmartSPIM_000000_2024-03-10_01-00-00")
        try spring.writeLog(Array("3/10/2024 2:30:00 AM\t#Files\t3339\n".utf8))
        #expect(thrownDiagnostics { _ = try mapSpim(spring.url) }.contains { $0.message.contains("does not exist in America/Los_Angeles") })
    }

    /// No log, an empty one, or one without a timestamp: an error naming the file, unless the job gives the end.
    @Test func aMissingOrUselessLogNeedsTheEndFromTheJob() throws {
        let session = try SpimSession()
        try session.writeLog([])
        #expect(thrownDiagnostics { _ = try mapSpim(session.url) }.contains { $0.message.contains("the ASI log is empty") && $0.location?.file?.hasSuffix("ASI_logging.txt") == true })
        try session.writeLog(Array("TiffQueue\t0\n\n#Files\t3339\n".utf8))
        #expect(thrownDiagnostics { _ = try mapSpim(session.url) }.contains { $0.message.contains("no line of the ASI log has a timestamp") })
        try FileManager.default.removeItem(at: session.logURL)
        #expect(thrownDiagnostics { _ = try mapSpim(session.url) }.contains { $0.message.contains("no derivatives/ASI_logging.txt") && $0.message.contains("acquisition_end_time") })
        let mapped = try mapSpim(session.url, job: sampleJob + "      acquisition_end_time: '2024-05-01T12:30:00'\n")
        #expect(mapped.acquisition["acquisition_end_time"] == "2024-05-01T12:30:00-07:00")
    }

    /// A log written on Windows (CRLF), with bytes that are not UTF-8 and trailing lines a crash left.
    @Test func aCRLFLogWithForeignBytesAndGarbageAtTheEnd() throws {
        let session = try SpimSession()
        var log = Array("5/1/2024 10:00:02 AM\t\tASI.RW.Prep.1_Start\r\n\r\n5/1/2024 12:07:41 PM\t#Files\t3339\r\n".utf8)
        log += [0xB5, 0xFF, 0x20] + Array("partial line\r\n".utf8)
        try session.writeLog(log)
        let mapped = try mapSpim(session.url)
        #expect(mapped.acquisition["acquisition_end_time"] == "2024-05-01T12:07:41-07:00")
        #expect(warned(mapped.warnings, "the last 1 line(s) of the ASI log have no timestamp"))
    }
}

@Suite struct SpimMetadataTests {
    @Test func aTruncatedMetadataFileIsLocated() throws {
        let session = try SpimSession()
        let bytes = try Data(contentsOf: session.metadataURL)
        try bytes.prefix(bytes.count / 2).write(to: session.metadataURL)
        let problems = thrownDiagnostics { _ = try mapSpim(session.url) }
        let error = try #require(problems.first { $0.severity == .error })
        #expect(error.message.hasPrefix("malformed JSON"))
        #expect(error.location?.file?.hasSuffix("derivatives/metadata.json") == true)
        #expect(error.location?.line != nil && error.location?.column != nil)
    }

    @Test(arguments: [("µm/pix", "XY pixel size"), ("Z step (µm)", "Z step")])
    func aMissingVoxelKeyNamesTheKeyAndPath(key: String, what: String) throws {
        let session = try SpimSession()
        try session.editMetadata { object in
            guard case .object(var config)? = object["session_config"] else { return }
            config.removeValue(forKey: key)
            object["session_config"] = .object(config)
        }
        let problems = thrownDiagnostics { _ = try mapSpim(session.url) }
        let error = try #require(problems.first { $0.severity == .error })
        #expect(error.message.contains(what) && error.message.contains(key))
        #expect(error.location?.jsonPath?.description == "session_config")
    }

    @Test(arguments: ["session_config", "tile_config"])
    func aNullSectionIsAnError(section: String) throws {
        let session = try SpimSession()
        try session.editMetadata { $0[section] = .null }
        let problems = thrownDiagnostics { _ = try mapSpim(session.url) }
        #expect(problems.contains { $0.message.contains("'\(section)' is null") && $0.location?.jsonPath?.description == section })
    }

    /// A null wavelength_config: channels without laser power, with a warning.
    @Test func aNullWavelengthConfigLeavesThePowerOut() throws {
        let session = try SpimSession()
        try session.editMetadata { $0["wavelength_config"] = .null }
        let mapped = try mapSpim(session.url)
        let lights = mapped.acquisition.imaging?["channels"]?[0]?["light_sources"]?.arrayValue ?? []
        #expect(lights.count == 2)
        #expect(lights.allSatisfy { $0["power"] == .null })
        #expect(warned(mapped.warnings, "'wavelength_config' is null"))
    }

    /// Every way the micro sign reaches a key, values as strings or numbers, UTF-8 or Latin-1: the same document.
    @Test(arguments: ["μm/pix", "\u{FFFD}m/pix", "um/pix", "m/pix"])
    func keySpellingsAndValueTypesMapTheSame(spelling: String) throws {
        let reference = try mapSpim(spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00")).bytes
        let session = try SpimSession()
        try session.editMetadata { object in
            guard case .object(var config)? = object["session_config"], case .object(var tiles)? = object["tile_config"] else { return }
            let pixel = config.removeValue(forKey: "µm/pix")
            config[spelling] = pixel
            config["Z step (µm)"] = 2.0
            for (key, tile) in tiles {
                guard case .object(var fields) = tile else { continue }
                fields["Z"] = .number(JSONNumber(Int(fields["Z"]?.stringValue ?? "0") ?? 0))
                tiles[key] = .object(fields)
            }
            object["session_config"] = .object(config)
            object["tile_config"] = .object(tiles)
        }
        #expect(try mapSpim(session.url).bytes == reference)
    }

    /// Legacy files (2023): lower-case session keys (`z_step_um`, `m/pix`, no Version): no code entry.
    @Test func legacyKeysMapWithoutACodeEntry() throws {
        let session = try SpimSession()
        try FileManager.default.removeItem(at: session.metadataURL)
        try FileManager.default.copyItem(at: spimFixtures.appendingPathComponent("real/metadata.json"), to: session.metadataURL)
        let mapped = try mapSpim(session.url)
        #expect(mapped.acquisition.images.count == 72)
        #expect(mapped.acquisition.stream?["code"] == .null)
        #expect(mapped.acquisition.images.first?["image_to_acquisition_transform"]?[0]?["scale"] == [1.8, 1.8, 2.0])
    }
}

@Suite struct SpimChannelTests {
    /// A channel folder with no tiles is a warning; stray files and folders under SmartSPIM/ are not channels.
    @Test func foldersWithoutTilesAndStrayEntries() throws {
        let session = try SpimSession()
        let root = session.url.appendingPathComponent("SmartSPIM")
        for folder in ["Ex_594_Em_624", "Ex_488_Ch0", "tmp"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try "log".write(to: root.appendingPathComponent("nohup.out"), atomically: true, encoding: .utf8)
        let mapped = try mapSpim(session.url)
        #expect(mapped.acquisition.channelNames == ["Ex_488_Em_525", "Ex_561_Em_600", "Ex_639_Em_680"])
        #expect(warned(mapped.warnings, "channel folder Ex_594_Em_624 has no tile"))
    }

    /// A tile laser with no channel folder: an error naming it, unless the job maps its filter.
    @Test func aTileLaserWithoutAFolderNeedsTheJobsFilter() throws {
        let session = try SpimSession()
        try FileManager.default.removeItem(at: session.url.appendingPathComponent("SmartSPIM/Ex_639_Em_680"))
        let withoutMap = sampleJob.replacingOccurrences(of: "      emission_filter_device_names: {\"488\": Em_525, \"561\": Em_600, \"639\": Em_680}\n", with: "")
        let refusal = thrownDiagnostics { _ = try mapSpim(session.url, job: withoutMap) }
        #expect(refusal.contains { $0.message.contains("the 639 nm laser but there is no channel folder SmartSPIM/Ex_639_Em_<nm>") })
    }

    @Test func theJobsFilterGivesTheEmissionOfAFolderlessLaser() throws {
        let session = try SpimSession()
        try FileManager.default.removeItem(at: session.url.appendingPathComponent("SmartSPIM/Ex_639_Em_680"))
        let mapped = try mapSpim(session.url)
        #expect(mapped.acquisition.channelNames.last == "Ex_639_Em_680")
        #expect(warned(mapped.warnings, "the emission wavelength 680 nm is read from the job's filter 'Em_680'"))
    }

    /// One light source per sheet the laser's tiles use, [left, right]; a laser used on one side has one.
    @Test func lightSourcesFollowTheSidesUsed() throws {
        let session = try SpimSession()
        try session.editMetadata { object in
            guard case .object(var tiles)? = object["tile_config"] else { return }
            for (key, tile) in tiles where tile["Laser"] == "561" {
                guard case .object(var fields) = tile else { continue }
                fields["Side"] = "1"
                tiles[key] = .object(fields)
            }
            object["tile_config"] = .object(tiles)
        }
        let mapped = try mapSpim(session.url)
        let channels = mapped.acquisition.imaging?["channels"]?.arrayValue ?? []
        #expect(channels[0]["light_sources"]?.arrayValue?.map { $0["power"] } == [75.0, 74.99])
        #expect(channels[1]["light_sources"]?.arrayValue?.map { $0["power"] } == [75.0])
    }
}

@Suite struct SpimSessionTests {
    @Test func aFolderNameThatDoesNotMatchIsAnError() throws {
        let session = try SpimSession(name: "acquisition-42")
        let problems = thrownDiagnostics { _ = try mapSpim(session.url) }
        #expect(problems.contains { $0.message.contains("'acquisition-42' is not SmartSPIM_<subject>_<YYYY-MM-DD_HH-MM-SS>") })
    }

    /// A subject that is not six digits; a specimen that lacks the subject gets it as a prefix; one that has it is kept.
    @Test func subjectsAndSpecimens() throws {
        let session = try SpimSession(name: "SmartSPIM_819682-screen_2024-05-01_10-00-00")
        let mapped = try mapSpim(session.url, job: sampleJob.replacingOccurrences(of: "specimen_id: 000000-BRN00000148", with: "specimen_id: BRN00000148"))
        #expect(mapped.acquisition["subject_id"] == "819682-screen")
        #expect(mapped.acquisition["specimen_id"] == "819682-screen-BRN00000148")
        let missing = thrownDiagnostics { _ = try mapSpim(session.url, job: sampleJob.replacingOccurrences(of: "      specimen_id: 000000-BRN00000148\n", with: "")) }
        #expect(missing.contains { $0.message.contains("specimen_id") })
    }

    /// Directions give the coordinate system's axes and name; media map onto aind-data-schema's enum.
    @Test func directionsAndImmersion() throws {
        let job = sampleJob + """
                  x_direction: right to left
                  y_direction: Posterior_to_Anterior
                  z_direction: Inferior to Superior
                  sample_immersion: {medium: Optiplex and DMSO, refractive_index: 1.51}

            """
        let mapped = try mapSpim(spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"), job: job.replacingOccurrences(of: "      sample_immersion: {medium: EasyIndex, refractive_index: 1.5177}\n", with: ""))
        #expect(mapped.acquisition["global_coordinate_system"]?["name"] == "SPIM_LAS")
        #expect(mapped.acquisition["global_coordinate_system"]?["axes"]?[1]?["direction"] == "Posterior_to_anterior")
        let chamber = mapped.acquisition.stream?["configurations"]?[1]
        #expect(chamber?["chamber_immersion"]?["medium"] == "oil")
        #expect(chamber?["sample_immersion"]?["medium"] == "other")
        #expect(warned(mapped.warnings, "'Optiplex and DMSO' is none of aind-data-schema's immersion media"))
        let bad = thrownDiagnostics { _ = try mapSpim(spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"), job: sampleJob + "      x_direction: sideways\n") }
        #expect(bad.contains { $0.message.contains("x_direction is 'sideways'") })
    }

    /// In `rigmap gather`, a session folder holding a SmartSPIM_* folder: the mapper claims it.
    @Test func gatherClaimsTheAcquisitionFolder() throws {
        let base = try makeTemporaryFolder("spim-gather")
        let sessionFolder = base.appendingPathComponent("session")
        try FileManager.default.createDirectory(at: sessionFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"), to: sessionFolder.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"))
        let pipeline = Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "test"))
        let report = pipeline.gather(session: sessionFolder, output: base.appendingPathComponent("out"), request: Resolver.Request(job: try JobConfig.parse(yaml: sampleJob, file: "job.yaml")))
        #expect(report.status == Pipeline.Status.ok, "\(report.diagnostics)")
        #expect(report.mappers.map(\.mapper) == ["spim@1.0.0"])
        #expect(FileManager.default.fileExists(atPath: base.appendingPathComponent("out/acquisition.json").path))
    }
}
