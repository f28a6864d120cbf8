import CGDAL
import Foundation
import RiskCore

/// Terrain derivatives of a DEM, computed by GDAL's DEM processing (the library behind
/// `gdaldem`), never by hand: slope, aspect and relief measures for hazard factors such as the
/// susceptibility of slopes to failure or the spread of fire.
public enum Terrain {
    public enum Derivative: String, Sendable, CaseIterable, Codable {
        /// Degrees from horizontal (Horn's method).
        case slope
        /// Degrees clockwise from north; flat cells are nodata.
        case aspect
        /// The largest minus the smallest elevation of the 3 × 3 window, in the DEM's units.
        case roughness
        /// Terrain Ruggedness Index (Wilson et al. 2007): mean absolute difference to the 8 neighbours.
        case tri
        /// Topographic Position Index: the cell minus the mean of its 8 neighbours.
        case tpi

        var processing: String {
            switch self {
            case .slope: "slope"
            case .aspect: "aspect"
            case .roughness: "Roughness"
            case .tri: "TRI"
            case .tpi: "TPI"
            }
        }

        /// The unit the derivative is in, given the DEM's.
        public func units(dem: String) -> String {
            switch self {
            case .slope, .aspect: "degrees"
            case .roughness, .tri, .tpi: dem.isEmpty ? "m" : dem
            }
        }
    }

    /// `derivative` of elevations already on `grid` (a DEM sampled onto the compute grid), through
    /// an in-memory GeoTIFF: the engine's own intermediate never touches the disk, so no input
    /// rule (a data root) applies to it.
    public static func derive(_ derivative: Derivative, elevation: [Float], grid: GridSpec, units: String) throws(GeoError) -> [Float] {
        let dem = "/vsimem/riskcensus-dem-\(UUID().uuidString).tif"
        defer { VSIUnlink(dem) }
        var options = RasterWriteOptions(units: units.isEmpty ? "m" : units)
        options.compression = "NONE"
        try GeoTIFFWriter.write(RasterBuffer(width: grid.width, height: grid.height, values: elevation), grid: grid, to: dem, options: options)
        return try derive(derivative, dem: dem).values
    }

    /// `derivative` of band `band` of the DEM at `path`, on the DEM's own grid, with edges
    /// computed (`-compute_edges`) and GDAL's nodata as NaN. The DEM must be in a projected CRS
    /// whose unit matches its elevations (metres), as slope is a ratio of the two.
    public static func derive(_ derivative: Derivative, dem path: String, band: Int = 1) throws(GeoError) -> (grid: GridSpec, values: [Float]) {
        let dem = try RasterDataset(path: path)
        let grid = try dem.georeferencedGrid()
        if let crs = grid.crs, try crs.isGeographic() {
            throw .invalidData(path: path, location: "CRS", reason: "a DEM in degrees (\(crs)); give it in a projected CRS in metres, so that slope compares like units")
        }
        try dem.requireBudget(window: Window(width: grid.width, height: grid.height), bytesPerCell: 8, copies: 2, what: "its \(derivative.rawValue)")
        let output = "/vsimem/riskcensus-terrain-\(UUID().uuidString).tif"
        defer { VSIUnlink(output) }
        let args = ["-of", "GTiff", "-b", String(band), "-compute_edges"] + (derivative == .slope || derivative == .aspect ? ["-alg", "Horn"] : [])
        let options = CStringList(args)
        let fail = { (msg: String) in GeoError.readFailed(path: path, operation: "GDAL DEM processing (\(derivative.rawValue))", reason: msg) }
        guard let opts = GDALDEMProcessingOptionsNew(options.pointer, nil) else { throw fail("bad options") }
        defer { GDALDEMProcessingOptionsFree(opts) }
        var usageError: Int32 = 0
        let out = try GDALCall.check(fail) {
            GDALDEMProcessing(output, try? dem.liveHandle(), derivative.processing, nil, opts, &usageError)
        }
        GDALClose(out)
        let result = try RasterDataset(path: output)
        let values: RasterBuffer<Float> = try result.readBand(1)
        result.close()
        return (grid, values.values)
    }
}
