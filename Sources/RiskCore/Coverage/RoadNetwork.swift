/// A road graph for network costs: vertices of the road lines (ends that coincide within a
/// millimetre are one node), edges between consecutive vertices costing their length or their
/// travel time. Points join the graph at their nearest node, the straight-line step to it
/// costing its length (or its time at `accessSpeed`).
public struct RoadNetwork: Sendable {
    public enum Cost: Sendable, Equatable {
        /// Metres.
        case length
        /// Minutes, each road at its own speed.
        case time
    }

    public let nodes: [Position]
    /// Adjacency in CSR form: edges of node u are `start[u] ..< start[u + 1]`.
    let start: [Int]
    let target: [Int32]
    let weight: [Double]
    public let cost: Cost
    /// Speed of the step between a point and its node, km/h (time costs only).
    public let accessSpeed: Double

    /// - Parameters:
    ///   - lines: polylines in a metric CRS, each with its speed in km/h (used for `.time`).
    public init(lines: [(points: [Position], speedKmh: Double)], cost: Cost, accessSpeed: Double = 5) {
        var index: [Int64: [Int]] = [:]
        var nodes: [Position] = []
        func node(_ p: Position) -> Int {
            let key = Int64((p.x * 1000).rounded()) &* 1_000_003 &+ Int64((p.y * 1000).rounded())
            if let c = index[key]?.first(where: { abs(nodes[$0].x - p.x) < 1e-3 && abs(nodes[$0].y - p.y) < 1e-3 }) { return c }
            nodes.append(p)
            index[key, default: []].append(nodes.count - 1)
            return nodes.count - 1
        }
        var edges: [(Int, Int, Double)] = []
        for line in lines where line.points.count >= 2 {
            var u = node(line.points[0])
            for p in line.points.dropFirst() {
                let v = node(p)
                let a = nodes[u], b = nodes[v]
                let length = ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot()
                let w = cost == .length ? length : length / 1000 / line.speedKmh * 60
                if u != v { edges.append((u, v, w)); edges.append((v, u, w)) }
                u = v
            }
        }
        var counts = [Int](repeating: 0, count: nodes.count + 1)
        for e in edges { counts[e.0 + 1] += 1 }
        for u in 0..<nodes.count { counts[u + 1] += counts[u] }
        var fill = counts
        var target = [Int32](repeating: 0, count: edges.count), weight = [Double](repeating: 0, count: edges.count)
        for e in edges {
            target[fill[e.0]] = Int32(e.1)
            weight[fill[e.0]] = e.2
            fill[e.0] += 1
        }
        self.nodes = nodes
        start = counts
        self.target = target
        self.weight = weight
        self.cost = cost
        self.accessSpeed = accessSpeed
    }

    /// The node each point joins and the cost of the step to it.
    public func snap(_ points: [Position]) -> [(node: Int, cost: Double)] {
        guard !nodes.isEmpty else { return points.map { _ in (-1, .infinity) } }
        let tree = PointTree(nodes)
        return points.map { p in
            let (n, d) = tree.nearest(to: p)!
            return (n, cost == .length ? d : d / 1000 / accessSpeed * 60)
        }
    }

    /// Dijkstra from several sources with their start costs, up to `limit`: the cost of every
    /// node reached and the source it came from.
    func shortest(from sources: [(node: Int, cost: Double, label: Int)], limit: Double) -> [Int: (cost: Double, label: Int)] {
        var best: [Int: (cost: Double, label: Int)] = [:]
        let heap = BinaryHeap()
        for s in sources where s.node >= 0 && s.cost <= limit {
            if let b = best[s.node], b.cost < s.cost || (b.cost == s.cost && b.label < s.label) { continue }
            best[s.node] = (s.cost, s.label)
            heap.push(s.cost, s.node)
        }
        var done = Set<Int>()
        while let (d, u) = heap.pop() {
            guard !done.contains(u), d <= best[u]!.cost else { continue }
            done.insert(u)
            let label = best[u]!.label
            for k in start[u]..<start[u + 1] {
                let v = Int(target[k]), nd = d + weight[k]
                guard nd <= limit else { continue }
                if let b = best[v], b.cost < nd || (b.cost == nd && b.label <= label) { continue }
                best[v] = (nd, label)
                heap.push(nd, v)
            }
        }
        return best
    }

    /// The reach table over the network: per facility a bounded search (to `maxCost`) for the
    /// lists, and one search from all facilities at once for each unit's nearest.
    ///
    /// - Complexity: O(facilities × nodes within reach × log) plus one full search.
    public func reachTable(demand: [Position], facilities: [Position], maxCost: Double) -> ReachTable {
        let ds = snap(demand), fs = snap(facilities)
        var unitsAt: [Int: [Int]] = [:]
        for (i, s) in ds.enumerated() where s.node >= 0 { unitsAt[s.node, default: []].append(i) }
        var pairs: [(demand: Int, facility: Int, cost: Double)] = []
        for (j, f) in fs.enumerated() {
            for (node, r) in shortest(from: [(f.node, f.cost, j)], limit: maxCost) {
                for i in unitsAt[node] ?? [] where r.cost + ds[i].cost <= maxCost { pairs.append((i, j, r.cost + ds[i].cost)) }
            }
        }
        // Nearest at any cost: one multi-source search; a unit whose list is empty takes it.
        let all = shortest(from: fs.enumerated().map { ($1.node, $1.cost, $0) }, limit: .infinity)
        var listed = [Bool](repeating: false, count: demand.count)
        for p in pairs { listed[p.demand] = true }
        for (i, s) in ds.enumerated() where !listed[i] {
            if let r = all[s.node] { pairs.append((i, r.label, r.cost + s.cost)) }
        }
        return ReachTable(demandCount: demand.count, facilityCount: facilities.count, maxCost: maxCost, pairs: pairs)
    }
}
