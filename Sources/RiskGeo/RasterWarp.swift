import CGDAL
import RiskCore

/// Warps raster bands onto an analysis grid with GDAL's warper (`GDALChunkAndWarpImage`).
///
/// Source nodata (and NaN in floating-point sources) is excluded from every resampling; a target
/// cell with no valid contributor is NaN. Nearest, bilinear and average are GDAL's. `.sum` is
/// `ConservativeSum`, which moves every source cell's mass whole onto the target, so counts such
/// as population keep their total (checked to 1e-6 relative in the tests).
public enum RasterWarp {
    /// Band `band` of `source`, resampled onto `grid`.
    ///
    /// - Throws: `GeoError.missingCRS` when the source or the grid has no CRS,
    ///   `GeoError.readFailed` when GDAL fails while reading or warping.
    /// - Complexity: O(target cells × source cells per target cell).
    public static func warp(_ source: RasterDataset, band: Int = 1, onto grid: GridSpec,
                            resampling: Resampling, sumSubcells: Double = 4, cache: WarpCache? = nil) throws(GeoError) -> RasterBuffer<Double> {
        let srcHandle = try source.liveHandle()
        guard source.crs != nil, source.transform != nil else { throw GeoError.missingCRS(path: source.path) }
        guard let gridCRS = grid.crs else {
            throw GeoError.invalidCRS(definition: "analysis grid", reason: "the target grid has no CRS")
        }
        let info = try source.band(band)
        if resampling == .sum && info.offset != 0 {
            throw GeoError.invalidData(path: source.path, location: "band \(band)",
                                       reason: "sum resampling needs raw counts, but the band has offset \(info.offset)")
        }
        if resampling == .sum {
            // Reads through `RasterDataset.read`, which applies the band's scale already.
            return try ConservativeSum.warp(source, band: band, info: info, onto: grid, crs: gridCRS, subcells: sumSubcells, cache: cache)
        }
        let dst = try MemoryRaster(grid: grid, crs: gridCRS, fill: .nan)
        let path = source.path
        let fail = { (msg: String) in GeoError.readFailed(path: path, operation: "warp band \(band) (\(resampling.rawValue))", reason: msg) }

        let (transformer, owned) = try WarpCache.transformer(cache, source, srcHandle, to: dst, grid: grid, fail: fail)
        defer { if owned { GDALDestroyGenImgProjTransformer(transformer) } }

        guard let wo = GDALCreateWarpOptions() else { throw fail("out of memory") }
        defer { GDALDestroyWarpOptions(wo) }
        wo.pointee.hSrcDS = srcHandle
        wo.pointee.hDstDS = dst.handle
        wo.pointee.nBandCount = 1
        let srcBands = CPLMalloc(MemoryLayout<Int32>.size).assumingMemoryBound(to: Int32.self)
        srcBands.pointee = Int32(band)
        wo.pointee.panSrcBands = srcBands
        let dstBands = CPLMalloc(MemoryLayout<Int32>.size).assumingMemoryBound(to: Int32.self)
        dstBands.pointee = 1
        wo.pointee.panDstBands = dstBands
        let srcNodata = info.nodata ?? ([.float32, .float64].contains(info.dataType) ? Double.nan : nil)
        if let nd = srcNodata {
            let p = CPLMalloc(MemoryLayout<Double>.size).assumingMemoryBound(to: Double.self)
            p.pointee = nd
            wo.pointee.padfSrcNoDataReal = p
        }
        let dstNodata = CPLMalloc(MemoryLayout<Double>.size).assumingMemoryBound(to: Double.self)
        dstNodata.pointee = .nan
        wo.pointee.padfDstNoDataReal = dstNodata
        wo.pointee.eResampleAlg = resampling.gdal
        wo.pointee.eWorkingDataType = GDT_Float64
        wo.pointee.papszWarpOptions = CSLSetNameValue(wo.pointee.papszWarpOptions, "INIT_DEST", "NO_DATA")
        // As gdalwarp does: exact transforms along each row's ends and middle, linear in between
        // while that stays within 1/8 pixel. Exact transforms for every target pixel made a
        // reprojected census spend most of pass 1 in the projection's trigonometry.
        guard let approx = GDALCreateApproxTransformer(GDALGenImgProjTransform, transformer, 0.125) else {
            throw fail("cannot create the approximate transformer")
        }
        defer { GDALDestroyApproxTransformer(approx) }
        wo.pointee.pfnTransformer = GDALApproxTransform
        wo.pointee.pTransformerArg = approx

        let op = try GDALCall.check(fail) { GDALCreateWarpOperation(wo) }
        defer { GDALDestroyWarpOperation(op) }
        try GDALCall.checkErr(fail) {
            GDALChunkAndWarpImage(op, 0, 0, Int32(grid.width), Int32(grid.height))
        }
        var out = RasterBuffer<Double>(width: grid.width, height: grid.height)
        try dst.read(into: &out)
        // The warper works on raw values; scale and offset commute with every weighted mean.
        if info.scale != 1 || info.offset != 0 {
            for i in out.values.indices { out.values[i] = out.values[i] * info.scale + info.offset }
        }
        return out
    }
}

