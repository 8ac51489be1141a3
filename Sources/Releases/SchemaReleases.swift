import AindSchemas
import MetadataModel

/// The schema releases this binary knows, registered like mappers: one line each in ``registered``.
///
/// Adding a release: export its schemas into `Sources/AindSchemas/Releases/<version>/`, add a folder
/// `Sources/Releases/<Name>/` with a type conforming to ``ReleaseDefinition``, and add it to ``registered``
/// (README, "Adding a schema release").
public enum SchemaReleases {
    /// Every release definition, oldest first. Every release whose schemas are embedded has exactly one (checked by
    /// the tests).
    public static let registered: [any ReleaseDefinition] = [
        AindDataSchema292(),
        BiodataSchema300(),
    ]

    /// The definition of `release`; `nil` when none is registered (a build defect the tests catch).
    public static func definition(of release: SchemaRelease) -> (any ReleaseDefinition)? {
        registered.first { $0.release == release }
    }

    /// The definition of aind-data-schema 2.9.2, what documents are read as when nothing says otherwise.
    public static var standard: any ReleaseDefinition {
        definition(of: .standard) ?? AindDataSchema292()
    }

    /// `aind-data-schema@2.9.2, biodata-schema@3.0.0`: for messages naming the known releases.
    public static var knownIdentifiers: String { registered.map(\.identifier).joined(separator: ", ") }

    /// How a document's `schema_version` tells its release.
    public enum Choice: Sendable {
        /// A registered release declares it for the document's kind, or it is a version of a registered release's
        /// line (same major version, as the models read any version of their line).
        case release(any ReleaseDefinition)
        /// The document does not say (no `schema_version`, or not a string): read as ``standard``, as before
        /// releases were told apart.
        case unstated
        /// A `schema_version` no registered release reads.
        case unknown(String)
    }

    /// The release a `kind` document carrying `schemaVersion` belongs to: the release that declares it exactly, else
    /// the newest whose declared version has the same major version (`2.2.3` → aind-data-schema 2.9.2, whose
    /// models load any 2.x document and set its version to their own).
    public static func choice(for schemaVersion: JSONValue?, kind: DocumentKind) -> Choice {
        guard let text = schemaVersion?.stringValue else { return .unstated }
        if let exact = registered.first(where: { $0.declares(text, kind: kind) }) { return .release(exact) }
        let major = text.split(separator: ".", omittingEmptySubsequences: false).first.map(String.init) ?? text
        if !major.isEmpty, major.allSatisfy(\.isNumber),
            let line = registered.last(where: { $0.schemaVersion(kind).split(separator: ".").first.map(String.init) == major })
        {
            return .release(line)
        }
        return .unknown(text)
    }
}

extension SchemaRelease {
    /// This release's definition (aind-data-schema 2.9.2's if none is registered, which the tests rule out).
    public var definition: any ReleaseDefinition {
        SchemaReleases.definition(of: self) ?? SchemaReleases.standard
    }
}

extension SchemaReleases {
    /// What ``commonRelease(of:)`` found.
    public enum CommonRelease: Sendable {
        /// No document names a release.
        case unstated
        /// Every document that names a release names this one.
        case one(any ReleaseDefinition)
        /// Documents name different releases: the conflict names each file and its release.
        case mixed(Conflict)
    }

    /// The one release named documents belong to, told by their `schema_version`s (``choice(for:kind:)``): `nil` when
    /// none says, or a conflict naming each file and its release when they name two or more (documents of different
    /// releases never merge). A document whose kind is unknown or whose version says nothing does not count.
    public static func commonRelease(of documents: [(name: String, value: JSONValue)]) -> CommonRelease {
        var named: [(file: String, declared: String, release: any ReleaseDefinition)] = []
        for document in documents {
            guard let kind = DocumentKind(of: document.value),
                case .release(let release) = choice(for: document.value["schema_version"], kind: kind)
            else { continue }
            named.append((document.name, document.value["schema_version"]?.stringValue ?? "", release))
        }
        guard let first = named.first else { return .unstated }
        let distinct = Set(named.map(\.release.identifier))
        if distinct.count == 1 { return .one(first.release) }
        var values: [String: JSONValue] = [:]
        for entry in named { values[entry.file] = .string(entry.declared) }
        let listed = named.map { "\($0.file) is \($0.release.displayName) (schema_version \($0.declared))" }.joined(separator: ", ")
        return .mixed(
            Conflict(
                kind: .schemaVersion, field: "schema_version",
                message: "cannot merge documents of different schema releases: \(listed); convert them to one release first (rigmap upgrade)",
                values: values, files: named.map(\.file)))
    }
}
