import Foundation
import Testing
import RiskCore
@testable import RiskGeo

@Suite struct GridSamplingTests {
    @Test func cellsThatCoincideAreReadByWindowAndBeyondTheEdgeIsUnknown() throws {
        let dir = TemporaryDirectory()
        let source = gkGrid(cell: 10, width: 3, height: 2)
        let path = try writeFixture([1, 2, 3, 4, 5, 6], grid: source, to: dir.file("a.tif"))
        // A target one cell east and one cell north of the source: offset (1, -1).
        let target = gkGrid(west: 500_010, north: 3_500_010, cell: 10, width: 3, height: 2)
        let s = GridSampling.of(source, onto: target)
        #expect(s == .window(col: 1, row: -1))
        let v = try RasterDataset(path: path).sample(band: 1, onto: target, sampling: s, resampling: .sum)
        #expect(v.map { $0.isNaN } == [true, true, true, false, false, true])
        #expect(Array(v[3...4]) == [2, 3])
    }

    @Test func aSourceOffByHalfACellIsNotAWindow() {
        let source = gkGrid(cell: 10, width: 3, height: 2)
        #expect(GridSampling.of(source, onto: gkGrid(west: 500_005, cell: 10, width: 3, height: 2)) == .warp)
        #expect(GridSampling.of(source, onto: gkGrid(cell: 5, width: 6, height: 4)) == .warp)
        if case .centres = GridSampling.best(source, onto: gkGrid(cell: 4, width: 8, height: 5)) {} else {
            Issue.record("a finer target in the same CRS is sampled by centres")
        }
        // A coarser target is warped.
        #expect(GridSampling.best(source, onto: gkGrid(cell: 20, width: 2, height: 1)) == .warp)
    }

    /// 9 m source cells onto 4 m target cells offset by 1 m: each source cell's total is split
    /// among the target cells whose centres it holds, so totals are kept and every target cell
    /// takes its value from one source cell.
    @Test func centresKeepEachSourceCellsTotal() throws {
        let dir = TemporaryDirectory()
        let source = gkGrid(cell: 9, width: 4, height: 3)
        let values: [Double] = (0..<12).map { Double($0 + 1) * 100 }
        let path = try writeFixture(values, grid: source, to: dir.file("pop.tif"))
        let target = gkGrid(west: 500_001, north: 3_499_999, cell: 4, width: 8, height: 6)
        guard case .centres(let m) = GridSampling.best(source, onto: target) else {
            Issue.record("expected centres sampling")
            return
        }
        let ds = try RasterDataset(path: path)
        let split = try ds.sample(band: 1, onto: target, sampling: .centres(m), resampling: .sum)
        let nearest = try ds.sample(band: 1, onto: target, sampling: .centres(m), resampling: .nearest)
        // Per source cell, the split values of the target cells whose value came from it add up to it.
        for v in values {
            let mine = nearest.indices.filter { nearest[$0] == Float(v) }
            if mine.isEmpty { continue }
            let total = mine.reduce(0.0) { $0 + Double(split[$1]) }
            #expect(abs(total - v) < 1e-3, "source cell \(v): \(total)")
        }
        // Read in two strips (as the census reads a tile), the values are the same.
        var top = m, bottom = m
        top.rowShift = 0
        bottom.rowShift = 3
        let upper = gkGrid(west: 500_001, north: 3_499_999, cell: 4, width: 8, height: 3)
        let lower = gkGrid(west: 500_001, north: 3_499_987, cell: 4, width: 8, height: 3)
        let strips = try ds.sample(band: 1, onto: upper, sampling: .centres(top), resampling: .sum)
            + ds.sample(band: 1, onto: lower, sampling: .centres(bottom), resampling: .sum)
        #expect(strips.elementsEqual(split) { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }

    @Test func centreCountsAreExactAlongAnAxis() {
        // Source cells of 2.5 target cells starting at 0.3: centres 0.5, 1.5, 2.5 fall in cell 0
        // ([0.3, 2.8)), 3.5, 4.5 in cell 1 ([2.8, 5.3)), 5.5, 6.5, 7.5 in cell 2 ([5.3, 7.8)).
        #expect((0..<3).map { CentreMapping.count($0, origin: 0.3, size: 2.5, n: 8) } == [3, 2, 3])
        #expect((0..<8).map { CentreMapping.source($0, origin: 0.3, size: 2.5) } == [0, 0, 0, 1, 1, 2, 2, 2])
    }
}
