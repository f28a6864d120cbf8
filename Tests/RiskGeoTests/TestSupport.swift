import Foundation
import RiskCore
@testable import RiskGeo

/// A fresh directory removed when the value is released.
final class TemporaryDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "riskgeo-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// The repository root, found from this file's location.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A north-up grid in CGCS2000 / 3-degree GK CM 120E.
func gkGrid(west: Double = 500_000, north: Double = 3_500_000, cell: Double, width: Int, height: Int) -> GridSpec {
    GridSpec(transform: .northUp(west: west, north: north, cellWidth: cell, cellHeight: cell),
             width: width, height: height, crs: .epsg(4549))
}

/// Writes a Float64 GeoTIFF fixture and returns its path.
@discardableResult
func writeFixture(_ values: [Double], grid: GridSpec, to path: String, nodata: Double = .nan, units: String = "1") throws -> String {
    var o = RasterWriteOptions(units: units, dataType: .float64)
    o.nodata = nodata
    try GeoTIFFWriter.write(RasterBuffer<Double>(width: grid.width, height: grid.height, values: values), grid: grid, to: path, options: o)
    return path
}
