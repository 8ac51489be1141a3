/// Test hooks that make a process fail at a chosen point, the way a real fault would: `RIGMAP_FAILPOINTS` holds
/// comma-separated `name=value` pairs, read once per process.
///
/// They exist so that tests (and CI) can check what happens when a session traps, hangs or runs out of memory, or
/// when a process is killed half-way through writing its outputs, without crafting an input for each fault. Nothing
/// happens unless the variable is set; no input file can set it.
///
/// | name | value | effect |
/// |---|---|---|
/// | `session-trap` | a session folder name | the batch worker mapping that session traps (a Swift runtime trap) |
/// | `session-hang` | a session folder name | it never finishes (until the batch's per-session time limit) |
/// | `session-memory` | a session folder name | it allocates memory until the batch's memory limit stops it |
/// | `commit-kill-after` | a count N | a multi-file commit sends itself SIGKILL after its N-th rename |
/// | `catalog-fail` | a session folder name | recording that session in the batch catalog fails |
public enum Failpoints {
    /// The value of failpoint `name`, if set.
    public static func value(_ name: String) -> String? {
        configured.first { $0.name == name }?.value
    }

    /// Whether failpoint `name` is set to `value` (one of several values separated by `|`: `session-trap=a|b`).
    public static func matches(_ name: String, _ value: String) -> Bool {
        guard let set = self.value(name) else { return false }
        return set.split(separator: "|").contains { $0 == value }
    }

    private static let configured: [(name: String, value: String)] = {
        guard let text = ProcessEnvironment.value("RIGMAP_FAILPOINTS"), !text.isEmpty else { return [] }
        return text.split(separator: ",").compactMap { pair in
            guard let eq = pair.firstIndex(of: "=") else { return nil }
            return (String(pair[..<eq]), String(pair[pair.index(after: eq)...]))
        }
    }()
}
