import Testing
@testable import RiskCore

@Suite struct CurveTests {
    let jrc = try! PiecewiseLinearCurve(xs: [0, 0.5, 1, 1.5, 2, 3, 4, 5, 6],
                                        ys: [0, 0.3266, 0.4941, 0.6166, 0.7207, 0.8695, 0.9315, 0.9836, 1])

    @Test func clampedLinearInterpolationLikeNumpy() {
        #expect(jrc(-1) == 0 && jrc(0) == 0 && jrc(9) == 1)
        #expect(abs(jrc(0.25) - 0.1633) < 1e-12)           // halfway between 0 and 0.3266
        #expect(abs(jrc(2.5) - (0.7207 + 0.8695) / 2) < 1e-12)
        #expect(jrc(.nan).isNaN)
        // Step function: at the repeated x the right-most point wins (numpy.interp).
        let step = try! PiecewiseLinearCurve(xs: [0, 33, 33, 200], ys: [0, 0, 1, 1])
        #expect(step(32.999) == 0 && step(33) == 1 && step(100) == 1)
    }

    @Test func compiledCurveEqualsTheCurveEverywhere() {
        let c = jrc.compiled
        for i in -100...800 {
            let x = Double(i) * 0.00937
            #expect(c(x) == jrc(x), "x = \(x)")
        }
        #expect(c(.nan).isNaN)
        for x in jrc.xs { #expect(c(x) == jrc(x)) }
        let step = try! PiecewiseLinearCurve(xs: [0, 33, 33, 200], ys: [0, 0, 1, 1])
        for x in [0.0, 10, 32.999, 33, 33.001, 150, 200, 250] { #expect(step.compiled(x) == step(x), "x = \(x)") }
        let single = try! PiecewiseLinearCurve(xs: [5], ys: [0.3])
        #expect(single.compiled(1) == 0.3 && single.compiled(9) == 0.3 && single(5) == 0.3)
    }

    @Test func invalidCurvesAreRefusedWithTheirReason() {
        #expect(throws: PiecewiseLinearCurve.Problem.xDecreasing(index: 1)) { try PiecewiseLinearCurve(xs: [1, 0], ys: [0, 1]) }
        #expect(throws: PiecewiseLinearCurve.Problem.yDecreasing(index: 2)) { try PiecewiseLinearCurve(xs: [0, 1, 2], ys: [0, 0.5, 0.4]) }
        #expect(throws: PiecewiseLinearCurve.Problem.outOfRange(index: 1, value: 1.2, range: 0...1)) {
            try PiecewiseLinearCurve(xs: [0, 1], ys: [0, 1.2])
        }
        #expect(throws: PiecewiseLinearCurve.Problem.empty) { try PiecewiseLinearCurve(xs: [], ys: []) }
        #expect(throws: PiecewiseLinearCurve.Problem.notFinite(index: 0)) { try PiecewiseLinearCurve(xs: [.nan], ys: [0]) }
    }
}

@Suite struct ExceedanceIntegrationTests {
    let t: [Double] = [10, 100, 1000]
    let d: [Double] = [193, 1210, 3034]

    /// METHODS §3.4: trapezoid ½(193+1210)(0.1−0.01) + ½(1210+3034)(0.01−0.001) = 63.135 + 19.098.
    @Test func threeReturnPeriodsByHand() {
        let none = ExceedanceIntegration()
        #expect(abs(none.expectedAnnualLoss(returnPeriods: t, losses: d) - 82.233) < 1e-9)
        let flat = ExceedanceIntegration(tail: .flat)
        #expect(abs(flat.expectedAnnualLoss(returnPeriods: t, losses: d) - (82.233 + 3.034)) < 1e-9)
        // Damage falling to zero at the 2-year event adds ½·193·(0.5 − 0.1) = 38.6.
        let zero = ExceedanceIntegration(zeroDamageReturnPeriod: 2)
        #expect(abs(zero.expectedAnnualLoss(returnPeriods: t, losses: d) - (82.233 + 38.6)) < 1e-9)
    }

