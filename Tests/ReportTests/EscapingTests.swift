import Crypto
import Foundation
import MetadataModel
import Testing

@testable import Report

@Suite struct EscapingTests {
    @Test func textEscapesMarkupAndControls() {
        #expect(HTMLEscape.text("<a href=\"x\">&'") == "&lt;a href=\"x\"&gt;&amp;'")
        #expect(HTMLEscape.text("a\u{0}b\u{7}c\u{85}d\te\nf") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\te\nf")
        #expect(HTMLEscape.text("é😀\u{2028}") == "é😀\u{2028}")
    }

    @Test func attributesEscapeBothQuotes() {
        #expect(HTMLEscape.attribute("\"><svg onload=alert(1)>' x='") == "&quot;&gt;&lt;svg onload=alert(1)&gt;&#39; x=&#39;")
    }

    @Test func scriptJSONEscapesWhatCouldEndOrChangeTheElement() throws {
        let value: JSONValue = ["name": "</script><script>alert(1)</script><!-- & \u{2028}\u{2029} >"]
        let escaped = HTMLEscape.scriptJSON(JSONWriter.compactString(value))
        for forbidden in ["<", ">", "&", "\u{2028}", "\u{2029}"] { #expect(!escaped.contains(forbidden)) }
        #expect(escaped.contains("\\u003c/script\\u003e") && escaped.contains("\\u2028\\u2029") && escaped.contains("\\u0026"))
        #expect(try JSONParser.parse(escaped) == value)
    }

    @Test func pathSegmentsKeepOnlyUnreservedCharacters() {
        #expect(HTMLEscape.pathSegment("s 1/..:é") == "s%201%2F..%3A%C3%A9")
        #expect(HTMLEscape.pathSegment("javascript:alert(1)") == "javascript%3Aalert%281%29")
        #expect(HTMLEscape.pathSegment("A-z_0.9~") == "A-z_0.9~")
    }

    @Test func theWriterOnlyTakesMarkupFromLiterals() {
        var w = HTMLWriter()
        w.element("td", ["data-x": "\"'<>&", "hidden": "", "absent": nil], text: "<b>&</b>")
        #expect(w.html == "<td data-x=\"&quot;&#39;&lt;&gt;&amp;\" hidden=\"\">&lt;b&gt;&amp;&lt;/b&gt;</td>")
        w = HTMLWriter()
        w.json(id: "d", "{\"a\":\"</script>\"}")
        #expect(w.html == "<script type=\"application/json\" id=\"d\">{\"a\":\"\\u003c/script\\u003e\"}</script>")
        w = HTMLWriter()
        w.void("rect", ["x": "1"], selfClosing: true)
        #expect(w.html == "<rect x=\"1\"/>")
    }

    @Test func thePolicyNamesTheHashesOfTheInlineScriptAndStyle() {
        let assets = PageAssets(style: Assets.style, script: Assets.sessionScript)
        let scriptHash = Data(SHA256.hash(data: Array(Assets.sessionScript.description.utf8))).base64EncodedString()
        let styleHash = Data(SHA256.hash(data: Array(Assets.style.description.utf8))).base64EncodedString()
        #expect(
            assets.contentSecurityPolicy
                == "default-src 'none'; script-src 'sha256-\(scriptHash)'; style-src 'sha256-\(styleHash)'; base-uri 'none'; form-action 'none'")
        #expect(!assets.contentSecurityPolicy.contains("unsafe"))
        for text in [Assets.style.description, Assets.sessionScript.description, Assets.batchScript.description] {
            #expect(!text.lowercased().contains("</script") && !text.lowercased().contains("</style") && !text.contains("<!--"))
            #expect(!text.contains("innerHTML") && !text.contains("eval(") && !text.contains("document.write"))
        }
    }
}
