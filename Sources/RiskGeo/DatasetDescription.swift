import CGDAL
import RiskCore

/// A brief description of a raster or vector file, the data behind `riskcensus inspect`.
/// Its JSON form (snake_case keys) is a contract other tools read.
public struct DatasetDescription: Sendable, Encodable {
    public struct CRSInfo: Sendable, Encodable {
        public var epsg: Int?
        public var name: String
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(epsg, forKey: .epsg)  // explicit null when unknown
            try c.encode(name, forKey: .name)
        }
        enum CodingKeys: String, CodingKey { case epsg, name }

        init(_ crs: CRS?) {
            epsg = crs?.epsg
            name = crs.map { $0.name.isEmpty ? $0.description : $0.name } ?? "none"
        }
    }

    public struct Band: Sendable, Encodable {
        public var index: Int
        public var type: String
        /// The nodata value; JSON null when the band has none, the string "NaN" for a NaN nodata.
        public var nodata: Double?
        public var units: String
        /// The band's description (GDAL's band description), e.g. a structure class name.
        public var description: String
        enum CodingKeys: String, CodingKey { case index, type, nodata, units, description }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(type, forKey: .type)
            if let nd = nodata, nd.isNaN { try c.encode("NaN", forKey: .nodata) } else { try c.encode(nodata, forKey: .nodata) }
            try c.encode(units, forKey: .units)
            try c.encode(description, forKey: .description)
        }
    }

    public struct Field: Sendable, Encodable {
        public var name: String
        public var type: String
    }

    public struct Layer: Sendable, Encodable {
        public var name: String
        public var featureCount: Int
        public var geometryType: String
        public var crs: CRSInfo
        public var bounds: [Double]?
        public var fields: [Field]
    }

    /// "raster" or "vector".
    public var kind: String
    public var path: String
    public var driver: String
    public var crs: CRSInfo
    /// [minx, miny, maxx, maxy] in the file's CRS; for vectors the union over layers.
    public var bounds: [Double]?
    public var width: Int?
    public var height: Int?
    public var bandCount: Int?
    public var pixelSize: [Double]?
    public var bands: [Band]?
    public var layers: [Layer]?
}

public enum DatasetInspector {
    /// Describes `path` as a raster when GDAL sees raster bands in it, otherwise as a vector.
    ///
    /// Rasters are probed by reading the first and the last block of every band, so a truncated
    /// or corrupt file fails here with `GeoError.readFailed` rather than later in a run.
    public static func describe(_ path: String) throws(GeoError) -> DatasetDescription {
        try InputPolicy.current.checkDataset(path, raster: true, vector: true)
        if !path.lowercased().hasSuffix(".csv") && hasRasterBands(path) {
            return try describeRaster(RasterDataset(path: path))
        }
        do {
            return try describeVector(VectorDataset(path: path))
        } catch .openFailed(_, _, let reason) {
            throw GeoError.openFailed(path: path, kind: "raster or vector", reason: reason)
        }
    }

    private static func hasRasterBands(_ path: String) -> Bool {
        GDALEnvironment.ensureSetUp()
        let drivers = CStringList(InputPolicy.drivers(raster: true, vector: true))
        guard let h = GDALOpenEx(InputPolicy.gdalPath(path), UInt32(GDAL_OF_RASTER | GDAL_OF_VECTOR | GDAL_OF_READONLY),
                                 drivers.constPointer, nil, nil) else {
            CPLErrorReset()
            return false
        }
        defer { GDALClose(h) }
        return GDALGetRasterCount(h) > 0
    }

    static func describeRaster(_ ds: RasterDataset) throws(GeoError) -> DatasetDescription {
        let grid = try? ds.grid()
        let bands = try ds.bands()
        for b in bands { try probe(ds, b) }
        return DatasetDescription(
            kind: "raster", path: ds.path, driver: ds.driverName, crs: .init(ds.crs),
            bounds: grid.map { let b = $0.bounds(); return [b.minX, b.minY, b.maxX, b.maxY] },
            width: ds.width, height: ds.height, bandCount: ds.bandCount,
            pixelSize: grid.map { [$0.transform.pixelWidth, $0.transform.pixelHeight] },
            bands: bands.map { .init(index: $0.index, type: $0.dataType.rawValue, nodata: $0.nodata, units: $0.units, description: $0.description) },
            layers: nil)
    }

    /// Reads the first and the last cell of every band, as `inspect` does, so that a truncated
    /// or corrupt file fails before a run rather than in the middle of one.
    public static func probe(_ ds: RasterDataset) throws(GeoError) {
        for b in try ds.bands() { try probe(ds, b) }
    }

    /// Reads the first and the last cell of a band. A block-based format (GeoTIFF) decodes the
    /// whole first and last block to give them, which finds a truncated or corrupt file; a VRT
    /// reads only the sources under those two cells.
    private static func probe(_ ds: RasterDataset, _ b: BandInfo) throws(GeoError) {
        guard !b.dataType.isComplex, ds.width > 0, ds.height > 0 else { return }
        for w in [Window(colOff: 0, rowOff: 0, width: 1, height: 1), Window(colOff: ds.width - 1, rowOff: ds.height - 1, width: 1, height: 1)] {
            var buf = RasterBuffer<Double>(width: 1, height: 1)
            try ds.read(band: b.index, window: w, into: &buf)
        }
    }

    static func describeVector(_ ds: VectorDataset) throws(GeoError) -> DatasetDescription {
        var layers: [DatasetDescription.Layer] = []
        var total: Bounds?
        for i in 0..<ds.layerCount {
            let l = try ds.layer(at: i)
            let e = l.extent
            if let e { total = total?.union(e) ?? e }
            layers.append(.init(name: l.name, featureCount: try l.featureCount(), geometryType: l.geometryTypeName,
                                crs: .init(l.crs), bounds: e.map { [$0.minX, $0.minY, $0.maxX, $0.maxY] },
                                fields: l.fields.map { .init(name: $0.name, type: $0.type.rawValue) }))
        }
        let firstCRS = try ds.layer(at: 0).crs
        return DatasetDescription(
            kind: "vector", path: ds.path, driver: ds.driverName, crs: .init(firstCRS),
            bounds: total.map { [$0.minX, $0.minY, $0.maxX, $0.maxY] },
            width: nil, height: nil, bandCount: nil, pixelSize: nil, bands: nil, layers: layers)
    }
}
