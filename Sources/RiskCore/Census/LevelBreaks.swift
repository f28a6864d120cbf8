import RealModule

/// Breaks of an index into a given number of levels (census hazard grades have 4 or 5), level 1
/// the highest. The five-level risk classification (`Classification`) is the case of 5 levels
/// with the census names; this is the general form the derived hazards use.
public enum LevelBreaks {
    /// `count − 1` ascending breaks for `values` (NaN ignored): natural breaks (exact up to
    /// `Classification.exactLimit` values, histogram-approximate above), equal-count quantiles,
    /// given percentiles (`count − 1` of them) or fixed thresholds (`count − 1`). With fewer
    /// distinct values than levels, the missing breaks repeat the largest value, so the upper
    /// levels stay empty rather than invented.
    public static func breaks(_ values: [Double], method: ClassificationMethod, count: Int) -> [Double] {
        precondition(count >= 2, "at least two levels")
        let known = values.filter { !$0.isNaN }
        var b: [Double]
        switch method {
        case .fixed(let t): return t
        case .percentile(let p): b = Classification.percentiles(known, p)
        case .quantile: b = Classification.percentiles(known, (1..<count).map { 100 * Double($0) / Double(count) })
        case .naturalBreaks:
            b = known.count <= Classification.exactLimit
                ? NaturalBreaks.breaks(known, classes: count)
                : NaturalBreaks.approximateBreaks(known, classes: count).breaks
        }
        let top = known.max() ?? 0
        while b.count < count - 1 { b.append(top) }
        return b
    }

    /// The level of `v`: 1 above the last break … `breaks.count + 1` at or below the first; 0
    /// for NaN (unknown).
    @inline(__always)
    public static func level(_ v: Double, breaks b: [Double]) -> Int {
        guard !v.isNaN else { return 0 }
        var above = 0
        for x in b where v > x { above += 1 }
        return b.count + 1 - above
    }
}

/// Entropy weights of indicators (信息熵权法, METHODS §1.2): an indicator whose values vary more
/// over the cells carries more information and gets more weight. For indicator j with values
/// x_ij ≥ 0 over n cells, p_ij = x_ij / Σ_i x_ij, e_j = −Σ_i p_ij ln p_ij / ln n, and
/// w_j = (1 − e_j) / Σ_k (1 − e_k).
public enum EntropyWeights {
    /// Weights summing to 1 for `columns` (one array per indicator, all of one length), over
    /// the cells where every indicator is known. Equal weights when no indicator varies.
    public static func weights(_ columns: [[Float]]) -> [Double] {
        let m = columns.count
        guard m > 0 else { return [] }
        let n = columns[0].count
        var known = [Bool](repeating: true, count: n)
        for c in columns { for i in 0..<n where c[i].isNaN || c[i] < 0 { known[i] = false } }
        let cells = known.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard cells > 1 else { return [Double](repeating: 1 / Double(m), count: m) }
        var divergence = [Double](repeating: 0, count: m)
        for (j, c) in columns.enumerated() {
            var total = 0.0
            for i in 0..<n where known[i] { total += Double(c[i]) }
            guard total > 0 else { continue }   // all zero: no information
            var h = 0.0
            for i in 0..<n where known[i] && c[i] > 0 {
                let p = Double(c[i]) / total
                h -= p * Double.log(p)
            }
            divergence[j] = max(0, 1 - h / Double.log(Double(cells)))
        }
        let s = divergence.reduce(0, +)
        guard s > 0 else { return [Double](repeating: 1 / Double(m), count: m) }
        return divergence.map { $0 / s }
    }
}
