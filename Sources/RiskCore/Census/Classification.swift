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
    /// The levels' names, level 1 (I, highest risk) first.
    public static let levelNames = ["I", "II", "III", "IV", "V"]

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

        public init(breaks: [Double], histogramBinWidth: Double) {
            self.breaks = breaks
            self.histogramBinWidth = histogramBinWidth
        }

        /// The levels the breaks leave room for (1 = I … 5 = V), highest first. Ties in the index
        /// can make two breaks equal (quantiles of an index that is 0 on 40 % of the cells): the
        /// level between them can hold no cell and is left out.
        public var levelsInUse: [Int] {
            var out = [1]
            for k in stride(from: 3, through: 1, by: -1) where breaks[k] > breaks[k - 1] { out.append(5 - k) }
            out.append(5)
            return out
        }
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

    /// Breaks for values streamed by `each`, which is called up to three times and must give
    /// the same values each time (NaN are ignored). The result equals `breaks(_:method:)` on
    /// the same values, while memory stays bounded whatever their number: natural breaks keep at
    /// most `exactLimit` values or a histogram; percentiles find their order statistics by a
    /// histogram of the ranks, then keep only the values of the bins that hold them.
    ///
    /// `known`, when given, is the number of values that are not NaN with their min and max, as
    /// a run's statistics already hold them: the first of the streaming passes is then skipped.
    public static func breaks(method: ClassificationMethod, known: (count: Int, min: Double, max: Double)? = nil,
                              streaming each: ((Double) -> Void) throws -> Void) rethrows -> Result {
        if case .fixed(let t) = method { return Result(breaks: t, histogramBinWidth: 0) }
        var n = 0, lo = Double.infinity, hi = -Double.infinity
        if let known {
            (n, lo, hi) = (known.count, known.min, known.max)
        } else {
            try each { v in
                guard !v.isNaN else { return }
                n += 1
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        let small = method == .naturalBreaks ? exactLimit : 1_000_000
        if n <= small || !(lo < hi) {
            var values: [Double] = []
            values.reserveCapacity(min(n, small))
            if n <= small {
                try each { v in if !v.isNaN { values.append(v) } }
            } else {
                values = [lo]   // every value equal
            }
            return breaks(values, method: method)
        }
        switch method {
        case .fixed(let t):
            return Result(breaks: t, histogramBinWidth: 0)
        case .naturalBreaks:
            let (b, width) = try NaturalBreaks.histogramBreaks(classes: 5, lo: lo, hi: hi, each)
            return Result(breaks: padded(b, top: hi), histogramBinWidth: width)
        case .quantile:
            return Result(breaks: try streamedPercentiles([20, 40, 60, 80], n: n, lo: lo, hi: hi, each), histogramBinWidth: 0)
        case .percentile(let p):
            return Result(breaks: try streamedPercentiles(p, n: n, lo: lo, hi: hi, each), histogramBinWidth: 0)
        }
    }

    /// Exact percentiles (as `percentiles`) of n streamed values in [lo, hi], lo < hi.
    static func streamedPercentiles(_ ps: [Double], n: Int, lo: Double, hi: Double,
                                    _ each: ((Double) -> Void) throws -> Void) rethrows -> [Double] {
        let bins = 1 << 16
        let width = (hi - lo) / Double(bins)
        func bin(_ v: Double) -> Int { min(bins - 1, Int((v - lo) / width)) }
        var counts = [Int](repeating: 0, count: bins)
        try each { v in if !v.isNaN { counts[bin(v)] += 1 } }
        var first = [Int](repeating: 0, count: bins + 1)   // rank of each bin's first value
        for b in 0..<bins { first[b + 1] = first[b] + counts[b] }
        // The ranks each percentile interpolates between, and the bins holding them.
        let ranks = ps.flatMap { p -> [Int] in
            let i = Int(((Double(n) - 1) * p / 100).rounded(.down))
            return [i, min(i + 1, n - 1)]
        }
        func binOf(rank r: Int) -> Int {
            var a = 0, b = bins - 1
            while a < b {
                let m = (a + b) / 2
                if first[m + 1] > r { b = m } else { a = m + 1 }
            }
            return a
        }
        let wanted = Set(ranks.map(binOf))
        var held: [Int: [Double: Int]] = [:]
        try each { v in
            guard !v.isNaN else { return }
            let b = bin(v)
            if wanted.contains(b) { held[b, default: [:]][v, default: 0] += 1 }
        }
        let sorted = held.mapValues { $0.sorted { $0.key < $1.key } }
        func value(rank r: Int) -> Double {
            let b = binOf(rank: r)
            var at = first[b]
            for (v, c) in sorted[b]! {
                if r < at + c { return v }
                at += c
            }
            return hi
        }
        return ps.map { interpolated($0, count: n, value(rank:)) }
    }

    /// Percentile p of n sorted values, `value(rank)` the rank-th (from 0): linear between the
    /// two ranks around (n − 1) p / 100, the largest value beyond them.
    static func interpolated(_ p: Double, count n: Int, _ value: (Int) -> Double) -> Double {
        let h = (Double(n) - 1) * p / 100
        let i = Int(h.rounded(.down))
        guard i + 1 < n else { return value(n - 1) }
        let a = value(i)
        return a + (h - Double(i)) * (value(i + 1) - a)
    }

    /// With fewer than five distinct values, the missing breaks repeat the largest value, so the
    /// upper levels stay empty rather than invented.
    private static func padded(_ b: [Double], _ values: [Double]) -> [Double] { padded(b, top: values.max() ?? 0) }

    private static func padded(_ b: [Double], top: Double) -> [Double] {
        var out = b
        while out.count < 4 { out.append(top) }
        return out
    }

    /// Percentiles by linear interpolation between order statistics (numpy's default).
    public static func percentiles(_ values: [Double], _ ps: [Double]) -> [Double] {
        let s = values.filter { !$0.isNaN }.sorted()
        guard !s.isEmpty else { return ps.map { _ in .nan } }
        return ps.map { interpolated($0, count: s.count) { s[$0] } }
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