    @Test func singleReturnPeriodAndPoissonProbability() {
        let e = ExceedanceIntegration(tail: .flat)
        #expect(e.expectedAnnualLoss(returnPeriods: [100], losses: [50]) == 0.5)
        let p = ExceedanceIntegration(probability: .poisson)
        // 1 − e^(−1/10) = 0.0951625819…
        #expect(abs(p.exceedanceProbability(10) - 0.09516258196404048) < 1e-15)
        #expect(ExceedanceIntegration().expectedAnnualLoss(returnPeriods: t, losses: [1, .nan, 3]).isNaN)
    }
}

@Suite struct AHPTests {
    /// The classic 3 × 3 example (Saaty): weights 0.637/0.258/0.105, λ_max 3.039, CR 0.033
    /// (the reference values computed with numpy.linalg.eig).
    @Test func saatyExample() throws {
        let a = try AHP(pairwise: [[1, 3, 5], [1.0 / 3, 1, 3], [1.0 / 5, 1.0 / 3, 1]])
        for (w, ref) in zip(a.weights, [0.63698557, 0.25828499, 0.10472943]) { #expect(abs(w - ref) < 1e-7) }
        #expect(abs(a.lambdaMax - 3.0385110905581745) < 1e-9)
        #expect(abs(a.consistencyRatio - 0.033199215998426276) < 1e-9)
        #expect(a.isConsistent)
    }

    @Test func inconsistentAndMalformedMatrices() throws {
        // 4 × 4 with CR 0.069 (numpy: λ 4.1873) is consistent; an intransitive one is not.
        let ok = try AHP(pairwise: [[1, 1.0 / 3, 1.0 / 9, 1.0 / 5], [3, 1, 1, 1], [9, 1, 1, 3], [5, 1, 1.0 / 3, 1]])
        #expect(abs(ok.consistencyRatio - 0.0693876428092558) < 1e-9)
        let bad = try AHP(pairwise: [[1, 9, 1.0 / 9], [1.0 / 9, 1, 9], [9, 1.0 / 9, 1]])
        #expect(!bad.isConsistent && bad.consistencyRatio > 1)
        #expect(throws: AHP.Problem.notReciprocal(row: 0, col: 1)) { try AHP(pairwise: [[1, 2], [2, 1]]) }
        #expect(throws: AHP.Problem.notPositive(row: 0, col: 1)) { try AHP(pairwise: [[1, -2], [-0.5, 1]]) }
        #expect(throws: AHP.Problem.notSquare) { try AHP(pairwise: [[1, 2], [0.5]]) }
    }
}

@Suite struct NaturalBreaksTests {
    /// Ckmeans.1d.dp's README example: x = (−1, 2, −1, 2, 4, 5, 6, −1, 2, −1), k = 3 gives the
    /// clusters {−1 ×4}, {2 ×3}, {4, 5, 6}.
    @Test func publishedExample() {
        #expect(NaturalBreaks.breaks([-1, 2, -1, 2, 4, 5, 6, -1, 2, -1], classes: 3) == [-1, 2])
    }

    /// Exact against a brute-force O(k·n²) dynamic programme on seeded random data.
    @Test func matchesBruteForce() {
        var state: UInt64 = 7
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 40) / Double(1 << 24)
        }
        for trial in 0..<20 {
            let n = 20 + trial * 7
            let xs = (0..<n).map { _ in (next() * next() * 100).rounded() / 10 }
            let k = 2 + trial % 4
            #expect(withinSS(xs, NaturalBreaks.breaks(xs, classes: k)) - bruteForce(xs, k) < 1e-9, "n \(n) k \(k)")
        }
    }

    @Test func degenerateInputs() {
        #expect(NaturalBreaks.breaks([], classes: 5) == [])
        #expect(NaturalBreaks.breaks([3, 3, 3], classes: 5) == [])
        #expect(NaturalBreaks.breaks([1, .nan, 2], classes: 5) == [1])
    }

