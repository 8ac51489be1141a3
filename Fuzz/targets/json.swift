// libFuzzer target: the JSON parser and the reference writer (parse → write → parse must agree), and the parser's
// partial reads against the full one: omitting members (`parse(_:omitting:)`) fails exactly when, and with the
// error with which, the full parse fails; deferring a top-level member's members (`parse(_:deferringMembersOf:)`)
// fails like the full parse for an object, and every deferred member parses on its own.
import MetadataModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: count))
    let full = Result { () throws(JSONSyntaxError) -> JSONValue in try JSONParser.parse(bytes) }
    let pruned = Result { () throws(JSONSyntaxError) -> JSONValue in try JSONParser.parse(bytes, omitting: ["a", "b", "channels"]) }
    switch (full, pruned) {
    case (.success, .success): break
    case (.failure(let a), .failure(let b)): if a != b { fatalError("omitting changed the error: \(a) / \(b)") }
    default: fatalError("omitting changed whether the document parses")
    }
    if case .success(.object) = full {
        guard let (_, deferred) = try? JSONParser.parse(bytes, deferringMembersOf: "a") else { fatalError("deferring refused a valid object") }
        for member in deferred where (try? JSONParser.parse(bytes[member.range])) == nil { fatalError("a deferred member does not parse") }
    }
    guard case .success(let value) = full else { return 0 }
    let written = JSONWriter.referenceBytes(value)
    guard let again = try? JSONParser.parse(written) else { fatalError("the writer's output does not parse") }
    if JSONWriter.referenceBytes(again) != written { fatalError("writing is not stable") }
    return 0
}
