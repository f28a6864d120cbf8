import Testing
@testable import RiskCore
import RealModule

/// Coverage models on hand-solved instances; optimality of the assignment proven by enumerating
/// every integral assignment of tiny cases.
@Suite struct CoverageTests {
    func table(_ n: Int, _ m: Int, _ pairs: [(Int, Int, Double)], maxCost: Double = .infinity) -> ReachTable {
        ReachTable(demandCount: n, facilityCount: m, maxCost: maxCost, pairs: pairs.map { ($0.0, $0.1, $0.2) })
    }

    @Test func euclideanReachMatchesBruteForce() {
        var rng = SystemRandomNumberGenerator()
        let facilities = (0..<60).map { _ in Position(Double.random(in: 0...10_000, using: &rng), Double.random(in: 0...8_000, using: &rng)) }
        let demand = (0..<500).map { _ in Position(Double.random(in: -2_000...12_000, using: &rng), Double.random(in: -2_000...10_000, using: &rng)) }
        let t = ReachTable.euclidean(demand: demand, facilities: facilities, maxCost: 1_500)
        for (i, p) in demand.enumerated() {
            let d = facilities.map { ((p.x - $0.x) * (p.x - $0.x) + (p.y - $0.y) * (p.y - $0.y)).squareRoot() }
            let within = d.indices.filter { d[$0] <= 1_500 }.sorted { (d[$0], $0) < (d[$1], $1) }
            #expect(t.reach(i).map { Int(t.facility[$0]) } == within)
            let best = d.indices.min { (d[$0], $0) < (d[$1], $1) }!
            #expect(t.nearest[i] == Int32(best) && abs(t.nearestCost[i] - d[best]) < 1e-9)
        }
    }

    /// Integer coordinates make many equal distances: the tree must still return the lowest
    /// index among the nearest.
    @Test func treeNearestMatchesBruteForceWithTies() {
        var rng = SystemRandomNumberGenerator()
        let points = (0..<300).map { _ in Position(Double(Int.random(in: 0...40, using: &rng)) * 10, Double(Int.random(in: 0...40, using: &rng)) * 10) }
        let tree = PointTree(points)
        for _ in 0..<3_000 {
            let p = Position(Double(Int.random(in: -20...60, using: &rng)) * 10, Double(Int.random(in: -20...60, using: &rng)) * 5)
            let d = points.map { PointGrid.distance(p, $0) }
            let best = d.indices.min { (d[$0], $0) < (d[$1], $1) }!
            let got = tree.nearest(to: p)
            #expect(got?.0 == best && got?.1 == d[best])
        }
        #expect(PointTree([]).nearest(to: Position(0, 0)) == nil)
    }

    /// The block candidate lists answer far queries as the tree does (ties to the lowest index
    /// included), for blocks smaller and larger than the spacing of the points; the tree's
    /// radius search lists exactly the points within the radius.
    @Test func blockCandidatesAndRadiusSearchMatchBruteForce() {
        var rng = SystemRandomNumberGenerator()
        let points = (0..<200).map { _ in Position(Double(Int.random(in: 0...30, using: &rng)) * 100, Double(Int.random(in: 0...30, using: &rng)) * 100) }
        let tree = PointTree(points)
        for block in [70.0, 500, 5_000] {
            var far = NearestByBlock(tree: tree, block: block)
            for _ in 0..<3_000 {
                let p = Position(Double(Int.random(in: -300...600, using: &rng)) * 10, Double(Int.random(in: -300...600, using: &rng)) * 10)
                let d = points.map { PointGrid.distance(p, $0) }
                let best = d.indices.min { (d[$0], $0) < (d[$1], $1) }!
                let got = far.nearest(to: p)
                #expect(got?.0 == best && got?.1 == d[best], "block \(block), point \(p)")
                let r = Double(Int.random(in: 0...1_500, using: &rng))
                var within: [Int] = []
                tree.forEach(within: r, of: p) { within.append($0) }
                #expect(within.sorted() == d.indices.filter { d[$0] <= r })
            }
        }
        var none = NearestByBlock(tree: PointTree([]), block: 100)
        #expect(none.nearest(to: Position(0, 0)) == nil)
    }

    /// The general constructor (OD pairs in any order, repeats, pairs beyond reach) and the
    /// Euclidean search build the same table.
    @Test func pairTableMatchesEuclideanTable() {
        var rng = SystemRandomNumberGenerator()
        let facilities = (0..<40).map { _ in Position(Double.random(in: 0...5_000, using: &rng), Double.random(in: 0...5_000, using: &rng)) }
        let demand = (0..<70_000).map { _ in Position(Double.random(in: -1_000...6_000, using: &rng), Double.random(in: -1_000...6_000, using: &rng)) }
        let e = ReachTable.euclidean(demand: demand, facilities: facilities, maxCost: 800)
        var pairs: [(demand: Int, facility: Int, cost: Double)] = []
        for (i, p) in demand.enumerated() {
            for (j, f) in facilities.enumerated() {
                let d = PointGrid.distance(p, f)
                pairs.append((i, j, d))
                if j % 7 == 0 { pairs.append((i, j, d + 50)) }   // a dearer repeat is ignored
            }
        }
        pairs.shuffle(using: &rng)
        let g = ReachTable(demandCount: demand.count, facilityCount: facilities.count, maxCost: 800, pairs: pairs)
        #expect(g.start == e.start && g.facility == e.facility && g.cost == e.cost)
        #expect(g.nearest == e.nearest && g.nearestCost == e.nearestCost)
        #expect(e.start.count == demand.count + 1 && e.start.last == e.facility.count)
    }

