import Foundation
import Testing
@testable import RiskCensus
import RiskCore
import RiskGeo

private let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path




@Suite struct CensusRunTests {
    @Test func sampleCensusGivesTheHandWorkedValues() throws {
        let dir = TempDir()
        let manifest = try SampleCensus.write(into: dir.path)
        let result = try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 2)
        #expect(result.cellsWithData == 15 && result.cellsUnknown == 1)
        let rows = try csvRows(dir.file("out/districts.csv"))
        let west = try #require(rows.first { $0["name"] == "West" }), east = try #require(rows.first { $0["name"] == "East" })
        // Each known cell: EAL = ½(0.5·1000 + 1.0·1000)(0.1 − 0.01) = 67.5 CNY. West has the unknown cell.
        #expect(abs(Double(west["eal"]!)! - 7 * 67.5) < 1e-6)
        #expect(abs(Double(east["eal"]!)! - 8 * 67.5) < 1e-6)
        #expect(west["unknown_cells"] == "1" && east["unknown_cells"] == "0")
        // Population 10 + i per cell i: west columns 0–1 sum to 132, east to 148, including the
        // cell whose hazard is unknown (people there are known).
        #expect(Double(west["population"]!) == 132 && Double(east["population"]!) == 148)
        // Fatalities: ½(0.0005 + 0.001)(0.09) per person = 6.75e-5, over the known cells only
        // (cells store Float32, hence the relative tolerance).
        let eastDeaths: Double = Double(east["expected_fatalities"]!)!, westDeaths: Double = Double(west["expected_fatalities"]!)!
        let eastExpected: Double = 148 * 6.75e-5, westExpected: Double = 113 * 6.75e-5
        #expect(abs(eastDeaths / eastExpected - 1) < 1e-6)
        #expect(abs(westDeaths / westExpected - 1) < 1e-6)
        #expect(abs(Double(east["eal_to_gdp"]!)! - 8 * 67.5 / 800_000) < 1e-12)
        let levels = (1...5).map { Int(east["cells_level_\($0)"]!)! + Int(west["cells_level_\($0)"]!)! }
        #expect(levels.reduce(0, +) == 15)
    }

    @Test func districtSumsEqualCellSums() throws {
        let dir = TempDir()
        let manifest = try SampleCensus.write(into: dir.path)
        _ = try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 1)
        let cells = try features(dir.file("out/risk_cells.geojson"))
        for d in try csvRows(dir.file("out/districts.csv")) {
            let mine = cells.filter { $0["district"] as? String == d["name"] }
            let eal = mine.reduce(0.0) { $0 + ($1["eal"] as! Double) }
            let pop = mine.reduce(0.0) { $0 + ($1["population"] as! Double) }
            #expect(abs(eal - Double(d["eal"]!)!) < 1e-6)
            // The district also counts people in its unknown cells, which have no cell feature.
            #expect(pop <= Double(d["population"]!)!)
            #expect(mine.count == (1...5).reduce(0) { $0 + Int(d["cells_level_\($1)"]!)! })
        }
    }

    @Test func outputsAreIdenticalAcrossThreadCountsAndRuns() throws {
        let dir = TempDir()
        let manifest = try SampleCensus.write(into: dir.path)
        for (name, threads) in [("a", 1), ("b", 2), ("c", 2)] {
            _ = try Census(manifestPath: manifest).run(outputDirectory: dir.file(name), threads: threads)
        }
        // The outputs; the batch's own files (catalog, tile store, lock) are not outputs.
        func outputs(_ d: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: d).filter { !$0.hasPrefix("catalog.sqlite") && $0 != "tiles" && $0 != ".riskcensus.lock" }.sorted()
        }
        let names = try outputs(dir.file("a"))
        #expect(names.contains("fatalities.tif") && names.contains("census.gpkg") && names.contains("risk_level.qml") && names.contains("risk_level.tif.aux.xml")
                && ["risk_zones.qml", "risk_cells.sld", "districts.qml", "eal.sld"].allSatisfy(names.contains))
        for other in ["b", "c"] {
            #expect(try outputs(dir.file(other)) == names)
            for n in names {
                var a = try Data(contentsOf: URL(fileURLWithPath: dir.file("a/\(n)")))
                var b = try Data(contentsOf: URL(fileURLWithPath: dir.file("\(other)/\(n)")))
                if n == "provenance.json" {
                    // Only the "run" block (threads, timings, memory) may differ.
                    func strip(_ d: Data) throws -> Data {
                        var o = try JSONSerialization.jsonObject(with: d) as! [String: Any]
                        o["run"] = nil
                        return try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
                    }
                    a = try strip(a)
                    b = try strip(b)
                }
                #expect(a == b, "\(other)/\(n) differs")
            }
        }
    }

    @Test func aCancelledRunStopsAndTheNextResumesToTheSameOutputs() throws {
        let dir = TempDir()
        let manifest = try SampleCensus.write(into: dir.path)
        let census = try Census(manifestPath: manifest)
        let flag = CancellationFlag()
        // Cancelled as pass 1 starts: the run stops with .cancelled and writes no outputs.
        #expect {
            _ = try census.run(outputDirectory: dir.file("a"), options: RunOptions(threads: 1, cancellation: flag)) { event in
                if case .tiles(let phase, _, _, _, _, _) = event, phase.contains("1") { flag.cancel() }
            }
        } throws: { ($0 as? CensusError).map { if case .cancelled = $0 { true } else { false } } ?? false }
        #expect(!FileManager.default.fileExists(atPath: dir.file("a/provenance.json")))
        // Run again without the flag: it resumes and gives a fresh run's outputs.
        _ = try census.run(outputDirectory: dir.file("a"), options: RunOptions(threads: 1)) { _ in }
        _ = try census.run(outputDirectory: dir.file("b"), options: RunOptions(threads: 1)) { _ in }
        for f in ["risk_level.tif", "risk_index.tif", "eal.tif", "fatalities.tif", "districts.csv"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("a/" + f))) == Data(contentsOf: URL(fileURLWithPath: dir.file("b/" + f))), "\(f)")
        }
    }

    @Test func changzhouDistrictsKeepTheCensusTotal() throws {
        let dir = TempDir()
        let result = try Census(manifestPath: repo + "/datasets/changzhou/census.yaml").run(outputDirectory: dir.path, threads: 2)
        let total = result.districts.reduce(0) { $0 + $1.population }
        #expect(abs(total - 5_278_121) / 5_278_121 < 1e-6)
        let csvTotal = try csvRows(dir.file("districts.csv")).reduce(0.0) { $0 + Double($1["population"]!)! }
        #expect(abs(csvTotal - 5_278_121) / 5_278_121 < 1e-6)
        let targets = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("plan_targets.json")))) as! [String: Any]
        #expect((targets["targets"] as! [[String: Any]]).map { $0["id"] as! String } == ["annual_loss_to_gdp", "annual_deaths_per_million", "fire_response_coverage"])
        // Coverage: per district the covered population never exceeds the population, the
        // districts add up to the census total, and the blind zones are there.
        let coverage = try csvRows(dir.file("coverage/districts.csv"))
        #expect(coverage.count == 6)
        let people = coverage.reduce(0.0) { $0 + Double($1["population"]!)! }
        #expect(abs(people - 5_278_121) / 5_278_121 < 1e-6)
        for d in coverage {
            #expect(Double(d["covered"]!)! <= Double(d["population"]!)! + 1e-6 && Double(d["served"]!)! <= Double(d["covered"]!)! + 1e-6)
            #expect(Double(d["blind_zone_km2"]!)! >= 0 && Double(d["deficit_persons"]!)! >= 0)
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("coverage/summary.json")))) as! [String: Any]
        let access = summary["accessibility"] as! [String: Any]
        #expect(abs((access["sum_demand_times_access"] as! Double) - (access["sum_supply_with_demand"] as! Double)) < 1e-6 * (access["sum_supply_with_demand"] as! Double))
        #expect((summary["siting"] as! [String: Any])["optimal"] as? Bool == true)
        #expect(FileManager.default.fileExists(atPath: dir.file("coverage/blind_zones.geojson")))
        let prov = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("provenance.json")))) as! [String: Any]
        #expect((prov["inputs_sha256"] as! [String: String]).count >= 20)
        // The peak is the whole test process's; AddressSanitizer's shadow memory and quarantine
        // (make leakcheck) roughly double it.
        let sanitized = ProcessInfo.processInfo.environment["ASAN_OPTIONS"] != nil
        #expect(((prov["run"] as! [String: Any])["peak_memory_bytes"] as! Double) < (sanitized ? 3e9 : 1.5e9))
    }
}

