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

    /// A damage-ratio curve as an impact function: MDD = the curve, PAA = 1. The census's loss
    /// path uses its damage curves this way, so both paths share one formula.
    public init(id: String, damageRatio curve: PiecewiseLinearCurve) {
        self.id = id
        mdd = curve
        paa = try! PiecewiseLinearCurve(xs: curve.xs, ys: curve.xs.map { _ in 1 }, monotone: false, range: nil)
    }

    /// MDR at intensity `i`; 0 for i ≤ 0 (CLIMADA evaluates only non-zero intensities).
    public func mdr(_ i: Double) -> Double { compiled.mdr(i) }

    public var compiled: Compiled { Compiled(mdd: mdd.compiled, paa: paa.compiled) }

    /// The form the kernels evaluate; values are identical to the tabulated curves'.
    public struct Compiled: Sendable {
        let mdd: CompiledCurve
        let paa: CompiledCurve
        private let paaIsOne: Bool

        init(mdd: CompiledCurve, paa: CompiledCurve) {
            self.mdd = mdd
            self.paa = paa
            paaIsOne = paa.isOne
        }

        @inline(__always)
        public func mdr(_ i: Double) -> Double { i > 0 ? mdd(i) * paa(i) : 0 }

        /// MDR for `count` intensities into `out` (`scratch` holds as many values), each exactly
        /// `mdr(Double(i[k]))`; a PAA of 1 (a census damage curve) is not evaluated, as ×1 is exact.
        public func mdr(_ i: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
            mdd.evaluate(i, count: count, into: out)
            if !paaIsOne {
                paa.evaluate(i, count: count, into: scratch)
                for k in 0..<count { out[k] *= scratch[k] }
            }
            for k in 0..<count where !(i[k] > 0) { out[k] = 0 }
        }

        /// The impact of one exposure value at intensity `i`, the single loss formula of the
        /// engine (used by `ImpactEngine` and the census kernel): MDR·value, less PAA·deductible,
        /// clipped to [0, cover] only when there is a cover (CLIMADA's order and rules); 0 for i ≤ 0.
        @inline(__always)
        public func impact(value: Double, at i: Double, deductible: Double? = nil, cover: Double? = nil) -> Double {
            var impact = mdr(i) * value
            if let d = deductible { impact -= (i > 0 ? paa(i) : 0) * d }
            if let cover { impact = min(max(impact, 0), cover) }
            return impact
        }
    }
}
