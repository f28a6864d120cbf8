import CGDAL
import RiskCore

/// Vector ↔ raster conversions on an analysis grid, through GDAL's algorithms.
public enum Rasterize {
    /// Burns each geometry's value into the cells whose centre it contains (GDAL's default rule,
    /// the engine's cell-contains-point rule), or every touched cell with `allTouched`. Later
    /// geometries overwrite earlier ones. Cells no geometry reaches keep `fill`.
    ///
    /// - Parameter crs: the CRS of the geometries; they are transformed to the grid's CRS.
    public static func burn(_ geometries: [Geometry], values: [Double], crs: CRS, onto grid: GridSpec,
                            allTouched: Bool = false, fill: Double = .nan) throws(GeoError) -> RasterBuffer<Double> {
        precondition(geometries.count == values.count, "one value per geometry")
        guard let gridCRS = grid.crs else { throw GeoError.invalidCRS(definition: "analysis grid", reason: "the grid has no CRS") }
        let same = try crs.isEquivalent(to: gridCRS)
        let transformer = same ? nil : try CoordinateTransformer(from: crs, to: gridCRS)
        let dst = try MemoryRaster(grid: grid, crs: gridCRS, fill: fill)
        let srs = try SpatialReference(gridCRS)
        var handles: [OGRGeometryH?] = []
        defer { for h in handles { OGR_G_DestroyGeometry(h) } }
        for g in geometries {
            let projected = try transformer.map { t throws(GeoError) in try t.transform(g) } ?? g
            let bytes = WKB.encode(projected)
            var h: OGRGeometryH?
            let err = bytes.withUnsafeBufferPointer { OGR_G_CreateFromWkb($0.baseAddress, srs.handle, &h, Int32($0.count)) }
            guard err == OGRERR_NONE else {
                throw GeoError.invalidData(path: "geometry", location: "rasterize", reason: "OGR cannot read the geometry (OGRErr \(err))")
            }
            handles.append(h)
        }
        var bands: [Int32] = [1]
        var burn = values
        let options = CStringList(allTouched ? ["ALL_TOUCHED=TRUE"] : [])
        try GDALCall.checkErr({ GeoError.readFailed(path: "rasterize", operation: "GDALRasterizeGeometries", reason: $0) }) {
            handles.withUnsafeMutableBufferPointer { hp in
                GDALRasterizeGeometries(dst.handle, 1, &bands, Int32(hp.count), hp.baseAddress, nil, nil, &burn,
                                        options.pointer, nil, nil)
            }
        }
        var out = RasterBuffer<Double>(width: grid.width, height: grid.height)
        try dst.read(into: &out)
        return out
    }

    /// One MultiPolygon per positive integer value, covering its cells. Polygonize's regions of
    /// one value share no edge (touching at most at corners), so together they are already a
    /// valid MultiPolygon: no overlay (GEOS union) is needed to dissolve them.
    public static func dissolved(of raster: RasterBuffer<Double>, grid: GridSpec) throws(GeoError) -> [Int: Geometry] {
        grouped(try polygons(of: raster, grid: grid))
    }

    /// Polygonize's pieces as one MultiPolygon per value.
    static func grouped(_ pieces: [(value: Int, geometry: Geometry)]) -> [Int: Geometry] {
        var byValue: [Int: [Polygon]] = [:]
        for (value, g) in pieces {
            switch g {
            case .polygon(let p): byValue[value, default: []].append(p)
            case .multiPolygon(let ps): byValue[value, default: []].append(contentsOf: ps)
            default: continue
            }
        }
        return byValue.mapValues { .multiPolygon($0) }
    }

    /// Polygons of the connected regions of equal, positive integer value (GDALPolygonize,
    /// 4-connected), in the grid's CRS. Cells ≤ 0 or NaN are left out.
    public static func polygons(of raster: RasterBuffer<Double>, grid: GridSpec) throws(GeoError) -> [(value: Int, geometry: Geometry)] {
        guard let gridCRS = grid.crs else { throw GeoError.invalidCRS(definition: "analysis grid", reason: "the grid has no CRS") }
        let fail = { (msg: String) in GeoError.writeFailed(path: "MEM", operation: "polygonize", reason: msg) }
        let src = try MemoryRaster(grid: grid, crs: gridCRS, fill: 0)
        let band = GDALGetRasterBand(src.handle, 1)
        var values = raster.values.map { $0.isNaN || $0 <= 0 ? 0 : $0 }
        try GDALCall.checkErr(fail) {
            values.withUnsafeMutableBufferPointer { p in
                GDALRasterIO(band, GF_Write, 0, 0, Int32(grid.width), Int32(grid.height), p.baseAddress,
                             Int32(grid.width), Int32(grid.height), GDT_Float64, 0, 0)
            }
        }
        GDALDeleteRasterNoDataValue(band)
        let mask = try MemoryRaster(grid: grid, crs: gridCRS, fill: 0)
        let maskBand = GDALGetRasterBand(mask.handle, 1)
        var maskValues = values.map { $0 > 0 ? 1.0 : 0.0 }
        try GDALCall.checkErr(fail) {
            maskValues.withUnsafeMutableBufferPointer { p in
                GDALRasterIO(maskBand, GF_Write, 0, 0, Int32(grid.width), Int32(grid.height), p.baseAddress,
                             Int32(grid.width), Int32(grid.height), GDT_Float64, 0, 0)
            }
        }
        return try polygonize(band: band, mask: maskBand, crs: gridCRS, fail: fail)
    }

