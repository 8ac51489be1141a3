// libFuzzer target: the path arguments of `rigmap map`, `gather`, `merge` and `validate`, and the path helpers under
// them (PathNames, PathRelation, URL). The input picks a command and builds its path arguments from a small alphabet
// (one-character names, `.`, `..`, `/`, `//`, trailing slashes, non-ASCII, 255- and 256-byte components, newlines,
// a symlink, a symlink loop, a FIFO, the tree's absolute path) against a small real tree made afresh for each input
// in a temporary folder, which is also the working folder (as if `rigmap` ran there). Each command runs through its
// library entry as the CLI calls it (Pipeline.map, Pipeline.gather, MergeCommand's steps over JSONDocument and
// Pipeline.merge, JSONDocument.read and AindValidator). Invariants: no trap or hang; nothing outside the output
// changes (the inputs above all); a failed map or merge changes nothing; the pure helpers agree with themselves.
//
// Outputs are kept inside the tree: an output argument that is absolute or climbs above the tree is not run.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AindSchemas
import Foundation
import MetadataModel
import Pipeline
import Resolver
import RigMapperCore
import Validation

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Tests/Mappers/FiberMapperTests/Fixtures")

private func fixture(_ path: String) -> [UInt8] {
    guard let bytes = try? FileSystem.read(fixtures.appendingPathComponent(path).path) else { fuzzFailure("missing fixture \(path)") }
    return bytes
}

/// The tree every input starts from (paths relative to the working folder).
private let tree: SessionArchive = {
    let fip = fixture("mapper-1.4.0/case_000/fip.json")
    let job = fixture("mapper-1.4.0/case_000/job.yaml")
    func file(_ path: String, _ data: [UInt8]) -> SessionArchive.Entry { SessionArchive.Entry(kind: .file, path: Array(path.utf8), data: data) }
    return SessionArchive(
        job: [], input: [],
        entries: [
            file("f", fip), file("j", job), file("s/fip.json", fip), file("é/fip.json", fip),
            file("x.json", fixture("mapper-1.4.0/case_000/expected.json")), file("y.json", fixture("mapper-1.4.0/case_003/expected.json")),
            SessionArchive.Entry(kind: .directory, path: Array("a/b".utf8), data: []),
            SessionArchive.Entry(kind: .symlink, path: Array("l".utf8), data: Array("s".utf8)),
            SessionArchive.Entry(kind: .symlink, path: Array("loop".utf8), data: Array("loop".utf8)),
            SessionArchive.Entry(kind: .fifo, path: Array("p".utf8), data: []),
        ])
}()

private let long255 = String(repeating: "L", count: 255)
private let long256 = String(repeating: "M", count: 256)
/// `ABS` stands for the tree's absolute path.
private let tokens: [String] = [
    "f", "s", "j", "a", "b", "é", "l", "loop", "p", "o", "x.json", "y.json", ".", "..", "/", "//", "/", "fip.json", "\n", " ", "-", "~",
    "\u{FFFD}", "Zoë", long255, long256, "acquisition_fiber.json", "rigmap.lock", "*", "s/", "./", "../", "\t", "ABS", "o/", "a/b/",
]
private let mappers = ["fiber", "fiber@1.4.0", "fiber@1.0.0", "fiber@", "@", "", "fiber@^9", "behavior", "nope", "f"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: count))
    guard bytes.count >= 2 else { return 0 }
    let run = FuzzWorkspace.fresh()
    tree.materialize(at: run)
    guard chdir(run) == 0 else { fuzzFailure("cannot enter \(run)") }

    // Arguments: tokens until a byte ≥ 0xF0; at most 6 arguments of 40 tokens.
    var arguments: [String] = []
    var current = ""
    var tokenCount = 0
    for byte in bytes.dropFirst(2) {
        if byte >= 0xF0 {
            arguments.append(current)
            current = ""
            tokenCount = 0
            if arguments.count == 6 { break }
            continue
        }
        guard tokenCount < 40 else { continue }
        let token = tokens[Int(byte) % tokens.count]
        current += token == "ABS" ? run : token
        tokenCount += 1
    }
    if arguments.count < 6 { arguments.append(current) }

    let before = FuzzWorkspace.snapshot(run)
    switch bytes[0] % 5 {
    case 0: map(mapper: mappers[Int(bytes[1]) % mappers.count], arguments, run: run, before: before)
    case 1: gather(arguments, run: run, before: before)
    case 2: merge(arguments, run: run, before: before)
    case 3: validate(arguments, run: run, before: before)
    default: helpers(arguments)
    }
    return 0
}