/// The error, if any, of planning the sample census after `mutate` rewrote its manifest (given
/// the manifest's text and its folder).
func sampleManifestFailure(_ mutate: (String, String) throws -> String) throws -> CensusError? {
    let dir = TempDir()
    let path = try SampleCensus.write(into: dir.path)
    let yaml = try mutate(try String(contentsOfFile: path, encoding: .utf8), dir.path)
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    do {
        _ = try Census(manifestPath: path)
        return nil
    } catch {
        return error
    }
}

/// Each kind of manifest problem gives its own message and exit code.
@Suite struct ManifestErrorTests {
    private func failure(_ mutate: (String, String) throws -> String) throws -> CensusError? {
        try sampleManifestFailure(mutate)
    }

    @Test func missingKeyIsExitTwoNamingTheKey() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "    units: m\n", with: "") })
        #expect(e.exitCode == 2 && e.description.contains("hazards[0].units"))
    }

    @Test func wrongTypeIsExitTwo() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "cell_size: 100", with: "cell_size: large") })
        #expect(e.exitCode == 2 && e.description.contains("grid.cell_size"))
    }

    @Test func missingFileIsExitTwoNamingKeyAndFile() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "depth_rp100.tif", with: "nowhere.tif") })
        #expect(e.exitCode == 2 && e.description.contains("hazards[0].return_periods[1]") && e.description.contains("nowhere.tif"))
    }

    @Test func unreadableFileIsExitThreeNamingTheFile() throws {
        let e = try #require(try failure { y, dir in
            try Data("junk".utf8).write(to: URL(fileURLWithPath: dir + "/junk.tif"))
            return y.replacingOccurrences(of: "depth_rp100.tif", with: "junk.tif")
        })
        #expect(e.exitCode == 3 && e.description.contains("junk.tif"))
    }

    @Test func nonMonotoneCurveIsExitThreeNamingTheCSV() throws {
        let e = try #require(try failure { y, dir in
            try "class,depth_m,damage_ratio\nhouse,0,0\nhouse,0.5,0.8\nhouse,1,0.5\n".write(toFile: dir + "/damage.csv", atomically: true, encoding: .utf8)
            return y
        })
        #expect(e.exitCode == 3 && e.description.contains("damage.csv") && e.description.contains("must not fall"))
    }

    @Test func curveOutsideZeroOneIsExitThree() throws {
        let e = try #require(try failure { y, dir in
            try "class,depth_m,damage_ratio\nhouse,0,0\nhouse,1,1.5\n".write(toFile: dir + "/damage.csv", atomically: true, encoding: .utf8)
            return y
        })
        #expect(e.exitCode == 3 && e.description.contains("outside [0.0, 1.0]"))
    }

    @Test func inputWithoutCRSIsExitThree() throws {
        let e = try #require(try failure { y, dir in
            // An ESRI ASCII grid with no .prj has no CRS.
            try "ncols 4\nnrows 4\nxllcorner 500000\nyllcorner 3499600\ncellsize 100\n" .appending(String(repeating: "0.5 0.5 0.5 0.5\n", count: 4))
                .write(toFile: dir + "/nocrs.asc", atomically: true, encoding: .utf8)
            return y.replacingOccurrences(of: "depth_rp10.tif", with: "nocrs.asc")
        })
        #expect(e.exitCode == 3 && e.description.contains("nocrs.asc") && e.description.contains("coordinate reference system"))
    }

    @Test func yamlSyntaxErrorIsOneLineExitTwo() throws {
        let e = try #require(try failure { y, _ in y + "region: [\n" })
        #expect(e.exitCode == 2 && !e.description.contains("\n"))
    }

    @Test func repeatedReturnPeriodIsExitTwo() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "years: 100", with: "years: 10") })
        #expect(e.exitCode == 2 && e.description.contains("given twice"))
    }

    @Test func unknownCRSIsExitTwo() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "EPSG:4549", with: "EPSG:999999") })
        #expect(e.exitCode == 2 && e.description.contains("grid.crs"))
    }

    @Test func missingFieldIsExitTwo() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "name_field: name", with: "name_field: nom") })
        #expect(e.exitCode == 2 && e.description.contains("region.name_field") && e.description.contains("nom"))
    }

    @Test func weightsMustCoverHazardsAndSumToOne() throws {
        let e = try #require(try failure { y, _ in y + "index: {weights: {flood: 0.7}}\n" })
        #expect(e.exitCode == 2 && e.description.contains("index.weights"))
    }

    @Test func inconsistentAHPIsExitTwoWithItsRatio() throws {
        // The Changzhou manifest, with AHP hazard weights whose pairwise matrix is intransitive.
        let dir = TempDir()
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
        var yaml = try String(contentsOfFile: repo + "/datasets/changzhou/census.yaml", encoding: .utf8)
        let rows = ["[1, 9, 0.1111111111111111, 1, 1]", "[0.1111111111111111, 1, 9, 1, 1]", "[9, 0.1111111111111111, 1, 1, 1]", "[1, 1, 1, 1, 1]", "[1, 1, 1, 1, 1]"]
        let replaced = yaml.replacingOccurrences(of: "  combination: comprehensive_level", with: "  combination: weighted_sum\n  ahp:\n    order: [flood, wind, earthquake, geological, forest_fire]\n    matrix:\n"
                                                 + rows.map { "      - \($0)\n" }.joined())
        #expect(replaced != yaml)
        yaml = replaced
        try yaml.write(toFile: dir.file("census.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try Census(manifestPath: dir.file("census.yaml"), baseDirectory: repo + "/datasets/changzhou")
            Issue.record("an inconsistent AHP matrix must be refused")
        } catch {
            #expect(error.exitCode == 2 && error.description.contains("index.ahp.matrix") && error.description.contains("consistency ratio"))
        }
    }

    // Strict manifests: every slip is an error naming the key path, the line and the fix.

    @Test func misspeltKeyIsExitTwoWithLineAndNearestKey() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "cell_size: 100", with: "cell_sise: 100") })
        #expect(e.exitCode == 2)
        #expect(e.description.contains("grid.cell_sise") && e.description.contains("line ") && e.description.contains("did you mean cell_size?"))
    }

    @Test func unknownNestedKeyThatWouldChangeTheResultIsRefused() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "eal: {tail: none}", with: "eal: {tail: none, zero_damage_return_perod: 5}") })
        #expect(e.exitCode == 2 && e.description.contains("eal.zero_damage_return_perod") && e.description.contains("zero_damage_return_period"))
    }

    @Test func unknownKeyFarFromAnyListsTheKnownOnes() throws {
        let e = try #require(try failure { y, _ in y + "flavour: vanilla\n" })
        #expect(e.exitCode == 2 && e.description.contains("flavour") && e.description.contains("expected one of") && e.description.contains("hazards"))
    }

    @Test func aSecondBlockOfTheSameKeyIsRefusedNamingBothLines() throws {
        let e = try #require(try failure { y, _ in y + "grid:\n  crs: EPSG:4549\n  cell_size: 50\n" })
        #expect(e.exitCode == 2 && e.description.contains("grid") && e.description.contains("given twice (first on line"))
    }

    @Test func aWrongEnumerationListsTheChoices() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "method: quantile", with: "method: jenks") })
        #expect(e.exitCode == 2 && e.description.contains("classification.method"))
        #expect(e.description.contains("found \"jenks\"") && e.description.contains("natural_breaks, quantile, percentile, fixed"))
    }

    @Test func aRequiredKeyWithNoValueIsRefused() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "    units: m\n", with: "    units:\n") })
        #expect(e.exitCode == 2 && e.description.contains("hazards[0].units") && e.description.contains("has no value"))
    }

    @Test func aCellSizeSlipIsExitTwoNotAHugeAllocation() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "cell_size: 100", with: "cell_size: 0.0001") })
        #expect(e.exitCode == 2 && e.description.contains("grid.cell_size") && e.description.contains("at most"))
    }

    @Test func aGeographicGridIsExitTwo() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "\"EPSG:4549\"", with: "\"EPSG:4326\"") })
        #expect(e.exitCode == 2 && e.description.contains("grid.crs") && e.description.contains("not projected"))
    }

    @Test func aTruncatedRasterFailsValidationAsInspectDoes() throws {
        let e = try #require(try failure { y, dir in
            let whole = try Data(contentsOf: URL(fileURLWithPath: dir + "/depth_rp100.tif"))
            try whole.prefix(whole.count * 2 / 3).write(to: URL(fileURLWithPath: dir + "/cut.tif"))
            return y.replacingOccurrences(of: "depth_rp100.tif", with: "cut.tif")
        })
        #expect(e.exitCode == 3 && e.description.contains("cut.tif"))
    }

    @Test func textValuesKeepTheirSpelling() throws {
        let dir = TempDir()
        let path = try SampleCensus.write(into: dir.path)
        let yaml = try String(contentsOfFile: path, encoding: .utf8)
        let named = yaml.replacingOccurrences(of: "name: sample\n", with: "name: 007.10\n")
        #expect(try Manifest.decode(yaml: named, path: path).name == "007.10")
    }

    @Test func theBundledManifestsAreStrictlyValid() throws {
        for d in ["changzhou", "olinda"] {
            _ = try Manifest.load(repo + "/datasets/\(d)/census.yaml")
        }
    }

    /// docs/manifest.schema.json is what `riskcensus schema` prints; regenerate it with
    /// `riskcensus schema > docs/manifest.schema.json` when the manifest types change.
    @Test func thePublishedSchemaMatchesTheTypes() throws {
        let published = try String(contentsOfFile: repo + "/docs/manifest.schema.json", encoding: .utf8)
        #expect(published == Manifest.jsonSchema, "docs/manifest.schema.json is stale: run riskcensus schema > docs/manifest.schema.json")
        let schema = try JSONSerialization.jsonObject(with: Data(published.utf8)) as! [String: Any]
        let top = (schema["properties"] as! [String: Any]).keys.sorted()
        #expect(top.contains("plan_targets") && top.contains("coverage") && schema["additionalProperties"] as? Bool == false)
    }
}

