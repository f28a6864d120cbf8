/// A rectangle of cells in a grid: columns `colOff ..< colOff+width`, rows `rowOff ..< rowOff+height`.
///
/// Windows are plain values; `GridSpec.window(for:)` makes one from CRS bounds, and
/// `blocks(width:height:)` splits one into row-major tiles for block iteration.
public struct Window: Sendable, Hashable, Codable, CustomStringConvertible {
    public var colOff: Int
    public var rowOff: Int
    public var width: Int
    public var height: Int

    public init(colOff: Int, rowOff: Int, width: Int, height: Int) {
        self.colOff = colOff
        self.rowOff = rowOff
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The whole of a `width × height` grid.
    public init(width: Int, height: Int) {
        self.init(colOff: 0, rowOff: 0, width: width, height: height)
    }

    public static let empty = Window(colOff: 0, rowOff: 0, width: 0, height: 0)

    public var isEmpty: Bool { width == 0 || height == 0 }
    public var cellCount: Int { width * height }
    public var colEnd: Int { colOff + width }
    public var rowEnd: Int { rowOff + height }

    /// The cells both windows hold; `.empty` when they do not overlap.
    public func intersection(_ other: Window) -> Window {
        let c0 = max(colOff, other.colOff), r0 = max(rowOff, other.rowOff)
        let c1 = min(colEnd, other.colEnd), r1 = min(rowEnd, other.rowEnd)
        guard c1 > c0, r1 > r0 else { return .empty }
        return Window(colOff: c0, rowOff: r0, width: c1 - c0, height: r1 - r0)
    }

    public func contains(col: Int, row: Int) -> Bool {
        col >= colOff && col < colEnd && row >= rowOff && row < rowEnd
    }

    /// This window grown by `halo` cells on every side and clipped to `limit`.
    public func expanded(by halo: Int, within limit: Window) -> Window {
        Window(colOff: colOff - halo, rowOff: rowOff - halo,
               width: width + 2 * halo, height: height + 2 * halo).intersection(limit)
    }

    /// Tiles of at most `blockWidth × blockHeight` cells covering this window exactly once, in
    /// row-major order. Edge tiles are smaller. An empty window has no blocks.
    ///
    /// - Complexity: O(number of blocks).
    public func blocks(width blockWidth: Int, height blockHeight: Int) -> [Window] {
        precondition(blockWidth > 0 && blockHeight > 0, "block size must be positive")
        guard !isEmpty else { return [] }
        var out: [Window] = []
        out.reserveCapacity(((width + blockWidth - 1) / blockWidth) * ((height + blockHeight - 1) / blockHeight))
        var r = rowOff
        while r < rowEnd {
            let h = min(blockHeight, rowEnd - r)
            var c = colOff
            while c < colEnd {
                let w = min(blockWidth, colEnd - c)
                out.append(Window(colOff: c, rowOff: r, width: w, height: h))
                c += w
            }
            r += h
        }
        return out
    }

    public var description: String { "Window(col \(colOff)+\(width), row \(rowOff)+\(height))" }
}
