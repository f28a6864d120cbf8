import Foundation
import RiskCore
import Testing
@testable import RiskCensus

/// `CensusView` answers from the run's files: the sample census's hand-worked values (each known
/// cell's EAL 67.5 CNY/yr, fatalities 6.75e-5 per resident) come back per cell and per point,
/// the per-hazard bands of `eal.tif` and `fatalities.tif` add up to the unit tables, and paging
/// returns every cell once.
@Suite struct CensusViewTests {
    static func finishedSample() throws -> (TempDir, CensusView) {
        let dir = TempDir()
        let manifest = try SampleCensus.write(into: dir.path)
        _ = try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 2)
        return (dir, try CensusView(folder: dir.file("out")))
    }

    @Test func cellsCarryTheHandWorkedValuesAndPagesCoverEveryCellOnce() throws {
        let (dir, view) = try Self.finishedSample()
        defer { withExtendedLifetime(dir) {} }
        #expect(view.lossColumns == ["eal_flood"] && view.fatalityColumns == ["fatalities_flood"])
        let all = try view.cells(in: view.extent, limit: 1000)
        #expect(!all.more)
        // 16 cells lie in the region; one has an unknown hazard and so no level, index or EAL.
        #expect(all.cells.count == 15)
        for c in all.cells {
            #expect(abs(c.eal! - 67.5) < 1e-3)
            #expect(c.hazardLoss == [c.eal])
            #expect(c.hazardFatalities == [c.fatalities])
            #expect((1...5).contains(c.level!))
            #expect(c.ring.count == 5 && c.ring.first == c.ring.last)
        }
        var paged: [Int] = []
        var offset = 0
        while true {
            let page = try view.cells(in: view.extent, limit: 4, offset: offset)
            paged += page.cells.map(\.id)
            offset += page.cells.count
            if !page.more { break }
            #expect(page.cells.count == 4)
        }
        #expect(paged == all.cells.map(\.id))
        let one = try #require(try view.cell(id: all.cells[3].id))
        #expect(one.eal == all.cells[3].eal && one.level == all.cells[3].level && one.ring == all.cells[3].ring)
        #expect(try view.cell(id: -1) == nil && view.cell(id: view.grid.cellCount) == nil)
        // A box that misses the grid has no cells.
        #expect(try view.cells(in: Bounds(minX: 0, minY: 0, maxX: 1, maxY: 1), limit: 10).cells.isEmpty)
    }

    @Test func pointsFindTheirUnitAndAddUpToTheUnitTables() throws {
        let (dir, view) = try Self.finishedSample()
        let cells = try view.cells(in: view.extent, limit: 1000).cells
        var eal: [String: Double] = [:], deaths: [String: Double] = [:]
        for c in cells {
            let lon = c.ring[0..<4].map(\.x).reduce(0, +) / 4, lat = c.ring[0..<4].map(\.y).reduce(0, +) / 4
            let p = try #require(try view.point(lon: lon, lat: lat))
            #expect(p.cell == c.id && p.level == c.level && p.riskIndex == c.riskIndex)
            #expect(p.hazardLoss["eal_flood"] == c.eal && p.hazardFatalities["fatalities_flood"] == c.fatalities)
            let unit = try #require(p.unit)
            eal[unit.name, default: 0] += p.eal!
            deaths[unit.name, default: 0] += p.fatalities!
        }
        for row in try csvRows(dir.file("out/districts.csv")) {
            let name = row["name"]!
            #expect(abs(eal[name]! / Double(row["eal"]!)! - 1) < 1e-5, "\(name)")
            #expect(abs(deaths[name]! / Double(row["expected_fatalities"]!)! - 1) < 1e-5, "\(name)")
        }
        #expect(try view.point(lon: 0, lat: 0) == nil)
        #expect(try view.point(lon: .nan, lat: 10) == nil)
    }

    @Test func anAreaSumsTheCellsWhoseCentreItHolds() throws {
        let (dir, view) = try Self.finishedSample()
        defer { withExtendedLifetime(dir) {} }
        let e = view.extent
        let everything = try view.area(.polygon(Polygon(exterior: [Position(e.minX, e.minY), Position(e.maxX, e.minY), Position(e.maxX, e.maxY),
                                                                   Position(e.minX, e.maxY), Position(e.minX, e.minY)])))
        #expect(everything.cells == 15 && everything.levelCells.reduce(0, +) == 15)
        #expect(abs(everything.eal - 15 * 67.5) < 1e-3 && everything.hazardLoss.count == 1)
        #expect(everything.residents == nil && everything.shelters.isEmpty)   // the sample runs no coverage
        // Each unit's own shape gives that unit's row of the table.
        let rows = try csvRows(dir.file("out/districts.csv"))
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("out/districts.geojson")))) as! [String: Any]
        for f in root["features"] as! [[String: Any]] {
            let name = (f["properties"] as! [String: Any])["name"] as! String
            let ring = ((f["geometry"] as! [String: Any])["coordinates"] as! [[[Double]]])[0].map { Position($0[0], $0[1]) }
            let a = try view.area(.polygon(Polygon(exterior: ring)))
            let row = try #require(rows.first { $0["name"] == name })
            #expect(abs(a.eal - Double(row["eal"]!)!) < 1e-3, "\(name)")
            #expect(abs(a.fatalities / Double(row["expected_fatalities"]!)! - 1) < 1e-5, "\(name)")
        }
        #expect(throws: CensusError.self) { try view.area(.point(Position(e.minX, e.minY))) }
    }

    @Test func anUnfinishedFolderIsNamed() throws {
        let dir = TempDir(create: true)
        #expect {
            _ = try CensusView(folder: dir.path)
        } throws: { error in
            guard case .missingFile(_, let path) = error as? CensusError else { return false }
            return path.contains("provenance.json")
        }
    }
}
