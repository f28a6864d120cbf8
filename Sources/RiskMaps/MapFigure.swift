import Foundation
import RiskCore

/// A legend: sections of items, each a swatch and a label.
public struct LegendSection: Sendable {
    public enum Swatch: Sendable {
        case box(Color)
        case circle(Color, radius: Double)
        case outline(Color)
    }

    public var title: String
    public var items: [(Swatch, String)]

    public init(title: String, items: [(Swatch, String)]) {
        self.title = title
        self.items = items
    }

    public init(title: String, classes: Classes) {
        self.init(title: title, items: zip(classes.colors, classes.labels).map { (.box($0), $1) })
    }
}

/// A printed map page: a title, the map frame showing `extent` (projected metres, north up) at
/// one scale in both directions, a legend beside it, a scale bar, a north arrow and a source
/// line. The content is drawn through a `MapFrame`, which maps metres to the page.
public struct MapFigure: Sendable {
    public var title: String
    public var subtitle: String
    public var source: String
    public var extent: Bounds
    public var legend: [LegendSection]
    /// The page, in points (8 × 6 inches; 1200 × 900 pixels at 150 dpi).
    public var pageWidth = 576.0, pageHeight = 432.0

    public init(title: String, subtitle: String, source: String, extent: Bounds, legend: [LegendSection]) {
        self.title = title
        self.subtitle = subtitle
        self.source = source
        self.extent = extent
        self.legend = legend
    }

    /// Draws the page to `path` (PNG or SVG by `format`).
    public func render(to path: String, format: Canvas.Format, dpi: Double = 150, content: (MapFrame) throws -> Void) throws {
        let canvas = try Canvas(width: pageWidth, height: pageHeight, format: format, path: path, dpi: dpi)
        canvas.text(title, x: 18, y: 24, size: 14, bold: true)
        canvas.text(subtitle, x: 18, y: 38, size: 8.5, color: Color(0.3, 0.3, 0.3))
        let legendWidth = 150.0
        let box = (x: 18.0, y: 48.0, w: pageWidth - 18 - legendWidth - 14, h: pageHeight - 48 - 28)
        let frame = MapFrame(canvas: canvas, extent: extent, x: box.x, y: box.y, width: box.w, height: box.h)
        canvas.fill(x: box.x, y: box.y, width: box.w, height: box.h, color: Color(0.97, 0.97, 0.96))
        canvas.clip(x: box.x, y: box.y, width: box.w, height: box.h)
        try content(frame)
        canvas.unclip()
        canvas.stroke(x: box.x, y: box.y, width: box.w, height: box.h, color: Color(0.4, 0.4, 0.4), lineWidth: 0.6)
        frame.scaleBar()
        frame.northArrow()
        drawLegend(canvas, x: pageWidth - legendWidth - 4, y: box.y + 4, width: legendWidth)
        // The source line, broken at " · " onto a second line when it is too long.
        var lines = [source]
        if canvas.textWidth(source, size: 6.5) > pageWidth - 36 {
            var first = "", rest = ""
            for part in source.components(separatedBy: " · ") {
                if rest.isEmpty && canvas.textWidth(first + (first.isEmpty ? "" : " · ") + part, size: 6.5) <= pageWidth - 36 {
                    first += (first.isEmpty ? "" : " · ") + part
                } else {
                    rest += (rest.isEmpty ? "" : " · ") + part
                }
            }
            lines = [first, rest]
        }
        for (k, l) in lines.enumerated() {
            canvas.text(l, x: 18, y: pageHeight - 10 - Double(lines.count - 1 - k) * 8, size: 6.5, color: Color(0.35, 0.35, 0.35))
        }
        try canvas.finish()
    }

    private func drawLegend(_ c: Canvas, x: Double, y: Double, width: Double) {
        var at = y + 8
        for s in legend {
            c.text(s.title, x: x, y: at, size: 8, bold: true)
            at += 6
            for (swatch, label) in s.items {
                switch swatch {
                case .box(let color):
                    c.fill(x: x, y: at, width: 14, height: 9, color: color)
                    c.stroke(x: x, y: at, width: 14, height: 9, color: Color(0.45, 0.45, 0.45), lineWidth: 0.4)
                case .circle(let color, let radius):
                    c.circle(x: x + 7, y: at + 4.5, radius: min(radius, 7), fill: color, stroke: Color(0.2, 0.2, 0.2), lineWidth: 0.4)
                case .outline(let color):
                    c.stroke(x: x, y: at, width: 14, height: 9, color: color, lineWidth: 1)
                }
                c.text(label, x: x + 19, y: at + 7.5, size: 7)
                at += 12.5
            }
            at += 9
        }
    }
}

