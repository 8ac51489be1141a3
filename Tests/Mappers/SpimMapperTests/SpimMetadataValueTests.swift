import Foundation
import MapperTesting
import MetadataModel
import RigMapperCore
import Testing

@testable import SpimMapper

extension SpimSession {
    /// metadata.json with the first occurrence of `text` replaced (the file stays Latin-1).
    func replaceInMetadata(_ text: String, with replacement: String) throws {
        let original = try metadataText()
        let range = try #require(original.range(of: text), "metadata.json has no \(text)")
        try writeMetadata(original.replacingCharacters(in: range, with: replacement))
    }
}

/// Non-finite numbers (issue 23: validated in memory as numbers, then written as `null` with exit 0) and values that
/// are not numbers: located errors, nothing written.
@Suite struct SpimNumberTests {
    /// (text in metadata.json, its replacement, JSON path of the error).
    @Test(arguments: [
        (#""X": "471320""#, #""X": "nan""#, ["tile_config", "t_0", "X"]),
        (#""X": "471320""#, #""X": "inf""#, ["tile_config", "t_0", "X"]),
        (#""X": "471320""#, #""X": "-inf""#, ["tile_config", "t_0", "X"]),
        (#""X": "471320""#, #""X": "Infinity""#, ["tile_config", "t_0", "X"]),
        (#""X": "471320""#, #""X": "1e999""#, ["tile_config", "t_0", "X"]),
        (#""Y": "701490""#, #""Y": " NaN ""#, ["tile_config", "t_0", "Y"]),
        (#""Z": "1707""#, #""Z": "-Infinity""#, ["tile_config", "t_0", "Z"]),
        (#""Laser": "488""#, #""Laser": "nan""#, ["tile_config", "t_0", "Laser"]),
        (#""Exposure": "2""#, #""Exposure": "nan""#, ["tile_config", "t_0", "Exposure"]),
        ("m/pix\": \"1.800\"", "m/pix\": \"Infinity\"", ["session_config", "\u{B5}m/pix"]),
        ("m)\": \"2.00\"", "m)\": \"nan\"", ["session_config", "Z step (\u{B5}m)"]),
        (#""power_left": "75.00""#, #""power_left": "NaN""#, ["wavelength_config", "488", "power_left"]),
    ])
    func aNonFiniteNumberIsALocatedErrorAndNothingIsWritten(text: String, replacement: String, path: [String]) throws {
        let session = try SpimSession()
        try session.replaceInMetadata(text, with: replacement)
        let out = try makeTemporaryFolder("spim-out").appendingPathComponent("out")
        let problems = mapSpim(session.url, into: out)
        let error = try #require(problems.first { $0.severity == .error })
        #expect(error.message.contains("not a finite number"), "\(error)")
        #expect(error.location?.file?.hasSuffix("derivatives/metadata.json") == true)
        #expect(error.location?.jsonPath?.components == path.map { .key($0) })
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// A JSON number literal beyond a Double (`1e999`) is refused by the JSON reader, at its line and column.
    @Test(arguments: [(#""X": "471320""#, #""X": 1e999"#), (#""power_right": "74.99""#, #""power_right": -1e400"#)])
    func aNumberLiteralOutOfRangeIsALocatedError(text: String, replacement: String) throws {
        let session = try SpimSession()
        try session.replaceInMetadata(text, with: replacement)
        let out = try makeTemporaryFolder("spim-out").appendingPathComponent("out")
        let error = try #require(mapSpim(session.url, into: out).first { $0.severity == .error })
        #expect(error.message.contains("out of range"), "\(error)")
        #expect(error.location?.file?.hasSuffix("derivatives/metadata.json") == true)
        #expect(error.location?.line != nil && error.location?.column != nil)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// A value that is there but is not a number (it was dropped silently for Exposure and laser powers).
    @Test(arguments: [
        (#""Exposure": "2""#, #""Exposure": "fast""#, ["tile_config", "t_0", "Exposure"]),
        (#""power_left": "75.00""#, #""power_left": true"#, ["wavelength_config", "488", "power_left"]),
        (#""X": "471320""#, #""X": "47x""#, ["tile_config", "t_0", "X"]),
    ])
    func aValueThatIsNotANumberIsALocatedError(text: String, replacement: String, path: [String]) throws {
        let session = try SpimSession()
        try session.replaceInMetadata(text, with: replacement)
        let error = try #require(thrownErrors { _ = try mapSpim(session.url) }.first)
        #expect(error.message.contains("not a number"), "\(error)")
        #expect(error.location?.jsonPath?.components == path.map { .key($0) })
    }

    /// An empty string is still a missing value: an empty Exposure leaves the channel's exposure to its next tile.
    @Test func anEmptyValueIsMissingAsBefore() throws {
        let session = try SpimSession()
        try session.replaceInMetadata(#""Exposure": "2""#, with: #""Exposure": """#)
        let mapped = try mapSpim(session.url)
        #expect(mapped.acquisition.imaging?["channels"]?[0]?["detector"]?["exposure_time"] == 2.0)
    }

    /// A non-finite refractive index in the job would be written as `null` too.
    @Test(arguments: [".inf", "-.inf", "1e999", ".nan"])
    func aNonFiniteRefractiveIndexIsRefused(value: String) throws {
        let job = sampleJob.replacingOccurrences(of: "refractive_index: 1.5182", with: "refractive_index: \(value)")
        let problems = thrownErrors { _ = try mapSpim(spimFixtures.appendingPathComponent("SmartSPIM_000000_2024-05-01_10-00-00"), job: job) }
        #expect(problems.contains { $0.message.contains("refractive_index must be a positive finite number") }, "\(problems)")
    }

    /// Tile keys are `t_<digits>`: `t_-3` is not tile -3 (Int would read it so, and put it first).
    @Test func aSignedTileKeyIsNotNumbered() throws {
        let session = try SpimSession()
        try session.replaceInMetadata(#""t_0""#, with: #""t_-3""#)
        let mapped = try mapSpim(session.url)
        let names = mapped.acquisition.images.compactMap { $0["file_name"]?.stringValue }.filter { $0.hasPrefix("SmartSPIM/Ex_488_Em_525/") }
        #expect(names.count == 8)
        #expect(names.last == "SmartSPIM/Ex_488_Em_525/471320/471320_701490")
        #expect(names.first != "SmartSPIM/Ex_488_Em_525/471320/471320_701490")
    }
}

/// Text from metadata.json is at most 64 KiB: a longer value is refused at its JSON path (not cut).
@Suite struct SpimTextLengthTests {
    @Test(arguments: [
        (#""X": "471320""#, "X", ["tile_config", "t_0", "X"]),
        (#""Side": "0""#, "Side", ["tile_config", "t_0", "Side"]),
        (#""Version": "5.4.0.3""#, "Version", ["session_config", "Version"]),
    ])
    func textLongerThan64KiBIsALocatedError(text: String, key: String, path: [String]) throws {
        let session = try SpimSession()
        try session.replaceInMetadata(text, with: "\"\(key)\": \"\(String(repeating: "1", count: SmartSPIMMetadata.maximumTextBytes + 1))\"")
        let out = try makeTemporaryFolder("spim-out").appendingPathComponent("out")
        let error = try #require(mapSpim(session.url, into: out).first { $0.severity == .error })
        #expect(error.message.contains("65537 bytes of text") && error.message.contains("65536"), "\(error.message.prefix(300))")
        #expect(error.message.count < 400)
        #expect(error.location?.jsonPath?.components == path.map { .key($0) })
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func textOf64KiBIsKept() throws {
        let session = try SpimSession()
        let version = String(repeating: "5", count: SmartSPIMMetadata.maximumTextBytes)
        try session.replaceInMetadata(#""Version": "5.4.0.3""#, with: "\"Version\": \"\(version)\"")
        let mapped = try mapSpim(session.url)
        #expect(mapped.acquisition.stream?["code"]?[0]?["version"]?.stringValue == version)
    }
}
