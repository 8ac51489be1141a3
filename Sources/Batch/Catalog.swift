import Foundation
import GRDB
import RigMapperCore

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

    public init(
        session: String, path: String, status: String, exitCode: Int, inputSHA256: String, jobSHA256: String, fingerprint: String, mappers: [MapperRun],
        outputs: [String: String], diagnostics: [String]
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
    public init(url: URL) throws(DiagnosticError) {
        self.url = url
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            // Write-ahead logging: one sync per checkpoint instead of several per session. A killed process loses
            // nothing committed; a power cut may lose the last sessions, which the next run maps again.
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            database = try DatabaseQueue(path: url.path, configuration: configuration)
            try BatchCatalog.migrator.migrate(database)
        } catch {
            throw DiagnosticError("cannot open the catalog: \(error)", at: SourceLocation(file: url.path))
        }
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
        return migrator
    }

    /// The entry of one session, if it was ever mapped.
    public func entry(_ session: String) throws(DiagnosticError) -> CatalogEntry? {
        try read { db in try BatchCatalog.entries(db, sessions: [session]).first }
    }

    /// Records (replaces) one session's entry.
    public func record(_ entry: CatalogEntry) throws(DiagnosticError) {
        try write { db in try BatchCatalog.insert(entry, into: db) }
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

    /// Combines shard catalogs into `destination` (created or updated): every session of every source, a later
    /// source's entry replacing an earlier one for the same session.
    public static func merge(_ sources: [URL], into destination: URL) throws(DiagnosticError) -> Int {
        let target = try BatchCatalog(url: destination)
        var count = 0
        for source in sources {
            guard FileManager.default.fileExists(atPath: source.path) else { throw DiagnosticError("no such catalog", at: SourceLocation(file: source.path)) }
            let catalog = try BatchCatalog(url: source)
            let entries = try catalog.entries()
            try target.write { db in
                for entry in entries { try insert(entry, into: db) }
            }
            count += entries.count
        }
        return count
    }

    // MARK: SQL

    private func read<T>(_ body: (Database) throws -> T) throws(DiagnosticError) -> T {
        do {
            return try database.read(body)
        } catch {
            throw DiagnosticError("catalog query failed: \(error)", at: SourceLocation(file: url.path))
        }
    }

    private func write(_ body: (Database) throws -> Void) throws(DiagnosticError) {
        do {
            try database.write(body)
        } catch {
            throw DiagnosticError("catalog update failed: \(error)", at: SourceLocation(file: url.path))
        }
    }

    private static func insert(_ entry: CatalogEntry, into db: Database) throws {
        try db.execute(sql: "DELETE FROM session WHERE name = ?", arguments: [entry.session])
        try db.execute(
            sql: "INSERT INTO session (name, path, status, exit_code, input_sha256, job_sha256, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [entry.session, entry.path, entry.status, entry.exitCode, entry.inputSHA256, entry.jobSHA256, entry.fingerprint])
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
                    jobSHA256: row["job_sha256"], fingerprint: row["fingerprint"], mappers: mappers, outputs: outputs, diagnostics: diagnostics))
        }
        return out
    }
}
