// libFuzzer target: YAML configs and job files (refused aliases), Harp device.yml reading (bounded expansion), and
// the job-file reader on top.
import RigMapperCore
import Resolver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
    if let value = try? ConfigValue.parseYAML(text, file: "job.yaml") {
        _ = try? JobConfig.parse(yaml: text, file: "job.yaml")
        _ = value.jsonValue
        _ = value.leaves
    }
    _ = try? ConfigValue.parseYAML(text, file: "device.yml", aliases: .expand(maximumNodes: 10_000))
    return 0
}
