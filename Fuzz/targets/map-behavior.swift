// libFuzzer target: `rigmap map --mapper behavior` on a whole session, a Harp behavior session (`behavior/`: register files, device.yml, Logs, SoftwareEvents), mutated structurally by
// Fuzz/support/SessionMutator.swift and mapped in-process through the real pipeline (Fuzz/support/MapFuzz.swift: no
// trap or hang, located errors, complete outputs or none, inputs unchanged). The input is a session archive
// (Fuzz/support/SessionArchive.swift); seeds in Fuzz/corpus/map-behavior/ are made by Fuzz/make-seeds.py, whose `unpack`
// turns a crash input back into a folder. --input is the session folder.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    MapFuzz.run("behavior", data, count)
}

@_cdecl("LLVMFuzzerCustomMutator")
public func mutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    MapFuzz.mutate(data, size, maxSize, seed)
}

@_cdecl("LLVMFuzzerCustomCrossOver")
public func crossOver(
    _ a: UnsafePointer<UInt8>, _ aSize: Int, _ b: UnsafePointer<UInt8>, _ bSize: Int, _ out: UnsafeMutablePointer<UInt8>, _ maxSize: Int, _ seed: UInt32
) -> Int {
    MapFuzz.crossOver(a, aSize, b, bSize, out, maxSize, seed)
}
