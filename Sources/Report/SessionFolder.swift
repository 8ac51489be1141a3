import AindSchemas
import Foundation
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore

/// One JSON document shown on a page.
struct ShownDocument: Sendable {
    /// The file name (`acquisition.json`, `acquisition_fiber.json`).
    var name: String
    /// Where it was read: the output folder, or the session (a document given there).
    var origin: Origin
    var value: JSONValue
    var kind: DocumentKind?
    /// sha256 of the file's bytes.
    var sha256: String
    var size: Int

    enum Origin: Sendable { case output, session }
}

/// What `gather_report.json` says, read leniently: a report of another rigmap version with fewer keys still shows.
struct GatherReportData: Sendable {
    struct MapperEntry: Sendable {
        var mapper: String
        var versionSource: String?
        var outcome: String?
        var claimed: [String]
        var inputSHA256: String?
        /// Read key → sha256, sorted by key.
        var inputs: [(key: String, sha256: String)]
        var outputs: [String]
        var diagnostics: [Diagnostic]
    }

    var status: String
    var exitCode: Int?
    var mappers: [MapperEntry]
    var givenDocuments: [String]
    var written: [String]
    var stale: [String]
    var notes: [String]
    var errors: [Diagnostic]
    var warnings: [Diagnostic]

    init(_ json: JSONValue, file: String) throws(DiagnosticError) {
        guard case .object = json else {
            throw DiagnosticError("a gather report is a JSON object; found \(json.typeName)", at: SourceLocation(file: file))
        }
        func strings(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }
        func diagnostics(_ value: JSONValue?, key: String) throws(DiagnosticError) -> [Diagnostic] {
            var out: [Diagnostic] = []
            for (i, item) in (value?.arrayValue ?? []).enumerated() {
                guard let diagnostic = Diagnostic(jsonValue: item) else {
                    throw DiagnosticError(
                        "not a diagnostic (an object with severity, message, file, path, line, column, byte)",
                        at: SourceLocation(file: file, jsonPath: JSONPath([.key(key), .index(i)])))
                }
                out.append(diagnostic)
            }
            return out
        }
        status = json["status"]?.stringValue ?? "unknown"
        exitCode = json["exit_code"]?.numberValue?.intValue
        var mappers: [MapperEntry] = []
        for (i, m) in (json["mappers"]?.arrayValue ?? []).enumerated() {
            var inputs: [(String, String)] = []
            for (key, value) in m["inputs"]?.objectValue ?? [:] { inputs.append((key, value.stringValue ?? JSONWriter.compactString(value))) }
            inputs.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            var entryDiagnostics: [Diagnostic] = []
            for (j, item) in (m["diagnostics"]?.arrayValue ?? []).enumerated() {
                guard let diagnostic = Diagnostic(jsonValue: item) else {
                    throw DiagnosticError("not a diagnostic", at: SourceLocation(file: file, jsonPath: JSONPath([.key("mappers"), .index(i), .key("diagnostics"), .index(j)])))
                }
                entryDiagnostics.append(diagnostic)
            }
            mappers.append(
                MapperEntry(
                    mapper: m["mapper"]?.stringValue ?? "?", versionSource: m["version_source"]?.stringValue, outcome: m["outcome"]?.stringValue,
                    claimed: strings(m["claimed"]), inputSHA256: m["input_sha256"]?.stringValue, inputs: inputs, outputs: strings(m["outputs"]),
                    diagnostics: entryDiagnostics))
        }
        self.mappers = mappers
        givenDocuments = strings(json["given_documents"])
        written = strings(json["written"])
        stale = strings(json["stale"])
        notes = strings(json["notes"])
        errors = try diagnostics(json["errors"], key: "errors")
        warnings = try diagnostics(json["warnings"], key: "warnings")
    }
}

/// Everything a session page shows, read from a `rigmap gather` or `rigmap map` output folder.
///
/// - `acquisition.json` / `instrument.json` when present (a gather), else every `acquisition_<name>.json` /
///   `instrument_<name>.json` (a map): the documents the page is about;
/// - with a gather, the per-mapper documents beside them (and, when the session folder is known, the documents given
///   in it): the *sources*, each rig's own view, shown under the merged timeline and as "from" in the instrument;
/// - `gather_report.json` and `rigmap.lock` when present.
///
/// A file that is present but cannot be read is an error naming it (and the line and column, for JSON and YAML).
struct SessionFolder: Sendable {
    var name: String
    var acquisitions: [ShownDocument] = []
    var instruments: [ShownDocument] = []
    var sourceAcquisitions: [ShownDocument] = []
    var sourceInstruments: [ShownDocument] = []
    var gather: GatherReportData?
    var lock: LockFile?
    /// Files written by rigmap that the folder holds (for provenance), sorted.
    var files: [String] = []
    /// sha256 of each of ``files`` as it is now.
    var fileSHA256: [String: String] = [:]
    /// What the page could not use, in words (a given document missing from the session).
    var observations: [String] = []
    /// Given documents not read because the session folder was not named.
    var givenNotRead: [String] = []

    static let maximumDocumentBytes = 256 << 20

