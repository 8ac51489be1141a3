import Foundation
import MetadataModel
import Testing

/// `replacingEvery(_:with:)` and `ProcessEnvironment`, the Foundation-free helpers a run uses.
@Suite struct TextReplacementTests {
    /// Where Foundation's literal-text answer is the same (no canonical equivalence involved), both agree.
    @Test(arguments: [
        ("Green_ROI", "ROI", ""), ("a//b///c", "//", "/"), ("aaa", "aa", "b"), ("abc", "x", "y"), ("", "a", "b"), ("a", "abc", "z"),
        ("~0~1/~", "~", "~0"), ("x{probe}y{probe}", "{probe}", "ProbeA"), ("λ_μ_ν", "_", " "), ("ends with ROI", "ROI", "!"),
        ("ROIROI", "ROI", "-"), ("\"quoted\\\"", "\"", "\\\""), ("日本語の日本", "日本", "JP"),
    ])
    func agreesWithFoundationOnLiteralText(_ text: String, _ target: String, _ replacement: String) {
        #expect(text.replacingEvery(target, with: replacement) == text.replacingOccurrences(of: target, with: replacement))
        #expect(text[...].replacingEvery(target, with: replacement) == text.replacingEvery(target, with: replacement))
    }

    @Test func replacesLeftToRightWithoutOverlap() {
        #expect("aaaa".replacingEvery("aa", with: "a") == "aa")
        #expect("aaa".replacingEvery("aa", with: "b") == "ba")
        #expect("abab".replacingEvery("ab", with: "abab") == "abababab")
        #expect("text".replacingEvery("", with: "x") == "text")
    }

    /// Unicode scalars are compared, as Python's `str.replace` compares: a precomposed `é` is not `e` + U+0301.
    @Test func comparesScalarsNotCanonicalEquivalents() {
        let decomposed = "cafe\u{301}"
        #expect(decomposed.replacingEvery("é", with: "E") == decomposed)
        #expect("café".replacingEvery("é", with: "E") == "cafE")
        #expect(decomposed.replacingEvery("e", with: "E") == "cafE\u{301}")
        // Python: "ROI\u0308x".replace("ROI", "-") == "-\u0308x" (Foundation leaves it: Ï is another character).
        #expect("ROI\u{308}x".replacingEvery("ROI", with: "-") == "-\u{308}x")
    }

    @Test func readsOneEnvironmentVariable() {
        #expect(ProcessEnvironment.value("PATH") == ProcessInfo.processInfo.environment["PATH"])
        #expect(ProcessEnvironment.value("RIGMAP_SURELY_UNSET_\(UUID().uuidString.prefix(8))") == nil)
    }
}
