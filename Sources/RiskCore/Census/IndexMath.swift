import RealModule

/// Min-max normalisation over the whole region (METHODS §1.2), with the census variants: an
/// optional log transform for skewed indicators, and an optional rescale to [0.5, 1] so zeros do
/// not wipe out products. Negative indicators (such as capacity) are flipped by the caller.
public struct MinMaxNormalization: Sendable, Hashable, Codable {
    public var min: Double
    public var max: Double
    public var logTransform: Bool
    public var halfToOne: Bool

    public init(min: Double, max: Double, logTransform: Bool = false, halfToOne: Bool = false) {
        self.min = min
        self.max = max
        self.logTransform = logTransform
        self.halfToOne = halfToOne
    }

    /// The transform applied before scaling: log(1 + x) when `logTransform`.
    @inline(__always)
    public static func transformed(_ x: Double, log: Bool) -> Double { log ? Double.log(onePlus: Swift.max(x, 0)) : x }

    /// x scaled to [0, 1] (or [0.5, 1]); NaN stays NaN; a constant indicator maps to 1.
    @inline(__always)
    public func callAsFunction(_ x: Double) -> Double {
        guard !x.isNaN else { return .nan }
        let t = Self.transformed(x, log: logTransform)
        let span = max - min
        let u = span > 0 ? Swift.min(1, Swift.max(0, (t - min) / span)) : 1
        return halfToOne ? 0.5 + 0.5 * u : u
    }
}

/// How single-hazard risks are combined (METHODS §1.2, §3.1).
public enum CombinationRule: Sendable, Hashable {
    /// Σ_h w_h · R_h with weights summing to 1.
    case weightedSum([Double])
    /// max_h R_h, the dominant hazard.
    case maximum
    /// INFORM-style: 10 − (∏_h (10 − 10·R_h))^(1/n), rescaled back to [0, 1], so one extreme
    /// hazard dominates.
    case inform

    /// The combined value; NaN when any input is NaN.
    @inline(__always)
    public func combine(_ r: UnsafeBufferPointer<Double>) -> Double {
        switch self {
        case .weightedSum(let w):
            var s = 0.0
            for i in 0..<r.count { s += w[i] * r[i] }
            return s
        case .maximum:
            var m = -Double.infinity
            for v in r {
                if v.isNaN { return .nan }
                m = Swift.max(m, v)
            }
            return m
        case .inform:
            var logSum = 0.0
            for v in r {
                if v.isNaN { return .nan }
                logSum += Double.log(Swift.max(1e-12, 10 - 10 * Swift.min(1, Swift.max(0, v))))
            }
            // exp(log 10) is 10.000000000000002: clamped, so that no hazard gives 0, not −1.8e-16.
            return Swift.min(1, Swift.max(0, (10 - Double.exp(logSum / Double(r.count))) / 10))
        }
    }
}