/// Impossible values are bad input (exit 3) naming the file, the key and where, never a
/// silent negative or zero result.
@Suite struct ImpossibleValueTests {
    private func sample(_ dir: TempDir) throws -> String { try SampleCensus.write(into: dir.path) }

    private func tif(_ path: String, _ values: [Double], west: Double = SampleCensus.west) throws {
        let grid = GridSpec(transform: .northUp(west: west, north: SampleCensus.north, cellWidth: 100, cellHeight: 100),
                            width: 4, height: 4, crs: .epsg(4549))
        try GeoTIFFWriter.write(RasterBuffer<Double>(width: 4, height: 4, values: values), grid: grid, to: path,
                                options: RasterWriteOptions(units: "1", dataType: .float32))
    }

    private func runError(_ dir: TempDir, _ manifest: String) -> CensusError? {
        do {
            _ = try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 2)
            return nil
        } catch {
            return CensusError(wrapping: error)
        }
    }

    @Test func negativePopulationIsExitThreeNamingTheFileAndPlace() throws {
        let dir = TempDir()
        let manifest = try sample(dir)
        try tif(dir.file("population.tif"), (0..<16).map { $0 == 5 ? -120 : 10 })
        let e = try #require(runError(dir, manifest))
        #expect(e.exitCode == 3 && e.description.contains("population.tif") && e.description.contains("exposure.population"))
        #expect(e.description.contains("-120") && e.description.contains("≥ 0") && !e.description.contains("\n"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("out/districts.csv")))
    }

    @Test func negativeFloorAreaIsExitThree() throws {
        let dir = TempDir()
        let manifest = try sample(dir)
        try tif(dir.file("floor_area.tif"), (0..<16).map { $0 == 0 ? -3 : 1 })
        let e = try #require(runError(dir, manifest))
        #expect(e.exitCode == 3 && e.description.contains("floor_area.tif") && e.description.contains("class house"))
    }

    @Test func aHazardWithNoDataOverTheRegionIsExitThree() throws {
        let dir = TempDir()
        let manifest = try sample(dir)
        try tif(dir.file("depth_rp100.tif"), [Double](repeating: .nan, count: 16))
        let e = try #require(runError(dir, manifest))
        #expect(e.exitCode == 3 && e.description.contains("depth_rp100.tif") && e.description.contains("hazard flood") && e.description.contains("nodata"))
    }

    @Test func aLayerFarFromTheRegionFailsValidation() throws {
        let dir = TempDir()
        let manifest = try sample(dir)
        try tif(dir.file("depth_rp10.tif"), [Double](repeating: 0.5, count: 16), west: SampleCensus.west + 1_000_000)
        do {
            _ = try Census(manifestPath: manifest)
            Issue.record("a layer 1,000 km away must be refused")
        } catch {
            #expect(error.exitCode == 3 && error.description.contains("depth_rp10.tif") && error.description.contains("hazards[0].return_periods[0]")
                    && error.description.contains("does not overlap"))
        }
    }
}

