import Foundation
import SystemPackage

/// Path names as text, for every path a user can type: one character (`b`), `.`, `..`, `/`, trailing slashes,
/// repeated slashes and non-ASCII names.
///
/// Foundation's `NSString` path helpers are not used: on Linux `deletingLastPathComponent` traps on a one-character
/// path such as `b`.
/// These go through swift-system's `FilePath`, which handles every case above without trapping.
public enum PathNames {
    /// The folder part of `path` as written: `""` for a bare name (`b`), `/` for `/b`, `a` for `a/b/`.
    public static func parent(_ path: String) -> String {
        FilePath(path).removingLastComponent().string
    }

    /// The last component (`b` for `a/b/`), or `path` itself when it has none (`/`, `""`).
    public static func lastComponent(_ path: String) -> String {
        FilePath(path).lastComponent?.string ?? path
    }

    /// `name` appended to `base` with one separator (`base` empty: `name`).
    public static func appending(_ base: String, _ name: String) -> String {
        guard !base.isEmpty else { return name }
        return FilePath(base).appending(name).string
    }
}

/// Where two paths stand relative to each other, symlinks resolved (for refusing outputs inside inputs).
public enum PathRelation {
    /// The canonical form of `path`: its longest existing prefix with symlinks resolved, then the rest with `.` and
    /// `..` applied lexically (a folder that does not exist yet will be created with that name, so `sub/..` in a
    /// path to be written names the folder `sub` is created in).
    public static func canonical(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? FilePath(path) : FilePath(FileManager.default.currentDirectoryPath).pushing(FilePath(path))
        // Resolve the longest prefix that exists, then apply the remaining components (`..` included) to it.
        var prefix = absolute
        var remaining: [FilePath.Component] = []
        var base = FilePath("/")
        while !prefix.components.isEmpty {
            if let resolved = try? FileSystem.realPath(prefix.string) {
                base = FilePath(resolved)
                break
            }
            if let last = prefix.lastComponent { remaining.append(last) }
            prefix.removeLastComponent()
        }
        for component in remaining.reversed() { base.append(component) }
        return base.lexicallyNormalized().string
    }

    /// Whether `inner` is `outer` or inside it.
    public static func isWithin(_ inner: String, _ outer: String) -> Bool {
        let a = canonical(inner)
        let b = canonical(outer)
        return a == b || a.hasPrefix(b == "/" ? "/" : b + "/")
    }
}
