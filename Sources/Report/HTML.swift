import Crypto
import Foundation

/// Escaping for each place a value can land in a page. Every value that comes from a document, a file name, a
/// catalog or a diagnostic goes through one of these; markup itself is only ever written from string literals (see
/// ``HTMLWriter``).
public enum HTMLEscape {
    /// Text content of an element (HTML, or SVG inside HTML): `&`, `<`, `>` become entities; control characters a
    /// page cannot show (all C0 controls but tab, line feed and carriage return, DEL and the C1 controls) become
    /// U+FFFD.
    public static func text(_ value: String) -> String {
        escape(value, quotes: false)
    }

    /// A double-quoted attribute value: as ``text(_:)``, and `"` and `'` become entities too.
    public static func attribute(_ value: String) -> String {
        escape(value, quotes: true)
    }

    /// JSON text made safe inside `<script type="application/json">`: `<`, `>`, `&`, U+2028 and U+2029 become
    /// `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`. These characters only ever occur inside JSON strings, where
    /// the escapes mean the same characters, so `JSON.parse` of the element's text gives the original value back,
    /// and no `</script>` or `<!--` can end or change the element.
    public static func scriptJSON(_ json: String) -> String {
        var out = ""
        out.reserveCapacity(json.utf8.count)
        for scalar in json.unicodeScalars {
            switch scalar {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A path segment for a relative link (`href`): every byte but ASCII letters, digits and `-._~` percent-encoded,
    /// so a name can neither leave its folder (`/`, `..` are refused before this) nor become a scheme (`javascript:`).
    public static func pathSegment(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    private static func escape(_ value: String, quotes: Bool) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quotes: out += "&quot;"
            case "'" where quotes: out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

/// Builds a page. Markup (tag and attribute names, the style sheet, the script) can only be given as string
/// literals (`StaticString`); every other string is escaped for where it goes: ``text(_:)`` for content, attribute
/// values always, ``json(_:)`` for a data island. So no value read from input can open an element or an attribute.
struct HTMLWriter {
    private(set) var html = ""

    init() {
        html.reserveCapacity(1 << 16)
    }

    /// Markup written as is: only literals.
    mutating func raw(_ markup: StaticString) {
        html += markup.description
    }

    /// Escaped text content.
    mutating func text(_ value: String) {
        html += HTMLEscape.text(value)
    }

    /// An opening tag; attributes whose value is `nil` are left out (`""` writes `name=""`, for boolean attributes).
    mutating func open(_ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String?> = [:]) {
        html += "<"
        html += tag.description
        for (name, value) in attributes {
            guard let value else { continue }
            html += " "
            html += name.description
            html += "=\""
            html += HTMLEscape.attribute(value)
            html += "\""
        }
        html += ">"
    }

    /// A closing tag.
    mutating func close(_ tag: StaticString) {
        html += "</"
        html += tag.description
        html += ">"
    }

    /// An element holding escaped text.
    mutating func element(_ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String?> = [:], text value: String) {
        open(tag, attributes)
        text(value)
        close(tag)
    }

    /// An element whose content `body` writes.
    mutating func element(_ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String?> = [:], _ body: (inout HTMLWriter) -> Void) {
        open(tag, attributes)
        body(&self)
        close(tag)
    }

    /// An element with no content and no closing tag (`<meta>`, `<br>`), or a self-closed SVG element.
    mutating func void(_ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String?> = [:], selfClosing: Bool = false) {
        open(tag, attributes)
        if selfClosing {
            html.removeLast()
            html += "/>"
        }
    }

    /// A `<script type="application/json" id="…">` data island holding `json` (see ``HTMLEscape/scriptJSON(_:)``).
    mutating func json(id: StaticString, _ json: String) {
        html += "<script type=\"application/json\" id=\""
        html += id.description
        html += "\">"
        html += HTMLEscape.scriptJSON(json)
        html += "</script>"
    }
}

/// The page's own style sheet and script, and the Content-Security-Policy that allows exactly them.
struct PageAssets {
    let style: StaticString
    let script: StaticString

    /// `default-src 'none'`: nothing is fetched (no network, no files); only the inline script and style sheet whose
    /// sha256 the policy names run or apply. (`frame-ancestors` and `sandbox` are not allowed in a `<meta>` policy.)
    var contentSecurityPolicy: String {
        "default-src 'none'; script-src '\(PageAssets.hash(script))'; style-src '\(PageAssets.hash(style))'; base-uri 'none'; form-action 'none'"
    }

    /// `sha256-<base64>` of the exact text between the tags, as CSP hash sources are written.
    static func hash(_ text: StaticString) -> String {
        "sha256-" + Data(SHA256.hash(data: Array(text.description.utf8))).base64EncodedString()
    }

    /// `<head>` up to and including the style sheet; then the caller writes the body and calls ``finish(_:)``.
    func head(_ w: inout HTMLWriter, title: String, generator: String) {
        w.raw("<!DOCTYPE html>\n")
        w.open("html", ["lang": "en"])
        w.open("head")
        w.void("meta", ["charset": "utf-8"])
        w.void("meta", ["http-equiv": "Content-Security-Policy", "content": contentSecurityPolicy])
        w.void("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"])
        w.void("meta", ["name": "generator", "content": generator])
        w.element("title", text: title)
        w.raw("<style>")
        w.raw(style)
        w.raw("</style>")
        w.close("head")
        w.raw("\n")
    }

    /// The script, then the end of the page.
    func finish(_ w: inout HTMLWriter) {
        w.raw("<script>")
        w.raw(script)
        w.raw("</script>\n")
        w.close("body")
        w.close("html")
        w.raw("\n")
    }
}
