import Foundation
import RiskCore
import RiskGeo
import RiskMaps

/// Writes a run's outputs from the tile store, one tile at a time in tile order, so memory
/// follows the tile size and the files' bytes do not depend on which tiles finished first.
/// Every file goes to a temporary name and is renamed when complete.
struct OutputWriter {
    let plan: CensusPlan
    let out: String
    let grid: GridSpec
    let zones: [CensusRunner.Zone]
    let regionCRS: CRS
    let breaks: Classification.Result
    /// Breaks of each classified hazard's R_h into its single-hazard levels.
    var hazardBreaks: [Int: Classification.Result] = [:]
    /// The region's units at every level; nil writes the finest level only.
    var units: UnitHierarchy?
    /// Each derived hazard's derivation record (its validation file), by hazard id.
    var derivations: [String: String] = [:]
    /// The coverage step's fire response coverage, checked against the 100 % target.
    var fireCoverageRate: Double? = nil
    private(set) var files: [String] = []
    private(set) var districts: [DistrictSummary] = []

    init(plan: CensusPlan, out: String, grid: GridSpec, zones: [CensusRunner.Zone], regionCRS: CRS, breaks: Classification.Result) {
        self.plan = plan
        self.out = out
        self.grid = grid
        self.zones = zones
        self.regionCRS = regionCRS
        self.breaks = breaks
    }

    /// A tile's arrays: pass-1 exposure, pass-1 per hazard, pass 2.
    typealias TileArrays = (exposure: ExposureTile, hazards: [HazardTile], index: IndexTile)

    struct Summary {
        var districts: [DistrictSummary]
        var withData: Int
        var unknown: Int
        /// Population and value inside the region on cells whose level is unknown.
        var unknownExposure: (population: Double, value: Double)
    }

    private var currency: String { plan.currency }
    private var precision: Int { plan.outputs.precision }

    private func path(_ name: String) -> String { (out as NSString).appendingPathComponent(name) }

