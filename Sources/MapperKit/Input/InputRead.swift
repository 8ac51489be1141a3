import Foundation
import MetadataModel

/// One read a mapper made of its input, as recorded for provenance.
///
/// The record's ``key`` says what was read and is what `rigmap.lock` lists under `inputs:` with the ``sha256``:
/// - `path` — the whole file; the digest is the file's sha256;
/// - `path#0-4096,1048576-1052672` — byte ranges of a file (the head, the tail, a header); the digest covers the file
///   size and the bytes read, so a file that grew or changed where it was read is a different input, while
///   gigabytes the mapper never looked at are never hashed;
/// - `folder/` — a folder's listing: the digest covers the sorted names and kinds of its entries (not their content),
///   so a file added or removed is a different input;
/// - `path?` — an existence probe of something that was absent (or present), so adding a file the mapper looked for
///   is a different input;
/// - `@claims` — the entries the mapper was given (a new `Record Node` folder in the session is a different input).
public struct InputRead: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case file
        case ranges([ClosedRange<Int64>])
        case listing
        case probe
        case claims
    }

    /// The path relative to the input root (`behavior/Behavior.harp/Behavior_0.bin`; `` for the root).
    public let path: String
    public let kind: Kind
    /// The digest of what was read (see the type's documentation).
    public let sha256: String

    public init(path: String, kind: Kind, sha256: String) {
        self.path = path
        self.kind = kind
        self.sha256 = sha256
    }

    /// How the read is named in `rigmap.lock`.
    public var key: String {
        switch kind {
        case .file: return path
        case .ranges(let ranges): return path + "#" + ranges.map { "\($0.lowerBound)-\($0.upperBound + 1)" }.joined(separator: ",")
        case .listing: return path.isEmpty ? "./" : path + "/"
        case .probe: return path + "?"
        case .claims: return "@claims"
        }
    }

    /// Parses a key written by ``key`` back into path and kind (the digest is compared separately).
    public static func parse(key: String) -> (path: String, kind: Kind)? {
        if key == "./" { return ("", .listing) }
        if key == "@claims" { return ("", .claims) }
        if key.hasSuffix("/") { return (String(key.dropLast()), .listing) }
        if key.hasSuffix("?") { return (String(key.dropLast()), .probe) }
        if let hash = key.lastIndex(of: "#") {
            var ranges: [ClosedRange<Int64>] = []
            for part in key[key.index(after: hash)...].split(separator: ",") {
                let bounds = part.split(separator: "-")
                guard bounds.count == 2, let lo = Int64(bounds[0]), let hi = Int64(bounds[1]), hi > lo else { return nil }
                ranges.append(lo...(hi - 1))
            }
            guard !ranges.isEmpty else { return nil }
            return (String(key[..<hash]), .ranges(ranges))
        }
        return (key, .file)
    }

    public var description: String { "\(key): \(sha256)" }

    public static func < (a: InputRead, b: InputRead) -> Bool { a.key < b.key }

    /// The provenance hash of a set of reads: sha256 over the sorted `key <TAB> digest` lines. A folder input's hash
    /// therefore changes when a file the mapper read changes, and not when a file it never read does.
    public static func combinedSHA256(_ reads: [InputRead]) -> String {
        var running = Digest.Running()
        for read in reads.sorted() { running.update("\(read.key)\t\(read.sha256)\n") }
        return running.finalize()
    }
}

/// The reads of one mapper run, shared by the copies of its ``MapperInput`` (thread-safe).
final class ReadLog: Sendable {
    private let state = Locked<(reads: [String: InputRead], warnings: [Diagnostic])>(([:], []))

    func record(_ read: InputRead) {
        state.withLock { $0.reads[read.key] = read }
    }

    func warn(_ diagnostic: Diagnostic) {
        state.withLock { state in
            if !state.warnings.contains(diagnostic) { state.warnings.append(diagnostic) }
        }
    }

    var reads: [InputRead] { state.withLock { $0.reads.values.sorted() } }
    var warnings: [Diagnostic] { state.withLock { $0.warnings } }
}

extension InputRead {
    /// The record of what a mapper was given.
    static func claims(_ claimed: [String]) -> InputRead {
        InputRead(path: "", kind: .claims, sha256: Digest.sha256(claimed.sorted().map { $0 + "\n" }.joined()))
    }
}
