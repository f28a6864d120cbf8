import CGDAL
import Foundation
import RiskCore

/// An XYZ pyramid of 256-pixel PNG tiles in Web Mercator (EPSG:3857), as web maps (Leaflet,
/// OpenLayers) read them, made from a raster of classes (0 is nodata): GDAL warps the raster
/// onto each zoom's pixel grid (nearest at the finest zoom, mode below it, so classes stay
/// classes), the colour table colours it, and GDAL's PNG driver writes each tile that holds data
/// to `folder/z/x/y.png`. Tiles without data are not written; a map shows nothing there.
public enum TilePyramid {
    /// What was written.
    public struct Summary: Sendable, Codable {
        public var minZoom: Int
        public var maxZoom: Int
        public var tiles: Int
        /// West, south, east, north in degrees (WGS 84).
        public var bounds: [Double]
    }

    static let halfWorld = 20037508.342789244

    /// Writes the pyramid of band 1 of `source` into `folder` (which must exist). The finest zoom
    /// is the first whose pixels are at most the raster's cell size, lowered until it has at most
    /// `maxPixels` pixels; the coarsest shows the whole raster in one or two tiles.
    /// `colours` (value → RGBA) colour the classes; without them, the raster's colour table does.
    public static func write(source: String, to folder: String, colours: [Int: [UInt8]]? = nil, maxPixels: Int = 8192 * 8192) throws(GeoError) -> Summary {
        let fail = { (op: String) in { (msg: String) in GeoError.writeFailed(path: folder, operation: op, reason: msg) } }
        let src = try GDALCall.check(fail("open \(source)")) { GDALOpen(source, GA_ReadOnly) }
        defer { GDALClose(src) }
        let band = GDALGetRasterBand(src, 1)
        var palette = [UInt32](repeating: 0, count: 256)
        func pack(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8) -> UInt32 { UInt32(r) | UInt32(g) << 8 | UInt32(b) << 16 | UInt32(a) << 24 }
        if let colours {
            for (v, c) in colours where (0..<256).contains(v) && c.count == 4 { palette[v] = pack(c[0], c[1], c[2], c[3]) }
        } else if let table = GDALGetRasterColorTable(band) {
            for i in 0..<min(256, Int(GDALGetColorEntryCount(table))) {
                guard let e = GDALGetColorEntry(table, Int32(i))?.pointee else { continue }
                palette[i] = pack(UInt8(clamping: e.c1), UInt8(clamping: e.c2), UInt8(clamping: e.c3), UInt8(clamping: e.c4))
            }
        } else {
            throw fail("make tiles")("\(source) has no colour table and no colours were given")
        }
        palette[0] = 0   // nodata: transparent
        // The raster's extent in Web Mercator, and its cell size there.
        let mercator = try SpatialReference(.epsg(3857, name: "WGS 84 / Pseudo-Mercator"))
        var wkt: UnsafeMutablePointer<CChar>?
        OSRExportToWkt(mercator.handle, &wkt)
        defer { VSIFree(wkt) }
        let targetOptions = CStringList(["DST_SRS=" + String(cString: wkt!)])
        let transformer = try GDALCall.check(fail("transform \(source) to Web Mercator")) {
            GDALCreateGenImgProjTransformer2(src, nil, targetOptions.pointer)
        }
        defer { GDALDestroyGenImgProjTransformer(transformer) }
        var gt = [Double](repeating: 0, count: 6), extent = [Double](repeating: 0, count: 4)
        var px: Int32 = 0, lines: Int32 = 0
        guard GDALSuggestedWarpOutput2(src, GDALGenImgProjTransform, transformer, &gt, &px, &lines, &extent, 0) == CE_None else {
            throw fail("transform \(source) to Web Mercator")(GDALCall.lastFailure() ?? "no extent")
        }
        let world = 2 * halfWorld
        func resolution(_ z: Int) -> Double { world / 256 / Double(1 << z) }
        var maxZoom = max(0, min(20, Int((log2(world / 256 / gt[1])).rounded(.up))))
        func pixels(_ z: Int) -> Int {
            let span = max(extent[2] - extent[0], extent[3] - extent[1]) / resolution(z)
            return Int(span * span)
        }
        while maxZoom > 0 && pixels(maxZoom) > maxPixels { maxZoom -= 1 }
        let span = max(extent[2] - extent[0], extent[3] - extent[1])
        let minZoom = max(0, min(maxZoom, Int(log2(world / span).rounded(.down))))
        guard let png = GDALGetDriverByName("PNG"), let mem = GDALGetDriverByName("MEM") else { throw fail("make tiles")("GDAL lacks its PNG or MEM driver") }
        var count = 0
        for z in minZoom...maxZoom {
            let res = resolution(z), tileSpan = 256 * res
            let tx0 = Int(((extent[0] + halfWorld) / tileSpan).rounded(.down)), tx1 = Int(((extent[2] + halfWorld) / tileSpan - 1e-9).rounded(.down))
            let ty0 = Int(((halfWorld - extent[3]) / tileSpan).rounded(.down)), ty1 = Int(((halfWorld - extent[1]) / tileSpan - 1e-9).rounded(.down))
            let w = (tx1 - tx0 + 1) * 256, h = (ty1 - ty0 + 1) * 256
            let dst = try GDALCall.check(fail("make zoom \(z)")) { GDALCreate(mem, "", Int32(w), Int32(h), 1, GDT_Byte, nil) }
            defer { GDALClose(dst) }
            var dgt = [Double(tx0) * tileSpan - halfWorld, res, 0, halfWorld - Double(ty0) * tileSpan, 0, -res]
            GDALSetGeoTransform(dst, &dgt)
            GDALSetSpatialRef(dst, mercator.handle)
            GDALSetRasterNoDataValue(GDALGetRasterBand(dst, 1), 0)
            let args = CStringList(["-r", z == maxZoom ? "near" : "mode", "-srcnodata", "0", "-dstnodata", "0", "-wo", "NUM_THREADS=ALL_CPUS"])
            guard let options = GDALWarpAppOptionsNew(args.pointer, nil) else { throw fail("make zoom \(z)")("bad warp options") }
            defer { GDALWarpAppOptionsFree(options) }
            var sources: [GDALDatasetH?] = [src]
            var usage: Int32 = 0
            guard GDALWarp(nil, dst, 1, &sources, options, &usage) != nil else {
                throw fail("warp zoom \(z)")(GDALCall.lastFailure() ?? "GDALWarp failed")
            }
            var values = [UInt8](repeating: 0, count: w * h)
            try GDALCall.checkErr(fail("read zoom \(z)")) {
                GDALRasterIO(GDALGetRasterBand(dst, 1), GF_Read, 0, 0, Int32(w), Int32(h), &values, Int32(w), Int32(h), GDT_Byte, 0, 0)
            }
            for ty in ty0...ty1 {
                for tx in tx0...tx1 {
                    let c0 = (tx - tx0) * 256, r0 = (ty - ty0) * 256
                    var rgba = [UInt32](repeating: 0, count: 256 * 256), any = false
                    for r in 0..<256 {
                        for c in 0..<256 {
                            let v = values[(r0 + r) * w + c0 + c]
                            if v != 0 { any = true; rgba[r * 256 + c] = palette[Int(v)] }
                        }
                    }
                    guard any else { continue }
                    try writeTile(rgba, to: "\(folder)/\(z)/\(tx)/\(ty).png", mem: mem, png: png)
                    count += 1
                }
            }
        }
        // Bounds in degrees, for the map to fit.
        let lon = { (x: Double) in x / halfWorld * 180 }
        let lat = { (y: Double) in (2 * atan(exp(y / halfWorld * .pi)) - .pi / 2) * 180 / .pi }
        return Summary(minZoom: minZoom, maxZoom: maxZoom, tiles: count, bounds: [lon(extent[0]), lat(extent[1]), lon(extent[2]), lat(extent[3])])
    }

