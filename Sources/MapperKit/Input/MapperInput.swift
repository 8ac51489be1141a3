import Foundation
import MetadataModel

/// What a mapper reads: a file tree under one root folder, and the entries of it the mapper claimed.
///
/// In `rigmap gather` the root is the session folder and ``claimed`` holds what the mapper's input patterns matched
/// (`fip.json`; the `behavior/` folder; two `Record Node */` folders). In `rigmap map --input PATH` the root is the
/// folder the input is in (for a file) or the input itself (for a folder), so both commands name every read by the
/// same relative path and record the same provenance.
///
/// Every read goes through this type and is recorded (see ``InputRead``): whole files, byte ranges of large files,
/// folder listings and existence probes. Paths are relative to the root; `..`, absolute paths and symlinks that lead
/// outside the root are refused (a listing reports such a symlink as a warning and leaves it out). Every error names
/// the file as the user knows it and, where it applies, the line and column, byte offset or JSON path.
public struct MapperInput: Sendable {
    /// The folder every path is relative to.
    public let root: URL
    /// How the root is shown in messages (`Examples/fip-session`, or empty to show paths as they are).
    public let displayRoot: String
    /// What the mapper claimed, relative to the root (files or folders), sorted. Empty claims the root itself.
    public let claimed: [String]
    let log: ReadLog
    let preloaded: [String: JSONValue]
    /// The root with symlinks resolved: where every read must stay.
    let canonicalRoot: String

    /// An input rooted at `root`.
    ///
    /// - Throws: when the root does not exist or is not a folder.
    public init(root: URL, displayRoot: String? = nil, claimed: [String] = []) throws(DiagnosticError) {
        let shown = displayRoot ?? root.path
        let canonical: String
        do throws(FileSystem.Failure) {
            canonical = try FileSystem.realPath(root.path)
            guard try FileSystem.status(canonical).kind == .directory else {
                throw FileSystem.Failure("not a folder")
            }
        } catch {
            throw DiagnosticError(error.reason, at: SourceLocation(file: shown.isEmpty ? "." : shown))
        }
        self.root = root
        self.displayRoot = shown
        self.claimed = claimed.sorted()
        self.log = ReadLog()
        self.preloaded = [:]
        self.canonicalRoot = canonical
        log.record(InputRead.claims(self.claimed))
    }

    private init(copying other: MapperInput, preloaded: [String: JSONValue]) {
        root = other.root
        displayRoot = other.displayRoot
        claimed = other.claimed
        log = other.log
        self.preloaded = preloaded
        canonicalRoot = other.canonicalRoot
    }

    /// The same input with `document` already parsed (and checked) for `path`, so it is read once.
    public func preloading(_ document: JSONValue, for path: String) -> MapperInput {
        var documents = preloaded
        documents[path] = document
        return MapperInput(copying: self, preloaded: documents)
    }

    /// The one claimed file (or the first claimed entry), for mappers that read a single file.
    public var mainPath: String { claimed.first ?? "" }

    // MARK: Names and locations

    /// `path` as the user knows it: the display root joined with the relative path.
    public func display(_ path: String) -> String {
        if displayRoot.isEmpty { return path.isEmpty ? "." : path }
        if path.isEmpty { return displayRoot }
        return displayRoot.hasSuffix("/") ? displayRoot + path : displayRoot + "/" + path
    }

    /// A location in `path`.
    public func location(_ path: String, jsonPath: JSONPath? = nil, line: Int? = nil, column: Int? = nil, byteOffset: Int? = nil) -> SourceLocation {
        SourceLocation(file: display(path), jsonPath: jsonPath, line: line, column: column, byteOffset: byteOffset)
    }

    /// `parent/child` (either may be empty).
    public static func join(_ parent: String, _ child: String) -> String {
        if parent.isEmpty { return child }
        if child.isEmpty { return parent }
        return parent.hasSuffix("/") ? parent + child : parent + "/" + child
    }

    // MARK: Reads

    /// The reads recorded so far, sorted by key.
    public var reads: [InputRead] { log.reads }

    /// Notes about the input itself (symlinks that leave it), for the run's warnings.
    public var inputWarnings: [Diagnostic] { log.warnings }

