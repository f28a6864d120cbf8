import RealModule

/// Two-step floating catchment accessibility (METHODS §4): step 1, each facility's supply over
/// the weighted demand in its catchment, R_j = S_j / Σ_i P_i W(d_ij); step 2, each unit's
/// accessibility, A_i = Σ_j R_j W(d_ij). The same weight applies in both steps, so
/// Σ_i P_i A_i = Σ_j S_j over the facilities with any demand in reach (supply conservation).
public enum Accessibility {
    public enum Weighting: Sendable, Hashable {
        /// 2SFCA (Luo & Wang 2003): W = 1 for d ≤ radius.
        case uniform(radius: Double)
        /// E2SFCA (Luo & Qi 2009): bands (upper bound, weight), ascending; W = w_k for
        /// d_(k−1) < d ≤ d_k, 0 beyond the last band.
        case bands([(limit: Double, weight: Double)])
        /// Gaussian 2SFCA as in PySAL `access`: W = exp(−d²/(2σ²)) for d ≤ radius.
        case gaussian(sigma: Double, radius: Double)

        public func weight(_ d: Double) -> Double {
            switch self {
            case .uniform(let r): return d <= r ? 1 : 0
            case .bands(let bands):
                for b in bands where d <= b.limit { return b.weight }
                return 0
            case .gaussian(let s, let r): return d <= r ? Double.exp(-d * d / (2 * s * s)) : 0
            }
        }

        /// The largest cost with a non-zero weight: the reach the table must be built with.
        public var reach: Double {
            switch self {
            case .uniform(let r), .gaussian(_, let r): r
            case .bands(let b): b.last?.limit ?? 0
            }
        }

        public static func == (a: Weighting, b: Weighting) -> Bool {
            switch (a, b) {
            case (.uniform(let x), .uniform(let y)): x == y
            case (.gaussian(let s, let r), .gaussian(let t, let q)): s == t && r == q
            case (.bands(let x), .bands(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.limit == $1.limit && $0.weight == $1.weight }
            default: false
            }
        }

        public func hash(into h: inout Hasher) {
            switch self {
            case .uniform(let r): h.combine(0); h.combine(r)
            case .gaussian(let s, let r): h.combine(1); h.combine(s); h.combine(r)
            case .bands(let b): h.combine(2); for x in b { h.combine(x.limit); h.combine(x.weight) }
            }
        }
    }

    public struct Result: Sendable {
        /// A_i per demand unit (supply per person, e.g. m² per person).
        public var access: [Double]
        /// R_j per facility (supply per weighted person in its catchment; 0 with no demand).
        public var ratio: [Double]
        /// Σ_i P_i W(d_ij) per facility.
        public var catchmentDemand: [Double]
    }

    /// - Complexity: O(pairs in the reach table), twice; each pair's weight is computed once.
    public static func compute(_ table: ReachTable, demand: [Double], supply: [Double], weighting: Weighting) -> Result {
        precondition(demand.count == table.demandCount && supply.count == table.facilityCount)
        let weight = table.cost.map { weighting.weight($0) }
        var catchment = [Double](repeating: 0, count: table.facilityCount)
        for i in 0..<table.demandCount where demand[i] > 0 {
            for k in table.reach(i) {
                let w = weight[k]
                if w > 0 { catchment[Int(table.facility[k])] += demand[i] * w }
            }
        }
        let ratio = supply.indices.map { catchment[$0] > 0 ? supply[$0] / catchment[$0] : 0 }
        var access = [Double](repeating: 0, count: table.demandCount)
        for i in 0..<table.demandCount {
            var a = 0.0
            for k in table.reach(i) {
                let w = weight[k]
                if w > 0 { a += ratio[Int(table.facility[k])] * w }
            }
            access[i] = a
        }
        return Result(access: access, ratio: ratio, catchmentDemand: catchment)
    }
}
