import MetadataModel
import Releases

extension Composer.Outcome {
    /// Refuses a merged document that validation found invalid: the problems become conflicts.
    public mutating func refuse(_ problems: [(path: String, message: String)], files: [String]) {
        guard !problems.isEmpty else { return }
        conflicts += problems.map { Conflict(kind: .invalidResult, field: $0.path, message: "merged document: \($0.path): \($0.message)", files: files) }
        merged = nil
    }

    /// The conflict report (`rigmap merge --report`): status, every conflict, notes.
    public func report(files: [String]) -> JSONValue {
        [
            "status": .string(merged == nil ? "refused" : "merged"),
            "object_type": .string(kind?.objectType),
            "files": .strings(files),
            "conflicts": .array(conflicts.map(\.jsonValue)),
            "notes": .strings(notes),
        ]
    }
}
