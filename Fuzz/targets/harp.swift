// libFuzzer target: the Harp binary message scanner (behavior adapter). Every byte is either in a message or named
// by a problem with its offset; messages never overlap and stay inside the file.
import BehaviorMapper

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: count))
    let scan = HarpReader.scan(bytes)
    var end = 0
    for message in scan.messages {
        if message.offset < end || message.payload.endIndex > bytes.count { fatalError("message out of place") }
        end = message.payload.endIndex + 1
        _ = message.unsigned(0)
        _ = message.time
    }
    for problem in scan.problems where problem.offset < 0 || problem.offset > bytes.count { fatalError("problem offset out of range") }
    return 0
}
