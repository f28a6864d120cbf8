import Foundation
import Testing
@testable import RiskCore

@Suite struct WorkersTests {
    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var running = 0, peak = 0
        var seen: [Int] = []
        func enter(_ i: Int) { lock.lock(); running += 1; peak = max(peak, running); seen.append(i); lock.unlock() }
        func leave() { lock.lock(); running -= 1; lock.unlock() }
    }

    /// Every item once, on no more threads than the limit (census runs in other tests set it
    /// to 1 or 2, never more).
    @Test func everyItemOnceWithinTheLimit() {
        Workers.set(2)
        let c = Counter()
        Workers.forEach(40) { i in
            c.enter(i)
            usleep(2_000)
            c.leave()
        }
        #expect(c.seen.sorted() == Array(0..<40))
        #expect(c.peak <= 2)
    }

    @Test func chunkedKernelResultsDoNotDependOnTheThreads() {
        let n = 200_000
        func sums(_ threads: Int) -> [Double] {
            let out = ChunkResults<Double>(count: (n + (1 << 16) - 1) >> 16)
            parallelChunks(n, threads: threads) { r in out.put(r.lowerBound >> 16, r.reduce(0.0) { $0 + Double($1) * 0.1 }) }
            return (0..<4).map { out.take($0) }
        }
        #expect(sums(1) == sums(2))
    }
}
