import Foundation
import Testing

@testable import Validation

/// The automaton against ICU (with the translation the validator gives ICU) on the same patterns and strings: the
/// automaton takes a pattern only where both must agree.
@Suite struct RegularAutomatonTests {
    /// Patterns of the kinds schemas and contracts use, including the ones RigMapper carries (aind-data-schema's
    /// commit hash, the fiber contract's semantic version).
    static let inSubset = [
        #"^[0-9a-fA-F]{7,60}$"#,
        #"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"#,
        #"^\d{4}-\d{2}-\d{2}$"#, #"^[A-Z]{2,3}_\d+$"#, "^a*$", "a+", "^(ab|cd)*e?$", "^[^abc]+$", #"\w+@\w+"#,
        #"^[\w]*$"#, "x{2,}", "^(a|)b$", "^$", "(?:x|y)z",
        #"^[-a]+$"#, #"^[a-c-]+$"#, #"^\W\D$"#, #"[\^\]\\]"#, #"^\(\d+\)$"#, "^a{0}b$", "^(a*)*$", "^a{1,3}?b$",
        "^é+ß$", "^[α-ω]+$", "^[-]$", #"^\t\n\r\f$"#, "a|b|c", "^(?:(a)|b)+$", "#x y:z&", "^[_.,;/@#!%<>=~+*?()|]+$",
    ]

    /// Patterns outside the subset: ICU takes them.
    static let outside = [
        ".", "a.b", #"\s"#, #"\S"#, #"\bx"#, "(?=a)", "(?!a)", "(?<=a)b", "(?i)a", #"(a)\1"#, #"\p{L}"#, #"\u0041"#,
        #"\x41"#, "[--a]", "[a--]", "[[a]]", "a{2}+", "a*+", "a{,3}", "{", "a{x}", "]", "}", "[]", "[^]", #"\v"#,
        #"[\D]"#, "[a&&b]", "(?<n>a)", #"[\s]"#, "[a-]b-]", "[ ]", "[$]", "[:]", "[{]", "a**", "(", ")", "a|(b", #"\"#,
        "[b-a]", #"[\d-z]"#, "^*", "$+",
    ]

    @Test func subsetPatternsCompileToTheAutomaton() {
        for pattern in Self.inSubset {
            #expect(RegularAutomaton(pattern) != nil, "\(pattern)")
            guard let compiled = Pattern(pattern), case .automaton = compiled.engine else {
                Issue.record("\(pattern) did not get the automaton")
                continue
            }
        }
        for pattern in Self.outside { #expect(RegularAutomaton(pattern) == nil, "\(pattern)") }
        // Nesting deeper than the parser recurses goes to ICU; 64 levels stay on the automaton.
        #expect(RegularAutomaton(String(repeating: "(", count: 64) + "a" + String(repeating: ")", count: 64)) != nil)
        #expect(RegularAutomaton(String(repeating: "(", count: 10_000) + "a" + String(repeating: ")", count: 10_000)) == nil)
    }

    @Test func automatonAndICUAgree() throws {
        var generator = SplitMix(seed: 0x5EED)
        var compared = 0
        for pattern in Self.inSubset {
            let automaton = try #require(RegularAutomaton(pattern))
            let icu = try NSRegularExpression(pattern: Pattern.icu(pattern))
            // Strings from the pattern's own characters and a few others, so that matches are common.
            var alphabet = Array(Set(pattern.unicodeScalars.filter { !"\\^$*+?{}[]()|".unicodeScalars.contains($0) }))
            alphabet += Array("0123456789aAbBcezZ-._ \n\té".unicodeScalars)
            alphabet.sort { $0.value < $1.value }
            var samples = ["", "1.2.3", "1.0.0-alpha.1+build.5", "01.2.3", "abcdef0", "abcdef0123456789", "2024-03-05", "AB_12", "ab", "e"]
            for _ in 0..<600 {
                let length = Int(generator.next() % 14)
                var text = String.UnicodeScalarView()
                for _ in 0..<length { text.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
                samples.append(String(text))
            }
            for text in samples {
                let expected = Pattern.search(icu, in: text)
                #expect(expected != .failed)
                #expect(automaton.search(text) == (expected == .match), "\(pattern) on \(text.debugDescription)")
                compared += 1
            }
        }
        #expect(compared == Self.inSubset.count * 610)
    }

    /// Random patterns built from the subset's pieces: every one the automaton takes, ICU compiles too, and the two
    /// agree on random strings.
    @Test func generatedPatternsAgree() throws {
        var generator = SplitMix(seed: 42)
        let atoms = ["a", "b", "ab", "[ab]", "[^a]", "[a-c]", #"\d"#, #"\w"#, #"\W"#, "[b-]", "[-b]", #"\."#, "-", "é", "[0-9a-f]"]
        let quantifiers = ["", "", "", "*", "+", "?", "{2}", "{1,2}", "{0,}", "*?", "{2,3}?"]
        // Groups repeat a bounded number of times: ICU backtracks exponentially on nested unbounded repetition
        // (seconds per string), which the automaton does not.
        let groupQuantifiers = ["", "", "?", "{2}", "{1,2}", "??"]
        func piece(_ depth: Int) -> String {
            var out = ""
            for _ in 0..<(1 + Int(generator.next() % 3)) {
                let roll = generator.next() % 10
                if depth < 2 && roll < 2 {
                    var group = "(" + piece(depth + 1) + (generator.next() % 2 == 0 ? "|" + piece(depth + 1) : "") + ")"
                    if generator.next() % 3 == 0 { group = "(?:" + group.dropFirst() }
                    out += group + groupQuantifiers[Int(generator.next() % UInt64(groupQuantifiers.count))]
                } else {
                    out += atoms[Int(generator.next() % UInt64(atoms.count))] + quantifiers[Int(generator.next() % UInt64(quantifiers.count))]
                }
            }
            return out
        }
        let alphabet = Array("abc0-9.éx_ ".unicodeScalars)
        var taken = 0
        for _ in 0..<400 {
            var pattern = piece(0)
            if generator.next() % 2 == 0 { pattern = "^" + pattern }
            if generator.next() % 2 == 0 { pattern += "$" }
            guard let automaton = RegularAutomaton(pattern) else { continue }
            taken += 1
            let icu = try NSRegularExpression(pattern: Pattern.icu(pattern))
            for _ in 0..<80 {
                var text = String.UnicodeScalarView()
                for _ in 0..<Int(generator.next() % 9) { text.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
                let string = String(text)
                #expect(automaton.search(string) == (Pattern.search(icu, in: string) == .match), "\(pattern) on \(string.debugDescription)")
            }
        }
        #expect(taken > 300)
    }

    @Test func icuTakesThePatternsOutsideTheSubset() throws {
        let pattern = try #require(Pattern(#"^\s*x.y\b"#))
        guard case .icu = pattern.engine else {
            Issue.record("expected ICU")
            return
        }
        #expect(pattern.search("  xzy") == .match)
        #expect(pattern.search("x\ny") == .noMatch)
        #expect(Pattern("(") == nil)
    }

    /// The empty pattern matches every string (ECMA-262); Foundation refuses it, so the validator used to reject
    /// a schema with `"pattern": ""`.
    @Test func emptyPatternMatchesEverything() throws {
        let pattern = try #require(Pattern(""))
        #expect(pattern.search("") == .match)
        #expect(pattern.search("anything") == .match)
    }
}

/// A small deterministic generator (SplitMix64), so the strings are the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
