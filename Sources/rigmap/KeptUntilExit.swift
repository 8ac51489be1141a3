/// Large parsed documents are left for the process's exit to free: releasing a tree of a few hundred thousand nodes
/// one node at a time costs tens of milliseconds that a command about to exit has no use for (what compilers call
/// "disable free"). Only the command-line tool does this; the libraries free everything they make.
enum KeptUntilExit {
    private final class Box<Value>: Sendable where Value: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    /// Keeps `value` alive until the process exits.
    static func keep<Value: Sendable>(_ value: Value) {
        _ = Unmanaged.passRetained(Box(value))
    }
}
