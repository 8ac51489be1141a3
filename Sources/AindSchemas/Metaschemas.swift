/// The standard JSON Schema metaschemas RigMapper carries, so that a schema may `$ref` them without being given them:
/// draft-07 (`http://json-schema.org/draft-07/schema#`) and 2020-12 (`https://json-schema.org/draft/2020-12/schema`
/// with its vocabulary metaschemas, `https://json-schema.org/draft/2020-12/meta/core` and the others).
///
/// The files under `Sources/AindSchemas/Metaschemas/` are the ones published in the `jsonschema-specifications`
/// 2025.9.1 package on PyPI, unchanged (`Scripts/json-schema-test-suite` checks that they still are), embedded into
/// the binary at build time with the aind-data-schema exports.
public enum Metaschemas {
    /// The carried documents by draft: the URI prefix its metaschemas share, and their embedded files.
    private static let drafts: [(prefix: String, folder: String)] = [
        ("http://json-schema.org/draft-07/schema", "Metaschemas/draft-07/"),
        ("https://json-schema.org/draft/2020-12/", "Metaschemas/draft-2020-12/"),
    ]

    /// The text of every metaschema of the draft `uri` belongs to, in path order (2020-12's root metaschema comes
    /// with its vocabularies, which it refers to); empty for any other URI. Each document names itself by `$id`.
    public static func documents(for uri: String) -> [String] {
        guard let draft = drafts.first(where: { uri.hasPrefix($0.prefix) }) else { return [] }
        return EmbeddedAindSchemas.files.filter { $0.key.hasPrefix(draft.folder) }.sorted { $0.key < $1.key }.map(\.value)
    }

    /// The URIs of the carried root metaschemas, for messages and documentation.
    public static let rootURIs = ["http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2020-12/schema"]
}
