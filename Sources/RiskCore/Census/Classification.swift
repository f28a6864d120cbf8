/// How index values are cut into the five census levels, I (highest risk) … V (lowest).
public enum ClassificationMethod: Sendable, Hashable {
    /// Four ascending thresholds t₁ < t₂ < t₃ < t₄: value ≤ t₁ is level V, > t₄ level I.
    case fixed([Double])
    /// Equal-count classes: breaks at the 20/40/60/80th percentiles.
    case quantile
    /// Breaks at given percentiles, by default 60/80/90/95 (as the Guangdong census grading).
    case percentile([Double])
    /// Jenks/ckmeans natural breaks, exact up to `exactLimit` values, histogram-approximate above.
    case naturalBreaks
}

/// Break values and level assignment.
public enum Classification {
    /// Values above which natural breaks switch to the histogram approximation.
    public static let exactLimit = 100_000

    public struct Result: Sendable, Equatable {
        /// Four ascending break values (upper bounds of levels V, IV, III, II).
        public var breaks: [Double]
        /// For approximate natural breaks, the histogram's bin width (the approximation's
        /// resolution); 0 when the breaks are exact. It is not an error bound: on the Changzhou
        /// 100 m index (436,888 cells) the approximate breaks differed from the exact ones by at
        /// most 1.5e-4, 8.5 bins or 0.04 % of the index range.
        public var histogramBinWidth: Double
    }

    /// Breaks for `values` (NaN ignored).
    public static func breaks(_ values: [Double], method: ClassificationMethod) -> Result {
        switch method {
        case .fixed(let t):
            return Result(breaks: t, histogramBinWidth: 0)
        case .quantile:
            return Result(breaks: percentiles(values, [20, 40, 60, 80]), histogramBinWidth: 0)
        case .percentile(let p):
            return Result(breaks: percentiles(values, p), histogramBinWidth: 0)
        case .naturalBreaks:
            let known = values.filter { !$0.isNaN }
            if known.count <= exactLimit {
                return Result(breaks: padded(NaturalBreaks.breaks(known, classes: 5), known), histogramBinWidth: 0)
            }
            let (b, width) = NaturalBreaks.approximateBreaks(known, classes: 5)
            return Result(breaks: padded(b, known), histogramBinWidth: width)
        }
    }

    /// With fewer than five distinct values, the missing breaks repeat the largest value, so the
    /// upper levels stay empty rather than invented.
    private static func padded(_ b: [Double], _ values: [Double]) -> [Double] {
        var out = b
        let top = values.max() ?? 0
        while out.count < 4 { out.append(top) }
        return out
    }

    /// Percentiles by linear interpolation between order statistics (numpy's default).
    public static func percentiles(_ values: [Double], _ ps: [Double]) -> [Double] {
        let s = values.filter { !$0.isNaN }.sorted()
        guard !s.isEmpty else { return ps.map { _ in .nan } }
        return ps.map { p in
            let h = (Double(s.count) - 1) * p / 100
            let i = Int(h.rounded(.down))
            return i + 1 < s.count ? s[i] + (h - Double(i)) * (s[i + 1] - s[i]) : s[s.count - 1]
        }
    }

    /// Level 1 (I, highest) … 5 (V, lowest); 0 for NaN (unknown).
    @inline(__always)
    public static func level(_ v: Double, breaks b: [Double]) -> UInt8 {
        guard !v.isNaN else { return 0 }
        if v <= b[0] { return 5 }
        if v <= b[1] { return 4 }
        if v <= b[2] { return 3 }
        if v <= b[3] { return 2 }
        return 1
    }
}
