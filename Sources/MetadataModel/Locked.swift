import Foundation
import Synchronization

/// A value behind a lock that ThreadSanitizer can follow, for state shared between threads.
///
/// A contended `Synchronization.Mutex` waits in the kernel (a priority-inheriting futex, on Linux). ThreadSanitizer
/// does not see that hand-over and reports the critical sections of two threads as a race. Here a pthread mutex
/// (`NSLock`), which ThreadSanitizer follows, orders the threads. The `Mutex` is then never contended; it holds the
/// value and makes the type `Sendable` without `@unchecked`.
public struct Locked<Value: ~Copyable>: ~Copyable, Sendable {
    private let order = NSLock()
    private let storage: Mutex<Value>

    public init(_ value: consuming sending Value) {
        storage = Mutex(value)
    }

    /// Runs `body` with exclusive access to the value.
    public borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        order.lock()
        defer { order.unlock() }
        return try storage.withLock(body)
    }
}