    mutating func writeAll(_ readTile: @escaping @Sendable (Int) throws -> TileArrays) throws -> Summary {
        let meta = ["RISKCENSUS_ENGINE": EngineInfo.version, "RISKCENSUS_MANIFEST": plan.name,
                    "NODATA_MEANING": "outside the region or unknown (an input was nodata); never zero"]
        var levelOptions = ResultRasters.classes(units: "level (1 = I highest risk … 5 = V lowest)", LevelStyle.riskLevels,
                                                 description: "composite risk level (I 高 … V 低)")
        levelOptions.metadata = meta.merging(plan.comprehensiveLevel
            ? ["LEVELS": "comprehensive_level: the highest single-hazard level, raised one when two or more hazards are at II or above"]
            : ["BREAKS": breaks.breaks.map { "\($0)" }.joined(separator: ",")]) { a, _ in a }
        var indexOptions = ResultRasters.values(units: "1 (dimensionless composite risk index)")
        indexOptions.metadata = meta
        indexOptions.bandDescription = "risk_index"
        // eal.tif and fatalities.tif: band 1 the total over the probabilistic hazards, then one
        // band per hazard with losses (a scenario's loss per event), named by its table column.
        let lossHazards = plan.hazards.filter(\.hasLosses)
        var ealOptions = ResultRasters.values(units: "\(currency)/year")
        ealOptions.metadata = meta
        ealOptions.bandDescription = "eal"
        ealOptions.moreBands = lossHazards.map { .init(description: $0.lossColumn, units: $0.isScenario ? "\(currency) per event" : "\(currency)/year") }
        var fatalOptions = ResultRasters.values(units: "persons/year")
        fatalOptions.metadata = meta
        fatalOptions.bandDescription = "fatalities"
        fatalOptions.moreBands = lossHazards.map { .init(description: $0.fatalitiesColumn, units: $0.isScenario ? "persons per event" : "persons/year") }
        let levelTIF = try GeoTIFFStream(path: path("risk_level.tif"), grid: grid, options: levelOptions)
        let indexTIF = try GeoTIFFStream(path: path("risk_index.tif"), grid: grid, options: indexOptions)
        let ealTIF = try GeoTIFFStream(path: path("eal.tif"), grid: grid, options: ealOptions)
        let fatalTIF = try GeoTIFFStream(path: path("fatalities.tif"), grid: grid, options: fatalOptions)
        // One level raster per levelled hazard.
        var hazardTIFs: [(Int, GeoTIFFStream)] = []
        for k in plan.levelledHazards {
            var o = ResultRasters.classes(units: "level (1 = I highest risk … 5 = V lowest)", LevelStyle.riskLevels,
                                          description: "\(plan.hazards[k].id) single-hazard risk level")
            o.metadata = meta.merging(["RISKCENSUS_HAZARD": plan.hazards[k].id,
                                       "LEVELS": plan.hazards[k].levels?.matrix != nil ? "risk matrix (hazard level × vulnerability level)"
                                           : "breaks of R_h: " + (hazardBreaks[k]?.breaks.map { "\($0)" }.joined(separator: ",") ?? "")]) { a, _ in a }
            hazardTIFs.append((k, try GeoTIFFStream(path: path(Self.hazardLevelFile(plan.hazards[k].id)), grid: grid, options: o)))
        }
        let cells = try plan.outputs.cellsGeoJSON ? CellGeoJSONWriter(
            path: path("risk_cells.geojson"), grid: grid, precision: precision, foreignMembers: [provenanceMember]) : nil
        let package = try GeoPackageWriter(path: path(Self.packageFile))
        let cellLayer = try plan.outputs.cells
            ? CellLayerWriter(package: package, name: "cells", grid: grid, fields: TileOutputs.CellKeys(plan).all,
                              strings: zones.map(\.name) + zones.map(\.code)) : nil
        let h = plan.hazards.count
        let tally = Tally(districts: zones.map {
            var d = DistrictSummary(name: $0.name, code: $0.code, hazardLoss: [Double](repeating: 0, count: h),
                                    hazardFatalities: [Double](repeating: 0, count: h))
            for k in plan.levelledHazards { d.hazardLevels[k] = DistrictSummary.LevelCounts(hazardLevels: plan.hazards[k].levels?.count ?? 0) }
            return d
        }, annual: plan.hazards.map { !$0.isScenario }, grid: grid, keepLevels: plan.outputs.zones)
        let make = TileOutputs.Maker(plan: plan, grid: grid, breaks: breaks.breaks, hazardBreaks: hazardBreaks.mapValues(\.breaks),
                                     zoneNames: zones.map(\.name), zoneCodes: zones.map(\.code),
                                     cells: cells.map(Unshared.init), cellLayer: cellLayer)
        let streams = Unshared((levelTIF, indexTIF, ealTIF, fatalTIF, hazardTIFs))
        // Tiles are read and summed (and their cell features formatted) on all workers, and
        // written one at a time in tile order, so the files do not depend on the threads.
        try OrderedWork.run(plan.tiles.count) { t in
            try make.outputs(tile: t, try readTile(t))
        } consume: { t, o in
            let w = make.plan.tiles[t]
            let (levelTIF, indexTIF, ealTIF, fatalTIF, hazardTIFs) = streams.value
            try levelTIF.write(o.level.map { Float($0) }, window: w)
            for (k, tif) in hazardTIFs { try tif.write(o.hazardLevels[k]!.level.map { Float($0) }, window: w) }
            try indexTIF.write(o.index, window: w)
            try ealTIF.write(o.eal, window: w)
            try fatalTIF.write(o.fatalitiesTotal, window: w)
            for (j, values) in o.cellLoss.enumerated() { try ealTIF.write(values, window: w, band: j + 2) }
            for (j, values) in o.cellFatalities.enumerated() { try fatalTIF.write(values, window: w, band: j + 2) }
            if let f = o.features { try make.cells?.value.append(f) }
            if let r = o.cellRows { try make.cellLayer?.append(r) }
            tally.add(o, window: w)
        }
        let (districts, withData, unknown) = (tally.districts, tally.withData, tally.unknown)
        let unknownExposure = (tally.unknownPopulation, tally.unknownValue)
        self.districts = districts
        files += plan.hazards.filter { $0.levels?.derivation != nil }.flatMap { h -> [String] in
            let f = CensusPlan.derivedFiles(h.id)
            return [f.index, f.levels, f.levels + ".aux.xml", f.factors, f.validation]
        }
        // The vector outputs (zones, units, plan targets, the package) are written on one
        // worker while the rasters become COGs on the others: the zones are made from the
        // levels in memory, not from the finished file, and nothing vector waits for a raster.
        let counts = (1...5).map { l in districts.reduce(0) { $0 + $1.levelCells[l - 1] } }
        let maxima = ["eal.tif": tally.ealMax, "fatalities.tif": tally.fatalitiesMax].compactMapValues { $0 }
        let vectorWriter = Unshared((self, cells, package))   // used by that worker alone from here
        let levels = tally.levels
        let vectorsWritten = Background { () throws -> [String] in
            var (w, cells, package) = vectorWriter.value
            try cells?.finish()
            if cells != nil { w.files.append("risk_cells.geojson") }
            if w.plan.outputs.zones {
                try w.writeZones(levels: levels, counts: counts)
                w.files.append("risk_zones.geojson")
            }
            try w.writeDistricts()
            try w.writePlanTargets()
            w.files += w.plan.region.levelNames.flatMap { ["\($0).geojson", "\($0).csv"] } + ["plan_targets.json"]
            try w.writePackage(package)
            w.files.append(Self.packageFile)
            return w.files
        }
        // Each raster becomes a COG (its overviews, its compression) on its own worker: most of
        // the COG driver's copy runs on one thread, so the rasters go side by side.
        let finishing = Unshared([levelTIF, indexTIF, ealTIF, fatalTIF] + hazardTIFs.map(\.1))
        let finished = Result {
            try OrderedWork.run(finishing.value.count) { k in try finishing.value[k].finish() } consume: { _, _ in }
        }
        files = try vectorsWritten.value()
        try finished.get()
        let rasters = ["risk_level.tif", "risk_index.tif", "eal.tif", "fatalities.tif"] + plan.levelledHazards.map { Self.hazardLevelFile(plan.hazards[$0].id) }
        files += rasters + ["risk_level.tif.aux.xml"] + plan.levelledHazards.map { Self.hazardLevelFile(plan.hazards[$0].id) + ".aux.xml" }
        try writeRasterStyles(rasters, maxima: maxima)
        return Summary(districts: districts, withData: withData, unknown: unknown, unknownExposure: unknownExposure)
    }