    /// One 256 × 256 RGBA tile (a pixel's bytes R, G, B, A in memory order) as PNG.
    private static func writeTile(_ rgba: [UInt32], to path: String, mem: GDALDriverH, png: GDALDriverH) throws(GeoError) {
        let fail = { (msg: String) in GeoError.writeFailed(path: path, operation: "write tile", reason: msg) }
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard let ds = GDALCreate(mem, "", 256, 256, 4, GDT_Byte, nil) else { throw fail("no memory dataset") }
        defer { GDALClose(ds) }
        var bytes = rgba
        var bandMap: [Int32] = [1, 2, 3, 4]
        let err = bytes.withUnsafeMutableBytes { p in
            GDALDatasetRasterIO(ds, GF_Write, 0, 0, 256, 256, p.baseAddress, 256, 256, GDT_Byte, 4, &bandMap, 4, 4 * 256, 1)
        }
        guard err == CE_None else { throw fail(GDALCall.lastFailure() ?? "write pixels") }
        for (i, interp) in [GCI_RedBand, GCI_GreenBand, GCI_BlueBand, GCI_AlphaBand].enumerated() {
            GDALSetRasterColorInterpretation(GDALGetRasterBand(ds, Int32(i + 1)), interp)
        }
        guard let out = GDALCreateCopy(png, path, ds, 0, nil, nil, nil) else { throw fail(GDALCall.lastFailure() ?? "PNG driver failed") }
        GDALClose(out)
    }
}