    @Test func histogramApproximationStaysWithinItsStatedError() {
        var state: UInt64 = 3
        let xs: [Double] = (0..<20_000).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = Double(state >> 40) / Double(1 << 24)
            return u * u * 10
        }
        let exact = NaturalBreaks.breaks(xs, classes: 5)
        let (approx, width) = NaturalBreaks.approximateBreaks(xs, classes: 5, bins: 2_000)
        // Binning moves each value by at most half a bin; for smooth data like this the breaks of
        // the binned data stay within a few bins of the exact ones.
        for (a, e) in zip(approx, exact) { #expect(abs(a - e) <= 4 * width, "\(a) vs \(e)") }
    }

    private func withinSS(_ xs: [Double], _ breaks: [Double]) -> Double {
        var groups = [[Double]](repeating: [], count: breaks.count + 1)
        for x in xs { groups[breaks.firstIndex { x <= $0 } ?? breaks.count].append(x) }
        return groups.reduce(0) { acc, g in
            guard !g.isEmpty else { return acc }
            let m = g.reduce(0, +) / Double(g.count)
            return acc + g.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        }
    }

    private func bruteForce(_ values: [Double], _ k: Int) -> Double {
        let xs = values.sorted(), n = xs.count
        func ss(_ i: Int, _ j: Int) -> Double {
            let g = xs[i...j], m = g.reduce(0, +) / Double(g.count)
            return g.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        }
        var d = (0..<n).map { ss(0, $0) }
        for m in 1..<min(k, Set(xs).count) {
            var e = [Double](repeating: .infinity, count: n)
            for j in m..<n { for i in m...j { e[j] = min(e[j], d[i - 1] + ss(i, j)) } }
            d = e
        }
        return d[n - 1]
    }
}

@Suite struct ClassificationTests {
    @Test func levelsRunFromIHighestToVLowest() {
        let b = [1.0, 2, 3, 4]
        #expect(Classification.level(0.5, breaks: b) == 5)
        #expect(Classification.level(1, breaks: b) == 5)      // upper bounds are inclusive
        #expect(Classification.level(2.5, breaks: b) == 3)
        #expect(Classification.level(4.01, breaks: b) == 1)
        #expect(Classification.level(.nan, breaks: b) == 0)   // unknown, not a level
    }

