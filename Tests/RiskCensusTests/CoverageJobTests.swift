import Foundation
import Testing
import RiskCore
import RiskOptimize
import Yams
@testable import RiskCensus

/// The coverage command's job on a hand-solved OD-matrix case, on geometry, and on bad input.
@Suite struct CoverageJobTests {
    final class Dir {
        let path = NSTemporaryDirectory() + "coverage-" + UUID().uuidString
        init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func file(_ n: String) -> String { path + "/" + n }
        func write(_ n: String, _ text: String) throws { try text.write(toFile: file(n), atomically: true, encoding: .utf8) }
    }

    /// d1 (100) reaches s1 at 300; d2 (50) s1 at 450; d3 (30) s2 at 200; the other pairs are
    /// beyond the 500 radius. s1 holds 120, s2 40.
    func odCase(_ d: Dir, supply: String = "id,capacity\ns1,120\ns2,40\n") throws -> CoverageJob {
        try d.write("demand.csv", "id,weight\nd1,100\nd2,50\nd3,30\n")
        try d.write("supply.csv", supply)
        try d.write("od.csv", "demand_id,supply_id,cost\nd1,s1,300\nd1,s2,700\nd2,s1,450\nd3,s2,200\nd3,s1,900\n")
        var job = CoverageJob(demandPath: d.file("demand.csv"))
        job.supplyPath = d.file("supply.csv")
        job.costMatrixPath = d.file("od.csv")
        job.radius = 500
        job.crs = .epsg(32650)
        job.accessibility = .uniform(radius: 500)
        return job
    }

    @Test func odMatrixCaseByHand() throws {
        let d = Dir()
        let o = try odCase(d).run(outputDirectory: d.file("out"))
        #expect(o.covered == [true, true, true])
        // Everyone to the nearest shelter in reach: s1 gets 150 of 120 (overflow 30), s2 30 of 40.
        #expect(o.nearestLoad == [150, 30] && o.demandInReach == [150, 30])
        // Exact assignment: s1 full with 120 of d1 and d2, s2 30 of d3: 150 served.
        #expect(abs(o.assignment.totalServed - 150) < 1e-9 && o.assignment.assigned == [120, 30])
        // 2SFCA: R1 = 120/150 = 0.8, R2 = 40/30; Σ P·A = 80 + 40 + 40 = 160 = total supply.
        let a = try #require(o.access)
        #expect(abs(a.access[0] - 0.8) < 1e-12 && abs(a.access[1] - 0.8) < 1e-12 && abs(a.access[2] - 4.0 / 3) < 1e-12)
        let supply = try String(contentsOfFile: d.file("out/supply.csv"), encoding: .utf8).split(separator: "\n")
        #expect(supply[0] == "id,capacity,demand_in_reach,assigned,load_ratio,overflow,category,area_m2,radius,below_min_area")
        #expect(supply[1].hasPrefix("s1,120,150,120,1.25,30,") && supply[2].hasPrefix("s2,40,30,30,0.75,0,"))
        let demand = try String(contentsOfFile: d.file("out/demand.csv"), encoding: .utf8).split(separator: "\n")
        #expect(demand[0] == "id,weight,covered,nearest_id,nearest_cost,assigned_id,access")
        #expect(demand[3] == "d3,30,1,s2,200,s2,1.3333333333333333")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d.file("out/summary.json")))) as? [String: Any])
        #expect(summary["coverage_rate"] as? Double == 1 && summary["deficit_persons"] as? Double == 20)
        #expect(summary["overflowing_facilities"] as? Double == 1)
    }

