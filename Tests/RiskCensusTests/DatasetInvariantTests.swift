import Foundation
import Testing
@testable import RiskCensus

/// The invariants the bundled datasets promise in their READMEs, checked on the committed files.
private let datasets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("datasets").path

private func files(_ dataset: String, ext: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: "\(datasets)/\(dataset)")
        .filter { $0.hasSuffix("." + ext) }.sorted().map { "\(datasets)/\(dataset)/\($0)" }
}

private func band(_ path: String, _ index: Int = 1) throws -> RasterBuffer<Double> {
    try RasterDataset(path: path).readBand(index)
}

private func sum(_ b: RasterBuffer<Double>, where keep: (Int) -> Bool = { _ in true }) -> Double {
    var s = 0.0
    for i in b.values.indices where keep(i) && !b.values[i].isNaN { s += b.values[i] }
    return s
}

private func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }

/// Checks that each depth raster is ≥ the previous one in every cell (NaN only where both are).
private func expectMonotone(_ paths: [String]) throws {
    var previous: RasterBuffer<Double>?
    for p in paths {
        let d = try band(p)
        if let prev = previous {
            var violations = 0
            for i in d.values.indices where !(d.values[i] >= prev.values[i]) && !(d.values[i].isNaN && prev.values[i].isNaN) {
                violations += 1
            }
            #expect(violations == 0, "\(p): \(violations) cells shallower than the shorter return period")
        }
        previous = d
    }
}

private func dataFileSize(_ dataset: String) throws -> Int {
    let dir = "\(datasets)/\(dataset)"
    var total = 0
    for case let name as String in FileManager.default.enumerator(atPath: dir)! {
        total += (try FileManager.default.attributesOfItem(atPath: "\(dir)/\(name)")[.size] as? Int) ?? 0
    }
    return total
}

@Suite struct ChangzhouDatasetTests {
    let dir = "\(datasets)/changzhou"

    @Test func everyRasterIsOnTheSameEPSG4549Grid() throws {
        let reference = try RasterDataset(path: "\(dir)/population.tif").georeferencedGrid()
        #expect(reference.crs?.epsg == 4549 && reference.transform.pixelWidth == 100)
        let rasters = try files("changzhou", ext: "tif")
        #expect(rasters.count == 20)
        for p in rasters {
            let ds = try RasterDataset(path: p)
            let g = try ds.georeferencedGrid()
            #expect(g.crs?.epsg == 4549, "\(p)")
            #expect(g.transform == reference.transform && g.width == reference.width && g.height == reference.height, "\(p)")
            #expect(try !ds.band(1).units.isEmpty, "\(p) states no units")
        }
    }

    @Test func populationMatchesTheCensusTotalsAndNobodyLivesOnWater() throws {
        let pop = try band("\(dir)/population.tif")
        let codes = try band("\(dir)/district_code.tif")
        let water = try band("\(dir)/water.tif")
        #expect(relativeError(sum(pop), 5_278_121) < 1e-6)
        let census: [Double: Double] = [320402: 668_906, 320404: 658_537, 320411: 883_125,
                                        320412: 1_697_380, 320413: 585_081, 320481: 785_092]
        for (code, total) in census {
            #expect(relativeError(sum(pop) { codes.values[$0] == code }, total) < 1e-6, "district \(Int(code))")
        }
        #expect(sum(pop) { water.values[$0] == 1 } == 0)
        // Outside the city (district code nodata, read as NaN) the population is unknown, never zero.
        #expect(pop.values.indices.allSatisfy { codes.values[$0].isNaN == pop.values[$0].isNaN })
        #expect(pop.statistics().unknownCount > 0)
    }

    @Test func gdpSumsToThe2020Figure() throws {
        #expect(relativeError(sum(try band("\(dir)/gdp.tif")), 7805.3e8) < 1e-6)
    }

    @Test func floodDepthsGrowWithTheReturnPeriod() throws {
        try expectMonotone([10, 20, 50, 100, 200].map { "\(dir)/flood_depth_rp\($0).tif" })
        try expectMonotone([10, 50, 100].map { "\(dir)/wind_gust_rp\($0).tif" })
        let d200 = try band("\(dir)/flood_depth_rp200.tif")
        #expect(d200.statistics().max! < 5 && d200.statistics().min! >= 0)
    }