    @Test func percentileAndQuantileBreaksInterpolateLikeNumpy() {
        let v = (1...100).map(Double.init)
        // numpy.percentile(1…100, 60) = 60.4.
        #expect(Classification.breaks(v, method: .percentile([60, 80, 90, 95])).breaks.map { ($0 * 100).rounded() / 100 }
                == [60.4, 80.2, 90.1, 95.05])
        #expect(Classification.breaks(v + [.nan], method: .quantile).breaks.map { ($0 * 100).rounded() / 100 } == [20.8, 40.6, 60.4, 80.2])
    }

    /// Streaming gives the in-memory breaks exactly, on both sides of every switch: exact
    /// natural breaks (≤ 100,000 values) and the histogram above, percentiles kept in memory
    /// (≤ 1,000,000) and found through the rank histogram above, with heavy ties and NaN.
    @Test func streamedBreaksEqualInMemoryBreaks() {
        var rng = SystemRandomNumberGenerator()
        for n in [1_000, 90_000, 150_000, 1_300_000] {
            var v = (0..<n).map { _ in Double.random(in: 0...1, using: &rng) * Double.random(in: 0...1, using: &rng) }
            for i in stride(from: 0, to: n, by: 7) { v[i] = 0.25 }   // ties
            for i in stride(from: 3, to: n, by: 101) { v[i] = .nan }
            for method in [ClassificationMethod.naturalBreaks, .quantile, .percentile([60, 80, 90, 95]), .fixed([0.1, 0.2, 0.3, 0.4])] {
                if n > 200_000 && method == .naturalBreaks { continue }   // 150,000 already takes the histogram path
                var calls = 0
                let streamed = Classification.breaks(method: method) { add in
                    calls += 1
                    for x in v { add(x) }
                }
                #expect(streamed == Classification.breaks(v, method: method), "n \(n), \(method)")
                #expect(calls <= 3)
                // Given the count and range (as a run's statistics hold them), one pass fewer, same breaks.
                let known = v.filter { !$0.isNaN }
                var fewer = 0
                let given = Classification.breaks(method: method, known: (known.count, known.min()!, known.max()!)) { add in
                    fewer += 1
                    for x in v { add(x) }
                }
                #expect(given == streamed && (method == .fixed([0.1, 0.2, 0.3, 0.4]) || fewer == calls - 1), "n \(n), \(method): \(fewer) passes against \(calls)")
            }
        }
        // All values equal: every break is that value.
        let same = Classification.breaks(method: .quantile) { add in for _ in 0..<1_200_000 { add(2) } }
        #expect(same.breaks == [2, 2, 2, 2])
    }

    @Test func naturalBreaksWithFewDistinctValuesLeaveUpperLevelsEmpty() {
        let r = Classification.breaks([0, 0, 1, 1, 1], method: .naturalBreaks)
        #expect(r.breaks == [0, 1, 1, 1] && r.histogramBinWidth == 0)
        #expect(r.levelsInUse == [1, 4, 5])
    }

    /// Quantiles of an index that is 0 on half the cells: two breaks tie at 0, level IV can
    /// hold nothing and is not in use; the breaks stay inside the index's range.
    @Test func tiedQuantileBreaksLeaveFewerLevelsInUse() {
        let values = [Double](repeating: 0, count: 50) + (1...50).map { Double($0) / 100 }
        let r = Classification.breaks(values, method: .quantile)
        #expect(r.breaks[0] == 0 && r.breaks[1] == 0 && r.breaks[2] > 0 && r.breaks[3] > r.breaks[2])
        #expect(r.breaks.allSatisfy { $0 >= values.min()! && $0 <= values.max()! })
        #expect(r.levelsInUse == [1, 2, 3, 5])
        #expect(!values.contains { Classification.level($0, breaks: r.breaks) == 4 })
        #expect(Classification.breaks((1...100).map(Double.init), method: .quantile).levelsInUse == [1, 2, 3, 4, 5])
    }
}

@Suite struct IndexMathTests {
    @Test func minMaxVariants() {
        let n = MinMaxNormalization(min: 2, max: 6)
        #expect(n(2) == 0 && n(4) == 0.5 && n(6) == 1 && n(9) == 1 && n(.nan).isNaN)
        #expect(MinMaxNormalization(min: 2, max: 6, halfToOne: true)(4) == 0.75)
        #expect(MinMaxNormalization(min: 3, max: 3)(3) == 1)
        let log = MinMaxNormalization(min: 0, max: 4.61512051684126, logTransform: true)
        #expect(abs(log(100) - 1) < 1e-12)   // log(1 + 100) = 4.61512051684126
    }

