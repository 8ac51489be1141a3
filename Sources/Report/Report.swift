import Batch
import Foundation
import MetadataModel
import RigMapperCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a page is made.
public struct ReportOptions: Sendable {
    /// Who wrote the page (`rigmap 0.6.0`), in its `<meta name="generator">` and footer.
    public var generator: String
    /// The session folder a gather read, when known: the documents given in it are then shown as sources of the
    /// merged ones (on the timeline, in the instrument, with their sha256).
    public var session: URL?
    /// How ``session`` is named in messages.
    public var sessionDisplay: String?
    /// A relative link back to the batch page (`../report.html`), for session pages made with a batch's.
    public var batchLink: String?
    /// Validate the documents again (against the aind-data-schema release they declare) and show the result.
    public var validate: Bool

    public init(generator: String = "rigmap", session: URL? = nil, sessionDisplay: String? = nil, batchLink: String? = nil, validate: Bool = true) {
        self.generator = generator
        self.session = session
        self.sessionDisplay = sessionDisplay
        self.batchLink = batchLink
        self.validate = validate
    }
}

/// `rigmap report`: one self-contained HTML page (`report.html`) per output folder and per batch.
///
/// A **session page** shows what a `rigmap gather` (or `rigmap map`) output folder holds: the acquisition as a timeline
/// (SVG: each data stream a bar from its start to its end, the source documents' streams and the stimulus epochs
/// below, on one axis in the acquisition's own UTC offset), the instrument's components grouped by device type with
/// the clock generator and where its fields came from, every error and warning of `gather_report.json` with the
/// reference rule it follows, provenance (mapper versions and where each came from, the files read and their sha256,
/// the schema release) and both documents. A **batch page** shows a batch's catalog: counts per status, the
/// mapper-version histogram and every session in a table (failed first) linking to its page.
///
/// Pages are one file each, with no network access: the style sheet and script are inline and named by their sha256
/// in a Content-Security-Policy (`default-src 'none'`), so nothing else can run, and every value read from input is
/// escaped for where it lands. Tests read the pages through stable attributes: each data stream's bar has
/// `data-start`/`data-end` (the strings of acquisition.json), each epoch's `data-epoch-start`/`data-epoch-end`, the
/// clock generator's element `data-clock-generator`, each batch row `data-session` and `data-status`.
///
/// The same files give the same bytes.
public enum Report {
    /// The page's file name, in the folder it shows.
    public static let fileName = "report.html"

    /// Whether `folder` is a batch's output (it holds `rigmap-catalog.sqlite`).
    public static func isBatchFolder(_ folder: URL) -> Bool {
        (try? FileSystem.status(folder.appendingPathComponent(BatchCatalog.fileName).path).kind) == .file
    }

    /// The session page of an output folder, as UTF-8 bytes.
    ///
    /// Throws when the folder holds nothing to show, or a file it holds cannot be read (naming the file, with the
    /// line and column for JSON and YAML).
    public static func sessionPage(folder: URL, displayName: String, options: ReportOptions = ReportOptions()) throws(DiagnosticError) -> [UInt8] {
        let data = try withSharedLock(folder, displayName: displayName) { () throws(DiagnosticError) in
            try SessionFolder(folder: folder, displayName: displayName, session: options.session, sessionDisplay: options.sessionDisplay)
        }
        return SessionPage(folder: data, options: options).render()
    }

    /// Writes `folder/report.html` (atomically) and returns its URL.
    @discardableResult
    public static func writeSessionPage(folder: URL, displayName: String, options: ReportOptions = ReportOptions()) throws(DiagnosticError) -> URL {
        let bytes = try sessionPage(folder: folder, displayName: displayName, options: options)
        let url = folder.appendingPathComponent(fileName)
        try JSONDocument.writeAtomically([(url, bytes)])
        return url
    }

    /// A batch page for `entries`, as UTF-8 bytes. `links` maps a session's name to the relative address of its page.
    public static func batchPage(name: String, entries: [CatalogEntry], links: [String: String], options: ReportOptions = ReportOptions()) -> [UInt8] {
        BatchPage(name: name, entries: entries, links: links, options: options).render()
    }

