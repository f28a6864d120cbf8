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

    /// The lists of a run of consecutive demand units, built on one thread. Per-unit values go
    /// straight into the table's arrays (the runs' units are disjoint); the pairs go into the
    /// run's own lists, joined in unit order, so the table does not depend on the thread count.
    struct Part {
        var facility: [Int32] = []
        var cost: [Double] = []
        /// The table's per-unit arrays, written at `next`.
        private let length: UnsafeMutablePointer<Int32>
        private let nearest: UnsafeMutablePointer<Int32?>
        private let nearestCost: UnsafeMutablePointer<Double>
        private(set) var next: Int

        init(_ units: InPlaceColumns<Int32, Int32?, Double>, first: Int) {
            (length, nearest, nearestCost) = (units.first, units.second, units.third)
            next = first
        }

        /// Appends unit `next`'s list: the first `count` entries of `list`, sorted here by
        /// (cost, facility), repeated facilities dropped (the cheapest kept) unless `unique`
        /// says there are none. Its nearest facility is the list's first, else `beyond`.
        mutating func append(_ list: UnsafeMutableBufferPointer<(cost: Double, facility: Int32)>, count: Int,
                             beyond: (Int32, Double)?, unique: Bool = false) {
            if count > 1 {
                if count <= 16 {
                    for a in 1..<count {   // insertion sort: lists are short
                        let x = list[a]
                        var b = a
                        while b > 0, (list[b - 1].cost, list[b - 1].facility) > (x.cost, x.facility) {
                            list[b] = list[b - 1]
                            b -= 1
                        }
                        list[b] = x
                    }
                } else {
                    var head = UnsafeMutableBufferPointer(rebasing: list[0..<count])
                    head.sort { ($0.cost, $0.facility) < ($1.cost, $1.facility) }
                }
            }
            let first = facility.count
            if unique {
                for x in list[0..<count] {
                    facility.append(x.facility)
                    cost.append(x.cost)
                }
            } else if count <= 32 {
                for x in list[0..<count] where !facility[first...].contains(x.facility) {
                    facility.append(x.facility)
                    cost.append(x.cost)
                }
            } else {
                var seen = Set<Int32>(minimumCapacity: count)
                for x in list[0..<count] where seen.insert(x.facility).inserted {
                    facility.append(x.facility)
                    cost.append(x.cost)
                }
            }
            length[next] = Int32(facility.count - first)
            if count > 0 {
                nearest[next] = list[0].facility
                nearestCost[next] = list[0].cost
            } else {
                nearest[next] = beyond?.0
                nearestCost[next] = beyond?.1 ?? .infinity
            }
            next += 1
        }
    }

    /// Builds the table from `fill(&part, units)`, run on all cores over runs of `chunk`
    /// consecutive units; `fill` appends each unit of its run once, in order.
    init(demandCount n: Int, facilityCount: Int, maxCost: Double, chunk: Int = 16_384,
         _ fill: @escaping @Sendable (inout Part, Range<Int>) -> Void) {
        demandCount = n
        self.facilityCount = facilityCount
        self.maxCost = maxCost
        let chunks = (n + chunk - 1) / chunk
        let lists = ChunkResults<(facility: [Int32], cost: [Double])>(count: chunks)
        // The per-unit arrays are written by the workers, each in its own range.
        let (length, nearest, nearestCost) = filledInPlace(count: n) { (units: InPlaceColumns<Int32, Int32?, Double>) in
            Workers.forEach(chunks) { k in
                let range = k * chunk..<min(n, (k + 1) * chunk)
                var part = Part(units, first: range.lowerBound)
                fill(&part, range)
                precondition(part.next == range.upperBound, "units \(range) filled up to \(part.next)")
                lists.put(k, (part.facility, part.cost))
            }
        }
        self.nearest = nearest
        self.nearestCost = nearestCost
        var start = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { start[i + 1] = start[i] + Int(length[i]) }
        self.start = start
        var facility: [Int32] = [], cost: [Double] = []
        facility.reserveCapacity(start[n])
        cost.reserveCapacity(start[n])
        for k in 0..<chunks {
            let l = lists.take(k)
            facility.append(contentsOf: l.facility)
            cost.append(contentsOf: l.cost)
        }
        self.facility = facility
        self.cost = cost
    }

    /// From (demand, facility, cost) pairs in any order; the cheapest of repeated pairs counts.
    /// The nearest facility is taken over all pairs, the lists keep those within `maxCost`.
    public init(demandCount: Int, facilityCount: Int, maxCost: Double, pairs: [(demand: Int, facility: Int, cost: Double)]) {
        // Nearest over every pair, then the pairs grouped by unit (a counting sort).
        var nearest = [(Int32, Double)?](repeating: nil, count: demandCount)
        var counts = [Int](repeating: 0, count: demandCount + 1)
        for p in pairs {
            if let b = nearest[p.demand], (b.1, b.0) <= (p.cost, Int32(p.facility)) {} else { nearest[p.demand] = (Int32(p.facility), p.cost) }
            if p.cost <= maxCost { counts[p.demand + 1] += 1 }
        }
        for i in 0..<demandCount { counts[i + 1] += counts[i] }
        var fill = counts
        var grouped = [(cost: Double, facility: Int32)](repeating: (0, 0), count: counts[demandCount])
        for p in pairs where p.cost <= maxCost {
            grouped[fill[p.demand]] = (p.cost, Int32(p.facility))
            fill[p.demand] += 1
        }
        let (offsets, lists, nearestPair) = (counts, grouped, nearest)
        let longest = (0..<demandCount).map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0
        self.init(demandCount: demandCount, facilityCount: facilityCount, maxCost: maxCost) { part, range in
            withUnsafeTemporaryAllocation(of: (cost: Double, facility: Int32).self, capacity: max(1, longest)) { list in
                for i in range {
                    let count = offsets[i + 1] - offsets[i]
                    for k in 0..<count { list[k] = lists[offsets[i] + k] }
                    part.append(list, count: count, beyond: nearestPair[i])
                }
            }
        }
    }

    /// Straight-line distances in a projected CRS (metres): a uniform grid over the facilities
    /// with cells of `maxCost`, so each unit checks 3 × 3 cells for its list, and, when the list
    /// is empty, its nearest facility from the candidate list of its block (`NearestByBlock`,
    /// made once per block from a 2-d tree).
    ///
    /// With `maxCost` infinite (p-median, p-center), every pair is listed.
    ///
    /// - Complexity: O(demand × facilities within reach), plus per unit beyond reach a scan of
    ///   its block's candidates (the facilities within the block's nearest distance plus its
    ///   diagonal).
    public static func euclidean(demand: [Position], facilities: [Position], maxCost: Double) -> ReachTable {
        guard !facilities.isEmpty else {
            return ReachTable(demandCount: demand.count, facilityCount: 0, maxCost: maxCost, pairs: [])
        }
        guard maxCost.isFinite else {
            // Every pair (p-median and p-center over all candidates): there is no radius to search.
            var pairs: [(demand: Int, facility: Int, cost: Double)] = []
            pairs.reserveCapacity(demand.count * facilities.count)
            for (i, a) in demand.enumerated() {
                for (j, b) in facilities.enumerated() { pairs.append((i, j, PointGrid.distance(a, b))) }
            }
            return ReachTable(demandCount: demand.count, facilityCount: facilities.count, maxCost: maxCost, pairs: pairs)
        }
        let grid = PointGrid(facilities, cell: max(maxCost, 1)), tree = PointTree(facilities)
        return ReachTable(demandCount: demand.count, facilityCount: facilities.count, maxCost: maxCost) { part, range in
            var far = NearestByBlock(tree: tree, block: max(maxCost, 1))
            withUnsafeTemporaryAllocation(of: (cost: Double, facility: Int32).self, capacity: facilities.count) { list in
                grid.withView { view in
                    for i in range {
                        var count = 0
                        view.forEach(near: demand[i], radius: maxCost) { j, d in
                            list[count] = (d, Int32(j))
                            count += 1
                        }
                        var beyond: (Int32, Double)?
                        if count == 0, let (k, d) = far.nearest(to: demand[i]) { beyond = (Int32(k), d) }
                        part.append(list, count: count, beyond: beyond, unique: true)
                    }
                }
            }
        }
    }

    /// The (facility, cost) pairs of demand i.
    @inline(__always)
    public func reach(_ i: Int) -> Range<Int> { start[i]..<start[i + 1] }
}

