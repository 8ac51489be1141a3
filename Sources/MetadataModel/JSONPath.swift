import Foundation

/// A location inside a JSON document, e.g. `data_stream_metadata[0].start_time`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// One step: an object key or an array index.
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    public init(arrayLiteral elements: Component...) {
        self.components = elements
    }

    /// The document root.
    public static let root = JSONPath()

    /// This path followed by an object key.
    public func appending(_ key: String) -> JSONPath {
        JSONPath(components + [.key(key)])
    }

    /// This path followed by an array index.
    public func appending(index: Int) -> JSONPath {
        JSONPath(components + [.index(index)])
    }

    /// `$` for the root; keys joined by `.`, indices in brackets; keys that are not plain identifiers quoted.
    public var description: String {
        if components.isEmpty { return "$" }
        var out = ""
        for component in components {
            switch component {
            case .index(let i): out += "[\(i)]"
            case .key(let k):
                let plain = !k.isEmpty && k.unicodeScalars.allSatisfy { $0 == "_" || $0 == "-" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
                if plain {
                    out += out.isEmpty ? k : "." + k
                } else {
                    let escaped = k.replacingEvery("\\", with: "\\\\").replacingEvery("\"", with: "\\\"")
                    out += "[\"\(escaped)\"]"
                }
            }
        }
        return out
    }

    /// The path a ``description`` shows, read back (`$`, `a.b[0]["odd key"]`); `nil` when `text` is not one.
    public init?(parsing text: String) {
        if text == "$" {
            self.init()
            return
        }
        var components: [Component] = []
        var scalars = Substring(text).unicodeScalars[...]
        func isPlain(_ s: Unicode.Scalar) -> Bool {
            s == "_" || s == "-" || (s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s)))
        }
        func plainKey() -> String? {
            let key = String(String.UnicodeScalarView(scalars.prefix(while: isPlain)))
            guard !key.isEmpty else { return nil }
            scalars = scalars.dropFirst(key.unicodeScalars.count)
            return key
        }
        while let first = scalars.first {
            if first == "[" {
                scalars = scalars.dropFirst()
                if scalars.first == "\"" {
                    scalars = scalars.dropFirst()
                    var key = String.UnicodeScalarView()
                    var closed = false
                    while let s = scalars.popFirst() {
                        if s == "\\" {
                            guard let escaped = scalars.popFirst() else { return nil }
                            key.append(escaped)
                        } else if s == "\"" {
                            closed = true
                            break
                        } else {
                            key.append(s)
                        }
                    }
                    guard closed, scalars.popFirst() == "]" else { return nil }
                    components.append(.key(String(key)))
                } else {
                    let digits = String(String.UnicodeScalarView(scalars.prefix { ("0"..."9").contains($0) }))
                    scalars = scalars.dropFirst(digits.unicodeScalars.count)
                    guard let index = Int(digits), scalars.popFirst() == "]" else { return nil }
                    components.append(.index(index))
                }
            } else if components.isEmpty || first == "." {
                if first == "." {
                    guard !components.isEmpty else { return nil }
                    scalars = scalars.dropFirst()
                }
                guard let key = plainKey() else { return nil }
                components.append(.key(key))
            } else {
                return nil
            }
        }
        guard !components.isEmpty else { return nil }
        self.init(components)
    }
}

extension JSONValue {
    /// The value at `path`, if every step exists.
    public subscript(path: JSONPath) -> JSONValue? {
        var current: JSONValue? = self
        for component in path.components {
            switch component {
            case .key(let k): current = current?[k]
            case .index(let i): current = current?[i]
            }
        }
        return current
    }
}
