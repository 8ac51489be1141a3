// libFuzzer target: the Open Ephys readers of the ecephys adapter. The first byte picks the reader: settings.xml
// (through the XML parser), sync_messages.txt, a .npy header, or a settings DATE. Invariants: a parsed .npy header
// ends inside the input with non-negative sizes; sync lines point at lines that exist.
import EcephysMapper
import RigMapperCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let all = Array(UnsafeRawBufferPointer(start: data, count: count))
    guard let selector = all.first else { return 0 }
    let bytes = Array(all.dropFirst())
    let text = String(decoding: bytes, as: UTF8.self)
    switch selector % 4 {
    case 0:
        if let root = try? XML.parse(text), let settings = try? OpenEphysSettings(root) {
            for processor in settings.processors {
                for probe in processor.probes { _ = (probe.slot, probe.port, probe.dock, probe.isEnabled) }
            }
        }
    case 1:
        let sync = SyncMessages(text)
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).count
        for start in sync.starts where start.line < 1 || start.line > lines { fatalError("start line out of range") }
        for line in sync.unknownLines where line < 1 || line > lines { fatalError("unknown line out of range") }
    case 2:
        if let header = try? NPYHeader(bytes) {
            if header.dataOffset > bytes.count || header.shape.contains(where: { $0 < 0 }) { fatalError("header outside the input") }
        }
    default:
        _ = OpenEphysDate.parse(text)
    }
    return 0
}
