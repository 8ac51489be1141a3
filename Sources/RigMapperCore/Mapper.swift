import Foundation
import Logging
import MetadataModel
import Version

/// A mapper's name and semantic version, e.g. `fiber@1.4.0`.
public struct MapperIdentity: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// Lower-case name used on the command line, in job files and in output file names (`acquisition_<name>.json`).
    public let name: String
    public let version: Version

    public init(name: String, version: Version) {
        self.name = name
        self.version = version
    }

    /// `name@version`.
    public var description: String { "\(name)@\(version)" }

    public static func < (a: MapperIdentity, b: MapperIdentity) -> Bool {
        a.name != b.name ? a.name < b.name : a.version < b.version
    }
}

/// A pattern for the files a mapper claims, relative to a session folder.
///
/// `fip.json` matches that file name in the folder; `*` matches within one path component, `**/` any number of
/// folders (`**/settings.xml`), and a trailing `/` matches folders only (`behavior/*.harp/`).
public struct InputPattern: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let pattern: String

    public init(_ pattern: String) { self.pattern = pattern }
    public init(stringLiteral value: String) { self.pattern = value }

    public var description: String { pattern }

    /// Whether `relativePath` (components joined by `/`) matches; `isDirectory` for folder patterns.
    public func matches(_ relativePath: String, isDirectory: Bool) -> Bool {
        var pat = pattern
        if pat.hasSuffix("/") {
            guard isDirectory else { return false }
            pat.removeLast()
        }
        return InputPattern.match(Array(pat.split(separator: "/", omittingEmptySubsequences: false)), Array(relativePath.split(separator: "/")))
    }

    private static func match(_ p: [Substring], _ s: [Substring]) -> Bool {
        guard let head = p.first else { return s.isEmpty }
        if head == "**" {
            for i in 0...s.count where match(Array(p.dropFirst()), Array(s.dropFirst(i))) { return true }
            return false
        }
        guard let first = s.first, glob(Array(head.unicodeScalars), Array(first.unicodeScalars)) else { return false }
        return match(Array(p.dropFirst()), Array(s.dropFirst()))
    }

    private static func glob(_ p: [Unicode.Scalar], _ s: [Unicode.Scalar]) -> Bool {
        var pi = 0, si = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == s[si]) {
                pi += 1; si += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi; mark = si; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; si = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

/// What a mapper is given to read: the path the user named (a file or a session folder).
public struct MapperInput: Sendable {
    /// The input file or folder.
    public let url: URL
    /// How to name the input in messages (the path as the user typed it).
    public let displayName: String
    /// The input already parsed (and checked against the mapper's contract), so it is read once.
    let preloadedJSON: JSONValue?

    public init(url: URL, displayName: String? = nil) {
        self.url = url
        self.displayName = displayName ?? url.path
        self.preloadedJSON = nil
    }

    init(url: URL, displayName: String, preloadedJSON: JSONValue) {
        self.url = url
        self.displayName = displayName
        self.preloadedJSON = preloadedJSON
    }

    /// The folder holding the input (the input itself when it is a folder).
    public var directory: URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue { return url }
        return url.deletingLastPathComponent()
    }

    /// A file beside the input (or inside it, for a folder), with a display name for messages.
    public func sibling(_ name: String) -> MapperInput {
        let base = (displayName as NSString).deletingLastPathComponent
        let shown = url.path == directory.path ? (displayName as NSString).appendingPathComponent(name) : (base.isEmpty ? name : (base as NSString).appendingPathComponent(name))
        return MapperInput(url: directory.appendingPathComponent(name), displayName: shown)
    }

    /// Reads the input (or a sibling) as JSON, with located errors for unreadable or malformed files.
    public func readJSON() throws(DiagnosticError) -> JSONValue {
        if let preloadedJSON { return preloadedJSON }
        return try JSONDocument.read(url, displayName: displayName)
    }
}

/// What a mapper knows of the run beyond its settings.
public struct MapperContext: Sendable {
    /// The IANA zone for rig timestamps written without an offset (job `timezone`); `nil` means such a timestamp is an error.
    public var timeZone: String?
    public var logger: Logger
    /// Checks a document against a JSON Schema: the violations (path, message), or why the schema cannot be used.
    /// Supplied by the composition root (the mapper catalog), so the core needs no schema engine of its own.
    public var contractChecker: ContractChecker?

    public init(timeZone: String? = nil, logger: Logger = Logger(label: "rigmap"), contractChecker: ContractChecker? = nil) {
        self.timeZone = timeZone
        self.logger = logger
        self.contractChecker = contractChecker
    }

