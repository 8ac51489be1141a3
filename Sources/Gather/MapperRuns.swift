import Foundation
import MetadataModel
import Resolver
import RigMapperCore

/// What happened to one mapper during a gather.
public struct MapperRunRecord: Sendable {
    public enum Outcome: String, Sendable {
        /// The mapper ran and produced its files.
        case ran
        /// Its earlier outputs were reused: inputs, settings and version hash the same as in `rigmap.lock`.
        case reused
        /// The mapper failed; its problems are in ``diagnostics``.
        case failed
    }

    public var mapper: String
    public var source: Resolver.Source
    public var outcome: Outcome
    /// Session-relative input path → sha256.
    public var inputs: [String: String]
    /// Output file names.
    public var outputs: [String]
    public var diagnostics: [Diagnostic]
}

/// One produced document, ready to be composed and written.
struct ProducedDocument {
    var fileName: String
    var kind: MapperOutput.Kind
    var value: JSONValue
    var bytes: [UInt8]
}

/// Runs (or reuses) every mapper that claims files in a session.
struct MapperRunner {
    let resolver: Resolver
    let session: URL
    let output: URL
    let previousLock: LockFile?
    let contractChecker: ContractChecker?

    /// Runs `resolved` on `inputPath` (session-relative); returns the lock record of each produced file.
    func run(_ resolved: Resolver.ResolvedMapper, inputPath: String, timeZone: String?) -> (MapperRunRecord, [ProducedDocument], [String: LockFile.OutputRecord]) {
        let input = MapperInput(url: session.appendingPathComponent(inputPath), displayName: inputPath)
        var record = MapperRunRecord(
            mapper: resolved.mapper.identity.description, source: resolved.source, outcome: .ran, inputs: [:], outputs: [], diagnostics: [])

        if let reused = reuse(resolved) {
            record.outcome = .reused
            record.inputs = reused.records.values.first?.inputs ?? [:]
            record.outputs = reused.documents.map(\.fileName)
            return (record, reused.documents, reused.records)
        }

        let run: RegisteredMapper.Run
        do {
            run = try resolved.mapper.run(input, configs: resolver.configs, settings: resolved.settingsOverlay, context: MapperContext(timeZone: timeZone, contractChecker: contractChecker))
        } catch {
            record.outcome = .failed
            record.diagnostics = error.diagnostics
            return (record, [], [:])
        }
        record.diagnostics = run.output.warnings
        let read = run.output.inputsRead.isEmpty ? [input] : run.output.inputsRead
        for file in read {
            record.inputs[relative(file.url)] = SHA256.hex(ofFile: file.url) ?? "unreadable"
        }
        let documents = run.output.documents.map { document in
            let bytes = JSONWriter.referenceBytes(document.value)
            return ProducedDocument(
                fileName: MapperOutput.fileName(kind: document.kind, mapper: resolved.name), kind: document.kind, value: document.value, bytes: bytes)
        }
        record.outputs = documents.map(\.fileName)
        var records: [String: LockFile.OutputRecord] = [:]
        for document in documents {
            records[document.fileName] = LockFile.OutputRecord(
                mapper: resolved.mapper.identity.description, settingsSHA256: resolved.settingsSHA256, inputs: record.inputs,
                sha256: SHA256.hex(document.bytes))
        }
        return (record, documents, records)
    }

    /// Earlier outputs of this mapper, when the lock says they came from the same version, settings and input bytes.
    private func reuse(_ resolved: Resolver.ResolvedMapper) -> (records: [String: LockFile.OutputRecord], documents: [ProducedDocument])? {
        guard let lock = previousLock else { return nil }
        let mine = lock.outputs.filter { $0.key.hasSuffix("_\(resolved.name).json") }
        guard !mine.isEmpty else { return nil }
        var documents: [ProducedDocument] = []
        var records: [String: LockFile.OutputRecord] = [:]
        for (file, entry) in mine.sorted(by: { $0.key < $1.key }) {
            guard entry.mapper == resolved.mapper.identity.description, entry.settingsSHA256 == resolved.settingsSHA256, !entry.inputs.isEmpty else { return nil }
            for (path, sha) in entry.inputs where SHA256.hex(ofFile: session.appendingPathComponent(path)) != sha { return nil }
            // The file on disk must be the very file the lock describes (not an edited or stale one of that name).
            let url = output.appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: url.path), let sha = entry.sha256, SHA256.hex(data) == sha,
                let value = try? JSONParser.parse(data)
            else { return nil }
            let kind: MapperOutput.Kind = file.hasPrefix("instrument") ? .instrument : .acquisition
            documents.append(ProducedDocument(fileName: file, kind: kind, value: value, bytes: Array(data)))
            records[file] = entry
        }
        return (records, documents)
    }

    private func relative(_ url: URL) -> String {
        let base = session.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }
}
