// MapperKit is the whole API an adapter needs: this protocol and its types, the input (`MapperInput`: every read of
// a session recorded), diagnostics, and what documents are made of — JSON values and timestamps (MetadataModel),
// schema releases and the schema-driven model builder (AindSchemas), semantic versions (Version). An adapter module
// imports MapperKit and Foundation and nothing else; the config system, the registry and file writing live in
// RigMapperCore, which an adapter never sees.
@_exported import AindSchemas
import Foundation
@_exported import Logging
@_exported import MetadataModel
@_exported import Version

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

/// A pattern for what a mapper claims in a session folder.
///
/// `fip.json` matches that file in the folder; `*` matches within one path component, `**/` any number of folders
/// (`**/Record Node */`), and a trailing `/` matches folders only (`behavior/`). The pattern `.` with ``requires``
/// claims the session folder itself when it holds every required path (`SmartSPIM/` and `derivatives/metadata.json`).
public struct InputPattern: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let pattern: String
    /// Paths (relative to the matched folder) that must exist for the pattern to match; a trailing `/` asks for a
    /// folder.
    public let requires: [String]

    public init(_ pattern: String, requires: [String] = []) {
        self.pattern = pattern
        self.requires = requires
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var description: String {
        requires.isEmpty ? pattern : "\(pattern) (holding \(requires.joined(separator: ", ")))"
    }

    /// Whether this pattern claims the session folder itself.
    public var claimsRoot: Bool { pattern == "." || pattern == "./" }

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

/// What a mapper knows of the run beyond its input and settings.
public struct MapperContext: Sendable {
    /// The IANA zone for rig timestamps written without an offset (job `timezone`); `nil` means such a timestamp is an error.
    public var timeZone: String?
    public var logger: Logger
    /// The aind-data-schema release the mapper version targets (its config's `schema:`); build documents with
    /// `schema.models(.acquisition)`. Set by the runner from the version's config before the mapper runs.
    public var schema: SchemaRelease

    public init(timeZone: String? = nil, logger: Logger = Logger(label: "rigmap"), schema: SchemaRelease = .standard) {
        self.timeZone = timeZone
        self.logger = logger
        self.schema = schema
    }

    /// Resolves `text` as a timestamp, giving a naive one the job's zone, or fails at `location`.
    public func timestamp(_ text: String, at location: SourceLocation) throws(DiagnosticError) -> Timestamp {
        let parsed: Timestamp
        do {
            parsed = try Timestamp(parsing: text)
        } catch {
            throw DiagnosticError(error.description, at: location)
        }
        return try resolve(parsed, text: text, at: location)
    }

    /// Gives a naive timestamp the job's zone (or fails at `location`); an aware one is returned as is.
    public func resolve(_ timestamp: Timestamp, text: String? = nil, at location: SourceLocation) throws(DiagnosticError) -> Timestamp {
        guard timestamp.isNaive else { return timestamp }
        guard let timeZone else {
            throw DiagnosticError(
                "timestamp \"\(text ?? timestamp.description)\" has no UTC offset and the job declares no timezone; set `timezone:` (an IANA name such as America/Los_Angeles) in job.yaml",
                at: location)
        }
        do {
            return try timestamp.resolved(in: timeZone)
        } catch {
            throw DiagnosticError(error.description, at: location)
        }
    }

    /// The builder of `kind`'s documents in the targeted release; a missing schema is a build defect reported as an error.
    public func models(_ kind: DocumentKind) throws(DiagnosticError) -> ModelFactory {
        do {
            return try schema.models(kind)
        } catch {
            throw DiagnosticError("internal: \(error.message)")
        }
    }
}

extension DiagnosticError {
    /// A defect found while building a document from the schema (an adapter bug, caught by its tests).
    public init(_ error: SchemaBuildError, at location: SourceLocation? = nil) {
        self.init("internal: \(error.description)", at: location)
    }

    /// Runs `build`, an adapter's document building, which throws its located problems as ``DiagnosticError`` and
    /// meets schema defects as ``SchemaBuildError``: the first pass through, the second become internal errors, as
    /// does anything else.
    public static func building<T>(_ build: () throws -> T) throws(DiagnosticError) -> T {
        do {
            return try build()
        } catch let error as DiagnosticError {
            throw error
        } catch let error as SchemaBuildError {
            throw DiagnosticError(error)
        } catch {
            throw DiagnosticError("internal: \(error)")
        }
    }
}

/// The documents a mapper produced.
public struct MapperOutput: Sendable {
    public var documents: [(kind: DocumentKind, value: JSONValue)]
    /// Non-fatal notes (defaults used, values assumed), with where they come from.
    public var warnings: [Diagnostic]

    public init(documents: [(kind: DocumentKind, value: JSONValue)], warnings: [Diagnostic] = []) {
        self.documents = documents
        self.warnings = warnings
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
/// Its `MapperConfigs/<name>/<version>.yaml` file names the aind-data-schema release the version targets
/// (`schema: 2.9.2`) and has two sections: `constants` (what the version fixes, decoded into ``Constants``) and
/// `settings` (defaults a job may override, decoded into ``Settings`` after the job's `mappers.<name>.settings` are
/// laid over them). Unknown keys in either are errors.
public protocol Mapper: Sendable {
    /// Values the version fixes (hard-coded in the reference implementation).
    associatedtype Constants: Decodable & Sendable = NoConstants
    /// Values a job may set.
    associatedtype Settings: Decodable & Sendable

    /// Name and version, e.g. `fiber` 1.4.0.
    static var identity: MapperIdentity { get }
    /// aind-data-schema modality abbreviations this mapper produces (`fib`, `behavior`, `ecephys`, `SPIM`).
    static var modalities: [String] { get }
    /// What this mapper claims in a session folder. Every match is given to one run of the mapper.
    static var inputs: [InputPattern] { get }
    /// One line for `rigmap mappers`.
    static var summary: String { get }
    /// A JSON Schema (draft-07) the main (first claimed) input file must satisfy, as a path among the configs
    /// (`fiber/fip.contract.json` → `MapperConfigs/fiber/fip.contract.json`). When set, the runner parses that file
    /// and checks it against the contract before ``map(_:constants:settings:context:)`` runs, every violation
    /// reported with its JSON path, and ``MapperInput/json(_:)`` returns the parsed document. `nil` for inputs that
    /// are not JSON.
    static var inputContract: String? { get }

    init()

    /// Problems with decoded settings that their types cannot express (a list with a repeated value, a negative
    /// index), each with the dotted path of the setting; reported at that setting's `file:line:column`.
    static func check(settings: Settings) -> [(path: String, message: String)]

    /// Maps `input` to documents. Throws every problem found in the input, located.
    func map(_ input: MapperInput, constants: Constants, settings: Settings, context: MapperContext) throws(DiagnosticError) -> MapperOutput
}

extension Mapper {
    public static var summary: String { "" }
    public static var inputContract: String? { nil }
    public static func check(settings: Settings) -> [(path: String, message: String)] { [] }
}

/// What an adapter module exports: its mapper versions. By convention module `XMapper` declares
/// `public enum XMapperVersions: MapperModule`, which the mapper catalog lists.
public protocol MapperModule {
    static var mappers: [any Mapper.Type] { get }
}
