extension JSONValue {
    /// Equality as the reference's models see it: object members compared regardless of order, numbers by value
    /// (`1` equals `1.0`), arrays element by element in order.
    public func isEquivalent(to other: JSONValue) -> Bool {
        switch (self, other) {
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let theirs = b[key], value.isEquivalent(to: theirs) else { return false }
            }
            return true
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isEquivalent(to: $1) }
        default:
            return self == other
        }
    }
}
