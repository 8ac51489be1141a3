// libFuzzer target: JSON Schema compilation (any bytes that parse as JSON are tried as a schema), then validation of
// a few instances, including the schema itself; a cycle must be refused at compile time, never recurse forever.
import MetadataModel
import Validation

let instances: [JSONValue] = [.null, true, 0, 1.5, "x", [], [:], ["a": [1, "b", ["c": .null]]]]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: count))
    guard let schema = try? JSONParser.parse(bytes) else { return 0 }
    for options in [JSONSchemaValidator.Options(), JSONSchemaValidator.Options(pydanticLax: true, draft2020: true)] {
        guard let validator = try? JSONSchemaValidator(schema: schema, options: options) else { continue }
        for instance in instances + [schema] {
            let issues = validator.validate(instance)
            if validator.isValid(instance) != issues.isEmpty { fatalError("check and collect disagree") }
        }
    }
    return 0
}
