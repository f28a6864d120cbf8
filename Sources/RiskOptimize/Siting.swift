import CGLPK

/// Facility siting models (METHODS §4) over existing facilities, which stay open, and candidate
/// sites: LSCP (fewest new sites covering every demand unit), MCLP (p new sites covering the
/// most demand), p-median (p new sites minimising Σ weight × cost) and p-center (p new sites
/// minimising the largest cost). MCLP and p-median have capacitated forms. Each is solved exactly
/// by GLPK's branch and cut; past `maxNonZeros` (or when the solver's time runs out) a greedy
/// start improved by Teitz–Bart interchange is used and its gap to the LP bound reported.
public struct SitingProblem: Sendable {
    /// Demand weights; units of weight 0 are ignored.
    public var demand: [Double]
    /// Facilities `0 ..< existing` are open already; the rest are candidates.
    public var existing: Int
    public var facilityCount: Int
    /// Reachable (demand, facility, cost) pairs; a missing pair is unreachable.
    public var pairs: [(demand: Int, facility: Int, cost: Double)]
    /// Coverage radius of each facility (LSCP, MCLP).
    public var radius: [Double]
    /// Capacity of each facility (capacitated models).
    public var capacity: [Double]

    public init(demand: [Double], existing: Int, facilityCount: Int, pairs: [(demand: Int, facility: Int, cost: Double)],
                radius: [Double], capacity: [Double]) {
        self.demand = demand
        self.existing = existing
        self.facilityCount = facilityCount
        self.pairs = pairs
        self.radius = radius
        self.capacity = capacity
    }

    var candidates: Range<Int> { existing..<facilityCount }
}

public enum SitingModel: String, Sendable, CaseIterable, Codable {
    case lscp, mclp, pmedian, pcenter
}

public struct SitingResult: Sendable {
    public var model: SitingModel
    public var capacitated: Bool
    /// Chosen candidate facility indices (into the problem's facilities), ascending.
    public var selected: [Int]
    /// LSCP: number of new sites; MCLP: covered (capacitated: served) demand weight; p-median:
    /// Σ weight × cost; p-center: the largest cost.
    public var objective: Double
    public var optimal: Bool
    /// Relative gap to the LP bound when not proven optimal (nil when no bound was computed).
    public var gap: Double?
    public var bound: Double?
    /// What the bound is: the LP relaxation, or a cheaper one for instances too large for it.
    public var boundKind: String?
    public var method: String
}

public enum SitingError: Error, Sendable, Equatable {
    /// Demand units no facility or candidate can cover (LSCP).
    case uncoverable([Int])
    /// Demand units with no reachable facility at all (p-median, p-center).
    case unreachable([Int])
    case tooFewCandidates(p: Int, candidates: Int)
    /// The capacities cannot hold the demand (capacitated p-median).
    case insufficientCapacity
    /// No choice of p sites (with the existing supply) reaches every demand unit.
    case infeasible(p: Int)
    case noSolution
}

public enum Siting {
    /// Solves `model`; `p` is required for all but LSCP.
    public static func solve(_ problem: SitingProblem, model: SitingModel, p: Int?, capacitated: Bool = false,
                             seconds: Double = 60, maxNonZeros: Int = 400_000) throws(SitingError) -> SitingResult {
        let candidates = problem.candidates.count
        if model != .lscp {
            guard let p, p >= 0, p <= candidates else { throw .tooFewCandidates(p: p ?? -1, candidates: candidates) }
        }
        let builder = ModelBuilder(problem: problem, model: model, p: p ?? 0, capacitated: capacitated && (model == .mclp || model == .pmedian))
        try builder.check()
        let (mip, columns) = builder.build()
        if mip.nonZeros <= maxNonZeros {
            let s = mip.solve(seconds: seconds)
            if s.infeasible {
                if capacitated && model == .pmedian { throw .insufficientCapacity }
                if model == .pmedian || model == .pcenter { throw .infeasible(p: p ?? 0) }
                throw .noSolution
            }
            if !s.values.isEmpty {
                var chosen: [Int] = []
                for (column, facility) in columns.enumerated() { if let facility, s.values[column] > 0.5 { chosen.append(facility) } }
                var r = builder.result(selected: chosen, method: "GLPK \(String(cString: glp_version())) branch and cut", optimal: s.optimal)
                r.bound = s.bound.map { builder.reported($0) }
                r.boundKind = s.bound == nil ? nil : "LP relaxation"
                if !s.optimal {
                    let alt = builder.interchange()
                    if builder.better(alt.objective, than: r.objective) { r = alt }
                    r.gap = gap(r.objective, r.bound)
                }
                return r
            }
        }
        var r = builder.interchange()
        r.bound = builder.lowerBound(upper: r.objective)
        r.boundKind = r.bound == nil ? nil : [
            .pmedian: "Lagrangian relaxation of the assignment constraints (never above the LP bound)",
            .pcenter: "largest nearest-site cost over all sites",
            .mclp: "existing cover plus the p largest single-site gains (coverage is submodular)",
            .lscp: "uncovered units over the most any one site covers",
        ][model]
        r.gap = gap(r.objective, r.bound)
        return r
    }

