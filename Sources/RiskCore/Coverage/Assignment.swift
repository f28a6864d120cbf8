/// Capacity-constrained assignment of demand to facilities within reach: the transportation
/// problem that maximises the demand served, as a min-cost flow (source → demand unit, its
/// weight → facility, at the pair's cost → sink, the facility's capacity) solved exactly by
/// successive shortest paths taken from one demand unit at a time, as the Hungarian method does.
/// The result serves the maximum, and costs the least of all assignments that serve each unit
/// the same amount (where several units compete for the last places, which of them is served
/// follows their order, not the cost):
///
/// - Each unit pushes its weight along shortest augmenting paths (Dijkstra on reduced costs,
///   stopping at the sink), which may move earlier units to other facilities.
/// - Augmenting along a shortest path keeps every reduced cost non-negative, so the residual
///   graph never has a negative cycle: the final flow is the cheapest for its value.
/// - A unit with no augmenting path can never get one later (the nodes it reaches stay cut off
///   from the sink when others augment), so the final flow is also maximal.
///
/// Most units find spare capacity in their first facility, so a search stays local; only
/// congested areas grow it. Potentials change only on the nodes a search settled. A search that
/// fails marks what it settled as cut off for good, so once capacity runs out the remaining
/// units cost almost nothing.
public struct CapacitatedAssignment: Sendable {
    /// Served amount per demand unit.
    public var served: [Double]
    /// Assigned amount per facility.
    public var assigned: [Double]
    /// Positive flows (demand, facility, amount), by demand then cost.
    public var flows: [(demand: Int, facility: Int, amount: Double)]
    /// Σ flow × cost.
    public var totalCost: Double
    public var totalServed: Double { served.reduce(0, +) }

    /// The facility of the largest flow in each unit's assignment (its main facility, the
    /// cheaper on a tie), −1 where the unit is not served. Int32 per unit: a census raster has
    /// millions of units.
    public func mainFacility(demandCount: Int) -> [Int32] {
        var main = [Int32](repeating: -1, count: demandCount)
        var best = 0.0
        for (k, f) in flows.enumerated() where k == 0 || f.demand != flows[k - 1].demand || f.amount > best {
            main[f.demand] = Int32(f.facility)
            best = f.amount
        }
        return main
    }