    @Test func terrainAndEarthquakeScenarioHaveTheirDocumentedRange() throws {
        let codes = try band("\(dir)/district_code.tif")
        let z = try band("\(dir)/elevation.tif")
        var top = -Double.infinity
        for i in z.values.indices where !codes.values[i].isNaN { top = max(top, z.values[i]) }
        #expect(abs(top - 541) < 0.01)
        let intensity = try band("\(dir)/eq_liyang1979_intensity.tif").statistics()
        // Epicentral intensity VIII: 6.046 + 1.48·6 − 2.08·ln 25 = 8.231 on the long axis.
        #expect(abs(intensity.max! - 8.231) < 0.001 && intensity.min! >= 4)
        let pga = try band("\(dir)/eq_liyang1979_pga.tif").statistics()
        // GB/T 17742-2020 inverted at I = 8.231: 10^((8.231 − 6.59)/3.17) / 9.80665 g.
        #expect(abs(pga.max! - pow(10, (8.231 - 6.59) / 3.17) / 9.80665) < 1e-3)
    }

    @Test func buildingPointsAggregateToTheFloorAreaRaster() throws {
        let ds = try RasterDataset(path: "\(dir)/buildings_floor_area.tif")
        #expect(ds.bandCount == 5)
        #expect(try ds.bands().map(\.description) == ["steel", "reinforced_concrete", "brick_concrete", "brick_wood", "other"])
        let grid = try ds.georeferencedGrid()
        let codes = try band("\(dir)/district_code.tif")
        var total = RasterBuffer<Double>(width: grid.width, height: grid.height, fill: 0)
        for b in 1...5 {
            let layer = try band("\(dir)/buildings_floor_area.tif", b)
            for i in total.values.indices where codes.values[i] == 320402 && !layer.values[i].isNaN { total.values[i] += layer.values[i] }
        }
        let layer = try VectorDataset(path: "\(dir)/buildings_tianning.gpkg").layer(named: "buildings")
        #expect(layer.crs?.epsg == 4549)
        #expect(layer.fields.map(\.name) == ["id", "structure", "floors", "year_built", "use", "floor_area_m2"])
        var fromPoints = RasterBuffer<Double>(width: grid.width, height: grid.height, fill: 0)
        try layer.forEachFeature { f in
            guard case .point(let p)? = f.geometry, let cell = grid.cell(containing: p.x, p.y),
                  let area = f.attributes["floor_area_m2"]?.doubleValue else { return }
            fromPoints[cell.col, cell.row] += area
        }
        // Cell by cell (cell-contains-point rule): the raster stores 0.1 m² steps in Float32.
        var worst = 0.0
        for i in total.values.indices where total.values[i] > 0 { worst = max(worst, abs(total.values[i] - fromPoints.values[i])) }
        #expect(worst < 1)
        #expect(relativeError(fromPoints.statistics().sum, total.statistics().sum) < 1e-6)
    }

    @Test func roadNetworkIsOneConnectedComponent() throws {
        let layer = try VectorDataset(path: "\(dir)/roads.gpkg").layer(named: "roads")
        #expect(layer.crs?.epsg == 4549)
        var parent: [Int64: Int64] = [:]
        func find(_ x: Int64) -> Int64 {
            var r = x
            while let p = parent[r], p != r { r = p }
            return r
        }
        var classes = Set<String>()
        try layer.forEachFeature { f in
            guard let a = f.attributes["from_node"], case .integer(let u) = a,
                  let b = f.attributes["to_node"], case .integer(let v) = b else { return }
            parent[u] = parent[u] ?? u
            parent[v] = parent[v] ?? v
            parent[find(u)] = find(v)
            classes.insert(f.attributes["class"]?.stringValue ?? "")
        }
        #expect(Set(parent.keys.map(find)).count == 1)
        #expect(classes == ["expressway", "arterial", "collector"])
    }

    @Test func pointLayersHaveTheirDocumentedCounts() throws {
        func count(_ name: String) throws -> Int { try VectorDataset(path: "\(dir)/\(name)").layer(at: 0).featureCount() }
        #expect(try count("fire_stations.geojson") == 43)
        #expect(try count("shelters.geojson") == 300)
        #expect(try count("shelter_candidates.geojson") == 200)
        let shelters = try VectorDataset(path: "\(dir)/shelters.geojson").layer(at: 0).features()
        #expect(Set(shelters.compactMap { $0.attributes["category"]?.stringValue }) == ["紧急", "固定", "中心"])
        #expect(shelters.allSatisfy { ($0.attributes["effective_area_m2"]?.doubleValue ?? 0) > 0 })
    }

