import Testing
@testable import Report

@Suite struct EscapingTests {
    @Test func textEscapesMarkup() {
        #expect(HTMLEscape.text("<a>&") == "&lt;a&gt;&amp;")
    }
}