/// Whether writing to `path` stays inside the tree: relative, and never above the working folder (symlinks in the
/// tree lead inside it).
private func staysInside(_ path: String, run: String) -> Bool {
    var relative = Substring(path)
    if path.hasPrefix(run + "/") || path == run { relative = path.dropFirst(run.count) } else if path.hasPrefix("/") { return false }
    var depth = 0
    for component in relative.split(separator: "/") {
        if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
        if depth < 0 { return false }
    }
    return true
}

/// Where the commands write for the argument `path` (through `URL(fileURLWithPath:)`, which drops trailing slashes),
/// symlinks resolved, relative to the tree (`nil` when it does not exist).
private func resolved(_ path: String, run: String) -> String? {
    guard let real = try? FileSystem.realPath(URL(fileURLWithPath: path).path), let root = try? FileSystem.realPath(run) else { return nil }
    if real == root { return "" }
    return real.hasPrefix(root + "/") ? String(real.dropFirst(root.count + 1)) : nil
}

/// Every change is the output (a folder and what is in it, or one file) or a folder created on the way to it, and a
/// failed command changed nothing.
private func checkChanges(_ before: [String: String], run: String, outputs: [String], succeeded: Bool, _ what: String) {
    let after = FuzzWorkspace.snapshot(run)
    let changed = FuzzWorkspace.changes(before, after)
    guard !changed.isEmpty else { return }
    if !succeeded { fuzzFailure("\(what) failed and changed \(changed.prefix(10))") }
    let places = outputs.compactMap { resolved($0, run: run) }
    for path in changed where !places.contains(where: { $0.isEmpty || path == $0 || path.hasPrefix($0 + "/") }) {
        let createdOnTheWay = before[path] == nil && after[path]?.hasPrefix("folder") == true && places.contains { $0.hasPrefix(path + "/") }
        if !createdOnTheWay { fuzzFailure("\(what) changed \(path), which is not its output \(outputs) (resolved: \(places))") }
    }
}

private func jobRequest(_ job: String?) throws(DiagnosticError) -> Resolver.Request {
    let config = try job.map { path throws(DiagnosticError) in try JobConfig.load(contentsOf: URL(fileURLWithPath: path), displayName: path) } ?? JobConfig()
    return Resolver.Request(job: config)
}

private func map(mapper: String, _ arguments: [String], run: String, before: [String: String]) {
    let input = arguments[0]
    let output = arguments.count > 1 ? arguments[1] : ""
    let job = arguments.count > 2 && !arguments[2].isEmpty ? arguments[2] : nil
    // `rigmap map` refuses empty arguments before anything runs.
    guard !input.isEmpty, !output.isEmpty, staysInside(output, run: run) else { return }
    var succeeded = false
    do throws(DiagnosticError) {
        let request = Pipeline.MapRequest(
            mapper: mapper, input: URL(fileURLWithPath: input), inputDisplay: input, output: URL(fileURLWithPath: output), outputDisplay: output,
            job: try jobRequest(job))
        let result = try MapFuzz.pipeline.map(request)
        succeeded = true
        MapFuzz.note("map \(input.debugDescription) → \(output.debugDescription): wrote \(result.written)")
    } catch {
        MapFuzz.note("map \(input.debugDescription) → \(output.debugDescription): \(error)")
    }
    checkChanges(before, run: run, outputs: [output], succeeded: succeeded, "map --input \(input.debugDescription) --output \(output.debugDescription)")
}

private func gather(_ arguments: [String], run: String, before: [String: String]) {
    let session = arguments[0]
    let output = arguments.count > 1 ? arguments[1] : ""
    let job = arguments.count > 2 && !arguments[2].isEmpty ? arguments[2] : nil
    guard staysInside(output, run: run) else { return }
    guard let request = try? jobRequest(job) else { return }
    let report = MapFuzz.pipeline.gather(
        session: URL(fileURLWithPath: session), output: URL(fileURLWithPath: output), request: request, sessionDisplay: session, outputDisplay: output)
    _ = report.jsonValue
    MapFuzz.note("gather \(session.debugDescription) → \(output.debugDescription): \(report.status.name), wrote \(report.written) \(report.diagnostics)")
    // A gather writes its report even when it fails; the session is an input and never changes.
    checkChanges(before, run: run, outputs: [output], succeeded: true, "gather \(session.debugDescription) --output \(output.debugDescription)")
}

