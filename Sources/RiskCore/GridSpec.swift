/// A raster grid: an affine transform, a size in cells and a CRS.
///
/// Pixels are areas. Cell (col, row) covers pixel coordinates `[col, col+1) × [row, row+1)`; for a
/// north-up grid that is `x ∈ [x0 + col·dx, x0 + (col+1)·dx)` and its centre is at `col + ½`.
/// A point belongs to the cell that contains it under that half-open rule.
public struct GridSpec: Sendable, Hashable {
    public var transform: GeoTransform
    public var width: Int
    public var height: Int
    /// The grid's CRS. `nil` means the source did not state one; RiskGeo refuses to warp or
    /// reproject such a grid rather than guess.
    public var crs: CRS?

    public init(transform: GeoTransform, width: Int, height: Int, crs: CRS?) {
        precondition(width >= 0 && height >= 0, "grid size must not be negative")
        self.transform = transform
        self.width = width
        self.height = height
        self.crs = crs
    }

    /// A north-up grid of square `cellSize` cells that covers `bounds`, with its origin snapped
    /// outward to a multiple of `cellSize` so that grids made from different bounds align.
    public init(covering bounds: Bounds, cellSize: Double, crs: CRS?) {
        precondition(cellSize > 0 && cellSize.isFinite, "cell size must be positive")
        let west = (bounds.minX / cellSize).rounded(.down) * cellSize
        let north = (bounds.maxY / cellSize).rounded(.up) * cellSize
        let east = (bounds.maxX / cellSize).rounded(.up) * cellSize
        let south = (bounds.minY / cellSize).rounded(.down) * cellSize
        self.init(transform: .northUp(west: west, north: north, cellWidth: cellSize, cellHeight: cellSize),
                  width: max(1, Int(((east - west) / cellSize).rounded())),
                  height: max(1, Int(((north - south) / cellSize).rounded())),
                  crs: crs)
    }

    public var cellCount: Int { width * height }
    public var fullWindow: Window { Window(width: width, height: height) }
    /// Cell area in CRS units squared (m² for a projected CRS in metres).
    public var cellArea: Double { transform.cellArea }

    /// The cell containing the CRS point, or nil when the point is outside the grid or not finite.
    public func cell(containing x: Double, _ y: Double) -> (col: Int, row: Int)? {
        guard x.isFinite, y.isFinite, let p = transform.pixel(x: x, y: y) else { return nil }
        let c = p.col.rounded(.down), r = p.row.rounded(.down)
        guard c >= 0, r >= 0, c < Double(width), r < Double(height) else { return nil }
        return (Int(c), Int(r))
    }

    /// The CRS coordinates of a cell's centre.
    public func center(col: Int, row: Int) -> (x: Double, y: Double) {
        transform.apply(col: Double(col) + 0.5, row: Double(row) + 0.5)
    }

    /// The CRS bounds of a window's outer edges (the whole grid by default).
    public func bounds(of window: Window? = nil) -> Bounds {
        let w = window ?? fullWindow
        let corners = [(w.colOff, w.rowOff), (w.colEnd, w.rowOff), (w.colOff, w.rowEnd), (w.colEnd, w.rowEnd)]
            .map { transform.apply(col: Double($0.0), row: Double($0.1)) }
        return Bounds(points: corners)!
    }

    /// The window of cells that intersect `bounds` (with positive area), clipped to the grid.
    /// Empty when the bounds miss the grid.
    public func window(for bounds: Bounds) -> Window {
        let corners = [(bounds.minX, bounds.minY), (bounds.maxX, bounds.minY),
                       (bounds.minX, bounds.maxY), (bounds.maxX, bounds.maxY)]
        let pixels = corners.compactMap { transform.pixel(x: $0.0, y: $0.1) }
        guard pixels.count == 4, let pb = Bounds(points: pixels.map { (x: $0.col, y: $0.row) }) else { return .empty }
        let c0 = Int(max(0, pb.minX.rounded(.down)).clamped(max: Double(width)))
        let r0 = Int(max(0, pb.minY.rounded(.down)).clamped(max: Double(height)))
        let c1 = Int(max(0, pb.maxX.rounded(.up)).clamped(max: Double(width)))
        let r1 = Int(max(0, pb.maxY.rounded(.up)).clamped(max: Double(height)))
        return Window(colOff: c0, rowOff: r0, width: c1 - c0, height: r1 - r0)
    }

    /// The grid of a window's cells, same CRS and cell size, origin moved to the window's corner.
    public func subgrid(_ window: Window) -> GridSpec {
        var t = transform
        let o = transform.apply(col: Double(window.colOff), row: Double(window.rowOff))
        t.originX = o.x
        t.originY = o.y
        return GridSpec(transform: t, width: window.width, height: window.height, crs: crs)
    }

    /// The grid whose cells split each of this grid's cells into `factor` × `factor` equal
    /// cells: the compute grid nested in the analysis grid.
    public func refined(by factor: Int) -> GridSpec {
        precondition(factor >= 1, "refinement factor must be at least 1")
        guard factor > 1 else { return self }
        var t = transform
        let f = Double(factor)
        t.pixelWidth /= f
        t.pixelHeight /= f
        t.rowRotation /= f
        t.columnRotation /= f
        return GridSpec(transform: t, width: width * factor, height: height * factor, crs: crs)
    }

    /// Row-major blocks of at most `size × size` cells covering the grid exactly once.
    public func blocks(size: Int) -> [Window] { fullWindow.blocks(width: size, height: size) }
}

extension Double {
    fileprivate func clamped(max upper: Double) -> Double { Swift.min(self, upper) }
}
