import RealModule

/// Great-circle distance on a sphere of 6,371 km, as OpenQuake assigns assets to sites.
public enum GreatCircle {
    public static let earthRadiusKm = 6371.0

    /// Distance in km between two lon/lat points (degrees), by the haversine formula.
    public static func distanceKm(_ a: Position, _ b: Position) -> Double {
        let rad = Double.pi / 180
        let dLat = (b.y - a.y) * rad, dLon = (b.x - a.x) * rad
        let h = Double.sin(dLat / 2) * Double.sin(dLat / 2)
            + Double.cos(a.y * rad) * Double.cos(b.y * rad) * Double.sin(dLon / 2) * Double.sin(dLon / 2)
        return 2 * earthRadiusKm * Double.asin(min(1, h.squareRoot()))
    }

    /// Index of the nearest site within `maxKm`, or nil (ties go to the lower index).
    ///
    /// - Complexity: O(sites).
    public static func nearest(to p: Position, sites: [Position], maxKm: Double) -> Int? {
        var best: (Int, Double)?
        for (i, s) in sites.enumerated() {
            let d = distanceKm(p, s)
            if d <= maxKm, best == nil || d < best!.1 { best = (i, d) }
        }
        return best?.0
    }
}

/// Nearest-site lookup for many assets: sites sorted by latitude, so that only the band of
/// latitudes within the cut-off is scanned (a great-circle distance is never shorter than the
/// meridian arc between the two latitudes). Candidates are ranked by chord length between unit
/// vectors, which orders like the great-circle distance without a trigonometric call per pair;
/// the few within rounding of the best are then ranked by `GreatCircle.distanceKm` itself, so the
/// answer is exactly `GreatCircle.nearest`'s, ties included (the lower site index wins).
public struct SiteLocator: Sendable {
    let sites: [Position]
    let order: [Int]
    let lats: [Double]
    /// Unit vectors of the sites in `order`, x y z interleaved.
    let xyz: [Double]

    public init(sites: [Position]) {
        self.sites = sites
        order = sites.indices.sorted { (sites[$0].y, $0) < (sites[$1].y, $1) }
        lats = order.map { sites[$0].y }
        xyz = order.flatMap { Self.unit(sites[$0]) }
    }

    static func unit(_ p: Position) -> [Double] {
        let rad = Double.pi / 180
        let (lon, lat) = (p.x * rad, p.y * rad)
        return [Double.cos(lat) * Double.cos(lon), Double.cos(lat) * Double.sin(lon), Double.sin(lat)]
    }

    /// The nearest site within `maxKm` of `p`, or nil.
    ///
    /// - Complexity: O(log n + sites in the latitude band).
    public func nearest(to p: Position, maxKm: Double) -> Int? {
        let band = maxKm / GreatCircle.earthRadiusKm * 180 / Double.pi
        var lo = 0, hi = lats.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if lats[mid] < p.y - band { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < lats.count && lats[end] <= p.y + band { end += 1 }
        guard lo < end else { return nil }
        let u = Self.unit(p)
        var chords = [Double](repeating: 0, count: end - lo)
        var best = Double.infinity
        for k in lo..<end {
            let dx = xyz[3 * k] - u[0], dy = xyz[3 * k + 1] - u[1], dz = xyz[3 * k + 2] - u[2]
            let c = dx * dx + dy * dy + dz * dz
            chords[k - lo] = c
            best = min(best, c)
        }
        var found: (Int, Double)?
        let window = best * (1 + 1e-9) + 1e-300
        for k in lo..<end where chords[k - lo] <= window {
            let i = order[k]
            let d = GreatCircle.distanceKm(p, sites[i])
            if d <= maxKm, found == nil || d < found!.1 || (d == found!.1 && i < found!.0) { found = (i, d) }
        }
        return found?.0
    }
}