/// Sanity findings: printed and recorded in provenance.json, with units told apart by code.
@Suite struct FindingTests {
    @Test func repeatedAndMissingUnitNamesAreReportedAndCellsCarryTheCode() throws {
        let dir = TempDir()
        let manifest = try SampleCensus.write(into: dir.path)
        // Both units named "Same", the second one with no name at all.
        var text = try String(contentsOfFile: dir.file("units.geojson"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"West\"", with: "\"Same\"").replacingOccurrences(of: "\"East\"", with: "\"Same\"")
        try text.write(toFile: dir.file("units.geojson"), atomically: true, encoding: .utf8)
        let warnings = WarningLog()
        _ = try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), options: RunOptions(threads: 2)) { e in
            if case .warning(let f) = e { warnings.add(f) }
        }
        let prov = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("out/provenance.json")))) as! [String: Any]
        let recorded = (prov["warnings"] as! [[String: Any]]).map { $0["code"] as! String }
        #expect(recorded.contains("repeated_unit_name"))
        #expect(warnings.all.map(\.code) == recorded)
        let cells = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("out/risk_cells.geojson")))) as! [String: Any]
        let codes = Set((cells["features"] as! [[String: Any]]).map { ($0["properties"] as! [String: Any])["district_code"] as! String })
        #expect(codes == ["W", "E"])
    }

    @Test func hazardLayersMuchCoarserOrFinerThanTheGridAreFindings() throws {
        let dir = TempDir()
        let plan = try Census(manifestPath: try SampleCensus.write(into: dir.path)).plan
        let paths = plan.hazards[0].layers.map(\.path)
        func codes(_ size: Double) -> [String] {
            CensusPlan.resolutionFindings(hazards: plan.hazards, sizes: Dictionary(uniqueKeysWithValues: paths.map { ($0, size) }), cell: 100).map(\.code)
        }
        #expect(codes(1000) == ["hazard_much_coarser"])
        #expect(codes(10) == ["hazard_much_finer"])
        #expect(codes(100).isEmpty && codes(20).isEmpty && codes(400).isEmpty)
        #expect(plan.findings.isEmpty)   // the sample's layers are on its grid
    }

    @Test func findingsFromFacts() {
        let zones = [CensusRunner.Zone(name: "", code: "1", geometry: nil), CensusRunner.Zone(name: "A", code: "2", geometry: nil),
                     CensusRunner.Zone(name: "A", code: "3", geometry: nil)]
        #expect(Findings.units(zones, nameField: "name").map(\.code) == ["unit_without_name", "repeated_unit_name"])
        #expect(Findings.emptyLevels([3, 0, 2, 0, 1]).first?.figures == ["level_2": 0, "level_4": 0])
        #expect(Findings.emptyLevels([1, 1, 1, 1, 1]).isEmpty)
        let tied = Findings.tiedBreaks(Classification.Result(breaks: [0, 0, 0.071, 0.159], histogramBinWidth: 0), method: "quantile")
        #expect(tied.count == 1 && tied[0].message.contains("4 levels remain, I, II, III, V"))
        // 0.05 % is rounding; 2 % is a finding, with its figures.
        #expect(Findings.onUnknownCells(population: 0.5, value: 0, totalPopulation: 1000, totalValue: 1, currency: "CNY").isEmpty)
        let f = Findings.onUnknownCells(population: 20, value: 0, totalPopulation: 1000, totalValue: 1, currency: "CNY")
        #expect(f.count == 1 && f[0].figures["share"] == 0.02 && f[0].figures["amount"] == 20)
    }
}

