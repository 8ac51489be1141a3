import Foundation
import MetadataModel
import Synchronization

/// Reading JSON files with located errors, and writing files all-or-nothing.
public enum JSONDocument {
    /// Reads and parses a JSON file. Errors name the file and the line, column and byte offset.
    public static func read(_ url: URL, displayName: String? = nil) throws(DiagnosticError) -> JSONValue {
        let name = displayName ?? url.path
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(url.path)
        } catch {
            throw DiagnosticError("cannot read file: \(error.reason)", at: SourceLocation(file: name))
        }
        return try parse(bytes, displayName: name)
    }

    /// Reads and parses several JSON files at once, on as many threads as there are processors; each result in the
    /// order of `files`, as ``read(_:displayName:)`` gives it.
    public static func readAll(_ files: [(url: URL, displayName: String)]) -> [Result<JSONValue, DiagnosticError>] {
        let results = Locked<[Result<JSONValue, DiagnosticError>?]>(Array(repeating: nil, count: files.count))
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let result = Result { () throws(DiagnosticError) -> JSONValue in try read(files[i].url, displayName: files[i].displayName) }
            results.withLock { $0[i] = result }
        }
        return results.withLock { $0.map { $0 ?? .failure(DiagnosticError("not read")) } }
    }

    /// Parses JSON bytes, naming `displayName` in errors.
    public static func parse<Bytes: Collection>(_ data: Bytes, displayName: String) throws(DiagnosticError) -> JSONValue where Bytes.Element == UInt8 {
        do {
            return try JSONParser.parse(data)
        } catch {
            throw DiagnosticError(
                "malformed JSON: \(error.message)",
                at: SourceLocation(file: displayName, line: error.position.line, column: error.position.column, byteOffset: error.position.offset))
        }
    }

    /// Writes several files so that either all of them appear or none does, even if the process is killed.
    ///
    /// Each file is written to a temporary file in its destination folder first (`.<name>.<pid>.tmp`). One file is
    /// then renamed into place (a rename replaces atomically). Several are committed under a journal
    /// (`.rigmap-commit.<pid>.journal`, in the first file's folder) that lists every destination, its temporary file
    /// and the backup an existing destination is moved to: existing destinations are moved aside, the new files
    /// renamed into place, and removing the journal is the commit point; the backups go last. A failure half-way puts
    /// everything back at once; a process killed half-way leaves the journal, and
    /// ``recoverInterruptedCommits(in:)`` (which the next run of the output folder calls before anything else)
    /// puts the earlier files back.
    public static func writeAtomically(_ files: [(url: URL, bytes: [UInt8])]) throws(DiagnosticError) {
        let pid = getpid()
        var staged: [(tmp: URL, url: URL)] = []
        // Folders this call created on the way to a destination: a write that fails removes them again (deepest
        // first; `rmdir` leaves any a concurrent writer has filled), so a refused write leaves no trace.
        var created: [String] = []
        func removeStaged() {
            for entry in staged { unlink(entry.tmp.path) }
            for folder in created.sorted(by: { $0.utf8.count > $1.utf8.count }) { rmdir(folder) }
        }
        for (url, bytes) in files {
            let directory = url.deletingLastPathComponent()
            if mkdir(directory.path, 0o755) == 0 {
                created.append(directory.path)
            } else if errno != EEXIST {
                var probe = directory
                var missing: [String] = []
                while access(probe.path, F_OK) != 0 {
                    missing.append(probe.path)
                    let parent = probe.deletingLastPathComponent()
                    if parent.path == probe.path { break }
                    probe = parent
                }
                do {
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                    created += missing
                } catch {
                    created += missing
                    removeStaged()
                    throw DiagnosticError("cannot create output folder: \(FileSystem.describe(errno: errno))", at: SourceLocation(file: directory.path))
                }
            }
            let tmp = directory.appendingPathComponent(".\(url.lastPathComponent).\(pid).tmp")
            do throws(FileSystem.Failure) {
                try FileSystem.write(bytes, to: tmp.path)
            } catch {
                removeStaged()
                throw DiagnosticError("cannot write output: \(error.reason)", at: SourceLocation(file: url.path))
            }
            staged.append((tmp, url))
        }
        for entry in staged where (try? FileSystem.status(entry.url.path).kind) == .directory {
            removeStaged()
            throw DiagnosticError("cannot write output: a folder stands at this path", at: SourceLocation(file: entry.url.path))
        }
        if staged.count == 1, let only = staged.first {
            if rename(only.tmp.path, only.url.path) != 0 {
                let reason = FileSystem.describe(errno: errno)
                removeStaged()
                throw DiagnosticError("cannot move output into place: \(reason)", at: SourceLocation(file: only.url.path))
            }
            return
        }
        guard let first = staged.first else { return }

        // The journal names every step's files before the first destination is touched.
        var journal = CommitJournal(entries: [])
        for entry in staged {
            let previous = (try? FileSystem.status(entry.url.path).kind) == .file
            journal.entries.append(
                CommitJournal.Entry(destination: entry.url.path, temporary: entry.tmp.path, backup: previous ? entry.tmp.path + ".previous" : nil))
        }
        // Named by host and pid: only the process that wrote it, on the machine that ran it, can still be at work.
        let journalURL = first.url.deletingLastPathComponent().appendingPathComponent(".rigmap-commit.\(JSONDocument.hostName).\(pid).journal")
        do throws(FileSystem.Failure) {
            try FileSystem.write(JSONWriter.referenceBytes(journal.jsonValue), to: journalURL.path + ".tmp")
            guard rename(journalURL.path + ".tmp", journalURL.path) == 0 else { throw FileSystem.Failure(errno: errno) }
        } catch {
            unlink(journalURL.path + ".tmp")
            removeStaged()
            throw DiagnosticError("cannot write the commit journal: \(error.reason)", at: SourceLocation(file: journalURL.path))
        }
        var renames = 0
        let killAfter = Failpoints.value("commit-kill-after").flatMap { Int($0) }
        func step(_ from: String, _ to: String) -> Int32? {
            if rename(from, to) != 0 { return errno }
            renames += 1
            if let killAfter, renames == killAfter { kill(pid, SIGKILL) }
            return nil
        }
        func fail(_ message: String, at path: String) -> DiagnosticError {
            journal.rollBack()
            unlink(journalURL.path)
            for folder in created.sorted(by: { $0.utf8.count > $1.utf8.count }) { rmdir(folder) }
            return DiagnosticError(message, at: SourceLocation(file: path))
        }
        for entry in journal.entries {
            guard let backup = entry.backup else { continue }
            if let code = step(entry.destination, backup) {
                throw fail("cannot replace existing output: \(FileSystem.describe(errno: code))", at: entry.destination)
            }
        }
        for entry in journal.entries {
            if let code = step(entry.temporary, entry.destination) {
                throw fail("cannot move output into place: \(FileSystem.describe(errno: code))", at: entry.destination)
            }
        }
        // The commit point: from here on the new files stand, whatever happens.
        unlink(journalURL.path)
        for entry in journal.entries {
            if let backup = entry.backup { unlink(backup) }
        }
    }

    /// This machine's name, as journals are named (dots replaced, so the pid stays the last component).
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "host" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "host" : name.replacingEvery(".", with: "_").replacingEvery("/", with: "_")
    }()

    /// Puts back the files of commits in `directory` that a killed process left half-done (see
    /// ``writeAtomically(_:)``): for each journal of a process that is no longer running, destinations moved aside
    /// are restored, files the commit added are removed, and temporary files go. Returns the destinations restored or
    /// removed. Call it before reading or writing anything in an output folder.
    @discardableResult
    public static func recoverInterruptedCommits(in directory: URL) -> [String] {
        guard let names = try? FileSystem.names(in: directory.path) else { return [] }
        var touched: [String] = []
        for name in names.sorted() where name.hasPrefix(".rigmap-commit.") && name.hasSuffix(".journal") {
            // `.rigmap-commit.<host>.<pid>.journal`: a journal of a live process on this host is a commit under way
            // (one another host left is stale: recovery runs under the output folder's lock, which its writer held).
            let middle = name.dropFirst(".rigmap-commit.".count).dropLast(".journal".count)
            if let dot = middle.lastIndex(of: "."), String(middle[..<dot]) == JSONDocument.hostName, let owner = Int32(middle[middle.index(after: dot)...]),
                owner != getpid(), kill(owner, 0) == 0
            {
                continue
            }
            let url = directory.appendingPathComponent(name)
            if let bytes = try? FileSystem.read(url.path), let value = try? JSONParser.parse(bytes), let journal = CommitJournal(jsonValue: value) {
                touched += journal.rollBack()
            }
            unlink(url.path)
        }
        return touched
    }
}

