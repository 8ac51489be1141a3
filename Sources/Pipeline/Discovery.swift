import Foundation
import RigMapperCore

/// The entries of a session folder that mappers may claim, found without walking data the mappers own.
///
/// The walk skips hidden entries (`.ipynb_checkpoints`), goes at most ``maximumDepth`` folders deep, and does not
/// descend into a folder that some pattern claims (a claimed folder is its mapper's: a SmartSPIM acquisition holds
/// millions of plane files, an Open Ephys recording gigabytes of data), so discovery costs a few directory reads
/// whatever the size of the session.
struct SessionListing {
    /// How deep `**` patterns look (AIND assets put Record Nodes at `ecephys/ecephys_clipped/Record Node 101`).
    static let maximumDepth = 5
    /// How many entries the walk lists before it gives up: a folder holding more within ``maximumDepth`` levels, outside
    /// the folders mappers claim, is not a session (`--input /` would otherwise list the whole machine).
    static let maximumEntries = 200_000

    /// Relative path → is a folder, sorted by path.
    let entries: [(path: String, isDirectory: Bool)]
    /// Whether the root itself matched a root pattern (`.` with required paths) — per pattern description.
    let rootMatches: Set<InputPattern>

    /// Lists `input`'s root for `patterns` (every version's patterns of every mapper, or one version's).
    init(_ input: MapperInput, patterns: [InputPattern]) throws(DiagnosticError) {
        var rootMatches = Set<InputPattern>()
        var pruned = Set<String>()
        for pattern in patterns where pattern.claimsRoot {
            if pattern.requires.allSatisfy({ SessionListing.exists($0, in: input) }) {
                rootMatches.insert(pattern)
                for required in pattern.requires { pruned.insert(String(required.split(separator: "/").first ?? "")) }
            }
        }
        var entries: [(String, Bool)] = []
        var pending: [(String, Int)] = [("", 0)]
        while let (folder, depth) = pending.popLast() {
            let listed: [MapperInput.Entry]
            do {
                listed = try input.list(folder)
            } catch {
                if folder.isEmpty { throw error }
                continue  // an unreadable subfolder is not a session error; no pattern can claim inside it
            }
            for entry in listed {
                entries.append((entry.path, entry.isDirectory))
                if entries.count > SessionListing.maximumEntries {
                    throw DiagnosticError(
                        "more than \(SessionListing.maximumEntries) files and folders within \(SessionListing.maximumDepth) levels outside the folders mappers claim: this is not a session folder (name the session's own folder)",
                        at: input.location(""))
                }
                guard entry.isDirectory, depth + 1 < SessionListing.maximumDepth, !pruned.contains(entry.path) else { continue }
                let claimed = patterns.contains { !$0.claimsRoot && $0.matches(entry.path, isDirectory: true) }
                if !claimed { pending.append((entry.path, depth + 1)) }
            }
        }
        self.entries = entries.sorted { $0.0 < $1.0 }
        self.rootMatches = rootMatches
    }

    private static func exists(_ required: String, in input: MapperInput) -> Bool {
        let wantsFolder = required.hasSuffix("/")
        let path = wantsFolder ? String(required.dropLast()) : required
        switch input.kind(of: path) {
        case .directory?: return wantsFolder
        case .file?: return !wantsFolder
        default: return false
        }
    }

    /// What `patterns` claim: `""` for the root itself, else relative paths, sorted. Nothing inside a claimed folder
    /// is claimed again.
    func claims(_ patterns: [InputPattern]) -> [String] {
        if patterns.contains(where: { rootMatches.contains($0) }) { return [""] }
        var claimed: [String] = []
        for entry in entries where patterns.contains(where: { !$0.claimsRoot && $0.matches(entry.path, isDirectory: entry.isDirectory) }) {
            if claimed.contains(where: { entry.path.hasPrefix($0 + "/") }) { continue }
            claimed.append(entry.path)
        }
        return claimed
    }

    /// Top-level documents of `kind` given in the session (`acquisition*.json`), sorted.
    func documents(_ kindMatches: (String) -> Bool) -> [String] {
        entries.filter { !$0.isDirectory && !$0.path.contains("/") && kindMatches($0.path) }.map(\.path)
    }
}
