import CGDAL
import RiskCore

/// A GeoJSON geometry object read by OGR (`OGR_G_CreateGeometryFromJson`): what a request body
/// carries, parsed by GDAL rather than by hand, and checked to be valid (GEOS via OGR).
public enum GeoJSONGeometry {
    /// The geometry `json` (a GeoJSON geometry object's text) describes.
    ///
    /// - Throws: `GeoError.invalidData` naming `what` when OGR cannot read it, it is empty, or
    ///   it is not valid (a self-intersecting ring, say).
    public static func parse(_ json: String, what: String) throws(GeoError) -> Geometry {
        GDALEnvironment.ensureSetUp()
        guard let g = OGR_G_CreateGeometryFromJson(json) else {
            CPLErrorReset()
            throw .invalidData(path: what, location: "GeoJSON geometry", reason: "OGR cannot read it as a GeoJSON geometry object")
        }
        defer { OGR_G_DestroyGeometry(g) }
        guard OGR_G_IsEmpty(g) == 0 else { throw .invalidData(path: what, location: "GeoJSON geometry", reason: "the geometry is empty") }
        guard OGR_G_IsValid(g) != 0 else {
            CPLErrorReset()
            throw .invalidData(path: what, location: "GeoJSON geometry", reason: "the geometry is not valid (a ring crosses itself or is not closed)")
        }
        var bytes = [UInt8](repeating: 0, count: Int(OGR_G_WkbSize(g)))
        let err = bytes.withUnsafeMutableBufferPointer { OGR_G_ExportToIsoWkb(g, wkbNDR, $0.baseAddress) }
        guard err == OGRERR_NONE else { throw .invalidData(path: what, location: "GeoJSON geometry", reason: "OGR cannot export it (OGRErr \(err))") }
        do {
            return try WKB.decode(bytes)
        } catch {
            throw .invalidData(path: what, location: "GeoJSON geometry", reason: error.description)
        }
    }
}
