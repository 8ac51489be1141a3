import MetadataModel

/// A problem found while validating a document.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
        /// The validator could not decide (a regular expression the engine gave up on): neither valid nor invalid.
        case undetermined
    }

    public var severity: Severity
    /// Where in the document.
    public var path: JSONPath
    /// A readable message, e.g. `must be number`, `required field 'subject_id' is missing`.
    public var message: String

    public init(_ severity: Severity = .error, at path: JSONPath, _ message: String) {
        self.severity = severity
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
