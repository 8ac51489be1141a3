import ArgumentParser
import Foundation
import Testing

@testable import rigmap

/// `rigmap map`'s fast reading of its arguments (`MapCommand.recognized`) against ArgumentParser's: the same command
/// for every form it takes, and no answer (ArgumentParser decides) for every other form.
@Suite struct MapArgumentsTests {
    /// Argument lists of every shape the fast reading takes: options in several orders, optional ones present or
    /// not, repeated `--set`, values with spaces, `=`, non-ASCII text, empty values.
    static let taken: [[String]] = {
        let core = [["--mapper", "fiber"], ["--input", "Examples/fip-session/fip.json"], ["--output", "out dir/é"]]
        let extras: [[[String]]] = [
            [], [["--job", "job.yaml"]], [["--config", "configs"], ["--update-lock"]],
            [["--set", "fiber.implanted_fibers=[0,2]"], ["--set", "fiber.x=a b"]], [["--job", ""], ["--set", "fiber.k="]],
            [["--update-lock"], ["--job", "j.yaml"], ["--config", "c"], ["--set", "s.a=1"]],
        ]
        var lists: [[String]] = []
        for extra in extras {
            let parts = core + extra
            lists.append(["map"] + parts.flatMap { $0 })
            lists.append(["map"] + parts.reversed().flatMap { $0 })
            lists.append(["map"] + (Array(parts.dropFirst()) + [parts[0]]).flatMap { $0 })
        }
        lists.append(["map", "--mapper", "fiber@1.0.0", "--input", "x", "--output", ""])
        return lists
    }()

    @Test(arguments: taken)
    func fastReadingEqualsArgumentParser(_ arguments: [String]) throws {
        let fast = try #require(MapCommand.recognized(arguments), "\(arguments)")
        let parsed = try #require(try Rigmap.parseAsRoot(arguments) as? MapCommand)
        #expect(fast == parsed.invocation, "\(arguments)")
    }

    /// The fast reading knows every option `map` has: a new option must be taught to it (or the fast reading would
    /// build commands without it). The options are listed from ArgumentParser's own description of the command.
    @Test func fastReadingKnowsEveryOptionOfMap() throws {
        let dump = try rigmap(["--experimental-dump-help"])
        #expect(dump.status == 0)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        func find(_ command: [String: Any]) -> [String: Any]? {
            if command["commandName"] as? String == "map" { return command }
            return (command["subcommands"] as? [[String: Any]] ?? []).lazy.compactMap(find).first
        }
        let map = try #require((root["command"] as? [String: Any]).flatMap(find))
        let names = Set((map["arguments"] as? [[String: Any]] ?? []).flatMap { ($0["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } })
        #expect(names == ["mapper", "input", "output", "job", "set", "update-lock", "config", "version", "h", "help"])
    }

    /// Forms left to ArgumentParser: it parses some of them (`--name=value`, a value beginning with `-` after
    /// `--`) and reports the rest.
    @Test func otherFormsAreLeftToArgumentParser() {
        let base = ["--mapper", "fiber", "--input", "i", "--output", "o"]
        let left: [[String]] = [
            [], ["map"], ["mappers"], ["map", "--help"], ["map", "-h"], ["--version"], ["map", "--mapper=fiber", "--input", "i", "--output", "o"],
            ["map"] + base + ["--input", "again"], ["map"] + base + ["--update-lock", "--update-lock"], ["map", "--mapper", "fiber", "--input", "i"],
            ["map"] + base + ["--job"], ["map"] + base + ["--set", "-x"], ["map"] + base + ["--"], ["map"] + base + ["extra"],
            ["map"] + base + ["--unknown", "v"], ["map", "--mapper", "-fiber", "--input", "i", "--output", "o"], ["validate"] + base,
        ]
        for arguments in left { #expect(MapCommand.recognized(arguments) == nil, "\(arguments)") }
    }
}