    static func gap(_ objective: Double, _ bound: Double?) -> Double? {
        guard let bound else { return nil }
        return abs(objective - bound) / max(abs(objective), 1e-12)
    }
}


/// Builds one model's MIP and evaluates selections for the interchange heuristic.
struct ModelBuilder {
    let problem: SitingProblem
    let model: SitingModel
    let p: Int
    let capacitated: Bool
    /// Pairs by demand unit.
    let byDemand: [[(facility: Int, cost: Double)]]
    let active: [Int]

    init(problem: SitingProblem, model: SitingModel, p: Int, capacitated: Bool) {
        self.problem = problem
        self.model = model
        self.p = p
        self.capacitated = capacitated
        var by = [[(facility: Int, cost: Double)]](repeating: [], count: problem.demand.count)
        for q in problem.pairs { by[q.demand].append((q.facility, q.cost)) }
        byDemand = by.map { $0.sorted { ($0.cost, $0.facility) < ($1.cost, $1.facility) } }
        active = problem.demand.indices.filter { problem.demand[$0] > 0 }
    }

    func covers(_ i: Int, _ j: Int, _ c: Double) -> Bool { c <= problem.radius[j] }

    func check() throws(SitingError) {
        switch model {
        case .lscp:
            let bad = active.filter { i in !byDemand[i].contains { covers(i, $0.facility, $0.cost) } }
            if !bad.isEmpty { throw .uncoverable(bad) }
        case .pmedian, .pcenter:
            let bad = active.filter { byDemand[$0].isEmpty }
            if !bad.isEmpty { throw .unreachable(bad) }
        case .mclp: break
        }
    }

    /// The MIP and, per column, the candidate facility it opens (nil for other columns).
    func build() -> (MIP, [Int?]) {
        let mip = MIP(minimize: model != .mclp)
        var columns: [Int?] = []
        var y: [Int: Int] = [:]
        for j in problem.candidates {
            y[j] = mip.addColumn(.binary, objective: model == .lscp ? 1 : 0)
            columns.append(j)
        }
        func isOpen(_ j: Int) -> [(column: Int, coefficient: Double)]? { j < problem.existing ? nil : [(y[j]!, 1)] }
        if model != .lscp { mip.addRow(problem.candidates.map { (y[$0]!, 1.0) }, .equal(Double(p))) }
        switch (model, capacitated) {
        case (.lscp, _):
            for i in active {
                let reach = byDemand[i].filter { covers(i, $0.facility, $0.cost) }
                if reach.contains(where: { $0.facility < problem.existing }) { continue }
                mip.addRow(reach.map { (y[$0.facility]!, 1.0) }, .atLeast(1))
            }
        case (.mclp, false):
            for i in active {
                let reach = byDemand[i].filter { covers(i, $0.facility, $0.cost) }
                if reach.isEmpty || reach.contains(where: { $0.facility < problem.existing }) { continue }
                let z = mip.addColumn(.continuous(lower: 0, upper: 1), objective: problem.demand[i])
                columns.append(nil)
                mip.addRow([(z, 1.0)] + reach.map { (y[$0.facility]!, -1.0) }, .atMost(0))
            }
        case (.pcenter, _):
            let w = mip.addColumn(.continuous(lower: 0, upper: .infinity), objective: 1)
            columns.append(nil)
            for i in active {
                var terms: [(column: Int, coefficient: Double)] = [], costRow: [(column: Int, coefficient: Double)] = [(w, -1)]
                for (j, c) in byDemand[i] {
                    let x = mip.addColumn(.continuous(lower: 0, upper: 1), objective: 0)
                    columns.append(nil)
                    terms.append((x, 1))
                    costRow.append((x, c))
                    if let open = isOpen(j) { mip.addRow([(x, 1)] + open.map { ($0.column, -1) }, .atMost(0)) }
                }
                mip.addRow(terms, .equal(1))
                mip.addRow(costRow, .atMost(0))
            }
        default:
            // MCLP capacitated, p-median (both forms): x_ij is the share of unit i at facility j.
            var load = [[(column: Int, coefficient: Double)]](repeating: [], count: problem.facilityCount)
            for i in active {
                var terms: [(column: Int, coefficient: Double)] = []
                for (j, c) in byDemand[i] where model == .pmedian || covers(i, j, c) {
                    let objective = model == .pmedian ? problem.demand[i] * c : problem.demand[i]
                    let x = mip.addColumn(.continuous(lower: 0, upper: 1), objective: objective)
                    columns.append(nil)
                    terms.append((x, 1))
                    load[j].append((x, problem.demand[i]))
                    if let open = isOpen(j) { mip.addRow([(x, 1)] + open.map { ($0.column, -1) }, .atMost(0)) }
                }
                if !terms.isEmpty { mip.addRow(terms, model == .pmedian ? .equal(1) : .atMost(1)) }
            }
            if capacitated {
                for j in 0..<problem.facilityCount where !load[j].isEmpty {
                    if j < problem.existing {
                        mip.addRow(load[j], .atMost(problem.capacity[j]))
                    } else {
                        mip.addRow(load[j] + [(y[j]!, -problem.capacity[j])], .atMost(0))
                    }
                }
            }
        }
        return (mip, columns)
    }

