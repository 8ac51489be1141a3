import Foundation
@testable import MetadataModel
import Testing

@Suite struct JSONNumberTests {
    /// Pairs of (Double, what pydantic-core 2.46 prints), measured with `pydantic_core.to_json`.
    static let pydanticFloats: [(Double, String)] = [
        (1.0, "1.0"), (0.1, "0.1"), (1e-7, "1e-7"), (1e16, "1e16"), (1e17, "1e17"),
        (123456789012345680.0, "1.2345678901234568e17"), (0.00001, "0.00001"), (0.0001, "0.0001"),
        (1.5e300, "1.5e300"), (-0.0, "-0.0"), (2.5e-5, "0.000025"), (1234567890123456.0, "1234567890123456.0"),
        (12345678901234567.0, "1.2345678901234568e16"), (65.26, "65.26"), (15.65, "15.65"), (-8.5, "-8.5"),
        (100.0, "100.0"), (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e308"),
    ]

    @Test func floatsPrintAsPydanticDoes() {
        for (value, expected) in Self.pydanticFloats {
            #expect(JSONNumber.format(value) == expected, "\(value)")
        }
    }

    @Test func integerLiteralsAreKeptDigitForDigit() throws {
        let value = try JSONParser.parse("[12345678901234567890123, -0, 7]")
        #expect(JSONWriter.compactString(value) == "[12345678901234567890123,-0,7]")
    }

    @Test func floatLiteralsAreNormalisedToThePydanticForm() throws {
        let value = try JSONParser.parse("[1.50, 1E2, 2.5e-5, 10.0]")
        #expect(JSONWriter.compactString(value) == "[1.5,100.0,0.000025,10.0]")
    }

    @Test func numbersCompareByValue() {
        #expect(JSONNumber(1) == JSONNumber(1.0))
        #expect(JSONNumber(2) != JSONNumber(2.5))
    }
}

@Suite struct JSONWriterTests {
    @Test func stringsAreEscapedAsPydanticDoes() {
        // pydantic_core.to_json('a"b\\c\n\t\x01\x7fé\u2028/</script>😀')
        let s = "a\"b\\c\n\t\u{01}\u{7F}é\u{2028}/</script>😀"
        #expect(JSONWriter.compactString(.string(s)) == "\"a\\\"b\\\\c\\n\\t\\u0001\u{7F}é\u{2028}/</script>😀\"")
    }

    @Test func indentIsThreeSpacesAndEmptyContainersStayInline() {
        let value: JSONValue = ["a": [], "b": [:], "c": [1, ["x": .null]]]
        let expected = "{\n   \"a\": [],\n   \"b\": {},\n   \"c\": [\n      1,\n      {\n         \"x\": null\n      }\n   ]\n}"
        #expect(JSONWriter.referenceString(value) == expected)
    }
}

@Suite struct JSONParserTests {
    func syntaxError(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try JSONParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func truncatedDocumentReportsLineColumnAndOffset() throws {
        let error = try #require(syntaxError("{\n  \"a\": [1, 2,\n"))
        #expect(error.position.line == 3)
        #expect(error.position.offset == 16)
        #expect(error.message.contains("end of input"))
    }

    @Test func badTokensAreLocated() throws {
        let cases: [(String, Int, String)] = [
            ("{\"a\": tru}", 6, "literal"),
            ("{\"a\": NaN}", 6, "NaN"),
            ("[01]", 2, "leading zeros"),
            ("{\"a\" 1}", 5, "':'"),
            ("[1,]", 3, "value"),
            ("\"bad \\x escape\"", 5, "escape"),
            ("\"\\ud800\"", 7, "surrogate"),
            ("[1] 2", 4, "after the JSON value"),
            ("{\"a\": 1e999}", 6, "out of range"),
        ]
        for (text, offset, fragment) in cases {
            let error = try #require(syntaxError(text), "\(text)")
            #expect(error.position.offset == offset, "\(text): \(error)")
            #expect(error.message.contains(fragment), "\(text): \(error)")
        }
    }

    @Test func invalidUTF8IsAnErrorNotACrash() throws {
        let bytes: [UInt8] = Array("{\"a\": \"".utf8) + [0xFF, 0xFE] + Array("\"}".utf8)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(bytes) }
    }

    @Test func deepNestingIsRefusedWithoutOverflow() throws {
        let text = String(repeating: "[", count: 100_000)
        let error = try #require(syntaxError(text))
        #expect(error.message.contains("nesting"))
    }

