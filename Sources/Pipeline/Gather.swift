import AindSchemas
import Composer
import Foundation
import Upgrade
import MetadataModel
import Resolver
import RigMapperCore

extension Pipeline {
    /// How a gather ended; the raw value is the process exit status.
    public enum Status: Int32, Sendable {
        case ok = 0
        /// A mapper failed, a merge was refused, a document is invalid (with the job's `raise_if_*` true), or there
        /// was nothing to gather.
        case refused = 1
        /// The session, job, output folder or a given document could not be used.
        case badInput = 2
        /// Outputs were written, but not whole: a mapper failed with `raise_if_mapper_errors: false`, or a merged
        /// document is invalid and `raise_if_invalid` is false.
        case partial = 3

        public var name: String {
            switch self {
            case .ok: return "ok"
            case .refused: return "refused"
            case .badInput: return "bad_input"
            case .partial: return "partial"
            }
        }
    }

    /// The outcome of a gather, also written as `gather_report.json`.
    public struct GatherReport: Sendable {
        public var status: Status = .ok
        public var mappers: [MapperRunRecord] = []
        public var diagnostics: [Diagnostic] = []
        /// Files written to the output folder by this run.
        public var written: [String] = []
        /// Documents given in the session and used (as is, or merged).
        public var givenDocuments: [String] = []
        /// Files of an earlier run left in the output folder that this run did not produce (only after a refusal:
        /// a run that writes removes them).
        public var stale: [String] = []
        /// sha256 of each file written (name → digest), for catalogs.
        public var writtenSHA256: [String: String] = [:]
        /// What the composer did that is worth knowing (a shared clock's fields and where each came from).
        public var notes: [String] = []
    }

    /// The report's file name in the output folder.
    public static let reportFileName = "gather_report.json"

    /// Gathers `session` into `output`; never throws: every problem is in the report.
    ///
    /// 1. **Discovery.** Exact `acquisition.json` and `instrument.json` in the session are used as is. Otherwise every
    ///    mapper whose resolved version's input patterns match entries in the session runs once, with everything it
    ///    claims; its documents go to `acquisition_<mapper>.json` / `instrument_<mapper>.json`. An earlier output is
    ///    reused when `rigmap.lock` shows the same version, settings and reads.
    /// 2. **Compose.** The session's `acquisition*.json` and the produced ones are merged in sorted file-name order;
    ///    likewise `instrument*.json`; each merged document is validated.
    /// 3. **Check.** The pair is cross-checked (instrument ids equal, stimulus devices are instrument components;
    ///    active devices missing from the instrument are warnings).
    /// 4. **Write.** Everything at once, with `rigmap.lock` and `gather_report.json`; files of an earlier run that this
    ///    run does not produce are removed. Inputs are never modified.
    public func gather(session: URL, output: URL, request baseRequest: Resolver.Request, sessionDisplay: String? = nil, outputDisplay: String? = nil) -> GatherReport {
        var report = GatherReport()
        let sessionName = sessionDisplay ?? session.path
        let outputName = outputDisplay ?? output.path

        if output.path.isEmpty || outputName.isEmpty {
            report.diagnostics.append(Diagnostic(.error, "the output folder must be named (--output DIR)"))
            report.status = .badInput
            return report
        }
        if PathRelation.isWithin(output.path, session.path) {
            report.diagnostics.append(
                Diagnostic(.error, "the output folder is the session folder or inside it; write outputs elsewhere (the session is never modified)", at: SourceLocation(file: outputName)))
            report.status = .badInput
            return report
        }
        if PathRelation.isWithin(session.path, output.path) {
            report.diagnostics.append(
                Diagnostic(.error, "the session folder is inside the output folder; write outputs elsewhere", at: SourceLocation(file: sessionName)))
            report.status = .badInput
            return report
        }
        let root: MapperInput
        do {
            root = try MapperInput(root: session, displayRoot: sessionName)
        } catch {
            report.diagnostics += error.diagnostics
            report.status = .badInput
            return report
        }
        let folder: OutputFolder
        do {
            folder = try OutputFolder.take(output, displayName: outputName)
        } catch {
            report.diagnostics += error.diagnostics
            report.status = .badInput
            return report
        }
        var wrote = false
        defer { folder.release(wroteSomething: wrote) }
        report = gather(root: root, folder: folder, request: baseRequest, report: report)
        wrote = !report.written.isEmpty
        return report
    }