/// A uniform grid over points for radius queries in a projected CRS.
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

    /// The grid through unsafe buffers, for the millions of queries of one run of units: a
    /// query reads a few cells, where the arrays' bounds checks would cost as much.
    func withView<R>(_ body: (View) -> R) -> R {
        points.withUnsafeBufferPointer { p in
            start.withUnsafeBufferPointer { s in
                members.withUnsafeBufferPointer { m in
                    body(View(points: p, start: s, members: m, cell: cell, x0: x0, y0: y0, cols: cols, rows: rows))
                }
            }
        }
    }

    struct View {
        let points: UnsafeBufferPointer<Position>
        let start: UnsafeBufferPointer<Int>, members: UnsafeBufferPointer<Int>
        let cell: Double, x0: Double, y0: Double
        let cols: Int, rows: Int

        /// Calls `body(index, distance)` for every point within `radius` of p.
        @inline(__always)
        func forEach(near p: Position, radius: Double, _ body: (Int, Double) -> Void) {
            let c0 = Swift.max(0, Int(((p.x - radius - x0) / cell).rounded(.down))), c1 = Swift.min(cols - 1, Int(((p.x + radius - x0) / cell).rounded(.down)))
            let r0 = Swift.max(0, Int(((p.y - radius - y0) / cell).rounded(.down))), r1 = Swift.min(rows - 1, Int(((p.y + radius - y0) / cell).rounded(.down)))
            guard c0 <= c1, r0 <= r1 else { return }
            for r in r0...r1 {
                for c in c0...c1 {
                    let g = r * cols + c
                    for m in start[g]..<start[g + 1] {
                        let k = members[m], d = PointGrid.distance(p, points[k])
                        if d <= radius { body(k, d) }
                    }
                }
            }
        }
    }
}

