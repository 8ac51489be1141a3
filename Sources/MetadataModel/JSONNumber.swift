/// A JSON number that keeps the text it was written with.
///
/// Integers (no fraction, no exponent) are kept digit for digit, whatever their size. Other numbers are
/// floats: the reference writer (pydantic-core) prints them in the shortest form that reads back to the same
/// `Double`, `.0` for integral values and an exponent outside `1e-5 ..< 1e16` (`1e-7`, `1.5e300`), and so does
/// ``JSONWriter``.
public struct JSONNumber: Sendable, CustomStringConvertible {
    /// The number as written in the source, or as formatted when made from a Swift value.
    public let literal: String
    /// `true` when the literal has neither a fraction nor an exponent.
    public let isInteger: Bool

    /// Makes a number from a literal already checked against the JSON grammar.
    init(validatedLiteral literal: String) {
        self.literal = literal
        self.isInteger = !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// An integer.
    public init(_ value: Int) {
        literal = String(value)
        isInteger = true
    }

    /// A float; written as pydantic writes a `float` field.
    public init(_ value: Double) {
        literal = JSONNumber.format(value)
        isInteger = false
    }

    /// The value as a `Double` (integers beyond 2^53 lose precision here, never in ``literal``). The integer `-0` is
    /// `0.0`, as pydantic reads the JSON integer `-0` into a float field; the float literal `-0.0` stays negative.
    public var doubleValue: Double {
        guard let value = Double(literal) else { return .nan }
        return isInteger && value == 0 ? 0 : value
    }

    /// The value as an `Int` when it is an integer that fits.
    public var intValue: Int? { isInteger ? Int(literal) : nil }

    /// The text the reference writer gives this number.
    public var description: String {
        isInteger || JSONNumber.isCanonicalFloat(literal) ? literal : JSONNumber.format(doubleValue)
    }

    /// Whether a float literal is already what ``format(_:)`` would write: plain notation (`47132.0`, `0.00035`,
    /// `-1.5`), no redundant zeros, at most 15 significant digits (so it is the shortest text of its double), and in
    /// the range written without an exponent. Checked on bytes; formatting costs thousands of instructions.
    static func isCanonicalFloat(_ literal: String) -> Bool {
        var digits = 0  // significant digits
        var state = 0  // 0 sign, 1 integer part, 2 fraction
        var integerDigits = 0
        var integerIsZero = false
        var leadingFractionZeros = 0
        var fractionDigits = 0
        var lastFractionDigit: UInt8 = 0
        for byte in literal.utf8 {
            switch byte {
            case UInt8(ascii: "-") where state == 0:
                state = 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if state == 0 { state = 1 }
                if state == 1 {
                    if integerDigits == 0 && byte == UInt8(ascii: "0") { integerIsZero = true } else if integerIsZero { return false }
                    integerDigits += 1
                    if !integerIsZero { digits += 1 }
                } else {
                    fractionDigits += 1
                    if integerIsZero && digits == 0 && byte == UInt8(ascii: "0") {
                        leadingFractionZeros += 1
                    } else {
                        digits += 1
                    }
                    lastFractionDigit = byte
                }
            case UInt8(ascii: ".") where state == 1 && integerDigits > 0:
                state = 2
            default:
                return false  // an exponent, a second point, anything else
            }
        }
        guard state == 2, fractionDigits > 0, digits <= 15, integerDigits <= 16 else { return false }
        if digits == 0 { return fractionDigits == 1 }  // 0.0 (and -0.0)
        if fractionDigits == 1 && lastFractionDigit == UInt8(ascii: "0") { return !integerIsZero }  // 47132.0
        if lastFractionDigit == UInt8(ascii: "0") { return false }  // 1.50
        return !integerIsZero || leadingFractionZeros <= 4  // 0.00001 is plain, 0.000001 is 1e-6
    }

    /// Formats a `Double` as pydantic-core (serde_json with ryu) does.
    ///
    /// Swift's `description` gives the same shortest round-trip digits; only the layout differs
    /// (`1e-07` → `1e-7`, `1e-05` → `0.00001`, `1e+16` → `1e16`).
    public static func format(_ value: Double) -> String {
        if value.isNaN || value.isInfinite { return "null" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, exponent) = decompose(value)
        // value = 0.digits × 10^exponent, i.e. 10^(exponent-1) <= |value| < 10^exponent
        let length = digits.count
        let kk = exponent
        let k = kk - length
        var out = negative ? "-" : ""
        if k >= 0 && kk <= 16 {
            out += digits + String(repeating: "0", count: k) + ".0"
        } else if kk > 0 && kk <= 16 {
            let i = digits.index(digits.startIndex, offsetBy: kk)
            out += digits[..<i] + "." + digits[i...]
        } else if kk > -5 && kk <= 0 {
            out += "0." + String(repeating: "0", count: -kk) + digits
        } else {
            let first = digits.prefix(1)
            let rest = digits.dropFirst()
            out += first + (rest.isEmpty ? "" : "." + rest) + "e" + String(kk - 1)
        }
        return out
    }

    /// Splits a finite non-zero `Double` into sign, shortest significant digits and decimal exponent.
    private static func decompose(_ value: Double) -> (Bool, String, Int) {
        let text = Swift.abs(value).description  // e.g. "1.5e-07", "0.0001", "123.25", "1e+16"
        var mantissa = Substring(text)
        var exp10 = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exp10 = Int(text[text.index(after: e)...]) ?? 0
        }
        var intPart = mantissa
        var fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(intPart) + String(fracPart)
        var exponent = intPart.count + exp10
        // strip leading zeros (0.0001 → "00001")
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (value < 0, digits, exponent)
    }
}

extension JSONNumber: Hashable {
    /// Numbers compare by value, as Python compares `1 == 1.0`; two integers compare exactly.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.isInteger && rhs.isInteger, let a = lhs.canonicalInteger, let b = rhs.canonicalInteger {
            return a == b
        }
        return lhs.doubleValue == rhs.doubleValue
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(doubleValue)
    }

    /// Integer literal without a redundant sign on zero (`-0` → `0`).
    private var canonicalInteger: String? {
        literal == "-0" ? "0" : literal
    }
}
