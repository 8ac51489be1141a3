// The mapper-level fuzz harness: one SessionArchive materialised in a fresh temporary folder and mapped in-process
// exactly as `rigmap map --mapper M --input I --job job.yaml --output out` does (the shipped mappers and configs,
// `Pipeline.map`). Invariants checked on every input:
//
// - no trap, no hang (libFuzzer's -timeout), no memory blow-up (-rss_limit_mb);
// - a failure is a DiagnosticError with at least one error, and it says where (see checkLocated);
// - the output folder holds the complete outputs (exactly the files the run says it wrote, each a stable reference
//   JSON whose validation problems the run reported) or nothing at all;
// - the session folder is byte for byte the same after the run (inputs are never modified).
//
// RIGMAP_FUZZ_VERBOSE=1 prints what each input gave (run a target on one input: `fuzz-map-spim crash-…`).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AindSchemas
import Foundation
import MapperCatalog
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Validation

enum MapFuzz {
    static let pipeline: Pipeline = {
        do {
            return Pipeline(resolver: Resolver(registry: try MapperCatalog.registry(), configs: try MapperCatalog.configStore(), rigmapVersion: "fuzz"))
        } catch {
            fuzzFailure("cannot build the pipeline: \(error)")
        }
    }()

    static let verbose = getenv("RIGMAP_FUZZ_VERBOSE") != nil

    /// A line on standard error when verbose (unbuffered: an invariant failure aborts right after).
    static func note(_ line: @autoclosure () -> String) {
        if verbose { fputs(line() + "\n", stderr) }
    }

    /// Maps the archive in `data` with `mapper` and checks the invariants.
    static func run(_ mapper: String, _ data: UnsafeRawPointer, _ count: Int) -> CInt {
        let bytes = Array(UnsafeRawBufferPointer(start: data, count: count))
        guard let archive = SessionArchive(decoding: bytes) else { return -1 }
        // The input path: relative to the session root, and never above it.
        let inputText = String(decoding: archive.input, as: UTF8.self)
        guard !inputText.hasPrefix("/"), !inputText.split(separator: "/").contains("..") else { return -1 }

        let run = FuzzWorkspace.fresh()
        let session = run + "/session"
        mkdir(session, 0o755)
        archive.materialize(at: session)
        let jobPath = run + "/job.yaml"
        _ = FileManager.default.createFile(atPath: jobPath, contents: Data(archive.job))
        let before = FuzzWorkspace.snapshot(session)
        let out = run + "/out"

        let display = inputText.isEmpty ? "." : inputText
        do throws(DiagnosticError) {
            let job = try JobConfig.load(contentsOf: URL(fileURLWithPath: jobPath), displayName: "job.yaml")
            let request = Pipeline.MapRequest(
                mapper: mapper, input: URL(fileURLWithPath: session + "/" + inputText), inputDisplay: display, output: URL(fileURLWithPath: out),
                outputDisplay: "out", job: Resolver.Request(job: job))
            let result = try pipeline.map(request)
            note("mapped: wrote \(result.written.map { PathNames.lastComponent($0) }); \(result.warnings.count) warnings")
            for warning in result.warnings.prefix(20) { note("  \(warning)") }
            checkOutputs(result, out)
        } catch {
            note("refused: \(error.diagnostics.count) diagnostics")
            for diagnostic in error.diagnostics.prefix(20) { note("  \(diagnostic)") }
            checkLocated(error)
            let left = FuzzWorkspace.names(in: Array(out.utf8))
            if !left.isEmpty {
                fuzzFailure("the map failed but left \(left.map { String(decoding: $0, as: UTF8.self) }) in the output folder:\n\(error)")
            }
        }
        let after = FuzzWorkspace.snapshot(session)
        let changed = FuzzWorkspace.changes(before, after)
        if !changed.isEmpty { fuzzFailure("the map changed its input: \(changed.prefix(10))") }
        return 0
    }

