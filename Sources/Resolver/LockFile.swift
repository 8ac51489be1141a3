import Foundation
import RigMapperCore
import Version

/// A `rigmap.lock` (YAML): pinned mapper versions, and for outputs, what produced them.
///
/// The same format serves two purposes:
/// - an **experiment lock** (`rigmap pin --experiment DIR`): `mappers:` pins each mapper to a version so every session
///   of the experiment is mapped the same way, even after newer versions ship;
/// - **provenance** beside outputs (written by `rigmap map` and `rigmap gather`, identically for the same input):
///   `mappers:` as resolved plus `outputs:`, which records for each output file the mapper version, the sha256 of the
///   merged settings, of the output itself, and of everything the mapper read (each read by its key, see
///   `InputRead`, and their combined `input_sha256`). A job whose `experiment:` names a folder holding such a lock
///   re-runs with the same versions.
///
/// ```yaml
/// rigmap_version: 0.6.0
/// created: 2026-11-22T11:50:00Z        # pins only
/// mappers:
///   fiber:
///     version: 1.4.0
///     config_sha256: 9f2c…
/// outputs:
///   acquisition_fiber.json:
///     mapper: fiber@1.4.0
///     sha256: 07c3…                      # of the output file
///     settings_sha256: 41d0…
///     input_sha256: 8b2e…                # of every read below, combined
///     inputs:
///       fip.json: 5e1a…                  # a whole file
///       procedures.json?: 77aa…          # a probe (the file was looked for)
/// ```
public struct LockFile: Sendable, Equatable {
    /// One pinned mapper.
    public struct Pin: Sendable, Equatable {
        public var version: Version
        /// sha256 of `MapperConfigs/<name>/<version>.yaml` when pinned.
        public var configSHA256: String?

        public init(version: Version, configSHA256: String?) {
            self.version = version
            self.configSHA256 = configSHA256
        }
    }

    /// What produced one output file.
    public struct OutputRecord: Sendable, Equatable {
        /// `name@version`.
        public var mapper: String
        public var settingsSHA256: String
        /// Read key (a path relative to the input root, see `InputRead.key`) → its digest.
        public var inputs: [String: String]
        /// The combined digest of every read (`InputRead.combinedSHA256`): the input's provenance hash.
        public var inputSHA256: String?
        /// sha256 of the output file itself, so an edited or stale file of the same name is not trusted.
        public var sha256: String?

        public init(mapper: String, settingsSHA256: String, inputs: [String: String], inputSHA256: String? = nil, sha256: String? = nil) {
            self.mapper = mapper
            self.settingsSHA256 = settingsSHA256
            self.inputs = inputs
            self.inputSHA256 = inputSHA256
            self.sha256 = sha256
        }
    }

    /// The file name, in an experiment folder or beside outputs.
    public static let fileName = "rigmap.lock"

    public var rigmapVersion: String?
    /// When the pins were made (UTC), for experiment locks; absent in provenance so reruns give identical bytes.
    public var created: String?
    public var mappers: [String: Pin] = [:]
    /// `schema:` — the release the documents are written in (`biodata-schema@3.0.0`), when a job asked for one: an
    /// experiment lock pins it as it pins mapper versions; provenance records it. Absent otherwise (the mappers' own).
    public var schema: String?
    /// `migration:` — how the documents reached ``schema`` from the release the mappers wrote (provenance only).
    public var migration: String?
    public var outputs: [String: OutputRecord] = [:]

    public init(rigmapVersion: String? = nil, created: String? = nil, mappers: [String: Pin] = [:], outputs: [String: OutputRecord] = [:]) {
        self.rigmapVersion = rigmapVersion
        self.created = created
        self.mappers = mappers
        self.outputs = outputs
    }

