import Foundation
import MapperTesting
import MetadataModel
import RigMapperCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A folder with `files` (relative path → bytes).
func folder(_ files: [String: [UInt8]]) throws -> URL {
    let root = try makeTemporaryFolder("input")
    for (path, bytes) in files {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
    return root
}

@Suite struct MapperInputTests {
    @Test func listingsAreSortedSkipHiddenEntriesAndGiveSizes() throws {
        let root = try folder(["b.txt": Array("bb".utf8), "a/x.bin": [1, 2, 3], ".ipynb_checkpoints/a.txt": [0], ".hidden": [0]])
        let input = try MapperInput(root: root, displayRoot: "session")
        let entries = try input.list()
        #expect(entries.map(\.path) == ["a", "b.txt"])
        #expect(entries.map(\.isDirectory) == [true, false])
        #expect(try input.list("a").map(\.size) == [3])
        #expect(input.reads.map(\.key).contains("./"))
        #expect(input.reads.map(\.key).contains("a/"))
    }

    @Test func textIsUTF8OrLatin1WithBOMAndCRLFTolerated() throws {
        let latin1: [UInt8] = Array("Z step (".utf8) + [0xB5] + Array("m)\r\nnext\r\n".utf8)
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("caf\u{E9}\nline 2".utf8)
        let input = try MapperInput(root: try folder(["latin1.txt": latin1, "bom.txt": bom]))
        let a = try input.text("latin1.txt")
        #expect(a.encoding == .latin1)
        #expect(a.string == "Z step (µm)\nnext\n")
        #expect(a.lines == ["Z step (µm)", "next"])
        #expect(a.hadCRLF)
        let b = try input.text("bom.txt")
        #expect(b.encoding == .utf8)
        #expect(b.string == "café\nline 2")
    }

    @Test func jsonFallsBackToLatin1ForVendorFilesAndLocatesSyntaxErrors() throws {
        let vendor: [UInt8] = Array(#"{"session_config": {""#.utf8) + [0xB5] + Array(#"m/pix": "1.800"}}"#.utf8)
        let input = try MapperInput(root: try folder(["metadata.json": vendor, "bad.json": Array("{\n  \"a\": [1,\n".utf8)]), displayRoot: "derivatives")
        #expect(try input.json("metadata.json")["session_config"]?["µm/pix"] == "1.800")
        let errors = thrownErrors { _ = try input.json("bad.json") }
        #expect(errors.first?.location?.file == "derivatives/bad.json")
        #expect(errors.first?.location?.line == 3)
        #expect(errors.first?.location?.byteOffset != nil)
    }

    @Test func xmlErrorsAreLocatedWithLineAndColumn() throws {
        let good = "<?xml version=\"1.0\"?>\r\n<SETTINGS>\r\n  <INFO><VERSION>0.6.7</VERSION><MACHINE name=\"W10 &amp; co\" /></INFO>\r\n</SETTINGS>\r\n"
        let truncated = "<SETTINGS>\n  <INFO>\n    <VERSION>0.6.7</VERSION>\n    <MACHINE name=\"x\""
        let mismatched = "<A>\n<B></C>\n</A>"
        let input = try MapperInput(root: try folder(["good.xml": Array(good.utf8), "truncated.xml": Array(truncated.utf8), "mismatched.xml": Array(mismatched.utf8)]))
        let root = try input.xml("good.xml")
        #expect(root.name == "SETTINGS")
        #expect(root.descendants(named: "machine").first?.attribute("NAME") == "W10 & co")
        #expect(root.child(named: "info")?.child(named: "version")?.text == "0.6.7")
        #expect(root.child(named: "INFO")?.line == 3)

        let cut = thrownErrors { _ = try input.xml("truncated.xml") }
        #expect(cut.first?.location?.line == 4)
        #expect(cut.first?.message.contains("unexpected end of document") == true)
        let wrong = thrownErrors { _ = try input.xml("mismatched.xml") }
        #expect(wrong.first?.location?.line == 2)
        #expect(wrong.first?.location?.column == 4)
        #expect(wrong.first?.message.contains("</C> does not close <B>") == true)
    }

    /// An element with hundreds of attributes (an Open Ephys <CHANNELS>) keeps them all in order; a name repeated
    /// among them, early or late, is refused at the repeat.
    @Test func xmlAttributesManyAndRepeated() throws {
        let channels = (0..<384).map { "CH\($0)=\"\($0 % 3)\"" }.joined(separator: " ")
        let many = "<S>\n<CHANNELS \(channels) />\n</S>"
        let lateRepeat = "<S>\n<CHANNELS \(channels) CH17=\"1\" />\n</S>"
        let earlyRepeat = "<S>\n<C a=\"1\" b=\"2\" a=\"3\" />\n</S>"
        let input = try MapperInput(root: try folder(["many.xml": Array(many.utf8), "late.xml": Array(lateRepeat.utf8), "early.xml": Array(earlyRepeat.utf8)]))
        let element = try #require(try input.xml("many.xml").child(named: "channels"))
        #expect(element.attributes.map(\.name) == (0..<384).map { "CH\($0)" })
        #expect(element.attribute("ch383") == "2")
        for file in ["late.xml", "early.xml"] {
            let found = thrownErrors { _ = try input.xml(file) }
            #expect(found.first?.message.contains("duplicate attribute") == true, "\(file)")
            #expect(found.first?.location?.line == 2, "\(file)")
        }
    }

    @Test func pathsStayInsideTheInput() throws {
        let outside = try folder(["secret.txt": Array("s".utf8)])
        let root = try folder(["a.txt": Array("a".utf8)])
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("escape.txt"), withDestinationURL: outside.appendingPathComponent("secret.txt"))
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("inside.txt"), withDestinationURL: root.appendingPathComponent("a.txt"))
        let input = try MapperInput(root: root, displayRoot: "s")
        #expect(thrownErrors { _ = try input.bytes("../x") }.first?.message.contains("inside the input") == true)
        #expect(thrownErrors { _ = try input.bytes("escape.txt") }.first?.message.contains("symlink leads outside the input") == true)
        #expect(try input.bytes("inside.txt") == Array("a".utf8))
        #expect(try input.list().map(\.name) == ["a.txt", "inside.txt"])
        #expect(input.inputWarnings.first?.location?.file == "s/escape.txt")
    }

    @Test func specialFilesAndFoldersAreRefusedWithAReason() throws {
        let root = try folder(["dir/a.txt": [0]])
        #expect(mkfifo(root.appendingPathComponent("pipe").path, 0o644) == 0)
        let input = try MapperInput(root: root)
        #expect(thrownErrors { _ = try input.bytes("pipe") }.first?.message == "not a regular file (a FIFO)")
        #expect(thrownErrors { _ = try input.bytes("dir") }.first?.message == "is a folder, not a file")
        #expect(thrownErrors { _ = try input.bytes("missing") }.first?.message == "no such file or folder")
        #expect(input.kind(of: "missing") == nil)
        #expect(input.reads.contains { $0.key == "missing?" })
    }

    @Test func rangesReadOnlyWhatIsAskedAndRecordIt() throws {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        let input = try MapperInput(root: try folder(["big.bin": bytes]))
        #expect(try input.head("big.bin", 4) == [0, 1, 2, 3])
        let tail = try input.tail("big.bin", 3)
        #expect(tail.offset == 997)
        #expect(tail.bytes == [229, 230, 231])
        #expect(input.reads.map(\.key).contains("big.bin#0-4"))
        #expect(input.reads.map(\.key).contains("big.bin#997-1000"))
        #expect(InputRead.parse(key: "big.bin#997-1000")?.path == "big.bin")
    }
}

