import Testing
@testable import RiskOptimize

/// The siting models against every subset of candidates on tiny instances (optimality by
/// enumeration), hand-solved cases, and the heuristic path.
@Suite struct SitingTests {
    /// Random instance: demand units and facilities on a line segment grid, costs = distance.
    func instance(_ rng: inout some RandomNumberGenerator, n: Int, existing: Int, candidates: Int, dropPairs: Bool = false) -> SitingProblem {
        let dx = (0..<n).map { _ in Double.random(in: 0...10, using: &rng) }, dy = (0..<n).map { _ in Double.random(in: 0...10, using: &rng) }
        let m = existing + candidates
        let fx = (0..<m).map { _ in Double.random(in: 0...10, using: &rng) }, fy = (0..<m).map { _ in Double.random(in: 0...10, using: &rng) }
        var pairs: [(demand: Int, facility: Int, cost: Double)] = []
        for i in 0..<n {
            for j in 0..<m where !dropPairs || Double.random(in: 0...1, using: &rng) < 0.8 {
                pairs.append((i, j, ((dx[i] - fx[j]) * (dx[i] - fx[j]) + (dy[i] - fy[j]) * (dy[i] - fy[j])).squareRoot()))
            }
        }
        return SitingProblem(demand: (0..<n).map { _ in Double(Int.random(in: 1...9, using: &rng)) }, existing: existing, facilityCount: m,
                             pairs: pairs, radius: (0..<m).map { _ in Double.random(in: 2...5, using: &rng) },
                             capacity: (0..<m).map { _ in Double(Int.random(in: 5...25, using: &rng)) })
    }

    func subsets(_ pool: [Int], _ k: Int) -> [[Int]] {
        if k == 0 { return [[]] }
        guard let first = pool.first else { return [] }
        let rest = Array(pool.dropFirst())
        return subsets(rest, k - 1).map { [first] + $0 } + subsets(rest, k)
    }

    @Test func everyModelIsOptimalByEnumeration() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<12 {
            let pr = instance(&rng, n: 9, existing: Int.random(in: 0...1, using: &rng), candidates: 5)
            for (model, capacitated) in [(SitingModel.mclp, false), (.pmedian, false), (.pcenter, false), (.mclp, true), (.pmedian, true)] {
                let p = Int.random(in: 1...3, using: &rng)
                let builder = ModelBuilder(problem: pr, model: model, p: p, capacitated: capacitated)
                let values = subsets(Array(pr.candidates), p).map { builder.evaluate($0) }
                let best = model == .mclp ? values.max()! : values.min()!
                switch Result(catching: { () throws(SitingError) in try Siting.solve(pr, model: model, p: p, capacitated: capacitated) }) {
                case .success(let r):
                    #expect(r.optimal && r.selected.count == p)
                    #expect(abs(r.objective - best) <= 1e-7 * max(1, abs(best)), "\(model) capacitated \(capacitated): \(r.objective) vs \(best)")
                case .failure(let e):
                    #expect(e == .insufficientCapacity && best == .infinity, "\(e): enumeration found \(best)")
                }
            }
            // LSCP: the fewest sites such that every unit is covered.
            switch Result(catching: { () throws(SitingError) in try Siting.solve(pr, model: .lscp, p: nil) }) {
            case .success(let r):
                let builder = ModelBuilder(problem: pr, model: .mclp, p: 0, capacitated: false)
                let all = pr.demand.reduce(0, +)
                let fewest = (0...pr.candidates.count).first { k in subsets(Array(pr.candidates), k).contains { abs(builder.evaluate($0) - all) < 1e-9 } }
                #expect(r.optimal && r.selected.count == fewest && Int(r.objective) == fewest)
                #expect(abs(builder.evaluate(r.selected) - all) < 1e-9)
            case .failure(let e):
                if case .uncoverable(let units) = e { #expect(!units.isEmpty) } else { Issue.record("\(e)") }
            }
        }
    }