    /// Reads `url`; `nil` when there is no such file.
    public static func load(_ url: URL, displayName: String? = nil) throws(DiagnosticError) -> LockFile? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let name = displayName ?? url.path
        let root = try ConfigValue.load(contentsOf: url, displayName: name)
        return try parse(root)
    }

    static func parse(_ root: ConfigValue) throws(DiagnosticError) -> LockFile {
        var c = DiagnosticCollector()
        var lock = LockFile()
        for key in root.keys where !["rigmap_version", "created", "schema", "migration", "mappers", "outputs"].contains(key) {
            c.error("unknown key '\(key)' in lock file", at: root[key]?.keyOrValueLocation)
        }
        lock.rigmapVersion = root["rigmap_version"]?.scalarText
        lock.created = root["created"]?.scalarText
        lock.schema = root["schema"]?.scalarText
        lock.migration = root["migration"]?.scalarText
        if let mappers = root["mappers"], !mappers.isNull {
            for name in mappers.keys {
                guard let entry = mappers[name], let text = entry["version"]?.scalarText, let version = Version(text) else {
                    c.error("mappers.\(name).version must be an exact version such as 1.4.0", at: mappers[name]?.location)
                    continue
                }
                lock.mappers[name] = Pin(version: version, configSHA256: entry["config_sha256"]?.scalarText)
            }
        }
        if let outputs = root["outputs"], !outputs.isNull {
            for file in outputs.keys {
                guard let entry = outputs[file], let mapper = entry["mapper"]?.scalarText, let settings = entry["settings_sha256"]?.scalarText else {
                    c.error("outputs.\(file) needs 'mapper' and 'settings_sha256'", at: outputs[file]?.location)
                    continue
                }
                var inputs: [String: String] = [:]
                if let list = entry["inputs"] {
                    for path in list.keys { inputs[path] = list[path]?.scalarText }
                }
                lock.outputs[file] = OutputRecord(
                    mapper: mapper, settingsSHA256: settings, inputs: inputs, inputSHA256: entry["input_sha256"]?.scalarText,
                    sha256: entry["sha256"]?.scalarText)
            }
        }
        try c.check()
        return lock
    }

    /// The lock as YAML, keys sorted: the same lock always gives the same bytes.
    public var yaml: String {
        var out = "# rigmap.lock — written by rigmap; edit with `rigmap pin`.\n"
        if let rigmapVersion { out += "rigmap_version: \(quote(rigmapVersion))\n" }
        if let created { out += "created: \(quote(created))\n" }
        if let schema { out += "schema: \(quote(schema))\n" }
        if let migration { out += "migration: \(quote(migration))\n" }
        out += "mappers:" + (mappers.isEmpty ? " {}\n" : "\n")
        for name in mappers.keys.sorted() {
            guard let pin = mappers[name] else { continue }
            out += "  \(quote(name)):\n    version: \(quote(pin.version.description))\n"
            if let sha = pin.configSHA256 { out += "    config_sha256: \(quote(sha))\n" }
        }
        if !outputs.isEmpty {
            out += "outputs:\n"
            for file in outputs.keys.sorted() {
                guard let record = outputs[file] else { continue }
                out += "  \(quote(file)):\n    mapper: \(quote(record.mapper))\n"
                if let sha = record.sha256 { out += "    sha256: \(quote(sha))\n" }
                out += "    settings_sha256: \(quote(record.settingsSHA256))\n"
                if let sha = record.inputSHA256 { out += "    input_sha256: \(quote(sha))\n" }
                out += "    inputs:" + (record.inputs.isEmpty ? " {}\n" : "\n")
                for path in record.inputs.keys.sorted() {
                    out += "      \(quote(path)): \(quote(record.inputs[path] ?? ""))\n"
                }
            }
        }
        return out
    }

    /// A YAML double-quoted scalar.
    private func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            // YAML reads these as line breaks even inside quotes: its own escapes keep them.
            case "\u{85}": out += "\\N"
            case "\u{2028}": out += "\\L"
            case "\u{2029}": out += "\\P"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension LockFile {
    /// Records provenance for `outputs` produced by `resolved` from `reads` (replacing earlier records of the same
    /// files and the mapper's pin). No timestamp is written, so a rerun gives identical bytes.
    public mutating func record(_ resolved: Resolver.ResolvedMapper, outputs: [(name: String, bytes: [UInt8])], reads: [InputRead], rigmapVersion: String) {
        self.rigmapVersion = rigmapVersion
        mappers[resolved.name] = Pin(version: resolved.version, configSHA256: resolved.configSHA256)
        var hashes: [String: String] = [:]
        for read in reads { hashes[read.key] = read.sha256 }
        let combined = InputRead.combinedSHA256(reads)
        for output in outputs {
            self.outputs[output.name] = OutputRecord(
                mapper: resolved.mapper.identity.description, settingsSHA256: resolved.settingsSHA256, inputs: hashes, inputSHA256: combined,
                sha256: Digest.sha256(output.bytes))
        }
    }
}
