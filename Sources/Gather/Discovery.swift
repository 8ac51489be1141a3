import Foundation
import RigMapperCore

/// The files of a session folder, as paths relative to it, and which mappers claim which of them.
struct SessionListing {
    /// Relative path → is a folder. Hidden files and folders (starting with `.`) are skipped.
    let entries: [(path: String, isDirectory: Bool)]

    init(_ root: URL) throws(DiagnosticError) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DiagnosticError("session folder does not exist or is not a folder", at: SourceLocation(file: root.path))
        }
        var entries: [(String, Bool)] = []
        let base = root.standardizedFileURL.path
        guard let enumerator = fm.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey], options: [.skipsHiddenFiles]) else {
            throw DiagnosticError("cannot list the session folder", at: SourceLocation(file: root.path))
        }
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base + "/") else { continue }
            let relative = String(path.dropFirst(base.count + 1))
            let directory = (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) ?? false
            entries.append((relative, directory ?? false))
        }
        self.entries = entries.sorted { $0.0 < $1.0 }
    }

    /// Paths matching any of `patterns`, sorted.
    func matches(_ patterns: [InputPattern]) -> [String] {
        entries.filter { entry in patterns.contains { $0.matches(entry.path, isDirectory: entry.isDirectory) } }.map(\.path)
    }

    /// Top-level JSON files whose names start with `prefix` (`acquisition`, `instrument`), sorted.
    func documents(prefix: String) -> [String] {
        entries.filter { !$0.isDirectory && !$0.path.contains("/") && $0.path.hasPrefix(prefix) && $0.path.hasSuffix(".json") }.map(\.path)
    }
}
