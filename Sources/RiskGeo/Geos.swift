import CGEOS
import RiskCore

/// A GEOS context (`GEOSContextHandle_t`, reentrant API only). Every GEOS object belongs to one
/// context, and a context belongs to one worker at a time: it is not Sendable. GEOS reports errors
/// through a message handler; the last message is kept here and put into `GeoError.geometryFailed`.
public final class GeosContext {
    let handle: GEOSContextHandle_t
    private let messages: MessageBox

    final class MessageBox { var last = "" }

    public init() {
        handle = GEOS_init_r()
        messages = MessageBox()
        let box = Unmanaged.passUnretained(messages).toOpaque()
        GEOSContext_setErrorMessageHandler_r(handle, { msg, user in
            guard let user else { return }
            Unmanaged<MessageBox>.fromOpaque(user).takeUnretainedValue().last = msg.map { String(cString: $0) } ?? ""
        }, box)
    }

    deinit { GEOS_finish_r(handle) }

    /// The GEOS release, e.g. "3.11.1-CAPI-1.17.1".
    public static var version: String { String(cString: GEOSversion()) }

    func failure(_ operation: String) -> GeoError {
        defer { messages.last = "" }
        return .geometryFailed(operation: operation, reason: messages.last.isEmpty ? "no message from GEOS" : messages.last)
    }

    /// Turns a `Geometry` value into a GEOS geometry owned by this context.
    public func geometry(_ g: Geometry) throws(GeoError) -> GeosGeometry {
        guard let reader = GEOSWKBReader_create_r(handle) else { throw failure("create WKB reader") }
        defer { GEOSWKBReader_destroy_r(handle, reader) }
        let bytes = WKB.encode(g)
        guard let ptr = bytes.withUnsafeBufferPointer({ GEOSWKBReader_read_r(handle, reader, $0.baseAddress, $0.count) }) else {
            throw failure("read \(g.typeName)")
        }
        return GeosGeometry(context: self, handle: ptr)
    }

    /// A point, made directly (`GEOSGeom_createPointFromXY_r`): the query of one place needs
    /// no WKB round trip.
    public func point(x: Double, y: Double) throws(GeoError) -> GeosGeometry {
        guard let p = GEOSGeom_createPointFromXY_r(handle, x, y) else { throw failure("create point") }
        return GeosGeometry(context: self, handle: p)
    }

    /// The union of all the geometries (`GEOSUnaryUnion_r` over a collection).
    public func union(_ geometries: [Geometry]) throws(GeoError) -> GeosGeometry {
        try geometry(.collection(geometries)).unaryUnion()
    }
}

/// An owned GEOS geometry. It keeps its context alive and is destroyed with `GEOSGeom_destroy_r`.
/// Predicates follow GEOS: `char` results of 1 true, 0 false, 2 exception.
public final class GeosGeometry {
    public let context: GeosContext
    let handle: OpaquePointer

    init(context: GeosContext, handle: OpaquePointer) {
        self.context = context
        self.handle = handle
    }

    deinit { GEOSGeom_destroy_r(context.handle, handle) }

    private var ctx: GEOSContextHandle_t { context.handle }

    private func wrap(_ p: OpaquePointer?, _ op: String) throws(GeoError) -> GeosGeometry {
        guard let p else { throw context.failure(op) }
        return GeosGeometry(context: context, handle: p)
    }

    /// GEOS's predicate convention: 1 true, 0 false, 2 exception.
    fileprivate func predicate(_ r: CChar, _ op: String) throws(GeoError) -> Bool {
        guard r != 2 else { throw context.failure(op) }
        return r == 1
    }

    /// Back to a `Geometry` value (2-D).
    public func value() throws(GeoError) -> Geometry {
        guard let writer = GEOSWKBWriter_create_r(ctx) else { throw context.failure("create WKB writer") }
        defer { GEOSWKBWriter_destroy_r(ctx, writer) }
        GEOSWKBWriter_setOutputDimension_r(ctx, writer, 2)
        GEOSWKBWriter_setByteOrder_r(ctx, writer, Int32(GEOS_WKB_NDR.rawValue))
        var size = 0
        guard let out = GEOSWKBWriter_write_r(ctx, writer, handle, &size) else { throw context.failure("write WKB") }
        defer { GEOSFree_r(ctx, out) }
        do {
            return try WKB.decode(Array(UnsafeBufferPointer(start: out, count: size)))
        } catch {
            throw GeoError.geometryFailed(operation: "decode WKB", reason: error.description)
        }
    }