    private func gather(root: MapperInput, folder: OutputFolder, request baseRequest: Resolver.Request, report start: GatherReport) -> GatherReport {
        var report = start
        let lockName = LockFile.fileName
        let previousLock = (try? LockFile.load(folder.url.appendingPathComponent(lockName))) ?? nil
        let previousReport = folder.contains(Pipeline.reportFileName) ? try? JSONDocument.read(folder.url.appendingPathComponent(Pipeline.reportFileName)) : nil
        // Every file earlier runs left: the lock's outputs, and what earlier reports wrote or found stale (a refused run
        // writes only its report and lists the files it left in `stale`; files nobody recorded are not touched).
        let previousFiles = Set(
            (previousLock?.outputs.keys.map { $0 } ?? [])
                + (previousReport?["written"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                + (previousReport?["stale"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        ).filter { folder.contains($0) }

        func finish(_ status: Status) -> GatherReport {
            report.status = status
            // A run that writes nothing still leaves a report describing it when an earlier run's report is there,
            // naming the earlier files it did not replace.
            if previousReport != nil || !previousFiles.isEmpty {
                report.stale = previousFiles.subtracting([Pipeline.reportFileName]).sorted()
                do {
                    try folder.commit([(Pipeline.reportFileName, JSONWriter.referenceBytes(report.jsonValue))])
                    report.written = [Pipeline.reportFileName]
                } catch {
                    report.diagnostics += error.diagnostics
                }
            }
            return report
        }

        // Discovery: every pattern any version declares bounds the walk; each resolved version then claims its own.
        let allPatterns = resolver.registry.all.flatMap(\.inputs)
        let listing: SessionListing
        do {
            listing = try SessionListing(root, patterns: allPatterns)
        } catch {
            report.diagnostics += error.diagnostics
            return finish(.badInput)
        }
        let hasExact = { (kind: DocumentKind) in listing.entries.contains { $0.path == kind.fileName && !$0.isDirectory } }
        let useGivenOnly = DocumentKind.allCases.allSatisfy(hasExact)

        var candidates: [String] = []
        if !useGivenOnly {
            for name in resolver.registry.names {
                let patterns = resolver.registry.all.filter { $0.identity.name == name }.flatMap(\.inputs)
                if !listing.claims(patterns).isEmpty { candidates.append(name) }
            }
        }
        var request = baseRequest
        request.include = candidates
        let resolution: Resolver.Resolution
        do {
            resolution = try resolver.resolve(request)
        } catch {
            report.diagnostics += error.diagnostics
            return finish(.badInput)
        }
        report.diagnostics += resolution.warnings

        // Run (or reuse) each mapper whose resolved version claims something.
        let runner = MapperRunner(pipeline: self, timeZone: resolution.timezone)
        var produced: [ProducedDocument] = []
        var lock = LockFile(rigmapVersion: rigmapVersion)
        var mapperFailed = false
        var releases: [SchemaRelease] = []
        for resolved in resolution.mappers where candidates.contains(resolved.name) {
            let claimed = listing.claims(resolved.mapper.inputs)
            guard !claimed.isEmpty else { continue }
            let input: MapperInput
            do {
                input = try MapperInput(root: root.root, displayRoot: root.displayRoot, claimed: claimed)
            } catch {
                report.diagnostics += error.diagnostics
                return finish(.badInput)
            }
            let result = runner.reuse(resolved, input: input, previous: previousLock, previousReport: previousReport, folder: folder)
                ?? runner.run(resolved, input: input, invalidIsError: false)
            report.mappers.append(result.record)
            if result.record.outcome == .failed {
                mapperFailed = true
                report.diagnostics += result.record.diagnostics.map { d in
                    var d = d
                    if d.severity == .error { d.message = "mapper \(result.record.mapper) failed: \(d.message)" }
                    return d
                }
                continue
            }
            report.diagnostics += result.record.diagnostics
            releases.append(result.release)
            lock.mappers[resolved.name] = LockFile.Pin(version: resolved.version, configSHA256: resolved.configSHA256)
            produced += result.documents
            lock.outputs.merge(result.lockRecords) { $1 }
        }
        if mapperFailed && resolution.raiseIfMapperErrors {
            report.diagnostics.append(Diagnostic(.error, "a mapper failed and raise_if_mapper_errors is true: nothing was written"))
            return finish(.refused)
        }

        // Compose and validate each kind, under the newest release the mappers target.
        let release = releases.max() ?? .standard
        var files: [(name: String, bytes: [UInt8])] = produced.map { ($0.fileName, $0.bytes) }
        var merged: [DocumentKind: JSONValue] = [:]
        var refused = false
        var invalid = false
        // A document given in the session under the name a mapper of this run writes: which one is meant?
        let producedNames = Set(produced.map(\.fileName))
        var conflicting: [String] = []
        for kind in DocumentKind.allCases where !hasExact(kind) {
            conflicting += listing.documents { DocumentKind(fileName: $0) == kind && producedNames.contains($0) }
        }
        if !conflicting.isEmpty {
            switch resolution.conflictingDocuments {
            case .refuse:
                for name in conflicting {
                    report.diagnostics.append(
                        Diagnostic(
                            .error,
                            "the session holds \(name), which a mapper of this run also writes: a stale output of an earlier run would silently replace the fresh mapping. Remove it from the session, or set conflicting_documents: use_given or use_mapped in the job",
                            at: SourceLocation(file: root.display(name))))
                }
                return finish(.refused)
            case .useGiven:
                for name in conflicting {
                    report.notes.append("\(name): the session's own file was used; the mapper's document of that name was not (conflicting_documents: use_given)")
                }
                produced.removeAll { conflicting.contains($0.fileName) }
                files = produced.map { ($0.fileName, $0.bytes) }
                for name in conflicting { lock.outputs.removeValue(forKey: name) }
            case .useMapped:
                for name in conflicting {
                    report.notes.append("\(name): the mapper's document was used; the session's file of that name was not (conflicting_documents: use_mapped)")
                }
            }
        }
        // Which file says which instrument_id, to explain a mismatch of the merged pair.
        var instrumentIDs: [DocumentKind: [(file: String, id: String)]] = [:]
        for kind in DocumentKind.allCases {
            var sources: [(name: String, value: JSONValue)] = []
            var given = hasExact(kind) ? [kind.fileName] : listing.documents { DocumentKind(fileName: $0) == kind }
            if resolution.conflictingDocuments == .useMapped { given.removeAll { conflicting.contains($0) } }
            for name in given {
                do {
                    sources.append((name, try root.json(name)))
                    report.givenDocuments.append(name)
                } catch {
                    report.diagnostics += error.diagnostics
                    return finish(.badInput)
                }
            }
            if !given.contains(kind.fileName) {
                for document in produced where document.kind == kind && !given.contains(document.fileName) {
                    sources.append((document.fileName, document.value))
                }
            }
            sources.sort { $0.name < $1.name }
            instrumentIDs[kind] = sources.compactMap { source in source.value["instrument_id"]?.stringValue.map { (source.name, $0) } }
            guard !sources.isEmpty else { continue }
            let result = merge(sources, release: release)
            report.diagnostics += result.warnings
            report.notes += result.outcome.notes
            if let value = result.merged {
                merged[kind] = value
            } else {
                report.diagnostics += result.outcome.conflicts.map {
                    Diagnostic(.error, "merge refused (\($0.kind.rawValue)): \($0.summary)", at: SourceLocation(file: kind.fileName))
                }
                if let value = result.invalidDocument {
                    // The merge itself went through; only the result is invalid: the job's raise_if_invalid decides.
                    merged[kind] = value
                    invalid = true
                } else {
                    refused = true
                }
            }
        }
        if refused { return finish(.refused) }
        if merged.isEmpty {
            report.diagnostics.append(
                Diagnostic(.error, "nothing to gather: no mapper claims anything in the session and it holds no acquisition*.json or instrument*.json", at: SourceLocation(file: root.displayRoot)))
            return finish(.refused)
        }

        // Check the pair.
        if let acquisition = merged[.acquisition] {
            if acquisition["acquisition_type"]?.stringValue?.isEmpty ?? true {
                report.diagnostics.append(
                    Diagnostic(
                        .warning, "acquisition_type is empty in the merged acquisition (aind-data-schema accepts it; set it in the job's mapper settings)",
                        at: SourceLocation(file: DocumentKind.acquisition.fileName, jsonPath: JSONPath([.key("acquisition_type")]))))
            }
            let alone = Compatibility.check(acquisition: acquisition)
            report.diagnostics += alone
            if !alone.isEmpty { invalid = true }
            if let instrument = merged[.instrument] {
                let cross = Compatibility.check(
                    acquisition: acquisition, instrument: instrument,
                    hint: { GatherHints.instrumentIDHint(instrumentIDs, produced: produced, mappers: resolution.mappers) })
                report.diagnostics += cross
                if cross.contains(where: { $0.severity == .error }) { invalid = true }
            }
        }
        if invalid && resolution.raiseIfInvalid {
            report.diagnostics.append(Diagnostic(.error, "the merged metadata is invalid and raise_if_invalid is true: nothing was written"))
            return finish(.refused)
        }

        // The job's release: the final documents are migrated from what the mappers wrote (they keep their own,
        // which the lock's outputs describe).
        if let target = resolution.schema {
            let kinds = merged.keys.sorted()
            let migration = Pipeline.migrate(kinds.compactMap { kind in merged[kind].map { (kind.fileName, $0) } }, to: target, settings: resolution.upgradeSettings)
            report.diagnostics += migration.diagnostics
            report.notes += migration.notes
            guard migration.values.count == kinds.count else { return finish(.refused) }
            for (kind, value) in zip(kinds, migration.values) { merged[kind] = value }
            lock.schema = target.identifier
            lock.migration = Pipeline.migrationName
        }

        // Write everything at once; files of an earlier run that this run does not produce go.
        for (kind, value) in merged.sorted(by: { $0.key < $1.key }) {
            files.append((kind.fileName, JSONWriter.referenceBytes(value)))
        }
        files.append((LockFile.fileName, Array(lock.yaml.utf8)))
        report.status = mapperFailed || invalid ? .partial : .ok
        report.written = files.map(\.name) + [Pipeline.reportFileName]
        for file in files { report.writtenSHA256[file.name] = Digest.sha256(file.bytes) }
        files.append((Pipeline.reportFileName, JSONWriter.referenceBytes(report.jsonValue)))
        do {
            try folder.commit(files, removing: Array(previousFiles))
        } catch {
            report.diagnostics += error.diagnostics
            report.written = []
            report.writtenSHA256 = [:]
            report.status = .badInput
            return report
        }
        return report
    }
}

extension Pipeline.GatherReport {
    /// The report as JSON (`gather_report.json`, `rigmap gather --json`).
    public var jsonValue: JSONValue {
        var inputsByMapper: [JSONValue] = []
        for m in mappers {
            var inputs = JSONObject()
            for key in m.inputs.keys.sorted() { inputs[key] = .string(m.inputs[key]) }
            inputsByMapper.append([
                "mapper": .string(m.mapper),
                "version_source": .string(m.source.rawValue),
                "outcome": .string(m.outcome.rawValue),
                "claimed": .strings(m.claimed),
                "input_sha256": .string(m.inputSHA256),
                "inputs": .object(inputs),
                "outputs": .strings(m.outputs),
                "diagnostics": .array(m.diagnostics.map(\.jsonValue)),
            ])
        }
        return [
            "status": .string(status.name),
            "exit_code": .int(Int(status.rawValue)),
            "mappers": .array(inputsByMapper),
            "given_documents": .strings(givenDocuments),
            "written": .strings(written),
            "stale": .strings(stale),
            "notes": .strings(notes),
            "errors": .array(diagnostics.filter { $0.severity == .error }.map(\.jsonValue)),
            "warnings": .array(diagnostics.filter { $0.severity == .warning }.map(\.jsonValue)),
        ]
    }
}

extension Diagnostic {
    /// A diagnostic read back from a report's ``jsonValue``; `nil` when `json` is not one.
    public init?(jsonValue json: JSONValue) {
        guard let severity = json["severity"]?.stringValue.flatMap(Severity.init(rawValue:)), let message = json["message"]?.stringValue else { return nil }
        func int(_ key: String) -> Int? { json[key]?.numberValue?.intValue }
        let file = json["file"]?.stringValue
        let path = json["path"]?.stringValue
        var location: SourceLocation?
        if file != nil || path != nil || int("line") != nil || int("byte") != nil {
            var jsonPath: JSONPath?
            if let path {
                guard let parsed = JSONPath(parsing: path) else { return nil }
                jsonPath = parsed
            }
            location = SourceLocation(file: file, jsonPath: jsonPath, line: int("line"), column: int("column"), byteOffset: int("byte"))
        }
        self.init(severity, message, at: location)
    }

    /// The diagnostic as JSON, for reports.
    public var jsonValue: JSONValue {
        [
            "severity": .string(severity.rawValue),
            "message": .string(message),
            "file": .string(location?.file),
            "path": .string(location?.jsonPath?.description),
            "line": .int(location?.line),
            "column": .int(location?.column),
            "byte": .int(location?.byteOffset),
        ]
    }
}

enum GatherHints {
    /// What to change when the merged acquisition's `instrument_id` is not the merged instrument's: which file names an
    /// id no instrument file has (or the other way round), and, for a mapper's acquisition whose version can also
    /// write the rig's instrument (a setting named `instrument`, as fiber@1.4.0 has), that setting.
    static func instrumentIDHint(
        _ ids: [DocumentKind: [(file: String, id: String)]], produced: [ProducedDocument], mappers: [Resolver.ResolvedMapper]
    ) -> String {
        let acquisitions = ids[.acquisition] ?? []
        let instruments = ids[.instrument] ?? []
        let instrumentSet = Set(instruments.map(\.id))
        let acquisitionSet = Set(acquisitions.map(\.id))
        var parts: [String] = []
        for (file, id) in acquisitions where !instrumentSet.contains(id) {
            var part = "\(file) says '\(id)' but no instrument file does"
            let mapper = mappers.first { "acquisition_\($0.name).json" == file && produced.contains { p in p.fileName == file } }
            if let mapper, mapper.settings.keys.contains("instrument"), !produced.contains(where: { $0.fileName == "instrument_\(mapper.name).json" }) {
                part += ": set the \(mapper.name) mapper's `instrument:` setting (mappers.\(mapper.name).settings.instrument in job.yaml; see MapperConfigs/\(mapper.name)/\(mapper.version).yaml) so it also writes instrument_\(mapper.name).json, or put that rig's instrument_<name>.json in the session"
            } else {
                part += ": put that rig's instrument_<name>.json in the session, or correct the id"
            }
            parts.append(part)
        }
        for (file, id) in instruments where !acquisitionSet.contains(id) {
            parts.append("\(file) says '\(id)' but no acquisition file does: remove that instrument or add the rig's acquisition")
        }
        return parts.joined(separator: "; ")
    }
}
