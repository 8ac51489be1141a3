// libFuzzer target: the XML reader (Open Ephys settings.xml); every failure must be a located syntax error.
import RigMapperCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = InputText(decoding: Array(UnsafeRawBufferPointer(start: data, count: count))).string
    do {
        let root = try XML.parse(text)
        _ = root.descendants(named: "NP_PROBE").map { $0.attribute("probe_serial_number") }
    } catch {
        if error.line < 1 || error.column < 1 { fatalError("unlocated XML error") }
    }
    return 0
}
