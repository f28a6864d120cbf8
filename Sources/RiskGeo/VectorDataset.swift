import CGDAL
import Foundation
import RiskCore

/// An open OGR vector source (GeoJSON, GeoPackage, Shapefile, CSV, …), read-only. Not Sendable.
///
/// CSV files are opened with GDAL's CSV driver and take their geometry from a lon/lat pair
/// (`lon`/`longitude`/`long`/`lng`/`x`, `lat`/`latitude`/`y`) or a WKT column (`wkt`/`geometry`/`geom`).
/// A CSV has no CRS of its own: pass `assumedCRS`, or the layer's `crs` stays nil and
/// `requireCRS()` fails. Every CSV column is read as text, without GDAL's type guessing, so ids
/// such as `060816029.00` keep their leading zeros and dots; numbers are parsed where a number
/// is expected (`AttributeValue.doubleValue`).
public final class VectorDataset {
    public let path: String
    private var handle: GDALDatasetH?
    private let assumedCRS: CRS?

    public init(path: String, assumedCRS: CRS? = nil) throws(GeoError) {
        self.path = path
        self.assumedCRS = assumedCRS
        try InputPolicy.current.checkDataset(path, raster: false, vector: true)
        let isCSV = path.lowercased().hasSuffix(".csv")
        if isCSV { try Self.checkCSVHeader(path) }
        if [".geojson", ".json"].contains(where: path.lowercased().hasSuffix) { try Self.checkGeoJSONCRS(path) }
        let openOptions = CStringList(isCSV ? [
            "X_POSSIBLE_NAMES=lon,longitude,long,lng,x", "Y_POSSIBLE_NAMES=lat,latitude,y",
            "GEOM_POSSIBLE_NAMES=wkt,geometry,geom", "KEEP_GEOM_COLUMNS=NO",
        ] : [])
        let drivers = CStringList(isCSV ? ["CSV"] : InputPolicy.vectorDrivers)
        handle = try GDALCall.check({ GeoError.openFailed(path: path, kind: "vector", reason: $0) }) {
            GDALOpenEx(InputPolicy.gdalPath(path), UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR),
                       drivers.constPointer, openOptions.constPointer, nil)
        }
        if GDALDatasetGetLayerCount(handle) < 1 {
            close()
            throw GeoError.openFailed(path: path, kind: "vector", reason: "the file has no vector layers")
        }
    }

    /// A CSV's header, before GDAL reads it: at most 1 MiB and 10,000 columns, no NUL byte, and
    /// no name given twice (GDAL would rename the second, and a field read by name would be
    /// the first of two different columns).
    static func checkCSVHeader(_ path: String) throws(GeoError) {
        guard let h = FileHandle(forReadingAtPath: path) else { return }
        defer { try? h.close() }
        let head = (try? h.read(upToCount: 1 << 20 + 1)) ?? Data()
        guard let end = head.firstIndex(of: 0x0A) ?? (head.count <= 1 << 20 ? head.endIndex : nil) else {
            throw .invalidData(path: path, location: "line 1", reason: "a header line longer than 1 MiB; expected a CSV header")
        }
        let line = head[head.startIndex..<end]
        if line.contains(0) { throw .invalidData(path: path, location: "line 1", reason: "a NUL byte; expected a text table") }
        var names: [String] = [], field = "", quoted = false
        for ch in String(decoding: line, as: UTF8.self) {
            if ch == "\"" { quoted.toggle() } else if ch == "," && !quoted { names.append(field); field = "" } else { field.append(ch) }
        }
        names.append(field)
        names = names.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard names.count <= 10_000 else {
            throw .invalidData(path: path, location: "line 1", reason: "\(names.count) columns; expected a CSV header of at most 10,000")
        }
        var seen: [String: Int] = [:]
        for (i, n) in names.enumerated() where !n.isEmpty {
            if let j = seen[n.lowercased()] {
                let shown = n.count <= 64 ? "\"\(n)\"" : "of \(n.count) characters"
                throw .invalidData(path: path, location: "line 1", reason: "columns \(j + 1) and \(i + 1) have the same name \(shown); a column must be named once")
            }
            seen[n.lowercased()] = i
        }
    }

    /// GDAL reads a GeoJSON `crs` member it cannot resolve as WGS 84 without a word; a file
    /// whose member names an unknown CRS is refused instead.
    static func checkGeoJSONCRS(_ path: String) throws(GeoError) {
        guard let h = FileHandle(forReadingAtPath: path) else { return }
        defer { try? h.close() }
        let head = String(decoding: (try? h.read(upToCount: 1 << 16)) ?? Data(), as: UTF8.self)
        guard let m = head.firstMatch(of: /"crs"\s*:\s*\{[^{}]*"properties"\s*:\s*\{[^{}]*"name"\s*:\s*"([^"]{1,200})"/) else { return }
        let name = String(m.1)
        do throws(GeoError) {
            _ = try CRS.parse(name)
        } catch {
            throw .invalidData(path: path, location: "crs", reason: "names \"\(name)\", which is not a known CRS; remove the member (RFC 7946: WGS 84) or name a known one")
        }
    }

    deinit { close() }

    public func close() {
        if let h = handle { GDALClose(h) }
        handle = nil
    }

    public var driverName: String {
        guard let handle, let d = GDALGetDatasetDriver(handle) else { return "" }
        return String(cString: GDALGetDriverShortName(d))
    }

    public var layerCount: Int { handle.map { Int(GDALDatasetGetLayerCount($0)) } ?? 0 }

    public var layerNames: [String] { (0..<layerCount).compactMap { try? layer(at: $0).name } }

    public func layer(at index: Int) throws(GeoError) -> VectorLayer {
        guard let handle, index >= 0, index < layerCount, let l = GDALDatasetGetLayer(handle, Int32(index)) else {
            throw GeoError.invalidData(path: path, location: "layer #\(index)", reason: "the file has \(layerCount) layer(s)")
        }
        return VectorLayer(dataset: self, handle: l, assumedCRS: assumedCRS)
    }

    /// The named layer, or the only layer when `name` is nil.
    public func layer(named name: String?) throws(GeoError) -> VectorLayer {
        guard let name else {
            guard layerCount == 1 else {
                throw GeoError.invalidData(path: path, location: "layers", reason: "\(layerCount) layers; name the one to use")
            }
            return try layer(at: 0)
        }
        guard let handle, let l = GDALDatasetGetLayerByName(handle, name) else {
            throw GeoError.invalidData(path: path, location: "layer \(name)",
                                       reason: "no such layer; the file has \(layerNames.joined(separator: ", "))")
        }
        return VectorLayer(dataset: self, handle: l, assumedCRS: assumedCRS)
    }
}

