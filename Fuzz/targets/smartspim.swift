// libFuzzer target: the SmartSPIM readers of the spim adapter. The first byte picks the reader: the ASI log's last
// timestamp (any bytes), metadata.json (through the JSON parser), or the folder name. Invariants: a timestamp found
// is a valid wall time; tiles come out in numeric order.
import MetadataModel
import RigMapperCore
import SpimMapper

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let all = Array(UnsafeRawBufferPointer(start: data, count: count))
    guard let selector = all.first else { return 0 }
    let bytes = Array(all.dropFirst())
    switch selector % 3 {
    case 0:
        if let last = ASILog.lastTimestamp(in: bytes[...]) {
            let t = last.timestamp
            if !(1...12).contains(t.month) || !(0...23).contains(t.hour) || last.skippedLines < 0 { fatalError("impossible ASI time") }
        }
    case 1:
        guard let document = try? JSONParser.parse(bytes) else { return 0 }
        var problems = DiagnosticCollector()
        if let metadata = try? SmartSPIMMetadata(document, file: "metadata.json", problems: &problems) {
            for (a, b) in zip(metadata.tiles, metadata.tiles.dropFirst()) where a.index > b.index { fatalError("tiles out of order") }
            for key in metadata.session.keys where key != SmartSPIMMetadata.normalise(key) { fatalError("a key is not normalised") }
        }
    default:
        if let name = SmartSPIMFolderName(String(decoding: bytes, as: UTF8.self)), name.subject.isEmpty { fatalError("empty subject") }
    }
    return 0
}
