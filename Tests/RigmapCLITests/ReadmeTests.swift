import Foundation
import RigMapperCore
import Testing

/// One command of a runnable README block, with what the README claims about it.
struct ReadmeStep: CustomStringConvertible {
    /// The shell text (a heredoc or `\`-continued lines included).
    var command: String
    /// `# → text` lines after it: each text must appear in what the command printed (standard output and error).
    var claims: [String] = []
    /// `# exit N` after it; 0 when the README says nothing.
    var status: Int32 = 0
    /// The README line the command starts on.
    var line: Int

    var description: String { "README.md:\(line): \(command.split(separator: "\n").first ?? "")" }
}

/// The README's shell blocks marked `<!-- runnable -->`, parsed into steps.
enum RunnableReadme {
    static let marker = "<!-- runnable -->"

    /// Every runnable block, as its steps, with the line the block starts on.
    static func blocks(_ text: String) -> [(line: Int, steps: [ReadmeStep])] {
        let lines = text.components(separatedBy: "\n")
        var blocks: [(Int, [ReadmeStep])] = []
        var i = 0
        while i < lines.count {
            guard lines[i].trimmingCharacters(in: .whitespaces) == marker, i + 1 < lines.count, lines[i + 1].hasPrefix("```sh") else {
                i += 1
                continue
            }
            var body: [(Int, String)] = []
            var j = i + 2
            while j < lines.count && !lines[j].hasPrefix("```") {
                body.append((j + 1, lines[j]))
                j += 1
            }
            blocks.append((i + 1, steps(body)))
            i = j + 1
        }
        return blocks
    }

    /// Commands and the claims after each: a heredoc runs to its terminator, a trailing `\` continues a line.
    static func steps(_ body: [(number: Int, text: String)]) -> [ReadmeStep] {
        var steps: [ReadmeStep] = []
        var k = 0
        while k < body.count {
            let (number, text) = body[k]
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("# →") || trimmed.hasPrefix("# ->") {
                let claim = trimmed.dropFirst(trimmed.hasPrefix("# →") ? 3 : 4).trimmingCharacters(in: .whitespaces)
                if !steps.isEmpty { steps[steps.count - 1].claims.append(claim) }
                k += 1
                continue
            }
            if trimmed.hasPrefix("# exit "), let code = Int32(trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)) {
                if !steps.isEmpty { steps[steps.count - 1].status = code }
                k += 1
                continue
            }
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                k += 1
                continue
            }
            var command = [text]
            var terminator: String?
            if let range = text.range(of: "<<'") ?? text.range(of: "<<\"") {
                terminator = String(text[range.upperBound...].prefix { $0 != "'" && $0 != "\"" })
            }
            var last = text
            while k + 1 < body.count, terminator != nil || last.hasSuffix("\\") {
                k += 1
                last = body[k].text
                command.append(last)
                if let end = terminator, last == end { terminator = nil; last = "" }
            }
            steps.append(ReadmeStep(command: command.joined(separator: "\n"), line: number))
            k += 1
        }
        return steps
    }
}

/// The README cannot drift from what rigmap does: every runnable block runs, each claim is checked.
@Suite struct ReadmeTests {
    static let readme = packageRoot.appendingPathComponent("README.md")