    /// How hazard k's levels were made and read, for provenance; null for an intensity hazard
    /// without single-hazard levels.
    private func levelsRecord(_ k: Int, _ h: CensusPlan.Hazard) -> JSONValue {
        var r: [String: JSONValue] = [:]
        if let lv = h.levels {
            r["hazard_levels"] = .number(Double(lv.count))
            r["hazard_level_rule"] = .string("a cell's hazard level is the majority of its compute cells' (ties to the more severe); residents per level are counted on the compute cells")
            r["derivation"] = derivations[h.id].map { .raw($0) } ?? .null
            if let m = lv.matrix {
                r["risk_matrix"] = .array(m.levels.map { .array($0.map { .number(Double($0)) }) })
                r["vulnerability_breaks"] = .array(lv.vulnerabilityBreaks.map { .number($0) })
                r["vulnerability"] = .string("the exposure term E of the index on [0, 1], cut by vulnerability_breaks; level 1 above the last break")
            }
        }
        guard plan.levelledHazards.contains(k) else { return r.isEmpty ? .null : .object(r) }
        r["single_hazard_levels"] = .string(h.levels?.matrix != nil ? "risk matrix" : "\(plan.classificationName) breaks of R_h")
        if let b = hazardBreaks[k] { r["breaks"] = .array(b.breaks.map { .number($0) }) }
        r["raster"] = .string(Self.hazardLevelFile(h.id))
        return .object(r)
    }

    /// The GeoPackage of the run's layers, styled.
    static let packageFile = "census.gpkg"

    /// The coverage step's layers that `census.gpkg` holds and that carry styles.
    static let coverageLayers = [("shelters", "coverage/shelters.geojson"), ("blind_zones", "coverage/blind_zones.geojson"),
                                 ("siting", "coverage/siting.geojson")]
    /// The coverage step's raster, styled too.
    static let coverageRasters = ["coverage/residents.tif"]

    private var styles: ResultStyles { ResultStyles(folder: out, plan: plan, breaks: plan.comprehensiveLevel ? [] : breaks.breaks) }

    /// `census.gpkg` and `.qml`/`.sld` beside every GeoJSON: the cells (already streamed into
    /// `package`), zones, units at every level and the coverage layers, copied from the GeoJSON
    /// files (so their fields are the same), each with its style as the default.
    private mutating func writePackage(_ package: GeoPackageWriter) throws {
        let styles = styles
        let coverage = Self.coverageLayers.map(\.1).filter { FileManager.default.fileExists(atPath: path($0)) }
        let sidecars = try styles.writeSidecars(for: (files + coverage).filter { $0.hasSuffix(".geojson") })
        files += sidecars.files
        var layers: [(String, String)] = plan.outputs.zones ? [("zones", "risk_zones.geojson")] : []
        layers += plan.region.levelNames.map { ($0, "\($0).geojson") }
        layers += Self.coverageLayers.filter { coverage.contains($0.1) }
        for (layer, file) in layers { try package.copyLayer(from: path(file), as: layer) }
        if plan.outputs.cells, let s = try styles.style(for: "risk_cells.geojson") {
            try package.addStyle(layer: "cells", name: "cells", qml: s.qml, sld: s.sld, description: "risk level I–V per cell")
        }
        for (layer, file) in layers {
            guard let s = sidecars.styles[file] else { continue }
            try package.addStyle(layer: layer, name: layer, qml: s.qml, sld: s.sld, description: "RiskCensus style of \(file)")
        }
        try package.finish()
    }