    @Test func exactAssignmentBeatsGreedyByHand() {
        // D0 (10 persons) reaches F0 at 1 and F1 at 2; D1 (10) reaches only F0 at 1; capacities 10, 10.
        // Greedy fills F0 with D0 and leaves D1 unserved (10 served); the optimum sends D0 to F1:
        // 20 served at cost 2·10 + 1·10 = 30.
        let t = table(2, 2, [(0, 0, 1), (0, 1, 2), (1, 0, 1)])
        let greedy = CapacitatedAssignment.greedy(t, demand: [10, 10], capacity: [10, 10])
        let exact = CapacitatedAssignment.solve(t, demand: [10, 10], capacity: [10, 10])
        #expect(greedy.totalServed == 10)
        #expect(abs(exact.totalServed - 20) < 1e-9 && abs(exact.totalCost - 30) < 1e-9)
        #expect(exact.assigned == [10, 10] && exact.served == [10, 10])
        #expect(exact.mainFacility(demandCount: 2) == [1, 0])
        // D0 (10) split 4 to F0 (at 1) and 6 to F1 (at 2): its main facility is F1; D1 (5) is
        // unserved, D2 (0) has no demand; an even split goes to the cheaper facility.
        let split = CapacitatedAssignment.solve(table(3, 2, [(0, 0, 1), (0, 1, 2), (1, 0, 3)]), demand: [10, 5, 0], capacity: [4, 6])
        #expect(split.mainFacility(demandCount: 3) == [1, -1, -1] && split.served == [10, 0, 0])
        let even = CapacitatedAssignment.solve(table(1, 2, [(0, 0, 1), (0, 1, 2)]), demand: [10], capacity: [5, 5])
        #expect(even.mainFacility(demandCount: 1) == [0])
    }

