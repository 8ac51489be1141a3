import AindSchemas
import MetadataModel
import Releases
import Testing
import Validation

@Suite struct RegistryTests {
    @Test func everyEmbeddedReleaseIsRegisteredOnce() {
        let registered = SchemaReleases.registered.map(\.release.version)
        #expect(registered.sorted() == SchemaRelease.versions.sorted())
        #expect(Set(registered).count == registered.count)
    }

    @Test func declaredSchemaVersionsAreTheSchemas() throws {
        for definition in SchemaReleases.registered {
            for kind in DocumentKind.allCases {
                #expect(try definition.release.schema(kind).schemaVersion == definition.schemaVersion(kind), "\(definition.identifier) \(kind)")
            }
        }
    }

    @Test func schemaVersionTellsTheRelease() {
        func chosen(_ version: JSONValue?, _ kind: DocumentKind) -> String? {
            if case .release(let definition) = SchemaReleases.choice(for: version, kind: kind) { return definition.identifier }
            return nil
        }
        #expect(chosen("2.5.4", .acquisition) == "aind-data-schema@2.9.2")
        #expect(chosen("2.2.3", .instrument) == "aind-data-schema@2.9.2")
        #expect(chosen("3.0.0", .acquisition) == "biodata-schema@3.0.0")
        #expect(chosen("3.0.2", .instrument) == "biodata-schema@3.0.0")
        #expect(chosen(nil, .acquisition) == nil)
        if case .unknown(let text) = SchemaReleases.choice(for: "9.1.0", kind: .acquisition) { #expect(text == "9.1.0") } else { Issue.record("9.1.0 is no known release") }
        if case .unstated = SchemaReleases.choice(for: 3.5, kind: .acquisition) {} else { Issue.record("a number says nothing") }
    }
}
