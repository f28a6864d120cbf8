/// Capacity-constrained assignment of demand to facilities within reach: the transportation
/// problem that maximises the demand served and, among the maximal assignments, minimises
/// Σ flow × cost. Solved exactly as a min-cost maximum flow, source → demand unit (its weight)
/// → facility (any amount, at the pair's cost) → sink (the facility's capacity), by successive
/// shortest paths with potentials (Dijkstra on reduced costs), pushing along every tight path
/// after each search (primal-dual).
public struct CapacitatedAssignment: Sendable {
    /// Served amount per demand unit.
    public var served: [Double]
    /// Assigned amount per facility.
    public var assigned: [Double]
    /// Positive flows (demand, facility, amount), by demand then facility.
    public var flows: [(demand: Int, facility: Int, amount: Double)]
    /// Σ flow × cost.
    public var totalCost: Double
    public var totalServed: Double { served.reduce(0, +) }

    /// The largest flow in each unit's assignment (its main facility), or nil.
    public func mainFacility(demandCount: Int) -> [Int?] {
        var best = [(Int, Double)?](repeating: nil, count: demandCount)
        for f in flows where best[f.demand] == nil || f.amount > best[f.demand]!.1 { best[f.demand] = (f.facility, f.amount) }
        return best.map { $0?.0 }
    }

    /// The exact assignment. `radius[j]` limits facility j's reach (pairs costing more are not
    /// arcs); nil uses every pair of the table.
    ///
    /// - Complexity: each phase is a Dijkstra over the pairs, O(P log N), then augmentations;
    ///   phases ≤ the number of distinct shortest-path lengths.
    public static func solve(_ table: ReachTable, demand: [Double], capacity: [Double], radius: [Double]? = nil) -> CapacitatedAssignment {
        let n = table.demandCount, m = table.facilityCount
        precondition(demand.count == n && capacity.count == m)
        // Nodes: 0 source, 1…n demand, n+1…n+m facilities, n+m+1 sink.
        let source = 0, sink = n + m + 1, nodes = n + m + 2
        var g = FlowGraph(nodes: nodes)
        var pairArcs: [(demand: Int, facility: Int, arc: Int)] = []
        let scale = max(1, demand.reduce(0, +), capacity.reduce(0, +))
        for i in 0..<n where demand[i] > 0 {
            g.addArc(source, 1 + i, capacity: demand[i], cost: 0)
            for k in table.reach(i) {
                let j = Int(table.facility[k])
                if let radius, table.cost[k] > radius[j] { continue }
                guard capacity[j] > 0 else { continue }
                pairArcs.append((i, j, g.arcCount))
                g.addArc(1 + i, 1 + n + j, capacity: .infinity, cost: table.cost[k])
            }
        }
        for j in 0..<m where capacity[j] > 0 { g.addArc(1 + n + j, sink, capacity: capacity[j], cost: 0) }
        g.minCostMaxFlow(source: source, sink: sink, epsilon: 1e-12 * scale)
        var served = [Double](repeating: 0, count: n), assigned = [Double](repeating: 0, count: m)
        var flows: [(demand: Int, facility: Int, amount: Double)] = []
        var total = 0.0
        for p in pairArcs {
            let f = g.flow(p.arc)
            guard f > 0 else { continue }
            served[p.demand] += f
            assigned[p.facility] += f
            total += f * g.cost[p.arc]
            flows.append((p.demand, p.facility, f))
        }
        return CapacitatedAssignment(served: served, assigned: assigned, flows: flows, totalCost: total)
    }

    /// Nearest-first greedy (each unit in turn fills its reachable facilities from the cheapest
    /// up), the baseline the exact solution must equal or beat.
    public static func greedy(_ table: ReachTable, demand: [Double], capacity: [Double], radius: [Double]? = nil) -> CapacitatedAssignment {
        var left = capacity
        var served = [Double](repeating: 0, count: table.demandCount), assigned = [Double](repeating: 0, count: table.facilityCount)
        var flows: [(demand: Int, facility: Int, amount: Double)] = []
        var total = 0.0
        for i in 0..<table.demandCount {
            var need = demand[i]
            for k in table.reach(i) where need > 0 {
                let j = Int(table.facility[k])
                if let radius, table.cost[k] > radius[j] { continue }
                let a = min(need, left[j])
                guard a > 0 else { continue }
                left[j] -= a
                need -= a
                served[i] += a
                assigned[j] += a
                total += a * table.cost[k]
                flows.append((i, j, a))
            }
        }
        return CapacitatedAssignment(served: served, assigned: assigned, flows: flows, totalCost: total)
    }
}

