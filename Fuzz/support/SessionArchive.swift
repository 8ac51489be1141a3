// A session folder as one fuzz input (the mapper-level targets map-*.swift), and its materialisation in a temporary
// folder. Seeds are made from the committed fixtures by Fuzz/make-seeds.py, which also unpacks an archive (a crash
// input) into a folder for a regression test.
//
// Format (a text header per record, raw bytes after it):
//
//     RIGMAP-FUZZ-SESSION 1\n
//     <kind> <size> <arg> <path>\n<size bytes>\n      (repeated)
//
// kinds: `j` the job (job.yaml text; path `-`), `i` the input as `rigmap map --input` names it, relative to the
// session root (its bytes; path `-`), `f` a regular file, `s` a sparse file of `arg` bytes whose first `size` bytes
// are given (the rest is a hole: continuous.dat and other files only their size is read of), `d` a folder, `l` a
// symlink to its bytes, `p` a FIFO. The path is relative to the session root, with bytes below 0x20, 0x7F and `%`
// written as `%XX`. A record that cannot be read ends the archive (what was read so far is the session).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct SessionArchive: Equatable {
    enum Kind: UInt8 {
        case file = 0x66  // f
        case sparse = 0x73  // s
        case directory = 0x64  // d
        case symlink = 0x6C  // l
        case fifo = 0x70  // p
    }

    struct Entry: Equatable {
        var kind: Kind
        /// Relative to the session root, components separated by `/`.
        var path: [UInt8]
        /// The content (files), the head (sparse files) or the target (symlinks).
        var data: [UInt8]
        /// The size on disk of a sparse file.
        var size: Int64 = 0
    }

    static let magic = Array("RIGMAP-FUZZ-SESSION 1\n".utf8)

    var job: [UInt8] = []
    var input: [UInt8] = []
    var entries: [Entry] = []

    init(job: [UInt8], input: [UInt8], entries: [Entry]) {
        self.job = job
        self.input = input
        self.entries = entries
    }

    /// Reads an archive; `nil` when the bytes do not start with the magic line.
    init?(decoding bytes: [UInt8]) {
        guard bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic else { return nil }
        var at = Self.magic.count
        while at < bytes.count {
            guard let newline = bytes[at...].firstIndex(of: 0x0A) else { break }
            let header = bytes[at..<newline]
            // <kind> <size> <arg> <path>
            let fields = header.split(separator: 0x20, maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4, fields[0].count == 1, let kindByte = fields[0].first,
                let size = Self.number(fields[1]), let arg = Self.number(fields[2]), size >= 0, arg >= 0
            else { break }
            let start = newline + 1
            guard size <= bytes.count - start else { break }
            let data = Array(bytes[start..<(start + Int(size))])
            at = start + Int(size)
            if at < bytes.count, bytes[at] == 0x0A { at += 1 }
            switch kindByte {
            case 0x6A: job = data  // j
            case 0x69: input = data  // i
            default:
                guard let kind = Kind(rawValue: kindByte) else { continue }
                entries.append(Entry(kind: kind, path: Self.unescape(Array(fields[3])), data: data, size: arg))
            }
        }
    }

    var encoded: [UInt8] {
        var out = Self.magic
        func record(_ kind: UInt8, _ data: [UInt8], _ arg: Int64, _ path: [UInt8]) {
            out.append(kind)
            out += Array(" \(data.count) \(arg) ".utf8)
            out += Self.escape(path)
            out.append(0x0A)
            out += data
            out.append(0x0A)
        }
        record(0x6A, job, 0, Array("-".utf8))
        record(0x69, input, 0, Array("-".utf8))
        for entry in entries { record(entry.kind.rawValue, entry.data, entry.kind == .sparse ? entry.size : 0, entry.path) }
        return out
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
    }

    static func escape(_ path: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for byte in path {
            if byte < 0x20 || byte == 0x7F || byte == 0x25 {
                out += Array(String(format2: byte).utf8)
            } else {
                out.append(byte)
            }
        }
        return out
    }

    static func unescape(_ path: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < path.count {
            if path[i] == 0x25, i + 2 < path.count, let high = hex(path[i + 1]), let low = hex(path[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(path[i])
                i += 1
            }
        }
        return out
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    // MARK: Materialising

    /// The components of a relative path, or `nil` for a path that is absolute, empty, or leaves the root (`.`, `..`
    /// and empty components are refused rather than interpreted: the fuzzer must not write outside its folder).
    static func components(_ path: [UInt8]) -> [[UInt8]]? {
        guard !path.isEmpty, path.first != 0x2F, !path.contains(0) else { return nil }
        let parts = path.split(separator: 0x2F, omittingEmptySubsequences: false).map(Array.init)
        for part in parts where part.isEmpty || part == [0x2E] || part == [0x2E, 0x2E] || part.count > 255 { return nil }
        return parts
    }

    /// Writes the session under `root` (an empty folder). Entries that cannot be made (a parent is a file, a name too
    /// long) are left out: the session is whatever the file system took.
    func materialize(at root: String) {
        var made = Set<[UInt8]>()
        for entry in entries {
            guard let parts = Self.components(entry.path) else { continue }
            var path = Array(root.utf8)
            for part in parts.dropLast() {
                path.append(0x2F)
                path += part
                if made.insert(path).inserted { _ = Self.withCPath(path) { mkdir($0, 0o755) } }
            }
            path.append(0x2F)
            path += parts[parts.count - 1]
            switch entry.kind {
            case .directory:
                _ = Self.withCPath(path) { mkdir($0, 0o755) }
            case .file, .sparse:
                let fd = Self.withCPath(path) { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
                guard fd >= 0 else { continue }
                var done = 0
                while done < entry.data.count {
                    let n = entry.data[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    done += n
                }
                if entry.kind == .sparse, entry.size > Int64(entry.data.count) { _ = ftruncate(fd, off_t(entry.size)) }
                close(fd)
            case .symlink:
                var target = entry.data.filter { $0 != 0 }
                if target.isEmpty { target = [0x2E] }
                _ = Self.withCPath(target) { t in Self.withCPath(path) { symlink(t, $0) } }
            case .fifo:
                _ = Self.withCPath(path) { mkfifo($0, 0o644) }
            }
        }
    }

    static func withCPath<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        var terminated = path.map { CChar(bitPattern: $0) }
        terminated.append(0)
        return body(terminated)
    }
}

extension String {
    /// `%XX` for one byte.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789ABCDEF".utf8)
        self = String(decoding: [0x25, digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }
}

// MARK: - Workspace

/// The fuzzer's own temporary folder (one per process), emptied before each input.
enum FuzzWorkspace {
    static let root: String = {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        let path = "\(base)/rigmap-fuzz-\(getpid())"
        removeTree(path)
        mkdir(path, 0o755)
        atexit { FuzzWorkspace.removeTree(FuzzWorkspace.root) }
        return path
    }()

    /// A fresh, empty `run` folder in the workspace.
    static func fresh() -> String {
        let run = root + "/run"
        removeTree(run)
        mkdir(run, 0o755)
        return run
    }

    static func removeTree(_ path: String) { removeTree(Array(path.utf8)) }

    /// `rm -rf path` without following symlinks (a session may hold symlinks to anywhere, loops and FIFOs, and names
    /// that are not UTF-8).
    static func removeTree(_ path: [UInt8]) {
        var info = stat()
        guard SessionArchive.withCPath(path, { lstat($0, &info) }) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            _ = SessionArchive.withCPath(path) { unlink($0) }
            return
        }
        _ = SessionArchive.withCPath(path) { chmod($0, 0o755) }
        for name in names(in: path) { removeTree(path + [0x2F] + name) }
        _ = SessionArchive.withCPath(path) { rmdir($0) }
    }

    /// The names in a folder (without `.` and `..`), sorted.
    static func names(in path: [UInt8]) -> [[UInt8]] {
        guard let dir = SessionArchive.withCPath(path, { opendir($0) }) else { return [] }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// What a tree holds, without following symlinks: every path (relative to `root`, `""` for the root) with its
    /// kind, mode and, for files, size, inode and modification time; a symlink with its target. Two equal snapshots:
    /// nothing was added, removed, replaced or written to.
    static func snapshot(_ root: String) -> [String: String] {
        var out: [String: String] = [:]
        func walk(_ path: [UInt8], _ relative: [UInt8]) {
            var info = stat()
            guard SessionArchive.withCPath(path, { lstat($0, &info) }) == 0 else { return }
            let key = String(decoding: relative, as: UTF8.self)
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                out[key] = "folder \(info.st_mode & 0o7777)"
                for name in names(in: path) { walk(path + [0x2F] + name, relative.isEmpty ? name : relative + [0x2F] + name) }
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: 4096)
                let n = SessionArchive.withCPath(path) { readlink($0, &buffer, buffer.count) }
                out[key] = "symlink \(String(decoding: buffer.prefix(max(0, n)).map { UInt8(bitPattern: $0) }, as: UTF8.self))"
            case S_IFREG:
                // Any write changes the modification time, any rename-over the inode: no need to read the content.
                out[key] = "file \(info.st_size) bytes, inode \(info.st_ino), modified \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec), mode \(info.st_mode & 0o7777)"
            default:
                out[key] = "special \(info.st_mode)"
            }
        }
        walk(Array(root.utf8), [])
        return out
    }

    /// The paths whose entries differ between two snapshots, sorted.
    static func changes(_ before: [String: String], _ after: [String: String]) -> [String] {
        Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
    }
}
