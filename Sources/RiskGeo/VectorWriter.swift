import CGDAL
import Foundation
import RiskCore

/// Writes features to an OGR format: GeoPackage ("GPKG") or Shapefile ("ESRI Shapefile").
/// The layer carries the given CRS; the file is written under a temporary name and renamed when
/// complete. GeoJSON has its own streaming writer, `GeoJSONFileWriter`, for RFC 7946 output.
public enum VectorWriter {
    public enum Format: String, Sendable {
        case geoPackage = "GPKG"
        case shapefile = "ESRI Shapefile"
    }

    /// Writes one layer. Fields are created from `fields` in order; attributes a feature lacks are null.
    public static func write(_ features: [Feature], fields: [FieldDefinition], crs: CRS, layerName: String,
                             geometryType: String, to path: String, format: Format = .geoPackage) throws(GeoError) {
        let fail = { (op: String) in { (msg: String) in GeoError.writeFailed(path: path, operation: op, reason: msg) } }
        let ext = (path as NSString).pathExtension
        let tmp = format == .shapefile ? path : temporaryPath(for: (path as NSString).deletingPathExtension) + "." + ext
        let srs = try SpatialReference(crs)
        let drv = try GDALCall.check(fail("find driver \(format.rawValue)")) { GDALGetDriverByName(format.rawValue) }
        let ds = try GDALCall.check(fail("create")) { GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, nil) }
        var closed = false
        defer { if !closed { GDALClose(ds) } }
        let layer = try GDALCall.check(fail("create layer \(layerName)")) {
            GDALDatasetCreateLayer(ds, layerName, srs.handle, ogrGeometryType(geometryType), nil)
        }
        try createFields(fields, in: layer, fail: fail)
        let defn = OGR_L_GetLayerDefn(layer)
        _ = OGR_L_StartTransaction(layer)
        for (n, feature) in features.enumerated() {
            guard let f = OGR_F_Create(defn) else { throw fail("create feature")("out of memory") }
            defer { OGR_F_Destroy(f) }
            for (i, field) in fields.enumerated() {
                switch feature.attributes[field.name] ?? .null {
                case .null: OGR_F_SetFieldNull(f, Int32(i))
                case .bool(let b): OGR_F_SetFieldInteger(f, Int32(i), b ? 1 : 0)
                case .integer(let v): OGR_F_SetFieldInteger64(f, Int32(i), GIntBig(v))
                case .real(let v): OGR_F_SetFieldDouble(f, Int32(i), v)
                case .string(let s): OGR_F_SetFieldString(f, Int32(i), s)
                }
            }
            if let g = feature.geometry {
                let bytes = WKB.encode(g)
                var geom: OGRGeometryH?
                let err = bytes.withUnsafeBufferPointer { OGR_G_CreateFromWkb($0.baseAddress, srs.handle, &geom, Int32($0.count)) }
                guard err == OGRERR_NONE, let geom else { throw fail("feature \(n) geometry")("OGRErr \(err)") }
                OGR_F_SetGeometryDirectly(f, geom)
            }
            let err = OGR_L_CreateFeature(layer, f)
            guard err == OGRERR_NONE else { throw fail("write feature \(n)")(GDALCall.lastFailure() ?? "OGRErr \(err)") }
        }
        _ = OGR_L_CommitTransaction(layer)
        closed = true
        try GDALCall.checkState(fail("close")) { GDALClose(ds) }
        if tmp != path {
            guard rename(tmp, path) == 0 else {
                unlinkIfPresent(tmp)
                throw fail("rename from temporary file")(String(cString: strerror(errno)))
            }
        }
    }
}

/// Adds `fields` to `layer` in order (a `.bool` as an integer of subtype boolean).
func createFields(_ fields: [FieldDefinition], in layer: OGRLayerH, fail: (String) -> (String) -> GeoError) throws(GeoError) {
    for f in fields {
        guard let defn = OGR_Fld_Create(f.name, f.type.ogr) else { throw fail("create field")("out of memory") }
        if f.type == .bool { OGR_Fld_SetSubType(defn, OFSTBoolean) }
        defer { OGR_Fld_Destroy(defn) }
        let err = OGR_L_CreateField(layer, defn, 1)
        guard err == OGRERR_NONE else { throw fail("create field \(f.name)")(GDALCall.lastFailure() ?? "OGRErr \(err)") }
    }
}

extension FieldType {
    var ogr: OGRFieldType {
        switch self {
        case .integer: OFTInteger64
        case .bool: OFTInteger
        case .real: OFTReal
        case .date: OFTDate
        case .dateTime: OFTDateTime
        default: OFTString
        }
    }
}

/// The OGR type for a simple-features type name ("Point", "MultiPolygon", …); unknown for others.
func ogrGeometryType(_ name: String) -> OGRwkbGeometryType {
    switch name.lowercased() {
    case "point": wkbPoint
    case "linestring": wkbLineString
    case "polygon": wkbPolygon
    case "multipoint": wkbMultiPoint
    case "multilinestring": wkbMultiLineString
    case "multipolygon": wkbMultiPolygon
    case "geometrycollection": wkbGeometryCollection
    default: wkbUnknown
    }
}
