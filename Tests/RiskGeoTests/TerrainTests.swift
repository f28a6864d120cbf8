import Foundation
import Testing
import RiskCore
@testable import RiskGeo

/// Slope, aspect and proximity: hand-worked values, and GDAL's own command-line tools
/// (`gdaldem`, `gdal_proximity`) on the same small grids.
@Suite struct TerrainTests {
    private func runTool(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(tool) \(args.joined(separator: " "))")
    }

    private func band(_ path: String) throws -> [Float] {
        let values: RasterBuffer<Float> = try RasterDataset(path: path).readBand(1)
        return values.values
    }

    @Test func aPlaneHasItsHandWorkedSlopeAndAspect() throws {
        let dir = TemporaryDirectory()
        let grid = gkGrid(cell: 100, width: 6, height: 5)
        // z rises 10 m per 100 m to the east: slope atan(0.1), facing west (270°).
        let z = (0..<grid.cellCount).map { Double($0 % grid.width) * 10 }
        try writeFixture(z, grid: grid, to: dir.file("plane.tif"), units: "m")
        let slope = try Terrain.derive(.slope, dem: dir.file("plane.tif"))
        let aspect = try Terrain.derive(.aspect, dem: dir.file("plane.tif"))
        #expect(slope.grid.width == grid.width && slope.grid.height == grid.height && slope.grid.transform == grid.transform)
        for r in 1..<(grid.height - 1) {
            for c in 1..<(grid.width - 1) {
                #expect(abs(Double(slope.values[r * grid.width + c]) - atan(0.1) * 180 / .pi) < 1e-4)
                #expect(abs(Double(aspect.values[r * grid.width + c]) - 270) < 1e-4)
            }
        }
        // A flat DEM: slope 0 everywhere, aspect undefined (nodata → NaN).
        try writeFixture(Array(repeating: 5, count: grid.cellCount), grid: grid, to: dir.file("flat.tif"), units: "m")
        #expect(try Terrain.derive(.slope, dem: dir.file("flat.tif")).values.allSatisfy { $0 == 0 })
        #expect(try Terrain.derive(.aspect, dem: dir.file("flat.tif")).values.allSatisfy(\.isNaN))
    }

    @Test func everyDerivativeEqualsGdaldem() throws {
        let dir = TemporaryDirectory()
        let grid = gkGrid(cell: 30, width: 23, height: 17)
        var rng = SystemRandomNumberGenerator()
        let z = (0..<grid.cellCount).map { i in 100 + 20 * sin(Double(i % 23) / 3) + 15 * cos(Double(i / 23) / 2) + Double.random(in: 0..<3, using: &rng) }
        try writeFixture(z, grid: grid, to: dir.file("dem.tif"), units: "m")
        for d in Terrain.Derivative.allCases {
            let ours = try Terrain.derive(d, dem: dir.file("dem.tif")).values
            let mode = ["slope": "slope", "aspect": "aspect", "roughness": "roughness", "tri": "TRI", "tpi": "TPI"][d.rawValue]!
            try runTool("/usr/bin/gdaldem", [mode, dir.file("dem.tif"), dir.file("\(d.rawValue).tif"), "-compute_edges"]
                        + (d == .slope || d == .aspect ? ["-alg", "Horn"] : []))
            let theirs = try band(dir.file("\(d.rawValue).tif"))
            #expect(ours.count == theirs.count)
            for (a, b) in zip(ours, theirs) {
                #expect((a.isNaN && b.isNaN) || a == b, "\(d): \(a) vs \(b)")
            }
        }
    }

    @Test func aDEMInDegreesIsRefused() throws {
        let dir = TemporaryDirectory()
        let grid = GridSpec(transform: .northUp(west: 119, north: 32, cellWidth: 0.001, cellHeight: 0.001), width: 4, height: 4, crs: .epsg(4326))
        try writeFixture(Array(repeating: 1, count: 16), grid: grid, to: dir.file("deg.tif"), units: "m")
        #expect(throws: GeoError.self) { try Terrain.derive(.slope, dem: dir.file("deg.tif")) }
    }

    @Test func proximityIsTheDistanceToTheNearestBurntCell() throws {
        let grid = gkGrid(cell: 100, width: 9, height: 7)
        // One point at the centre of cell (row 2, col 3).
        let centre = Position(500_000 + 350, 3_500_000 - 250)
        let d = try Proximity.distance(to: [.point(centre)], crs: .epsg(4549), onto: grid)
        for r in 0..<grid.height {
            for c in 0..<grid.width {
                let expected = 100 * ((Double(r - 2) * Double(r - 2) + Double(c - 3) * Double(c - 3)).squareRoot())
                #expect(abs(Double(d[r * grid.width + c]) - expected) < 1e-3, "(\(r), \(c))")
            }
        }
        let capped = try Proximity.distance(to: [.point(centre)], crs: .epsg(4549), onto: grid, maxDistance: 250)
        #expect(capped.allSatisfy { $0 <= 250 } && capped[2 * grid.width + 3] == 0)
    }

    @Test func proximityEqualsGdalProximity() throws {
        let dir = TemporaryDirectory()
        let grid = gkGrid(cell: 50, width: 31, height: 19)
        let line: Geometry = .lineString([Position(500_120, 3_499_980), Position(501_200, 3_499_300), Position(501_480, 3_499_120)])
        let ours = try Proximity.distance(to: [line], crs: .epsg(4549), onto: grid)
        // The same burnt raster through the gdal_proximity tool.
        let burnt = try Rasterize.burn([line], values: [1], crs: .epsg(4549), onto: grid, allTouched: true, fill: 0)
        try writeFixture(burnt.values, grid: grid, to: dir.file("burnt.tif"), nodata: -1)
        try runTool("/usr/bin/python3", ["-m", "osgeo_utils.gdal_proximity", dir.file("burnt.tif"), dir.file("dist.tif"),
                                         "-values", "1", "-distunits", "GEO", "-ot", "Float32"])
        let theirs = try band(dir.file("dist.tif"))
        #expect(ours.count == theirs.count && zip(ours, theirs).allSatisfy { abs($0 - $1) < 1e-3 })
    }
}
