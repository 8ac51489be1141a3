import Foundation
import MetadataModel
import Yams

/// A YAML value that remembers where each part was written (file, line, column).
///
/// Job files, job types and `MapperConfigs/` files are read into `ConfigValue`s, layered with
/// ``merging(_:)`` (mappings merge key by key, scalars and lists replace), and decoded into a mapper's
/// `Settings` with ``ConfigDecoder``, which reports unknown keys and type mismatches at their `file:line:column`.
public struct ConfigValue: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case null
        /// A scalar: its text and whether it was quoted (quoted text is always a string).
        case scalar(String, quoted: Bool)
        case sequence([ConfigValue])
        case mapping([(key: String, value: ConfigValue)])

        public static func == (a: Kind, b: Kind) -> Bool {
            switch (a, b) {
            case (.null, .null): return true
            case let (.scalar(x, qx), .scalar(y, qy)): return x == y && qx == qy
            case let (.sequence(x), .sequence(y)): return x == y
            case let (.mapping(x), .mapping(y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .null: hasher.combine(0)
            case let .scalar(s, q): hasher.combine(s); hasher.combine(q)
            case let .sequence(x): hasher.combine(x)
            case let .mapping(x):
                for (k, v) in x { hasher.combine(k); hasher.combine(v) }
            }
        }
    }

    public var kind: Kind
    /// Where the value was written; `nil` for values made in code.
    public var location: SourceLocation?
    /// Where the key of this mapping member was written (`setings:` on line 6 is at 6:5 even when its value is on
    /// line 7); `nil` for values that are no mapping member, or made in code. Errors about the key point here.
    public var keyLocation: SourceLocation?

    /// The key's location when known, else the value's: where an error about a member's key points.
    public var keyOrValueLocation: SourceLocation? { keyLocation ?? location }

    public init(_ kind: Kind, location: SourceLocation? = nil) {
        self.kind = kind
        self.location = location
    }

    public static func == (a: ConfigValue, b: ConfigValue) -> Bool { a.kind == b.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }

    /// An empty mapping.
    public static let emptyMapping = ConfigValue(.mapping([]))

    /// The member `key` of a mapping.
    public subscript(key: String) -> ConfigValue? {
        guard case .mapping(let members) = kind else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// The keys of a mapping, in order.
    public var keys: [String] {
        guard case .mapping(let members) = kind else { return [] }
        return members.map(\.key)
    }

    /// The scalar text, when this is an unquoted or quoted scalar.
    public var scalarText: String? {
        if case .scalar(let s, _) = kind { return s }
        return nil
    }

    /// `true` for YAML null (`null`, `~`, empty).
    public var isNull: Bool {
        if case .null = kind { return true }
        return false
    }

    /// This value with `overlay` laid over it: mappings merge key by key (recursively), anything else replaces.
    public func merging(_ overlay: ConfigValue) -> ConfigValue {
        guard case .mapping(var base) = kind, case .mapping(let top) = overlay.kind else { return overlay }
        for (key, value) in top {
            if let i = base.firstIndex(where: { $0.key == key }) {
                base[i].value = base[i].value.merging(value)
            } else {
                base.append((key, value))
            }
        }
        return ConfigValue(.mapping(base), location: overlay.location ?? location)
    }

    /// A copy whose every location names `file` (used when a value is read from text).
    func located(in file: String) -> ConfigValue {
        var copy = self
        copy.location?.file = file
        switch kind {
        case .sequence(let items): copy.kind = .sequence(items.map { $0.located(in: file) })
        case .mapping(let members): copy.kind = .mapping(members.map { ($0.key, $0.value.located(in: file)) })
        default: break
        }
        return copy
    }
}

extension ConfigValue {
    /// What to do with YAML anchors and aliases (`&name`, `*name`) and merge keys (`<<`).
    public enum AliasPolicy: Sendable {
        /// Refuse them at their `file:line:column` (job files, configs, locks: plain data, and a few lines of aliases
        /// can otherwise expand to billions of values).
        case refuse
        /// Expand them, merge keys included, but refuse a document that expands past `maximumNodes` values
        /// (instrument vendors' `device.yml` files use anchors and merge keys).
        case expand(maximumNodes: Int)
    }

    /// Reads one YAML document. An empty document is an empty mapping.
    ///
    /// - Parameter file: the name used in error locations.
    /// - Throws: ``DiagnosticError`` with `file:line:column` for malformed YAML, a non-string key, a duplicate key, or an
    ///   alias the policy refuses.
    public static func parseYAML(_ text: String, file: String, aliases: AliasPolicy = .refuse) throws(DiagnosticError) -> ConfigValue {
        let node: Node?
        do {
            // No implicit tag resolution: scalars stay text (typed later by what reads them, nulls found by
            // `Node.null`, merge keys by their text), and Yams' default resolver ran several regular expressions over
            // every plain scalar (a sixth of the instructions of mapping one fiber asset went to reading two small YAML files).
            // Composing builds no values, so the constructor is an empty one (Yams' default builds tables of
            // closures, 0.56 M instructions per process); UTF-8 is what a Swift string holds (the default looks it up
            // in the environment, YAMS_DEFAULT_ENCODING, which would make reading depend on it).
            node = try Yams.compose(yaml: text, .basic, Constructor([:], [:], [:]), .utf8)
        } catch let error as YamlError {
            throw DiagnosticError([yamlDiagnostic(error, file: file)])
        } catch {
            throw DiagnosticError("cannot read YAML: \(error)", at: SourceLocation(file: file))
        }
        guard let node else { return ConfigValue(.mapping([]), location: SourceLocation(file: file, line: 1, column: 1)) }
        var converter = Converter(file: file, policy: aliases)
        let value = converter.convert(node, at: nil)
        try converter.collector.check()
        return value
    }

    /// Reads a YAML file.
    public static func load(contentsOf url: URL, displayName: String? = nil) throws(DiagnosticError) -> ConfigValue {
        let name = displayName ?? url.path
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(url.path)
        } catch {
            throw DiagnosticError("cannot read file: \(error.reason)", at: SourceLocation(file: name))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DiagnosticError("file is not valid UTF-8", at: SourceLocation(file: name))
        }
        return try parseYAML(text, file: name)
    }

    /// Converts composed YAML nodes. Yams resolves an alias to the node its anchor names (sharing it, so composing is
    /// cheap); a node met a second time at the same position is therefore an alias use. Refused, or counted against
    /// the budget, before anything is copied.
    private struct Converter {
        let file: String
        let policy: AliasPolicy
        var collector = DiagnosticCollector()
        var seen = Set<String>()
        var count = 0
        var exhausted = false

        init(file: String, policy: AliasPolicy) {
            self.file = file
            self.policy = policy
        }

        func location(_ mark: Mark?) -> SourceLocation {
            SourceLocation(file: file, line: mark?.line, column: mark?.column)
        }

        /// `false` when the node may not be converted (an alias the policy refuses, or the budget is spent).
        mutating func admit(_ kind: String, _ mark: Mark?, isEmpty: Bool, at use: Mark?) -> Bool {
            if exhausted { return false }
            count += 1
            switch policy {
            case .refuse:
                guard !isEmpty, let mark else { return true }
                if !seen.insert("\(kind):\(mark.line):\(mark.column)").inserted {
                    collector.error(
                        "YAML aliases are not supported here (this value repeats the anchored value at line \(mark.line), column \(mark.column)); write the value out",
                        at: location(use ?? mark))
                    return false
                }
            case .expand(let maximum):
                if count > maximum {
                    collector.error("YAML document expands to more than \(maximum) values (anchors and aliases); refused", at: location(use ?? mark))
                    exhausted = true
                    return false
                }
            }
            return true
        }

        mutating func convert(_ node: Node, at use: Mark?) -> ConfigValue {
            switch node {
            case .scalar(let scalar):
                let loc = location(scalar.mark)
                guard admit("v", scalar.mark, isEmpty: scalar.string.isEmpty, at: use) else { return ConfigValue(.null, location: loc) }
                let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted || scalar.style == .literal || scalar.style == .folded
                if !quoted && node.null != nil { return ConfigValue(.null, location: loc) }
                return ConfigValue(.scalar(scalar.string, quoted: quoted), location: loc)
            case .sequence(let sequence):
                guard admit("s", sequence.mark, isEmpty: false, at: use) else { return ConfigValue(.null, location: location(sequence.mark)) }
                var items: [ConfigValue] = []
                for item in sequence { items.append(convert(item, at: sequence.mark)) }
                return ConfigValue(.sequence(items), location: location(sequence.mark))
            case .mapping(let mapping):
                guard admit("m", mapping.mark, isEmpty: false, at: use) else { return ConfigValue(.null, location: location(mapping.mark)) }
                var members: [(key: String, value: ConfigValue)] = []
                var merged: [(key: String, value: ConfigValue)] = []
                for (k, v) in mapping {
                    guard case .scalar(let keyScalar) = k else {
                        collector.error("mapping keys must be plain strings", at: location(k.mark))
                        continue
                    }
                    if keyScalar.string == "<<" && keyScalar.style == .plain {
                        guard case .expand = policy else {
                            collector.error("YAML merge keys (<<) are not supported here", at: location(keyScalar.mark))
                            continue
                        }
                        let source = convert(v, at: keyScalar.mark)
                        let sources: [ConfigValue]
                        switch source.kind {
                        case .sequence(let list): sources = list
                        default: sources = [source]
                        }
                        for item in sources {
                            guard case .mapping(let pairs) = item.kind else {
                                collector.error("a merge key (<<) must name a mapping or a list of mappings", at: location(keyScalar.mark))
                                continue
                            }
                            for pair in pairs where !merged.contains(where: { $0.key == pair.key }) { merged.append(pair) }
                        }
                        continue
                    }
                    if members.contains(where: { $0.key == keyScalar.string }) {
                        collector.error("duplicate key '\(keyScalar.string)'", at: location(keyScalar.mark))
                        continue
                    }
                    var value = convert(v, at: keyScalar.mark)
                    if value.location == nil { value.location = location(keyScalar.mark) }
                    value.keyLocation = location(keyScalar.mark)
                    members.append((keyScalar.string, value))
                }
                // Keys written in the mapping win over merged ones (YAML merge-key semantics).
                for pair in merged where !members.contains(where: { $0.key == pair.key }) { members.append(pair) }
                return ConfigValue(.mapping(members), location: location(mapping.mark))
            case .alias(let alias):
                collector.error("YAML aliases are not supported here", at: location(alias.mark))
                return ConfigValue(.null, location: location(alias.mark))
            }
        }
    }

    private static func yamlDiagnostic(_ error: YamlError, file: String) -> Diagnostic {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let message = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return Diagnostic(.error, "malformed YAML: \(message)", at: SourceLocation(file: file, line: mark.line, column: mark.column))
        case let .duplicatedKeysInMapping(duplicates, context):
            return Diagnostic(
                .error, "duplicate key(s) \(duplicates.map { "'\($0)'" }.joined(separator: ", "))",
                at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column))
        case let .reader(problem, offset, _, _):
            return Diagnostic(.error, "malformed YAML: \(problem)", at: SourceLocation(file: file, byteOffset: offset))
        default:
            return Diagnostic(.error, "malformed YAML: \(error)", at: SourceLocation(file: file))
        }
    }
}