    /// The exact assignment. `radius[j]` limits facility j's reach (pairs costing more are not
    /// arcs); nil uses every pair of the table.
    ///
    /// - Complexity: one local Dijkstra per augmentation; O(P log N) in the worst case each.
    public static func solve(_ table: ReachTable, demand: [Double], capacity: [Double], radius: [Double]? = nil) -> CapacitatedAssignment {
        let n = table.demandCount, m = table.facilityCount
        precondition(demand.count == n && capacity.count == m)
        // Only units with demand and a usable pair take part; they are numbered 0 ..< a (the
        // others can neither be served nor be reached by a search), facilities a ..< a + m.
        let pairs = table.facility.count
        let usable: [Bool] = (0..<pairs).map { k in
            let j = Int(table.facility[k])
            return capacity[j] > 0 && (radius == nil || table.cost[k] <= radius![j])
        }
        var units: [Int] = []
        var pairDemand = [Int32](repeating: 0, count: pairs)
        for i in 0..<n where demand[i] > 0 && table.reach(i).contains(where: { usable[$0] }) {
            for k in table.reach(i) { pairDemand[k] = Int32(units.count) }
            units.append(i)
        }
        let a = units.count, sink = a + m
        let total = max(1, demand.reduce(0, +))
        let eps = 1e-12 * total
        var flow = [Double](repeating: 0, count: pairs)
        var incoming = [[Int32]](repeating: [], count: m)     // pair indices that have carried flow to j
        var left = capacity
        var potential = [Double](repeating: 0, count: sink + 1)
        var dist = [Double](repeating: 0, count: sink + 1)
        // 2 × round: labelled in this round's search; 2 × round + 1: settled in it.
        var mark = [Int32](repeating: 0, count: sink + 1)
        // The pair a node was reached by (its other end is the previous node); the sink's arc
        // has no pair, so the facility it was reached from is kept apart.
        var predPair = [Int32](repeating: -1, count: sink + 1)
        var sinkFrom = -1
        // Nodes settled by a search that found no path: the sink stays out of their reach for
        // good (augmentations never enter that closed set), so later searches skip them.
        var dead = [Bool](repeating: false, count: sink + 1)
        var round = 0
        let heap = BinaryHeap()
        var settled: [Int] = []
        for (i, unit) in units.enumerated() {
            var need = demand[unit]
            while need > eps {
                round += 1
                precondition(round < Int(Int32.max / 2), "more augmentations than the search marks can count")
                heap.removeAll()
                settled.removeAll(keepingCapacity: true)
                let labelled = Int32(2 * round), settledMark = labelled + 1
                mark[i] = labelled
                dist[i] = 0
                heap.push(0, i)
                var reached = false
                func relax(_ v: Int, _ d: Double, _ from: Int, _ pair: Int32) {
                    guard !dead[v] else { return }
                    if mark[v] < labelled || d < dist[v] {
                        mark[v] = labelled
                        dist[v] = d
                        predPair[v] = pair
                        if v == sink { sinkFrom = from }
                        heap.push(d, v)
                    }
                }
                while let (d, u) = heap.pop() {
                    guard mark[u] != settledMark, d <= dist[u] else { continue }
                    mark[u] = settledMark
                    settled.append(u)
                    if u == sink { reached = true; break }
                    if u < a {
                        for k in table.reach(units[u]) where usable[k] {
                            let v = a + Int(table.facility[k])
                            guard mark[v] != settledMark else { continue }
                            relax(v, d + max(0, table.cost[k] + potential[u] - potential[v]), u, Int32(k))
                        }
                    } else {
                        let j = u - a
                        if left[j] > eps { relax(sink, d + max(0, potential[u] - potential[sink]), u, -1) }
                        for k32 in incoming[j] {
                            let k = Int(k32)
                            guard flow[k] > eps else { continue }
                            let v = Int(pairDemand[k])
                            guard mark[v] != settledMark else { continue }
                            relax(v, d + max(0, -table.cost[k] + potential[u] - potential[v]), u, k32)
                        }
                    }
                }
                guard reached else {
                    for v in settled { dead[v] = true }
                    break
                }
                let dt = dist[sink]
                for v in settled { potential[v] -= dt - dist[v] }
                // The node before v on the path: the sink's facility, the unit of a forward pair
                // into a facility, the facility of a backward pair into a unit.
                func previous(_ v: Int) -> Int {
                    if v == sink { return sinkFrom }
                    let k = Int(predPair[v])
                    return v >= a ? Int(pairDemand[k]) : a + Int(table.facility[k])
                }
                // Bottleneck: the unit's need, the last facility's spare capacity, the flows that
                // backward steps take away.
                var amount = need
                var v = sink
                while v != i {
                    let u = previous(v), k = Int(predPair[v])
                    if v == sink { amount = min(amount, left[u - a]) } else if u >= a { amount = min(amount, flow[k]) }
                    v = u
                }
                v = sink
                while v != i {
                    let u = previous(v), k = Int(predPair[v])
                    if v == sink {
                        left[u - a] -= amount
                    } else if u < a {
                        if flow[k] <= eps { incoming[v - a].append(Int32(k)) }
                        flow[k] += amount
                    } else {
                        flow[k] -= amount
                    }
                    v = u
                }
                need -= amount
            }
        }
        var served = [Double](repeating: 0, count: n), assigned = [Double](repeating: 0, count: m)
        var flows: [(demand: Int, facility: Int, amount: Double)] = []
        var cost = 0.0
        for i in units {   // the others have no flow
            for k in table.reach(i) where flow[k] > eps {
                let j = Int(table.facility[k])
                served[i] += flow[k]
                assigned[j] += flow[k]
                cost += flow[k] * table.cost[k]
                flows.append((i, j, flow[k]))
            }
        }
        return CapacitatedAssignment(served: served, assigned: assigned, flows: flows, totalCost: cost)
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

/// A binary min-heap of (key, node), in storage it keeps between searches: the assignment runs
/// one small search per demand unit, millions in a census.
final class BinaryHeap {
    private var items: UnsafeMutablePointer<(key: Double, node: Int)>
    private var count = 0, capacity = 64

    init() { items = .allocate(capacity: capacity) }
    deinit { items.deallocate() }

    func removeAll() { count = 0 }

    func push(_ k: Double, _ v: Int) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<(key: Double, node: Int)>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: items, count: count)
            items.deallocate()
            items = bigger
            capacity *= 2
        }
        items[count] = (k, v)
        var i = count
        count += 1
        while i > 0 {
            let p = (i - 1) / 2
            guard items[p].key > items[i].key else { break }
            items.swapAt(p, i)
            i = p
        }
    }

    func pop() -> (Double, Int)? {
        guard count > 0 else { return nil }
        let top = items[0]
        count -= 1
        items[0] = items[count]
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var s = i
            if l < count && items[l].key < items[s].key { s = l }
            if r < count && items[r].key < items[s].key { s = r }
            guard s != i else { break }
            items.swapAt(s, i)
            i = s
        }
        return (top.key, top.node)
    }
}

private extension UnsafeMutablePointer {
    func swapAt(_ a: Int, _ b: Int) {
        let t = self[a]
        self[a] = self[b]
        self[b] = t
    }
}