    /// Ids as real census data writes them (leading zeros, dots, long digit strings, a leading
    /// `#`) stay text from the CSV inputs through the OD matrix to the outputs, and a candidates
    /// file of ids only serves every uncapacitated siting model.
    @Test func idsStayTextAndUncapacitatedSitingNeedsNoCapacity() throws {
        let d = Dir()
        try d.write("demand.csv", "id,weight\n060816029.00,120\n060816030.01,80\n#d3,50\n12345678901234567890,10\n")
        try d.write("candidates.csv", "id\n0001\n0002\n")
        try d.write("od.csv", "demand_id,supply_id,cost\n060816029.00,0001,500\n060816030.01,0001,900\n060816030.01,0002,300\n#d3,0002,200\n12345678901234567890,0002,100\n")
        for model in [SitingModel.lscp, .mclp, .pmedian, .pcenter] {
            var job = CoverageJob(demandPath: d.file("demand.csv"))
            job.candidatesPath = d.file("candidates.csv")
            job.costMatrixPath = d.file("od.csv")
            job.radius = 1000
            job.crs = .epsg(32650)
            job.siting = model
            job.p = 2
            let o = try job.run(outputDirectory: d.file("out-\(model.rawValue)"))
            #expect(o.demand.ids.map { $0 } == ["060816029.00", "060816030.01", "#d3", "12345678901234567890"])
            #expect(o.candidates.ids.map { $0 } == ["0001", "0002"])
            let siting = try String(contentsOfFile: d.file("out-\(model.rawValue)/siting.csv"), encoding: .utf8)
            #expect(siting == "id,selected\n0001,1\n0002,1\n", "\(model)")
            let demand = try String(contentsOfFile: d.file("out-\(model.rawValue)/demand.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").first.map(String.init) ?? "" }
            #expect(demand == ["id", "060816029.00", "060816030.01", "#d3", "12345678901234567890"])
        }
        // p-median by hand: 120 × 500 + 80 × 300 + 50 × 200 + 10 × 100.
        var job = CoverageJob(demandPath: d.file("demand.csv"))
        job.candidatesPath = d.file("candidates.csv")
        job.costMatrixPath = d.file("od.csv")
        job.crs = .epsg(32650)
        job.siting = .pmedian
        job.p = 2
        #expect(try job.run(outputDirectory: d.file("out-check")).siting?.objective == 95_000)
        // The capacitated form still needs capacities, and says so.
        job.siting = .mclp
        job.capacitated = true
        #expect { try job.run(outputDirectory: d.file("out-cap")) } throws: { e in
            "\(e)".contains("candidates.csv") && "\(e)".contains("neither capacity nor area_m2") && "\(e)".contains("capacity is needed")
        }
        // With p = 1 no single site reaches every unit: a data error that says so, not a solver failure.
        job.siting = .pmedian
        job.capacitated = false
        job.p = 1
        #expect { try job.run(outputDirectory: d.file("out-p1")) } throws: { e in
            (e as? CensusError)?.exitCode == 3 && "\(e)".contains("reaches every demand unit")
        }
    }

    @Test func sitingThroughTheJob() throws {
        // Candidates c1 (d1 at 100, d2 at 200) and c2 (d3 at 100) beside the existing s1 and s2.
        // Radius 150: d2's nearest site is c1 at 200, so LSCP must name d2 as uncoverable.
        let d = Dir()
        var job = try odCase(d)
        try d.write("candidates.csv", "id,capacity\nc1,500\nc2,500\n")
        try d.write("od.csv", "demand_id,supply_id,cost\nd1,s1,300\nd2,s1,450\nd3,s2,200\nd1,c1,100\nd2,c1,200\nd3,c2,100\n")
        job.candidatesPath = d.file("candidates.csv")
        job.radius = 150
        job.siting = .lscp
        do {
            _ = try job.run(outputDirectory: d.file("lscp"))
            Issue.record("LSCP should fail")
        } catch {
            #expect(error.exitCode == 3 && error.description.contains("d2") && error.description.contains("cannot cover"), "\(error)")
        }
        // Radius 250: c1 covers d1 and d2, the existing s2 covers d3 (200): LSCP needs only c1.
        job.radius = 250
        let lscp = try job.run(outputDirectory: d.file("lscp"))
        #expect(lscp.siting?.selected == [2] && lscp.siting?.objective == 1 && lscp.siting?.optimal == true)
        #expect(try String(contentsOfFile: d.file("lscp/siting.csv"), encoding: .utf8) == "id,selected\nc1,1\nc2,0\n")
        // p-median, p = 1: with c1, d1 → 100, d2 → 200, d3 → s2 at 200: 100·100 + 50·200 + 30·200 = 26,000;
        // with c2: d1 → 300, d2 → 450, d3 → 100: 30,000 + 22,500 + 3,000 = 55,500. c1 wins.
        job.siting = .pmedian
        job.p = 1
        let pm = try job.run(outputDirectory: d.file("pmedian"))
        #expect(pm.siting?.selected == [2] && pm.siting?.objective == 26_000)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d.file("pmedian/summary.json")))) as? [String: Any])
        let siting = try #require(summary["siting"] as? [String: Any])
        #expect(siting["model"] as? String == "pmedian" && siting["selected"] as? [String] == ["c1"] && siting["optimal"] as? Bool == true)
        job.p = 3
        #expect(throws: CensusError.self) { try job.run(outputDirectory: d.file("p3")) }
    }

    @Test func geometryCaseFindsTheBlindZone() throws {
        // A 4 × 1 strip of 100 m cells with 10 people each; one shelter at the west end covers
        // the two cells whose centres lie within 150 m.
        let d = Dir()
        let grid = GridSpec(transform: .northUp(west: 500_000, north: 3_500_100, cellWidth: 100, cellHeight: 100), width: 4, height: 1, crs: .epsg(32650))
        try GeoTIFFWriter.write(RasterBuffer<Double>(width: 4, height: 1, values: [10, 10, 10, 10]), grid: grid, to: d.file("pop.tif"),
                                options: RasterWriteOptions(units: "persons", dataType: .float64))
        try d.write("shelters.csv", "id,capacity,x,y\nA,100,500000,3500050\n")
        var job = CoverageJob(demandPath: d.file("pop.tif"))
        job.supplyPath = d.file("shelters.csv")
        job.inputCRS = .epsg(32650)
        job.radius = 160
        let o = try job.run(outputDirectory: d.file("out"))
        #expect(o.covered == [true, true, false, false])
        let blind = try String(contentsOfFile: d.file("out/blind_zones.geojson"), encoding: .utf8)
        #expect(blind.contains("\"cells\":2") && blind.contains("\"area_km2\":0.02"))
        #expect(FileManager.default.fileExists(atPath: d.file("out/coverage_cells.geojson")) && FileManager.default.fileExists(atPath: d.file("out/shelters.geojson")))
        // Each layer with its QGIS and SLD style beside it.
        for style in ["coverage_cells.qml", "coverage_cells.sld", "shelters.qml", "shelters.sld", "blind_zones.qml", "blind_zones.sld"] {
            #expect(FileManager.default.fileExists(atPath: d.file("out/" + style)), "\(style) missing")
        }
        #expect(try String(contentsOfFile: d.file("out/shelters.qml"), encoding: .utf8).contains("attr=\"overflow\""))
        let table = try String(contentsOfFile: d.file("out/demand.csv"), encoding: .utf8)
        #expect(table == "id,weight,covered,nearest_id,nearest_cost,assigned_id,access\n"
                + "r0c0,10,1,A,50,A,\nr0c1,10,1,A,150,A,\nr0c2,10,0,A,250,,\nr0c3,10,0,A,350,,\n")
        // The per-unit files are switched one by one; the summary says which were written.
        job.writeCells = false
        _ = try job.run(outputDirectory: d.file("no-cells"))
        #expect(FileManager.default.fileExists(atPath: d.file("no-cells/demand.csv")))
        #expect(!FileManager.default.fileExists(atPath: d.file("no-cells/coverage_cells.geojson")))
        job.writeDemandTable = false
        _ = try job.run(outputDirectory: d.file("neither"))
        #expect(!FileManager.default.fileExists(atPath: d.file("neither/demand.csv")))
        let summary = try String(contentsOfFile: d.file("neither/summary.json"), encoding: .utf8)
        #expect(summary.contains("\"per_unit_files\": \"none\""))
    }

    /// Raster demand is read in the file's precision (Float32 as Float32; a Float64 value no
    /// Float32 holds stays exact), row by row on all cores: populated cells only, in row-major
    /// order, nodata and zero cells left out, each at its cell centre.
    @Test func rasterDemandKeepsItsValuesAndOrder() throws {
        let d = Dir()
        let (w, h) = (37, 29)
        let grid = GridSpec(transform: .northUp(west: 500_000, north: 3_500_000, cellWidth: 100, cellHeight: 100), width: w, height: h, crs: .epsg(32650))
        var values = (0..<w * h).map { g in g % 5 == 0 ? 0 : Double(g % 97) + 0.25 }
        values[3] = .nan
        values[w * h - 2] = 16_777_217.5   // not a Float32
        for type in [RasterDataType.float32, .float64] {
            let path = d.file("pop-\(type).tif")
            var options = RasterWriteOptions(units: "persons", dataType: type)
            options.nodata = -1
            try GeoTIFFWriter.write(RasterBuffer<Double>(width: w, height: h, values: values), grid: grid, to: path, options: options)
            let units = try CoverageInputs.demand(path, weightField: "weight", crs: .epsg(32650), assumed: .epsg(32650))
            let expected = values.indices.filter { values[$0].isFinite && values[$0] > 0 }
            #expect(units.cells == expected)
            #expect(units.weights == expected.map { type == .float32 ? Double(Float(values[$0])) : values[$0] })
            #expect(Array(units.ids.prefix(3)) == ["r0c1", "r0c2", "r0c4"])
            let g = expected[100]
            #expect(units.positions?[100] == Position(500_000 + (Double(g % w) + 0.5) * 100, 3_500_000 - (Double(g / w) + 0.5) * 100))
        }
    }

    @Test func districtsMinimumAreaAndOverrides() throws {
        // The 4 × 1 strip again, split into districts W (the two western cells) and E. Shelter A
        // (500 m², below the emergency minimum of 1,000 m²) holds 500 / 2 = 250 persons with
        // --area-per-person 2 and covers the two western cells.
        let d = Dir()
        let grid = GridSpec(transform: .northUp(west: 500_000, north: 3_500_100, cellWidth: 100, cellHeight: 100), width: 4, height: 1, crs: .epsg(32650))
        try GeoTIFFWriter.write(RasterBuffer<Double>(width: 4, height: 1, values: [10, 10, 10, 10]), grid: grid, to: d.file("pop.tif"),
                                options: RasterWriteOptions(units: "persons", dataType: .float64))
        try d.write("shelters.csv", "id,area_m2,x,y\nA,500,500010,3500050\n")
        try d.write("districts.csv", """
        name,code,wkt
        W,1,"POLYGON((500000 3500000,500200 3500000,500200 3500100,500000 3500100,500000 3500000))"
        E,2,"POLYGON((500200 3500000,500400 3500000,500400 3500100,500200 3500100,500200 3500000))"
        """)
        var job = CoverageJob(demandPath: d.file("pop.tif"))
        job.supplyPath = d.file("shelters.csv")
        job.inputCRS = .epsg(32650)
        job.radius = 160
        job.areaPerPerson = 2
        job.districtsPath = d.file("districts.csv")
        let o = try job.run(outputDirectory: d.file("out"))
        #expect(o.supply.capacity == [250] && o.belowMinimumArea == [true])
        let rows = try String(contentsOfFile: d.file("out/districts.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows[0] == "name,code,population,covered,coverage_rate,served,capacity,area_m2,per_capita_area_m2,deficit_persons,deficit_m2,blind_zone_km2")
        // W: 20 people, all covered and served, 500 m² → 25 m²/person, no deficit. E: 20 people,
        // none covered, no shelter: deficit 20 persons and 40 m², blind zone 2 cells = 0.02 km².
        #expect(rows[1] == "W,1,20,20,1,20,250,500,25,0,0,0")
        #expect(rows[2] == "E,2,20,0,0,0,0,0,0,20,40,0.02")
    }

    /// The manifest's `coverage` section and the command's options decode into one
    /// specification, and one function makes the job: E2SFCA and the shelter cost are there for both.
    @Test func oneSpecificationForManifestAndCommand() throws {
        let yaml = """
        shelters: s.geojson
        accessibility: e2sfca
        bands: [{limit: 1000, weight: 1}, {limit: 2000, weight: 0.5}]
        shelter_cost: euclidean
        siting: {model: mclp, p: 2, seconds: 5}
        candidates: c.geojson
        """
        let tree = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let spec = try JSONDecoder().decode(CoverageSpec.self, from: JSONSerialization.data(withJSONObject: tree.reduce(into: [String: Any]()) { d, kv in
            d[kv.key.split(separator: "_").enumerated().map { $0 == 0 ? String($1) : $1.capitalized }.joined()] = kv.value
        }))
        let job = try spec.job(demandPath: "d.tif", file: { p, _ in p }, fail: { k, m in .manifest(file: "m", key: k, message: m) })
        #expect(job.euclideanShelters && job.siting == .mclp && job.p == 2 && job.sitingSeconds == 5)
        guard case .bands(let b)? = job.accessibility else { Issue.record("expected E2SFCA bands"); return }
        #expect(b.map(\.limit) == [1000, 2000] && b.map(\.weight) == [1, 0.5])
        var bad = spec
        bad.bands = [CoverageSpec.Band(limit: 2000, weight: 1), CoverageSpec.Band(limit: 1000, weight: 1)]
        #expect(throws: CensusError.self) { _ = try bad.job(demandPath: "d.tif", file: { p, _ in p }, fail: { k, m in .manifest(file: "m", key: k, message: m) }) }
        bad = spec
        bad.siting?.model = .lscp
        bad.siting?.capacitated = true
        do {
            _ = try bad.job(demandPath: "d.tif", file: { p, _ in p }, fail: { k, m in .manifest(file: "m", key: "coverage.\(k)", message: m) })
            Issue.record("capacitated LSCP must be refused")
        } catch {
            #expect(error.description.contains("coverage.siting.capacitated"))
        }
    }

    @Test func badInputNamesTheFileAndTheProblem() throws {
        let cases: [(String, String, String)] = [
            ("supply.csv", "id,capacity\ns1,-120\ns2,40\n", "must be ≥ 0"),
            ("od.csv", "demand_id,supply_id,cost\nd1,s1,300\nd9,s1,5\n", "line 3, column demand_id: \"d9\" is not a demand unit"),
            ("od.csv", "demand_id,supply_id,cost\nd1,s7,300\n", "line 2, column supply_id: \"s7\" is not a facility"),
            ("od.csv", "demand_id,supply_id,cost\nd1,s1,-3\n", "column cost: must be ≥ 0"),
            ("supply.csv", "id,capacity,category\ns1,120,bunker\ns2,40,\n", "unknown category \"bunker\""),
            ("supply.csv", "id,type\ns1,park\ns2,school\n", "neither capacity nor area_m2"),
        ]
        for (file, text, needle) in cases {
            let d = Dir()
            let job = try odCase(d)
            try d.write(file, text)
            do {
                _ = try job.run(outputDirectory: d.file("out"))
                Issue.record("\(needle): should fail")
            } catch {
                #expect(error.exitCode == 3 && error.description.contains(needle) && error.description.contains(d.path), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: d.file("out/summary.json")))
        }
    }
}
