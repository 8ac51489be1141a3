// libFuzzer target: ISO 8601 timestamps (parse → print → parse gives the same instant and text), and naive
// timestamps placed in a zone with DST.
import MetadataModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
    guard let timestamp = try? Timestamp(parsing: text) else { return 0 }
    guard let again = try? Timestamp(parsing: timestamp.description) else { fatalError("printed timestamp does not parse") }
    if again.description != timestamp.description || again.epochMicroseconds != timestamp.epochMicroseconds { fatalError("round trip") }
    if timestamp.isNaive, let placed = try? timestamp.resolved(in: "America/Los_Angeles") {
        if placed.isNaive { fatalError("resolved timestamp is still naive") }
    }
    _ = timestamp.derivedTimeZone
    return 0
}