    @Test func duplicateKeysKeepFirstPositionAndLastValue() throws {
        let value = try JSONParser.parse(#"{"a": 1, "b": 2, "a": 3}"#)
        #expect(JSONWriter.compactString(value) == #"{"a":3,"b":2}"#)
        // A key written with an escape is the same key; so is one repeated after the first 16 keys.
        let escaped = try JSONParser.parse(#"{"ab": 1, "x": 0, "a\u0062": 2}"#)
        #expect(JSONWriter.compactString(escaped) == #"{"ab":2,"x":0}"#)
        let many = (0..<20).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        let wide = try JSONParser.parse("{\(many), \"k3\": 33, \"k19\": 99, \"new\": 1}")
        #expect(wide["k3"] == 33 && wide["k19"] == 99 && wide.objectValue?.count == 21)
        #expect(wide.objectValue?.keys.last == "new" && wide.objectValue?.keys[3] == "k3")
        // Nested containers keep their members apart, duplicates included.
        let nested = try JSONParser.parse(#"{"a": [1, {"a": 2, "b": [3, {"a": 4, "a": 5}], "a": 6}, 7], "b": {}, "a": [[], [8]]}"#)
        #expect(JSONWriter.compactString(nested) == #"{"a":[[],[8]],"b":{}}"#)
        let inner = try JSONParser.parse(#"[{"x": [1, 2], "y": {"x": 0, "y": [3], "x": 9}}, [4, {"z": 5}], 6]"#)
        #expect(JSONWriter.compactString(inner) == #"[{"x":[1,2],"y":{"x":9,"y":[3]}},[4,{"z":5}],6]"#)
    }

    /// Keys are cached by a hash of their bytes: thousands of distinct keys (colliding in the cache) and repeated ones,
    /// escaped spellings and non-ASCII keys all come back as written.
    @Test func manyDistinctAndRepeatedKeysReadBackExactly() throws {
        let names = (0..<3000).map { String(format: "k%04d", $0) } + ["", "a", "ab", "a\\u0062", "é", "naïve", "k0001 "]
        let expected = names.map { $0 == "a\\u0062" ? "ab" : $0 }
        let members = zip(names, names.indices).map { "{\"\($0)\": \($1), \"object_type\": \"x\"}" }
        let value = try JSONParser.parse("[" + (members + members).joined(separator: ",") + "]")
        let read = value.arrayValue?.compactMap { $0.objectValue?.keys.first } ?? []
        #expect(read == expected + expected)
        #expect(value.arrayValue?.allSatisfy { $0.objectValue?.keys.last == "object_type" } == true)
    }

    @Test func escapesAndSurrogatePairsDecode() throws {
        let value = try JSONParser.parse(#""\u00e9\ud83d\ude00\n\/""#)
        #expect(value == .string("é😀\n/"))
    }
}

/// ``JSONParser/parse(_:omitting:)``: the same document without the omitted members, and the same errors.
@Suite struct OmittingParserTests {
    @Test func omittedMembersAreLeftOutAtAnyDepth() throws {
        let text = """
            {"name": "a", "channels": [{"n": "CH1", "bit_volts": 0.195, "x": -12, "u": "\\u00b5V", "k": {"channels": 1}}],
             "continuous": [{"folder": "f/", "channels": [1, 2.5e3, true, null, "µ"], "rate": 30000.0}], "last": [0, -0.0]}
            """
        let pruned = try JSONParser.parse(Array(text.utf8), omitting: ["channels"])
        let full = try JSONParser.parse(text)
        #expect(pruned == ["name": "a", "continuous": [["folder": "f/", "rate": 30000.0]], "last": full["last"] ?? .null])
        #expect(try JSONParser.parse(Array(text.utf8), omitting: []) == full)
    }

    /// Skipping reads strings eight bytes at a time: a quote, an escape, a control character or a non-ASCII byte
    /// at every offset of those eight, valid or not, gives what the full parse gives.
    @Test func skippedStringsAgreeAtEveryOffset() {
        let specials: [[UInt8]] = [[0x5C, 0x22], [0x5C, 0x6E], [0x01], [0x1F], [0xC3, 0xA9], [0xC3, 0x28], [0x7F], [0x20], [0x5C, 0x71]]
        for special in specials {
            for offset in 0..<20 {
                let string = [0x22] + Array(repeating: UInt8(ascii: "a"), count: offset) + special + Array(repeating: UInt8(ascii: "b"), count: 9) + [0x22]
                let text = Array(#"{"keep": 1, "channels": "#.utf8) + string + Array(#", "last": "x"}"#.utf8)
                var full: Result<JSONValue, JSONSyntaxError>
                var pruned: Result<JSONValue, JSONSyntaxError>
                do { full = .success(try JSONParser.parse(text)) } catch { full = .failure(error) }
                do { pruned = .success(try JSONParser.parse(text, omitting: ["channels"])) } catch { pruned = .failure(error) }
                switch (full, pruned) {
                case (.success(let f), .success(let p)):
                    #expect(p == ["keep": 1, "last": "x"] && f["last"] == "x", "\(special) at \(offset)")
                case (.failure(let f), .failure(let p)):
                    #expect(f == p, "\(special) at \(offset)")
                default:
                    Issue.record("\(special) at \(offset): \(full) vs \(pruned)")
                }
            }
        }
    }

    /// Every malformed value gives the error (message and position) the full parse gives, omitted or not.
    @Test func omittedValuesAreCheckedAsTheFullParseChecksThem() {
        let malformed = [
            #""abc"#, #""a\qb""#, "\"a\u{01}b\"", #""\ud800""#, "01", "1.", "1e", "-", "1e999", "1" + String(repeating: "0", count: 400) + ".5",
            "NaN", "tru", "[1,]", "[1 2]", #"{"a" 1}"#, #"{"a": 1,}"#, #"{"a": 1"#, "{1: 2}", "[", "{", "",
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600), #"[{"k": "\u00"}]"#,
        ]
        for value in malformed {
            let text = #"{"keep": [1, 2.5], "channels": "# + value + "}"
            var fullError: JSONSyntaxError?
            var prunedError: JSONSyntaxError?
            do { _ = try JSONParser.parse(text) } catch { fullError = error }
            do { _ = try JSONParser.parse(Array(text.utf8), omitting: ["channels"]) } catch { prunedError = error }
            #expect(fullError != nil, "\(value)")
            #expect(prunedError == fullError, "\(value)")
        }
        // Invalid UTF-8 inside an omitted string.
        let bytes = Array(#"{"channels": ["#.utf8) + [0x22, 0xC3, 0x28, 0x22] + Array("]}".utf8)
        var errors: [JSONSyntaxError?] = [nil, nil]
        do { _ = try JSONParser.parse(bytes) } catch { errors[0] = error }
        do { _ = try JSONParser.parse(bytes, omitting: ["channels"]) } catch { errors[1] = error }
        #expect(errors[0] != nil && errors[0] == errors[1])
    }
}

@Suite struct CanonicalFloatTests {
    /// The writer keeps a parsed float's text when it is already what pydantic would write; that shortcut must never
    /// change a byte: whenever it says "canonical", formatting the value gives the same text.
    @Test func theShortcutAgreesWithFormatting() {
        var generator = SystemRandomNumberGenerator()
        var literals = [
            "0.0", "-0.0", "1.0", "47132.0", "170.7", "0.00001", "0.000001", "1.50", "00.5", "0.10", "5.", ".5", "1e5", "1.0e5", "-12.25",
            "123456789012345.0", "1234567890123456.0", "12345678901234567.0", "0.1234567890123456", "0.30000000000000004", "9999999999999998.0",
            "100.0", "-0.5", "--1.0", "1.2.3", "0.00012", "0.0001200", "10000000000000000.0",
        ]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...18, using: &generator)
            var text = (0..<digits).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined()
            let point = Int.random(in: 0...digits, using: &generator)
            text.insert(".", at: text.index(text.startIndex, offsetBy: point))
            if text.hasPrefix(".") { text = "0" + text }
            if text.hasSuffix(".") { text += "0" }
            literals.append(Bool.random(using: &generator) ? "-" + text : text)
            let bits = UInt64.random(in: 0...UInt64.max, using: &generator)
            let value = Double(bitPattern: bits)
            if value.isFinite { literals.append(JSONNumber.format(value)) }
        }
        var canonical = 0
        for literal in literals where JSONNumber.isCanonicalFloat(literal) {
            canonical += 1
            guard let value = Double(literal) else {
                Issue.record("\(literal) called canonical but is not a number")
                continue
            }
            #expect(JSONNumber.format(value) == literal, "\(literal)")
        }
        #expect(canonical > 1000)
    }
}

@Suite struct JSONPathTests {
    @Test func descriptionsReadBackToTheSamePath() {
        let paths: [JSONPath] = [
            .root, [.key("a")], [.key("a"), .index(0), .key("b-c_d")], [.index(3), .key("x")], [.key("odd key"), .key("q\"uo\\te"), .key("")],
            [.key("0")], [.key("é"), .index(12), .index(0)],
        ]
        for path in paths {
            #expect(JSONPath(parsing: path.description) == path, "\(path)")
        }
    }

    @Test func textThatNoPathPrintsIsRefused() {
        for text in ["", ".a", "a.", "a..b", "[x]", "[1", "[\"a]", "a b", "$.a", "[\"a\"", "a[-1]"] {
            #expect(JSONPath(parsing: text) == nil, "\(text)")
        }
    }
}
