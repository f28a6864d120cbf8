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

    /// 60 × 40 cells of 0.001° (≈ 95 × 111 m) in WGS 84 near Changzhou, deterministic counts with
    /// about a fifth of the cells empty.
    private func populationSource(_ dir: TemporaryDirectory) throws -> (RasterDataset, [Double], Bounds) {
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
        let t = try CoordinateTransformer(from: .wgs84, to: .epsg(4549))
        var corners = [Position(119.95, 31.78), Position(120.01, 31.78), Position(119.95, 31.74), Position(120.01, 31.74)]
        try t.transform(&corners)
        return (ds, pop, Bounds(points: corners.map { (x: $0.x, y: $0.y) })!)
    }

    /// Onto 37 m (finer), 100 m (similar) and 1 km (coarser) cells in EPSG:4549 covering the
    /// source with a margin, the total is kept to 1e-6 relative. (GDAL 3.6's own GRA_Sum lost
    /// 1.8 % onto the 37 m grid.)
    @Test(arguments: [37.0, 100, 1000])
    func populationWarpedAcrossCRSKeepsItsTotal(cellSize: Double) throws {
        let dir = TemporaryDirectory()
        let (ds, pop, b) = try populationSource(dir)
        let target = GridSpec(covering: Bounds(minX: b.minX - 1500, minY: b.minY - 1500, maxX: b.maxX + 1500, maxY: b.maxY + 1500),
                              cellSize: cellSize, crs: .epsg(4549))
        let out = try RasterWarp.warp(ds, onto: target, resampling: .sum)
        let total = pop.reduce(0, +), warped = out.statistics().sum
        #expect(abs(warped - total) / total < 1e-6, "source \(total), warped \(warped)")
        // Cells beyond the source are unknown, not zero.
        #expect(out[0, 0].isNaN)
    }

    /// Across CRSs, a finer target also gets the mass where it belongs: the 37 m cells inside
    /// each source cell share its count, so the 37 m grid summed back over 1 km blocks matches
    /// the direct 1 km warp to within the cells cut by block edges.
    @Test func sumOntoFinerCellsStaysLocal() throws {
        let dir = TemporaryDirectory()
        let (ds, pop, b) = try populationSource(dir)
        let box = Bounds(minX: b.minX - 1000, minY: b.minY - 1000, maxX: b.maxX + 1000, maxY: b.maxY + 1000)
        let coarseGrid = GridSpec(covering: box, cellSize: 1000, crs: .epsg(4549))
        let fineGrid = GridSpec(transform: .northUp(west: coarseGrid.transform.originX, north: coarseGrid.transform.originY, cellWidth: 50, cellHeight: 50),
                                width: coarseGrid.width * 20, height: coarseGrid.height * 20, crs: .epsg(4549))
        let coarse = try RasterWarp.warp(ds, onto: coarseGrid, resampling: .sum)
        let fine = try RasterWarp.warp(ds, onto: fineGrid, resampling: .sum)
        var err = 0.0
        for r in 0..<coarse.height {
            for c in 0..<coarse.width {
                var s = 0.0
                for j in 0..<20 { for i in 0..<20 { let v = fine[c * 20 + i, r * 20 + j]; if !v.isNaN { s += v } } }
                let v = coarse[c, r]
                err += abs((v.isNaN ? 0 : v) - s)
            }
        }
        // Only source cells straddling a 1 km edge can be split differently.
        #expect(err / pop.reduce(0, +) < 0.025)
    }

    @Test func sumOntoAPartOfTheSourceKeepsOnlyThatPart() throws {
        let dir = TemporaryDirectory()
        let src = try linearSource(dir)
        // The north-west 20 × 20 m of the 40 × 40 m source, at 5 m: source cells 0, 1, 4, 5 only.
        let out = try RasterWarp.warp(src, onto: gkGrid(cell: 5, width: 4, height: 4), resampling: .sum)
        #expect(out.statistics().sum == 0 + 1 + 4 + 5)
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
