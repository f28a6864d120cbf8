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
/// - Complexity: O(Σ over events of the exposures on cells with intensity > 0) time; memory is
///   one chunk of events; the impact matrix is only materialised when asked for.
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

        public init(atEvent: [Double], eaiExp: [Double], aaiAgg: Double, matrix: [(event: Int, exposure: Int, impact: Double)]?, unassigned: Int) {
            self.atEvent = atEvent
            self.eaiExp = eaiExp
            self.aaiAgg = aaiAgg
            self.matrix = matrix
            self.unassigned = unassigned
        }
    }

    public let functions: [ImpactFunction]
    let compiled: [ImpactFunction.Compiled]
    public init(functions: [ImpactFunction]) {
        self.functions = functions
        compiled = functions.map(\.compiled)
    }

    /// One exposure's impact at intensity `i` (`ImpactFunction.Compiled.impact`).
    @inline(__always)
    func impact(of x: Exposure, at i: Double) -> Double {
        compiled[x.function].impact(value: x.value, at: i, deductible: x.deductible, cover: x.cover)
    }

    /// A chunk of events, already read: `intensity[e·n + c]` for the chunk's events `e` and the
    /// assigned centroids `c` (n of them).
    public struct EventChunk: Sendable {
        public var firstEvent: Int
        public var count: Int
        public var intensity: [Double]
        public init(firstEvent: Int, count: Int, intensity: [Double]) {
            self.firstEvent = firstEvent
            self.count = count
            self.intensity = intensity
        }
    }

    /// Members of each centroid (CSR): exposures `members[start[c] ..< start[c + 1]]` sit on centroid c.
    public struct CentroidIndex: Sendable {
        public var start: [Int]
        public var members: [Int]
        public init(exposures: [Exposure], centroids: Int) {
            var counts = [Int](repeating: 0, count: centroids + 1)
            for x in exposures { if let c = x.centroid { counts[c + 1] += 1 } }
            for c in 0..<centroids { counts[c + 1] += counts[c] }
            var fill = counts
            var members = [Int](repeating: 0, count: counts[centroids])
            for (j, x) in exposures.enumerated() {
                guard let c = x.centroid else { continue }
                members[fill[c]] = j
                fill[c] += 1
            }
            start = counts
            self.members = members
        }
        public var centroidCount: Int { start.count - 1 }
    }

    /// One chunk's contribution: at_event of its events and its partial eai_exp, sparse over the
    /// exposures it touched (exposure order).
    public struct ChunkResult: Sendable {
        public var atEvent: [Double]
        public var touched: [Int]
        public var eai: [Double]
        public var matrix: [(event: Int, exposure: Int, impact: Double)]?
    }

    /// Impacts of one chunk of events, visiting only centroids with intensity > 0 (the sparse
    /// footprint). Deterministic: sums run in exposure order.
    public func run(chunk: EventChunk, exposures: [Exposure], index: CentroidIndex, frequencies: [Double],
                    keepMatrix: Bool = false) -> ChunkResult {
        let n = index.centroidCount
        var atEvent = [Double](repeating: 0, count: chunk.count)
        var partial: [Int: Double] = [:]
        var matrix: [(Int, Int, Double)]? = keepMatrix ? [] : nil
        var impacts: [(Int, Double)] = []
        for k in 0..<chunk.count {
            let e = chunk.firstEvent + k
            impacts.removeAll(keepingCapacity: true)
            let row = k * n
            for c in 0..<n {
                let i = chunk.intensity[row + c]
                guard i > 0 else { continue }
                for m in index.start[c]..<index.start[c + 1] {
                    let j = index.members[m]
                    let v = impact(of: exposures[j], at: i)
                    if v != 0 { impacts.append((j, v)) }
                }
            }
            impacts.sort { $0.0 < $1.0 }
            var sum = 0.0
            for (j, v) in impacts {
                sum += v
                partial[j, default: 0] += frequencies[e] * v
                matrix?.append((e, j, v))
            }
            atEvent[k] = sum
        }
        let touched = partial.keys.sorted()
        return ChunkResult(atEvent: atEvent, touched: touched, eai: touched.map { partial[$0]! }, matrix: matrix)
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
        return returnPeriods.map { Interpolation.numpy($0, rp, impact) }
    }
}
