import Foundation
import MapperCatalog
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore

/// What one ``rigmapMap(_:input:inputDisplay:job:jobDisplay:settings:output:)`` run wrote.
public struct MapRun: Sendable {
    /// Every file the run wrote into its output folder, by name, with the exact bytes `rigmap map` writes: the
    /// documents (`acquisition_<name>.json`, `instrument_<name>.json`) and `rigmap.lock`.
    public var files: [String: [UInt8]]
    /// What `rigmap map` prints as warnings: resolution warnings, the mapper's warnings and validation problems
    /// allowed by `raise_if_invalid: false`.
    public var warnings: [Diagnostic]
    /// The pipeline's own account of the run (the mapper version, the reads recorded for provenance, …).
    public var result: Pipeline.MapResult

    /// The documents only (every file but `rigmap.lock`), by file name.
    public var documents: [String: [UInt8]] { files.filter { $0.key != LockFile.fileName } }

    /// The mapper version that ran, as `name@version` (`fiber@1.4.0`).
    public var mapper: String { result.resolved.mapper.identity.description }

    /// The document `name` (`acquisition_fiber.json`) parsed, or a located error when the run did not write it.
    public func json(_ name: String) throws(DiagnosticError) -> JSONValue {
        guard let bytes = files[name] else {
            throw DiagnosticError("the run wrote no \(name) (it wrote: \(files.keys.sorted().joined(separator: ", ")))", at: SourceLocation(file: name))
        }
        return try JSONDocument.parse(bytes, displayName: name)
    }
}

/// Runs one mapper on one input exactly as `rigmap map --mapper MAPPER --input INPUT [--job JOB] [--set …] --output
/// OUT` does: the shipped mappers (`MapperCatalog.registry()`) and built-in configs, the resolver, the input claim,
/// the mapper, validation against the version's aind-data-schema release and the atomic write of the documents and
/// `rigmap.lock` — the real ``Pipeline``, nothing re-implemented. Returns the bytes written and the warnings; throws
/// every problem, located, when `rigmap map` would exit 1 (nothing is written then).
///
/// ```swift
/// let run = try rigmapMap("fiber@1.4.0", input: fixtures.appendingPathComponent("case_000/fip.json"),
///                         job: "mappers: {fiber: {settings: {implanted_fibers: [0]}}}")
/// #expect(run.files["acquisition_fiber.json"] == expectedBytes)
/// ```
///
/// - Parameters:
///   - mapper: `name` or `name@requirement` (`fiber`, `fiber@1.4.0`, `fiber@^1.0`), as `--mapper` takes it.
///   - input: a file or folder, as `--input` takes it.
///   - inputDisplay: how the input is named in diagnostics (what the user typed after `--input`); by default its last
///     path component, as when `rigmap map` runs in the input's parent folder.
///   - job: the job file's YAML text (`nil`: no `--job`).
///   - jobDisplay: the job file's name in diagnostics.
///   - settings: `--set NAME.KEY=VALUE` assignments.
///   - output: the output folder (`--output`); by default a fresh temporary folder, removed once its files are read.
///     A given folder is kept, so a test can look at it after a failure.
public func rigmapMap(
    _ mapper: String, input: URL, inputDisplay: String? = nil, job: String? = nil, jobDisplay: String = "job.yaml", settings: [String] = [],
    output: URL? = nil
) throws(DiagnosticError) -> MapRun {
    let jobConfig = try job.map { text throws(DiagnosticError) in try JobConfig.parse(yaml: text, file: jobDisplay) } ?? JobConfig()
    return try rigmapMap(mapper, input: input, inputDisplay: inputDisplay, jobConfig: jobConfig, settings: settings, output: output)
}

/// ``rigmapMap(_:input:inputDisplay:job:jobDisplay:settings:output:)`` with the job read from a file, as
/// `--job FILE` reads it (named in diagnostics by `jobDisplay`, by default the file's name).
public func rigmapMap(
    _ mapper: String, input: URL, inputDisplay: String? = nil, jobFile: URL, jobDisplay: String? = nil, settings: [String] = [], output: URL? = nil
) throws(DiagnosticError) -> MapRun {
    let jobConfig = try JobConfig.load(contentsOf: jobFile, displayName: jobDisplay ?? jobFile.lastPathComponent)
    return try rigmapMap(mapper, input: input, inputDisplay: inputDisplay, jobConfig: jobConfig, settings: settings, output: output)
}

private func rigmapMap(
    _ mapper: String, input: URL, inputDisplay: String?, jobConfig: JobConfig, settings: [String], output: URL?
) throws(DiagnosticError) -> MapRun {
    var request = Resolver.Request(job: jobConfig)
    request.settingOverrides = try Resolver.settingOverrides(settings)
    var scratch: URL?
    defer {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }
    let folder: URL
    if let output {
        folder = output
    } else {
        do {
            let made = try makeTemporaryFolder("rigmap-map")
            scratch = made
            folder = made.appendingPathComponent("out")
        } catch {
            throw DiagnosticError("cannot make a temporary output folder: \(error)")
        }
    }
    let pipeline = Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "test"))
    let result = try pipeline.map(
        Pipeline.MapRequest(mapper: mapper, input: input, inputDisplay: inputDisplay ?? input.lastPathComponent, output: folder, job: request))
    return MapRun(files: try filesIn(folder), warnings: result.warnings, result: result)
}

/// The regular files directly in `folder`, by name, with their bytes (empty when the folder does not exist).
public func filesIn(_ folder: URL) throws(DiagnosticError) -> [String: [UInt8]] {
    guard FileManager.default.fileExists(atPath: folder.path) else { return [:] }
    var files: [String: [UInt8]] = [:]
    do {
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let url = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[name] = Array(try Data(contentsOf: url))
        }
    } catch {
        throw DiagnosticError("cannot read the output folder: \(error)", at: SourceLocation(file: folder.path))
    }
    return files
}