    /// Resolves `text` as a timestamp, giving a naive one the job's zone, or fails at `location`.
    public func timestamp(_ text: String, at location: SourceLocation) throws(DiagnosticError) -> Timestamp {
        let parsed: Timestamp
        do {
            parsed = try Timestamp(parsing: text)
        } catch {
            throw DiagnosticError(error.description, at: location)
        }
        guard parsed.isNaive else { return parsed }
        guard let timeZone else {
            throw DiagnosticError(
                "timestamp \"\(text)\" has no UTC offset and the job declares no timezone; set `timezone:` (an IANA name such as America/Los_Angeles) in job.yaml",
                at: location)
        }
        do {
            return try parsed.resolved(in: timeZone)
        } catch {
            throw DiagnosticError(error.description, at: location)
        }
    }
}

/// Checks `document` against `schema`: the violations, or a message when the schema cannot be compiled.
public typealias ContractChecker = @Sendable (_ document: JSONValue, _ schema: JSONValue) -> Result<[(path: JSONPath, message: String)], ContractSchemaError>

/// A contract schema that cannot be used (a configuration error, not a problem with the input).
public struct ContractSchemaError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// The documents a mapper produced.
public struct MapperOutput: Sendable {
    /// Which standard document a value is.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case acquisition
        case instrument
    }

    public var documents: [(kind: Kind, value: JSONValue)]
    /// Non-fatal notes (defaults used, values assumed), with where they come from.
    public var warnings: [Diagnostic]
    /// Every file the mapper read, for provenance (hashes in `rigmap.lock`); the main input when left empty.
    public var inputsRead: [MapperInput]

    public init(documents: [(kind: Kind, value: JSONValue)], warnings: [Diagnostic] = [], inputsRead: [MapperInput] = []) {
        self.documents = documents
        self.warnings = warnings
        self.inputsRead = inputsRead
    }

    /// The standard file name for a document of `kind` made by mapper `name`: `acquisition_fiber.json`.
    public static func fileName(kind: Kind, mapper name: String) -> String {
        "\(kind.rawValue)_\(name).json"
    }
}

/// Constants of a mapper version that has none.
public struct NoConstants: Decodable, Sendable, Hashable {
    public init() {}
}

/// A rig adapter at one version: reads a rig's raw output and produces aind-data-schema documents.
///
/// A mapper is a value type with no state; each version is its own type (`FiberMapperV1_4`), so several versions
/// of one mapper live side by side in one binary and a job chooses among them.
///
/// Its `MapperConfigs/<name>/<version>.yaml` file has two sections: `constants` (what the version fixes, decoded
/// into ``Constants``) and `settings` (defaults a job may override, decoded into ``Settings`` after the job's
/// `mappers.<name>.settings` are laid over them). Unknown keys in either are errors.
public protocol Mapper: Sendable {
    /// Values the version fixes (hard-coded in the reference implementation).
    associatedtype Constants: Decodable & Sendable = NoConstants
    /// Values a job may set.
    associatedtype Settings: Decodable & Sendable

    /// Name and version, e.g. `fiber` 1.4.0.
    static var identity: MapperIdentity { get }
    /// aind-data-schema modality abbreviations this mapper produces (`fib`, `behavior`, `ecephys`, `SPIM`).
    static var modalities: [String] { get }
    /// The files or folders in a session this mapper reads.
    static var inputs: [InputPattern] { get }
    /// One line for `rigmap mappers`.
    static var summary: String { get }
    /// A JSON Schema (draft-07) the main input must satisfy, as a path among the configs
    /// (`fiber/fip.contract.json` → `MapperConfigs/fiber/fip.contract.json`). When set, the input is parsed and checked
    /// against it before ``map(_:constants:settings:context:)`` runs, every violation reported with its JSON path, and
    /// ``MapperInput/readJSON()`` returns the parsed document. `nil` for inputs that are not JSON.
    static var inputContract: String? { get }

    init()

    /// Maps `input` to documents. Throws every problem found in the input, located.
    func map(_ input: MapperInput, constants: Constants, settings: Settings, context: MapperContext) throws(DiagnosticError) -> MapperOutput
}

extension Mapper {
    public static var summary: String { "" }
    public static var inputContract: String? { nil }
}

/// What an adapter module exports: its mapper versions. By convention module `XMapper` declares
/// `public enum XMapperVersions: MapperModule`, which the mapper catalog lists.
public protocol MapperModule {
    static var mappers: [any Mapper.Type] { get }
}