/// Nearest points for many queries beyond the service radius, through a candidate list per
/// square block of side `block`: with c the block's centre, d its nearest distance and h half
/// the block's diagonal, a point p of the block has its nearest within d + h of p, hence within
/// d + 2h of c. The candidates are the points within that distance of c, so a query scans a
/// short list instead of descending the tree; the answer (lowest index among equals) is the
/// tree's. Lists are made when a block is first asked for.
struct NearestByBlock {
    let tree: PointTree
    let block: Double
    private var lists: [SIMD2<Int>: [Int32]] = [:]

    init(tree: PointTree, block: Double) {
        self.tree = tree
        self.block = block
    }

    /// The last block asked for: neighbouring units mostly share it.
    private var last: (key: SIMD2<Int>, list: [Int32])?

    mutating func nearest(to p: Position) -> (Int, Double)? {
        let key = SIMD2(Int((p.x / block).rounded(.down)), Int((p.y / block).rounded(.down)))
        let list: [Int32]
        if let last, last.key == key {
            list = last.list
        } else {
            list = lists[key] ?? candidates(key)
            last = (key, list)
        }
        var bestK = -1, bestD = Double.infinity
        list.withUnsafeBufferPointer { list in
            tree.points.withUnsafeBufferPointer { points in
                for k32 in list {
                    let k = Int(k32), d = PointGrid.distance(p, points[k])
                    if d < bestD || (d == bestD && k < bestK) {
                        bestK = k
                        bestD = d
                    }
                }
            }
        }
        return bestK < 0 ? nil : (bestK, bestD)
    }