    /// What ``writeBatchPages(folder:displayName:options:sessionPages:)`` did.
    public struct BatchOutcome: Sendable {
        /// The batch page.
        public var page: URL
        /// Sessions in the catalog.
        public var sessions: Int
        /// Session pages written.
        public var sessionPages: Int
        /// Session folders whose page could not be made (their rows have no link).
        public var problems: [Diagnostic]
    }

    /// Writes `folder/report.html` from the batch's catalog and, with `sessionPages`, each session's page
    /// (`folder/<session>/report.html`, linking back) for every session whose output folder is there. A row links to
    /// its session's page when the page exists after this call (written now, or earlier when `sessionPages` is
    /// false).
    public static func writeBatchPages(folder: URL, displayName: String, options: ReportOptions = ReportOptions(), sessionPages: Bool = true) throws(DiagnosticError)
        -> BatchOutcome
    {
        let catalogURL = folder.appendingPathComponent(BatchCatalog.fileName)
        guard (try? FileSystem.status(catalogURL.path).kind) == .file else {
            throw DiagnosticError("no \(BatchCatalog.fileName) here: not a batch's output folder", at: SourceLocation(file: displayName))
        }
        let entries = try BatchCatalog(url: catalogURL).entries()
        let name = folder.standardizedFileURL.lastPathComponent

        // Which sessions have an output folder of their own under this one.
        let candidates: [(index: Int, folder: URL, display: String)] = entries.enumerated().compactMap { i, entry in
            guard isPlainName(entry.session) else { return nil }
            let url = folder.appendingPathComponent(entry.session)
            guard !FileSystem.isSymlink(url.path), (try? FileSystem.status(url.path).kind) == .directory else { return nil }
            return (i, url, PathNames.appending(displayName, entry.session))
        }
        var problems: [Diagnostic] = []
        var written = 0
        if sessionPages {
            let results = Locked<[DiagnosticError?]>(Array(repeating: nil, count: candidates.count))
            DispatchQueue.concurrentPerform(iterations: candidates.count) { k in
                let candidate = candidates[k]
                let entry = entries[candidate.index]
                var sessionOptions = options
                sessionOptions.batchLink = "../\(fileName)"
                sessionOptions.session = FileManager.default.fileExists(atPath: entry.path) ? URL(fileURLWithPath: entry.path) : nil
                sessionOptions.sessionDisplay = entry.path
                do throws(DiagnosticError) {
                    try writeSessionPage(folder: candidate.folder, displayName: candidate.display, options: sessionOptions)
                } catch {
                    results.withLock { $0[k] = error }
                }
            }
            let failures = results.withLock { $0 }
            for failure in failures {
                if let failure { problems += failure.diagnostics } else { written += 1 }
            }
        }
        var links: [String: String] = [:]
        for candidate in candidates where (try? FileSystem.status(candidate.folder.appendingPathComponent(fileName).path).kind) == .file {
            links[entries[candidate.index].session] = HTMLEscape.pathSegment(entries[candidate.index].session) + "/" + fileName
        }
        let page = folder.appendingPathComponent(fileName)
        try JSONDocument.writeAtomically([(page, batchPage(name: name, entries: entries, links: links, options: options))])
        return BatchOutcome(page: page, sessions: entries.count, sessionPages: written, problems: problems)
    }

    /// A folder name a link can point into: not empty, not `.` or `..`, no `/` or NUL.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.unicodeScalars.contains("\u{0}")
    }

    /// Runs `body` holding a shared `flock` on `folder`, so that a gather writing into it (which holds it exclusively)
    /// is not read half-way. A folder that cannot be opened is left to `body` to report.
    static func withSharedLock<T>(_ folder: URL, displayName: String, _ body: () throws(DiagnosticError) -> T) throws(DiagnosticError) -> T {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return try body() }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_SH) != 0 {
            if errno != EINTR { return try body() }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