/// One layer of a `VectorDataset`. It keeps its dataset open while it lives. Not Sendable.
public final class VectorLayer {
    public let dataset: VectorDataset
    let handle: OGRLayerH
    private let assumedCRS: CRS?

    init(dataset: VectorDataset, handle: OGRLayerH, assumedCRS: CRS?) {
        self.dataset = dataset
        self.handle = handle
        self.assumedCRS = assumedCRS
    }

    public var path: String { dataset.path }
    public var name: String { String(cString: OGR_L_GetName(handle)) }

    /// Feature count; scans the layer when the driver cannot tell cheaply.
    ///
    /// - Throws: `GeoError.readFailed` when the driver cannot count (OGR returns −1).
    public func featureCount() throws(GeoError) -> Int {
        let n = try GDALCall.check({ [path, name] in GeoError.readFailed(path: path, operation: "count features of layer \(name)", reason: $0) }) {
            let c = OGR_L_GetFeatureCount(handle, 1)
            return c >= 0 ? Int(c) : nil
        }
        return n
    }

    /// The declared geometry type, e.g. "Polygon", "Multi Polygon", "Point", "None".
    public var geometryTypeName: String {
        String(cString: OGRGeometryTypeToName(OGR_L_GetGeomType(handle)))
    }

    /// The layer's CRS, else the CRS stated when opening, else nil.
    public var crs: CRS? {
        SpatialReference(borrowing: OGR_L_GetSpatialRef(handle))?.crs ?? assumedCRS
    }

    public func requireCRS() throws(GeoError) -> CRS {
        guard let c = crs else { throw GeoError.missingCRS(path: "\(path) (layer \(name))") }
        return c
    }

    public var fields: [FieldDefinition] {
        let defn = OGR_L_GetLayerDefn(handle)
        return (0..<OGR_FD_GetFieldCount(defn)).map { i in
            let f = OGR_FD_GetFieldDefn(defn, i)
            return FieldDefinition(name: String(cString: OGR_Fld_GetNameRef(f)),
                                   type: FieldType(ogr: OGR_Fld_GetType(f), subtype: OGR_Fld_GetSubType(f)))
        }
    }