/// A one-band raster in GDAL's MEM driver: Float64 as the warper's target, bytes for masks. Not Sendable.
final class MemoryRaster {
    let handle: GDALDatasetH
    let width: Int, height: Int

    /// A Float64 raster filled with `fill`, which is also its nodata value.
    convenience init(grid: GridSpec, crs: CRS, fill: Double) throws(GeoError) {
        try self.init(grid: grid, crs: crs, dataType: GDT_Float64)
        let fail = { (msg: String) in GeoError.writeFailed(path: "MEM", operation: "create in-memory raster", reason: msg) }
        let band = GDALGetRasterBand(handle, 1)
        GDALSetRasterNoDataValue(band, fill)
        try GDALCall.checkErr(fail) { GDALFillRaster(band, fill, 0) }
    }

    /// A raster of `dataType`, zero-filled by GDAL's MEM driver, without nodata.
    init(grid: GridSpec, crs: CRS, dataType: GDALDataType) throws(GeoError) {
        let fail = { (msg: String) in GeoError.writeFailed(path: "MEM", operation: "create in-memory raster", reason: msg) }
        let drv = try GDALCall.check(fail) { GDALGetDriverByName("MEM") }
        handle = try GDALCall.check(fail) {
            GDALCreate(drv, "", Int32(grid.width), Int32(grid.height), 1, dataType, nil)
        }
        width = grid.width
        height = grid.height
        var coeffs = grid.transform.gdalCoefficients
        GDALSetGeoTransform(handle, &coeffs)
        let srs = try SpatialReference(crs)
        try GDALCall.checkErr(fail) { GDALSetSpatialRef(handle, srs.handle) }
    }

    deinit { GDALClose(handle) }

    func read(into buffer: inout RasterBuffer<Double>) throws(GeoError) {
        let band = GDALGetRasterBand(handle, 1)
        let (w, h) = (width, height)
        try GDALCall.checkErr({ GeoError.readFailed(path: "MEM", operation: "read warped raster", reason: $0) }) {
            buffer.withUnsafeMutableBufferPointer { p in
                GDALRasterIO(band, GF_Read, 0, 0, Int32(w), Int32(h), p.baseAddress, Int32(w), Int32(h), GDT_Float64, 0, 0)
            }
        }
    }
}

/// Source-to-target transformers kept between warps of one source grid onto grids in one CRS,
/// such as a run's strips: building a transformer looks PROJ's database up, which cost more than a
/// strip's warp. Each later use only moves the target's geotransform. Not Sendable: one per
/// worker thread.
public final class WarpCache {
    private var transformers: [String: UnsafeMutableRawPointer] = [:]

    public init() {}

    deinit { for t in transformers.values { GDALDestroyGenImgProjTransformer(t) } }

    /// A transformer from `source` to `dst` (a raster on `grid`), owned by the cache.
    func transformer(_ source: RasterDataset, _ srcHandle: GDALDatasetH, to dst: MemoryRaster, grid: GridSpec,
                     fail: (String) -> GeoError) throws(GeoError) -> UnsafeMutableRawPointer {
        // A transformer depends on the source's geotransform and CRS, not on its values: the
        // layers of one grid share it.
        let key = "\(source.transform?.gdalCoefficients ?? [])\u{1}\(source.crs?.wkt ?? source.path)\u{1}\(grid.crs?.wkt ?? "")\u{1}\(grid.crs?.epsg ?? 0)"
        if let t = transformers[key] {
            var coeffs = grid.transform.gdalCoefficients
            GDALSetGenImgProjTransformerDstGeoTransform(t, &coeffs)
            return t
        }
        let t = try GDALCall.check(fail) { GDALCreateGenImgProjTransformer2(srcHandle, dst.handle, nil) }
        transformers[key] = t
        return t
    }
}

extension WarpCache {
    /// `cache`'s transformer, or a new one the caller must destroy (`owned`).
    static func transformer(_ cache: WarpCache?, _ source: RasterDataset, _ srcHandle: GDALDatasetH, to dst: MemoryRaster, grid: GridSpec,
                            fail: (String) -> GeoError) throws(GeoError) -> (UnsafeMutableRawPointer, owned: Bool) {
        if let cache { return (try cache.transformer(source, srcHandle, to: dst, grid: grid, fail: fail), false) }
        return (try GDALCall.check(fail) { GDALCreateGenImgProjTransformer2(srcHandle, dst.handle, nil) }, true)
    }
}