final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Finding] = []
    func add(_ f: Finding) { lock.withLock { items.append(f) } }
    var all: [Finding] { lock.withLock { items } }
}

/// The engine never deletes or overwrites what it did not make.
@Suite struct OwnFilesOnlyTests {
    @Test func onlyTheEnginesOwnTemporaryNamesOfGoneProcessesAreTemporaries() {
        #expect(CensusRunner.isOwnTemporary("districts.csv.tmp-2147483646"))
        #expect(CensusRunner.isOwnTemporary("census.gpkg.tmp-2147483646-journal"))
        #expect(CensusRunner.isOwnTemporary("risk_level.tif.tmp-2147483646.stage.tif"))
        #expect(CensusRunner.isOwnTemporary("risk_level.tif.tmp-2147483646.aux.xml"))
        #expect(!CensusRunner.isOwnTemporary("census.gpkg.tmp-2147483646-notes"))
        #expect(!CensusRunner.isOwnTemporary("thesis.tmp-final.docx"))
        #expect(!CensusRunner.isOwnTemporary("notes.txt.tmp-12"))
        #expect(!CensusRunner.isOwnTemporary("districts.csv.tmp-\(getpid())"))      // this very process
        #expect(!CensusRunner.isOwnTemporary("districts.csv.tmp-1"))                 // init: alive
    }

