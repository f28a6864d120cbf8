import Foundation
import Testing
@testable import RiskCensus
import RiskCore
import RiskGeo





private func run(_ hazards: String, cellSize: Int = 100, combination: String = "weighted_sum") throws -> (TempDir, CensusResult) {
    let dir = TempDir()
    let manifest = try LevelHazardFixture.write(into: dir.path, hazards: hazards, cellSize: cellSize, combination: combination)
    return (dir, try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 2))
}

/// The error a plan or run of these hazards gives.
private func failure(_ hazards: String, prepare: (TempDir) throws -> Void = { _ in }) throws -> CensusError? {
    let dir = TempDir()
    let manifest = try LevelHazardFixture.write(into: dir.path, hazards: hazards)
    try prepare(dir)
    do {
        _ = try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 1)
        return nil
    } catch {
        return error
    }
}

/// Progress messages of a run, collected from its callback.
private final class Messages: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ m: String) { lock.withLock { list.append(m) } }
    var all: [String] { lock.withLock { list } }
}

@Suite struct LevelHazardTests {
    let both = LevelHazardFixture.flood + "\n" + LevelHazardFixture.geological()

    @Test func derivedFactorStatisticsAreTheInventoryCounts() throws {
        let (dir, _) = try run(both)
        let rows = try csvRows(dir.file("out/geological_factors.csv"))
        // Every factor's classes cover the same known cells: the 400 of the region.
        for f in ["slope", "lithology", "river"] {
            let mine = rows.filter { $0["factor"] == f }
            #expect(mine.reduce(0) { $0 + Int($1["cells"]!)! } == 400)
            // Training events: 10 − ⌊0.3 · 10⌋ = 7, each counted once per factor.
            #expect(mine.reduce(0) { $0 + Int($1["events"]!)! } == 7)
            for r in mine {
                // I_j = ln((N_j / N) / (S_j / S)), with half an event for an empty class.
                let nj = Double(r["events"]!)!, sj = Double(r["cells"]!)!
                let iv = log(max(nj, 0.5) / 7 / (sj / 400))
                #expect(abs(Double(r["information_value"]!)! - iv) < 1e-12)
                #expect(abs(Double(r["frequency_ratio"]!)! - nj / 7 / (sj / 400)) < 1e-12)
            }
        }
        // Lithology: 200 soft cells (rows 0–9) hold every event.
        let soft = try #require(rows.first { $0["factor"] == "lithology" && $0["class_name"] == "soft" })
        #expect(soft["cells"] == "200" && soft["events"] == "7")
        let v = try jsonObject(dir.file("out/geological_validation.json"))
        let val = try #require(v["validation"] as? [String: Any])
        #expect(val["events_inside"] as? Int == 10 && val["training_events"] as? Int == 7 && val["held_out_events"] as? Int == 3)
        // Events on steep soft rock far from the river: a score far better than chance.
        #expect((val["success_rate_auc"] as! Double) > 0.8)
        #expect((val["prediction_rate_auc"] as! Double) > 0.8)
        let top = try #require(val["top_two_levels"] as? [String: Double])
        #expect(top["event_share"]! > top["area_share"]!)
    }

