import RealModule

/// One limit state's fragility function with OpenQuake's semantics (METHODS §6.2): the
/// probability of reaching or exceeding the limit state at intensity x.
public enum FragilityFunction: Sendable, Hashable {
    /// NRML `format="continuous"`, `shape="logncdf"`: `mean` and `stddev` of the IML itself (not
    /// of ln IML), clipped to [minIML, maxIML].
    case continuous(mean: Double, stddev: Double, minIML: Double, maxIML: Double, noDamageLimit: Double?)
    /// NRML `format="discrete"`: probabilities of exceedance tabulated at IMLs.
    case discrete(imls: [Double], poes: [Double], noDamageLimit: Double?)

    /// P(LS ≥ k | x).
    ///
    /// Continuous: σ = √ln(1 + sd²/mean²), scale = mean²/√(sd² + mean²) (the median), and
    /// P = Φ(ln(x′/scale)/σ) with x′ = clip(x, minIML, maxIML); 0 where x′ ≤ noDamageLimit (a limit
    /// of 0 is ignored). Discrete: linear interpolation on the table, clamped at both ends; when
    /// noDamageLimit lies below the first IML the point (noDamageLimit, 0) is prepended, and below
    /// noDamageLimit the probability is 0.
    public func probabilityOfExceedance(_ x: Double) -> Double {
        guard !x.isNaN else { return .nan }
        switch self {
        case .continuous(let mean, let sd, let lo, let hi, let ndl):
            let xc = min(max(x, lo), hi)
            if let ndl, ndl > 0, xc <= ndl { return 0 }
            guard xc > 0 else { return 0 }
            let sigma = Double.log(onePlus: sd * sd / (mean * mean)).squareRoot()
            let scale = mean * mean / (sd * sd + mean * mean).squareRoot()
            guard sigma > 0 else { return xc >= scale ? 1 : 0 }
            return 0.5 * Double.erfc(-Double.log(xc / scale) / sigma / 2.0.squareRoot())
        case .discrete(let imls, let poes, let ndl):
            if let ndl {
                if x < ndl { return 0 }
                // numpy interp on the table with (ndl, 0) prepended, without building it.
                if ndl < imls[0] && x < imls[0] { return x == ndl ? 0 : poes[0] / (imls[0] - ndl) * (x - ndl) + 0 }
            }
            return Interpolation.numpy(x, imls, poes)
        }
    }
}

/// The limit states of one taxonomy.
public struct FragilityModel: Sendable, Hashable {
    public let limitStates: [String]
    public let functions: [FragilityFunction]

    public init(limitStates: [String], functions: [FragilityFunction]) {
        precondition(limitStates.count == functions.count, "one function per limit state")
        self.limitStates = limitStates
        self.functions = functions
    }

    /// Fractions in each damage state [no damage, ds₁ … dsₙ] at intensity x: differences of
    /// successive exceedance probabilities, with OpenQuake's rule that a fraction below 1e-7
    /// (a negative one from curves that cross) becomes 0.
    public func damageFractions(_ x: Double) -> [Double] {
        var out = [Double](repeating: 0, count: functions.count + 1)
        addDamageFractions(x, to: &out)
        return out
    }

    /// Adds the fractions at x to `sums` ([no damage, ds₁ … dsₙ]) without allocating: the
    /// calculators sum them over events.
    @inline(__always)
    public func addDamageFractions(_ x: Double, to sums: inout [Double]) {
        var p = functions.isEmpty ? 0 : functions[0].probabilityOfExceedance(x)
        let first = 1 - p
        sums[0] += first < 1e-7 ? 0 : first
        for k in functions.indices {
            let next = k + 1 < functions.count ? functions[k + 1].probabilityOfExceedance(x) : 0
            let f = k + 1 < functions.count ? p - next : p
            sums[k + 1] += f < 1e-7 ? 0 : f
            p = next
        }
    }
}

/// A discrete vulnerability function (loss ratio against IML) with OpenQuake's semantics: 0 below
/// the first IML, linear inside the table, clamped at the last IML.
public struct VulnerabilityFunction: Sendable, Hashable {
    public let imt: String
    public let imls: [Double]
    public let lossRatios: [Double]

    public init(imt: String, imls: [Double], lossRatios: [Double]) {
        precondition(imls.count == lossRatios.count && !imls.isEmpty, "one loss ratio per IML")
        self.imt = imt
        self.imls = imls
        self.lossRatios = lossRatios
    }

    public func lossRatio(_ x: Double) -> Double {
        guard !x.isNaN else { return .nan }
        if x < imls[0] { return 0 }
        return Interpolation.numpy(x, imls, lossRatios)
    }
}
