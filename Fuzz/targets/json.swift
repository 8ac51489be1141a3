// libFuzzer target: the JSON parser and the reference writer (parse → write → parse must agree).
import MetadataModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: count))
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let written = JSONWriter.referenceBytes(value)
    guard let again = try? JSONParser.parse(written) else { fatalError("the writer's output does not parse") }
    if JSONWriter.referenceBytes(again) != written { fatalError("writing is not stable") }
    return 0
}
