import Foundation
import RiskCore
import Testing
@testable import RiskCensus

/// Work made on all workers and handed over in order: what the outputs phase relies on for
/// files that do not depend on the threads.
@Suite struct OrderedWorkTests {
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Int] = []
        func add(_ k: Int) { lock.withLock { items.append(k) } }
        var all: [Int] { lock.withLock { items } }
    }

    @Test func resultsAreConsumedInOrderWhateverFinishesFirst() throws {
        let log = Log()
        try OrderedWork.run(40) { k in
            // Even items take longer, so odd ones finish first.
            if k % 2 == 0 { usleep(2_000) }
            return k * k
        } consume: { k, square in
            #expect(square == k * k)
            log.add(k)
        }
        #expect(log.all == Array(0..<40))
    }

    @Test func theFirstErrorStopsTheWorkAndIsThrown() {
        struct Failure: Error, Equatable { let k: Int }
        let log = Log()
        #expect(throws: Failure(k: 5)) {
            try OrderedWork.run(100) { k in
                if k == 5 { throw Failure(k: 5) }
                return k
            } consume: { k, _ in log.add(k) }
        }
        // What was consumed is a run from 0 in order, and nothing from the failed item on.
        #expect(log.all == Array(0..<log.all.count))
        #expect(log.all.count <= 5)
    }
}
