/// A tabulated curve y(x) evaluated by clamped linear interpolation, as numpy's `interp` does:
/// below the first x it gives the first y, above the last x the last y. NaN in gives NaN out.
///
/// Used for damage-ratio, fatality-rate and loss-ratio curves. Repeated x values make steps.
///
/// - Complexity: O(log n) per evaluation in general; `evaluate(_:into:)` uses a segment lookup
///   table so a batch costs O(1) per value for the curves the census uses.
public struct PiecewiseLinearCurve: Sendable, Hashable {
    public let xs: [Double]
    public let ys: [Double]

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case lengthMismatch(xs: Int, ys: Int)
        case notFinite(index: Int)
        case xDecreasing(index: Int)
        case yDecreasing(index: Int)
        case outOfRange(index: Int, value: Double, range: ClosedRange<Double>)

        public var description: String {
            switch self {
            case .empty: "the curve has no points"
            case .lengthMismatch(let a, let b): "\(a) x values but \(b) y values"
            case .notFinite(let i): "point \(i) is not a finite number"
            case .xDecreasing(let i): "intensity decreases at point \(i); points must be in ascending intensity"
            case .yDecreasing(let i): "value decreases at point \(i); the curve must not fall as intensity rises"
            case .outOfRange(let i, let v, let r): "value \(v) at point \(i) is outside [\(r.lowerBound), \(r.upperBound)]"
            }
        }
    }

    /// A validated curve: x non-decreasing, finite, and, when asked, y non-decreasing and within `range`.
    public init(xs: [Double], ys: [Double], monotone: Bool = true, range: ClosedRange<Double>? = 0...1) throws(Problem) {
        guard !xs.isEmpty else { throw .empty }
        guard xs.count == ys.count else { throw .lengthMismatch(xs: xs.count, ys: ys.count) }
        for i in xs.indices {
            guard xs[i].isFinite, ys[i].isFinite else { throw .notFinite(index: i) }
            if i > 0 && xs[i] < xs[i - 1] { throw .xDecreasing(index: i) }
            if monotone && i > 0 && ys[i] < ys[i - 1] { throw .yDecreasing(index: i) }
            if let range, !range.contains(ys[i]) { throw .outOfRange(index: i, value: ys[i], range: range) }
        }
        self.xs = xs
        self.ys = ys
    }

    /// y(x) with clamping at both ends; at a repeated x the right-most point wins, as in numpy.
    public func callAsFunction(_ x: Double) -> Double { Interpolation.numpy(x, xs, ys) }

    /// A compiled form for fast batch evaluation in kernels.
    public var compiled: CompiledCurve { CompiledCurve(self) }
}

/// A curve prepared for the kernel: per-segment slopes and a uniform lookup table from x to the
/// first segment that may contain it, so evaluation is a multiply, a table read, at most a few
/// comparisons and one fused multiply-add. Results equal `PiecewiseLinearCurve.callAsFunction`.
public struct CompiledCurve: Sendable {
    let x0: Double, x1: Double
    let y0: Double, y1: Double
    let xs: [Double], ys: [Double], slopes: [Double]
    let table: [Int32]
    let scale: Double

    init(_ c: PiecewiseLinearCurve) {
        x0 = c.xs[0]
        x1 = c.xs[c.xs.count - 1]
        y0 = c.ys[0]
        y1 = c.ys[c.ys.count - 1]
        xs = c.xs
        ys = c.ys
        slopes = c.xs.indices.map { i in
            i + 1 < c.xs.count && c.xs[i + 1] > c.xs[i] ? (c.ys[i + 1] - c.ys[i]) / (c.xs[i + 1] - c.xs[i]) : 0
        }
        let bins = 256
        scale = x1 > x0 ? Double(bins) / (x1 - x0) : 0
        var t = [Int32](repeating: 0, count: bins + 1)
        var j = 0
        for b in 0...bins {
            let xb = x0 + Double(b) / scale
            while j + 1 < c.xs.count - 1 && c.xs[j + 1] <= xb { j += 1 }
            t[b] = Int32(j)
        }
        table = t
    }

    /// y(x); identical to the source curve's value.
    @inline(__always)
    public func callAsFunction(_ x: Double) -> Double {
        if !(x > x0) { return x.isNaN ? .nan : (x < x0 || xs.count == 1 ? y0 : exactAtFirst(x)) }
        if x >= x1 { return y1 }
        var j = Int(table[Int((x - x0) * scale)])
        while xs[j + 1] <= x { j += 1 }
        return ys[j] + (x - xs[j]) * slopes[j]
    }

    /// y(x) for `count` intensities into `out`, each exactly `self(Double(x[i]))`: the kernel's
    /// batch form, which reads the tables through pointers taken once per batch.
    public func evaluate(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Double>) {
        xs.withUnsafeBufferPointer { xs in
            ys.withUnsafeBufferPointer { ys in
                slopes.withUnsafeBufferPointer { slopes in
                    table.withUnsafeBufferPointer { table in
                        for i in 0..<count {
                            let v = Double(x[i])
                            if v > x0 && v < x1 {
                                var j = Int(table[Int((v - x0) * scale)])
                                while xs[j + 1] <= v { j += 1 }
                                out[i] = ys[j] + (v - xs[j]) * slopes[j]
                            } else {
                                out[i] = self(v)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether y is 1 wherever it is defined (a census damage curve's PAA).
    var isOne: Bool { ys.allSatisfy { $0 == 1 } }

    private func exactAtFirst(_ x: Double) -> Double {
        var j = 0
        while j + 1 < xs.count && xs[j + 1] <= x { j += 1 }
        return ys[j]
    }
}
