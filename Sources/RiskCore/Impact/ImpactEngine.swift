/// CLIMADA's `ImpactCalc` semantics on an assigned event set (METHODS §6.1):
///
/// impact[e, j] = MDR(I[e, c(j)]) · value_j, only where I > 0; with a deductible,
/// impact −= PAA(I) · deductible_j; with a cover, impact = clip(impact, 0, cover_j) (without a
/// cover CLIMADA does not clip, so a deductible can make an impact negative);
/// at_event[e] = Σ_j impact[e, j]; eai_exp[j] = Σ_e f_e · impact[e, j]; aai_agg = Σ_e f_e · at_event[e].
///
/// Exposures whose centroid is unknown (outside the hazard grid or on nodata) are passed with a
/// nil centroid; they contribute nothing and are counted, never treated as zero hazard.
///
/// - Complexity: O(events × assigned exposures) time, O(exposures + events) memory; the impact
///   matrix is only materialised when asked for.
public struct ImpactEngine: Sendable {
    public struct Exposure: Sendable, Hashable {
        public var id: String
        public var value: Double
        /// Index into the functions list.
        public var function: Int
        public var deductible: Double?
        public var cover: Double?
        /// Index of the exposure's centroid in the intensity rows; nil when unassigned.
        public var centroid: Int?

        public init(id: String, value: Double, function: Int, deductible: Double? = nil, cover: Double? = nil, centroid: Int?) {
            self.id = id
            self.value = value
            self.function = function
            self.deductible = deductible
            self.cover = cover
            self.centroid = centroid
        }
    }

    public struct Result: Sendable {
        public var atEvent: [Double]
        public var eaiExp: [Double]
        public var aaiAgg: Double
        /// Non-zero entries (event, exposure, impact) in event then exposure order, when asked for.
        public var matrix: [(event: Int, exposure: Int, impact: Double)]?
        public var unassigned: Int
    }

    public let functions: [ImpactFunction]
    public init(functions: [ImpactFunction]) { self.functions = functions }

    /// - Parameters:
    ///   - frequencies: annual frequency of each event.
    ///   - intensity: intensity for event e at centroid c, `intensity(e, c)`.
    public func run(exposures: [Exposure], frequencies: [Double], intensity: (Int, Int) -> Double,
                    keepMatrix: Bool = false) -> Result {
        var atEvent = [Double](repeating: 0, count: frequencies.count)
        var eai = [Double](repeating: 0, count: exposures.count)
        var matrix: [(Int, Int, Double)]? = keepMatrix ? [] : nil
        let unassigned = exposures.filter { $0.centroid == nil }.count
        for e in frequencies.indices {
            var sum = 0.0
            for (j, x) in exposures.enumerated() {
                guard let c = x.centroid else { continue }
                let i = intensity(e, c)
                guard i > 0 else { continue }
                let f = functions[x.function]
                var impact = f.mdr(i) * x.value
                if let d = x.deductible { impact -= f.paaValue(i) * d }
                if let cover = x.cover { impact = min(max(impact, 0), cover) }
                guard impact != 0 else { continue }
                sum += impact
                eai[j] += frequencies[e] * impact
                matrix?.append((e, j, impact))
            }
            atEvent[e] = sum
        }
        var aai = 0.0
        for e in frequencies.indices { aai += frequencies[e] * atEvent[e] }
        return Result(atEvent: atEvent, eaiExp: eai, aaiAgg: aai, matrix: matrix, unassigned: unassigned)
    }

    /// CLIMADA's `calc_freq_curve`: events sorted by impact, descending; exceedance frequency is
    /// the running sum of their frequencies; return period 1/that; the impact at each requested
    /// return period by numpy `interp` on the ascending return periods (clamped at the ends).
    public static func exceedance(atEvent: [Double], frequencies: [Double], returnPeriods: [Double]) -> [Double] {
        guard !atEvent.isEmpty else { return returnPeriods.map { _ in 0 } }
        let order = atEvent.indices.sorted { atEvent[$0] > atEvent[$1] || (atEvent[$0] == atEvent[$1] && $0 < $1) }
        var cumulative = 0.0
        var rp: [Double] = [], impact: [Double] = []
        for k in order {
            cumulative += frequencies[k]
            rp.append(1 / cumulative)
            impact.append(atEvent[k])
        }
        rp.reverse()
        impact.reverse()
        return returnPeriods.map { numpyInterp($0, rp, impact) }
    }

    /// numpy.interp for ascending xp (repeated xp allowed: the last of equal x wins), clamped.
    static func numpyInterp(_ x: Double, _ xp: [Double], _ fp: [Double]) -> Double {
        let n = xp.count
        if x.isNaN { return .nan }
        if x > xp[n - 1] { return fp[n - 1] }
        if x < xp[0] { return fp[0] }
        var lo = 0, hi = n - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if xp[mid] <= x { lo = mid } else { hi = mid - 1 }
        }
        let j = lo
        if xp[j] == x || j == n - 1 { return fp[j] }
        let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        return slope * (x - xp[j]) + fp[j]
    }
}