    @Test func aRunLeavesAUsersFilesAloneAndFreshRefusesForeignState() throws {
        let dir = TempDir()
        let manifest = try SampleCensus.write(into: dir.path)
        let out = dir.file("out")
        try FileManager.default.createDirectory(atPath: out + "/tiles", withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: out + "/thesis.tmp-final.docx"))
        try Data("mine".utf8).write(to: URL(fileURLWithPath: out + "/tiles/holiday.jpg"))
        do {
            _ = try Census(manifestPath: manifest).run(outputDirectory: out, options: RunOptions(threads: 1, fresh: true)) { _ in }
            Issue.record("--fresh must not delete a tiles/ folder holding someone else's files")
        } catch {
            #expect(error.description.contains("holiday.jpg"))
        }
        #expect(FileManager.default.fileExists(atPath: out + "/tiles/holiday.jpg"))
        try FileManager.default.removeItem(atPath: out + "/tiles/holiday.jpg")
        _ = try Census(manifestPath: manifest).run(outputDirectory: out, threads: 1)
        _ = try Census(manifestPath: manifest).run(outputDirectory: out, options: RunOptions(threads: 1, fresh: true)) { _ in }
        #expect(FileManager.default.fileExists(atPath: out + "/thesis.tmp-final.docx"))
        #expect(FileManager.default.fileExists(atPath: out + "/risk_level.tif"))
    }

    @Test func anOutputFolderHoldingAnInputOfAnOutputsNameIsRefused() throws {
        let dir = TempDir()
        let manifest = try SampleCensus.write(into: dir.path)
        try FileManager.default.copyItem(atPath: dir.file("units.geojson"), toPath: dir.file("districts.geojson"))
        let yaml = try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: "layer: units.geojson", with: "layer: districts.geojson")
        try yaml.write(toFile: manifest, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("districts.geojson")))
        do {
            _ = try Census(manifestPath: manifest).run(outputDirectory: dir.path, threads: 1)
            Issue.record("the input districts.geojson must not be overwritten")
        } catch {
            #expect(error.exitCode == 2 && error.description.contains("districts.geojson") && error.description.contains("overwrite"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("districts.geojson"))) == before)
        #expect(!FileManager.default.fileExists(atPath: dir.file("risk_level.tif")))
    }

    /// The styles and sidecars written beside the outputs count as outputs: an input called
    /// `risk_level.qml` (a population raster misnamed, say) in the output folder is refused too.
    @Test func anInputNamedLikeAStyleOrSidecarIsRefused() throws {
        let dir = TempDir()
        let manifest = try SampleCensus.write(into: dir.path)
        let yaml = try String(contentsOfFile: manifest, encoding: .utf8)
        let population = try #require(yaml.firstMatch(of: /population:\s*\{?\s*(?:path:\s*)?([A-Za-z0-9_.]+\.tif)/).map { String($0.1) })
        try FileManager.default.copyItem(atPath: dir.file(population), toPath: dir.file("census.gpkg"))
        try yaml.replacingOccurrences(of: population, with: "census.gpkg").write(toFile: manifest, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("census.gpkg")))
        do {
            _ = try Census(manifestPath: manifest).run(outputDirectory: dir.path, threads: 1)
            Issue.record("the input census.gpkg must not be overwritten")
        } catch {
            #expect(error.exitCode == 2 && error.description.contains("census.gpkg") && error.description.contains("overwrite"), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("census.gpkg"))) == before)
        #expect(CensusRunner.companions(of: ["risk_level.tif", "risk_zones.geojson", "districts.csv"])
                == ["risk_level.qml", "risk_level.sld", "risk_level.tif.aux.xml", "risk_zones.qml", "risk_zones.sld"])
    }
}