    /// `.qml` and `.sld` beside the result rasters, the derived hazards' and the coverage
    /// step's; `maxima` gives the largest values the run tallied, so EAL and fatalities are
    /// not read back for their scales.
    private mutating func writeRasterStyles(_ rasters: [String], maxima: [String: Double]) throws {
        var styles = styles
        styles.maxima = maxima
        let others = (files + Self.coverageRasters).filter { $0.hasSuffix(".tif") && !rasters.contains($0) }
        files += try styles.writeSidecars(for: rasters + others).files
    }

    /// The single-hazard risk level raster of hazard `id`.
    static func hazardLevelFile(_ id: String) -> String { "risk_level_\(safeFileName(id)).tif" }

    private var provenanceMember: (name: String, json: String) {
        let crs = grid.crs?.description ?? "?"
        let json = "{\"engine\":\(JSONText.string("riskcensus " + EngineInfo.version)),\"manifest\":\(JSONText.string(plan.name)),"
            + "\"analysis_crs\":\(JSONText.string(crs)),\"cell_size_m\":\(JSONText.number(grid.transform.pixelWidth)),"
            + "\"currency\":\(JSONText.string(currency)),\"coordinates\":\"WGS 84 longitude/latitude (RFC 7946)\","
            + "\"nodata\":\"null means unknown\",\"provenance\":\"provenance.json\"}"
        return ("riskcensus", json)
    }

    /// The levels (a byte per cell, as `risk_level.tif` holds them) dissolved into one
    /// MultiPolygon per level.
    private func writeZones(levels: [UInt8], counts: [Int]) throws {
        let zones = try Rasterize.dissolved(values: levels, grid: grid)
        let w = try GeoJSONFileWriter(path: path("risk_zones.geojson"), sourceCRS: grid.crs!,
                                      options: GeoJSONOptions(precision: precision, foreignMembers: [provenanceMember]))
        let names = Classification.levelNames
        for level in 1...5 {
            guard let dissolved = zones[level] else { continue }
            var a = Attributes()
            a["level"] = .integer(Int64(level))
            a["level_name"] = .string(names[level - 1])
            a["cells"] = .integer(Int64(counts[level - 1]))
            try w.append(Feature(id: Int64(level), geometry: dissolved, attributes: a))
        }
        try w.finish()
    }

    private func districtColumns(_ d: DistrictSummary) -> [(String, AttributeValue)] {
        var cols: [(String, AttributeValue)] = [
            ("name", .string(d.name)), ("code", .string(d.code)), ("population", .real(d.population)),
            ("exposed_value", .real(d.exposedValue)), ("gdp", .real(d.gdp)), ("eal", .real(d.eal)),
            ("eal_to_gdp", .real(d.ealToGDP)), ("expected_fatalities", .real(d.expectedFatalities)),
            ("fatalities_per_million", .real(d.fatalitiesPerMillion)),
        ]
        for l in 0..<5 { cols.append(("cells_level_\(l + 1)", .integer(Int64(d.levelCells[l])))) }
        cols.append(("unknown_cells", .integer(Int64(d.unknownCells))))
        cols.append(("cells", .integer(Int64(d.cells))))
        for (k, h) in plan.hazards.enumerated() {
            if h.hasLosses {
                cols.append((h.lossColumn, .real(d.hazardLoss[k])))
                cols.append((h.fatalitiesColumn, .real(d.hazardFatalities[k])))
            }
            guard let c = d.hazardLevels[k] else { continue }
            for l in 0..<5 { cols.append(("cells_\(h.id)_level_\(l + 1)", .integer(Int64(c.riskCells[l])))) }
            for l in 0..<5 { cols.append(("residents_\(h.id)_level_\(l + 1)", .real(c.riskResidents[l]))) }
            for l in c.hazardCells.indices { cols.append(("cells_\(h.id)_hazard_level_\(l + 1)", .integer(Int64(c.hazardCells[l])))) }
            for l in c.hazardResidents.indices { cols.append(("residents_\(h.id)_hazard_level_\(l + 1)", .real(c.hazardResidents[l]))) }
        }
        return cols
    }

