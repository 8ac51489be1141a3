import Foundation
import GRDB
import MetadataModel
import RigMapperCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the catalog knows of one session: how it was last mapped, and with what.
public struct CatalogEntry: Sendable, Equatable {
    public struct MapperRun: Sendable, Equatable {
        /// `fiber`
        public var name: String
        /// `1.4.0`
        public var version: String
        public var configSHA256: String
        /// `ran`, `reused`, `failed`…
        public var outcome: String

        public init(name: String, version: String, configSHA256: String, outcome: String) {
            self.name = name
            self.version = version
            self.configSHA256 = configSHA256
            self.outcome = outcome
        }
    }

    /// The session's folder name (the key).
    public var session: String
    /// The folder as it was given.
    public var path: String
    /// `ok`, `partial`, `refused`, `bad_input` (as `rigmap gather` reports).
    public var status: String
    public var exitCode: Int
    /// sha256 of the session's file listing (relative paths, sizes, modification times).
    public var inputSHA256: String
    /// sha256 of the job in force (its file's bytes).
    public var jobSHA256: String
    /// What must not change for a rerun to skip the session: inputs, job, mapper versions and their configs.
    public var fingerprint: String
    public var mappers: [MapperRun]
    /// Files written (name → sha256).
    public var outputs: [String: String]
    /// Every diagnostic, as printed.
    public var diagnostics: [String]
    /// How many runs in a row on this fingerprint ended `crashed` or `timed_out` (1 otherwise).
    public var attempts: Int
    /// When the row was written (UTC, ISO 8601 with microseconds): which of two rows for one session is newer.
    public var recordedAt: String

    public init(
        session: String, path: String, status: String, exitCode: Int, inputSHA256: String, jobSHA256: String, fingerprint: String, mappers: [MapperRun],
        outputs: [String: String], diagnostics: [String], attempts: Int = 1, recordedAt: String = ""
    ) {
        self.session = session
        self.path = path
        self.status = status
        self.exitCode = exitCode
        self.inputSHA256 = inputSHA256
        self.jobSHA256 = jobSHA256
        self.fingerprint = fingerprint
        self.mappers = mappers
        self.outputs = outputs
        self.diagnostics = diagnostics
        self.attempts = attempts
        self.recordedAt = recordedAt
    }
}

/// The batch catalog: an SQLite file (through GRDB) with every session's inputs, resolved mapper versions and config
/// hashes, status, outputs and diagnostics. The schema is versioned with GRDB's migrator, so a newer rigmap opens an
/// older catalog (and migrates it); every session's rows are replaced in one transaction, so a killed batch never
/// leaves half a session.
public final class BatchCatalog: Sendable {
    public static let fileName = "rigmap-catalog.sqlite"
    let database: DatabaseQueue
    public let url: URL

    /// Opens (or creates) the catalog at `url` and brings its schema up to date.
    ///
    /// Several processes may open one new catalog at once (two batches on one output folder): the schema is created
    /// under an exclusive lock on the catalog file, so exactly one of them creates it. A file that is not a readable
    /// catalog is an error naming it, unless `setAsideIfUnreadable`: it is then renamed `<name>.unreadable-<n>` and a
    /// new catalog is started.
    public init(url: URL, setAsideIfUnreadable: Bool = false) throws(DiagnosticError) {
        self.url = url
        do {
            database = try BatchCatalog.open(url)
            setAside = nil
        } catch {
            let reason = BatchCatalog.describe(error)
            guard setAsideIfUnreadable, FileManager.default.fileExists(atPath: url.path) else {
                throw DiagnosticError(
                    "cannot open the catalog: \(reason)\(FileManager.default.fileExists(atPath: url.path) ? "; rerun with --force to set it aside and start a new one" : "")",
                    at: SourceLocation(file: url.path))
            }
            var n = 1
            while FileManager.default.fileExists(atPath: url.path + ".unreadable-\(n)") { n += 1 }
            let aside = url.path + ".unreadable-\(n)"
            guard rename(url.path, aside) == 0 else {
                throw DiagnosticError("cannot open the catalog (\(reason)) nor set it aside: \(FileSystem.describe(errno: errno))", at: SourceLocation(file: url.path))
            }
            for suffix in ["-wal", "-shm"] { unlink(url.path + suffix) }
            do {
                database = try BatchCatalog.open(url)
            } catch {
                throw DiagnosticError("cannot create the catalog: \(BatchCatalog.describe(error))", at: SourceLocation(file: url.path))
            }
            setAside = aside
        }
    }

