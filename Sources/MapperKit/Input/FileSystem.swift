import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file operations with messages a user can act on (not Foundation's error domains).
///
/// Every read refuses what is not a regular file before opening it (opening a FIFO for reading would block forever),
/// and every failure says what went wrong in words: "no such file", "permission denied", "symlink loop",
/// "is a folder", "not a regular file (a FIFO)".
public enum FileSystem {
    /// What a path names, following symlinks.
    public enum Kind: Sendable, Hashable {
        case file
        case directory
        /// A FIFO, socket or device: never read.
        case special(String)
    }

    /// The kind and size of what `path` names.
    public struct Status: Sendable, Hashable {
        public var kind: Kind
        public var size: Int64
        /// Last modification, in nanoseconds since the epoch (for change detection, never for content).
        public var modified: Int64 = 0
    }

    /// A failed file operation, with a readable reason.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
        public init(errno code: Int32) { reason = FileSystem.describe(errno: code) }
        public init(_ reason: String) { self.reason = reason }
    }

    /// A readable reason for an `errno`.
    public static func describe(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file or folder"
        case EACCES, EPERM: return "permission denied"
        case ELOOP: return "symlink loop (too many levels of symbolic links)"
        case EISDIR: return "is a folder, not a file"
        case ENOTDIR: return "a component of the path is not a folder"
        case ENAMETOOLONG: return "file name too long"
        case EMFILE, ENFILE: return "too many open files"
        case EIO: return "input/output error"
        case ENOSPC: return "no space left on device"
        case EROFS: return "read-only file system"
        case EEXIST: return "already exists"
        default: return String(cString: strerror(code))
        }
    }

    /// `stat` (following symlinks).
    public static func status(_ path: String) throws(Failure) -> Status {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Failure(errno: errno) }
        #if canImport(Darwin)
        let modified = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
        let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
        return Status(kind: kind(info.st_mode), size: Int64(info.st_size), modified: modified)
    }

    /// `lstat`: whether `path` itself is a symlink.
    public static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// The canonical absolute path (symlinks resolved); fails for a missing path or a symlink loop.
    public static func realPath(_ path: String) throws(Failure) -> String {
        guard let resolved = realpath(path, nil) else { throw Failure(errno: errno) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func kind(_ mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFIFO: return .special("a FIFO")
        case S_IFSOCK: return .special("a socket")
        case S_IFCHR: return .special("a character device")
        case S_IFBLK: return .special("a block device")
        default: return .special("not a regular file")
        }
    }

    /// Opens a regular file for reading, refusing folders and special files first.
    private static func openRegular(_ path: String) throws(Failure) -> (fd: Int32, size: Int64) {
        let info = try status(path)
        switch info.kind {
        case .file: break
        case .directory: throw Failure("is a folder, not a file")
        case .special(let what): throw Failure("not a regular file (\(what))")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(errno: errno) }
        return (fd, info.size)
    }

    /// The whole file.
    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        let (fd, size) = try openRegular(path)
        defer { close(fd) }
        var out = [UInt8]()
        out.reserveCapacity(Int(clamping: size))
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(errno: errno)
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    /// The whole file from its start, handed to `body` in consecutive chunks of at most `chunkSize` bytes (each
    /// chunk full except the last), so memory stays at one chunk whatever the file's size. `body` returns `false` to
    /// stop reading early.
    public static func read(_ path: String, chunkSize: Int, _ body: ([UInt8]) -> Bool) throws(Failure) {
        let (fd, _) = try openRegular(path)
        defer { close(fd) }
        let size = max(1, chunkSize)
        while true {
            var chunk = [UInt8](repeating: 0, count: size)
            var done = 0
            while done < size {
                let n = chunk.withUnsafeMutableBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return 0 }
                    return systemRead(fd, base + done, size - done)
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(errno: errno)
                }
                if n == 0 { break }
                done += n
            }
            if done == 0 { return }
            if done < size { chunk.removeLast(size - done) }
            guard body(chunk), done == size else { return }
        }
    }

    /// The bytes of each range (clamped to the file), and the file's size.
    public static func read(_ path: String, ranges: [ClosedRange<Int64>]) throws(Failure) -> (size: Int64, parts: [[UInt8]]) {
        let (fd, size) = try openRegular(path)
        defer { close(fd) }
        var parts: [[UInt8]] = []
        for range in ranges {
            let lower = max(0, range.lowerBound)
            let upper = min(size - 1, range.upperBound)
            guard upper >= lower else {
                parts.append([])
                continue
            }
            let count = Int(upper - lower + 1)
            var part = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = part.withUnsafeMutableBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return 0 }
                    return pread(fd, base + done, count - done, off_t(lower) + off_t(done))
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(errno: errno)
                }
                if n == 0 { break }
                done += n
            }
            parts.append(Array(part[0..<done]))
        }
        return (size, parts)
    }

    /// Writes `bytes` to a new file at `path` (replacing one there).
    public static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(errno: errno) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemWrite(fd, base + done, bytes.count - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(errno: errno)
            }
            done += n
        }
    }

    /// The names in a folder (unsorted; `.` and `..` left out).
    public static func names(in path: String) throws(Failure) -> [String] {
        guard let dir = opendir(path) else { throw Failure(errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