    /// Every level's table and GeoJSON: the finest units' figures as the tiles summed them, each
    /// coarser unit's the sum of its children's (so the tables add up exactly).
    private func writeDistricts() throws {
        var summaries = districts
        let levels = units?.levels ?? [UnitHierarchy.Level(name: plan.region.unitsName, units: zones, parentOfChild: [], source: plan.region.path)]
        for (k, level) in levels.enumerated() {
            if k > 0 {
                var up = level.units.map { u -> DistrictSummary in
                    var d = DistrictSummary(name: u.name, code: u.code, hazardLoss: [Double](repeating: 0, count: plan.hazards.count),
                                            hazardFatalities: [Double](repeating: 0, count: plan.hazards.count))
                    for k in plan.levelledHazards { d.hazardLevels[k] = DistrictSummary.LevelCounts(hazardLevels: plan.hazards[k].levels?.count ?? 0) }
                    return d
                }
                for (i, s) in summaries.enumerated() { up[level.parentOfChild[i]].add(s) }
                summaries = up
            }
            let parent = k + 1 < levels.count ? levels[k + 1] : nil
            try writeUnits(level, summaries, parent: parent.map { p in (name: p.name, codes: p.parentOfChild.map { p.units[$0].code }) })
        }
    }

    /// One level's `<name>.geojson` and `<name>.csv`; with a parent level, each unit's parent code
    /// in `parent_code`.
    private func writeUnits(_ level: UnitHierarchy.Level, _ summaries: [DistrictSummary], parent: (name: String, codes: [String])?) throws {
        let w = try GeoJSONFileWriter(path: path("\(level.name).geojson"), sourceCRS: regionCRS,
                                      options: GeoJSONOptions(precision: precision, foreignMembers: [provenanceMember]))
        var csv = ""
        for (i, d) in summaries.enumerated() {
            var cols = districtColumns(d)
            if let parent { cols.insert(("parent_code", .string(parent.codes[i])), at: 2) }
            if i == 0 { csv += CSVText.row(cols.map(\.0)) }
            csv += CSVText.row(cols.map { csvField($0.1) })
            var a = Attributes()
            for (k, v) in cols { a[k] = v }
            try w.append(Feature(id: Int64(i + 1), geometry: level.units[i].geometry, attributes: a))
        }
        try w.finish()
        try AtomicFile.write(csv, to: path("\(level.name).csv"))
    }

    /// A value as CSV text, before quoting (`CSVText.row` quotes).
    private func csvField(_ v: AttributeValue) -> String {
        switch v {
        case .string(let s): s
        case .real(let d): d.isFinite ? JSONText.number(d) : ""
        default: JSONText.value(v)
        }
    }

    private func writePlanTargets() throws {
        let total = districts.reduce(into: (pop: 0.0, gdp: 0.0, eal: 0.0, deaths: 0.0)) {
            $0.pop += $1.population; $0.gdp += $1.gdp; $0.eal += $1.eal; $0.deaths += $1.expectedFatalities
        }
        var targets: [[String: JSONValue]] = []
        let t = plan.planTargets
        if let max = t?.annualLossToGdpMax {
            let v = total.gdp > 0 ? total.eal / total.gdp : .nan
            targets.append(["id": .string("annual_loss_to_gdp"), "description": .string("expected annual direct loss / GDP"),
                            "threshold": .number(max), "comparison": .string("<"), "value": .number(v), "pass": .bool(v < max)])
        }
        if let max = t?.annualDeathsPerMillionMax {
            let v = total.pop > 0 ? total.deaths / total.pop * 1e6 : .nan
            targets.append(["id": .string("annual_deaths_per_million"), "description": .string("expected annual deaths per million residents"),
                            "threshold": .number(max), "comparison": .string("<"), "value": .number(v), "pass": .bool(v < max)])
        }
        if let rate = fireCoverageRate {
            targets.append(["id": .string("fire_response_coverage"),
                            "description": .string("share of the built-up area within the fire response rule (coverage/summary.json)"),
                            "threshold": .number(1), "comparison": .string(">="), "value": .number(rate),
                            "pass": .bool(rate >= 1 - 1e-12)])
        }
        let doc: JSONValue = .object([
            "region": .string(plan.name), "currency": .string(currency),
            "totals": .object(["population": .number(total.pop), "gdp": .number(total.gdp), "eal": .number(total.eal),
                               "expected_annual_fatalities": .number(total.deaths)]),
            "targets": .array(targets.map { .object($0) }),
        ])
        try AtomicFile.write(doc.indented() + "\n", to: path("plan_targets.json"))
    }

