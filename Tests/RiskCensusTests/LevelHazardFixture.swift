import Foundation
@testable import RiskCensus
import RiskCore
import RiskGeo

/// A small census with a hazard given as levels derived from factor layers, beside the sample
/// flood: 20 × 20 cells of 100 m (EPSG:4549) in two units (west and east halves).
///
/// - DEM z = 2·col² m, so slope grows eastward: the drop between columns c and c + 1 is
///   2(2c + 1) m per 100 m (about 1° at the west edge, 38° at the east).
/// - Lithology 1 (soft) on rows 0–9, 2 (hard) on rows 10–19.
/// - A river along the west edge (x = west + 50 m).
/// - Ten slope failures on soft, steep cells in the north-east.
/// - Population 1 + row + col per cell, one house class worth 1,000 CNY per cell.
enum LevelHazardFixture {
    static let west = 500_000.0, north = 3_500_000.0, side = 20
    static let events = [(15, 2), (16, 3), (17, 1), (18, 4), (19, 5), (14, 6), (16, 7), (18, 8), (17, 0), (13, 2)]

    static func population(col: Int, row: Int) -> Double { Double(1 + row + col) }

    /// Writes the inputs and returns the manifest text's hazard entry for `geological`, to be
    /// placed in a manifest by `manifest(hazard:index:)`.
    static func writeInputs(into dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func p(_ n: String) -> String { (dir as NSString).appendingPathComponent(n) }
        let n = side
        let grid = GridSpec(transform: .northUp(west: west, north: north, cellWidth: 100, cellHeight: 100), width: n, height: n, crs: .epsg(4549))
        func tif(_ name: String, units: String, _ f: (Int, Int) -> Double) throws {
            let values = (0..<n * n).map { f($0 % n, $0 / n) }
            try GeoTIFFWriter.write(RasterBuffer<Double>(width: n, height: n, values: values), grid: grid, to: p(name),
                                    options: RasterWriteOptions(units: units, dataType: .float64))
        }
        try tif("population.tif", units: "persons") { c, r in population(col: c, row: r) }
        try tif("floor_area.tif", units: "m2") { _, _ in 1 }
        try tif("depth_rp10.tif", units: "m") { c, _ in c < 10 ? 0.5 : 0 }
        try tif("depth_rp100.tif", units: "m") { c, _ in c < 10 ? 1.0 : 0.2 }
        try tif("dem.tif", units: "m") { c, _ in 2 * Double(c * c) }
        try tif("lithology.tif", units: "class") { _, r in r < 10 ? 1 : 2 }
        func square(_ x0: Double, _ x1: Double) -> Geometry {
            let s = Double(n) * 100
            return .polygon(Polygon(exterior: [Position(x0, north - s), Position(x1, north - s), Position(x1, north), Position(x0, north), Position(x0, north - s)]))
        }
        let half = Double(n) * 50
        try GeoJSONFileWriter.write([
            Feature(geometry: square(west, west + half), attributes: Attributes(["name": .string("West"), "code": .string("W")])),
            Feature(geometry: square(west + half, west + 2 * half), attributes: Attributes(["name": .string("East"), "code": .string("E")])),
        ], from: .epsg(4549), to: p("units.geojson"), options: GeoJSONOptions(precision: 9))
        try GeoJSONFileWriter.write([
            Feature(geometry: .lineString([Position(west + 50, north), Position(west + 50, north - Double(n) * 100)]), attributes: Attributes(["name": .string("river")])),
        ], from: .epsg(4549), to: p("rivers.geojson"), options: GeoJSONOptions(precision: 9))
        try GeoJSONFileWriter.write(events.enumerated().map { k, e in
            Feature(geometry: .point(Position(west + Double(e.0) * 100 + 50, north - Double(e.1) * 100 - 50)), attributes: Attributes(["id": .integer(Int64(k))]))
        }, from: .epsg(4549), to: p("failures.geojson"), options: GeoJSONOptions(precision: 9))
        try "class,depth_m,damage_ratio\nhouse,0,0\nhouse,1,1\n".write(toFile: p("damage.csv"), atomically: true, encoding: .utf8)
    }