    /// The objective as reported: MCLP adds the demand existing facilities cover already.
    func reported(_ mipObjective: Double) -> Double {
        guard model == .mclp, !capacitated else { return mipObjective }
        return mipObjective + active.filter { i in byDemand[i].contains { $0.facility < problem.existing && covers(i, $0.facility, $0.cost) } }
            .reduce(0) { $0 + problem.demand[$1] }
    }

    func better(_ a: Double, than b: Double) -> Bool { model == .mclp ? a > b + 1e-9 * max(1, abs(b)) : a < b - 1e-9 * max(1, abs(b)) }

    /// The objective of an open set (existing plus `selected`), evaluated directly.
    func evaluate(_ selected: [Int]) -> Double {
        var open = [Bool](repeating: false, count: problem.facilityCount)
        for j in 0..<problem.existing { open[j] = true }
        for j in selected { open[j] = true }
        switch (model, capacitated) {
        case (.lscp, _): return Double(selected.count)
        case (.mclp, false):
            return active.reduce(0) { s, i in s + (byDemand[i].contains { open[$0.facility] && covers(i, $0.facility, $0.cost) } ? problem.demand[i] : 0) }
        case (.pmedian, false):
            return active.reduce(0) { s, i in s + problem.demand[i] * (byDemand[i].first { open[$0.facility] }?.cost ?? .infinity) }
        case (.pcenter, _):
            return active.reduce(0) { s, i in max(s, byDemand[i].first { open[$0.facility] }?.cost ?? .infinity) }
        default:
            // Capacitated: the exact assignment over the open facilities.
            let mip = MIP(minimize: model == .pmedian)
            var load = [[(column: Int, coefficient: Double)]](repeating: [], count: problem.facilityCount)
            for i in active {
                var terms: [(column: Int, coefficient: Double)] = []
                for (j, c) in byDemand[i] where open[j] && (model == .pmedian || covers(i, j, c)) {
                    let x = mip.addColumn(.continuous(lower: 0, upper: 1), objective: model == .pmedian ? problem.demand[i] * c : problem.demand[i])
                    terms.append((x, 1))
                    load[j].append((x, problem.demand[i]))
                }
                if !terms.isEmpty { mip.addRow(terms, model == .pmedian ? .equal(1) : .atMost(1)) }
                else if model == .pmedian { return .infinity }
            }
            for j in 0..<problem.facilityCount where !load[j].isEmpty { mip.addRow(load[j], .atMost(problem.capacity[j])) }
            let s = mip.solve(seconds: 60)
            return s.values.isEmpty ? (model == .pmedian ? .infinity : 0) : s.objective
        }
    }

    func result(selected: [Int], method: String, optimal: Bool) -> SitingResult {
        SitingResult(model: model, capacitated: capacitated, selected: selected.sorted(), objective: evaluate(selected),
                     optimal: optimal, gap: optimal ? 0 : nil, bound: nil, boundKind: nil, method: method)
    }