    /// - Parameter checksums: every input's sha256, as the run computed them when it opened.
    mutating func writeProvenance(parameters p: CensusKernel.IndexParameters, timings: [(String, Double)], total: Double,
                                  threads: Int, cells: (Int, Int, Int), checksums: [String: String], warnings: [Finding]) throws {
        var inputs: [String: JSONValue] = [:]
        for f in plan.inputs { inputs[f] = .string(try checksums[f] ?? AtomicFile.sha256(of: f)) }
        // Layers the maps draw, by paths relative to this folder (docs/formats.md).
        func layer(_ l: CensusPlan.RasterLayer) -> JSONValue {
            .object(["path": .string(relativePath(of: l.path, from: out)), "band": .number(Double(l.band))])
        }
        let manifestJSON = plan.sections.whole
        func norm(_ n: MinMaxNormalization) -> JSONValue {
            .object(["min": .number(n.min), "max": .number(n.max), "log": .bool(n.logTransform), "half_to_one": .bool(n.halfToOne)])
        }
        let doc: JSONValue = .object([
            "engine": .object(["name": .string("riskcensus"), "version": .string(EngineInfo.version),
                               "libraries": .object(EngineInfo.libraries.mapValues { .string($0) })]),
            "manifest": .raw(manifestJSON),
            "manifest_path": .string(plan.manifestPath),
            "units": .array(plan.region.levelNames.enumerated().map { k, name in
                .object(["name": .string(name), "csv": .string("\(name).csv"), "geojson": .string("\(name).geojson"),
                         "level": .number(Double(k)), "parent_field": k < plan.region.parents.count ? .string(plan.region.parents[k].parentField) : .null,
                         "parent": k + 1 < plan.region.levelNames.count ? .string(plan.region.levelNames[k + 1]) : .null])
            }),
            "census": .object(["name": .string(plan.name), "currency": .string(currency), "population": layer(plan.population)]),
            "inputs_sha256": .object(inputs),
            "grid": .object(["crs": .string(grid.crs?.description ?? ""), "crs_wkt": .string(grid.crs?.wkt ?? ""), "cell_size_m": .number(grid.transform.pixelWidth),
                             "width": .number(Double(grid.width)), "height": .number(Double(grid.height)),
                             "origin": .array([.number(grid.transform.originX), .number(grid.transform.originY)]),
                             "tiles": .number(Double(plan.tiles.count))]),
            "parameters": .object([
                "eal_integration": .object([
                    "rule": .string("trapezoid over annual exceedance probability"),
                    "probability": .string(plan.integration.probability.rawValue),
                    "zero_damage_return_period": plan.integration.zeroDamageReturnPeriod.map { .number($0) } ?? .null,
                    "tail": .string(plan.integration.tail.rawValue)]),
                "hazards": .array(plan.hazards.enumerated().map { k, h in .object([
                    "id": .string(h.id), "units": .string(h.units),
                    "return_periods": .array(h.returnPeriods.map { .number($0) }),
                    "scenario": .bool(h.isScenario),
                    "index_band": .number(Double(h.indexBand)),
                    "index_layer": layer(h.layers[h.indexBand]),
                    "eal_weights": h.isScenario || h.isLevels ? .null : .array(plan.integration.weights(returnPeriods: h.returnPeriods).map { .number($0) }),
                    "levels": levelsRecord(k, h)]) }),
                "levels_rule": .string(plan.comprehensiveLevel
                    ? "comprehensive_level: the highest single-hazard level, raised one when two or more hazards are at II or above (every hazard's level known)"
                    : "breaks of the combined index"),
                "hazard_weights": .array(plan.hazardWeights.map { .number($0) }),
                "capacity_source": .string(plan.coverageCapacity
                    ? "coverage: served share of each cell's population under the exact capacitated shelter assignment (coverage/summary.json); 0 where no one lives"
                    : (plan.capacity != nil ? "raster \(plan.capacity!.path)" : "none")),
                "normalization": .object(["hazard": .array(p.hazard.map(norm)), "vulnerability": .array(p.vulnerability.map(norm)),
                                          "population": norm(p.population), "value": norm(p.value),
                                          "capacity": p.capacity.map(norm) ?? .null]),
                "classification": .object(["method": .string(plan.classificationName),
                                           "breaks": .array(breaks.breaks.map { .number($0) }),
                                           "histogram_bin_width": .number(breaks.histogramBinWidth),
                                           "levels": .string("1 = I highest … 5 = V lowest; a value equal to a break belongs to the lower level"),
                                           "levels_in_use": .array(breaks.levelsInUse.map { .number(Double($0)) })]),
            ]),
            "cells": .object(["total": .number(Double(cells.0)), "with_data": .number(Double(cells.1)), "unknown": .number(Double(cells.2))]),
            "outputs": .array(files.sorted().map { .string($0) }),
            "warnings": .array(warnings.map(\.json)),
            "run": .object(["threads": .number(Double(threads)), "seconds": .number((total * 1000).rounded() / 1000),
                            "timings_seconds": .object(Dictionary(uniqueKeysWithValues: timings.map { ($0.0, JSONValue.number(($0.1 * 1000).rounded() / 1000)) })),
                            "peak_memory_bytes": .number(Double(PeakMemory.bytes)),
                            "estimated_memory_bytes": .number(Double(plan.estimatedMemory(threads: threads))),
                            "note": .string("this block varies between runs; every other file and field is deterministic")]),
        ])
        try AtomicFile.write(doc.indented() + "\n", to: path("provenance.json"))
        files.append("provenance.json")
    }
}