/// What a multi-file commit is about to do, written before it starts (see ``JSONDocument/writeAtomically(_:)``).
struct CommitJournal {
    struct Entry {
        var destination: String
        var temporary: String
        /// Where an existing destination is moved aside (`nil`: the commit adds the file).
        var backup: String?
    }

    var entries: [Entry]

    /// Undoes whatever part of the commit happened: backups back in place, added files removed, temporaries removed.
    @discardableResult
    func rollBack() -> [String] {
        var touched: [String] = []
        for entry in entries {
            let staged = (try? FileSystem.status(entry.temporary).kind) == .file
            if let backup = entry.backup {
                if (try? FileSystem.status(backup).kind) == .file, rename(backup, entry.destination) == 0 { touched.append(entry.destination) }
            } else if !staged, (try? FileSystem.status(entry.destination).kind) == .file {
                // Renamed into place by the interrupted commit: it was not there before.
                unlink(entry.destination)
                touched.append(entry.destination)
            }
            if staged { unlink(entry.temporary) }
        }
        return touched
    }

    var jsonValue: JSONValue {
        [
            "entries": .array(
                entries.map { ["destination": .string($0.destination), "temporary": .string($0.temporary), "backup": .string($0.backup)] })
        ]
    }

    init(entries: [Entry]) { self.entries = entries }

    init?(jsonValue: JSONValue) {
        guard let list = jsonValue["entries"]?.arrayValue else { return nil }
        var entries: [Entry] = []
        for item in list {
            guard let destination = item["destination"]?.stringValue, let temporary = item["temporary"]?.stringValue else { return nil }
            entries.append(Entry(destination: destination, temporary: temporary, backup: item["backup"]?.stringValue))
        }
        self.entries = entries
    }
}
