/// Analytic Hierarchy Process weights from a pairwise comparison matrix (Saaty 1980).
///
/// Weights are the principal eigenvector (power iteration, normalised to sum 1). Consistency:
/// λ_max = mean_i((A·w)_i / w_i), CI = (λ_max − n)/(n − 1), CR = CI / RI(n) with Saaty's random
/// indices. A matrix with CR ≥ 0.1 is inconsistent and refused by the manifest check.
public struct AHP: Sendable, Equatable {
    public let weights: [Double]
    public let lambdaMax: Double
    public let consistencyIndex: Double
    /// CI / RI; 0 for n ≤ 2, which are always consistent.
    public let consistencyRatio: Double

    /// Saaty's random consistency indices for n = 1 … 10.
    public static let randomIndex: [Double] = [0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49]

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case notSquare
        case size(Int)
        case notPositive(row: Int, col: Int)
        case notReciprocal(row: Int, col: Int)
        public var description: String {
            switch self {
            case .notSquare: "the pairwise matrix is not square"
            case .size(let n): "the pairwise matrix must be 1×1 to 10×10, got \(n)×\(n)"
            case .notPositive(let r, let c): "entry (\(r + 1), \(c + 1)) must be a positive number"
            case .notReciprocal(let r, let c): "entry (\(r + 1), \(c + 1)) is not the reciprocal of (\(c + 1), \(r + 1))"
            }
        }
    }

    /// - Complexity: O(n² · iterations), n ≤ 10.
    public init(pairwise a: [[Double]]) throws(Problem) {
        let n = a.count
        guard (1...10).contains(n) else { throw .size(n) }
        guard a.allSatisfy({ $0.count == n }) else { throw .notSquare }
        for i in 0..<n {
            for j in 0..<n {
                guard a[i][j].isFinite, a[i][j] > 0 else { throw .notPositive(row: i, col: j) }
                guard abs(a[i][j] * a[j][i] - 1) < 1e-6 else { throw .notReciprocal(row: i, col: j) }
            }
        }
        var w = [Double](repeating: 1 / Double(n), count: n)
        for _ in 0..<1000 {
            var next = (0..<n).map { i in (0..<n).reduce(0) { $0 + a[i][$1] * w[$1] } }
            let s = next.reduce(0, +)
            next = next.map { $0 / s }
            let delta = zip(next, w).map { abs($0 - $1) }.max()!
            w = next
            if delta < 1e-15 { break }
        }
        let aw = (0..<n).map { i in (0..<n).reduce(0) { $0 + a[i][$1] * w[$1] } }
        let lambda = (0..<n).reduce(0) { $0 + aw[$1] / w[$1] } / Double(n)
        weights = w
        lambdaMax = lambda
        consistencyIndex = n > 1 ? (lambda - Double(n)) / Double(n - 1) : 0
        consistencyRatio = n > 2 ? consistencyIndex / Self.randomIndex[n - 1] : 0
    }

    public var isConsistent: Bool { consistencyRatio < 0.1 }
}
