import Dispatch

/// Which facilities each demand unit can reach and at what cost (metres, seconds, or the unit
/// of a supplied OD matrix), as sparse lists, plus each unit's nearest facility at any cost.
/// Every coverage analysis reads this one table, whichever way the costs were made (Euclidean,
/// road network, OD matrix).
public struct ReachTable: Sendable {
    public let demandCount: Int
    public let facilityCount: Int
    /// The reach limit the lists were built with; pairs costing more are not listed.
    public let maxCost: Double
    /// Facilities of demand i: `start[i] ..< start[i + 1]`, ascending by cost, then facility.
    public let start: [Int]
    public let facility: [Int32]
    public let cost: [Double]
    /// The cheapest facility of each demand unit at any cost (nil where none is reachable).
    public let nearest: [Int32?]
    public let nearestCost: [Double]

    /// From (demand, facility, cost) pairs in any order; the cheapest of repeated pairs counts.
    /// The nearest facility is taken over all pairs, the lists keep those within `maxCost`.
    public init(demandCount: Int, facilityCount: Int, maxCost: Double, pairs: [(demand: Int, facility: Int, cost: Double)]) {
        self.demandCount = demandCount
        self.facilityCount = facilityCount
        self.maxCost = maxCost
        var nearest = [Int32?](repeating: nil, count: demandCount)
        var nearestCost = [Double](repeating: .infinity, count: demandCount)
        var counts = [Int](repeating: 0, count: demandCount + 1)
        for p in pairs {
            if p.cost < nearestCost[p.demand] || (p.cost == nearestCost[p.demand] && Int32(p.facility) < nearest[p.demand]!) {
                nearestCost[p.demand] = p.cost
                nearest[p.demand] = Int32(p.facility)
            }
            if p.cost <= maxCost { counts[p.demand + 1] += 1 }
        }
        for i in 0..<demandCount { counts[i + 1] += counts[i] }
        var fill = counts
        var f = [Int32](repeating: 0, count: counts[demandCount]), c = [Double](repeating: 0, count: counts[demandCount])
        for p in pairs where p.cost <= maxCost {
            f[fill[p.demand]] = Int32(p.facility)
            c[fill[p.demand]] = p.cost
            fill[p.demand] += 1
        }
        // Sort each list by (cost, facility) and drop repeated facilities, keeping the cheapest.
        var start = [0]
        var outF: [Int32] = [], outC: [Double] = []
        outF.reserveCapacity(f.count)
        outC.reserveCapacity(c.count)
        for i in 0..<demandCount {
            let range = counts[i]..<counts[i + 1]
            let sorted = range.sorted { (c[$0], f[$0]) < (c[$1], f[$1]) }
            var seen = Set<Int32>()
            for k in sorted where seen.insert(f[k]).inserted {
                outF.append(f[k])
                outC.append(c[k])
            }
            start.append(outF.count)
        }
        self.start = start
        facility = outF
        cost = outC
        self.nearest = nearest
        self.nearestCost = nearestCost
    }

    /// Straight-line distances in a projected CRS (metres): a uniform grid over the facilities
    /// with cells of `maxCost`, so each unit checks 3 × 3 cells for its list and rings outward
    /// for its nearest facility.
    ///
    /// - Complexity: O(demand × facilities within reach) plus the ring search.
    public static func euclidean(demand: [Position], facilities: [Position], maxCost: Double) -> ReachTable {
        guard !facilities.isEmpty else {
            return ReachTable(demandCount: demand.count, facilityCount: 0, maxCost: maxCost, pairs: [])
        }
        let grid = PointGrid(facilities, cell: max(maxCost, 1))
        // Chunks of units searched on all cores, joined in chunk order (the result does not
        // depend on the thread count).
        let chunk = 16_384
        let chunks = (demand.count + chunk - 1) / chunk
        let store = ChunkResults<[(demand: Int, facility: Int, cost: Double)]>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            var pairs: [(demand: Int, facility: Int, cost: Double)] = []
            for i in k * chunk..<min(demand.count, (k + 1) * chunk) {
                let p = demand[i]
                var found = false
                grid.forEach(near: p, radius: maxCost) { j, d in
                    pairs.append((i, j, d))
                    found = true
                }
                if !found, let (j, d) = grid.nearest(to: p) { pairs.append((i, j, d)) }
            }
            store.put(k, pairs)
        }
        let pairs = (0..<chunks).flatMap { store.take($0) }
        return ReachTable(demandCount: demand.count, facilityCount: facilities.count, maxCost: maxCost, pairs: pairs)
    }

    /// The (facility, cost) pairs of demand i.
    @inline(__always)
    public func reach(_ i: Int) -> Range<Int> { start[i]..<start[i + 1] }
}

