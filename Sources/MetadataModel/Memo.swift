/// Values computed once per key and process, shared by every thread: parsed schemas, compiled contracts, parsed
/// configs. The one cache type of the code base (each used to roll its own).
///
/// Two threads asking for a missing key at once may both compute it; the first to finish is kept and both get it.
/// Computing must therefore be a pure function of the key — it is, for every use: parsing embedded text, compiling a
/// schema. A failure is not cached unless the value type holds it (`Result`), so a later caller tries again.
public final class Memo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let values = Locked<[Key: Value]>([:])

    public init() {}

    /// The value of `key`, computed by `make` the first time.
    public func value<E: Error>(for key: Key, _ make: () throws(E) -> Value) throws(E) -> Value {
        if let known = values.withLock({ $0[key] }) { return known }
        let made = try make()
        return values.withLock { values in
            if let existing = values[key] { return existing }
            values[key] = made
            return made
        }
    }

    /// The value of `key`, if it was computed.
    public func cached(_ key: Key) -> Value? {
        values.withLock { $0[key] }
    }
}