    private mutating func candidates(_ key: SIMD2<Int>) -> [Int32] {
        let c = Position((Double(key.x) + 0.5) * block, (Double(key.y) + 0.5) * block)
        guard let (_, d) = tree.nearest(to: c) else { return [] }
        // A margin over d + 2h for rounding in the distances and in the block of p.
        let reach = (d + block * 2.0.squareRoot()) * (1 + 1e-9) + 1e-6
        var list: [Int32] = []
        tree.forEach(within: reach, of: c) { list.append(Int32($0)) }
        lists[key] = list
        return list
    }
}

/// A balanced 2-d tree over points for nearest queries. Far from every facility a grid sized
/// for the service radius would scan thousands of empty cells; the tree needs O(log n) steps.
struct PointTree {
    let points: [Position]
    /// Point indices; the node of `lo ..< hi` is at `(lo + hi) / 2`, splitting on x at even
    /// depths and y at odd ones, with the lower half before it and the upper half after.
    private let order: [Int32]

    init(_ points: [Position]) {
        self.points = points
        var order = (0..<Int32(points.count)).map { $0 }
        func build(_ lo: Int, _ hi: Int, _ axis: Int) {
            guard hi - lo > 1 else { return }
            order[lo..<hi].sort { axis == 0 ? points[Int($0)].x < points[Int($1)].x : points[Int($0)].y < points[Int($1)].y }
            let mid = (lo + hi) / 2
            build(lo, mid, 1 - axis)
            build(mid + 1, hi, 1 - axis)
        }
        build(0, order.count, 0)
        self.order = order
    }

    /// Calls `body(index)` for every point within `radius` of p.
    func forEach(within radius: Double, of p: Position, _ body: (Int) -> Void) {
        func visit(_ lo: Int, _ hi: Int, _ axis: Int) {
            guard lo < hi else { return }
            let mid = (lo + hi) / 2, k = Int(order[mid]), q = points[k]
            if PointGrid.distance(p, q) <= radius { body(k) }
            let diff = axis == 0 ? p.x - q.x : p.y - q.y
            if diff <= radius { visit(lo, mid, 1 - axis) }        // the lower half lies at least diff away
            if diff >= -radius { visit(mid + 1, hi, 1 - axis) }   // the upper half at least −diff
        }
        visit(0, order.count, 0)
    }

    /// The nearest point to p (lowest index among equals), nil when there are none.
    func nearest(to p: Position) -> (Int, Double)? {
        guard !points.isEmpty else { return nil }
        var bestK = -1, bestD = Double.infinity
        // Depth-first with an explicit stack of (lo, hi, axis, least distance along the split).
        // A subtree is searched unless it lies farther than the best so far; ties are searched.
        withUnsafeTemporaryAllocation(of: (Int, Int, Int, Double).self, capacity: 130) { stack in
            stack[0] = (0, order.count, 0, 0)
            var top = 1
            while top > 0 {
                top -= 1
                var (lo, hi, axis, bound) = stack[top]
                guard bound <= bestD else { continue }
                while lo < hi {
                    let mid = (lo + hi) / 2, k = Int(order[mid]), q = points[k]
                    let d = PointGrid.distance(p, q)
                    if d < bestD || (d == bestD && k < bestK) {
                        bestK = k
                        bestD = d
                    }
                    let diff = axis == 0 ? p.x - q.x : p.y - q.y
                    if diff < 0 {
                        stack[top] = (mid + 1, hi, 1 - axis, -diff)
                        hi = mid
                    } else {
                        stack[top] = (lo, mid, 1 - axis, diff)
                        lo = mid + 1
                    }
                    top += 1
                    axis = 1 - axis
                    bound = 0
                }
            }
        }
        return (bestK, bestD)
    }
}
