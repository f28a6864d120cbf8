/// The affine transform from pixel coordinates (col, row) to CRS coordinates (x, y), in GDAL's
/// coefficient order: `x = c0 + col·c1 + row·c2`, `y = c3 + col·c4 + row·c5`.
///
/// Pixel coordinates are areas: (0, 0) is the outer corner of the first cell and (0.5, 0.5) its centre.
public struct GeoTransform: Sendable, Hashable {
    public var originX: Double
    public var pixelWidth: Double
    public var rowRotation: Double
    public var originY: Double
    public var columnRotation: Double
    public var pixelHeight: Double

    public init(originX: Double, pixelWidth: Double, rowRotation: Double = 0,
                originY: Double, columnRotation: Double = 0, pixelHeight: Double) {
        self.originX = originX
        self.pixelWidth = pixelWidth
        self.rowRotation = rowRotation
        self.originY = originY
        self.columnRotation = columnRotation
        self.pixelHeight = pixelHeight
    }

    /// From GDAL's six coefficients. Returns nil unless exactly six finite values are given.
    public init?(gdal c: [Double]) {
        guard c.count == 6, c.allSatisfy(\.isFinite) else { return nil }
        self.init(originX: c[0], pixelWidth: c[1], rowRotation: c[2],
                  originY: c[3], columnRotation: c[4], pixelHeight: c[5])
    }

    /// A north-up transform: top-left corner (x0, y0) and square or rectangular cells, y decreasing.
    public static func northUp(west: Double, north: Double, cellWidth: Double, cellHeight: Double) -> GeoTransform {
        GeoTransform(originX: west, pixelWidth: cellWidth, originY: north, pixelHeight: -abs(cellHeight))
    }

    public var gdalCoefficients: [Double] {
        [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight]
    }

    /// True when rows and columns are aligned with the CRS axes.
    public var isAxisAligned: Bool { rowRotation == 0 && columnRotation == 0 }

    /// The determinant of the linear part; zero for a degenerate transform.
    public var determinant: Double { pixelWidth * pixelHeight - rowRotation * columnRotation }

    /// The area of one cell in CRS units squared (always positive).
    public var cellArea: Double { abs(determinant) }

    /// CRS coordinates of a pixel-space position.
    public func apply(col: Double, row: Double) -> (x: Double, y: Double) {
        (originX + col * pixelWidth + row * rowRotation,
         originY + col * columnRotation + row * pixelHeight)
    }

    /// Pixel-space position of CRS coordinates, or nil for a degenerate transform.
    ///
    /// Axis-aligned transforms divide directly, so a point on a cell edge maps exactly onto the
    /// integer pixel coordinate of that edge whenever the arithmetic is exact.
    public func pixel(x: Double, y: Double) -> (col: Double, row: Double)? {
        if isAxisAligned {
            guard pixelWidth != 0, pixelHeight != 0 else { return nil }
            return ((x - originX) / pixelWidth, (y - originY) / pixelHeight)
        }
        let det = determinant
        guard det != 0, det.isFinite else { return nil }
        let dx = x - originX, dy = y - originY
        return ((dx * pixelHeight - dy * rowRotation) / det,
                (dy * pixelWidth - dx * columnRotation) / det)
    }
}