/// A uniform grid over points for radius and nearest queries in a projected CRS.
struct PointGrid {
    let points: [Position]
    let cell: Double
    let x0: Double, y0: Double
    let cols: Int, rows: Int
    let start: [Int], members: [Int]

    init(_ points: [Position], cell: Double) {
        self.points = points
        let xs = points.map(\.x), ys = points.map(\.y)
        x0 = xs.min()!
        y0 = ys.min()!
        // At most about 4 million cells, whatever the cell size asked for.
        let span = max(xs.max()! - x0, ys.max()! - y0, 1)
        let c = max(cell, span / 2000)
        self.cell = c
        cols = Int((xs.max()! - x0) / c) + 1
        rows = Int((ys.max()! - y0) / c) + 1
        var counts = [Int](repeating: 0, count: cols * rows + 1)
        var key = [Int](repeating: 0, count: points.count)
        for (k, p) in points.enumerated() {
            key[k] = Int((p.y - y0) / c) * cols + Int((p.x - x0) / c)
            counts[key[k] + 1] += 1
        }
        for g in 0..<(cols * rows) { counts[g + 1] += counts[g] }
        var fill = counts
        var members = [Int](repeating: 0, count: points.count)
        for k in points.indices {
            members[fill[key[k]]] = k
            fill[key[k]] += 1
        }
        start = counts
        self.members = members
    }

    static func distance(_ a: Position, _ b: Position) -> Double {
        let dx = a.x - b.x, dy = a.y - b.y
        return (dx * dx + dy * dy).squareRoot()
    }

    /// Calls `body(index, distance)` for every point within `radius` of p.
    func forEach(near p: Position, radius: Double, _ body: (Int, Double) -> Void) {
        let c0 = max(0, Int(((p.x - radius - x0) / cell).rounded(.down))), c1 = min(cols - 1, Int(((p.x + radius - x0) / cell).rounded(.down)))
        let r0 = max(0, Int(((p.y - radius - y0) / cell).rounded(.down))), r1 = min(rows - 1, Int(((p.y + radius - y0) / cell).rounded(.down)))
        guard c0 <= c1, r0 <= r1 else { return }
        for r in r0...r1 {
            for c in c0...c1 {
                let g = r * cols + c
                for m in start[g]..<start[g + 1] {
                    let d = Self.distance(p, points[members[m]])
                    if d <= radius { body(members[m], d) }
                }
            }
        }
    }

    /// The nearest point (lowest index among equals), by rings of cells.
    func nearest(to p: Position) -> (Int, Double)? {
        guard !points.isEmpty else { return nil }
        let pc = Int(((p.x - x0) / cell).rounded(.down)), pr = Int(((p.y - y0) / cell).rounded(.down))
        var best: (Int, Double)?
        var ring = 0
        while true {
            // Points in ring k are at least (k - 1) cells away from p's cell edge.
            if let b = best, Double(ring - 1) * cell > b.1 { return b }
            if ring > max(cols, rows) + abs(pc) + abs(pr) + 1 { return best }
            for r in (pr - ring)...(pr + ring) where r >= 0 && r < rows {
                for c in (pc - ring)...(pc + ring) where c >= 0 && c < cols {
                    guard max(abs(r - pr), abs(c - pc)) == ring else { continue }
                    let g = r * cols + c
                    for m in start[g]..<start[g + 1] {
                        let k = members[m], d = Self.distance(p, points[k])
                        if best == nil || d < best!.1 || (d == best!.1 && k < best!.0) { best = (k, d) }
                    }
                }
            }
            ring += 1
        }
    }
}
