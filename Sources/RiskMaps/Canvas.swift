import CCairo
import Foundation
import RiskCore

/// A page drawn with Cairo, written as PNG or SVG. Coordinates are points (1/72 inch) from the
/// top left; a PNG is rasterised at `dpi`. The same drawing calls make both formats, so the
/// PNG and the SVG of a map show the same thing. Not Sendable: a Cairo context belongs to one
/// thread; the surface is freed by `finish()` or `deinit`.
public final class Canvas {
    public enum Format: String, Sendable { case png, svg }

    public let width: Double, height: Double
    public let format: Format
    let path: String
    private let tmp: String
    private var surface: OpaquePointer?
    private var cr: OpaquePointer?

    public init(width: Double, height: Double, format: Format, path: String, dpi: Double = 150) throws {
        self.width = width
        self.height = height
        self.format = format
        self.path = path
        tmp = path + ".tmp-\(getpid())"
        switch format {
        case .png:
            let scale = dpi / 72
            surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32((width * scale).rounded()), Int32((height * scale).rounded()))
            cr = cairo_create(surface)
            cairo_scale(cr, scale, scale)
        case .svg:
            surface = cairo_svg_surface_create(tmp, width, height)
            cr = cairo_create(surface)
        }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, cairo_status(cr) == CAIRO_STATUS_SUCCESS else {
            let why = String(cString: cairo_status_to_string(cairo_surface_status(surface)))
            release()
            unlink(tmp)
            throw MapError.drawing(path: path, reason: why)
        }
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        fill(x: 0, y: 0, width: width, height: height, color: .white)
    }

    deinit {
        release()
        unlink(tmp)
    }

    private func release() {
        if let cr { cairo_destroy(cr) }
        if let surface { cairo_surface_destroy(surface) }
        cr = nil
        surface = nil
    }

    /// Writes the file (under a temporary name, then renamed) and frees the surface.
    public func finish() throws {
        guard let surface, let cr else { throw MapError.drawing(path: path, reason: "the canvas is finished") }
        if cairo_status(cr) != CAIRO_STATUS_SUCCESS {
            let why = String(cString: cairo_status_to_string(cairo_status(cr)))
            release()
            throw MapError.drawing(path: path, reason: why)
        }
        var status = CAIRO_STATUS_SUCCESS
        if format == .png {
            cairo_surface_flush(surface)
            status = cairo_surface_write_to_png(surface, tmp)
        } else {
            cairo_surface_finish(surface)
            status = cairo_surface_status(surface)
        }
        release()
        guard status == CAIRO_STATUS_SUCCESS else {
            unlink(tmp)
            throw MapError.drawing(path: path, reason: String(cString: cairo_status_to_string(status)))
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw MapError.drawing(path: path, reason: "rename failed: \(String(cString: strerror(errno)))")
        }
    }

    // MARK: Drawing

    private func set(_ c: Color) { cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a) }

    /// Fills and/or strokes the current path, then clears it.
    private func paint(fill: Color?, stroke: Color?, lineWidth: Double) {
        if let fill {
            set(fill)
            if stroke != nil { cairo_fill_preserve(cr) } else { cairo_fill(cr) }
        }
        if let stroke {
            set(stroke)
            cairo_set_line_width(cr, lineWidth)
            cairo_stroke(cr)
        }
        cairo_new_path(cr)
    }

    public func fill(x: Double, y: Double, width: Double, height: Double, color: Color) {
        cairo_rectangle(cr, x, y, width, height)
        paint(fill: color, stroke: nil, lineWidth: 0)
    }

    public func stroke(x: Double, y: Double, width: Double, height: Double, color: Color, lineWidth: Double) {
        cairo_rectangle(cr, x, y, width, height)
        paint(fill: nil, stroke: color, lineWidth: lineWidth)
    }

    /// Rings (page coordinates) as one path, filled even-odd (holes stay open) and/or stroked.
    public func polygon(_ rings: [[(Double, Double)]], fill: Color?, stroke: Color?, lineWidth: Double = 0.5) {
        cairo_new_path(cr)
        for ring in rings where ring.count > 1 {
            cairo_move_to(cr, ring[0].0, ring[0].1)
            for p in ring.dropFirst() { cairo_line_to(cr, p.0, p.1) }
            cairo_close_path(cr)
        }
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD)
        paint(fill: fill, stroke: stroke, lineWidth: lineWidth)
    }

    public func line(_ points: [(Double, Double)], color: Color, lineWidth: Double) {
        guard points.count > 1 else { return }
        cairo_new_path(cr)
        cairo_move_to(cr, points[0].0, points[0].1)
        for p in points.dropFirst() { cairo_line_to(cr, p.0, p.1) }
        paint(fill: nil, stroke: color, lineWidth: lineWidth)
    }

    public func circle(x: Double, y: Double, radius: Double, fill: Color?, stroke: Color?, lineWidth: Double = 0.5) {
        cairo_new_path(cr)
        cairo_arc(cr, x, y, radius, 0, 2 * Double.pi)
        paint(fill: fill, stroke: stroke, lineWidth: lineWidth)
    }

    public enum Align: Sendable { case left, centre, right }

    /// Text with its baseline at y, in DejaVu Sans (installed with the engine's setup).
    public func text(_ s: String, x: Double, y: Double, size: Double, bold: Bool = false, color: Color = .black, align: Align = .left) {
        let advance = textWidth(s, size: size, bold: bold)   // also selects the font and size
        let dx = align == .left ? 0 : (align == .centre ? advance / 2 : advance)
        set(color)
        cairo_move_to(cr, x - dx, y)
        cairo_show_text(cr, s)
        cairo_new_path(cr)
    }

    /// The advance width of `s` at `size`.
    public func textWidth(_ s: String, size: Double, bold: Bool = false) -> Double {
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, s, &extents)
        return extents.x_advance
    }

    /// A raster of colours (row-major, `columns` × `rows`, nil transparent) drawn into the
    /// rectangle, one sharp block per cell (no smoothing between cells).
    public func image(_ colors: [Color?], columns: Int, rows: Int, x: Double, y: Double, width: Double, height: Double) {
        precondition(colors.count == columns * rows, "one colour per cell")
        guard columns > 0, rows > 0 else { return }
        let stride = Int(cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, Int32(columns)))
        let img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(columns), Int32(rows))
        defer { cairo_surface_destroy(img) }
        cairo_surface_flush(img)
        guard let data = cairo_image_surface_get_data(img) else { return }
        for r in 0..<rows {
            let row = (data + r * stride).withMemoryRebound(to: UInt32.self, capacity: columns) { $0 }
            for c in 0..<columns {
                // Premultiplied ARGB, native endian.
                guard let col = colors[r * columns + c] else { row[c] = 0; continue }
                let a = col.a
                row[c] = UInt32((a * 255).rounded()) << 24 | UInt32((col.r * a * 255).rounded()) << 16
                    | UInt32((col.g * a * 255).rounded()) << 8 | UInt32((col.b * a * 255).rounded())
            }
        }
        cairo_surface_mark_dirty(img)
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_scale(cr, width / Double(columns), height / Double(rows))
        cairo_set_source_surface(cr, img, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(columns), Double(rows))
        cairo_fill(cr)
        cairo_restore(cr)
    }

    /// Restricts drawing to a rectangle until `unclip()`.
    public func clip(x: Double, y: Double, width: Double, height: Double) {
        cairo_save(cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_clip(cr)
    }

    public func unclip() { cairo_restore(cr) }

    /// Frees Cairo's and Fontconfig's process-wide caches (fonts, patterns), which otherwise
    /// live until exit. Call once no canvas is left, e.g. at the end of `riskcensus render`.
    public static func releaseCaches() {
        cairo_debug_reset_static_data()
        FcFini()
    }
}

/// An RGBA colour, components 0…1.
public struct Color: Sendable, Equatable {
    public var r: Double, g: Double, b: Double, a: Double

    public init(_ r: Double, _ g: Double, _ b: Double, _ a: Double = 1) {
        self.r = r
        self.g = g
        self.b = b
        self.a = a
    }

    /// From "#rrggbb".
    public init(hex: String, alpha: Double = 1) {
        let v = Int(hex.dropFirst(), radix: 16) ?? 0
        self.init(Double(v >> 16 & 255) / 255, Double(v >> 8 & 255) / 255, Double(v & 255) / 255, alpha)
    }

    public func withAlpha(_ a: Double) -> Color { Color(r, g, b, a) }

    public var hex: String { String(format: "#%02x%02x%02x", Int((r * 255).rounded()), Int((g * 255).rounded()), Int((b * 255).rounded())) }

    public static let white = Color(1, 1, 1), black = Color(0, 0, 0), grey = Color(0.5, 0.5, 0.5)
}

public enum MapError: Error, Sendable, CustomStringConvertible {
    case drawing(path: String, reason: String)
    public var description: String {
        switch self {
        case .drawing(let p, let r): "\(p): drawing failed: \(r)"
        }
    }
}