    static let flood = """
      - id: flood
        units: m
        return_periods:
          - {years: 10, path: depth_rp10.tif}
          - {years: 100, path: depth_rp100.tif}
        vulnerability: {csv: damage.csv, class_column: class, x_column: depth_m, y_column: damage_ratio}
    """

    static let matrix = "[[1, 1, 2, 2], [1, 2, 2, 3], [2, 3, 3, 4], [3, 4, 4, 5]]"

    /// The geological hazard: information value over slope, lithology and distance to the river.
    static func geological(method: String = "information_value", slopeBreaks: String = "[10, 20]", inventory: String = "failures.geojson",
                           matrix: String? = LevelHazardFixture.matrix) -> String {
        """
          - id: geological
            units: susceptibility level
            levels:
              count: 4
              derived:
                method: \(method)
                inventory: {path: \(inventory)}
                hold_out: 0.3
                seed: 7
                factors:
                  - {id: slope, terrain: {path: dem.tif, derivative: slope}, breaks: \(slopeBreaks)}
                  - id: lithology
                    raster: {path: lithology.tif}
                    classes: [{name: soft, values: [1]}, {name: hard, values: [2]}]
                  - {id: river, distance_to: {path: rivers.geojson}, breaks: [300, 800]}
                classification: {method: quantile}
        """ + (matrix.map { "\n    risk_matrix: {matrix: \($0)}" } ?? "")
    }

    /// Four tracts (the quadrants), each naming its half (W or E) in `half`; the halves as a
    /// layer of their own in `halves.geojson` (codes W and E).
    static func writeTracts(into dir: String, parentCodes: [String] = ["W", "E", "W", "E"]) throws {
        func p(_ n: String) -> String { (dir as NSString).appendingPathComponent(n) }
        let s = Double(side) * 100, h = s / 2
        func box(_ x0: Double, _ y0: Double, _ w: Double, _ ht: Double) -> Geometry {
            .polygon(Polygon(exterior: [Position(x0, y0 - ht), Position(x0 + w, y0 - ht), Position(x0 + w, y0), Position(x0, y0), Position(x0, y0 - ht)]))
        }
        let quads = [(west, north), (west + h, north), (west, north - h), (west + h, north - h)]
        try GeoJSONFileWriter.write(quads.enumerated().map { k, q in
            Feature(geometry: box(q.0, q.1, h, h), attributes: Attributes(["name": .string("tract \(k + 1)"), "code": .string("T0\(k + 1)"),
                                                                            "half": .string(parentCodes[k]), "half_name": .string(parentCodes[k] == "W" ? "West" : "East")]))
        }, from: .epsg(4549), to: p("tracts.geojson"), options: GeoJSONOptions(precision: 9))
        try GeoJSONFileWriter.write([
            Feature(geometry: box(west, north, h, s), attributes: Attributes(["label": .string("West half"), "id": .string("W")])),
            Feature(geometry: box(west + h, north, h, s), attributes: Attributes(["label": .string("East half"), "id": .string("E")])),
        ], from: .epsg(4549), to: p("halves.geojson"), options: GeoJSONOptions(precision: 9))
    }

    static func manifest(hazards: String, cellSize: Int = 100, combination: String = "weighted_sum",
                         region: String = "{layer: units.geojson, name_field: name, code_field: code}") -> String {
        """
        name: levels
        currency: CNY
        region: \(region)
        grid: {crs: "EPSG:4549", cell_size: \(cellSize), tile_size: 16}
        hazards:
        \(hazards)
        exposure:
          population: {path: population.tif}
          buildings:
            raster: {path: floor_area.tif}
            classes:
              - {name: house, band: 1, cost_per_m2: 1000}
        index: {combination: \(combination)}
        classification: {method: quantile}
        eal: {tail: none}

        """
    }

    /// Writes the inputs and a manifest; returns the manifest's path.
    static func write(into dir: String, hazards: String, cellSize: Int = 100, combination: String = "weighted_sum",
                      region: String = "{layer: units.geojson, name_field: name, code_field: code}") throws -> String {
        try writeInputs(into: dir)
        try writeTracts(into: dir)
        let path = (dir as NSString).appendingPathComponent("census.yaml")
        try manifest(hazards: hazards, cellSize: cellSize, combination: combination, region: region).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