    /// A failure says where: every error names a file, but for a summary line that accompanies located errors
    /// ("2 of 2 Record Nodes cannot be read", "the output is not valid …: nothing was written") and an error that
    /// names the job setting to give instead (`… set mappers.ecephys.settings.subject_id`).
    static func checkLocated(_ error: DiagnosticError) {
        let errors = error.diagnostics.filter { $0.severity == .error }
        if errors.isEmpty { fuzzFailure("a failure without an error:\n\(error)") }
        let located = errors.contains { !($0.location?.file ?? "").isEmpty }
        for diagnostic in errors where (diagnostic.location?.file ?? "").isEmpty && !located && !diagnostic.message.contains("settings.") {
            fuzzFailure("an error that names no file: \(diagnostic)\n(all: \(error))")
        }
    }

    /// The output folder holds exactly what the run says it wrote: stable reference JSON, and every validation
    /// problem of a written document reported by the run.
    static func checkOutputs(_ result: Pipeline.MapResult, _ out: String) {
        let present = Set(FuzzWorkspace.names(in: Array(out.utf8)).map { String(decoding: $0, as: UTF8.self) })
        let written = Set(result.written.filter { PathNames.parent($0) == out }.map { PathNames.lastComponent($0) })
        if present != written { fuzzFailure("the output folder holds \(present.sorted()), the run says it wrote \(written.sorted())") }
        if !written.contains(LockFile.fileName) { fuzzFailure("no \(LockFile.fileName) written") }
        for name in written.sorted() where name != LockFile.fileName {
            guard let bytes = try? FileSystem.read(out + "/" + name) else { fuzzFailure("cannot read the written \(name)") }
            guard let value = try? JSONParser.parse(bytes) else { fuzzFailure("the written \(name) is not JSON") }
            if JSONWriter.referenceBytes(value) != bytes { fuzzFailure("the written \(name) is not stable reference JSON") }
            guard let kind = DocumentKind(fileName: name) else { fuzzFailure("the run wrote \(name), which is no document kind") }
            let problems = AindValidator.validate(value, as: kind, release: result.resolved.config.schema).filter { $0.severity != .warning }
            let reported = result.warnings.contains { $0.location?.file == name }
            if !problems.isEmpty && !reported {
                fuzzFailure("the written \(name) does not validate, and the run said nothing:\n\(problems.prefix(5).map(\.description).joined(separator: "\n"))")
            }
        }
    }

    // MARK: libFuzzer hooks

    static func mutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
        let bytes = Array(UnsafeBufferPointer(start: data, count: size))
        guard var archive = SessionArchive(decoding: bytes) else { return libFuzzerMutate(data, size, maxSize) }
        var rng = FuzzRandom(seed: seed)
        SessionMutator.mutate(&archive, maxSize: maxSize, rng: &rng)
        return copy(archive.encoded, to: data, maxSize: maxSize) ?? size
    }

    static func crossOver(
        _ a: UnsafePointer<UInt8>, _ aSize: Int, _ b: UnsafePointer<UInt8>, _ bSize: Int, _ out: UnsafeMutablePointer<UInt8>, _ maxSize: Int, _ seed: UInt32
    ) -> Int {
        guard let first = SessionArchive(decoding: Array(UnsafeBufferPointer(start: a, count: aSize))),
            let second = SessionArchive(decoding: Array(UnsafeBufferPointer(start: b, count: bSize)))
        else { return 0 }
        var rng = FuzzRandom(seed: seed)
        return copy(SessionMutator.crossOver(first, second, rng: &rng).encoded, to: out, maxSize: maxSize) ?? 0
    }

    private static func copy(_ bytes: [UInt8], to data: UnsafeMutablePointer<UInt8>, maxSize: Int) -> Int? {
        guard bytes.count <= maxSize else { return nil }
        bytes.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { data.update(from: base, count: buffer.count) }
        }
        return bytes.count
    }
}

/// Stops the fuzzer with an invariant failure (libFuzzer saves the input as a crash).
func fuzzFailure(_ message: String) -> Never {
    fputs("INVARIANT FAILED: \(message)\n", stderr)
    abort()
}
