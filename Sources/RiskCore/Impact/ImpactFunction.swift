/// A CLIMADA impact function: mean damage degree (MDD) and percentage of affected assets (PAA)
/// tabulated against intensity. The mean damage ratio is MDR(I) = interp(I, MDD) · interp(I, PAA),
/// two separate clamped linear interpolations multiplied, as CLIMADA's `calc_mdr` does
/// (METHODS §6.1). Repeated intensities make steps; at a repeated value the last row wins, as in
/// numpy's `interp`.
public struct ImpactFunction: Sendable, Hashable {
    public let id: String
    public let mdd: PiecewiseLinearCurve
    public let paa: PiecewiseLinearCurve

    /// - Throws: the curve problem (intensity decreasing, values not finite or negative).
    public init(id: String, intensity: [Double], mdd: [Double], paa: [Double]) throws(PiecewiseLinearCurve.Problem) {
        self.id = id
        self.mdd = try PiecewiseLinearCurve(xs: intensity, ys: mdd, monotone: false, range: 0...Double.greatestFiniteMagnitude)
        self.paa = try PiecewiseLinearCurve(xs: intensity, ys: paa, monotone: false, range: 0...Double.greatestFiniteMagnitude)
    }

    /// MDR at intensity `i`; 0 for i ≤ 0 (CLIMADA evaluates only non-zero intensities).
    @inline(__always)
    public func mdr(_ i: Double) -> Double { i > 0 ? mdd(i) * paa(i) : 0 }

    @inline(__always)
    public func paaValue(_ i: Double) -> Double { i > 0 ? paa(i) : 0 }
}
