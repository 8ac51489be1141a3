import MetadataModel

/// A kind of aind-data-schema document RigMapper reads, writes, merges and validates.
///
/// One place names everything that differs between kinds: the file stem (`acquisition` →
/// `acquisition.json`, `acquisition_fiber.json`), the `object_type` the document carries, the schema it is validated
/// against, and how two documents of the kind merge. Adding `data_description` later is one new case here plus its
/// schema in each ``SchemaRelease``.
public enum DocumentKind: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case acquisition
    case instrument

    /// How the composer combines two documents of a kind.
    public enum MergePolicy: Sendable, Hashable {
        /// `Acquisition.__add__`: key fields must agree, data streams within 120 s merge.
        case acquisition
        /// `Instrument.__add__`: key fields must agree, components are united (shared clocks by the clock rule).
        case instrument
    }

    /// The stem of the standard file names: `acquisition.json`, `acquisition_<mapper>.json`.
    public var fileStem: String { rawValue }

    /// The `object_type` a document of this kind carries: `Acquisition`, `Instrument`.
    public var objectType: String {
        switch self {
        case .acquisition: return "Acquisition"
        case .instrument: return "Instrument"
        }
    }

    /// How two documents of this kind merge.
    public var mergePolicy: MergePolicy {
        switch self {
        case .acquisition: return .acquisition
        case .instrument: return .instrument
        }
    }

    /// The merged document's file name: `acquisition.json`.
    public var fileName: String { "\(fileStem).json" }

    /// A mapper's output file name: `acquisition_fiber.json`.
    public func fileName(mapper: String) -> String { "\(fileStem)_\(mapper).json" }

    /// The kind whose `object_type` is `objectType`.
    public init?(objectType: String) {
        guard let kind = DocumentKind.allCases.first(where: { $0.objectType == objectType }) else { return nil }
        self = kind
    }

    /// The kind named by the first `"object_type"` member in the opening bytes of a JSON document (pydantic writes it
    /// first), if that names a kind. A hint for starting work early, never a decision: a document's kind is
    /// ``init(of:)`` of its parsed value.
    public init?(sniffing head: [UInt8]) {
        guard let marker = head.firstRange(of: Array("\"object_type\"".utf8)) else { return nil }
        var i = marker.upperBound
        func skipSpace() {
            while i < head.count, head[i] == 0x20 || head[i] == 0x09 || head[i] == 0x0A || head[i] == 0x0D { i += 1 }
        }
        skipSpace()
        guard i < head.count, head[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        skipSpace()
        guard i < head.count, head[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        let start = i
        while i < head.count, head[i] != UInt8(ascii: "\""), head[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < head.count, head[i] == UInt8(ascii: "\"") else { return nil }
        self.init(objectType: String(decoding: head[start..<i], as: UTF8.self))
    }

    /// The kind of a document, from its `object_type`.
    public init?(of document: JSONValue) {
        guard let type = document["object_type"]?.stringValue else { return nil }
        self.init(objectType: type)
    }

    /// The kind a standard file name announces: `acquisition.json`, `acquisition_fiber.json`, `instrument-rig2.json`
    /// (the stem followed by `.json`, `_` or `-`). `nil` for any other name.
    public init?(fileName: String) {
        let base = fileName.split(separator: "/").last.map(String.init) ?? fileName
        guard base.hasSuffix(".json") else { return nil }
        for kind in DocumentKind.allCases where base.hasPrefix(kind.fileStem) {
            let rest = base.dropFirst(kind.fileStem.count)
            if rest == ".json" || rest.hasPrefix("_") || rest.hasPrefix("-") {
                self = kind
                return
            }
        }
        return nil
    }

    public var description: String { rawValue }

    public static func < (a: DocumentKind, b: DocumentKind) -> Bool { a.rawValue < b.rawValue }
}
