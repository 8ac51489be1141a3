import Foundation
import MetadataModel
import Resolver
import RigMapperCore

/// `rigmap gather`: one session folder in, validated `acquisition.json` and `instrument.json` out.
///
/// 1. **Discovery.** An exact `acquisition.json` / `instrument.json` in the session is used as is. Otherwise every
///    registered mapper whose input patterns match files in the session runs, at the version the resolver picks,
///    producing `acquisition_<mapper>.json` / `instrument_<mapper>.json` in the output folder. A produced file is
///    reused when `rigmap.lock` in the output folder shows the same mapper version, settings and input bytes.
/// 2. **Compose.** The session's `acquisition*.json` and the produced ones are merged in sorted file-name order;
///    likewise `instrument*.json`.
/// 3. **Check.** Each merged document is validated; the pair is cross-checked (instrument ids equal, stimulus devices
///    are instrument components; active devices missing from the instrument are warnings).
/// 4. **Write.** `acquisition.json`, `instrument.json`, the per-mapper files, `rigmap.lock` and `gather_report.json`,
///    all at once at the end (temporary files renamed). Inputs are never modified.
public struct Gatherer: Sendable {
    /// How a gather ended; the raw value is the process exit status.
    public enum Status: Int32, Sendable {
        case ok = 0
        /// A mapper failed, a merge was refused or a document is invalid (with the job's `raise_if_*` true).
        case refused = 1
        /// The session, job or a given document could not be read.
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

    /// The outcome, also written as `gather_report.json`.
    public struct Report: Sendable {
        public var status: Status = .ok
        public var mappers: [MapperRunRecord] = []
        public var diagnostics: [Diagnostic] = []
        /// Files written to the output folder.
        public var written: [String] = []
        /// Documents given in the session and used (as is, or merged).
        public var givenDocuments: [String] = []
    }

    public let resolver: Resolver
    /// Combines several documents of one kind into one (the composer), or reports why it cannot.
    public let compose: @Sendable (_ documents: [(name: String, value: JSONValue)]) -> Result<JSONValue, DiagnosticError>
    /// Problems with one merged document (the validator); warnings allowed.
    public let validate: @Sendable (_ document: JSONValue, _ name: String) -> [Diagnostic]
    /// Checks mapper inputs against their contracts.
    public let contractChecker: ContractChecker?

    public init(
        resolver: Resolver,
        compose: @escaping @Sendable (_ documents: [(name: String, value: JSONValue)]) -> Result<JSONValue, DiagnosticError>,
        validate: @escaping @Sendable (_ document: JSONValue, _ name: String) -> [Diagnostic],
        contractChecker: ContractChecker? = nil
    ) {
        self.resolver = resolver
        self.compose = compose
        self.validate = validate
        self.contractChecker = contractChecker
    }