/// A small JSON value with deterministic (sorted-key) encoding.
indirect enum JSONValue {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue]), raw(String)

    func encoded() -> String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .number(let d): JSONText.number(d)
        case .string(let s): JSONText.string(s)
        case .array(let a): "[" + a.map { $0.encoded() }.joined(separator: ",") + "]"
        case .object(let o): "{" + o.keys.sorted().map { JSONText.string($0) + ":" + o[$0]!.encoded() }.joined(separator: ",") + "}"
        case .raw(let r): r
        }
    }

    /// Encoded with two-space indentation and sorted keys, as the result files are written, so
    /// they read and diff well; raw members are parsed and indented too.
    func indented(_ depth: Int = 0) -> String {
        let pad = String(repeating: "  ", count: depth + 1), end = String(repeating: "  ", count: depth)
        switch self {
        case .array(let a) where !a.isEmpty:
            if a.allSatisfy({ if case .array = $0 { return false }; if case .object = $0 { return false }; if case .raw = $0 { return false }; return true }) {
                return "[" + a.map { $0.encoded() }.joined(separator: ", ") + "]"
            }
            return "[\n" + a.map { pad + $0.indented(depth + 1) }.joined(separator: ",\n") + "\n\(end)]"
        case .object(let o) where !o.isEmpty:
            return "{\n" + o.keys.sorted().map { pad + JSONText.string($0) + ": " + o[$0]!.indented(depth + 1) }.joined(separator: ",\n") + "\n\(end)}"
        case .raw(let r):
            guard let any = try? JSONSerialization.jsonObject(with: Data(r.utf8), options: [.fragmentsAllowed]) else { return r }
            return JSONValue(any).indented(depth)
        default:
            return encoded()
        }
    }

    /// A value JSONSerialization parsed.
    init(_ any: Any) {
        switch any {
        case let b as Bool where String(cString: (any as! NSNumber).objCType) == "c": self = .bool(b)
        case let n as NSNumber: self = .number(n.doubleValue)
        case let s as String: self = .string(s)
        case let a as [Any]: self = .array(a.map(JSONValue.init))
        case let o as [String: Any]: self = .object(o.mapValues(JSONValue.init))
        default: self = .null
        }
    }
}

enum AtomicFile {
    static func write(_ text: String, to path: String) throws {
        try write(chunks: [Array(text.utf8)], to: path)
    }