@Suite struct YAMLAliasTests {
    /// 7 levels of 10 aliases each: 10^7 values if expanded.
    static let bomb: String = {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...7 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        return text
    }()

    @Test func configsAndJobsRefuseAliasesAtOnceWithTheirLocation() {
        let start = Date()
        let found = thrownErrors { _ = try ConfigValue.parseYAML(YAMLAliasTests.bomb, file: "job.yaml") }
        #expect(Date().timeIntervalSince(start) < 5)  // refused, not expanded (a generous bound: expansion takes minutes)
        #expect(found.first?.location?.file == "job.yaml")
        #expect(found.first?.location?.line == 2)
        #expect(found.first?.message.contains("YAML aliases are not supported") == true)
        let merge = thrownErrors { _ = try ConfigValue.parseYAML("base: &b {x: 1}\nother:\n  <<: *b\n", file: "job.yaml") }
        #expect(!merge.isEmpty)
    }

    @Test func deviceFilesExpandAnchorsAndMergeKeysWithinABudget() throws {
        let device = "registers:\n  Reserved0: &reserved\n    address: 36\n    type: U8\n  Reserved1:\n    <<: *reserved\n    address: 37\n"
        let value = try ConfigValue.parseYAML(device, file: "device.yml", aliases: .expand(maximumNodes: 1000))
        #expect(value["registers"]?["Reserved1"]?["address"]?.scalarText == "37")
        #expect(value["registers"]?["Reserved1"]?["type"]?.scalarText == "U8")
        let found = thrownErrors { _ = try ConfigValue.parseYAML(YAMLAliasTests.bomb, file: "device.yml", aliases: .expand(maximumNodes: 10_000)) }
        #expect(found.first?.message.contains("expands to more than 10000 values") == true)
    }
}