@Suite struct CensusGeoJSONTests {
    /// risk_cells and risk_zones are RFC 7946: WGS 84 ranges, closed counterclockwise exterior
    /// rings, no crs member; zones are valid polygons (GEOS) and cover exactly the classified cells.
    @Test func cellAndZoneLayersAreValid() throws {
        let dir = TempDir()
        let manifest = try SampleCensus.write(into: dir.path)
        _ = try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 1)
        let geos = GeosContext()
        for name in ["risk_cells.geojson", "risk_zones.geojson", "districts.geojson"] {
            let text = try String(contentsOfFile: dir.file("out/\(name)"), encoding: .utf8)
            let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
            #expect(root["crs"] == nil && root["riskcensus"] != nil, "\(name)")
            let layer = try VectorDataset(path: dir.file("out/\(name)")).layer(at: 0)
            #expect(layer.crs?.epsg == 4326)
            try layer.forEachFeature { (f: Feature) throws(GeoError) in
                guard let g = f.geometry else { return }
                let polygons: [Polygon]
                switch g {
                case .polygon(let p): polygons = [p]
                case .multiPolygon(let ps): polygons = ps
                default: Issue.record("\(name): \(g.typeName)"); return
                }
                for p in polygons {
                    #expect(RingOrientation.isCounterClockwise(p.exterior) && p.exterior.first == p.exterior.last, "\(name)")
                    #expect(p.exterior.allSatisfy { abs($0.x) <= 180 && abs($0.y) <= 90 })
                }
                let valid = try geos.geometry(g).isValid()
                #expect(valid, "\(name) feature \(f.id ?? -1) invalid")
            }
        }
        // Zones hold the same number of cells as the cell layer, level by level.
        let cells = try features(dir.file("out/risk_cells.geojson"))
        for zone in try features(dir.file("out/risk_zones.geojson")) {
            let level = zone["level"] as! Int
            #expect(zone["cells"] as! Int == cells.filter { $0["level"] as! Int == level }.count)
        }
    }
}
