import Testing
@testable import RiskCore

@Suite struct FineCellsTests {
    let one = FineCells(width: 1, height: 1, factor: 2)

    @Test func sumsTheFineCellsOfEachCellInRowMajorLayout() {
        // 2 × 1 cells, factor 2: fine rows are [a a b b] twice.
        let blocks = FineCells(width: 2, height: 1, factor: 2)
        #expect(blocks.sum([1, 2, 10, 20, 3, 4, 30, 40]) == [10, 100])
        #expect(blocks.sum([1, .nan, .nan, .nan, .nan, 4, .nan, .nan]).map { $0.isNaN } == [false, true])
        #expect(FineCells(width: 3, height: 1, factor: 1).sum([1, 2, 3]) == [1, 2, 3])
    }

    func fine(masked: [Bool]? = nil, loss: [Float] = [10, .nan, .nan, 5]) -> FineCells.HazardFine {
        FineCells.HazardFine(exposedValue: [100, 0, .nan, 50], population: [1, 2, .nan, 0], loss: loss,
                             fatalities: [0.1, 0.2, .nan, .nan], intensity: [1, 3, 2, 4], lossRatio: [0.1, 0, .nan, 0.1], masked: masked)
    }

    @Test func hazardResultsAreSumsAndExposureWeightedMeans() {
        let r = one.hazard(fine())
        // Nothing exposed on fine cell 1 (its loss is NaN) and unknown exposure on cell 2: both add nothing.
        #expect(r.loss == [15])
        #expect(abs(r.fatalities[0] - 0.3) < 1e-6)
        // Intensity weighted by exposed value: (1·100 + 4·50) / 150.
        #expect(abs(r.indicator[0] - 2) < 1e-6)
        // Loss at the index band over exposed value: (0.1·100 + 0.1·50) / 150.
        #expect(abs(r.lossRatio[0] - 0.1) < 1e-6)
    }

    @Test func anUnknownLossWhereValueIsExposedMakesTheCellUnknown() {
        #expect(one.hazard(fine(loss: [.nan, 0, 0, 5])).loss[0].isNaN)
    }

    @Test func maskedFineCellsAddNoLossButKeepTheirExposure() {
        let r = one.hazard(fine(masked: [false, false, false, true]))
        #expect(r.loss == [10])
        #expect(abs(r.lossRatio[0] - Float(10.0 / 150)) < 1e-6)
        #expect(abs(r.indicator[0] - 1) < 1e-6)
        let whole = one.hazard(fine(masked: [true, true, true, true]))
        #expect(whole.loss == [0] && whole.indicator == [0] && whole.fatalities == [0])
    }

    @Test func withNothingExposedTheIntensityIsWeightedByPeopleThenPlainly() {
        var f = fine()
        f.exposedValue = [0, 0, 0, 0]
        #expect(abs(one.hazard(f).indicator[0] - Float((1.0 * 1 + 3 * 2) / 3)) < 1e-6)
        f.population = [0, 0, 0, 0]
        #expect(abs(one.hazard(f).indicator[0] - 2.5) < 1e-6)
    }
}

@Suite struct FineCellsSingleTests {
    /// With one fine cell per cell the fast path gives what the block rules give: the same
    /// fine cell placed in a 1 × 1 block of factor 1 and, for the sums, in a 2 × 2 block whose
    /// other three fine cells hold nothing and no hazard.
    @Test func oneFineCellPerCellFollowsTheBlockRules() {
        let values: [Float] = [.nan, 0, 50, 120]
        var cases: [(e: Float, p: Float, l: Float, f: Float, x: Float, r: Float, m: Bool)] = []
        for e in values { for p in values { for m in [false, true] {
            for l: Float in [.nan, 7] { cases.append((e, p, l, 0.5, l.isNaN ? .nan : 2, l.isNaN ? .nan : 0.1, m)) }
        } } }
        let fast = FineCells(width: cases.count, height: 1, factor: 1).hazard(FineCells.HazardFine(
            exposedValue: cases.map(\.e), population: cases.map(\.p), loss: cases.map(\.l), fatalities: cases.map(\.f),
            intensity: cases.map(\.x), lossRatio: cases.map(\.r), masked: cases.map(\.m)))
        for (i, c) in cases.enumerated() {
            let block = FineCells(width: 1, height: 1, factor: 2).hazard(FineCells.HazardFine(
                exposedValue: [c.e, .nan, .nan, .nan], population: [c.p, .nan, .nan, .nan], loss: [c.l, .nan, .nan, .nan],
                fatalities: [c.f, .nan, .nan, .nan], intensity: [c.x, .nan, .nan, .nan], lossRatio: [c.r, .nan, .nan, .nan],
                masked: [c.m, true, true, true]))
            func same(_ a: Float, _ b: Float) -> Bool { a == b || (a.isNaN && b.isNaN) }
            #expect(same(fast.loss[i], block.loss[0]) && same(fast.lossRatio[i], block.lossRatio[0]), "case \(c)")
            #expect(same(fast.fatalities[i], block.fatalities[0]) && same(fast.indicator[i], block.indicator[0]), "case \(c)")
        }
    }
}
