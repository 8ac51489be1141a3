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

    /// Writes several files so that either all of them appear or none does: each is written to a temporary file in
    /// its destination folder first, and only when every write succeeded are they renamed into place.
    public static func writeAtomically(_ files: [(url: URL, bytes: [UInt8])]) throws(DiagnosticError) {
        var temporaries: [(URL, URL)] = []
        func cleanUp() {
            for (tmp, _) in temporaries { try? FileManager.default.removeItem(at: tmp) }
        }
        for (url, bytes) in files {
            let directory = url.deletingLastPathComponent()
            if mkdir(directory.path, 0o755) != 0 && errno != EEXIST {
                do {
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                } catch {
                    cleanUp()
                    throw DiagnosticError("cannot create output folder: \(FileSystem.describe(errno: errno))", at: SourceLocation(file: directory.path))
                }
            }
            let tmp = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
            do throws(FileSystem.Failure) {
                try FileSystem.write(bytes, to: tmp.path)
            } catch {
                cleanUp()
                throw DiagnosticError("cannot write output: \(error.reason)", at: SourceLocation(file: url.path))
            }
            temporaries.append((tmp, url))
        }
        // Move any existing destination aside first, so a failure half-way can put everything back.
        var backups: [(URL, URL)] = []
        var placed: [URL] = []
        func rollBack() {
            for url in placed { try? FileManager.default.removeItem(at: url) }
            for (backup, url) in backups { _ = rename(backup.path, url.path) }
            cleanUp()
        }
        for (tmp, url) in temporaries {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    rollBack()
                    throw DiagnosticError("cannot write output: a folder stands at this path", at: SourceLocation(file: url.path))
                }
                let backup = tmp.appendingPathExtension("previous")
                if rename(url.path, backup.path) != 0 {
                    let reason = String(cString: strerror(errno))
                    rollBack()
                    throw DiagnosticError("cannot replace existing output: \(reason)", at: SourceLocation(file: url.path))
                }
                backups.append((backup, url))
            }
        }
        for (tmp, url) in temporaries {
            if rename(tmp.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                rollBack()
                throw DiagnosticError("cannot move output into place: \(reason)", at: SourceLocation(file: url.path))
            }
            placed.append(url)
        }
        for (backup, _) in backups { try? FileManager.default.removeItem(at: backup) }
    }
}