    @Test func levelsAddUpAndFollowTheMatrix() throws {
        let (dir, result) = try run(both)
        let rows = try csvRows(dir.file("out/districts.csv"))
        let total = rows.reduce(0.0) { $0 + Double($1["population"]!)! }
        #expect(total == (0..<20).flatMap { r in (0..<20).map { LevelHazardFixture.population(col: $0, row: r) } }.reduce(0, +))
        for d in rows {
            // Every cell has a hazard level and a risk level; residents per level add up to the unit's.
            let pop = Double(d["population"]!)!, cells = Int(d["cells"]!)!
            #expect((1...4).reduce(0) { $0 + Int(d["cells_geological_hazard_level_\($1)"]!)! } == cells)
            #expect(abs((1...4).reduce(0.0) { $0 + Double(d["residents_geological_hazard_level_\($1)"]!)! } - pop) < 1e-6)
            #expect((1...5).reduce(0) { $0 + Int(d["cells_geological_level_\($1)"]!)! } == cells)
            #expect(abs((1...5).reduce(0.0) { $0 + Double(d["residents_geological_level_\($1)"]!)! } - pop) < 1e-6)
            // A level hazard has no loss columns.
            #expect(d["eal_geological"] == nil && d["fatalities_geological"] == nil)
        }
        #expect(result.files.contains("risk_level_geological.tif"))
        // Each cell's risk level is the matrix's entry for its hazard level and the vulnerability
        // level of its exposure term E, recomputed here from provenance's normalisation.
        let prov = try jsonObject(dir.file("out/provenance.json"))
        let norm = ((prov["parameters"] as! [String: Any])["normalization"] as! [String: Any])
        func scaled(_ x: Double, _ n: [String: Any]) -> Double {
            let t = (n["log"] as! Bool) ? log1p(max(x, 0)) : x
            let lo = n["min"] as! Double, hi = n["max"] as! Double
            return hi > lo ? min(1, max(0, (t - lo) / (hi - lo))) : 1
        }
        let matrix = [[1, 1, 2, 2], [1, 2, 2, 3], [2, 3, 3, 4], [3, 4, 4, 5]]
        var checked = 0
        for c in try features(dir.file("out/risk_cells.geojson")) {
            let e = 0.5 * scaled(c["population"] as! Double, norm["population"] as! [String: Any])
                + 0.5 * scaled(c["exposed_value"] as! Double, norm["value"] as! [String: Any])
            let breaks = [0.25, 0.5, 0.75]
            guard breaks.allSatisfy({ abs($0 - e) > 1e-6 }) else { continue }
            let v = 4 - breaks.filter { e > $0 }.count
            let h = c["hazard_level_geological"] as! Int
            #expect(c["level_geological"] as? Int == matrix[h - 1][v - 1], "cell \(c["cell"]!)")
            checked += 1
        }
        #expect(checked > 350)
    }

    @Test func comprehensiveLevelIsTheRuleOverSingleLevels() throws {
        let (dir, _) = try run(both, combination: "comprehensive_level")
        var raised = 0
        for c in try features(dir.file("out/risk_cells.geojson")) {
            let f = try #require(c["level_flood"] as? Int), g = try #require(c["level_geological"] as? Int)
            // The highest single level, raised one when both are at II or above.
            let expected = f <= 2 && g <= 2 ? max(1, min(f, g) - 1) : min(f, g)
            #expect(c["level"] as? Int == expected)
            if f <= 2 && g <= 2 && min(f, g) > 1 { raised += 1 }
        }
        #expect(raised > 0)
        let d = try csvRows(dir.file("out/districts.csv"))
        // Under the rule, every hazard has single-hazard levels, the flood too.
        #expect(d.allSatisfy { r in (1...5).reduce(0) { $0 + Int(r["cells_flood_level_\($1)"]!)! } == Int(r["cells"]!)! })
    }

