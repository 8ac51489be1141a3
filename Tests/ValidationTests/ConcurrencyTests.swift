import Dispatch
import Foundation
import MetadataModel
import Synchronization
import Testing
import Validation

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
        let results = Mutex<[Int: [String]]>([:])
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
}
