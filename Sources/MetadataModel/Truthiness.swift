extension JSONValue {
    /// Python truthiness, as aind-data-schema's merge rules and validators test fields: `null`, `false`, `0`, `""`,
    /// `[]` are false; a model object is true (even with no members).
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n.doubleValue != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object: return true
        }
    }
}
