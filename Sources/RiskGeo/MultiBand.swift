import CGDAL

/// Stacks single-band rasters of the same grid into one multi-band GDAL VRT (band k = file k),
/// e.g. to present one raster per event as an event set.
public enum MultiBand {
    public static func stack(_ paths: [String], to vrt: String) throws(GeoError) {
        let fail = { (msg: String) in GeoError.writeFailed(path: vrt, operation: "build VRT", reason: msg) }
        var sources: [GDALDatasetH?] = []
        defer { for s in sources { GDALClose(s) } }
        for p in paths {
            try InputPolicy.current.checkDataset(p, raster: true, vector: false)
            let drivers = CStringList(InputPolicy.rasterDrivers)
            sources.append(try GDALCall.check({ GeoError.openFailed(path: p, kind: "raster", reason: $0) }) {
                GDALOpenEx(InputPolicy.gdalPath(p), UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), drivers.constPointer, nil, nil)
            })
        }
        let options = CStringList(["-separate"])
        guard let opts = GDALBuildVRTOptionsNew(options.pointer, nil) else { throw fail("bad options") }
        defer { GDALBuildVRTOptionsFree(opts) }
        var usageError: Int32 = 0
        let out = try GDALCall.check(fail) {
            sources.withUnsafeMutableBufferPointer { s in GDALBuildVRT(vrt, Int32(s.count), s.baseAddress, nil, opts, &usageError) }
        }
        try GDALCall.checkState(fail) { GDALClose(out) }
    }
}