    /// An entry of a folder listing.
    public struct Entry: Sendable, Hashable {
        /// Relative to the input root.
        public var path: String
        /// The last path component.
        public var name: String
        public var isDirectory: Bool
        /// Bytes, for files.
        public var size: Int64
    }

    /// The entries of `folder` (relative; empty for the root), sorted by name. Hidden entries (`.name`, such as
    /// `.ipynb_checkpoints`) are left out; so are symlinks that lead outside the input (with a warning), FIFOs and
    /// other special files. The listing is recorded (names and kinds, not content).
    public func list(_ folder: String = "") throws(DiagnosticError) -> [Entry] {
        let directory = try resolve(folder, expecting: .directory)
        let names: [String]
        do {
            names = try FileSystem.names(in: directory)
        } catch {
            throw DiagnosticError("cannot list folder: \(error.reason)", at: location(folder))
        }
        var entries: [Entry] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let relative = MapperInput.join(folder, name)
            let full = directory + "/" + name
            if FileSystem.isSymlink(full) {
                guard let target = try? FileSystem.realPath(full), inside(target) else {
                    log.warn(Diagnostic(.warning, "symlink leads outside the input (or nowhere); not followed", at: location(relative)))
                    continue
                }
            }
            guard let status = try? FileSystem.status(full) else { continue }
            switch status.kind {
            case .file: entries.append(Entry(path: relative, name: name, isDirectory: false, size: status.size))
            case .directory: entries.append(Entry(path: relative, name: name, isDirectory: true, size: 0))
            case .special: continue
            }
        }
        var running = Digest.Running()
        for entry in entries { running.update("\(entry.name)\t\(entry.isDirectory ? "d" : "f")\n") }
        log.record(InputRead(path: folder, kind: .listing, sha256: running.finalize()))
        return entries
    }

    /// What `path` is: a file, a folder, or `nil` when it does not exist (or is not readable). The probe is recorded,
    /// so adding a file a mapper looked for changes the input's provenance.
    public func kind(of path: String) -> FileSystem.Kind? {
        let status = try? resolveStatus(path)
        let digest: String
        switch status?.kind {
        case .file?: digest = "file:\(status?.size ?? 0)"
        case .directory?: digest = "directory"
        case .special(let what)?: digest = what
        case nil: digest = "absent"
        }
        log.record(InputRead(path: path, kind: .probe, sha256: Digest.sha256(digest)))
        if case .special? = status?.kind { return nil }
        return status?.kind
    }

    /// Whether `path` exists as a file or folder (recorded as a probe).
    public func exists(_ path: String) -> Bool { kind(of: path) != nil }

    /// The size of a file in bytes (recorded as a probe).
    public func size(of path: String) throws(DiagnosticError) -> Int64 {
        let full = try resolve(path, expecting: .file)
        do {
            let size = try FileSystem.status(full).size
            log.record(InputRead(path: path, kind: .probe, sha256: Digest.sha256("file:\(size)")))
            return size
        } catch {
            throw DiagnosticError(error.reason, at: location(path))
        }
    }

    /// The whole file.
    public func bytes(_ path: String) throws(DiagnosticError) -> [UInt8] {
        let full = try resolve(path, expecting: .file)
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(full)
        } catch {
            throw DiagnosticError("cannot read file: \(error.reason)", at: location(path))
        }
        log.record(InputRead(path: path, kind: .file, sha256: Digest.sha256(bytes)))
        return bytes
    }

    /// Byte ranges of a file (each clamped to the file), and its size: for headers and tails of files too large to
    /// read whole. The record covers the size and the bytes read, nothing else.
    public func bytes(_ path: String, ranges: [ClosedRange<Int64>]) throws(DiagnosticError) -> (size: Int64, parts: [[UInt8]]) {
        let full = try resolve(path, expecting: .file)
        let result: (size: Int64, parts: [[UInt8]])
        do {
            result = try FileSystem.read(full, ranges: ranges)
        } catch {
            throw DiagnosticError("cannot read file: \(error.reason)", at: location(path))
        }
        log.record(InputRead(path: path, kind: .ranges(ranges), sha256: MapperInput.rangeDigest(size: result.size, parts: result.parts)))
        return result
    }

    /// The whole file, handed to `body` in consecutive chunks of at most `chunkSize` bytes with the offset of each,
    /// and never held whole: for a file that must be read to its end but may be too large to hold (every message of a
    /// Harp register file). Memory stays at one chunk whatever the file's size.
    ///
    /// Recorded exactly as ``bytes(_:)`` records a whole read (the key is the path, the digest the sha256 of every
    /// byte), so moving a mapper from a whole read to a chunked one leaves its provenance and `rigmap.lock` unchanged.
    /// The read is recorded only when `body` saw the whole file; an error `body` throws ends the read and is rethrown.
    public func chunks(
        _ path: String, chunkSize: Int = 1 << 20, _ body: (_ offset: Int64, _ chunk: [UInt8]) throws(DiagnosticError) -> Void
    ) throws(DiagnosticError) {
        let full = try resolve(path, expecting: .file)
        var running = Digest.Running()
        var offset: Int64 = 0
        var failure: DiagnosticError?
        do throws(FileSystem.Failure) {
            try FileSystem.read(full, chunkSize: chunkSize) { chunk in
                running.update(bytes: chunk)
                do throws(DiagnosticError) {
                    try body(offset, chunk)
                } catch {
                    failure = error
                    return false
                }
                offset += Int64(chunk.count)
                return true
            }
        } catch {
            throw DiagnosticError("cannot read file: \(error.reason)", at: location(path))
        }
        if let failure { throw failure }
        log.record(InputRead(path: path, kind: .file, sha256: running.finalize()))
    }

    /// At most the first `count` bytes of a file.
    public func head(_ path: String, _ count: Int) throws(DiagnosticError) -> [UInt8] {
        guard count > 0 else { return [] }
        return try bytes(path, ranges: [0...Int64(count - 1)]).parts.first ?? []
    }

    /// At most the last `count` bytes of a file, and the offset where they start.
    public func tail(_ path: String, _ count: Int) throws(DiagnosticError) -> (offset: Int64, bytes: [UInt8]) {
        let size = try self.size(of: path)
        guard count > 0, size > 0 else { return (size, []) }
        let start = max(0, size - Int64(count))
        return (start, try bytes(path, ranges: [start...(size - 1)]).parts.first ?? [])
    }

    /// A text file, decoded (see ``InputText``: UTF-8, a damaged byte replaced with a warning at its byte offset, or
    /// a legacy Latin-1 file; BOM dropped; CRLF as LF).
    public func text(_ path: String) throws(DiagnosticError) -> InputText {
        let text = InputText(decoding: try bytes(path))
        if let damage = text.damage { log.warn(Diagnostic(.warning, damage.message, at: location(path, byteOffset: damage.firstOffset))) }
        return text
    }

    /// A JSON file, parsed. Bytes that are not UTF-8 are read as ``InputText`` reads them: a stray invalid byte in a
    /// UTF-8 file is replaced (with a warning at its byte offset), a legacy 8-bit file is read as Latin-1 (vendor files
    /// write `µ` as one byte). Syntax errors are located with line, column and byte offset.
    ///
    /// - Parameter omitting: object members (at any depth) whose values are checked for syntax but not kept, for a
    ///   large file whose bulk the mapper does not read (``JSONParser/parse(_:omitting:)``); a preloaded document
    ///   is returned whole.
    public func json(_ path: String, omitting: Set<String> = []) throws(DiagnosticError) -> JSONValue {
        if let document = preloaded[path] { return document }
        let raw = try bytes(path)
        // UTF-8 bytes are parsed as they are (positions stay those of the file).
        let (source, damage) = InputText.jsonSource(raw)
        if let damage { log.warn(Diagnostic(.warning, damage.message, at: location(path, byteOffset: damage.firstOffset))) }
        do {
            return try JSONParser.parse(source, omitting: omitting)
        } catch {
            throw DiagnosticError(
                "malformed JSON: \(error.message)",
                at: location(path, line: error.position.line, column: error.position.column, byteOffset: error.position.offset))
        }
    }

    /// An XML file, parsed (see ``XML``); syntax errors are located with line and column.
    public func xml(_ path: String) throws(DiagnosticError) -> XML.Element {
        let text = try self.text(path)
        do {
            return try XML.parse(text.string)
        } catch {
            throw DiagnosticError("malformed XML: \(error.message)", at: location(path, line: error.line, column: error.column))
        }
    }

    /// A YAML file (such as a Harp `device.yml`), with anchors, aliases and merge keys expanded within a budget of
    /// `maximumNodes` values, so a document built to explode is refused instead of exhausting memory.
    public func yaml(_ path: String, maximumNodes: Int = 100_000) throws(DiagnosticError) -> ConfigValue {
        let text = try self.text(path)
        return try ConfigValue.parseYAML(text.string, file: display(path), aliases: .expand(maximumNodes: maximumNodes))
    }

    // MARK: Provenance

    /// The provenance hash of everything read so far (see ``InputRead/combinedSHA256(_:)``).
    public var readsSHA256: String { InputRead.combinedSHA256(reads) }

    /// Whether a recorded read still gives the same digest (used to reuse earlier outputs).
    public func verify(key: String, sha256: String) -> Bool {
        guard let (path, kind) = InputRead.parse(key: key) else { return false }
        switch kind {
        case .claims:
            return InputRead.claims(claimed).sha256 == sha256
        case .file:
            guard let full = try? resolvePath(path) else { return false }
            return Digest.sha256(ofFile: URL(fileURLWithPath: full)) == sha256
        case .ranges(let ranges):
            guard let full = try? resolvePath(path), let result = try? FileSystem.read(full, ranges: ranges) else { return false }
            return MapperInput.rangeDigest(size: result.size, parts: result.parts) == sha256
        case .listing, .probe:
            // Repeat the read on a copy with its own log, and compare its record.
            let fresh = MapperInput(root: root, displayRoot: displayRoot, claimed: claimed, log: ReadLog(), canonicalRoot: canonicalRoot)
            if case .listing = kind {
                guard (try? fresh.list(path)) != nil else { return false }
            } else {
                _ = fresh.kind(of: path)
            }
            return fresh.log.reads.first { $0.key == key }?.sha256 == sha256
        }
    }

    private init(root: URL, displayRoot: String, claimed: [String], log: ReadLog, canonicalRoot: String) {
        self.root = root
        self.displayRoot = displayRoot
        self.claimed = claimed
        self.log = log
        self.preloaded = [:]
        self.canonicalRoot = canonicalRoot
    }

    static func rangeDigest(size: Int64, parts: [[UInt8]]) -> String {
        var running = Digest.Running()
        running.update("size:\(size)\n")
        for part in parts { running.update(bytes: part) }
        return running.finalize()
    }

    // MARK: Paths

    private func inside(_ canonical: String) -> Bool {
        canonical == canonicalRoot || canonical.hasPrefix(canonicalRoot == "/" ? "/" : canonicalRoot + "/")
    }

    /// The absolute path of a relative one, refusing `..`, absolute paths and escapes through symlinks.
    private func resolvePath(_ path: String) throws(DiagnosticError) -> String {
        if path.hasPrefix("/") || path.split(separator: "/").contains("..") {
            throw DiagnosticError("path must stay inside the input (no absolute paths or '..')", at: location(path))
        }
        let full = path.isEmpty ? canonicalRoot : canonicalRoot + "/" + path
        let canonical: String
        do {
            canonical = try FileSystem.realPath(full)
        } catch {
            throw DiagnosticError(error.reason, at: location(path))
        }
        guard inside(canonical) else {
            throw DiagnosticError("symlink leads outside the input; not followed", at: location(path))
        }
        return canonical
    }

    private func resolveStatus(_ path: String) throws(DiagnosticError) -> FileSystem.Status {
        let full = try resolvePath(path)
        do {
            return try FileSystem.status(full)
        } catch {
            throw DiagnosticError(error.reason, at: location(path))
        }
    }

    private func resolve(_ path: String, expecting kind: FileSystem.Kind) throws(DiagnosticError) -> String {
        let full = try resolvePath(path)
        let status: FileSystem.Status
        do {
            status = try FileSystem.status(full)
        } catch {
            throw DiagnosticError(error.reason, at: location(path))
        }
        switch (status.kind, kind) {
        case (.file, .file), (.directory, .directory): return full
        case (.directory, _): throw DiagnosticError("is a folder, not a file", at: location(path))
        case (.file, _): throw DiagnosticError("is a file, not a folder", at: location(path))
        case (.special(let what), _): throw DiagnosticError("not a regular file (\(what))", at: location(path))
        }
    }
}
