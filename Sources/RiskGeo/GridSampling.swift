import CGDAL
import Foundation
import RiskCore

/// How a raster band reaches the cells of a target grid: read by window when its cells are the
/// target's cells (same CRS, same cell size, origins a whole number of cells apart), by cell
/// centres when it is in the same CRS with cells no smaller, warped otherwise. Deciding once per layer keeps the warper, and the CRS transformation it builds,
/// off the run's path for inputs already on the analysis grid.
public enum GridSampling: Sendable, Hashable {
    /// Target cell (c, r) is source cell (c + col, r + row).
    case window(col: Int, row: Int)
    /// Each target cell takes the source cell containing its centre; a total (`sum`) is split
    /// evenly among the target cells whose centres its source cell holds, so each source cell
    /// keeps its total and meets exactly the intensity of the same source cell on another
    /// layer of its grid. For a source in the target's CRS, axis-aligned, with cells no smaller.
    case centres(CentreMapping)
    /// Through `RasterWarp` with the layer's resampling.
    case warp

    /// Whether the source grid's cells coincide with `target`'s cells. The CRSs count as the
    /// same when GDAL says so or when the transformation between them moves the source's
    /// corners by less than a thousandth of a cell (a WKT without an EPSG code for the same
    /// projection and ellipsoid).
    public static func of(_ source: GridSpec, onto target: GridSpec) -> GridSampling {
        guard let sc = source.crs, let tc = target.crs,
              source.transform.isAxisAligned, target.transform.isAxisAligned else { return .warp }
        let s = source.transform, t = target.transform
        let tol = 1e-6
        guard abs(s.pixelWidth - t.pixelWidth) <= tol * abs(t.pixelWidth),
              abs(s.pixelHeight - t.pixelHeight) <= tol * abs(t.pixelHeight) else { return .warp }
        let dc = (t.originX - s.originX) / s.pixelWidth, dr = (t.originY - s.originY) / s.pixelHeight
        let c = dc.rounded(), r = dr.rounded()
        guard abs(dc - c) < 1e-3, abs(dr - r) < 1e-3, abs(c) < 1e9, abs(r) < 1e9 else { return .warp }
        guard sameCRS(sc, tc, probe: source) else { return .warp }
        return .window(col: Int(c), row: Int(r))
    }

    /// `.window` when the cells coincide, `.centres` when the source is in the same CRS,
    /// axis-aligned the same way and its cells are at least the target's, `.warp` otherwise.
    public static func best(_ source: GridSpec, onto target: GridSpec) -> GridSampling {
        let w = of(source, onto: target)
        guard w == .warp else { return w }
        let s = source.transform, t = target.transform
        guard let sc = source.crs, let tc = target.crs, s.isAxisAligned, t.isAxisAligned,
              (s.pixelWidth > 0) == (t.pixelWidth > 0), (s.pixelHeight > 0) == (t.pixelHeight > 0),
              s.pixelWidth.magnitude >= t.pixelWidth.magnitude * (1 - 1e-9),
              s.pixelHeight.magnitude >= t.pixelHeight.magnitude * (1 - 1e-9),
              sameCRS(sc, tc, probe: source) else { return .warp }
        return .centres(CentreMapping(colOrigin: (s.originX - t.originX) / t.pixelWidth, rowOrigin: (s.originY - t.originY) / t.pixelHeight,
                                      colSize: s.pixelWidth / t.pixelWidth, rowSize: s.pixelHeight / t.pixelHeight,
                                      targetWidth: target.width, targetHeight: target.height))
    }

    static func sameCRS(_ a: CRS, _ b: CRS, probe grid: GridSpec) -> Bool {
        if a == b { return true }
        let key = SameCRSCache.Key(a: a, b: b, bounds: grid.bounds(), cell: grid.transform.pixelWidth)
        if let known = SameCRSCache.shared.get(key) { return known }
        let same = compareCRS(a, b, probe: grid)
        SameCRSCache.shared.set(key, same)
        return same
    }