    @Test func combinationRules() {
        let r: [Double] = [0.2, 0.8]
        r.withUnsafeBufferPointer { p in
            #expect(abs(CombinationRule.weightedSum([0.25, 0.75]).combine(p) - 0.65) < 1e-15)
            #expect(CombinationRule.maximum.combine(p) == 0.8)
            // 10 − √((10 − 2)(10 − 8)) = 10 − 4 = 6 → 0.6 on [0, 1].
            #expect(abs(CombinationRule.inform.combine(p) - 0.6) < 1e-12)
        }
        // No hazard at all is 0, not the −1.8e-16 that exp(log 10) would leave.
        [0.0, 0.0, 0.0].withUnsafeBufferPointer { p in #expect(CombinationRule.inform.combine(p) == 0) }
        [1.0, 1.0].withUnsafeBufferPointer { p in #expect(abs(CombinationRule.inform.combine(p) - 1) < 1e-12 && CombinationRule.inform.combine(p) <= 1) }
        [0.2, .nan].withUnsafeBufferPointer { p in
            #expect(CombinationRule.maximum.combine(p).isNaN && CombinationRule.inform.combine(p).isNaN)
            #expect(CombinationRule.weightedSum([0.5, 0.5]).combine(p).isNaN)
        }
    }
}

/// The census loss path and the event-impact engine share one loss formula
/// (`ImpactFunction.Compiled.impact`): the same curve, values and intensities give the same
/// numbers to the last bit.
@Suite struct SharedLossPathTests {
    @Test func censusScenarioLossEqualsEventImpact() throws {
        let curve = try PiecewiseLinearCurve(xs: [0, 0.5, 1, 2, 6], ys: [0, 0.3, 0.5, 0.7, 1])
        let depths: [Float] = [0, 0.25, 0.5, 0.8, 1.7, 3, 9, 0.01]
        let values: [Float] = [1000, 2000, 0, 5e5, 1.25e6, 3, 77, 1e4]
        let kernel = CensusKernel(hazards: [.init(id: "flood", ealWeights: nil, damage: [ImpactFunction(id: "f", damageRatio: curve).compiled],
                                                  fatality: nil, indexBand: 0)], classCount: 1)
        var comp = CensusKernel.Components(count: depths.count, hazards: 1)
        kernel.pass1(.init(count: depths.count, population: depths.map { _ in 0 }, values: [values], intensities: [[depths]]), into: &comp, threads: 1)
        // The same cells as exposures of an event set with one event per cell.
        let engine = ImpactEngine(functions: [ImpactFunction(id: "f", damageRatio: curve)])
        let exposures = values.indices.map { ImpactEngine.Exposure(id: "\($0)", value: Double(values[$0]), function: 0, centroid: $0) }
        let index = ImpactEngine.CentroidIndex(exposures: exposures, centroids: depths.count)
        for (c, d) in depths.enumerated() {
            var intensity = [Double](repeating: 0, count: depths.count)
            intensity[c] = Double(d)
            let r = engine.run(chunk: .init(firstEvent: 0, count: 1, intensity: intensity), exposures: exposures, index: index, frequencies: [1])
            #expect(Float(r.atEvent[0]) == comp.loss[0][c], "cell \(c)")
        }
        // And both are value × the curve by hand: 0.8 m → 0.3 + 0.2·0.6 = 0.42 of 500,000.
        #expect(comp.loss[0][3] == 210_000)
    }
}

/// Pass 1 evaluates its curves in batches over a chunk of cells; every output must be the one
/// the per-cell formula gives, to the bit, whatever the classes, bands, NaNs and edges.
@Suite struct BatchedPassOneTests {
    /// The per-cell form of pass 1 (CensusKernel's doc comment), written plainly.
    static func reference(_ kernel: CensusKernel, _ input: CensusKernel.Inputs) -> CensusKernel.Components {
        var out = CensusKernel.Components(count: input.count, hazards: kernel.hazards.count)
        for c in 0..<input.count {
            let row = input.values.map { Double($0[c]) }
            let known = !row.contains(where: \.isNaN)
            let exposed = row.filter { !$0.isNaN }.reduce(0, +)
            let pop = Double(input.population[c])
            out.exposedValue[c] = known ? Float(exposed) : .nan
            for (h, hz) in kernel.hazards.enumerated() {
                var eal = 0.0, eaf = 0.0, indexLoss = 0.0
                for b in 0..<hz.bandCount {
                    let x = Double(input.intensities[h][b][c])
                    var loss = 0.0
                    for k in row.indices where row[k] != 0 { loss += hz.damage[k].impact(value: row[k], at: x) }
                    if x.isNaN { loss = .nan }
                    let w = hz.ealWeights?[b] ?? 1
                    eal += w * loss
                    eaf += w * (hz.fatality.map { pop * $0(x) } ?? 0)
                    if b == hz.indexBand {
                        indexLoss = loss
                        out.hazardIndicator[h][c] = Float(x)
                    }
                }
                out.loss[h][c] = known ? Float(eal) : .nan
                out.fatalities[h][c] = Float(eaf)
                out.lossRatio[h][c] = known ? Float(exposed > 0 ? indexLoss / exposed : (indexLoss.isNaN ? .nan : 0)) : .nan
            }
        }
        return out
    }

    static func same(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    }

    @Test func batchedPassOneEqualsThePerCellFormula() throws {
        var rng = SystemRandomNumberGenerator()
        // More cells than one chunk (65,536), so chunk edges are crossed.
        let n = 70_001
        func field(_ scale: Float, nanEvery: Int) -> [Float] {
            (0..<n).map { i in i % nanEvery == 3 ? .nan : (i % 11 == 0 ? 0 : Float.random(in: -0.1 * scale...scale, using: &rng)) }
        }
        let depth = try PiecewiseLinearCurve(xs: [0, 0.5, 1, 1, 2, 6], ys: [0, 0.3, 0.5, 0.6, 0.7, 1])
        let wind = try PiecewiseLinearCurve(xs: [20, 30, 45, 70], ys: [0, 0.05, 0.4, 1])
        let paa = try ImpactFunction(id: "p", intensity: [0, 1, 3], mdd: [0, 0.4, 1], paa: [0.2, 0.5, 1])
        let rate = try PiecewiseLinearCurve(xs: [0.5, 3], ys: [0, 0.01])
        let kernel = CensusKernel(hazards: [
            .init(id: "flood", ealWeights: [0.1, 0.09, 0.009], damage: [ImpactFunction(id: "a", damageRatio: depth).compiled, paa.compiled],
                  fatality: rate.compiled, indexBand: 1),
            .init(id: "wind", ealWeights: nil, damage: [ImpactFunction(id: "b", damageRatio: wind).compiled, ImpactFunction(id: "c", damageRatio: wind).compiled],
                  fatality: nil, indexBand: 0),
        ], classCount: 2)
        let input = CensusKernel.Inputs(count: n, population: field(500, nanEvery: 97), values: [field(1e6, nanEvery: 89), field(3e5, nanEvery: 1_000_003)],
                                        intensities: [[field(4, nanEvery: 13), field(7, nanEvery: 17), field(9, nanEvery: 1_000_003)], [field(80, nanEvery: 19)]])
        let expected = Self.reference(kernel, input)
        for threads in [1, 2] {
            var got = CensusKernel.Components(count: n, hazards: 2)
            kernel.pass1(input, into: &got, threads: threads)
            #expect(Self.same(got.exposedValue, expected.exposedValue))
            for h in 0..<2 {
                #expect(Self.same(got.loss[h], expected.loss[h]), "loss of hazard \(h), \(threads) threads")
                #expect(Self.same(got.fatalities[h], expected.fatalities[h]), "fatalities of hazard \(h)")
                #expect(Self.same(got.hazardIndicator[h], expected.hazardIndicator[h]), "indicator of hazard \(h)")
                #expect(Self.same(got.lossRatio[h], expected.lossRatio[h]), "loss ratio of hazard \(h)")
            }
        }
    }

    @Test func batchedCurveEqualsTheCurve() throws {
        let c = try PiecewiseLinearCurve(xs: [0.1, 0.5, 0.5, 2, 2, 6], ys: [0.01, 0.2, 0.3, 0.5, 0.6, 1])
        let xs: [Float] = [-1, 0, 0.1, 0.3, 0.5, 0.50001, 1.9999, 2, 3, 6, 7, .nan, .infinity, -.infinity]
        var out = [Double](repeating: -1, count: xs.count)
        xs.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { c.compiled.evaluate(x.baseAddress!, count: xs.count, into: $0.baseAddress!) } }
        for (x, y) in zip(xs, out) {
            let want = c(Double(x))
            #expect(y.bitPattern == want.bitPattern || (y.isNaN && want.isNaN), "x = \(x)")
        }
    }
}
