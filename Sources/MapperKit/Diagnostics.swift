import MetadataModel

/// Where a problem was found: a file, and inside it a JSON path, a line and column, or a byte offset.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file, as the user named it (or a description such as `job.yaml` or `<command line>`).
    public var file: String?
    /// The JSON path inside a JSON document.
    public var jsonPath: JSONPath?
    /// 1-based line (YAML and JSON syntax errors).
    public var line: Int?
    /// 1-based column.
    public var column: Int?
    /// 0-based byte offset (JSON syntax errors).
    public var byteOffset: Int?

    public init(file: String? = nil, jsonPath: JSONPath? = nil, line: Int? = nil, column: Int? = nil, byteOffset: Int? = nil) {
        self.file = file
        self.jsonPath = jsonPath
        self.line = line
        self.column = column
        self.byteOffset = byteOffset
    }

    /// `file:line:column` when lines are known, then the JSON path and byte offset, e.g.
    /// `fip.json: rig.light_source_uv.power` or `job.yaml:4:7`.
    public var description: String {
        // A file name may hold a newline or other control characters; escaped, a diagnostic stays one line.
        var s = (file ?? "<input>").escapingControlCharacters
        if let line {
            s += ":\(line)"
            if let column { s += ":\(column)" }
        }
        var extras: [String] = []
        if let jsonPath { extras.append(jsonPath.description) }
        if let byteOffset { extras.append("byte \(byteOffset)") }
        if !extras.isEmpty { s += ": " + extras.joined(separator: ", ") }
        return s
    }
}

/// One problem or note, with where it was found.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    public var message: String
    public var location: SourceLocation?

    public init(_ severity: Severity = .error, _ message: String, at location: SourceLocation? = nil) {
        self.severity = severity
        self.message = message
        self.location = location
    }

    /// `file:line:column: error: message`, the form compilers and editors understand.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)\(severity.rawValue): \(message.replacingNewlines)"
    }
}

/// Every problem found in one step (reading an input, decoding settings, mapping), not just the first.
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public init(_ message: String, at location: SourceLocation? = nil) {
        self.diagnostics = [Diagnostic(.error, message, at: location)]
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// Collects diagnostics while a step runs; ``check()`` throws them all at once.
public struct DiagnosticCollector: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []

    public init() {}

    public mutating func error(_ message: String, at location: SourceLocation? = nil) {
        diagnostics.append(Diagnostic(.error, message, at: location))
    }

    public mutating func warning(_ message: String, at location: SourceLocation? = nil) {
        diagnostics.append(Diagnostic(.warning, message, at: location))
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Throws a ``DiagnosticError`` with every diagnostic when any of them is an error.
    public func check() throws(DiagnosticError) {
        if hasErrors { throw DiagnosticError(diagnostics) }
    }
}

extension String {
    /// Line ends inside a message as ` — `, so one diagnostic stays one line.
    var replacingNewlines: String {
        guard contains("\n") else { return self }
        return split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " — ")
    }

    /// Control characters written as escapes (`\n`, `\t`, `\u{7}`), so a name prints on one line.
    var escapingControlCharacters: String {
        guard unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return self }
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
