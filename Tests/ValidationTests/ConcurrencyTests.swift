import Dispatch
import Foundation
import MetadataModel
import Synchronization
import AindSchemas
import Testing
@testable import Validation

/// One compiled schema validated from many threads at once gives every thread the serial answer. Run under
/// ThreadSanitizer in CI: `swift test --sanitize=thread --filter ConcurrencyTests`.
@Suite struct ConcurrencyTests {
    @Test func eightThreadsValidateTheSameDocumentsAsOne() throws {
        let names = exampleNames()
        let documents = try names.map { try example($0) }
        // Invalid variants too, so the collecting path runs concurrently as well.
        let broken = documents.map { edited($0) { $0.removeValue(forKey: "subject_id"); $0["modification_date"] = "never" } }
        let all = documents + broken
        let serial = try all.map { try AindValidator.validate($0).map(\.description) }
        #expect(serial.contains { !$0.isEmpty })
        let results = Locked<[Int: [String]]>([:])
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for (i, document) in all.enumerated() where (i + thread) % 2 == 0 || thread == 0 {
                let issues = ((try? AindValidator.validate(document)) ?? []).map(\.description)
                results.withLock { found in
                    if let earlier = found[i], earlier != issues { found[-1 - i] = issues } else { found[i] = issues }
                }
            }
        }
        let found = results.withLock { $0 }
        #expect(!found.keys.contains { $0 < 0 }, "threads disagreed")
        for (i, issues) in found where i >= 0 {
            #expect(issues == serial[i])
        }
        #expect(found.count == all.count)
    }

    /// A validator asked for by eight threads at once, and prepared in the background meanwhile, is compiled once per
    /// kind; every thread gets the answer the process's shared validator gives.
    @Test func eachKindCompilesOnceWhileThreadsWaitForIt() throws {
        let runs = Locked<[DocumentKind: Int]>([:])
        let validators = CompiledValidators { kind, release in
            runs.withLock { $0[kind, default: 0] += 1 }
            return try JSONSchemaValidator(schema: AindValidator.patch(try release.schema(kind).root), options: .init(pydanticLax: true))
        }
        let documents = try exampleNames().map { try example($0) }
            .map { edited($0) { $0.removeValue(forKey: "subject_id"); $0["modification_date"] = "never" } }
        let expected = try documents.map { document -> [String] in
            let kind = try #require(DocumentKind(of: document))
            return try AindValidator.validator(for: kind, release: .standard).validate(document).map(\.description)
        }
        #expect(expected.contains { !$0.isEmpty })
        validators.prepare([.instrument], release: .standard)
        let found = Locked<[[String]?]>(Array(repeating: nil, count: 8 * documents.count))
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            if thread == 3 { validators.prepare([.acquisition], release: .standard) }
            for (i, document) in documents.enumerated() {
                guard let kind = DocumentKind(of: document), let validator = try? validators.validator(for: kind, release: .standard) else { continue }
                let issues = validator.validate(document).map(\.description)
                found.withLock { $0[thread * documents.count + i] = issues }
            }
        }
        let all = found.withLock { $0 }
        for thread in 0..<8 {
            for i in documents.indices {
                #expect(all[thread * documents.count + i] == expected[i])
            }
        }
        let kinds = Set(documents.compactMap { DocumentKind(of: $0) })
        #expect(runs.withLock { $0 } == Dictionary(uniqueKeysWithValues: kinds.map { ($0, 1) }))
    }

    /// Validators that read and compile each definition when it is first reached, asked by eight threads at once from cold,
    /// give every thread the answers of validators compiled whole; a fiber acquisition compiles a small part of its
    /// schema.
    @Test func lazilyCompiledValidatorsAgreeFromEightThreads() throws {
        let documents = try exampleNames().map { try example($0) }
        let all = documents + documents.map { edited($0) { $0.removeValue(forKey: "subject_id"); $0["modification_date"] = "never" } }
        // Lazily: definitions parsed and compiled when first reached, as the shared validators do.
        func validator(_ kind: DocumentKind, lazily: Bool) throws -> JSONSchemaValidator {
            let schema = try SchemaRelease.standard.schema(kind)
            guard lazily else { return try JSONSchemaValidator(schema: AindValidator.patch(schema.root), options: .init(pydanticLax: true)) }
            return try JSONSchemaValidator(
                schema: AindValidator.patch(schema.document), definitions: { schema.definitionValue($0) }, options: .init(pydanticLax: true, compilesLazily: true))
        }
        let eager = try Dictionary(uniqueKeysWithValues: DocumentKind.allCases.map { ($0, try validator($0, lazily: false)) })
        let lazy = try Dictionary(uniqueKeysWithValues: DocumentKind.allCases.map { ($0, try validator($0, lazily: true)) })
        let expected = try all.map { document -> [String] in eager[try #require(DocumentKind(of: document))]?.validate(document).map(\.description) ?? [] }
        #expect(expected.contains { !$0.isEmpty })
        let found = Locked<[[String]?]>(Array(repeating: nil, count: 8 * all.count))
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for offset in all.indices {
                let i = (offset + thread * 3) % all.count  // each thread starts elsewhere
                guard let kind = DocumentKind(of: all[i]), let validator = lazy[kind] else { continue }
                let issues = validator.validate(all[i]).map(\.description)
                found.withLock { $0[thread * all.count + i] = issues }
            }
        }
        let results = found.withLock { $0 }
        for thread in 0..<8 {
            for i in all.indices { #expect(results[thread * all.count + i] == expected[i]) }
        }
        // One fiber acquisition alone reaches a few of the acquisition schema's definitions.
        let fiber = try validator(.acquisition, lazily: true)
        _ = fiber.validate(try example("fip_ophys_acquisition.json"))
        let reached = fiber.compiled.targetCounts.compiled
        try fiber.compileAll()
        let whole = fiber.compiled.targetCounts.compiled
        #expect(reached > 1 && reached * 4 < whole, "\(reached) of \(whole)")
        #expect(fiber.validate(try example("fip_ophys_acquisition.json")).isEmpty)
    }

    /// A long array's items are checked on several threads; a bad item anywhere in it (the first, one in each
    /// slice, the last) is found, and reported exactly as a serial walk reports it.
    @Test(arguments: [0, 511, 512, 700, 1023, 1999])
    func aBadItemAnywhereInALongArrayIsFound(bad: Int) throws {
        let schema: JSONValue = [
            "type": "object",
            "properties": ["items": ["type": "array", "items": ["type": "object", "required": ["n"], "properties": ["n": ["type": "integer", "minimum": 0]]]]],
        ]
        let validator = try JSONSchemaValidator(schema: schema)
        let good = JSONValue.array((0..<2000).map { ["n": .int($0)] })
        #expect(validator.validate(["items": good]).isEmpty)
        guard case .array(var items) = good else { return }
        items[bad] = ["n": .int(-1)]
        let issues = validator.validate(["items": .array(items)])
        #expect(issues.map(\.path.description) == ["items[\(bad)].n"])
        #expect(!validator.isValid(["items": .array(items)]))
    }
}
