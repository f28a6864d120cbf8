import CGDAL
import Foundation
import RiskCore

/// Distance from every cell of a grid to the nearest feature of a vector layer (roads, rivers,
/// faults, settlements), by GDAL's proximity algorithm (the library behind `gdal_proximity`):
/// the features are burnt onto the grid (every cell they touch), and each cell gets the
/// distance, in the grid's units, from its centre to the centre of the nearest burnt cell.
public enum Proximity {
    /// - Parameters:
    ///   - geometries: the features, in `crs`.
    ///   - maxDistance: cells farther than this get `maxDistance` (GDAL's MAXDIST, in grid units);
    ///     nil for no limit.
    public static func distance(to geometries: [Geometry], crs: CRS, onto grid: GridSpec,
                                maxDistance: Double? = nil) throws(GeoError) -> [Float] {
        guard let gridCRS = grid.crs else { throw GeoError.invalidCRS(definition: "analysis grid", reason: "the grid has no CRS") }
        guard MemoryBudget.allows(count: grid.cellCount, size: 8 + 4) else {
            throw .overBudget(path: "proximity", what: "a \(grid.width) × \(grid.height) distance grid", bytes: MemoryBudget.estimate(count: grid.cellCount, size: 12), budget: MemoryBudget.bytes)
        }
        let burnt = try Rasterize.burn(geometries, values: Array(repeating: 1, count: geometries.count), crs: crs, onto: grid,
                                       allTouched: true, fill: 0)
        let source = try MemoryRaster(grid: grid, crs: gridCRS, dataType: GDT_Byte)
        let target = try MemoryRaster(grid: grid, crs: gridCRS, dataType: GDT_Float32)
        let bytes = burnt.values.map { $0 > 0 ? UInt8(1) : 0 }
        let fail = { (msg: String) in GeoError.readFailed(path: "proximity", operation: "GDALComputeProximity", reason: msg) }
        let (w, h) = (grid.width, grid.height)
        try GDALCall.checkErr(fail) {
            bytes.withUnsafeBufferPointer { p in
                GDALRasterIO(GDALGetRasterBand(source.handle, 1), GF_Write, 0, 0, Int32(w), Int32(h),
                             UnsafeMutableRawPointer(mutating: p.baseAddress), Int32(w), Int32(h), GDT_Byte, 0, 0)
            }
        }
        var options = ["VALUES=1", "DISTUNITS=GEO"]
        if let d = maxDistance { options += ["MAXDIST=\(d)", "NODATA=\(d)"] }
        let list = CStringList(options)
        try GDALCall.checkErr(fail) {
            GDALComputeProximity(GDALGetRasterBand(source.handle, 1), GDALGetRasterBand(target.handle, 1), list.pointer, nil, nil)
        }
        var out = [Float](repeating: 0, count: grid.cellCount)
        try GDALCall.checkErr(fail) {
            out.withUnsafeMutableBufferPointer { p in
                GDALRasterIO(GDALGetRasterBand(target.handle, 1), GF_Read, 0, 0, Int32(w), Int32(h), p.baseAddress, Int32(w), Int32(h), GDT_Float32, 0, 0)
            }
        }
        return out
    }
}
