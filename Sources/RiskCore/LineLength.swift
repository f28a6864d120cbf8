/// Length of line geometries per grid cell, for infrastructure exposure (length × cost per km).
///
/// Each segment is walked through the cells it crosses (Amanatides & Woo 1987 grid traversal on
/// the pixel coordinates), adding the exact length of its piece in each cell. Parts outside the
/// grid are dropped. Works for north-up grids; lengths are in CRS units.
public enum LineLength {
    /// Adds `weight × length` of every segment of `line` to `into` (row-major, grid-sized).
    /// - Complexity: O(cells crossed) per segment.
    public static func accumulate(_ line: [Position], weight: Double, grid: GridSpec, into out: inout [Double]) {
        precondition(out.count == grid.cellCount, "buffer does not match the grid")
        let t = grid.transform
        precondition(t.isAxisAligned, "line rasterization needs a north-up grid")
        let cw = abs(t.pixelWidth), ch = abs(t.pixelHeight)
        for i in 0..<max(0, line.count - 1) {
            guard let a = t.pixel(x: line[i].x, y: line[i].y), let b = t.pixel(x: line[i + 1].x, y: line[i + 1].y) else { continue }
            // Segment in pixel space, and its length per unit parameter in CRS units.
            let dx = b.col - a.col, dy = b.row - a.row
            let total = ((dx * cw) * (dx * cw) + (dy * ch) * (dy * ch)).squareRoot()
            guard total > 0 else { continue }
            // Parameter values where the segment crosses cell edges.
            var ts: [Double] = [0, 1]
            func crossings(_ p0: Double, _ d: Double) {
                guard d != 0 else { return }
                let lo = min(p0, p0 + d), hi = max(p0, p0 + d)
                var e = lo.rounded(.up)
                if e == lo { e += 1 }
                while e < hi {
                    ts.append((e - p0) / d)
                    e += 1
                }
            }
            crossings(a.col, dx)
            crossings(a.row, dy)
            ts.sort()
            for k in 0..<(ts.count - 1) where ts[k + 1] > ts[k] {
                let tm = (ts[k] + ts[k + 1]) / 2
                let c = (a.col + tm * dx).rounded(.down), r = (a.row + tm * dy).rounded(.down)
                guard c >= 0, r >= 0, c < Double(grid.width), r < Double(grid.height) else { continue }
                out[Int(r) * grid.width + Int(c)] += weight * total * (ts[k + 1] - ts[k])
            }
        }
    }
}