    private static func compareCRS(_ a: CRS, _ b: CRS, probe grid: GridSpec) -> Bool {
        guard let sa = try? SpatialReference(a), let sb = try? SpatialReference(b) else { return false }
        if sa.isSame(sb) { return true }
        guard let t = try? CoordinateTransformer(from: a, to: b) else { return false }
        let bounds = grid.bounds()
        var corners = [Position(bounds.minX, bounds.minY), Position(bounds.maxX, bounds.maxY),
                       Position(bounds.minX, bounds.maxY), Position(bounds.maxX, bounds.minY)]
        let before = corners
        guard (try? t.transform(&corners)) != nil else { return false }
        let limit = 1e-3 * abs(grid.transform.pixelWidth)
        return zip(before, corners).allSatisfy { abs($0.x - $1.x) <= limit && abs($0.y - $1.y) <= limit }
    }

    /// The size of one source cell measured in the target CRS's units (its larger side), from
    /// the source's centre cell; nil when the transformation fails.
    public static func cellSize(of source: GridSpec, in target: CRS) -> Double? {
        guard let sc = source.crs else { return nil }
        let c = source.width / 2, r = source.height / 2
        let p0 = source.transform.apply(col: Double(c), row: Double(r))
        let p1 = source.transform.apply(col: Double(c + 1), row: Double(r))
        let p2 = source.transform.apply(col: Double(c), row: Double(r + 1))
        var ps = [Position(p0.x, p0.y), Position(p1.x, p1.y), Position(p2.x, p2.y)]
        if !sameCRS(sc, target, probe: source) {
            guard let t = try? CoordinateTransformer(from: sc, to: target), (try? t.transform(&ps)) != nil else { return nil }
        }
        let across = ((ps[1].x - ps[0].x) * (ps[1].x - ps[0].x) + (ps[1].y - ps[0].y) * (ps[1].y - ps[0].y)).squareRoot()
        let down = ((ps[2].x - ps[0].x) * (ps[2].x - ps[0].x) + (ps[2].y - ps[0].y) * (ps[2].y - ps[0].y)).squareRoot()
        let size = max(across, down)
        return size.isFinite && size > 0 ? size : nil
    }
}

/// Answers of `sameCRS`, which builds a PROJ transformation: once per pair of CRSs and grid.
enum SameCRSCache {
    struct Key: Hashable {
        var a: CRS, b: CRS, bounds: Bounds, cell: Double
    }
    static let shared = LockedCache<Key, Bool>()
}

/// A dictionary shared between threads, behind a lock, for values that are costly to find and
/// the same every time (what PROJ's database says about a CRS).
final class LockedCache<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var known: [Key: Value] = [:]

    func get(_ k: Key) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        return known[k]
    }

    func set(_ k: Key, _ v: Value) {
        lock.lock()
        defer { lock.unlock() }
        known[k] = v
    }
}

/// Source cells in target pixel units, for `.centres`: source column c spans target pixel
/// columns [colOrigin + c·colSize, colOrigin + (c+1)·colSize).
public struct CentreMapping: Sendable, Hashable {
    public var colOrigin: Double, rowOrigin: Double
    public var colSize: Double, rowSize: Double
    /// The whole target grid, over which each source cell's centres are counted.
    public var targetWidth: Int, targetHeight: Int
    /// Where the grid being read starts in the whole target grid.
    public var colShift = 0, rowShift = 0

    /// The source index along one axis holding target pixel `j`'s centre.
    @inline(__always)
    static func source(_ j: Int, origin: Double, size: Double) -> Int {
        Int(((Double(j) + 0.5 - origin) / size).rounded(.down))
    }

