import Foundation
import Testing
import RiskCore
import RiskGeo
@testable import RiskCensus

private let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path


/// A bundled manifest at another cell size, without its coverage section (which works on the
/// population raster at its own resolution whatever the cell size) and without cell outputs.
private func manifest(_ dataset: String, cellSize: Double, into dir: TempDir) throws -> String {
    let text = try String(contentsOfFile: "\(repo)/datasets/\(dataset)/census.yaml", encoding: .utf8)
    var out: [String] = [], skipping = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("coverage:") { skipping = true; continue }
        if skipping && !line.hasPrefix(" ") && !line.isEmpty { skipping = false }
        if skipping { continue }
        if line.trimmingCharacters(in: .whitespaces).hasPrefix("cell_size:") {
            out.append("  cell_size: \(cellSize)")
        } else if line.trimmingCharacters(in: .whitespaces).hasPrefix("cells: true") {
            out.append("  cells: false")
        } else {
            out.append(String(line))
        }
    }
    let path = dir.path + "/census-\(Int(cellSize)).yaml"
    try out.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

private func run(_ dataset: String, cellSize: Double) throws -> (plan: CensusPlan, result: CensusResult) {
    let dir = TempDir("cellsize", create: true)
    let census = try Census(manifestPath: try manifest(dataset, cellSize: cellSize, into: dir), baseDirectory: "\(repo)/datasets/\(dataset)")
    let result = try census.run(outputDirectory: dir.path + "/out", threads: 2)
    return (census.plan, result)
}

/// Losses are computed on the data's cells and summed, so the totals do not follow the cell
/// size (docs/cell-size.md).
@Suite(.serialized) struct CellSizeTests {
    /// Olinda's coastal-flood EAL computed cell by cell on the rasters' own 90 m grid: floor
    /// area × cost × depth–damage ratio per return period, integrated with the plan's weights.
    static func olindaNativeEAL(_ plan: CensusPlan) throws -> Double {
        let h = plan.hazards[0]
        let area = try RasterDataset(path: plan.buildingsRaster!.path).readBand(1, as: Double.self).values
        guard case .buildingBand(_, let cost) = plan.classes[0].source else { throw CensusError.run("expected a building band") }
        let weights = plan.integration.weights(returnPeriods: h.returnPeriods)
        var eal = 0.0
        for (layer, w) in zip(h.layers, weights) {
            let depth = try RasterDataset(path: layer.path).readBand(1, as: Double.self).values
            for i in area.indices where !area[i].isNaN && area[i] > 0 && !depth[i].isNaN {
                eal += w * area[i] * cost * h.damage[0](depth[i])
            }
        }
        return eal
    }

    @Test(arguments: [30.0, 90.0, 150.0])
    func olindaFloodEALMatchesTheNativeGrid(cellSize: Double) throws {
        let (plan, result) = try run("olinda", cellSize: cellSize)
        let native = try Self.olindaNativeEAL(plan)
        #expect(abs(native - 2_337_942) < 1)   // docs/cell-size.md's reference
        let eal = result.districts.reduce(0) { $0 + $1.hazardLoss[0] }
        #expect(abs(eal / native - 1) < 0.10, "EAL \(eal) at \(cellSize) m against \(native) on the native grid")
        // Away from the 30 m region-edge effect the agreement is much closer than 10 %.
        if cellSize >= 90 { #expect(abs(eal / native - 1) < 0.01) }
    }

    @Test func changzhouTotalsAt500mEqualA100mRun() throws {
        let (coarsePlan, coarse) = try run("changzhou", cellSize: 500)
        let (finePlan, fine) = try run("changzhou", cellSize: 100)
        #expect(coarsePlan.refinement == 5 && finePlan.refinement == 1)
        let eal = (coarse.districts.reduce(0) { $0 + $1.eal }, fine.districts.reduce(0) { $0 + $1.eal })
        let deaths = (coarse.districts.reduce(0) { $0 + $1.expectedFatalities }, fine.districts.reduce(0) { $0 + $1.expectedFatalities })
        #expect(eal.1 > 0 && deaths.1 > 0)
        #expect(abs(eal.0 / eal.1 - 1) < 0.05, "EAL \(eal.0) at 500 m, \(eal.1) at 100 m")
        #expect(abs(deaths.0 / deaths.1 - 1) < 0.05, "expected deaths \(deaths.0) at 500 m, \(deaths.1) at 100 m")
        // The inputs nest in both grids: the fine-cell arithmetic is the same.
        #expect(abs(eal.0 / eal.1 - 1) < 1e-6 && abs(deaths.0 / deaths.1 - 1) < 1e-5)
    }
}
