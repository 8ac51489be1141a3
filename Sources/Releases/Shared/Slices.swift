import Foundation

/// Work split across threads for the rules' walks of long arrays (the same split as the JSON Schema engine's).
enum Slices {
    /// Arrays at least this long are walked on several threads.
    static let longArray = 512

    /// The indices of `count` items in contiguous slices, one per processor (at most 8); joining the slices' results
    /// in slice order gives the serial order.
    static func of(_ count: Int) -> [Range<Int>] {
        let slices = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let size = (count + slices - 1) / slices
        return (0..<slices).map { min(count, $0 * size)..<min(count, ($0 + 1) * size) }
    }
}
