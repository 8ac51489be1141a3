import MetadataModel

/// What a 2.9.2 document cannot say but biodata-schema 3.0.0 requires, given by the user (never guessed), and how
/// losses are treated.
///
/// The same keys come from `rigmap upgrade --set SECTION.KEY=VALUE`, from `--settings FILE` and from a job's
/// `upgrade:` section:
///
/// | key | value | used when |
/// |---|---|---|
/// | `instrument.global_coordinate_system` | a `CoordinateSystem` object (JSON) | the instrument's is null (RigMapper's own 2.9.2 instruments may leave it null) |
/// | `code.version` | text | a `Code` entry has neither `version` nor `commit_hash` |
/// | `code.commit_hash` | text | the same |
/// | `transforms.local_frame` | `true` / `false` | a `Translation` or `Rotation` with `reference_coordinate_system: global` sized for its device's local frame (2.9.2 checked it against the nearest frame, 3.0.0 against the global one): mark it `local` instead of refusing the document |
public struct UpgradeSettings: Sendable, Hashable {
    /// `instrument.global_coordinate_system`.
    public var instrumentGlobalCoordinateSystem: JSONValue?
    /// `code.version`.
    public var codeVersion: String?
    /// `code.commit_hash`.
    public var codeCommitHash: String?
    /// `transforms.local_frame`.
    public var transformsLocalFrame = false
    /// `--allow-loss`: a value 3.0.0 cannot hold is dropped (quoted in the report) instead of carried into `notes`,
    /// or instead of refusing the document when nothing can carry it.
    public var allowLoss = false

    public init() {}

    /// Every key, as `SECTION.KEY`.
    public static let keys = ["instrument.global_coordinate_system", "code.version", "code.commit_hash", "transforms.local_frame"]

    /// Applies one `SECTION.KEY=VALUE` assignment. VALUE is JSON when it parses as JSON, else text.
    public mutating func set(_ assignment: String) throws(UpgradeSettingsError) {
        guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
            throw UpgradeSettingsError("--set expects SECTION.KEY=VALUE, got '\(assignment)'")
        }
        let key = String(assignment[..<eq])
        let text = String(assignment[assignment.index(after: eq)...])
        let value: JSONValue = (try? JSONParser.parse(text)) ?? .string(text)
        try set(key, value, rawText: text, source: "--set \(key)")
    }

    /// Applies a settings mapping `{SECTION: {KEY: VALUE}}` (a `--settings` file, a job's `upgrade:` section), or one
    /// with the sections under an `upgrade` key. `source` names it in errors.
    public mutating func apply(_ mapping: JSONValue, source: String) throws(UpgradeSettingsError) {
        guard case .object(var sections) = mapping else {
            throw UpgradeSettingsError("\(source): the upgrade settings must be a mapping of sections (instrument, code, transforms), not \(mapping.typeName)")
        }
        if sections.count == 1, case .object(let inner)? = sections["upgrade"] { sections = inner }
        for (section, members) in sections {
            guard case .object(let members) = members else {
                throw UpgradeSettingsError("\(source): upgrade section '\(section)' must be a mapping of keys, not \(members.typeName)")
            }
            for (key, value) in members {
                let text: String? = value.stringValue ?? value.numberValue?.literal
                try set("\(section).\(key)", value, rawText: text, source: "\(source): \(section).\(key)")
            }
        }
    }

    private mutating func set(_ key: String, _ value: JSONValue, rawText: String?, source: String) throws(UpgradeSettingsError) {
        switch key {
        case "instrument.global_coordinate_system":
            guard case .object = value else {
                throw UpgradeSettingsError("\(source): must be a CoordinateSystem object (JSON), e.g. {\"name\": \"BREGMA_ARI\", \"origin\": \"Bregma\", \"axes\": [...], \"axis_unit\": \"micrometer\"}")
            }
            instrumentGlobalCoordinateSystem = value
        case "code.version", "code.commit_hash":
            // Versions such as 1.0 are text in 3.0.0, whatever JSON they would parse as.
            guard let text = rawText, !text.isEmpty, text.utf8.count <= 65_536 else {
                throw UpgradeSettingsError("\(source): must be non-empty text of at most 64 KiB")
            }
            if key == "code.version" { codeVersion = text } else { codeCommitHash = text }
        case "transforms.local_frame":
            guard let flag = value.boolValue else { throw UpgradeSettingsError("\(source): must be true or false") }
            transformsLocalFrame = flag
        default:
            throw UpgradeSettingsError("\(source): unknown upgrade setting '\(key)'; known: \(UpgradeSettings.keys.joined(separator: ", "))")
        }
    }

    /// The settings as a mapping, keys sorted (for locks and reports).
    public var jsonValue: JSONValue {
        var sections = JSONObject()
        if let codeCommitHash { sections["code"] = merged(sections["code"], "commit_hash", .string(codeCommitHash)) }
        if let codeVersion { sections["code"] = merged(sections["code"], "version", .string(codeVersion)) }
        if let instrumentGlobalCoordinateSystem { sections["instrument"] = ["global_coordinate_system": instrumentGlobalCoordinateSystem] }
        if transformsLocalFrame { sections["transforms"] = ["local_frame": true] }
        return .object(sections)
    }

    private func merged(_ section: JSONValue?, _ key: String, _ value: JSONValue) -> JSONValue {
        var object = section?.objectValue ?? [:]
        object[key] = value
        return .object(object)
    }
}

/// A settings value or key that cannot be used.
public struct UpgradeSettingsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
