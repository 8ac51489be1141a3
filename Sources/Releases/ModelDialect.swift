import MetadataModel

/// How a schema release's models read a JSON document beyond what its exported JSON Schema says: the hook through
/// which the generic JSON Schema engine (`JSONSchemaValidator` in the `Validation` module) applies a release's model
/// layer. The engine holds no release-specific rule; it asks its dialect.
///
/// What the engine asks, and when:
/// - ``laxScalars``, once per validator: pydantic's lax JSON mode for scalars (numeric strings for numbers, `0`/`1`
///   and words such as `yes` for booleans, booleans as 1/0 for non-`Decimal` numbers, Unix times and naive values
///   for `date-time`); also whether model objects get their defaults filled for the release's rules;
/// - ``coercesObjectType``, once per validator: whether a model object's `object_type` is set to the model's own
///   whatever it holds (only a discriminated union reads it);
/// - ``unitVariable(ofUnit:)`` and ``isGoverned(_:by:)``, through ``unitFields(in:)`` once per model schema when it
///   is compiled: the model's unit rule as pairs of a unit field and the fields it governs;
/// - ``unitIsMissing(_:)`` and ``governedIsSet(_:)``, while validating a model object that has unit pairs: a unit
///   that is missing while a field it governs is set is an error.
///
/// A model object is an object whose schema has an `object_type` property (pydantic's models in both carried
/// releases). A release whose models follow other rules supplies its own dialect (see README, "Adding a schema
/// release").
public protocol ModelDialect: Sendable {
    /// Whether pydantic's lax JSON coercions of scalars apply (and models are filled with their defaults).
    var laxScalars: Bool { get }
    /// Whether a model's `object_type` is coerced to the model's own.
    var coercesObjectType: Bool { get }
    /// The variable a unit field governs (`power` for `power_unit`); `nil` when `name` is no unit field.
    func unitVariable(ofUnit name: String) -> String?
    /// Whether field `name` is one the unit of `variable` governs (the unit field itself aside).
    func isGoverned(_ name: String, by variable: String) -> Bool
    /// Whether a unit field's value (its default when absent, `null` when it has none) leaves the unit missing.
    func unitIsMissing(_ value: JSONValue) -> Bool
    /// Whether a governed field's value (its default when absent, `null` when it has none) counts as set.
    func governedIsSet(_ value: JSONValue) -> Bool
}

extension ModelDialect {
    /// The unit rule of a model whose properties are `names`, in schema order: each unit field with the fields it
    /// governs (in schema order). Empty when the model has none.
    public func unitFields(in names: [String]) -> [(unit: String, governed: [String])] {
        var pairs: [(unit: String, governed: [String])] = []
        for key in names {
            guard let variable = unitVariable(ofUnit: key) else { continue }
            pairs.append((key, names.filter { $0 != key && isGoverned($0, by: variable) }))
        }
        return pairs
    }
}

/// The dialect of the aind-data-schema model family (pydantic 2 in lax JSON mode, `object_type` coercion, and the
/// `DataModel.unit_validator`): a `<x>_unit` field governs every other field whose name contains `<x>`.
///
/// The two carried releases differ only in what "set" means for a governed field: aind-data-schema 2.9.2 tests
/// the dumped value's truthiness (`0`, `""`, `[]`, `{}` are not set), biodata-schema 3.0.0 tests `is not None`.
public struct PydanticModelDialect: ModelDialect {
    /// How a governed field counts as set.
    public enum Presence: Sendable, Hashable {
        /// Python truthiness of the dumped value (aind-data-schema 2.x).
        case truthy
        /// Any value but `null` (biodata-schema 3.0.0).
        case notNull
    }

    public let governedPresence: Presence

    public init(governedPresence: Presence) {
        self.governedPresence = governedPresence
    }

    public var laxScalars: Bool { true }
    public var coercesObjectType: Bool { true }

    public func unitVariable(ofUnit name: String) -> String? { UnitNames.variable(ofUnit: name) }

    public func isGoverned(_ name: String, by variable: String) -> Bool { UnitNames.contains(name, variable) }

    public func unitIsMissing(_ value: JSONValue) -> Bool { !value.isTruthy }

    public func governedIsSet(_ value: JSONValue) -> Bool {
        switch governedPresence {
        case .truthy: return value.isTruthy
        case .notNull: return value != .null
        }
    }
}

/// Byte-level name tests for the unit rule.
enum UnitNames {
    /// `power` for `power_unit`; the text before the last `_unit` of a name that contains it.
    static func variable(ofUnit key: String) -> String? {
        let bytes = Array(key.utf8)
        let marker = Array("_unit".utf8)
        guard bytes.count >= marker.count else { return nil }
        var i = bytes.count - marker.count
        while i >= 0 {
            if Array(bytes[i..<(i + marker.count)]) == marker {
                return i == 0 ? nil : String(decoding: bytes[..<i], as: UTF8.self)
            }
            i -= 1
        }
        return nil
    }

    /// Whether `name` contains `part`, compared as UTF-8 bytes (Python's `in` on these ASCII field names), without
    /// copying either (the upgrade asks it for every field of every model object).
    static func contains(_ name: String, _ part: String) -> Bool {
        if part.isEmpty { return true }
        var name = name
        var part = part
        return name.withUTF8 { haystack in
            part.withUTF8 { needle in
                guard haystack.count >= needle.count else { return false }
                for start in 0...(haystack.count - needle.count) {
                    var k = 0
                    while k < needle.count && haystack[start + k] == needle[k] { k += 1 }
                    if k == needle.count { return true }
                }
                return false
            }
        }
    }
}