    /// A bound for instances too large for the LP: for uncapacitated p-median the Lagrangian
    /// bound (assignment constraints relaxed, subgradient steps), which is never above the LP
    /// bound; for p-center the largest nearest cost over all sites; for MCLP and LSCP simple
    /// counting bounds. Nil for the capacitated models.
    func lowerBound(upper: Double) -> Double? {
        switch (model, capacitated) {
        case (.pcenter, _):
            return active.reduce(0) { max($0, byDemand[$1].first?.cost ?? .infinity) }
        case (.pmedian, false):
            // L(λ) = Σ_i λ_i + Σ_existing ρ_j + (p most negative ρ_j of the candidates),
            // ρ_j = Σ_i min(0, a_i c_ij − λ_i).
            var lambda = active.map { i in problem.demand[i] * (byDemand[i].dropFirst().first?.cost ?? byDemand[i].first!.cost) }
            var best = -Double.infinity
            var step = 2.0
            for _ in 0..<60 {
                var rho = [Double](repeating: 0, count: problem.facilityCount)
                for (k, i) in active.enumerated() {
                    for (j, c) in byDemand[i] { rho[j] += min(0, problem.demand[i] * c - lambda[k]) }
                }
                let open = Set((0..<problem.existing) + problem.candidates.sorted { (rho[$0], $0) < (rho[$1], $1) }.prefix(p))
                let value = lambda.reduce(0, +) + open.reduce(0) { $0 + rho[$1] }
                best = max(best, value)
                // Subgradient: 1 − Σ_j x_ij, where x_ij = 1 for open j with a_i c_ij < λ_i.
                var g = [Double](repeating: 1, count: active.count)
                for (k, i) in active.enumerated() {
                    for (j, c) in byDemand[i] where open.contains(j) && problem.demand[i] * c < lambda[k] { g[k] -= 1 }
                }
                let norm = g.reduce(0) { $0 + $1 * $1 }
                guard norm > 0, upper.isFinite else { break }
                let t = step * (upper - value) / norm
                for k in lambda.indices { lambda[k] += t * g[k] }
                step *= 0.95
            }
            return best
        case (.mclp, false):
            // Coverage is submodular: the existing cover plus the p largest gains of single
            // candidates bounds any p of them from above.
            let base = evaluate([])
            let gains = problem.candidates.map { evaluate([$0]) - base }.sorted(by: >)
            return base + gains.prefix(p).reduce(0, +)
        case (.lscp, _):
            // Each new site covers at most the most any one candidate covers of what is left.
            let open = active.filter { i in !byDemand[i].contains { $0.facility < problem.existing && covers(i, $0.facility, $0.cost) } }
            let most = problem.candidates.map { j in open.filter { i in byDemand[i].contains { $0.facility == j && covers(i, j, $0.cost) } }.count }.max() ?? 0
            return most > 0 ? Double((open.count + most - 1) / most) : 0
        default:
            return nil
        }
    }

    /// Greedy additions, then Teitz–Bart interchange: swap a chosen site for an unchosen one
    /// while any swap improves the objective.
    func interchange() -> SitingResult {
        let pool = Array(problem.candidates)
        var chosen: [Int] = []
        if model == .lscp {
            // Greedy set cover: the candidate covering the most uncovered units, until none is left.
            var uncovered = Set(active.filter { i in !byDemand[i].contains { $0.facility < problem.existing && covers(i, $0.facility, $0.cost) } })
            while !uncovered.isEmpty {
                let best = pool.filter { !chosen.contains($0) }.max { a, b in
                    let ca = uncovered.filter { i in byDemand[i].contains { $0.facility == a && covers(i, a, $0.cost) } }.count
                    let cb = uncovered.filter { i in byDemand[i].contains { $0.facility == b && covers(i, b, $0.cost) } }.count
                    return (ca, -a) < (cb, -b)
                }!
                chosen.append(best)
                uncovered = uncovered.filter { i in !byDemand[i].contains { $0.facility == best && covers(i, best, $0.cost) } }
            }
            return result(selected: chosen, method: "greedy set cover (not proven minimal)", optimal: false)
        }
        for _ in 0..<p {
            let best = pool.filter { !chosen.contains($0) }.map { ($0, evaluate(chosen + [$0])) }
                .min { better($0.1, than: $1.1) || (!better($1.1, than: $0.1) && $0.0 < $1.0) }
            if let best { chosen.append(best.0) }
        }
        var value = evaluate(chosen)
        var improved = true
        while improved {
            improved = false
            for k in chosen.indices {
                for c in pool where !chosen.contains(c) {
                    var trial = chosen
                    trial[k] = c
                    let v = evaluate(trial)
                    if better(v, than: value) {
                        chosen = trial
                        value = v
                        improved = true
                    }
                }
            }
        }
        return result(selected: chosen, method: "greedy + Teitz–Bart interchange", optimal: false)
    }
}