    @Test func curvesAreMonotoneAndWithinZeroAndOne() throws {
        for (name, key, value) in [("flood_depth_damage", 1, 2), ("wind_damage", 1, 2)] {
            let rows = try String(contentsOfFile: "\(dir)/curves/\(name).csv", encoding: .utf8)
                .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
            var last: [String: (Double, Double)] = [:]
            for r in rows {
                let x = Double(r[key])!, y = Double(r[value])!
                #expect((0...1).contains(y), "\(name): \(r)")
                if let (px, py) = last[r[0]] { #expect(x > px && y >= py, "\(name): \(r)") }
                last[r[0]] = (x, y)
            }
            #expect(last.count == 5)
        }
        let dpm = try String(contentsOfFile: "\(dir)/curves/eq_damage_probability.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        for r in dpm {
            let p = r[2...].map { Double($0)! }
            #expect(abs(p.reduce(0, +) - 1) < 1e-3 && p.allSatisfy { $0 >= 0 }, "\(r)")
        }
    }

    @Test func datasetIsSmall() throws {
        #expect(try dataFileSize("changzhou") < 40_000_000)
    }
}

@Suite struct OlindaDatasetTests {
    let dir = "\(datasets)/olinda"

    @Test func everyRasterIsOnTheDEMGrid() throws {
        let dem = try RasterDataset(path: "\(dir)/olinda_dem_utm25s.tif").georeferencedGrid()
        for p in try files("olinda", ext: "tif") {
            let g = try RasterDataset(path: p).georeferencedGrid()
            #expect(g.transform == dem.transform && g.width == 111 && g.height == 111, "\(p)")
            #expect(try g.crs!.isEquivalent(to: dem.crs!), "\(p)")
        }
    }

    @Test func populationConservesTheTractTotalAndAvoidsTheSea() throws {
        let tracts = try VectorDataset(path: "\(dir)/olinda_census_tracts_2010.geojson").layer(at: 0).features()
        #expect(tracts.count == 470)
        let census = tracts.compactMap { $0.attributes["V014"]?.doubleValue }.reduce(0, +)
        #expect(census == 377_779)
        let pop = try band("\(dir)/population.tif")
        #expect(relativeError(sum(pop), census) < 1e-6)
        let sea = try band("\(dir)/water.tif")
        #expect(sum(pop) { sea.values[$0] == 1 } == 0)
    }

    @Test func coastalFloodIsConnectedAndMonotone() throws {
        let paths = [10, 50, 100, 500].map { "\(dir)/flood_depth_rp\($0).tif" }
        try expectMonotone(paths)
        let z = try band("\(dir)/olinda_dem_utm25s.tif")
        let sea = try band("\(dir)/water.tif")
        let d500 = try band(paths[3])
        // A plain threshold at the 500-year level (5.0 m) would flood far more land than the
        // connected bathtub does.
        let flooded = z.values.indices.filter { sea.values[$0] == 0 && d500.values[$0] > 0 }.count
        let belowLevel = z.values.indices.filter { sea.values[$0] == 0 && z.values[$0] < 5.0 }.count
        #expect(flooded > 0 && flooded < belowLevel)
        // Depth is level − terrain where flooded.
        for i in z.values.indices where sea.values[i] == 0 && d500.values[i] > 0 {
            #expect(abs(d500.values[i] - (5.0 - z.values[i])) < 1e-3)
        }
    }

    @Test func datasetIsSmall() throws {
        #expect(try dataFileSize("olinda") < 40_000_000)
    }
}

@Suite struct DatasetInspectTests {
    /// Every layer of every bundled dataset opens and reports a CRS.
    @Test(arguments: ["changzhou", "olinda"])
    func inspectOpensEveryLayerWithItsCRS(dataset: String) throws {
        let paths = try ["tif", "geojson", "gpkg"].flatMap { try files(dataset, ext: $0) }
        #expect(paths.count >= 6)
        for p in paths {
            let d = try DatasetInspector.describe(p)
            #expect(d.crs.name != "none", "\(p) reports no CRS")
        }
    }
}