    /// Puts the file at `source` at `path`, whole or not at all: a hard link when both are on
    /// one file system (the merge takes a shard's tile files without reading them), a copy
    /// otherwise. The engine's tile files never change after they are written, so sharing the
    /// inode is safe.
    static func linkOrCopy(_ source: String, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        unlink(tmp)
        if link(source, tmp) == 0 {
            guard rename(tmp, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(tmp)
                throw CensusError.run("\(path): rename failed: \(reason)")
            }
            return
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        try write(chunks: [Array(data)], to: path)
    }

    /// Writes the chunks in order to a temporary file beside `path`, then renames it into place,
    /// so a reader sees the whole file or none of it.
    static func write(chunks: [[UInt8]], to path: String) throws {
        try write(to: path) { emit in chunks.forEach { $0.withUnsafeBytes(emit) } }
    }

    /// Writes what `body` emits, in order, to a temporary file beside `path`, then renames it
    /// into place: for bytes that live in several buffers (a tile's arrays), written as they are.
    static func write(to path: String, _ body: ((UnsafeRawBufferPointer) -> Void) -> Void) throws {
        let tmp = path + ".tmp-\(getpid())"
        func failure(_ what: String) -> CensusError { CensusError.run("\(path): \(what) failed: \(String(cString: strerror(errno)))") }
        guard let f = fopen(tmp, "wb") else { throw failure("create") }
        var ok = true
        body { c in
            guard ok, c.count > 0 else { return }
            ok = fwrite(c.baseAddress, 1, c.count, f) == c.count
        }
        let error = ok ? nil : failure("write")
        if fclose(f) != 0 || !ok {
            let e = error ?? failure("close")
            unlink(tmp)
            throw e
        }
        guard rename(tmp, path) == 0 else {
            let e = failure("rename")
            unlink(tmp)
            throw e
        }
    }

    /// Writes `chunkCount` chunks to a temporary file beside `path` in order, then renames it
    /// into place. `produce(k, emit)` makes chunk k on one of the cores and hands its bytes to
    /// `emit`, which waits until the chunks before k are written: chunks are made in parallel,
    /// written in order, and each is freed once written, so the file is never whole in memory.
    ///
    /// `alongside`, other work, is done by one of the workers before it joins in: the cores
    /// share it without a thread more than there are cores, which would stall the turns. Its
    /// error is thrown once the file is written.
    static func write(chunkCount: Int, to path: String, alongside: (@Sendable () throws -> Void)? = nil,
                      _ produce: @escaping @Sendable (Int, (UnsafeBufferPointer<UInt8>) -> Void) -> Void) throws {
        let tmp = path + ".tmp-\(getpid())"
        func failure(_ what: String, _ code: Int32 = errno) -> CensusError { CensusError.run("\(path): \(what) failed: \(String(cString: strerror(code)))") }
        guard let f = fopen(tmp, "wb") else { throw failure("create") }
        let file = UncheckedFile(handle: f)
        let gate = OrderedGate()
        let workers = max(1, min(chunkCount, Workers.limit))
        // Workers claim chunks in increasing order, so the lowest unwritten chunk always belongs
        // to a worker that is not waiting: the turns cannot deadlock.
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            if w == 0, let alongside {
                do { try alongside() } catch { gate.besideError = error }
            }
            while let k = gate.claim(below: chunkCount) {
                var inTurn = false
                produce(k) { bytes in
                    if !inTurn { gate.wait(forTurn: k); inTurn = true }
                    if bytes.count > 0, gate.error == nil, fwrite(bytes.baseAddress, 1, bytes.count, file.handle) != bytes.count { gate.fail(errno) }
                }
                if !inTurn { gate.wait(forTurn: k) }
                gate.advance()
            }
        }
        let closed = fclose(f) == 0
        if let code = gate.error ?? (closed ? nil : errno) {
            unlink(tmp)
            throw failure(closed ? "write" : "close", code)
        }
        guard rename(tmp, path) == 0 else {
            let e = failure("rename")
            unlink(tmp)
            throw e
        }
        if let e = gate.besideError { throw e }
    }

    static func sha256(of path: String) throws -> String {
        try SHA256.hex(ofFile: path)
    }
}

/// A C file handle shared by the workers of `AtomicFile.write(chunkCount:…)`, which write to it
/// one at a time, in turn.
private struct UncheckedFile: @unchecked Sendable { let handle: UnsafeMutablePointer<FILE> }

/// Hands out chunk numbers in increasing order and lets chunk k's writer through once the
/// chunks before it are written; remembers the first write error.
final class OrderedGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var claimed = 0, written = 0
    private(set) var error: Int32?

    func claim(below n: Int) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard claimed < n else { return nil }
        claimed += 1
        return claimed - 1
    }

    func wait(forTurn k: Int) {
        condition.lock()
        while written < k { condition.wait() }
        condition.unlock()
    }

    func advance() {
        condition.lock()
        written += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Called by the writer in turn only.
    func fail(_ code: Int32) { if error == nil { error = code } }

    /// The error of the work done alongside; set by its worker, read after the workers finish.
    var besideError: (any Error)?
}

enum PeakMemory {
    /// The process's peak resident set (VmHWM) in bytes, 0 where /proc is not available.
    static var bytes: Int {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
}
