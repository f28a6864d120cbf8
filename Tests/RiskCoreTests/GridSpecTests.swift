import Testing
@testable import RiskCore

/// A 4 × 3 grid of 100 m cells whose top-left corner is (1000, 5000).
private let grid = GridSpec(transform: .northUp(west: 1000, north: 5000, cellWidth: 100, cellHeight: 100),
                            width: 4, height: 3, crs: .epsg(4549))

@Suite struct GridSpecTests {
    @Test func pointOnACellEdgeBelongsToTheCellThatStartsThere() {
        // x = 1100 is the west edge of column 1 (half-open [1100, 1200)).
        #expect(grid.cell(containing: 1100, 4950)! == (1, 0))
        #expect(grid.cell(containing: 1099.999, 4950)! == (0, 0))
        // y = 4900 is the north edge of row 1: rows run down from 5000.
        #expect(grid.cell(containing: 1050, 4900)! == (0, 1))
        #expect(grid.cell(containing: 1000, 5000)! == (0, 0))
    }

    @Test func pointsOutsideOrNotFiniteHaveNoCell() {
        #expect(grid.cell(containing: 1400, 4950) == nil)  // east edge is exclusive
        #expect(grid.cell(containing: 1050, 4700) == nil)  // south edge is exclusive
        #expect(grid.cell(containing: 999.9, 4950) == nil)
        #expect(grid.cell(containing: .nan, 4950) == nil)
        #expect(grid.cell(containing: .infinity, 4950) == nil)
        #expect(grid.cell(containing: 1050, -.infinity) == nil)
    }

    @Test func centresBoundsAndArea() {
        #expect(grid.center(col: 0, row: 0) == (1050, 4950))
        #expect(grid.center(col: 3, row: 2) == (1350, 4750))
        #expect(grid.bounds() == Bounds(minX: 1000, minY: 4700, maxX: 1400, maxY: 5000))
        #expect(grid.cellArea == 10_000)
        #expect(grid.cellCount == 12)
    }

    @Test func windowForBoundsTakesEveryIntersectedCellAndClips() {
        #expect(grid.window(for: Bounds(minX: 1150, minY: 4850, maxX: 1250, maxY: 4950))
                == Window(colOff: 1, rowOff: 0, width: 2, height: 2))
        #expect(grid.window(for: Bounds(minX: 0, minY: 0, maxX: 99_999, maxY: 99_999)) == grid.fullWindow)
        #expect(grid.window(for: Bounds(minX: 5000, minY: 0, maxX: 6000, maxY: 10)).isEmpty)
        // Bounds on cell edges take exactly the cells inside.
        #expect(grid.window(for: Bounds(minX: 1100, minY: 4800, maxX: 1300, maxY: 4900))
                == Window(colOff: 1, rowOff: 1, width: 2, height: 1))
    }

    @Test func subgridKeepsCellSizeAndMovesOrigin() {
        let sub = grid.subgrid(Window(colOff: 2, rowOff: 1, width: 2, height: 2))
        #expect(sub.transform.originX == 1200 && sub.transform.originY == 4900)
        #expect(sub.center(col: 0, row: 0) == grid.center(col: 2, row: 1))
        #expect(sub.crs == grid.crs)
    }

    @Test func coveringGridSnapsToMultiplesOfTheCellSize() {
        let g = GridSpec(covering: Bounds(minX: 1030, minY: 4710, maxX: 1390, maxY: 4990), cellSize: 100, crs: nil)
        #expect(g.transform.originX == 1000 && g.transform.originY == 5000)
        #expect(g.width == 4 && g.height == 3)
    }

    @Test func rotatedTransformInvertsExactly() {
        let t = GeoTransform(originX: 10, pixelWidth: 2, rowRotation: 1, originY: 20, columnRotation: 0.5, pixelHeight: -3)
        let p = t.apply(col: 3.25, row: 1.5)
        let back = t.pixel(x: p.x, y: p.y)!
        #expect(abs(back.col - 3.25) < 1e-12 && abs(back.row - 1.5) < 1e-12)
        #expect(GeoTransform(originX: 0, pixelWidth: 0, originY: 0, pixelHeight: 0).pixel(x: 1, y: 1) == nil)
        #expect(GeoTransform(gdal: [0, 1, 0, 0, 0]) == nil)
        #expect(GeoTransform(gdal: [0, 1, 0, .nan, 0, -1]) == nil)
    }
}

@Suite struct WindowTests {
    @Test func intersection() {
        let a = Window(colOff: 0, rowOff: 0, width: 10, height: 10)
        let b = Window(colOff: 5, rowOff: 8, width: 10, height: 10)
        #expect(a.intersection(b) == Window(colOff: 5, rowOff: 8, width: 5, height: 2))
        #expect(a.intersection(Window(colOff: 10, rowOff: 0, width: 3, height: 3)).isEmpty)
        #expect(a.intersection(.empty).isEmpty)
    }

    @Test func blocksCoverEveryCellExactlyOnceInRowMajorOrder() {
        let w = Window(colOff: 3, rowOff: 2, width: 10, height: 7)
        let blocks = w.blocks(width: 4, height: 3)
        #expect(blocks.count == 3 * 3)
        #expect(blocks.first == Window(colOff: 3, rowOff: 2, width: 4, height: 3))
        #expect(blocks.last == Window(colOff: 11, rowOff: 8, width: 2, height: 1))
        var seen = Set<[Int]>()
        for b in blocks {
            for r in b.rowOff..<b.rowEnd { for c in b.colOff..<b.colEnd { #expect(seen.insert([c, r]).inserted) } }
        }
        #expect(seen.count == w.cellCount)
        #expect(Window.empty.blocks(width: 4, height: 4).isEmpty)
        #expect(Window(colOff: 0, rowOff: 0, width: 5, height: 0).blocks(width: 2, height: 2).isEmpty)
    }

    @Test func haloIsClippedToTheGrid() {
        let limit = Window(width: 10, height: 10)
        #expect(Window(colOff: 0, rowOff: 4, width: 2, height: 2).expanded(by: 3, within: limit)
                == Window(colOff: 0, rowOff: 1, width: 5, height: 8))
    }

    @Test func negativeSizesBecomeEmpty() {
        #expect(Window(colOff: 0, rowOff: 0, width: -3, height: 4).isEmpty)
    }
}