    /// Target pixels along one axis (of `n`) whose centres source index `c` holds.
    static func count(_ c: Int, origin: Double, size: Double, n: Int) -> Int {
        var j = max(0, Int((origin + Double(c) * size - 0.5).rounded(.down)) - 1)
        while j < n && source(j, origin: origin, size: size) < c { j += 1 }
        var k = j
        while k < n && source(k, origin: origin, size: size) == c { k += 1 }
        return k - j
    }
}

extension RasterDataset {
    /// Band `band` on the cells of `grid`, as Float32 physical values with unknown as NaN: a
    /// window read for `.window` sampling (cells beyond the raster's edge are NaN), the warper
    /// otherwise.
    public func sample(band: Int, onto grid: GridSpec, sampling: GridSampling, resampling: Resampling,
                       cache: WarpCache? = nil) throws(GeoError) -> [Float] {
        switch sampling {
        case .warp:
            // The compute grid's cells are at most the source's, and its results are summed onto
            // coarser cells: a total split in 2 × 2 pieces per source cell's width in target cells
            // is enough, and 16× cheaper than the 4 per target cell a coarser target needs.
            return try RasterWarp.warp(self, band: band, onto: grid, resampling: resampling, sumSubcells: 1, cache: cache).values.map(Float.init)
        case .window(let col, let row):
            var out = [Float](repeating: .nan, count: grid.cellCount)
            let want = Window(colOff: col, rowOff: row, width: grid.width, height: grid.height)
            let have = want.intersection(Window(width: width, height: height))
            guard !have.isEmpty else { return out }
            var buffer = RasterBuffer<Float>(width: have.width, height: have.height)
            try read(band: band, window: have, into: &buffer)
            let dc = have.colOff - col, dr = have.rowOff - row
            buffer.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for r in 0..<have.height {
                        let from = r * have.width, to = (r + dr) * grid.width + dc
                        for c in 0..<have.width { dst[to + c] = src[from + c] }
                    }
                }
            }
            return out
        case .centres(let m):
            return try sampleCentres(band: band, onto: grid, m, split: resampling == .sum)
        }
    }

    private func sampleCentres(band: Int, onto grid: GridSpec, _ m: CentreMapping, split: Bool) throws(GeoError) -> [Float] {
        var out = [Float](repeating: .nan, count: grid.cellCount)
        guard grid.cellCount > 0 else { return out }
        let cols = (0..<grid.width).map { CentreMapping.source($0 + m.colShift, origin: m.colOrigin, size: m.colSize) }
        let rows = (0..<grid.height).map { CentreMapping.source($0 + m.rowShift, origin: m.rowOrigin, size: m.rowSize) }
        let c0 = max(0, cols.min()!), c1 = min(width, cols.max()! + 1)
        let r0 = max(0, rows.min()!), r1 = min(height, rows.max()! + 1)
        guard c0 < c1, r0 < r1 else { return out }
        let window = Window(colOff: c0, rowOff: r0, width: c1 - c0, height: r1 - r0)
        var buffer = RasterBuffer<Float>(width: window.width, height: window.height)
        try read(band: band, window: window, into: &buffer)
        // Each source cell's share: 1 / (centres it holds across the whole target grid).
        let colShare = (c0..<c1).map { split ? 1 / Float(max(1, CentreMapping.count($0, origin: m.colOrigin, size: m.colSize, n: m.targetWidth))) : 1 }
        let rowShare = (r0..<r1).map { split ? 1 / Float(max(1, CentreMapping.count($0, origin: m.rowOrigin, size: m.rowSize, n: m.targetHeight))) : 1 }
        buffer.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<grid.height {
                    let r = rows[i]
                    guard r >= r0, r < r1 else { continue }
                    let srcRow = (r - r0) * window.width, rs = rowShare[r - r0]
                    for j in 0..<grid.width {
                        let c = cols[j]
                        guard c >= c0, c < c1 else { continue }
                        dst[i * grid.width + j] = src[srcRow + c - c0] * rs * colShare[c - c0]
                    }
                }
            }
        }
        return out
    }
}