    init(folder: URL, displayName: String, session: URL?, sessionDisplay: String?) throws(DiagnosticError) {
        let standardized = folder.standardizedFileURL
        name = standardized.lastPathComponent.isEmpty ? displayName : standardized.lastPathComponent
        let names: [String]
        do throws(FileSystem.Failure) {
            guard try FileSystem.status(folder.path).kind == .directory else {
                throw FileSystem.Failure("not a folder: rigmap report takes the output folder of rigmap gather, map or batch")
            }
            names = try FileSystem.names(in: folder.path).filter { !$0.hasPrefix(".") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        } catch {
            throw DiagnosticError("cannot read the folder: \(error.reason)", at: SourceLocation(file: displayName))
        }
        func isFile(_ name: String) -> Bool { (try? FileSystem.status(folder.appendingPathComponent(name).path).kind) == .file }
        let display = { (name: String) in PathNames.appending(displayName, name) }

        if isFile(Pipeline.reportFileName) {
            let json = try JSONDocument.read(folder.appendingPathComponent(Pipeline.reportFileName), displayName: display(Pipeline.reportFileName))
            gather = try GatherReportData(json, file: display(Pipeline.reportFileName))
        }
        if isFile(LockFile.fileName) {
            lock = try LockFile.load(folder.appendingPathComponent(LockFile.fileName), displayName: display(LockFile.fileName))
        }
        for kind in DocumentKind.allCases {
            let exact = names.contains(kind.fileName) && isFile(kind.fileName)
            let perMapper = names.filter { $0 != kind.fileName && DocumentKind(fileName: $0) == kind && isFile($0) }
            var primary: [ShownDocument] = []
            var sources: [ShownDocument] = []
            if exact {
                primary = [try SessionFolder.read(folder.appendingPathComponent(kind.fileName), name: kind.fileName, display: display(kind.fileName), kind: kind, origin: .output)]
                for file in perMapper {
                    sources.append(try SessionFolder.read(folder.appendingPathComponent(file), name: file, display: display(file), kind: kind, origin: .output))
                }
            } else {
                for file in perMapper {
                    primary.append(try SessionFolder.read(folder.appendingPathComponent(file), name: file, display: display(file), kind: kind, origin: .output))
                }
            }
            switch kind {
            case .acquisition:
                acquisitions = primary
                sourceAcquisitions = sources
            case .instrument:
                instruments = primary
                sourceInstruments = sources
            }
        }
        // Documents given in the session were merged too: each is a source when the session can be read.
        if let gather, exactDocumentsWritten {
            for given in gather.givenDocuments {
                guard let kind = DocumentKind(fileName: given), given != kind.fileName else { continue }
                guard let session else {
                    givenNotRead.append(given)
                    continue
                }
                let shown = PathNames.appending(sessionDisplay ?? session.path, given)
                do {
                    let document = try SessionFolder.read(session.appendingPathComponent(given), name: given, display: shown, kind: kind, origin: .session)
                    switch kind {
                    case .acquisition: sourceAcquisitions.append(document)
                    case .instrument: sourceInstruments.append(document)
                    }
                } catch {
                    observations.append("\(shown), given in the session, could not be read now: \(error.description)")
                }
            }
            sourceAcquisitions.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            sourceInstruments.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        }
        let known = Set([Pipeline.reportFileName, LockFile.fileName])
        files = names.filter { (known.contains($0) || DocumentKind(fileName: $0) != nil) && isFile($0) }
        for file in files { fileSHA256[file] = Digest.sha256(ofFile: folder.appendingPathComponent(file)) }
        if acquisitions.isEmpty && instruments.isEmpty && gather == nil && lock == nil {
            throw DiagnosticError(
                "nothing to report: the folder holds no acquisition*.json, instrument*.json, gather_report.json or rigmap.lock (give the output folder of rigmap gather, map or batch)",
                at: SourceLocation(file: displayName))
        }
    }

    /// Whether the merged documents are here (a gather that wrote): only then are given documents sources of them.
    private var exactDocumentsWritten: Bool {
        acquisitions.contains { $0.name == DocumentKind.acquisition.fileName } || instruments.contains { $0.name == DocumentKind.instrument.fileName }
    }

    static func read(_ url: URL, name: String, display: String, kind: DocumentKind, origin: ShownDocument.Origin) throws(DiagnosticError) -> ShownDocument {
        let bytes: [UInt8]
        do throws(FileSystem.Failure) {
            let status = try FileSystem.status(url.path)
            guard status.kind == .file else { throw FileSystem.Failure("not a regular file") }
            guard status.size <= Int64(maximumDocumentBytes) else {
                throw FileSystem.Failure("larger than \(maximumDocumentBytes >> 20) MiB: not a metadata document a page can show")
            }
            bytes = try FileSystem.read(url.path)
        } catch {
            throw DiagnosticError("cannot read: \(error.reason)", at: SourceLocation(file: display))
        }
        let value = try JSONDocument.parse(bytes, displayName: display)
        guard case .object = value else {
            throw DiagnosticError("a \(kind.objectType) document is a JSON object; found \(value.typeName)", at: SourceLocation(file: display))
        }
        return ShownDocument(name: name, origin: origin, value: value, kind: kind, sha256: Digest.sha256(bytes), size: bytes.count)
    }
}
