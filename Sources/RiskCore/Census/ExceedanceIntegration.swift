import RealModule

/// Expected annual loss from losses at a few return periods, integrated over annual exceedance
/// probability with the trapezoid rule (METHODS §3.4, §6.3).
///
/// Points (p_i, D_i) with p_i = 1/T_i (or 1 − e^(−1/T_i)) are joined by straight lines in p:
/// EAL = Σ ½(D_i + D_{i+1})(p_i − p_{i+1}). Two explicit choices change the result by 2–3× and are
/// recorded in provenance:
/// - `zeroDamageReturnPeriod` T₀: damage falls linearly to 0 at p₀ = 1/T₀ on the frequent side;
///   nil means no damage is counted for events more frequent than the shortest return period.
/// - `tail`: beyond the rarest return period, `.none` adds nothing and `.flat` adds D_n·p_n.
///
/// Worked example (METHODS §3.4): T = 10/100/1000, D = 193/1210/3034 gives 82.2 with no tail and
/// 85.3 with the flat tail.
public struct ExceedanceIntegration: Sendable, Hashable, Codable {
    public enum Tail: String, Sendable, Hashable, Codable { case none, flat }
    public enum Probability: String, Sendable, Hashable, Codable {
        /// p = 1/T.
        case reciprocal
        /// p = 1 − e^(−1/T), the Poisson probability of at least one event a year.
        case poisson
    }

    public var zeroDamageReturnPeriod: Double?
    public var tail: Tail
    public var probability: Probability

    public init(zeroDamageReturnPeriod: Double? = nil, tail: Tail = .none, probability: Probability = .reciprocal) {
        self.zeroDamageReturnPeriod = zeroDamageReturnPeriod
        self.tail = tail
        self.probability = probability
    }

    public func exceedanceProbability(_ t: Double) -> Double {
        probability == .reciprocal ? 1 / t : -Double.expMinusOne(-1 / t)
    }

    /// Precomputed weights so that EAL = Σ w_i · D_i for return periods in ascending order.
    /// Linear in the losses, which is what lets the kernel apply it per cell cheaply.
    public func weights(returnPeriods: [Double]) -> [Double] {
        let p = returnPeriods.map(exceedanceProbability)
        var w = [Double](repeating: 0, count: p.count)
        if let t0 = zeroDamageReturnPeriod, !p.isEmpty {
            let p0 = exceedanceProbability(t0)
            if p0 > p[0] { w[0] += 0.5 * (p0 - p[0]) }
        }
        for i in 0..<max(0, p.count - 1) {
            let dp = p[i] - p[i + 1]
            w[i] += 0.5 * dp
            w[i + 1] += 0.5 * dp
        }
        if tail == .flat, let last = p.last { w[w.count - 1] += last }
        return w
    }

    /// EAL for losses at the given return periods (ascending). NaN if any loss is NaN.
    public func expectedAnnualLoss(returnPeriods: [Double], losses: [Double]) -> Double {
        precondition(returnPeriods.count == losses.count, "one loss per return period")
        return zip(weights(returnPeriods: returnPeriods), losses).reduce(0) { $0 + $1.0 * $1.1 }
    }
}