    /// Where an unreadable catalog was moved by ``init(url:setAsideIfUnreadable:)``, if it was.
    public let setAside: String?

    private static func open(_ url: URL) throws -> DatabaseQueue {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        // Write-ahead logging: one sync per checkpoint instead of several per session. A killed process loses
        // nothing committed; a power cut may lose the last sessions, which the next run maps again.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // The schema is created (or migrated) by one process at a time.
        let descriptor = systemOpen(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystem.Failure(errno: errno) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            if errno != EINTR { throw FileSystem.Failure(errno: errno) }
        }
        defer { flock(descriptor, LOCK_UN) }
        let database = try DatabaseQueue(path: url.path, configuration: configuration)
        try BatchCatalog.migrator.migrate(database)
        return database
    }

    /// An SQLite or file error in words.
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB: return "not an SQLite database (a damaged or foreign file)"
            case .SQLITE_CORRUPT: return "the database is damaged"
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN: return "cannot be written (\(error.message ?? "permission denied"))"
            case .SQLITE_FULL: return "the disk is full"
            default: return error.message ?? "\(error)"
            }
        }
        if let failure = error as? FileSystem.Failure { return failure.reason }
        return "\(error)"
    }

    /// Schema versions, in order. Add a migration for every change; never edit a released one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "session") { t in
                t.primaryKey("name", .text)
                t.column("path", .text).notNull()
                t.column("status", .text).notNull()
                t.column("exit_code", .integer).notNull()
                t.column("input_sha256", .text).notNull()
                t.column("job_sha256", .text).notNull()
                t.column("fingerprint", .text).notNull()
            }
            try db.create(table: "session_mapper") { t in
                t.column("session", .text).notNull().references("session", onDelete: .cascade)
                t.column("mapper", .text).notNull()
                t.column("version", .text).notNull()
                t.column("config_sha256", .text).notNull()
                t.column("outcome", .text).notNull()
                t.primaryKey(["session", "mapper"])
            }
            try db.create(table: "session_output") { t in
                t.column("session", .text).notNull().references("session", onDelete: .cascade)
                t.column("file", .text).notNull()
                t.column("sha256", .text).notNull()
                t.primaryKey(["session", "file"])
            }
            try db.create(table: "session_diagnostic") { t in
                t.column("session", .text).notNull().references("session", onDelete: .cascade)
                t.column("ordinal", .integer).notNull()
                t.column("text", .text).notNull()
                t.primaryKey(["session", "ordinal"])
            }
            try db.create(index: "session_mapper_by_version", on: "session_mapper", columns: ["mapper", "version"])
        }
        // 0.6.0: retries of crashed sessions, and which of two rows is newer when catalogs merge.
        migrator.registerMigration("v2") { db in
            try db.alter(table: "session") { t in
                t.add(column: "attempts", .integer).notNull().defaults(to: 1)
                t.add(column: "recorded_at", .text).notNull().defaults(to: "")
            }
        }
        return migrator
    }

    /// The entry of one session, if it was ever mapped.
    public func entry(_ session: String) throws(DiagnosticError) -> CatalogEntry? {
        try read { db in try BatchCatalog.entries(db, sessions: [session]).first }
    }

    /// Records (replaces) one session's entry, stamped with the time it is written.
    public func record(_ entry: CatalogEntry) throws(DiagnosticError) {
        var entry = entry
        entry.recordedAt = BatchCatalog.now()
        if Failpoints.matches("catalog-fail", entry.session) {
            throw DiagnosticError("catalog update failed: failpoint catalog-fail=\(entry.session)", at: SourceLocation(file: url.path))
        }
        try write { db in try BatchCatalog.insert(entry, into: db) }
    }

    /// The current time as `recorded_at` holds it: UTC, microseconds (which sorts as text).
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
            Int(parts.tm_min), Int(parts.tm_sec), Int(spec.tv_nsec / 1000))
    }

    /// Entries in session order, filtered: `mapper` is `fiber` (any version) or `fiber@1.0.0`; `status` is a
    /// gather status or `failed` (every status but `ok`).
    public func entries(mapper: String? = nil, status: String? = nil) throws(DiagnosticError) -> [CatalogEntry] {
        try read { db in
            var names = try String.fetchAll(db, sql: "SELECT name FROM session ORDER BY name")
            if let mapper {
                let parts = mapper.split(separator: "@", maxSplits: 1).map(String.init)
                let matching: [String]
                if parts.count == 2 {
                    matching = try String.fetchAll(
                        db, sql: "SELECT DISTINCT session FROM session_mapper WHERE mapper = ? AND version = ?", arguments: [parts[0], parts[1]])
                } else {
                    matching = try String.fetchAll(db, sql: "SELECT DISTINCT session FROM session_mapper WHERE mapper = ?", arguments: [mapper])
                }
                let set = Set(matching)
                names = names.filter(set.contains)
            }
            var entries = try BatchCatalog.entries(db, sessions: names)
            if let status {
                entries = entries.filter { status == "failed" ? $0.status != "ok" : $0.status == status }
            }
            return entries
        }
    }

    /// What ``merge(_:into:)`` did.
    public struct MergeSummary: Sendable {
        /// Distinct sessions taken from the sources.
        public var sessions: Int
        /// Sessions found in more than one place (sources, or a source and the destination) with different rows: which
        /// row was kept and why.
        public var conflicts: [String]
    }

    /// Combines shard catalogs into `destination` (created or updated).
    ///
    /// Every session of every source is taken. When a session is in several sources (or already in the destination)
    /// and the rows differ, the newest row wins — the greatest `recorded_at`; on equal times, the source named later
    /// — and each such conflict is reported. Identical rows are not conflicts.
    public static func merge(_ sources: [URL], into destination: URL) throws(DiagnosticError) -> MergeSummary {
        var chosen: [String: (entry: CatalogEntry, from: String)] = [:]
        var conflicts: [String] = []
        let target = try BatchCatalog(url: destination)
        for entry in try target.entries() { chosen[entry.session] = (entry, destination.path) }
        let existing = Set(chosen.keys)
        var taken = Set<String>()
        for source in sources {
            guard FileManager.default.fileExists(atPath: source.path) else { throw DiagnosticError("no such catalog", at: SourceLocation(file: source.path)) }
            for entry in try BatchCatalog(url: source).entries() {
                taken.insert(entry.session)
                guard let held = chosen[entry.session] else {
                    chosen[entry.session] = (entry, source.path)
                    continue
                }
                if held.entry.sameOutcome(as: entry) { continue }  // the same result recorded twice (a session mapped again unchanged)
                let newer = entry.recordedAt >= held.entry.recordedAt
                let winner = newer ? (entry, source.path) : held
                let loser = newer ? held : (entry, source.path)
                conflicts.append(
                    "session '\(entry.session)': \(loser.1) has \(loser.0.status) (recorded \(loser.0.recordedAt.isEmpty ? "at an unknown time" : loser.0.recordedAt)), \(winner.1) has \(winner.0.status) (recorded \(winner.0.recordedAt.isEmpty ? "at an unknown time" : winner.0.recordedAt)); kept \(winner.1)'s, the newer")
                chosen[entry.session] = winner
            }
        }
        let changed = chosen.filter { !existing.contains($0.key) || taken.contains($0.key) }
        try target.write { db in
            for (_, value) in changed.sorted(by: { $0.key < $1.key }) { try insert(value.entry, into: db) }
        }
        return MergeSummary(sessions: taken.count, conflicts: conflicts)
    }

    // MARK: SQL

    private func read<T>(_ body: (Database) throws -> T) throws(DiagnosticError) -> T {
        do {
            return try database.read(body)
        } catch {
            throw DiagnosticError("catalog query failed: \(BatchCatalog.describe(error))", at: SourceLocation(file: url.path))
        }
    }

    private func write(_ body: (Database) throws -> Void) throws(DiagnosticError) {
        do {
            try database.write(body)
        } catch {
            throw DiagnosticError("catalog update failed: \(BatchCatalog.describe(error))", at: SourceLocation(file: url.path))
        }
    }

    private static func insert(_ entry: CatalogEntry, into db: Database) throws {
        try db.execute(sql: "DELETE FROM session WHERE name = ?", arguments: [entry.session])
        try db.execute(
            sql: "INSERT INTO session (name, path, status, exit_code, input_sha256, job_sha256, fingerprint, attempts, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [entry.session, entry.path, entry.status, entry.exitCode, entry.inputSHA256, entry.jobSHA256, entry.fingerprint, entry.attempts, entry.recordedAt])
        for mapper in entry.mappers {
            try db.execute(
                sql: "INSERT OR REPLACE INTO session_mapper (session, mapper, version, config_sha256, outcome) VALUES (?, ?, ?, ?, ?)",
                arguments: [entry.session, mapper.name, mapper.version, mapper.configSHA256, mapper.outcome])
        }
        for (file, sha) in entry.outputs.sorted(by: { $0.key < $1.key }) {
            try db.execute(sql: "INSERT INTO session_output (session, file, sha256) VALUES (?, ?, ?)", arguments: [entry.session, file, sha])
        }
        for (i, text) in entry.diagnostics.enumerated() {
            try db.execute(sql: "INSERT INTO session_diagnostic (session, ordinal, text) VALUES (?, ?, ?)", arguments: [entry.session, i, text])
        }
    }

    private static func entries(_ db: Database, sessions: [String]) throws -> [CatalogEntry] {
        var out: [CatalogEntry] = []
        for name in sessions {
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM session WHERE name = ?", arguments: [name]) else { continue }
            let mappers = try Row.fetchAll(db, sql: "SELECT * FROM session_mapper WHERE session = ? ORDER BY mapper", arguments: [name]).map { r in
                CatalogEntry.MapperRun(name: r["mapper"], version: r["version"], configSHA256: r["config_sha256"], outcome: r["outcome"])
            }
            var outputs: [String: String] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT file, sha256 FROM session_output WHERE session = ?", arguments: [name]) {
                outputs[r["file"]] = r["sha256"]
            }
            let diagnostics = try String.fetchAll(db, sql: "SELECT text FROM session_diagnostic WHERE session = ? ORDER BY ordinal", arguments: [name])
            out.append(
                CatalogEntry(
                    session: name, path: row["path"], status: row["status"], exitCode: row["exit_code"], inputSHA256: row["input_sha256"],
                    jobSHA256: row["job_sha256"], fingerprint: row["fingerprint"], mappers: mappers, outputs: outputs, diagnostics: diagnostics,
                    attempts: row["attempts"], recordedAt: row["recorded_at"]))
        }
        return out
    }
}

private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.open(path, flags, mode)
    #else
    return Darwin.open(path, flags, mode)
    #endif
}

extension CatalogEntry {
    /// Whether two rows record the same result (everything but when they were recorded).
    func sameOutcome(as other: CatalogEntry) -> Bool {
        var a = self
        var b = other
        a.recordedAt = ""
        b.recordedAt = ""
        return a == b
    }
}