    /// A folder with a copy of `Examples/` and a `bin/rigmap` that is the binary under test, as after `Scripts/install`.
    static func workspace() throws -> (folder: URL, path: String) {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Examples"), to: folder.appendingPathComponent("Examples"))
        let bin = folder.appendingPathComponent(".bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent("rigmap"), withDestinationURL: rigmapBinary)
        return (folder, bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"))
    }

    /// Runs one step with `/bin/sh` in `folder`; standard output and error together.
    static func run(_ step: ReadmeStep, in folder: URL, path: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", step.command]
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["RIGMAP_CONFIG_DIR"] = nil
        environment["PATH"] = path
        process.environment = environment
        let log = folder.appendingPathComponent(".step-output")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: log), as: UTF8.self))
    }

    @Test func theParserReadsHeredocsContinuationsClaimsAndStatuses() {
        let body = [
            "# a comment", "cat > a.yaml <<'YAML'", "x: 1", "# not a claim: inside the heredoc", "YAML", "rigmap resolve \\", "  --job a.yaml",
            "# → fiber@1.4.0", "# exit 1", "echo done", "# -> done",
        ]
        let steps = RunnableReadme.steps(body.enumerated().map { ($0.offset + 1, $0.element) })
        #expect(steps.map(\.command) == ["cat > a.yaml <<'YAML'\nx: 1\n# not a claim: inside the heredoc\nYAML", "rigmap resolve \\\n  --job a.yaml", "echo done"])
        #expect(steps.map(\.claims) == [[], ["fiber@1.4.0"], ["done"]])
        #expect(steps.map(\.status) == [0, 1, 0])
        #expect(steps.map(\.line) == [2, 6, 10])
    }

    /// Every runnable block, run as a reader would (from a folder holding `Examples/`, `rigmap` on the PATH): each
    /// command exits as the README says (0 unless `# exit N`) and prints every `# →` line the README shows.
    @Test func everyRunnableCommandDoesWhatTheReadmeSays() throws {
        let text = try String(contentsOf: ReadmeTests.readme, encoding: .utf8)
        let blocks = RunnableReadme.blocks(text)
        #expect(blocks.count >= 2, "the README has no runnable blocks")
        #expect(blocks.flatMap(\.steps).filter { !$0.claims.isEmpty }.count >= 8, "the runnable blocks claim little")
        for block in blocks {
            // Each block starts afresh, as the README presents it.
            let (folder, path) = try ReadmeTests.workspace()
            defer { try? FileManager.default.removeItem(at: folder) }
            for step in block.steps {
                let (status, output) = try ReadmeTests.run(step, in: folder, path: path)
                #expect(status == step.status, "\(step) exited \(status), the README says \(step.status):\n\(output)")
                for claim in step.claims {
                    #expect(output.contains(claim), "\(step): the README says it prints '\(claim)'; it printed:\n\(output)")
                }
            }
        }
    }

    /// The files the first block says are written are there after it, and each example's README shows the command
    /// the main README runs for it.
    @Test func theFirstStepsBlockCoversEveryExample() throws {
        let text = try String(contentsOf: ReadmeTests.readme, encoding: .utf8)
        let commands = RunnableReadme.blocks(text).flatMap(\.steps).map(\.command)
        let examples = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Examples").path).sorted()
        #expect(examples.count >= 4)
        for example in examples {
            let command = commands.first { $0.hasPrefix("rigmap gather Examples/\(example) --job Examples/\(example)/job.yaml --output ") }
            #expect(command != nil, "no runnable README command gathers Examples/\(example)")
            let own = try String(contentsOf: packageRoot.appendingPathComponent("Examples/\(example)/README.md"), encoding: .utf8)
            #expect(own.contains("rigmap gather Examples/\(example) --job Examples/\(example)/job.yaml --output "), "Examples/\(example)/README.md")
        }
    }

    /// "Shipped job types: …" names, for each job type in MapperConfigs/job_types/, every mapper with the version
    /// range the file asks for (the README once said fiber ~1.4.0 where the config says ^1.0).
    @Test func theShippedJobTypesSentenceMatchesTheConfigs() throws {
        let text = try String(contentsOf: ReadmeTests.readme, encoding: .utf8)
        let start = try #require(text.range(of: "Shipped job types:"))
        let sentence = String(text[start.lowerBound...]).components(separatedBy: "\n\n")[0].replacingOccurrences(of: "\n", with: " ")
        let folder = packageRoot.appendingPathComponent("MapperConfigs/job_types")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(!files.isEmpty)
        for file in files {
            let name = String(file.dropLast(5))
            let config = try ConfigValue.load(contentsOf: folder.appendingPathComponent(file))
            #expect(sentence.contains("`\(name)`"), "the README does not mention job type \(name)")
            let mappers = config["mappers"]?.keys ?? []
            #expect(!mappers.isEmpty)
            // The part of the sentence about this job type: from its name to the closing parenthesis.
            let part = sentence.components(separatedBy: "`\(name)` (").dropFirst().first?.components(separatedBy: ")").first ?? ""
            #expect(!part.isEmpty, "README: job type \(name) is not followed by its versions in parentheses")
            for mapper in mappers {
                let range = try #require(config["mappers"]?[mapper]?["version"]?.scalarText, "\(file): mappers.\(mapper).version")
                #expect(part.contains("\(mapper) `\(range)`"), "README: job type \(name) should say \(mapper) `\(range)`; it says: \(part)")
            }
        }
    }
}
