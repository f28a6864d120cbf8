import CGDAL
import Foundation
import RiskCore

/// A GeoPackage made layer by layer: layers copied from vector files the run wrote (so their
/// fields and values are the files' own), layers streamed feature by feature (the cells), and
/// each layer's style in the `layer_styles` table QGIS reads, so QGIS applies the style when it
/// opens a layer. Written under a temporary name and renamed by `finish()`; dropped unfinished,
/// the temporary file is removed.
public final class GeoPackageWriter {
    public let path: String
    private let tmp: String
    private var ds: GDALDatasetH?
    private var styles: OGRLayerH?

    public init(path: String) throws(GeoError) {
        self.path = path
        tmp = temporaryPath(for: path)
        unlinkIfPresent(tmp)
        let fail = { [path] (op: String) in { (msg: String) in GeoError.writeFailed(path: path, operation: op, reason: msg) } }
        let driver = try GDALCall.check(fail("find driver GPKG")) { GDALGetDriverByName("GPKG") }
        // The package is a temporary file until it is complete and renamed: SQLite need not
        // sync every commit (the setting is read when the file is opened).
        CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF")
        defer { CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", nil) }
        ds = try GDALCall.check(fail("create")) { GDALCreate(driver, tmp, 0, 0, 0, GDT_Unknown, nil) }
    }

    deinit { discard() }

    private func discard() {
        if let ds { GDALClose(ds) }
        ds = nil
        for suffix in ["", "-journal", "-wal", "-shm"] { unlinkIfPresent(tmp + suffix) }
    }

    private func fail(_ op: String) -> (String) -> GeoError {
        { [path] msg in GeoError.writeFailed(path: path, operation: op, reason: msg) }
    }

    private func open() throws(GeoError) -> GDALDatasetH {
        guard let ds else { throw fail("write")("the GeoPackage is finished") }
        return ds
    }

    /// Copies the first layer of the vector file at `source` as layer `name`, with its CRS,
    /// fields, feature ids and geometries (polygons made multipolygons when the layer mixes
    /// both, as GeoPackage wants one geometry type per layer).
    public func copyLayer(from source: String, as name: String) throws(GeoError) {
        let ds = try open()
        let src = try GDALCall.check(fail("open \(source)")) {
            GDALOpenEx(source, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, nil, nil)
        }
        defer { GDALClose(src) }
        let layer = try GDALCall.check(fail("read \(source)")) { GDALDatasetGetLayer(src, 0) }
        var type = OGR_GT_Flatten(OGR_L_GetGeomType(layer))
        if type == wkbUnknown, let first = OGR_L_GetNextFeature(layer) {
            // A GeoJSON layer mixing Polygon and MultiPolygon has no type of its own.
            type = OGR_GT_Flatten(OGR_G_GetGeometryType(OGR_F_GetGeometryRef(first)))
            OGR_F_Destroy(first)
            OGR_L_ResetReading(layer)
        }
        let polygonal = type == wkbPolygon || type == wkbMultiPolygon
        let arguments = CStringList(["-nln", name, "-preserve_fid"] + (polygonal ? ["-nlt", "MULTIPOLYGON"] : []))
        guard let options = GDALVectorTranslateOptionsNew(arguments.pointer, nil) else { throw fail("copy \(source)")("bad options") }
        defer { GDALVectorTranslateOptionsFree(options) }
        var sources: [GDALDatasetH?] = [src]
        var usageError: Int32 = 0
        let result = GDALVectorTranslate(nil, ds, 1, &sources, options, &usageError)
        guard result != nil, usageError == 0 else {
            throw fail("copy \(source) as layer \(name)")(GDALCall.lastFailure() ?? "GDALVectorTranslate failed")
        }
    }

    /// A new layer for features streamed by `FeatureStream.append`, with an R-tree spatial
    /// index unless `spatialIndex` is false (GDAL 3.6 builds it at about 14 µs a feature, so
    /// a layer of millions goes without; a GIS adds one when it needs it).
    public func beginLayer(_ name: String, fields: [FieldDefinition], crs: CRS, geometryType: String, spatialIndex: Bool = true) throws(GeoError) -> FeatureStream {
        let ds = try open()
        let srs = try SpatialReference(crs)
        let options = CStringList(options: [("SPATIAL_INDEX", spatialIndex ? "YES" : "NO")])
        let layer = try GDALCall.check(fail("create layer \(name)")) {
            GDALDatasetCreateLayer(ds, name, srs.handle, ogrGeometryType(geometryType), options.pointer)
        }
        try createFields(fields, in: layer, fail: fail)
        return FeatureStream(layer: layer, srs: srs, name: name, path: path)
    }

    /// Adds `layer`'s default style (QGIS's `layer_styles` columns), QML and SLD as given.
    public func addStyle(layer: String, name: String, qml: String, sld: String, description: String) throws(GeoError) {
        let ds = try open()
        let table: OGRLayerH
        if let styles {
            table = styles
        } else {
            // QGIS's layer_styles table, made as an attribute layer so OGR lists and reads it.
            table = try GDALCall.check(fail("create layer_styles")) { GDALDatasetCreateLayer(ds, "layer_styles", nil, wkbNone, nil) }
            let text = ["f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName", "styleQML", "styleSLD"]
            try createFields(text.map { FieldDefinition(name: $0, type: .string) } + [FieldDefinition(name: "useAsDefault", type: .bool)]
                             + ["description", "owner", "ui"].map { FieldDefinition(name: $0, type: .string) }
                             + [FieldDefinition(name: "update_time", type: .dateTime)], in: table, fail: fail)
            styles = table
        }
        guard let f = OGR_F_Create(OGR_L_GetLayerDefn(table)) else { throw fail("create style row")("out of memory") }
        defer { OGR_F_Destroy(f) }
        let geometryColumn = GDALDatasetGetLayerByName(ds, layer).flatMap { OGR_L_GetGeometryColumn($0) }.map { String(cString: $0) } ?? ""
        for (n, v) in [("f_table_catalog", ""), ("f_table_schema", ""), ("f_table_name", layer), ("f_geometry_column", geometryColumn),
                       ("styleName", name), ("styleQML", qml), ("styleSLD", sld), ("description", description), ("owner", "riskcensus"), ("ui", "")] {
            OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, n), v)
        }
        OGR_F_SetFieldInteger(f, OGR_F_GetFieldIndex(f, "useAsDefault"), 1)
        // A fixed time: the package's bytes depend on the run's results, not on when it ran.
        OGR_F_SetFieldDateTime(f, OGR_F_GetFieldIndex(f, "update_time"), 2000, 1, 1, 0, 0, 0, 100)
        let err = OGR_L_CreateFeature(table, f)
        guard err == OGRERR_NONE else { throw fail("write style of \(layer)")(GDALCall.lastFailure() ?? "OGRErr \(err)") }
    }

    /// Closes the package and renames it into place.
    public func finish() throws(GeoError) {
        let ds = try open()
        self.ds = nil
        do throws(GeoError) {
            try GDALCall.checkState(fail("close")) { GDALClose(ds) }
            guard VSIRename(tmp, path) == 0 else { throw fail("rename from temporary file")(String(cString: strerror(errno))) }
        } catch {
            discard()
            throw error
        }
    }

    /// Features appended to one layer of the package, in transactions of a batch each.
    public final class FeatureStream {
        let layer: OGRLayerH
        let srs: SpatialReference
        let name: String
        let path: String
        public private(set) var count = 0

        init(layer: OGRLayerH, srs: SpatialReference, name: String, path: String) {
            self.layer = layer
            self.srs = srs
            self.name = name
            self.path = path
        }

        /// Writes `rows`: each row's values in field order and its polygon ring.
        public func append(_ rows: PolygonRows) throws(GeoError) {
            guard rows.count > 0 else { return }
            let fail = { [path, name] (msg: String) in GeoError.writeFailed(path: path, operation: "write layer \(name)", reason: msg) }
            guard let f = OGR_F_Create(OGR_L_GetLayerDefn(layer)) else { throw fail("out of memory") }
            defer { OGR_F_Destroy(f) }
            guard OGR_L_StartTransaction(layer) == OGRERR_NONE else { throw fail(GDALCall.lastFailure() ?? "cannot start a transaction") }
            let fields = rows.fieldCount
            for r in 0..<rows.count {
                OGR_F_SetFID(f, Int64(OGRNullFID))
                for i in 0..<fields {
                    switch rows.values[r * fields + i] {
                    case .null: OGR_F_SetFieldNull(f, Int32(i))
                    case .integer(let v): OGR_F_SetFieldInteger64(f, Int32(i), GIntBig(v))
                    case .real(let v): OGR_F_SetFieldDouble(f, Int32(i), v)
                    case .text(let k): OGR_F_SetFieldString(f, Int32(i), rows.strings[k])
                    }
                }
                guard let ring = OGR_G_CreateGeometry(wkbLinearRing), let polygon = OGR_G_CreateGeometry(wkbPolygon) else { throw fail("out of memory") }
                let o = r * rows.ringSize
                for p in rows.rings[o..<o + rows.ringSize] { OGR_G_AddPoint_2D(ring, p.x, p.y) }
                OGR_G_AddGeometryDirectly(polygon, ring)
                OGR_G_AssignSpatialReference(polygon, srs.handle)
                OGR_F_SetGeometryDirectly(f, polygon)
                let err = OGR_L_CreateFeature(layer, f)
                guard err == OGRERR_NONE else {
                    _ = OGR_L_RollbackTransaction(layer)
                    throw fail("feature \(count + r): " + (GDALCall.lastFailure() ?? "OGRErr \(err)"))
                }
            }
            guard OGR_L_CommitTransaction(layer) == OGRERR_NONE else { throw fail(GDALCall.lastFailure() ?? "cannot commit") }
            count += rows.count
        }
    }
}

/// Rows of a polygon layer made on any thread and written by `FeatureStream.append` in
/// order: the values of each row in field order, and each row's closed ring.
public struct PolygonRows: Sendable {
    public enum Value: Sendable {
        case null, integer(Int64), real(Double)
        /// Index into `strings`.
        case text(Int)
    }
    public let fieldCount: Int
    public let ringSize: Int
    public internal(set) var values: [Value] = []
    public internal(set) var rings: [Position] = []
    public internal(set) var strings: [String] = []
    public var count: Int { fieldCount == 0 ? 0 : values.count / fieldCount }

    public init(fieldCount: Int, ringSize: Int, strings: [String] = []) {
        self.fieldCount = fieldCount
        self.ringSize = ringSize
        self.strings = strings
    }
}