    /// The layer's extent in its own CRS, nil for an empty layer.
    public var extent: Bounds? {
        var env = OGREnvelope()
        guard OGR_L_GetExtent(handle, &env, 1) == OGRERR_NONE else { return nil }
        return Bounds(minX: env.MinX, minY: env.MinY, maxX: env.MaxX, maxY: env.MaxY)
    }

    /// Restricts reading to features whose envelope meets `bounds` (in the layer's CRS), using
    /// the layer's spatial index where it has one; nil reads every feature again.
    public func setSpatialFilter(_ bounds: Bounds?) {
        if let b = bounds {
            OGR_L_SetSpatialFilterRect(handle, b.minX, b.minY, b.maxX, b.maxY)
        } else {
            OGR_L_SetSpatialFilter(handle, nil)
        }
    }

    /// Calls `body` with every feature in layer order.
    ///
    /// - Throws: `GeoError.readFailed` when GDAL fails mid-layer, `GeoError.invalidData` for a
    ///   geometry that cannot be decoded (naming the feature id), or whatever `body` throws.
    public func forEachFeature(_ body: (Feature) throws(GeoError) -> Void) throws(GeoError) {
        let fail = { [path, name] (msg: String) in GeoError.readFailed(path: path, operation: "read layer \(name)", reason: msg) }
        OGR_L_ResetReading(handle)
        let defn = OGR_L_GetLayerDefn(handle)
        let fieldCount = OGR_FD_GetFieldCount(defn)
        let schema = fields
        while true {
            CPLErrorReset()
            guard let f = OGR_L_GetNextFeature(handle) else {
                if let msg = GDALCall.lastFailure() { throw fail(msg) }
                return
            }
            defer { OGR_F_Destroy(f) }
            let fid = OGR_F_GetFID(f)
            var attrs = Attributes()
            for i in 0..<fieldCount {
                attrs[schema[Int(i)].name] = attribute(f, i, schema[Int(i)].type)
            }
            var geometry: Geometry?
            if let g = OGR_F_GetGeometryRef(f), OGR_G_IsEmpty(g) == 0 {
                let size = Int(OGR_G_WkbSize(g))
                var bytes = [UInt8](repeating: 0, count: size)
                let err = bytes.withUnsafeMutableBufferPointer { OGR_G_ExportToIsoWkb(g, wkbNDR, $0.baseAddress) }
                guard err == OGRERR_NONE else { throw fail("feature \(fid): geometry export failed (OGRErr \(err))") }
                do {
                    geometry = try WKB.decode(bytes)
                } catch {
                    throw GeoError.invalidData(path: path, location: "layer \(name), feature \(fid)", reason: error.description)
                }
            }
            try body(Feature(id: fid == OGRNullFID ? nil : Int64(fid), geometry: geometry, attributes: attrs))
        }
    }

    /// All features, in layer order.
    public func features() throws(GeoError) -> [Feature] {
        var out: [Feature] = []
        try forEachFeature { out.append($0) }
        return out
    }

    private func attribute(_ f: OGRFeatureH, _ i: Int32, _ type: FieldType) -> AttributeValue {
        guard OGR_F_IsFieldSetAndNotNull(f, i) != 0 else { return .null }
        switch type {
        case .integer: return .integer(Int64(OGR_F_GetFieldAsInteger64(f, i)))
        case .real: return .real(OGR_F_GetFieldAsDouble(f, i))
        case .bool: return .bool(OGR_F_GetFieldAsInteger(f, i) != 0)
        default: return .string(String(cString: OGR_F_GetFieldAsString(f, i)))
        }
    }
}

extension FieldType {
    init(ogr: OGRFieldType, subtype: OGRFieldSubType) {
        switch ogr {
        case OFTInteger where subtype == OFSTBoolean: self = .bool
        case OFTInteger, OFTInteger64: self = .integer
        case OFTReal: self = .real
        case OFTString, OFTWideString: self = .string
        case OFTDate: self = .date
        case OFTDateTime, OFTTime: self = .dateTime
        case OFTBinary: self = .binary
        case OFTIntegerList, OFTInteger64List, OFTRealList, OFTStringList, OFTWideStringList: self = .list
        default: self = .other
        }
    }
}