/// The map frame of a page: metres in the map's CRS to points on the page.
public struct MapFrame {
    public let canvas: Canvas
    public let extent: Bounds
    /// Points per metre, and the page position of the extent's west and north edges.
    public let scale: Double
    let x0: Double, y0: Double
    let box: (x: Double, y: Double, w: Double, h: Double)

    init(canvas: Canvas, extent: Bounds, x: Double, y: Double, width: Double, height: Double) {
        self.canvas = canvas
        self.extent = extent
        box = (x, y, width, height)
        let w = max(extent.maxX - extent.minX, 1e-9), h = max(extent.maxY - extent.minY, 1e-9)
        let margin = 0.03
        scale = min(width * (1 - 2 * margin) / w, height * (1 - 2 * margin) / h)
        x0 = x + (width - w * scale) / 2
        y0 = y + (height - h * scale) / 2
    }

    public func page(_ p: Position) -> (Double, Double) {
        (x0 + (p.x - extent.minX) * scale, y0 + (extent.maxY - p.y) * scale)
    }

    /// A grid of cells (row-major, north-up, `grid` in the map's CRS) in colours.
    public func raster(_ grid: GridSpec, colors: [Color?]) {
        let b = grid.bounds(of: Window(colOff: 0, rowOff: 0, width: grid.width, height: grid.height))
        let (px, py) = page(Position(b.minX, b.maxY))
        canvas.image(colors, columns: grid.width, rows: grid.height, x: px, y: py,
                     width: (b.maxX - b.minX) * scale, height: (b.maxY - b.minY) * scale)
    }

    /// Polygons and lines of a geometry (in the map's CRS); points as small circles.
    public func geometry(_ g: Geometry, fill: Color?, stroke: Color?, lineWidth: Double = 0.5) {
        func rings(_ p: Polygon) -> [[(Double, Double)]] { ([p.exterior] + p.holes).map { $0.map(page) } }
        switch g {
        case .polygon(let p): canvas.polygon(rings(p), fill: fill, stroke: stroke, lineWidth: lineWidth)
        case .multiPolygon(let ps): canvas.polygon(ps.flatMap(rings), fill: fill, stroke: stroke, lineWidth: lineWidth)
        case .lineString(let l): canvas.line(l.map(page), color: stroke ?? .black, lineWidth: lineWidth)
        case .multiLineString(let ls): for l in ls { canvas.line(l.map(page), color: stroke ?? .black, lineWidth: lineWidth) }
        case .point(let p):
            let (x, y) = page(p)
            canvas.circle(x: x, y: y, radius: 1.5, fill: fill, stroke: stroke, lineWidth: lineWidth)
        case .multiPoint(let ps):
            for p in ps {
                let (x, y) = page(p)
                canvas.circle(x: x, y: y, radius: 1.5, fill: fill, stroke: stroke, lineWidth: lineWidth)
            }
        case .collection(let gs): for g in gs { geometry(g, fill: fill, stroke: stroke, lineWidth: lineWidth) }
        }
    }

    public func circle(at p: Position, radius: Double, fill: Color?, stroke: Color?, lineWidth: Double = 0.5) {
        let (x, y) = page(p)
        canvas.circle(x: x, y: y, radius: radius, fill: fill, stroke: stroke, lineWidth: lineWidth)
    }

    /// The scale bar's length in metres: 1, 2 or 5 × 10^k, near a fifth of the frame.
    public static func niceLength(_ metres: Double) -> Double {
        guard metres > 0, metres.isFinite else { return 1 }
        let e = (log10(metres)).rounded(.down)
        let base = pow(10, e)
        let f = metres / base
        return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * base
    }

    func scaleBar() {
        let length = Self.niceLength(box.w / 5 / scale)
        let w = length * scale, x = box.x + 12, y = box.y + box.h - 16
        canvas.fill(x: x - 4, y: y - 12, width: w + 40, height: 22, color: Color(1, 1, 1, 0.75))
        for k in 0..<4 {
            canvas.fill(x: x + Double(k) * w / 4, y: y, width: w / 4, height: 4, color: k % 2 == 0 ? .black : .white)
        }
        canvas.stroke(x: x, y: y, width: w, height: 4, color: .black, lineWidth: 0.5)
        let label = length >= 1000 ? Classes.number(length / 1000) + " km" : Classes.number(length) + " m"
        canvas.text("0", x: x, y: y - 3, size: 6.5, align: .centre)
        canvas.text(label, x: x + w, y: y - 3, size: 6.5, align: .centre)
    }

    func northArrow() {
        let cx = box.x + box.w - 18, top = box.y + 12
        canvas.polygon([[(cx, top), (cx + 6, top + 18), (cx, top + 13), (cx - 6, top + 18)]], fill: .black, stroke: nil)
        canvas.text("N", x: cx, y: top + 28, size: 8, bold: true, align: .centre)
    }
}
