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

/// Three arrays of `count` elements each, which `fill` initializes in place, every element once,
/// through their base pointers (not called when `count` is 0). Workers of a parallel loop write
/// their own ranges of millions of per-unit values without an intermediate copy.
public func filledInPlace<A, B, C>(count n: Int, _ fill: (InPlaceColumns<A, B, C>) -> Void) -> ([A], [B], [C]) {
    guard n > 0 else { return ([], [], []) }
    var b: [B] = [], c: [C] = []
    let a = [A](unsafeUninitializedCapacity: n) { a, filledA in
        b = [B](unsafeUninitializedCapacity: n) { b, filledB in
            c = [C](unsafeUninitializedCapacity: n) { c, filledC in
                fill(InPlaceColumns(first: a.baseAddress!, second: b.baseAddress!, third: c.baseAddress!))
                filledC = n
            }
            filledB = n
        }
        filledA = n
    }
    return (a, b, c)
}

/// The base pointers `filledInPlace` hands to its workers, each writing its own elements.
public struct InPlaceColumns<A, B, C>: @unchecked Sendable {
    public let first: UnsafeMutablePointer<A>
    public let second: UnsafeMutablePointer<B>
    public let third: UnsafeMutablePointer<C>
}