extension ConfigValue {
    /// The value as JSON, mappings in order: a stable form to hash and to print. Unquoted scalars that read as
    /// JSON numbers or YAML booleans become numbers and booleans; everything else is a string.
    public var jsonValue: JSONValue {
        switch kind {
        case .null: return .null
        case .scalar(let s, let quoted):
            if !quoted {
                switch s {
                case "true", "True", "TRUE": return .bool(true)
                case "false", "False", "FALSE": return .bool(false)
                default:
                    if let first = s.utf8.first, first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")),
                        case .number(let n)? = try? JSONParser.parse(s)
                    {
                        return .number(n)
                    }
                }
            }
            return .string(s)
        case .sequence(let items): return .array(items.map(\.jsonValue))
        case .mapping(let members):
            var object = JSONObject()
            for (k, v) in members { object[k] = v.jsonValue }
            return .object(object)
        }
    }

    /// Every leaf (scalar, list, null, or empty mapping) with its dotted path, in order.
    public var leaves: [(path: String, value: ConfigValue)] {
        func walk(_ v: ConfigValue, _ prefix: String, _ out: inout [(path: String, value: ConfigValue)]) {
            if case .mapping(let members) = v.kind, !members.isEmpty {
                for (k, child) in members { walk(child, prefix.isEmpty ? k : prefix + "." + k, &out) }
            } else {
                out.append((prefix, v))
            }
        }
        var out: [(path: String, value: ConfigValue)] = []
        walk(self, "", &out)
        return out
    }

    /// Whether a mapping path (dotted keys) exists in this value.
    public func contains(path: String) -> Bool {
        var current: ConfigValue? = self
        for key in path.split(separator: ".") { current = current?[String(key)] }
        return current != nil
    }

    /// The value at a dotted mapping path.
    public func value(at path: String) -> ConfigValue? {
        var current: ConfigValue? = self
        for key in path.split(separator: ".") { current = current?[String(key)] }
        return current
    }
}
