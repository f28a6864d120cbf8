/// A dense row-major raster of floating-point cells, owned by the caller.
///
/// NaN means unknown (the source's nodata, or a value that could not be computed). Unknown is never
/// zero: every kernel passes NaN through and every statistic counts it separately. ±∞ are ordinary
/// IEEE values and propagate as IEEE arithmetic says.
public struct RasterBuffer<Scalar: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Cells in row-major order: index = row · width + col.
    public var values: [Scalar]

    /// A `width × height` buffer filled with `fill` (unknown by default).
    public init(width: Int, height: Int, fill: Scalar = .nan) {
        precondition(width >= 0 && height >= 0, "raster size must not be negative")
        self.width = width
        self.height = height
        self.values = Array(repeating: fill, count: width * height)
    }

    public init(width: Int, height: Int, values: [Scalar]) {
        precondition(values.count == width * height, "expected \(width * height) values, got \(values.count)")
        self.width = width
        self.height = height
        self.values = values
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }

    public subscript(col: Int, row: Int) -> Scalar {
        get { values[row * width + col] }
        set { values[row * width + col] = newValue }
    }

    /// Bitwise equality that treats NaN as equal to NaN, for tests and determinism checks.
    public static func == (a: RasterBuffer, b: RasterBuffer) -> Bool {
        guard a.width == b.width, a.height == b.height else { return false }
        for i in a.values.indices where !(a.values[i] == b.values[i] || (a.values[i].isNaN && b.values[i].isNaN)) {
            return false
        }
        return true
    }

    /// Borrowed read access for kernels.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer(body)
    }

    /// Borrowed write access for kernels and readers.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try values.withUnsafeMutableBufferPointer(body)
    }

    /// Replaces every cell equal to `nodata` with NaN. A NaN `nodata` needs no work.
    public mutating func maskNodata(_ nodata: Double) {
        guard !nodata.isNaN else { return }
        let nd = Scalar(nodata)
        for i in values.indices where values[i] == nd { values[i] = .nan }
    }

    /// The same cells converted to another precision; NaN stays NaN.
    public func converted<T: BinaryFloatingPoint & Sendable>(to: T.Type = T.self) -> RasterBuffer<T> {
        RasterBuffer<T>(width: width, height: height, values: values.map { T($0) })
    }

    /// A copy of a window's cells.
    public func cropped(to window: Window) -> RasterBuffer {
        precondition(window.colEnd <= width && window.rowEnd <= height && window.colOff >= 0 && window.rowOff >= 0,
                     "window \(window) outside \(width)×\(height) raster")
        var out = RasterBuffer(width: window.width, height: window.height)
        for r in 0..<window.height {
            let src = (window.rowOff + r) * width + window.colOff
            out.values.replaceSubrange(r * window.width..<(r + 1) * window.width, with: values[src..<src + window.width])
        }
        return out
    }
}

/// Summary of a raster's cells. Unknown (NaN) cells are counted, never summed.
public struct RasterStatistics: Sendable, Equatable {
    /// Cells that are not NaN (±∞ included).
    public var knownCount: Int
    /// NaN cells.
    public var unknownCount: Int
    /// Σ of the known cells, accumulated in Double with Neumaier compensation. NaN when +∞ and −∞ both occur.
    public var sum: Double
    /// Smallest and largest known cell; nil when there is none.
    public var min: Double?
    public var max: Double?

    /// Mean of the known cells, nil when there is none.
    public var mean: Double? { knownCount > 0 ? sum / Double(knownCount) : nil }
}

extension RasterBuffer {
    /// Counts, compensated sum and range of the cells.
    ///
    /// - Complexity: O(n).
    public func statistics() -> RasterStatistics {
        var s = 0.0, c = 0.0
        var known = 0
        var lo = Double.infinity, hi = -Double.infinity
        for v in values {
            guard !v.isNaN else { continue }
            let d = Double(v)
            known += 1
            lo = Swift.min(lo, d)
            hi = Swift.max(hi, d)
            let t = s + d
            if d.isFinite && s.isFinite {
                c += abs(s) >= abs(d) ? (s - t) + d : (d - t) + s
            }
            s = t
        }
        let total = s.isFinite ? s + c : s
        return RasterStatistics(knownCount: known, unknownCount: values.count - known, sum: total,
                                min: known > 0 ? lo : nil, max: known > 0 ? hi : nil)
    }
}
