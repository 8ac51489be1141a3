import Foundation
import Testing

/// The README's exit-code table, and the binary, agree: for every command, each code the table documents is
/// reached by a run that should reach it, and no command reaches a code the table does not document.
@Suite struct ExitCodeTests {
    /// The table between `<!-- exit-codes -->` and `<!-- /exit-codes -->`: command → the codes 0–3 it documents.
    static func documented() throws -> [String: Set<Int32>] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = text.range(of: "<!-- exit-codes -->"), let end = text.range(of: "<!-- /exit-codes -->") else { return [:] }
        var table: [String: Set<Int32>] = [:]
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            // "", command, 0, 1, 2, 3, other, ""
            guard cells.count >= 7 else { continue }
            let command = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            var codes = Set<Int32>()
            for (offset, code) in [Int32(0), 1, 2, 3].enumerated() where cells[2 + offset] != "—" && !cells[2 + offset].isEmpty {
                codes.insert(code)
            }
            table[command] = codes
        }
        return table
    }

    /// Inputs the scenarios use, made once per run in a temporary folder.
    struct Workspace {
        let root: URL
        let examples = packageRoot.appendingPathComponent("Examples")
        var fipJob: String { examples.appendingPathComponent("fip-session/job.yaml").path }
        var missing: String { root.appendingPathComponent("does-not-exist").path }

        init() throws {
            root = temporaryFolder()
            let fm = FileManager.default
            try fm.createDirectory(at: root, withIntermediateDirectories: true)
            let fip = try Data(contentsOf: examples.appendingPathComponent("fip-session/fip.json"))
            // A fip.json cut short: the fiber mapper fails on it.
            for folder in ["broken", "partial", "batch-mixed/bad", "batch-bad/bad"] {
                try fm.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
                try fip.prefix(300).write(to: root.appendingPathComponent("\(folder)/fip.json"))
            }
            for folder in ["batch-ok/good", "batch-mixed/good"] {
                try fm.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
                try fip.write(to: root.appendingPathComponent("\(folder)/fip.json"))
            }
            for name in ["acquisition_behavior.json", "instrument_behavior.json"] {
                try fm.copyItem(at: examples.appendingPathComponent("fip-session/\(name)"), to: root.appendingPathComponent("partial/\(name)"))
            }
            let job = try String(contentsOfFile: examples.appendingPathComponent("fip-session/job.yaml").path, encoding: .utf8)
            try ("raise_if_mapper_errors: false\n" + job).write(to: root.appendingPathComponent("lenient.yaml"), atomically: true, encoding: .utf8)
            try Data(#"{"object_type": "Instrument"}"#.utf8).write(to: root.appendingPathComponent("invalid.json"))
        }

        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    }

    /// A run for each (command, code): its arguments, and what to do first.
    typealias Scenario = (command: String, code: Int32, arguments: (Workspace) throws -> [String])

    static var scenarios: [Scenario] {
        [
        ("gather", 0, { w in ["gather", w.examples.appendingPathComponent("fip-session").path, "--job", w.fipJob, "--output", w.path("out-gather-0")] }),
        ("gather", 1, { w in ["gather", w.path("broken"), "--job", w.fipJob, "--output", w.path("out-gather-1")] }),
        ("gather", 2, { w in ["gather", w.missing, "--job", w.fipJob, "--output", w.path("out-gather-2")] }),
        ("gather", 3, { w in ["gather", w.path("partial"), "--job", w.path("lenient.yaml"), "--output", w.path("out-gather-3")] }),
        ("map", 0, { w in ["map", "--mapper", "fiber", "--input", w.examples.appendingPathComponent("fip-session/fip.json").path, "--job", w.fipJob, "--output", w.path("out-map-0")] }),
        ("map", 1, { w in ["map", "--mapper", "fiber", "--input", w.path("broken/fip.json"), "--job", w.fipJob, "--output", w.path("out-map-1")] }),
        ("map", 2, { w in ["map", "--mapper", "fiber", "--input", w.missing, "--job", w.fipJob, "--output", w.path("out-map-2")] }),
        (
            "merge", 0,
            { w in
                ["merge", w.examples.appendingPathComponent("fip-session/instrument_behavior.json").path, w.examples.appendingPathComponent("fip-session/instrument_fip.json").path, "--output", w.path("merged-0.json")]
            }
        ),
        (
            "merge", 1,
            { w in
                ["merge", w.examples.appendingPathComponent("fip-session/instrument_fip.json").path, w.examples.appendingPathComponent("fip-session/instrument_fip.json").path, "--output", w.path("merged-1.json")]
            }
        ),
        ("merge", 2, { w in ["merge", w.missing, w.examples.appendingPathComponent("fip-session/instrument_fip.json").path, "--output", w.path("merged-2.json")] }),
        ("validate", 0, { w in ["validate", w.examples.appendingPathComponent("fip-session/instrument_fip.json").path] }),
        ("validate", 1, { w in ["validate", w.path("invalid.json")] }),
        ("validate", 2, { w in ["validate", w.missing] }),
        ("batch", 0, { w in ["batch", w.path("batch-ok"), "--job", w.fipJob, "--output", w.path("out-batch-0")] }),
        ("batch", 1, { w in ["batch", w.path("batch-bad"), "--job", w.fipJob, "--output", w.path("out-batch-1")] }),
        ("batch", 2, { w in ["batch", w.missing, "--job", w.fipJob, "--output", w.path("out-batch-2")] }),
        ("batch", 3, { w in ["batch", w.path("batch-mixed"), "--job", w.fipJob, "--output", w.path("out-batch-3")] }),
        (
            "batch-merge", 0,
            { w in
                _ = try rigmap(["batch", w.path("batch-ok"), "--job", w.fipJob, "--output", w.path("out-shards-0"), "--shard", "0/1"])
                return ["batch-merge", w.path("out-shards-0"), "--shards", "1"]
            }
        ),
        (
            "batch-merge", 1,
            { w in
                _ = try rigmap(["batch", w.path("batch-ok"), "--job", w.fipJob, "--output", w.path("out-shards-1"), "--shard", "0/2"])
                return ["batch-merge", w.path("out-shards-1"), "--shards", "2"]  // shard 1 never ran
            }
        ),
        ("batch-merge", 2, { w in ["batch-merge", w.missing, "--shards", "2"] }),
        (
            "batch-merge", 3,
            { w in
                _ = try rigmap(["batch", w.path("batch-mixed"), "--job", w.fipJob, "--output", w.path("out-shards-3"), "--shard", "0/1"])
                return ["batch-merge", w.path("out-shards-3"), "--shards", "1"]
            }
        ),
        (
            "catalog", 0,
            { w in
                _ = try rigmap(["batch", w.path("batch-ok"), "--job", w.fipJob, "--output", w.path("out-catalog")])
                return ["catalog", w.path("out-catalog")]
            }
        ),
        ("catalog", 2, { w in ["catalog", w.path("batch-ok"), "--status", "bogus"] }),
        (
            "report", 0,
            { w in
                _ = try rigmap(["gather", w.examples.appendingPathComponent("fip-session").path, "--job", w.fipJob, "--output", w.path("out-report-0")])
                return ["report", w.path("out-report-0")]
            }
        ),
        ("report", 2, { w in ["report", w.missing] }),
        (
            "report", 3,
            { w in
                // A batch whose session page cannot be written (a folder stands where report.html goes).
                _ = try rigmap(["batch", w.path("batch-ok"), "--job", w.fipJob, "--output", w.path("out-report-3")])
                try FileManager.default.createDirectory(atPath: w.path("out-report-3/good/report.html/in-the-way"), withIntermediateDirectories: true)
                return ["report", w.path("out-report-3")]
            }
        ),
        ("resolve", 0, { w in ["resolve", "--job", w.fipJob] }),
        ("resolve", 1, { _ in ["resolve", "--mapper", "nosuch@1.0.0"] }),
        ("resolve", 2, { w in ["resolve", "--job", w.missing] }),
        ("pin", 0, { w in ["pin", "--experiment", w.path("experiment"), "fiber@1.4.0"] }),
        ("pin", 1, { w in ["pin", "--experiment", w.path("experiment-1"), "fiber@9.9.9"] }),
        ("pin", 2, { w in ["pin", "--experiment", w.path("experiment-2")] }),
        ("mappers", 0, { _ in ["mappers"] }),
        ("mappers", 2, { _ in ["mappers", "--no-such-option"] }),
        ]
    }

    /// The table documents exactly the codes the scenarios reach, command by command.
    @Test func theTableAndTheScenariosCoverTheSameCodes() throws {
        let table = try ExitCodeTests.documented()
        #expect(table.count == 11, "\(table.keys.sorted())")
        var covered: [String: Set<Int32>] = [:]
        for scenario in ExitCodeTests.scenarios { covered[scenario.command, default: []].insert(scenario.code) }
        #expect(covered == table)
    }

    @Test func eachCommandExitsAsTheReadmeTableSays() throws {
        let table = try ExitCodeTests.documented()
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        for scenario in ExitCodeTests.scenarios {
            let arguments = try scenario.arguments(workspace)
            let result = try rigmap(arguments)
            #expect(table[scenario.command]?.contains(scenario.code) == true, "the README's table has no \(scenario.code) for \(scenario.command)")
            #expect(result.status == scenario.code, "rigmap \(arguments.joined(separator: " ")) exited \(result.status), expected \(scenario.code):\n\(result.stderr)")
        }
    }

    /// Usage errors exit 2 from every command (swift-argument-parser's own code for them is 64), with its message.
    @Test(arguments: ["gather", "map", "merge", "validate", "batch", "batch-merge", "catalog", "report", "resolve", "pin", "mappers"])
    func aUsageErrorExitsTwo(_ command: String) throws {
        let result = try rigmap([command, "--no-such-option"])
        #expect(result.status == 2, "\(command): \(result.stderr)")
        #expect(result.stderr.contains("Error:") || result.stderr.contains("error:"))
    }

    /// A path that does not exist exits 2 from every command that reads one, naming the path.
    @Test func aMissingPathExitsTwoFromEveryCommand() throws {
        let missing = temporaryFolder().appendingPathComponent("nothing-here").path
        let out = temporaryFolder().path
        let fip = packageRoot.appendingPathComponent("Examples/fip-session/fip.json").path
        let runs: [[String]] = [
            ["gather", missing, "--output", out], ["gather", packageRoot.appendingPathComponent("Examples/fip-session").path, "--job", missing, "--output", out],
            ["map", "--mapper", "fiber", "--input", missing, "--output", out], ["map", "--mapper", "fiber", "--input", fip, "--job", missing, "--output", out],
            ["merge", missing, fip, "--output", out + "/m.json"], ["validate", missing], ["batch", missing, "--output", out],
            ["batch", "--manifest", missing, "--output", out], ["batch-merge", missing, "--shards", "2"], ["catalog", missing], ["report", missing],
            ["resolve", "--job", missing],
        ]
        for arguments in runs {
            let result = try rigmap(arguments)
            #expect(result.status == 2, "rigmap \(arguments.joined(separator: " ")): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(missing), "rigmap \(arguments.joined(separator: " ")) does not name the path: \(result.stderr)")
        }
    }

    @Test func jobsZeroIsAUsageError() throws {
        let root = temporaryFolder()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("s1"), withIntermediateDirectories: true)
        let result = try rigmap(["batch", root.path, "--output", temporaryFolder().path, "--jobs", "0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--jobs must be at least 1"))
    }
}
