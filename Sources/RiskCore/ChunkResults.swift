import Dispatch

/// One result slot per chunk, filled by whichever worker runs that chunk and read back in chunk
/// order; the lock makes the unchecked sendability sound.
public final class ChunkResults<T>: @unchecked Sendable {
    private let lock = SemaphoreLock()
    private var slots: [T?]

    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    public func put(_ k: Int, _ value: T) { lock.withLock { slots[k] = value } }

    public func take(_ k: Int) -> T { lock.withLock { slots[k]! } }
}

/// A mutex from Dispatch (RiskCore does not import Foundation).
final class SemaphoreLock: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 1)
    func withLock<R>(_ body: () -> R) -> R {
        semaphore.wait()
        defer { semaphore.signal() }
        return body()
    }
}
