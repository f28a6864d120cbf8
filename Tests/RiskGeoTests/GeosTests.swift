import Foundation
import Testing
import RiskCore
@testable import RiskGeo

private func square(_ x: Double, _ y: Double, _ s: Double) -> Geometry {
    .polygon(Polygon(exterior: [Position(x, y), Position(x + s, y), Position(x + s, y + s), Position(x, y + s), Position(x, y)]))
}

@Suite struct GeosTests {
    @Test func areaUnionAndPredicates() throws {
        let ctx = GeosContext()
        let a = try ctx.geometry(square(0, 0, 2)), b = try ctx.geometry(square(1, 1, 2))
        #expect(try a.area() == 4)
        // Two 2 × 2 squares overlapping in a 1 × 1 square: 4 + 4 − 1.
        #expect(try a.union(b).area() == 7)
        #expect(try ctx.union([square(0, 0, 2), square(1, 1, 2), square(10, 10, 1)]).area() == 8)
        #expect(try a.intersection(b).area() == 1)
        #expect(try a.intersects(b))
        #expect(try !a.contains(b))
        #expect(try a.contains(ctx.geometry(.point(Position(1, 1)))))
        #expect(try a.isValid())
    }

    @Test func bufferApproximatesACircle() throws {
        let ctx = GeosContext()
        let disc = try ctx.geometry(.point(Position(0, 0))).buffer(100, quadrantSegments: 64)
        // A regular 256-gon inscribed in r = 100: area = ½·n·r²·sin(2π/n) = 31412.8…, just under π·10⁴.
        let n = 256.0
        let expected: Double = 0.5 * n * 10_000 * sin(2 * Double.pi / n)
        let area = try disc.area()
        #expect(abs(area - expected) < 1e-6)
        guard case .polygon(let p) = try disc.value() else { Issue.record("buffer of a point is a polygon"); return }
        #expect(p.exterior.count == 257)
    }

    @Test func preparedGeometryAnswersLikeThePlainOne() throws {
        let ctx = GeosContext()
        let zone = try ctx.geometry(square(0, 0, 10)).prepared()
        #expect(try zone.contains(x: 5, y: 5))
        #expect(try !zone.contains(x: 10, y: 5))  // the boundary is not inside
        #expect(try !zone.contains(x: 11, y: 5))
        #expect(try zone.intersects(ctx.geometry(square(9, 9, 5))))
    }

    @Test func invalidInputIsATypedErrorWithGEOSsMessage() throws {
        let ctx = GeosContext()
        // A ring that does not close is not a LinearRing.
        let bad = Geometry.polygon(Polygon(exterior: [Position(0, 0), Position(1, 0), Position(1, 1), Position(0, 1)]))
        do {
            _ = try ctx.geometry(bad)
            Issue.record("GEOS accepted an open ring")
        } catch {
            guard case .geometryFailed(_, let reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(reason.localizedCaseInsensitiveContains("point"))
        }
    }

    @Test func valuesRoundTripThroughGEOS() throws {
        let ctx = GeosContext()
        let g = Geometry.multiPolygon([Polygon(exterior: [Position(0, 0), Position(1, 0), Position(1, 1), Position(0, 0)])])
        #expect(try ctx.geometry(g).value() == g)
    }
}

/// Dissolving raster regions without an overlay: one valid MultiPolygon per value covering
/// exactly its cells, including regions that touch only at a corner and a region with a hole.
@Suite struct DissolveTests {
    @Test func dissolvedRegionsAreValidAndCoverTheirCells() throws {
        let grid = GridSpec(transform: .northUp(west: 500_000, north: 3_500_000, cellWidth: 100, cellHeight: 100),
                            width: 8, height: 6, crs: .epsg(32650))
        // 1: a ring around a 2, two cells touching the ring's corner diagonally, and a lone cell.
        let rows = ["11100000",
                    "12100000",
                    "11100300",
                    "00011000",
                    "00011000",
                    "00000001"]
        let values = rows.flatMap { $0.map { Double(String($0))! } }
        let zones = try Rasterize.dissolved(of: RasterBuffer(width: 8, height: 6, values: values), grid: grid)
        let ctx = GeosContext()
        #expect(Set(zones.keys) == [1, 2, 3])
        for (value, geometry) in zones {
            let g = try ctx.geometry(geometry)
            #expect(try g.isValid())
            #expect(try g.area() == Double(values.filter { $0 == Double(value) }.count) * 10_000)
        }
        guard case .multiPolygon(let ones)? = zones[1] else { Issue.record("value 1 is not a MultiPolygon"); return }
        #expect(ones.count == 3)                          // the ring, the diagonal block, the lone cell
        #expect(ones.contains { $0.holes.count == 1 })    // the ring keeps its hole around the 2
    }

    /// The byte-mask dissolve (the blind zones) gives what the raster dissolve gives for the
    /// same cells.
    @Test func aByteMaskDissolvesLikeTheRaster() throws {
        let grid = GridSpec(transform: .northUp(west: 500_000, north: 3_500_000, cellWidth: 100, cellHeight: 100),
                            width: 37, height: 23, crs: .epsg(32650))
        var state: UInt64 = 42
        let mask: [UInt8] = (0..<grid.width * grid.height).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 62 == 0 ? 1 : 0
        }
        let byMask = try Rasterize.dissolved(mask: mask, grid: grid)
        let byRaster = try Rasterize.dissolved(of: RasterBuffer(width: grid.width, height: grid.height, values: mask.map { Double($0) }), grid: grid)[1]
        #expect(byMask != nil && byMask == byRaster)
        #expect(try GeosContext().geometry(byMask!).area() == Double(mask.filter { $0 == 1 }.count) * 10_000)
        #expect(try Rasterize.dissolved(mask: [UInt8](repeating: 0, count: grid.width * grid.height), grid: grid) == nil)
    }

    /// The byte-grid dissolve the run uses for its level zones gives what the raster dissolve
    /// gives for the same levels, one MultiPolygon per level, with 0 left out.
    @Test func aByteGridDissolvesLikeTheRaster() throws {
        let grid = GridSpec(transform: .northUp(west: 500_000, north: 3_500_000, cellWidth: 100, cellHeight: 100),
                            width: 29, height: 17, crs: .epsg(32650))
        var state: UInt64 = 7
        let levels: [UInt8] = (0..<grid.width * grid.height).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(state >> 61) % 6
        }
        let byBytes = try Rasterize.dissolved(values: levels, grid: grid)
        let byRaster = try Rasterize.dissolved(of: RasterBuffer(width: grid.width, height: grid.height, values: levels.map { Double($0) }), grid: grid)
        #expect(Set(byBytes.keys) == [1, 2, 3, 4, 5])
        #expect(byBytes == byRaster)
        for (level, g) in byBytes {
            #expect(try GeosContext().geometry(g).area() == Double(levels.filter { Int($0) == level }.count) * 10_000)
        }
    }
}
