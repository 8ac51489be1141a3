import Foundation

/// Where two paths stand relative to each other, symlinks resolved (for refusing outputs inside inputs).
public enum PathRelation {
    /// The canonical form of `path`, or of its nearest existing ancestor joined with the rest.
    public static func canonical(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var existing = absolute
        var rest: [String] = []
        while !existing.isEmpty && existing != "/" {
            if let resolved = try? FileSystem.realPath(existing) {
                return ([resolved] + rest.reversed()).joined(separator: "/").replacingEvery("//", with: "/")
            }
            rest.append((existing as NSString).lastPathComponent)
            existing = (existing as NSString).deletingLastPathComponent
        }
        return (["/"] + rest.reversed()).joined(separator: "/").replacingEvery("//", with: "/")
    }

    /// Whether `inner` is `outer` or inside it.
    public static func isWithin(_ inner: String, _ outer: String) -> Bool {
        let a = canonical(inner)
        let b = canonical(outer)
        return a == b || a.hasPrefix(b == "/" ? "/" : b + "/")
    }
}