    @Test func residentsPerHazardLevelDoNotDependOnTheCellSize() throws {
        let (fine, _) = try run(both)
        let (coarse, _) = try run(both, cellSize: 200)
        func residents(_ dir: TempDir) throws -> [Double] {
            let rows = try csvRows(dir.file("out/districts.csv"))
            return (1...4).map { l in rows.reduce(0.0) { $0 + Double($1["residents_geological_hazard_level_\(l)"]!)! } }
        }
        let a = try residents(fine), b = try residents(coarse)
        for l in 0..<4 { #expect(abs(a[l] - b[l]) < 1e-6, "level \(l + 1): \(a[l]) at 100 m, \(b[l]) at 200 m") }
    }

    @Test func weightedOverlayWithEntropyWeights() throws {
        let g = LevelHazardFixture.geological(method: "weighted_overlay", matrix: nil)
            .replacingOccurrences(of: "breaks: [10, 20]}", with: "breaks: [10, 20], scores: [1, 2, 3]}")
            .replacingOccurrences(of: "classes: [{name: soft, values: [1]}, {name: hard, values: [2]}]",
                                  with: "classes: [{name: soft, values: [1]}, {name: hard, values: [2]}]\n            scores: [2, 1]")
            .replacingOccurrences(of: "breaks: [300, 800]}", with: "breaks: [300, 800], scores: [3, 2, 1]}")
            .replacingOccurrences(of: "classification: {method: quantile}", with: "entropy: true\n        classification: {method: quantile}")
        let (dir, _) = try run(LevelHazardFixture.flood + "\n" + g)
        let rows = try csvRows(dir.file("out/geological_factors.csv"))
        let weights = Dictionary(grouping: rows, by: { $0["factor"]! }).mapValues { Double($0[0]["factor_weight"]!)! }
        #expect(abs(weights.values.reduce(0, +) - 1) < 1e-9)
        // Normalised class scores: lithology soft 1, hard 0.
        #expect(rows.first { $0["class_name"] == "soft" }?["class_score"] == "1")
        #expect(rows.first { $0["class_name"] == "hard" }?["class_score"] == "0")
        // Without a matrix, the level comes from classifying R_h.
        let d = try csvRows(dir.file("out/districts.csv"))
        #expect(d.allSatisfy { r in (1...5).reduce(0) { $0 + Int(r["cells_geological_level_\($1)"]!)! } == Int(r["cells"]!)! })
    }

    @Test func aResumedRunDerivesAgainWhenItsFilesWereChanged() throws {
        let dir = TempDir("levels")
        let manifest = try LevelHazardFixture.write(into: dir.path, hazards: both)
        let census = try Census(manifestPath: manifest)
        _ = try census.run(outputDirectory: dir.file("out"), threads: 1)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("out/districts.csv")))
        let levels = try Data(contentsOf: URL(fileURLWithPath: dir.file("out/geological_hazard_level.tif")))
        // Untouched: the step is up to date.
        let quiet = Messages()
        _ = try census.run(outputDirectory: dir.file("out"), threads: 1) { quiet.add($0) }
        #expect(quiet.all.contains { $0.contains("derivation of geological: up to date") })
        // A validation record that is no JSON and a changed levels file: derived again.
        try "} not json".write(toFile: dir.file("out/geological_validation.json"), atomically: true, encoding: .utf8)
        try Data(levels.prefix(levels.count / 2)).write(to: URL(fileURLWithPath: dir.file("out/geological_hazard_level.tif")))
        let again = Messages()
        _ = try census.run(outputDirectory: dir.file("out"), threads: 1) { again.add($0) }
        #expect(again.all.contains { $0.hasPrefix("derivation of geological: information_value") })
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("out/geological_hazard_level.tif"))) == levels)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("out/districts.csv"))) == before)
        _ = try jsonObject(dir.file("out/provenance.json"))
    }

    // MARK: Bad input

    @Test func hazardWeightsAreOnlyForTheWeightedSum() throws {
        let dir = TempDir()
        let manifest = try LevelHazardFixture.write(into: dir.path, hazards: both, combination: "comprehensive_level")
        let yaml = try String(contentsOfFile: manifest, encoding: .utf8)
            .replacingOccurrences(of: "index: {combination: comprehensive_level}", with: "index: {combination: comprehensive_level, weights: {flood: 0.5, geological: 0.5}}")
        try yaml.write(toFile: manifest, atomically: true, encoding: .utf8)
        do {
            _ = try Census(manifestPath: manifest)
            Issue.record("weights under comprehensive_level must be refused")
        } catch {
            guard case .manifest(_, let key, let message) = error else { Issue.record("expected a manifest error, got \(error)"); return }
            #expect(key == "index.weights" && message.contains("weighted_sum"))
        }
    }

    @Test func inventoryWithNoEventInsideTheRegionIsBadData() throws {
        let e = try failure(LevelHazardFixture.flood + "\n" + LevelHazardFixture.geological(inventory: "far.geojson")) { dir in
            try GeoJSONFileWriter.write([Feature(geometry: .point(Position(600_000, 3_600_000)), attributes: Attributes())],
                                        from: .epsg(4549), to: dir.file("far.geojson"), options: GeoJSONOptions(precision: 9))
        }
        guard case .badData(let file, let message)? = e else { Issue.record("expected bad data, got \(String(describing: e))"); return }
        #expect(file.hasSuffix("far.geojson") && message.contains("inventory") && message.contains("inside the region"))
        #expect(e!.exitCode == 3)
    }

    @Test func factorClassWithZeroAreaIsBadData() throws {
        let e = try failure(LevelHazardFixture.flood + "\n" + LevelHazardFixture.geological(slopeBreaks: "[10, 20, 80]"))
        guard case .badData(let file, let message)? = e else { Issue.record("expected bad data, got \(String(describing: e))"); return }
        #expect(file.hasSuffix("dem.tif") && message.contains("factors[0]") && message.contains("≥ 80") && message.contains("zero area"))
    }

    @Test func matrixOfTheWrongShapeNamesTheKey() throws {
        let e = try failure(LevelHazardFixture.flood + "\n" + LevelHazardFixture.geological(matrix: "[[1, 2], [2, 3], [3, 4]]"))
        guard case .manifest(_, let key, let message)? = e else { Issue.record("expected a manifest error, got \(String(describing: e))"); return }
        #expect(key == "hazards[1].risk_matrix.matrix" && message.contains("3 rows") && message.contains("4"))
        #expect(e!.exitCode == 2)
        let ragged = try failure(LevelHazardFixture.flood + "\n" + LevelHazardFixture.geological(matrix: "[[1, 2], [2, 3], [3, 4], [4]]"))
        guard case .manifest(_, let k2, _)? = ragged else { Issue.record("expected a manifest error"); return }
        #expect(k2 == "hazards[1].risk_matrix.matrix")
    }

    @Test func levelsOutsideTheMatrixAreRefused() throws {
        // A matrix entry that is no risk level.
        let e = try failure(LevelHazardFixture.flood + "\n" + LevelHazardFixture.geological(matrix: "[[1, 1], [2, 6], [3, 3], [4, 4]]"))
        guard case .manifest(_, let key, let message)? = e else { Issue.record("expected a manifest error, got \(String(describing: e))"); return }
        #expect(key == "hazards[1].risk_matrix.matrix" && message.contains("6"))
        // A levels raster holding a level beyond the count.
        let given = """
          - id: geological
            units: level
            levels: {count: 4, path: levels.tif}
            risk_matrix: {matrix: \(LevelHazardFixture.matrix)}
        """
        let raster = try failure(LevelHazardFixture.flood + "\n" + given) { dir in
            let grid = GridSpec(transform: .northUp(west: LevelHazardFixture.west, north: LevelHazardFixture.north, cellWidth: 100, cellHeight: 100),
                                width: 20, height: 20, crs: .epsg(4549))
            try GeoTIFFWriter.write(RasterBuffer<Double>(width: 20, height: 20, values: (0..<400).map { $0 == 210 ? 7 : Double(1 + $0 % 4) }), grid: grid,
                                    to: dir.file("levels.tif"), options: RasterWriteOptions(units: "level", dataType: .float64))
        }
        guard case .badData(let file, let m)? = raster else { Issue.record("expected bad data, got \(String(describing: raster))"); return }
        #expect(file.hasSuffix("levels.tif") && m.contains("value 7") && m.contains("1…4"))
    }
}

@Suite struct LevelHazardMapTests {
    @Test func renderDrawsHazardAndRiskLevelMaps() throws {
        let (dir, _) = try run(LevelHazardFixture.flood + "\n" + LevelHazardFixture.geological(), combination: "comprehensive_level")
        let files = try ResultMaps(folder: dir.file("out")).renderAll()
        for f in ["map_hazard_geological.png", "map_risk_level_geological.png", "map_risk_level_flood.png", "map_risk_levels.svg", "map_hazard_flood.png"] {
            #expect(files.contains(f), "\(f) missing from \(files)")
        }
        let rule = (try jsonObject(dir.file("out/provenance.json"))["parameters"] as! [String: Any])["levels_rule"] as? String
        #expect(rule?.hasPrefix("comprehensive_level") == true)
    }
}