    /// Buffer by `distance` in the geometry's units, with `quadrantSegments` segments per quarter circle.
    public func buffer(_ distance: Double, quadrantSegments: Int = 8) throws(GeoError) -> GeosGeometry {
        try wrap(GEOSBuffer_r(ctx, handle, distance, Int32(quadrantSegments)), "buffer")
    }

    public func union(_ other: GeosGeometry) throws(GeoError) -> GeosGeometry {
        try wrap(GEOSUnion_r(ctx, handle, other.handle), "union")
    }

    /// Dissolves a collection into a valid union (`GEOSUnaryUnion_r`).
    public func unaryUnion() throws(GeoError) -> GeosGeometry {
        try wrap(GEOSUnaryUnion_r(ctx, handle), "unary union")
    }

    /// The centroid (GEOS's, area-weighted for polygons).
    public func centroid() throws(GeoError) -> GeosGeometry {
        try wrap(GEOSGetCentroid_r(ctx, handle), "centroid")
    }

    public func intersection(_ other: GeosGeometry) throws(GeoError) -> GeosGeometry {
        try wrap(GEOSIntersection_r(ctx, handle, other.handle), "intersection")
    }

    public func contains(_ other: GeosGeometry) throws(GeoError) -> Bool {
        try predicate(GEOSContains_r(ctx, handle, other.handle), "contains")
    }

    public func intersects(_ other: GeosGeometry) throws(GeoError) -> Bool {
        try predicate(GEOSIntersects_r(ctx, handle, other.handle), "intersects")
    }

    /// Planar area in the geometry's units squared.
    public func area() throws(GeoError) -> Double {
        var a = 0.0
        guard GEOSArea_r(ctx, handle, &a) == 1 else { throw context.failure("area") }
        return a
    }

    /// Planar length in the geometry's units.
    public func length() throws(GeoError) -> Double {
        var l = 0.0
        guard GEOSLength_r(ctx, handle, &l) == 1 else { throw context.failure("length") }
        return l
    }

    public func isValid() throws(GeoError) -> Bool {
        try predicate(GEOSisValid_r(ctx, handle), "is valid")
    }

    /// A prepared form for many repeated predicate tests against this geometry.
    public func prepared() throws(GeoError) -> GeosPreparedGeometry {
        guard let p = GEOSPrepare_r(ctx, handle) else { throw context.failure("prepare") }
        return GeosPreparedGeometry(base: self, handle: p)
    }
}

/// A prepared geometry (`GEOSPrepare_r`): indexed for fast repeated `contains`/`intersects`.
/// It keeps its base geometry alive, as GEOS requires.
public final class GeosPreparedGeometry {
    public let base: GeosGeometry
    let handle: OpaquePointer

    init(base: GeosGeometry, handle: OpaquePointer) {
        self.base = base
        self.handle = handle
    }

    deinit { GEOSPreparedGeom_destroy_r(base.context.handle, handle) }

    public func contains(_ other: GeosGeometry) throws(GeoError) -> Bool {
        try base.predicate(GEOSPreparedContains_r(base.context.handle, handle, other.handle), "prepared contains")
    }

    public func intersects(_ other: GeosGeometry) throws(GeoError) -> Bool {
        try base.predicate(GEOSPreparedIntersects_r(base.context.handle, handle, other.handle), "prepared intersects")
    }

    /// Whether the point (x, y) lies inside (`GEOSPreparedContainsXY_r` needs GEOS 3.12, so a
    /// point geometry is built).
    public func contains(x: Double, y: Double) throws(GeoError) -> Bool {
        try contains(base.context.point(x: x, y: y))
    }
}
