import AindSchemas
import Foundation
import MetadataModel
import Resolver
import RigMapperCore
import Upgrade

extension Pipeline {
    /// What `rigmap map` asks for.
    public struct MapRequest: Sendable {
        /// `name` or `name@requirement` (`fiber@1.4.0`, `fiber@^1.0`).
        public var mapper: String
        /// The input: a file (`fip.json`) or a folder the mapper's patterns are matched in (a session, a
        /// `SmartSPIM_…` folder, a `behavior/` folder).
        public var input: URL
        public var inputDisplay: String
        public var output: URL
        public var outputDisplay: String
        public var job: Resolver.Request

        public init(mapper: String, input: URL, inputDisplay: String? = nil, output: URL, outputDisplay: String? = nil, job: Resolver.Request = Resolver.Request()) {
            self.mapper = mapper
            self.input = input
            self.inputDisplay = inputDisplay ?? input.path
            self.output = output
            self.outputDisplay = outputDisplay ?? output.path
            self.job = job
        }
    }

    /// What `rigmap map` did.
    public struct MapResult: Sendable {
        public var record: MapperRunRecord
        public var resolved: Resolver.ResolvedMapper
        /// Files written, as paths in the output folder (and an updated experiment lock's path).
        public var written: [String]
        /// Warnings: resolution, the mapper's, and validation problems allowed by `raise_if_invalid: false`.
        public var warnings: [Diagnostic]
    }

    /// Runs one mapper on one input and writes its documents and `rigmap.lock` into the output folder (the records
    /// of other mappers already there are kept). Throws every problem, located; nothing is written then.
    public func map(_ request: MapRequest) throws(DiagnosticError) -> MapResult {
        guard !request.outputDisplay.isEmpty, !request.output.path.isEmpty else {
            throw DiagnosticError("the output folder must be named (--output DIR)")
        }
        let (name, requirement) = try MapperRegistry.parse(spec: request.mapper)
        var job = request.job
        job.only = [name]
        if let requirement { job.versionOverrides[name] = requirement }
        let resolution = try resolver.resolve(job)
        guard let resolved = resolution.mapper(name) else { throw DiagnosticError("internal: \(name) not resolved") }

        // A folder input must not receive the outputs (its next mapping would read them back), nor lie inside them;
        // nor may a file input's folder (a session: its next gather would take them for given documents).
        if (try? FileSystem.status(request.input.path).kind) == .file,
            PathRelation.canonical(request.output.path) == PathRelation.canonical(request.input.deletingLastPathComponent().path)
        {
            throw DiagnosticError(
                "the output folder is the folder of the input file; write outputs elsewhere (a later gather of that folder would take them for given documents)",
                at: SourceLocation(file: request.outputDisplay))
        }
        if (try? FileSystem.status(request.input.path).kind) == .directory {
            if PathRelation.isWithin(request.output.path, request.input.path) {
                throw DiagnosticError(
                    "the output folder is the input folder or inside it; write outputs elsewhere (inputs are never modified)",
                    at: SourceLocation(file: request.outputDisplay))
            }
            if PathRelation.isWithin(request.input.path, request.output.path) {
                throw DiagnosticError("the input folder is inside the output folder; write outputs elsewhere", at: SourceLocation(file: request.inputDisplay))
            }
        }
        let input = try Pipeline.claim(request.input, display: request.inputDisplay, patterns: resolved.mapper.inputs, mapper: resolved.mapper.identity)

        let result = MapperRunner(pipeline: self, timeZone: resolution.timezone).run(resolved, input: input, invalidIsError: resolution.raiseIfInvalid)
        if result.record.outcome == .failed {
            var problems = result.record.diagnostics
            if problems.contains(where: { $0.location?.file.map { f in result.record.outputs.contains(f) } ?? false && $0.severity == .error }) {
                problems.append(Diagnostic(.error, "the output is not valid \(result.release) and raise_if_invalid is true: nothing was written"))
            }
            throw DiagnosticError(problems)
        }

        let folder = try OutputFolder.take(request.output, displayName: request.outputDisplay)
        var wrote = false
        defer { folder.release(wroteSomething: wrote) }
        var files = result.documents.map { (name: $0.fileName, bytes: $0.bytes) }
        var records = result.lockRecords
        // The job's release: the mapper's documents are migrated (the lock says so, and hashes what is written).
        if let target = resolution.schema {
            let migration = Pipeline.migrate(result.documents.map { ($0.fileName, $0.value) }, to: target, settings: resolution.upgradeSettings)
            guard migration.values.count == result.documents.count else { throw DiagnosticError(migration.diagnostics) }
            files = zip(result.documents, migration.values).map { (name: $0.fileName, bytes: JSONWriter.referenceBytes($1)) }
            for file in files { records[file.name]?.sha256 = Digest.sha256(file.bytes) }
        }
        // Keep the records of other mappers written to the same folder; an unreadable old lock is replaced.
        var provenance = ((try? LockFile.load(folder.url.appendingPathComponent(LockFile.fileName))) ?? nil) ?? LockFile()
        provenance.rigmapVersion = rigmapVersion
        provenance.mappers[resolved.name] = LockFile.Pin(version: resolved.version, configSHA256: resolved.configSHA256)
        if let target = resolution.schema {
            provenance.schema = target.identifier
            provenance.migration = Pipeline.migrationName
        }
        for (file, record) in records { provenance.outputs[file] = record }
        files.append((LockFile.fileName, Array(provenance.yaml.utf8)))
        try folder.commit(files)
        wrote = true
        var written = files.map { request.output.appendingPathComponent($0.name).path }
        if let updated = resolution.updatedExperimentLock, let url = resolution.experimentLockURL {
            try JSONDocument.writeAtomically([(url, Array(updated.yaml.utf8))])
            written.append(url.path)
        }
        return MapResult(record: result.record, resolved: resolved, written: written, warnings: resolution.warnings + result.record.diagnostics)
    }

    /// The input a mapper is given for `url`: a file is claimed as is (its folder is the root); in a folder the
    /// mapper's patterns are matched (the folder is the root), and failing that the folder itself is matched against
    /// them from its parent (`--input session/behavior`).
    public static func claim(_ url: URL, display: String, patterns: [InputPattern], mapper: MapperIdentity) throws(DiagnosticError) -> MapperInput {
        let status: FileSystem.Status
        do {
            status = try FileSystem.status(url.path)
        } catch {
            throw DiagnosticError(error.reason, at: SourceLocation(file: display))
        }
        let parentDisplay = PathNames.parent(display)
        let name = url.lastPathComponent
        switch status.kind {
        case .file:
            return try MapperInput(root: url.deletingLastPathComponent(), displayRoot: parentDisplay, claimed: [name])
        case .special(let what):
            throw DiagnosticError("not a regular file (\(what))", at: SourceLocation(file: display))
        case .directory:
            let folder = try MapperInput(root: url, displayRoot: display)
            let claims = try SessionListing(folder, patterns: patterns).claims(patterns)
            if !claims.isEmpty { return try MapperInput(root: url, displayRoot: display, claimed: claims) }
            if patterns.contains(where: { !$0.claimsRoot && $0.matches(name, isDirectory: true) }) {
                return try MapperInput(root: url.deletingLastPathComponent(), displayRoot: parentDisplay, claimed: [name])
            }
            throw DiagnosticError(
                "\(mapper) finds nothing to read here (it reads: \(patterns.map(\.description).joined(separator: "; ")))", at: SourceLocation(file: display))
        }
    }
}