/// `rigmap merge FILES… --output OUT [--report REPORT]`, step by step as MergeCommand runs it.
private func merge(_ arguments: [String], run: String, before: [String: String]) {
    guard arguments.count >= 2 else { return }
    let report = arguments.count >= 4 ? arguments[arguments.count - 1] : nil
    let output = arguments[report == nil ? arguments.count - 1 : arguments.count - 2]
    let files = Array(arguments.prefix(report == nil ? arguments.count - 1 : arguments.count - 2))
    guard staysInside(output, run: run), report.map({ staysInside($0, run: run) }) ?? true else { return }
    let inputs = Set(files.map { PathRelation.canonical($0) })
    guard !output.isEmpty, !inputs.contains(PathRelation.canonical(output)) else { return }
    if let report {
        guard !report.isEmpty, !inputs.contains(PathRelation.canonical(report)), PathRelation.canonical(report) != PathRelation.canonical(output) else { return }
    }
    var documents: [(name: String, value: JSONValue)] = []
    for (file, read) in zip(files, JSONDocument.readAll(files.map { (URL(fileURLWithPath: $0), $0) })) {
        guard case .success(let value) = read else {
            checkChanges(before, run: run, outputs: [], succeeded: false, "merge (unreadable \(file.debugDescription))")
            return
        }
        documents.append((file, value))
    }
    let result = MapFuzz.pipeline.merge(documents)
    var writes: [(url: URL, bytes: [UInt8])] = []
    if let report { writes.append((URL(fileURLWithPath: report), JSONWriter.referenceBytes(result.outcome.report(files: files)))) }
    if let merged = result.outcome.merged { writes.append((URL(fileURLWithPath: output), JSONWriter.referenceBytes(merged))) }
    let succeeded = (try? JSONDocument.writeAtomically(writes)) != nil
    MapFuzz.note("merge \(files) → \(output.debugDescription): \(result.outcome.merged == nil ? "refused" : "merged"), written: \(succeeded)")
    checkChanges(
        before, run: run, outputs: [output] + (report.map { [$0] } ?? []), succeeded: succeeded && !writes.isEmpty,
        "merge \(files.map(\.debugDescription)) --output \(output.debugDescription)")
}

private func validate(_ arguments: [String], run: String, before: [String: String]) {
    for file in arguments {
        guard let document = try? JSONDocument.read(URL(fileURLWithPath: file), displayName: file) else { continue }
        if let kind = DocumentKind(of: document) ?? DocumentKind(fileName: PathNames.lastComponent(file)) {
            _ = AindValidator.validate(document, as: kind)
        }
    }
    checkChanges(before, run: run, outputs: [], succeeded: false, "validate \(arguments.map(\.debugDescription))")
}

/// The helpers every command names paths with.
private func helpers(_ arguments: [String]) {
    for (i, path) in arguments.enumerated() {
        let other = arguments[(i + 1) % arguments.count]
        let parent = PathNames.parent(path)
        let last = PathNames.lastComponent(path)
        _ = PathNames.appending(parent, last)
        _ = PathNames.appending(path, other)
        if last.contains("/"), last != path { fuzzFailure("lastComponent(\(path.debugDescription)) = \(last.debugDescription)") }
        let canonical = PathRelation.canonical(path)
        if !canonical.hasPrefix("/") { fuzzFailure("canonical(\(path.debugDescription)) = \(canonical.debugDescription) is not absolute") }
        if PathRelation.canonical(canonical) != canonical {
            fuzzFailure("canonical is not stable: \(path.debugDescription) → \(canonical.debugDescription) → \(PathRelation.canonical(canonical).debugDescription)")
        }
        if !PathRelation.isWithin(path, path) { fuzzFailure("\(path.debugDescription) is not within itself") }
        if PathRelation.isWithin(path, other), PathRelation.isWithin(other, path), PathRelation.canonical(other) != canonical {
            fuzzFailure("\(path.debugDescription) and \(other.debugDescription) are within each other but differ")
        }
        // What Pipeline.map and the commands do with URLs made from arguments.
        let url = URL(fileURLWithPath: path)
        _ = url.deletingLastPathComponent().path
        _ = url.lastPathComponent
        _ = url.appendingPathComponent(LockFile.fileName).path
        _ = url.standardizedFileURL.path
    }
}