    /// Every integral assignment of tiny instances: the solver serves the maximum, and its cost
    /// is the least of all assignments that serve each unit the same amount.
    @Test func exactAssignmentIsOptimalByEnumeration() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let n = Int.random(in: 1...3, using: &rng), m = Int.random(in: 1...3, using: &rng)
            let demand = (0..<n).map { _ in Double(Int.random(in: 0...3, using: &rng)) }
            let capacity = (0..<m).map { _ in Double(Int.random(in: 0...3, using: &rng)) }
            var pairs: [(Int, Int, Double)] = []
            for i in 0..<n { for j in 0..<m where Bool.random(using: &rng) { pairs.append((i, j, Double(Int.random(in: 1...9, using: &rng)))) } }
            let t = table(n, m, pairs)
            let exact = CapacitatedAssignment.solve(t, demand: demand, capacity: capacity)
            var bestServed = -1.0, cheapestSamePattern = Double.infinity
            // Enumerate x over the pairs, each 0…demand of its unit.
            func go(_ k: Int, _ x: [Double]) {
                if k == pairs.count {
                    var s = [Double](repeating: 0, count: n), a = [Double](repeating: 0, count: m), c = 0.0
                    for (p, v) in zip(pairs, x) { s[p.0] += v; a[p.1] += v; c += v * p.2 }
                    guard zip(s, demand).allSatisfy({ $0 <= $1 }), zip(a, capacity).allSatisfy({ $0 <= $1 }) else { return }
                    bestServed = max(bestServed, s.reduce(0, +))
                    if zip(s, exact.served).allSatisfy({ abs($0 - $1) < 1e-9 }) { cheapestSamePattern = min(cheapestSamePattern, c) }
                    return
                }
                for v in 0...Int(demand[pairs[k].0]) { go(k + 1, x + [Double(v)]) }
            }
            go(0, [])
            let greedy = CapacitatedAssignment.greedy(t, demand: demand, capacity: capacity)
            #expect(abs(exact.totalServed - bestServed) < 1e-9, "\(demand) \(capacity) \(pairs)")
            #expect(abs(exact.totalCost - cheapestSamePattern) < 1e-9, "\(demand) \(capacity) \(pairs)")
            #expect(exact.totalServed >= greedy.totalServed - 1e-9)
            for j in 0..<m { #expect(exact.assigned[j] <= capacity[j] + 1e-9) }
        }
    }

    @Test func twoStepFloatingCatchmentByHand() {
        // Facilities F0 (supply 100) and F1 (60); demand D0 = 50 reaches both, D1 = 30 only F0,
        // D2 = 20 only F1, all within the radius.
        // R0 = 100 / (50 + 30) = 1.25; R1 = 60 / (50 + 20) = 6/7.
        // A0 = 1.25 + 6/7, A1 = 1.25, A2 = 6/7; Σ P·A = 50·(1.25 + 6/7) + 30·1.25 + 20·6/7 = 160.
        let t = table(3, 2, [(0, 0, 100), (0, 1, 900), (1, 0, 400), (2, 1, 200)])
        let r = Accessibility.compute(t, demand: [50, 30, 20], supply: [100, 60], weighting: .uniform(radius: 1_000))
        #expect(abs(r.ratio[0] - 1.25) < 1e-12 && abs(r.ratio[1] - 6.0 / 7) < 1e-12)
        #expect(abs(r.access[0] - (1.25 + 6.0 / 7)) < 1e-12 && abs(r.access[1] - 1.25) < 1e-12 && abs(r.access[2] - 6.0 / 7) < 1e-12)
        #expect(abs(zip([50.0, 30, 20], r.access).reduce(0) { $0 + $1.0 * $1.1 } - 160) < 1e-9)
        // E2SFCA bands 500:1, 1000:0.5: D0–F1 (900 m) weighs 0.5 in both steps.
        // R1 = 60 / (0.5·50 + 20) = 4/3; R0 = 1.25; A0 = 1.25 + 0.5·4/3.
        let e = Accessibility.compute(t, demand: [50, 30, 20], supply: [100, 60], weighting: .bands([(500, 1), (1000, 0.5)]))
        #expect(abs(e.ratio[1] - 4.0 / 3) < 1e-12 && abs(e.access[0] - (1.25 + 2.0 / 3)) < 1e-12)
        #expect(abs(zip([50.0, 30, 20], e.access).reduce(0) { $0 + $1.0 * $1.1 } - 160) < 1e-9)
        // Gaussian σ = 500: W(900) = exp(−1.62), W(400) = exp(−0.32), W(200) = exp(−0.08), W(100) = exp(−0.02).
        let g = Accessibility.compute(t, demand: [50, 30, 20], supply: [100, 60], weighting: .gaussian(sigma: 500, radius: 1_000))
        let r0 = 100 / (50 * Double.exp(-0.02) + 30 * Double.exp(-0.32)), r1 = 60 / (50 * Double.exp(-1.62) + 20 * Double.exp(-0.08))
        #expect(abs(g.access[0] - (r0 * Double.exp(-0.02) + r1 * Double.exp(-1.62))) < 1e-12)
        #expect(abs(zip([50.0, 30, 20], g.access).reduce(0) { $0 + $1.0 * $1.1 } - 160) < 1e-9)
    }
}

@Suite struct RoadNetworkTests {
    /// An L-shaped road (0,0)–(1000,0)–(1000,1000) at 60 km/h, and a spur (1000,0)–(2000,0) at 30.
    let roads: [(points: [Position], speedKmh: Double)] = [
        ([Position(0, 0), Position(1000, 0), Position(1000, 1000)], 60),
        ([Position(1000, 0), Position(2000, 0)], 30),
    ]

    @Test func networkLengthsAndTimesByHand() {
        let length = RoadNetwork(lines: roads, cost: .length)
        #expect(length.nodes.count == 4)   // the shared vertex is one node
        // Demand at (1000, 1010) joins (1000, 1000) 10 m away; facility at (-5, 0) joins (0, 0).
        // Network: 1000 + 1000, plus the two steps: 2015 m. Straight line would be 1426 m.
        let t = length.reachTable(demand: [Position(1000, 1010), Position(2000, 3)], facilities: [Position(-5, 0)], maxCost: 2100)
        #expect(t.reach(0).map { t.cost[$0] } == [2015])
        // The second unit: 1000 + 1000 + 3 + 5 = 2008.
        #expect(t.reach(1).map { t.cost[$0] } == [2008])
        // Time: 1 km at 60 km/h = 1 min, 1 km at 30 km/h = 2 min; the 3 m and 5 m steps at 5 km/h.
        let time = RoadNetwork(lines: roads, cost: .time)
        let tt = time.reachTable(demand: [Position(2000, 3)], facilities: [Position(-5, 0)], maxCost: 4)
        let expected = 1.0 + 2.0 + (3.0 + 5.0) / 1000 / 5 * 60
        #expect(tt.reach(0).count == 1 && abs(tt.cost[tt.reach(0).first!] - expected) < 1e-12)
        // Beyond the limit the unit keeps its nearest facility, unlisted.
        let short = time.reachTable(demand: [Position(2000, 3)], facilities: [Position(-5, 0)], maxCost: 2)
        #expect(short.reach(0).isEmpty && short.nearest[0] == 0 && abs(short.nearestCost[0] - expected) < 1e-12)
    }
}
