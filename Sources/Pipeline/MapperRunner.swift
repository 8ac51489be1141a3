import AindSchemas
import Foundation
import MetadataModel
import Resolver
import RigMapperCore

/// What happened to one mapper in a run.
public struct MapperRunRecord: Sendable {
    public enum Outcome: String, Sendable {
        /// The mapper ran and produced its files.
        case ran
        /// Its earlier outputs were reused: version, settings and every read the same as in `rigmap.lock`.
        case reused
        /// The mapper failed; its problems are in ``diagnostics``.
        case failed
    }

    public var mapper: String
    public var source: Resolver.Source
    public var outcome: Outcome
    /// What the mapper was given (relative to the input root).
    public var claimed: [String]
    /// Read key → digest (see `InputRead`).
    public var inputs: [String: String]
    /// The provenance hash of the input as read.
    public var inputSHA256: String?
    /// Output file names.
    public var outputs: [String]
    public var diagnostics: [Diagnostic]
}

/// One document a mapper produced, ready to be composed and written.
struct ProducedDocument: Sendable {
    var fileName: String
    var kind: DocumentKind
    var value: JSONValue
    var bytes: [UInt8]
}

/// Runs (or reuses) one resolved mapper on its claimed input; shared by `map` and `gather`, so both record the same
/// provenance for the same input.
struct MapperRunner {
    let pipeline: Pipeline
    let timeZone: String?

    struct Result {
        var record: MapperRunRecord
        var documents: [ProducedDocument] = []
        var lockRecords: [String: LockFile.OutputRecord] = [:]
        var release: SchemaRelease = .standard
    }

    /// Runs `resolved` on `input`; validates each document against the version's schema release. With
    /// `invalidIsError`, a problem the validator finds is an error of the run; otherwise a warning.
    func run(_ resolved: Resolver.ResolvedMapper, input: MapperInput, invalidIsError: Bool) -> Result {
        var result = Result(
            record: MapperRunRecord(
                mapper: resolved.mapper.identity.description, source: resolved.source, outcome: .ran, claimed: input.claimed, inputs: [:],
                inputSHA256: nil, outputs: [], diagnostics: []))
        let run: RegisteredMapper.Run
        do {
            // One line: contract → map (validation and writing follow below).
            let checked = try pipeline.checkInputContract(of: resolved.mapper, input)
            run = try resolved.mapper.run(checked, config: resolved.config, settings: resolved.settings, context: MapperContext(timeZone: timeZone))
        } catch {
            result.record.outcome = .failed
            result.record.diagnostics = error.diagnostics
            return result
        }
        result.release = run.schema
        var diagnostics = run.output.warnings
        for read in run.reads { result.record.inputs[read.key] = read.sha256 }
        result.record.inputSHA256 = run.inputSHA256
        for document in run.output.documents {
            let fileName = document.kind.fileName(mapper: resolved.name)
            for problem in pipeline.validate(document.value, document.kind, fileName, run.schema) {
                var problem = problem
                if problem.severity == .error && !invalidIsError { problem.severity = .warning }
                diagnostics.append(problem)
            }
            let bytes = JSONWriter.referenceBytes(document.value)
            result.documents.append(ProducedDocument(fileName: fileName, kind: document.kind, value: document.value, bytes: bytes))
        }
        result.record.outputs = result.documents.map(\.fileName)
        result.record.diagnostics = diagnostics
        if diagnostics.contains(where: { $0.severity == .error }) {
            result.record.outcome = .failed
            result.documents = []
            return result
        }
        var lock = LockFile()
        lock.record(resolved, outputs: result.documents.map { ($0.fileName, $0.bytes) }, reads: run.reads, rigmapVersion: pipeline.rigmapVersion)
        result.lockRecords = lock.outputs
        return result
    }

    /// Earlier outputs of this mapper in `folder`, when `previous` shows they came from the same version and settings
    /// and every recorded read of `input` still gives the same digest, and the files are the ones recorded. The
    /// earlier report must name that run with its diagnostics, which the reused record carries again (a rerun reports
    /// the warnings the mapping gave); without it the mapper runs.
    func reuse(_ resolved: Resolver.ResolvedMapper, input: MapperInput, previous: LockFile?, previousReport: JSONValue?, folder: OutputFolder) -> Result? {
        guard let previous else { return nil }
        let mine = previous.outputs.filter { DocumentKind(fileName: $0.key) != nil && $0.key.hasSuffix("_\(resolved.name).json") }
        guard !mine.isEmpty else { return nil }
        var result = Result(
            record: MapperRunRecord(
                mapper: resolved.mapper.identity.description, source: resolved.source, outcome: .reused, claimed: input.claimed, inputs: [:],
                inputSHA256: nil, outputs: [], diagnostics: []))
        var verified = Set<String>()
        for (file, entry) in mine.sorted(by: { $0.key < $1.key }) {
            guard entry.mapper == resolved.mapper.identity.description, entry.settingsSHA256 == resolved.settingsSHA256, !entry.inputs.isEmpty,
                let kind = DocumentKind(fileName: file)
            else { return nil }
            for (key, sha) in entry.inputs where !verified.contains(key) {
                guard input.verify(key: key, sha256: sha) else { return nil }
                verified.insert(key)
            }
            // The file on disk must be the very file the lock describes (not an edited or stale one of that name).
            guard let bytes = try? FileSystem.read(folder.url.appendingPathComponent(file).path), let sha = entry.sha256, Digest.sha256(bytes) == sha,
                let value = try? JSONParser.parse(bytes)
            else { return nil }
            result.documents.append(ProducedDocument(fileName: file, kind: kind, value: value, bytes: bytes))
            result.lockRecords[file] = entry
            result.record.inputs = entry.inputs
            result.record.inputSHA256 = entry.inputSHA256
        }
        result.record.outputs = result.documents.map(\.fileName)
        let identity = resolved.mapper.identity.description
        guard
            let earlier = previousReport?["mappers"]?.arrayValue?.first(where: {
                $0["mapper"]?.stringValue == identity && $0["input_sha256"]?.stringValue == result.record.inputSHA256
                    && ["ran", "reused"].contains($0["outcome"]?.stringValue ?? "")
                    && Set($0["outputs"]?.arrayValue?.compactMap(\.stringValue) ?? []) == Set(result.record.outputs)
            }),
            let diagnostics = earlier["diagnostics"]?.arrayValue, let outputs = earlier["outputs"]?.arrayValue?.compactMap(\.stringValue)
        else { return nil }
        result.record.outputs = outputs
        for json in diagnostics {
            guard let diagnostic = Diagnostic(jsonValue: json) else { return nil }
            result.record.diagnostics.append(diagnostic)
        }
        if let config = try? pipeline.resolver.configs.versionConfig(for: resolved.mapper.identity) { result.release = config.schema }
        return result
    }
}
