import Testing
import RiskCore
@testable import RiskGeo

/// Source: 4 × 4 cells of 10 m in EPSG:4549 with value v(col, row) = 4·row + col (0 … 15).
private func linearSource(_ dir: TemporaryDirectory, hole: Int? = nil) throws -> RasterDataset {
    var v = (0..<16).map(Double.init)
    if let hole { v[hole] = .nan }
    return try RasterDataset(path: writeFixture(v, grid: gkGrid(cell: 10, width: 4, height: 4), to: dir.file("src.tif")))
}

@Suite struct RasterWarpTests {
    @Test func averageAndSumOntoCoarserCellsMatchHandValues() throws {
        let dir = TemporaryDirectory()
        let src = try linearSource(dir)
        let target = gkGrid(cell: 20, width: 2, height: 2)
        // Each 20 m cell holds source cells {0,1,4,5}, {2,3,6,7}, {8,9,12,13}, {10,11,14,15}.
        #expect(try RasterWarp.warp(src, onto: target, resampling: .average).values == [2.5, 4.5, 10.5, 12.5])
        #expect(try RasterWarp.warp(src, onto: target, resampling: .sum).values == [10, 18, 42, 50])
    }

    @Test func nearestOntoFinerCellsRepeatsTheContainingCell() throws {
        let dir = TemporaryDirectory()
        let out = try RasterWarp.warp(try linearSource(dir), onto: gkGrid(cell: 5, width: 8, height: 8), resampling: .nearest)
        for r in 0..<8 { for c in 0..<8 { #expect(out[c, r] == Double(4 * (r / 2) + c / 2)) } }
    }

    @Test func bilinearReproducesALinearFieldBetweenCentres() throws {
        let dir = TemporaryDirectory()
        // Target cells centred on the corners shared by four source cells: v = 4r + c + 2.5 exactly.
        let target = gkGrid(west: 500_005, north: 3_499_995, cell: 10, width: 3, height: 3)
        let out = try RasterWarp.warp(try linearSource(dir), onto: target, resampling: .bilinear)
        for r in 0..<3 { for c in 0..<3 { #expect(abs(out[c, r] - (Double(4 * r + c) + 2.5)) < 1e-9) } }
    }

    @Test func unknownSourceCellsAreLeftOutNotCountedAsZero() throws {
        let dir = TemporaryDirectory()
        let src = try linearSource(dir, hole: 5)
        let target = gkGrid(cell: 20, width: 2, height: 2)
        let avg = try RasterWarp.warp(src, onto: target, resampling: .average)
        #expect(abs(avg.values[0] - 5.0 / 3) < 1e-12)  // mean of 0, 1, 4
        #expect(try RasterWarp.warp(src, onto: target, resampling: .sum).values[0] == 5)
        // A target cell outside the source is unknown.
        let outside = try RasterWarp.warp(src, onto: gkGrid(west: 400_000, cell: 20, width: 2, height: 2), resampling: .sum)
        #expect(outside.values.allSatisfy { $0.isNaN })
    }

    @Test func sumOntoFinerCellsSplitsCounts() throws {
        let dir = TemporaryDirectory()
        let out = try RasterWarp.warp(try linearSource(dir), onto: gkGrid(cell: 5, width: 8, height: 8), resampling: .sum)
        #expect(out[0, 0] == 0 && out[3, 1] == 0.25 && out[7, 7] == 15.0 / 4)
        #expect(out.statistics().sum == 120)
    }

    @Test func populationWarpedAcrossCRSKeepsItsTotal() throws {
        let dir = TemporaryDirectory()
        // 60 × 40 cells of 0.001° in WGS 84 near Changzhou, deterministic counts with some empty cells.
        let w = 60, h = 40
        var state: UInt64 = 42
        let pop: [Double] = (0..<(w * h)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Double(state >> 33) / Double(1 << 31)
            return r < 0.2 ? 0 : (r * 500).rounded()
        }
        let src = GridSpec(transform: .northUp(west: 119.95, north: 31.78, cellWidth: 0.001, cellHeight: 0.001),
                           width: w, height: h, crs: .wgs84)
        let ds = try RasterDataset(path: writeFixture(pop, grid: src, to: dir.file("pop.tif"), units: "persons"))
        // Target: 100 m cells in EPSG:4549 covering the source with a margin.
        let t = try CoordinateTransformer(from: .wgs84, to: .epsg(4549))
        var corners = [Position(119.95, 31.78), Position(120.01, 31.78), Position(119.95, 31.74), Position(120.01, 31.74)]
        try t.transform(&corners)
        let b = Bounds(points: corners.map { (x: $0.x, y: $0.y) })!
        let target = GridSpec(covering: Bounds(minX: b.minX - 500, minY: b.minY - 500, maxX: b.maxX + 500, maxY: b.maxY + 500),
                              cellSize: 100, crs: .epsg(4549))
        let out = try RasterWarp.warp(ds, onto: target, resampling: .sum)
        let total = pop.reduce(0, +), warped = out.statistics().sum
        #expect(abs(warped - total) / total < 1e-6, "source \(total), warped \(warped)")
    }

    @Test func aSourceWithoutCRSIsRefused() throws {
        let dir = TemporaryDirectory()
        // An ESRI ASCII grid with no .prj beside it has no CRS.
        let asc = "ncols 2\nnrows 2\nxllcorner 500000\nyllcorner 3499980\ncellsize 10\nNODATA_value -1\n1 2\n3 4\n"
        try asc.write(toFile: dir.file("nocrs.asc"), atomically: true, encoding: .utf8)
        let ds = try RasterDataset(path: dir.file("nocrs.asc"))
        #expect(ds.crs == nil)
        #expect(throws: GeoError.missingCRS(path: dir.file("nocrs.asc"))) {
            try RasterWarp.warp(ds, onto: gkGrid(cell: 10, width: 2, height: 2), resampling: .nearest)
        }
        #expect(throws: GeoError.missingCRS(path: dir.file("nocrs.asc"))) { try ds.georeferencedGrid() }
    }
}
