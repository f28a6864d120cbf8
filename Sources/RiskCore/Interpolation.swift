/// Linear interpolation exactly as numpy's `interp` computes it, the one interpolation every
/// curve of the engine goes through (damage, impact, fragility, vulnerability and exceedance
/// curves), so results match the peers that use numpy to the last bit.
public enum Interpolation {
    /// numpy.interp for ascending xp (repeated xp allowed: the last of equal x wins), clamped at
    /// both ends; NaN in gives NaN out.
    ///
    /// - Complexity: O(log n).
    public static func numpy(_ x: Double, _ xp: [Double], _ fp: [Double]) -> Double {
        let n = xp.count
        if x.isNaN { return .nan }
        if x > xp[n - 1] { return fp[n - 1] }
        if x < xp[0] { return fp[0] }
        var lo = 0, hi = n - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if xp[mid] <= x { lo = mid } else { hi = mid - 1 }
        }
        let j = lo
        if xp[j] == x || j == n - 1 { return fp[j] }
        // numpy's order: the slope first, then slope·(x − x_j) + f_j.
        let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        return slope * (x - xp[j]) + fp[j]
    }
}
