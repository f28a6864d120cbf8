import Foundation
import RiskCore
import RiskGeo

/// A tiny, self-contained census with hand-checkable numbers, written to a folder: two units on
/// a 4 × 4 grid of 100 m cells (EPSG:4549), one building class worth 1,000 CNY per cell, a
/// flood at 10 and 100 years with depths 0.5 m and 1 m, and a linear damage curve (0 m → 0,
/// 1 m → 1). With no zero-damage return period and no tail, each flooded cell's EAL is
/// ½(500 + 1000)(0.1 − 0.01) = 67.5 CNY. One cell's 100-year depth is nodata.
///
/// Used by the tests and as a starting point for writing manifests.
package enum SampleCensus {
    package static let west = 500_000.0, north = 3_500_000.0
    /// The cell (col 1, row 2) whose 100-year depth is unknown.
    package static let unknownCell = (col: 1, row: 2)

    /// Writes the inputs and `census.yaml` into `dir` and returns the manifest path.
    @discardableResult
    package static func write(into dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func p(_ n: String) -> String { (dir as NSString).appendingPathComponent(n) }
        let grid = GridSpec(transform: .northUp(west: west, north: north, cellWidth: 100, cellHeight: 100), width: 4, height: 4,
                            crs: .epsg(4549))
        func tif(_ name: String, _ values: [Double], units: String) throws {
            try GeoTIFFWriter.write(RasterBuffer<Double>(width: 4, height: 4, values: values), grid: grid, to: p(name),
                                    options: RasterWriteOptions(units: units, dataType: .float64))
        }
        try tif("population.tif", (0..<16).map { Double(10 + $0) }, units: "persons")
        try tif("floor_area.tif", [Double](repeating: 1, count: 16), units: "m2")
        var rp100 = [Double](repeating: 1.0, count: 16)
        rp100[unknownCell.row * 4 + unknownCell.col] = .nan
        try tif("depth_rp10.tif", [Double](repeating: 0.5, count: 16), units: "m")
        try tif("depth_rp100.tif", rp100, units: "m")
        try tif("gdp.tif", [Double](repeating: 100_000, count: 16), units: "CNY")
        // West and east halves as two units.
        func square(_ x0: Double, _ x1: Double) -> Geometry {
            .polygon(Polygon(exterior: [Position(x0, north - 400), Position(x1, north - 400), Position(x1, north),
                                        Position(x0, north), Position(x0, north - 400)]))
        }
        try GeoJSONFileWriter.write([
            Feature(geometry: square(west, west + 200), attributes: Attributes(["name": .string("West"), "code": .string("W")])),
            Feature(geometry: square(west + 200, west + 400), attributes: Attributes(["name": .string("East"), "code": .string("E")])),
        ], from: .epsg(4549), to: p("units.geojson"), options: GeoJSONOptions(precision: 9))
        try "class,depth_m,damage_ratio\nhouse,0,0\nhouse,1,1\n".write(toFile: p("damage.csv"), atomically: true, encoding: .utf8)
        try "hazard,depth_m,rate\nflood,0,0\nflood,1,0.001\n".write(toFile: p("fatality.csv"), atomically: true, encoding: .utf8)
        let yaml = """
        name: sample
        currency: CNY
        region: {layer: units.geojson, name_field: name, code_field: code}
        grid: {crs: "EPSG:4549", cell_size: 100, tile_size: 16}
        hazards:
          - id: flood
            units: m
            resampling: average
            return_periods:
              - {years: 10, path: depth_rp10.tif}
              - {years: 100, path: depth_rp100.tif}
            vulnerability: {csv: damage.csv, class_column: class, x_column: depth_m, y_column: damage_ratio}
            fatality: {csv: fatality.csv, class_column: hazard, x_column: depth_m, y_column: rate}
        exposure:
          population: {path: population.tif, resampling: sum}
          gdp: {path: gdp.tif, resampling: sum}
          buildings:
            raster: {path: floor_area.tif, resampling: sum}
            classes:
              - {name: house, band: 1, cost_per_m2: 1000}
        classification: {method: quantile}
        eal: {tail: none}
        plan_targets: {annual_loss_to_gdp_max: 0.01, annual_deaths_per_million_max: 1}

        """
        try yaml.write(toFile: p("census.yaml"), atomically: true, encoding: .utf8)
        return p("census.yaml")
    }
}