    /// Gathers `session` into `output`; never throws: every problem is in the report.
    public func gather(session: URL, output: URL, request baseRequest: Resolver.Request, rigmapVersion: String) -> Report {
        var report = Report()
        func finish(_ status: Status) -> Report {
            report.status = status
            return report
        }

        // Discovery.
        let listing: SessionListing
        do {
            listing = try SessionListing(session)
        } catch {
            report.diagnostics += error.diagnostics
            return finish(.badInput)
        }
        let hasAcquisition = listing.entries.contains { $0.path == "acquisition.json" }
        let hasInstrument = listing.entries.contains { $0.path == "instrument.json" }

        var claims: [(name: String, input: String)] = []
        if !(hasAcquisition && hasInstrument) {
            for name in resolver.registry.names {
                let patterns = Set(resolver.registry.all.filter { $0.identity.name == name }.flatMap(\.inputs))
                let matched = listing.matches(Array(patterns).sorted { $0.pattern < $1.pattern })
                guard let first = matched.first else { continue }
                if matched.count > 1 {
                    report.diagnostics.append(
                        Diagnostic(.warning, "mapper '\(name)' matches several inputs (\(matched.joined(separator: ", "))); using \(first)", at: SourceLocation(file: first)))
                }
                claims.append((name, first))
            }
        }

        var request = baseRequest
        request.only = claims.map(\.name)
        let resolution: Resolver.Resolution
        do {
            resolution = try resolver.resolve(request)
        } catch {
            report.diagnostics += error.diagnostics
            return finish(.badInput)
        }
        report.diagnostics += resolution.warnings

        // Run (or reuse) each claiming mapper.
        let lockURL = output.appendingPathComponent(LockFile.fileName)
        let previousLock = (try? LockFile.load(lockURL)) ?? nil
        let runner = MapperRunner(resolver: resolver, session: session, output: output, previousLock: previousLock, contractChecker: contractChecker)
        var produced: [ProducedDocument] = []
        var lock = LockFile(rigmapVersion: rigmapVersion)
        var mapperFailed = false
        for claim in claims {
            guard let resolved = resolution.mapper(claim.name) else { continue }
            let (record, documents, lockRecords) = runner.run(resolved, inputPath: claim.input, timeZone: resolution.timezone)
            report.mappers.append(record)
            if record.outcome == .failed {
                mapperFailed = true
                report.diagnostics += record.diagnostics.map { d in
                    var d = d
                    d.message = "mapper \(record.mapper) failed: \(d.message)"
                    return d
                }
                continue
            }
            lock.mappers[resolved.name] = LockFile.Pin(version: resolved.version, configSHA256: resolved.configSHA256)
            produced += documents
            lock.outputs.merge(lockRecords) { $1 }
        }
        if mapperFailed && resolution.raiseIfMapperErrors {
            report.diagnostics.append(Diagnostic(.error, "a mapper failed and raise_if_mapper_errors is true: nothing was written"))
            return finish(.refused)
        }

        // Compose each kind.
        var files: [(url: URL, bytes: [UInt8])] = produced.map { (output.appendingPathComponent($0.fileName), $0.bytes) }
        var merged: [MapperOutput.Kind: JSONValue] = [:]
        var refused = false
        for kind in MapperOutput.Kind.allCases {
            let exact = "\(kind.rawValue).json"
            var sources: [(name: String, value: JSONValue)] = []
            let given = (kind == .acquisition ? hasAcquisition : hasInstrument) ? [exact] : listing.documents(prefix: kind.rawValue)
            for name in given {
                do {
                    sources.append((name, try JSONDocument.read(session.appendingPathComponent(name), displayName: name)))
                    report.givenDocuments.append(name)
                } catch {
                    report.diagnostics += error.diagnostics
                    return finish(.badInput)
                }
            }
            if !given.contains(exact) {
                for document in produced where document.kind == kind && !given.contains(document.fileName) {
                    sources.append((document.fileName, document.value))
                }
            }
            sources.sort { $0.name < $1.name }
            guard !sources.isEmpty else { continue }
            switch compose(sources) {
            case .success(let value): merged[kind] = value
            case .failure(let error):
                report.diagnostics += error.diagnostics
                refused = true
            }
        }
        if refused { return finish(.refused) }

        // Check.
        var invalid = false
        for (kind, value) in merged.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let problems = validate(value, "\(kind.rawValue).json")
            report.diagnostics += problems
            if problems.contains(where: { $0.severity == .error }) { invalid = true }
        }
        if let acquisition = merged[.acquisition] {
            if acquisition["acquisition_type"]?.stringValue?.isEmpty ?? true {
                report.diagnostics.append(Diagnostic(.error, "acquisition_type is empty in the merged acquisition", at: SourceLocation(file: "acquisition.json", jsonPath: JSONPath([.key("acquisition_type")]))))
                invalid = true
            }
            if let instrument = merged[.instrument] {
                let cross = Compatibility.check(acquisition: acquisition, instrument: instrument)
                report.diagnostics += cross
                if cross.contains(where: { $0.severity == .error }) { invalid = true }
            }
        }
        if invalid && resolution.raiseIfInvalid {
            report.diagnostics.append(Diagnostic(.error, "the merged metadata is invalid and raise_if_invalid is true: nothing was written"))
            return finish(.refused)
        }

        // Write everything at once.
        for (kind, value) in merged.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            files.append((output.appendingPathComponent("\(kind.rawValue).json"), JSONWriter.referenceBytes(value)))
        }
        files.append((lockURL, Array(lock.yaml.utf8)))
        // Partial: a mapper was left out, or invalid documents were written because raise_if_invalid is false.
        let status: Status = mapperFailed || invalid ? .partial : .ok
        report.status = status
        report.written = files.map(\.url.lastPathComponent) + [Self.reportFileName]
        files.append((output.appendingPathComponent(Self.reportFileName), JSONWriter.referenceBytes(report.jsonValue)))
        do {
            try JSONDocument.writeAtomically(files)
        } catch {
            report.diagnostics += error.diagnostics
            report.written = []
            return finish(.badInput)
        }
        return report
    }

    /// The report's file name in the output folder.
    public static let reportFileName = "gather_report.json"
}

extension Gatherer.Report {
    /// The report as JSON (`gather_report.json`, `rigmap gather --json`).
    public var jsonValue: JSONValue {
        func diagnostic(_ d: Diagnostic) -> JSONValue {
            [
                "severity": .string(d.severity.rawValue),
                "message": .string(d.message),
                "file": .string(d.location?.file),
                "path": .string(d.location?.jsonPath?.description),
                "line": .int(d.location?.line),
                "column": .int(d.location?.column),
            ]
        }
        var inputsByMapper: [JSONValue] = []
        for m in mappers {
            var inputs = JSONObject()
            for path in m.inputs.keys.sorted() { inputs[path] = .string(m.inputs[path]) }
            inputsByMapper.append([
                "mapper": .string(m.mapper),
                "version_source": .string(m.source.rawValue),
                "outcome": .string(m.outcome.rawValue),
                "inputs": .object(inputs),
                "outputs": .strings(m.outputs),
                "diagnostics": .array(m.diagnostics.map(diagnostic)),
            ])
        }
        return [
            "status": .string(status.name),
            "exit_code": .int(Int(status.rawValue)),
            "mappers": .array(inputsByMapper),
            "given_documents": .strings(givenDocuments),
            "written": .strings(written),
            "errors": .array(diagnostics.filter { $0.severity == .error }.map(diagnostic)),
            "warnings": .array(diagnostics.filter { $0.severity == .warning }.map(diagnostic)),
        ]
    }
}