/// A residual graph for min-cost flow with real capacities and non-negative costs.
struct FlowGraph {
    var head: [Int]
    var next: [Int] = [], to: [Int] = [], capacity: [Double] = [], cost: [Double] = []
    var original: [Double] = []
    var stamp: [Int] = []
    var stampValue = 0

    init(nodes: Int) { head = Array(repeating: -1, count: nodes) }

    var arcCount: Int { to.count }

    /// Adds u → v and its reverse; the forward arc's index is returned by `arcCount` before the call.
    mutating func addArc(_ u: Int, _ v: Int, capacity c: Double, cost w: Double) {
        for (a, b, cap, cw) in [(u, v, c, w), (v, u, 0.0, -w)] {
            to.append(b)
            capacity.append(cap)
            original.append(cap)
            cost.append(cw)
            next.append(head[a])
            head[a] = to.count - 1
        }
    }

    /// Flow on a forward arc: what its reverse arc holds.
    func flow(_ arc: Int) -> Double { capacity[arc ^ 1] }

    /// One augmenting path over tight arcs by depth-first search; returns the amount pushed.
    private mutating func push(from u: Int, to sink: Int, limit: Double, potential: [Double], tolerance: Double, epsilon: Double) -> Double {
        if u == sink { return limit }
        stamp[u] = stampValue
        var a = head[u]
        while a >= 0 {
            let v = to[a]
            if capacity[a] > epsilon && stamp[v] != stampValue && abs(cost[a] + potential[u] - potential[v]) <= tolerance {
                let pushed = push(from: v, to: sink, limit: min(limit, capacity[a]), potential: potential, tolerance: tolerance, epsilon: epsilon)
                if pushed > 0 {
                    capacity[a] -= pushed
                    capacity[a ^ 1] += pushed
                    return pushed
                }
            }
            a = next[a]
        }
        return 0
    }

    mutating func minCostMaxFlow(source: Int, sink: Int, epsilon: Double) {
        let n = head.count
        var potential = [Double](repeating: 0, count: n)
        var dist = [Double](repeating: .infinity, count: n)
        stamp = Array(repeating: 0, count: n)
        stampValue = 0
        let tight = 1e-9
        while true {
            // Dijkstra on reduced costs.
            for v in 0..<n { dist[v] = .infinity }
            dist[source] = 0
            var heap = BinaryHeap()
            heap.push(0, source)
            while let (d, u) = heap.pop() {
                if d > dist[u] { continue }
                var a = head[u]
                while a >= 0 {
                    if capacity[a] > epsilon {
                        let v = to[a]
                        let nd = d + max(0, cost[a] + potential[u] - potential[v])
                        if nd < dist[v] {
                            dist[v] = nd
                            heap.push(nd, v)
                        }
                    }
                    a = next[a]
                }
            }
            guard dist[sink].isFinite else { return }
            let dt = dist[sink]
            for v in 0..<n { potential[v] += min(dist[v], dt) }
            // Push along tight arcs (reduced cost ≈ 0) until the sink is cut off; each search
            // marks the nodes it has been through (a stamp per search), so it never loops on the
            // zero-cost cycles that reverse arcs make.
            let costScale = max(1, potential.lazy.filter(\.isFinite).map(abs).max() ?? 1)
            var any = false
            while true {
                stampValue += 1
                let pushed = push(from: source, to: sink, limit: .infinity, potential: potential,
                                  tolerance: tight * costScale, epsilon: epsilon)
                if pushed <= epsilon { break }
                any = true
            }
            if !any { return }
        }
    }
}

/// A binary min-heap of (key, node).
struct BinaryHeap {
    private var keys: [Double] = [], nodes: [Int] = []

    mutating func push(_ k: Double, _ v: Int) {
        keys.append(k)
        nodes.append(v)
        var i = keys.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard keys[p] > keys[i] else { break }
            keys.swapAt(p, i)
            nodes.swapAt(p, i)
            i = p
        }
    }

    mutating func pop() -> (Double, Int)? {
        guard let top = keys.first else { return nil }
        let v = nodes[0]
        keys[0] = keys[keys.count - 1]
        nodes[0] = nodes[nodes.count - 1]
        keys.removeLast()
        nodes.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var s = i
            if l < keys.count && keys[l] < keys[s] { s = l }
            if r < keys.count && keys[r] < keys[s] { s = r }
            guard s != i else { break }
            keys.swapAt(s, i)
            nodes.swapAt(s, i)
            i = s
        }
        return (top, v)
    }
}
