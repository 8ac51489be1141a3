import AindSchemas
import Dispatch
import Foundation
import MetadataModel
import RigMapperCore
import Upgrade

extension Pipeline {
    /// What `rigmap upgrade` was asked to do.
    public struct UpgradeRequest: Sendable {
        /// Files and folders as given (folders are walked for `acquisition*.json` and `instrument*.json`).
        public var inputs: [String]
        public var output: URL
        public var outputDisplay: String
        public var settings: UpgradeSettings
        /// Documents upgraded at once (at least 1).
        public var jobs: Int

        public init(inputs: [String], output: URL, outputDisplay: String, settings: UpgradeSettings, jobs: Int = 1) {
            self.inputs = inputs
            self.output = output
            self.outputDisplay = outputDisplay
            self.settings = settings
            self.jobs = jobs
        }
    }

    /// The outcome of `rigmap upgrade`, written as `upgrade_report.json`.
    public struct UpgradeReport: Sendable {
        /// One entry per document found, in input order (a folder's documents sorted by path).
        public var documents: [(file: String, outcome: UpgradeOutcome)] = []
        /// Problems that are no single document's: a missing input, an unusable output folder.
        public var diagnostics: [Diagnostic] = []
        /// Whether an input could not be read (exit 2).
        public var unreadable = false
        /// Files written to the output folder.
        public var written: [String] = []

        /// 0 all upgraded; 1 some refused; 2 an input or the output folder could not be used.
        public var exitCode: Int32 {
            if unreadable || !diagnostics.filter({ $0.severity == .error }).isEmpty { return 2 }
            return documents.allSatisfy { $0.outcome.status == .upgraded } ? 0 : 1
        }

        /// `{"documents": [{"file", "status", "changes", "diagnostics"}]}`.
        public var jsonValue: JSONValue {
            [
                "documents": .array(
                    documents.map { entry in
                        [
                            "file": .string(entry.file),
                            "status": .string(entry.outcome.status.rawValue),
                            "changes": .array(entry.outcome.changes.map(\.jsonValue)),
                            "diagnostics": .array(entry.outcome.diagnostics.map(\.jsonValue)),
                        ]
                    })
            ]
        }
    }

    /// The report's file name in the output folder.
    public static let upgradeReportFileName = "upgrade_report.json"

    /// The documents `inputs` name: files as given, folders walked (sorted) for `acquisition*.json` and
    /// `instrument*.json`. Inputs that do not exist are diagnostics.
    static func upgradeInputs(_ inputs: [String]) -> (files: [(path: String, display: String)], problems: [Diagnostic]) {
        var files: [(String, String)] = []
        var problems: [Diagnostic] = []
        for input in inputs {
            switch try? FileSystem.status(input).kind {
            case .directory?:
                var found: [String] = []
                walk(input, relative: "", depth: 0, into: &found)
                if found.isEmpty {
                    problems.append(Diagnostic(.warning, "no acquisition*.json or instrument*.json in this folder", at: SourceLocation(file: input)))
                }
                for relative in found.sorted() { files.append((PathNames.appending(input, relative), PathNames.appending(input, relative))) }
            case .file?:
                files.append((input, input))
            case nil:
                problems.append(Diagnostic(.error, "no such file or folder", at: SourceLocation(file: input)))
            default:
                problems.append(Diagnostic(.error, "not a regular file or folder", at: SourceLocation(file: input)))
            }
        }
        return (files, problems)
    }

    private static func walk(_ folder: String, relative: String, depth: Int, into found: inout [String]) {
        let here = relative.isEmpty ? folder : PathNames.appending(folder, relative)
        guard depth < 64, let names = try? FileSystem.names(in: here) else { return }
        for name in names.sorted() where !name.hasPrefix(".") {
            let child = relative.isEmpty ? name : PathNames.appending(relative, name)
            let full = PathNames.appending(folder, child)
            if FileSystem.isSymlink(full) { continue }
            switch try? FileSystem.status(full).kind {
            case .directory?:
                walk(folder, relative: child, depth: depth + 1, into: &found)
            case .file?:
                if DocumentKind(fileName: name) != nil && name.hasSuffix(".json") { found.append(child) }
            default:
                break
            }
        }
    }

