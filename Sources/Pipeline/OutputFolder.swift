import Foundation
import RigMapperCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output folder held by one run from its first read to its last write.
///
/// Two runs writing into one folder take turns: each holds an exclusive `flock` on the folder itself (the second
/// waits; no lock file is left behind), so the set of files written is always one run's and the lock's hashes
/// describe the files beside them. When the next run takes the folder, a commit a killed run left half-done is rolled
/// back (its earlier files restored) and temporary files (`.<name>.<pid>.tmp`) are removed. A folder this run created
/// is removed again when the run writes nothing, and so are the missing parents it created on the way
/// (`--output new/sub/out`).
final class OutputFolder {
    let url: URL
    let createdHere: Bool
    /// The folders that did not exist before this run created `url`, deepest (`url` itself) first.
    private let created: [String]
    private var descriptor: Int32

    private init(url: URL, created: [String], descriptor: Int32) {
        self.url = url
        self.createdHere = !created.isEmpty
        self.created = created
        self.descriptor = descriptor
    }

    /// Creates (if needed) and locks `url`.
    static func take(_ url: URL, displayName: String) throws(DiagnosticError) -> OutputFolder {
        let path = url.path
        var created: [String] = []
        switch try? FileSystem.status(path).kind {
        case .directory?: break
        case nil:
            // The path and each parent that is missing, up to the first that exists (lexically: `a/..` is `a`'s too).
            var missing = path
            while (try? FileSystem.status(missing)) == nil, created.count < 4096 {
                created.append(missing)
                let parent = PathNames.parent(missing)
                if parent == missing || parent.isEmpty { break }
                missing = parent
            }
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                for folder in created { rmdir(folder) }
                throw DiagnosticError("cannot create the output folder", at: SourceLocation(file: displayName))
            }
        default:
            throw DiagnosticError("the output path exists and is not a folder", at: SourceLocation(file: displayName))
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = FileSystem.describe(errno: errno)
            for folder in created { rmdir(folder) }
            throw DiagnosticError("cannot lock the output folder: \(reason)", at: SourceLocation(file: displayName))
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let reason = FileSystem.describe(errno: errno)
            close(fd)
            for folder in created { rmdir(folder) }
            throw DiagnosticError("cannot lock the output folder: \(reason)", at: SourceLocation(file: displayName))
        }
        let folder = OutputFolder(url: url, created: created, descriptor: fd)
        // A run killed in the middle of its commit left a journal: its earlier files go back first.
        JSONDocument.recoverInterruptedCommits(in: url)
        folder.removeLeftovers()
        return folder
    }

    /// Temporary files of an earlier run that was killed before it could clean up.
    private func removeLeftovers() {
        guard let names = try? FileSystem.names(in: url.path) else { return }
        for name in names where name.hasPrefix(".") && (name.hasSuffix(".tmp") || name.hasSuffix(".tmp.previous") || name.hasSuffix(".journal.tmp")) {
            try? FileManager.default.removeItem(at: url.appendingPathComponent(name))
        }
    }

    /// Whether a regular file `name` is in the folder.
    func contains(_ name: String) -> Bool {
        (try? FileSystem.status(url.appendingPathComponent(name).path).kind) == .file
    }

    /// Writes `files` all at once (see `JSONDocument.writeAtomically`), then removes `stale` files of earlier runs.
    func commit(_ files: [(name: String, bytes: [UInt8])], removing stale: [String] = []) throws(DiagnosticError) {
        try JSONDocument.writeAtomically(files.map { (url.appendingPathComponent($0.name), $0.bytes) })
        let written = Set(files.map(\.name))
        for name in stale where !written.contains(name) {
            try? FileManager.default.removeItem(at: url.appendingPathComponent(name))
        }
    }

    /// Releases the folder; a folder this run created and wrote nothing into is removed, with the parents it created
    /// (each only if empty).
    func release(wroteSomething: Bool) {
        guard descriptor >= 0 else { return }
        if createdHere && !wroteSomething, (try? FileSystem.names(in: url.path))?.isEmpty == true {
            for folder in created { rmdir(folder) }
        }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit {
        if descriptor >= 0 {
            flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }
}
