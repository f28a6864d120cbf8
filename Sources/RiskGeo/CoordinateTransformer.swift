import CPROJ
import RiskCore

/// Transforms coordinates between two CRSs with PROJ, always in x/longitude-first axis order
/// (`proj_normalize_for_visualization`), whatever order the CRS definitions declare.
///
/// It owns a PROJ context and a transformation object, so it is not Sendable: each worker makes
/// its own. Both are destroyed when the object is released.
public final class CoordinateTransformer {
    public let source: CRS
    public let target: CRS
    private let context: OpaquePointer
    private let pj: OpaquePointer

    public init(from source: CRS, to target: CRS) throws(GeoError) {
        self.source = source
        self.target = target
        guard let ctx = proj_context_create() else {
            throw GeoError.transformFailed(from: source.description, to: target.description, reason: "cannot create a PROJ context")
        }
        proj_log_level(ctx, PJ_LOG_NONE)
        func fail(_ why: String) -> GeoError {
            let errno = proj_context_errno(ctx)
            let detail = errno != 0 ? String(cString: proj_context_errno_string(ctx, errno)) : why
            proj_context_destroy(ctx)
            return GeoError.transformFailed(from: source.description, to: target.description, reason: detail)
        }
        guard let raw = proj_create_crs_to_crs(ctx, Self.definition(source), Self.definition(target), nil) else {
            throw fail("PROJ cannot build a transformation")
        }
        let normalized = proj_normalize_for_visualization(ctx, raw)
        proj_destroy(raw)
        guard let normalized else { throw fail("PROJ cannot normalize the axis order") }
        context = ctx
        pj = normalized
    }

    deinit {
        proj_destroy(pj)
        proj_context_destroy(context)
    }

    private static func definition(_ crs: CRS) -> String {
        crs.wkt.isEmpty ? (crs.epsg.map { "EPSG:\($0)" } ?? crs.name) : crs.wkt
    }

    /// Transforms the positions in place.
    ///
    /// - Throws: `GeoError.transformFailed` naming the first position PROJ could not transform
    ///   (outside the CRS's area, or not finite).
    public func transform(_ positions: inout [Position]) throws(GeoError) {
        guard !positions.isEmpty else { return }
        let n = positions.count
        let stride = MemoryLayout<Position>.stride
        proj_errno_reset(pj)
        positions.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            let xs = base.assumingMemoryBound(to: Double.self)
            let ys = (base + MemoryLayout<Double>.size).assumingMemoryBound(to: Double.self)
            _ = proj_trans_generic(pj, PJ_FWD, xs, stride, n, ys, stride, n, nil, 0, 0, nil, 0, 0)
        }
        if let bad = positions.firstIndex(where: { !$0.x.isFinite || !$0.y.isFinite }) {
            let code = proj_errno(pj)
            let why = code != 0 ? String(cString: proj_context_errno_string(context, code)) : "result is not finite"
            throw GeoError.transformFailed(from: source.description, to: target.description,
                                           reason: "position \(bad): \(why)")
        }
    }

    public func transform(_ p: Position) throws(GeoError) -> Position {
        var ps = [p]
        try transform(&ps)
        return ps[0]
    }

    /// The geometry with every position transformed, ring by ring in bulk.
    public func transform(_ g: Geometry) throws(GeoError) -> Geometry {
        func line(_ ps: [Position]) throws(GeoError) -> [Position] {
            var c = ps
            try transform(&c)
            return c
        }
        func poly(_ p: Polygon) throws(GeoError) -> Polygon {
            Polygon(exterior: try line(p.exterior), holes: try p.holes.map { (r) throws(GeoError) in try line(r) })
        }
        switch g {
        case .point(let p): return .point(try transform(p))
        case .lineString(let l): return .lineString(try line(l))
        case .multiPoint(let l): return .multiPoint(try line(l))
        case .polygon(let p): return .polygon(try poly(p))
        case .multiLineString(let ls): return .multiLineString(try ls.map { (l) throws(GeoError) in try line(l) })
        case .multiPolygon(let ps): return .multiPolygon(try ps.map { (p) throws(GeoError) in try poly(p) })
        case .collection(let gs): return .collection(try gs.map { (g) throws(GeoError) in try transform(g) })
        }
    }
}