    /// Upgrades every document `request.inputs` name into `request.output`: each upgraded document under its own
    /// file name, and `upgrade_report.json`, committed at once (``OutputFolder``). Refused documents are not written;
    /// inputs are never modified. A missing or unreadable input writes nothing (exit 2). Never throws: every problem
    /// is in the report.
    public static func upgrade(_ request: UpgradeRequest) -> UpgradeReport {
        var report = UpgradeReport()
        let (files, problems) = upgradeInputs(request.inputs)
        report.diagnostics += problems
        if files.isEmpty && !problems.contains(where: { $0.severity == .error }) {
            report.diagnostics.append(Diagnostic(.error, "nothing to upgrade: no document given, and no acquisition*.json or instrument*.json in the folders"))
        }
        if report.diagnostics.contains(where: { $0.severity == .error }) { return report }
        // The output folder must not hold an input: an upgraded file would replace its source.
        let outputFolder = PathRelation.canonical(request.output.path)
        for file in files where PathRelation.canonical(PathNames.parent(file.path).isEmpty ? "." : PathNames.parent(file.path)) == outputFolder {
            report.diagnostics.append(Diagnostic(.error, "the output folder holds this input; write the upgraded documents elsewhere (inputs are never modified)", at: SourceLocation(file: file.display)))
            return report
        }
        var byName: [String: String] = [:]
        for file in files {
            let name = PathNames.lastComponent(file.path)
            if let other = byName[name] {
                report.diagnostics.append(
                    Diagnostic(.error, "two inputs are named \(name) (\(other) and \(file.display)); each upgraded document is written under its own file name: upgrade them into separate folders", at: SourceLocation(file: file.display)))
                return report
            }
            byName[name] = file.display
        }

        // Upgrade, `jobs` documents at a time; each result in input order.
        let settings = request.settings
        let results = Locked<[(UpgradeOutcome, [UInt8]?, Bool)?]>(Array(repeating: nil, count: files.count))
        let next = Locked<Int>(0)
        let workers = max(1, min(request.jobs, files.count))
        let work: @Sendable () -> Void = {
            while true {
                let i: Int = next.withLock { value in
                    let taken = value
                    value += 1
                    return taken
                }
                guard i < files.count else { return }
                let file = files[i]
                let outcome: UpgradeOutcome
                var unreadable = false
                do throws(DiagnosticError) {
                    let value = try JSONDocument.read(URL(fileURLWithPath: file.path), displayName: file.display)
                    outcome = DocumentUpgrade.upgrade(value, settings: settings, file: file.display)
                } catch {
                    unreadable = true
                    outcome = UpgradeOutcome(status: .refused, document: nil, kind: nil, changes: [], diagnostics: error.diagnostics)
                }
                let bytes = outcome.bytes ?? outcome.document.map { JSONWriter.referenceBytes($0) }
                results.withLock { $0[i] = (outcome, bytes, unreadable) }
            }
        }
        // One worker runs here: inside a concurrentPerform, libdispatch runs a document's own parallel steps serially.
        if workers == 1 {
            work()
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in work() }
        }
        var outputs: [(name: String, bytes: [UInt8])] = []
        for (i, result) in results.withLock({ $0 }).enumerated() {
            guard let (outcome, bytes, unreadable) = result else { continue }
            report.documents.append((files[i].display, outcome))
            if unreadable { report.unreadable = true }
            if let bytes { outputs.append((PathNames.lastComponent(files[i].path), bytes)) }
        }

        // An input that cannot be read is the run's error, as a usage error is: nothing is written.
        if report.unreadable { return report }
        let folder: OutputFolder
        do {
            folder = try OutputFolder.take(request.output, displayName: request.outputDisplay)
        } catch {
            report.diagnostics += error.diagnostics
            return report
        }
        var wrote = false
        defer { folder.release(wroteSomething: wrote) }
        outputs.append((upgradeReportFileName, JSONWriter.referenceBytes(report.jsonValue)))
        do {
            try folder.commit(outputs)
            wrote = true
            report.written = outputs.map(\.name)
        } catch {
            report.diagnostics += error.diagnostics
        }
        return report
    }
}

extension Pipeline {
    /// How `map` and `gather` reach a job's `schema:` from the release the mappers write; recorded in `rigmap.lock`.
    public static let migrationName = "rigmap upgrade: aind-data-schema@2.9.2 -> biodata-schema@3.0.0"

    /// A job's `upgrade:` section as ``UpgradeSettings``; an unknown key or a bad value is a located error.
    static func upgradeSettings(_ config: ConfigValue?) throws(DiagnosticError) -> UpgradeSettings {
        var settings = UpgradeSettings()
        guard let config else { return settings }
        do {
            try settings.apply(config.jsonValue, source: "upgrade")
        } catch {
            throw DiagnosticError(error.message, at: config.location)
        }
        return settings
    }

    /// `documents` (name → 2.9.2 value) migrated to `release`: the migrated values, or every reason a document could
    /// not be, located in its file. `notes` says what each migration changed.
    static func migrate(_ documents: [(name: String, value: JSONValue)], to release: SchemaRelease, settings config: ConfigValue?) -> (
        values: [JSONValue], notes: [String], diagnostics: [Diagnostic]
    ) {
        let settings: UpgradeSettings
        do {
            settings = try upgradeSettings(config)
        } catch {
            return ([], [], error.diagnostics)
        }
        guard release == DocumentUpgrade.target else {
            return ([], [], [Diagnostic(.error, "documents cannot be written as \(release.identifier): rigmap migrates aind-data-schema 2.9.2 to biodata-schema 3.0.0 only")])
        }
        var values: [JSONValue] = []
        var notes: [String] = []
        var diagnostics: [Diagnostic] = []
        for (name, value) in documents {
            let outcome = DocumentUpgrade.upgrade(value, settings: settings, file: name)
            diagnostics += outcome.diagnostics
            if let upgraded = outcome.document {
                values.append(upgraded)
                let counts = Dictionary(grouping: outcome.changes, by: \.action.rawValue).map { "\($0.value.count) \($0.key)" }.sorted()
                notes.append("\(name): written as \(release.identifier) (\(counts.isEmpty ? "no changes" : counts.joined(separator: ", ")); `rigmap upgrade` lists them)")
            }
        }
        if diagnostics.contains(where: { $0.severity == .error }) {
            diagnostics.append(
                Diagnostic(.error, "the documents cannot be written as \(release.identifier) (schema: in the job); give what they lack in the job's upgrade: section: nothing was written"))
            return ([], notes, diagnostics)
        }
        return (values, notes, diagnostics)
    }
}