    @Test func handSolvedMCLPAndPMedian() throws {
        // Units at 0, 1, 10, 11 (weights 5, 5, 1, 1) on a line; candidates at 0.5 and 10.5, radius 1.
        // MCLP with p = 1 covers the heavy pair (10); p-median with p = 1 picks 0.5:
        // 5·0.5·2 + 1·9.5 + 1·10.5 = 25 against 1·0.5·2 + 5·10.5 + 5·9.5 = 101.
        let x = [0.0, 1, 10, 11], f = [0.5, 10.5]
        var pairs: [(demand: Int, facility: Int, cost: Double)] = []
        for i in 0..<4 { for j in 0..<2 { pairs.append((i, j, abs(x[i] - f[j]))) } }
        let pr = SitingProblem(demand: [5, 5, 1, 1], existing: 0, facilityCount: 2, pairs: pairs, radius: [1, 1], capacity: [6, 100])
        let m = try Siting.solve(pr, model: .mclp, p: 1)
        #expect(m.selected == [0] && m.objective == 10 && m.optimal)
        let pm = try Siting.solve(pr, model: .pmedian, p: 1)
        #expect(pm.selected == [0] && abs(pm.objective - 25) < 1e-9)
        // Capacitated MCLP: site 0 holds 6 of the 10, site 1 all 2 within reach: 6 > 2, still site 0.
        let cm = try Siting.solve(pr, model: .mclp, p: 1, capacitated: true)
        #expect(cm.selected == [0] && abs(cm.objective - 6) < 1e-9)
        // p-center with p = 1: site 0's farthest unit is at 10.5, site 1's at 10.5 too; tie → either, cost 10.5.
        let pc = try Siting.solve(pr, model: .pcenter, p: 1)
        #expect(abs(pc.objective - 10.5) < 1e-9)
        #expect(throws: SitingError.tooFewCandidates(p: 3, candidates: 2)) { try Siting.solve(pr, model: .mclp, p: 3) }
    }

    @Test func lscpNamesUncoverableUnits() {
        let pr = SitingProblem(demand: [1, 1], existing: 0, facilityCount: 1, pairs: [(0, 0, 1), (1, 0, 50)], radius: [10], capacity: [10])
        #expect(throws: SitingError.uncoverable([1])) { try Siting.solve(pr, model: .lscp, p: nil) }
    }

    @Test func heuristicPathReportsItsGap() throws {
        var rng = SystemRandomNumberGenerator()
        let pr = instance(&rng, n: 30, existing: 1, candidates: 8)
        let exact = try Siting.solve(pr, model: .pmedian, p: 3)
        let heuristic = try Siting.solve(pr, model: .pmedian, p: 3, maxNonZeros: 0)
        #expect(!heuristic.optimal && heuristic.method.contains("Teitz"))
        #expect(heuristic.objective >= exact.objective - 1e-9)
        #expect(heuristic.selected.count == 3)
        // The Lagrangian bound lies below the optimum (and so below the heuristic's value).
        let bound = try #require(heuristic.bound)
        #expect(bound <= exact.objective + 1e-6 && bound > 0)
        #expect(abs(heuristic.gap! - (heuristic.objective - bound) / heuristic.objective) < 1e-12)
        // MCLP and LSCP fallbacks: their bounds hold against the exact optimum.
        let mclp = try Siting.solve(pr, model: .mclp, p: 2), mclpH = try Siting.solve(pr, model: .mclp, p: 2, maxNonZeros: 0)
        #expect(mclpH.objective <= mclp.objective + 1e-9 && mclpH.bound! >= mclp.objective - 1e-9)
        if let lscp = try? Siting.solve(pr, model: .lscp, p: nil) {
            let lscpH = try Siting.solve(pr, model: .lscp, p: nil, maxNonZeros: 0)
            #expect(lscpH.objective >= lscp.objective && lscpH.bound! <= lscp.objective)
        }
    }
}