    /// The non-zero cells of a byte mask (row-major over `grid`) dissolved into one
    /// MultiPolygon in the grid's CRS, nil when no cell is set. A byte per cell keeps the
    /// blind zones of a million-cell population raster to a megabyte on the way to GDAL.
    public static func dissolved(mask: [UInt8], grid: GridSpec) throws(GeoError) -> Geometry? {
        precondition(mask.count == grid.width * grid.height, "one mask byte per grid cell")
        return try dissolved(values: mask.map { $0 != 0 ? 1 : 0 }, grid: grid)[1]
    }

    /// One MultiPolygon per non-zero value of a byte grid (row-major over `grid`, 0 = none), in
    /// the grid's CRS: the level zones, made from the levels in memory so that they need not
    /// wait for the level GeoTIFF.
    public static func dissolved(values: [UInt8], grid: GridSpec) throws(GeoError) -> [Int: Geometry] {
        precondition(values.count == grid.width * grid.height, "one byte per grid cell")
        guard let gridCRS = grid.crs else { throw GeoError.invalidCRS(definition: "analysis grid", reason: "the grid has no CRS") }
        let fail = { (msg: String) in GeoError.writeFailed(path: "MEM", operation: "polygonize", reason: msg) }
        let src = try MemoryRaster(grid: grid, crs: gridCRS, dataType: GDT_Byte)
        let band = GDALGetRasterBand(src.handle, 1)
        try GDALCall.checkErr(fail) {
            values.withUnsafeBufferPointer { p in   // GF_Write only reads the buffer
                GDALRasterIO(band, GF_Write, 0, 0, Int32(grid.width), Int32(grid.height), UnsafeMutableRawPointer(mutating: p.baseAddress),
                             Int32(grid.width), Int32(grid.height), GDT_Byte, 0, 0)
            }
        }
        return grouped(try polygonize(band: band, mask: band, crs: gridCRS, fail: fail).filter { $0.value > 0 })
    }

    /// GDALPolygonize (4-connected) of `band` where `mask` is non-zero, into (value, polygon).
    static func polygonize(band: GDALRasterBandH?, mask: GDALRasterBandH?, crs: CRS,
                           fail: @escaping (String) -> GeoError) throws(GeoError) -> [(value: Int, geometry: Geometry)] {
        let drv = try GDALCall.check(fail) { GDALGetDriverByName("Memory") }
        let ds = try GDALCall.check(fail) { GDALCreate(drv, "", 0, 0, 0, GDT_Unknown, nil) }
        defer { GDALClose(ds) }
        let srs = try SpatialReference(crs)
        let layer = try GDALCall.check(fail) { GDALDatasetCreateLayer(ds, "zones", srs.handle, wkbPolygon, nil) }
        let field = OGR_Fld_Create("v", OFTInteger)
        defer { OGR_Fld_Destroy(field) }
        _ = OGR_L_CreateField(layer, field, 1)
        try GDALCall.checkErr(fail) { GDALPolygonize(band, mask, layer, 0, nil, nil, nil) }
        var out: [(Int, Geometry)] = []
        OGR_L_ResetReading(layer)
        while let f = OGR_L_GetNextFeature(layer) {
            defer { OGR_F_Destroy(f) }
            guard let g = OGR_F_GetGeometryRef(f) else { continue }
            var bytes = [UInt8](repeating: 0, count: Int(OGR_G_WkbSize(g)))
            _ = bytes.withUnsafeMutableBufferPointer { OGR_G_ExportToIsoWkb(g, wkbNDR, $0.baseAddress) }
            do {
                out.append((Int(OGR_F_GetFieldAsInteger(f, 0)), try WKB.decode(bytes)))
            } catch {
                throw GeoError.geometryFailed(operation: "polygonize", reason: error.description)
            }
        }
        return out
    }
}
