import Foundation
import Testing

/// Small things a new user sees: the mappers table, and a batch with nothing to map.
@Suite struct ListingTests {
    /// Every row of `rigmap mappers` starts its `modalities:` column at the same place, however long the longest
    /// NAME@VERSION (a scaffolded or future mapper may be longer than the shipped ones).
    @Test func theMappersListingIsAligned() throws {
        let result = try rigmap(["mappers"])
        #expect(result.status == 0)
        let rows = result.stdout.split(separator: "\n").filter { !$0.hasPrefix(" ") }
        #expect(rows.count >= 5)
        let columns = Set(rows.compactMap { row in row.range(of: "modalities:").map { row.distance(from: row.startIndex, to: $0.lowerBound) } })
        #expect(columns.count == 1, "\(result.stdout)")
        let longest = rows.compactMap { $0.split(separator: " ").first?.count }.max() ?? 0
        #expect(columns.first == max(16, longest + 2))
    }

    /// A rerun where every session is unchanged maps nothing: no "0.0 sessions/s" and no ETA from it.
    @Test func anAllSkippedBatchReportsNoRate() throws {
        let root = temporaryFolder()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("s1"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: packageRoot.appendingPathComponent("Examples/fip-session/fip.json"), to: root.appendingPathComponent("s1/fip.json"))
        let out = temporaryFolder()
        let job = packageRoot.appendingPathComponent("Examples/fip-session/job.yaml").path
        let first = try rigmap(["batch", root.path, "--job", job, "--output", out.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("sessions/s"))
        let again = try rigmap(["batch", root.path, "--job", job, "--output", out.path])
        #expect(again.status == 0)
        #expect(again.stderr.contains("[1/1] failed 0, skipped 1"), "\(again.stderr)")
        #expect(!again.stderr.contains("sessions/s") && !again.stdout.contains("sessions/s"), "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("nothing to map: every session is unchanged"))
    }
}
