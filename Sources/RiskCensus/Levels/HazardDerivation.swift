import Foundation
import RiskCore
import RiskGeo
import RiskMaps

/// Derives a hazard's levels from its factor layers on the compute grid, over the region's
/// cells (docs/level-hazards.md): each factor read or computed with GDAL (a raster as it is,
/// a terrain derivative by GDAL's DEM processing, the distance to a vector layer by GDAL's
/// proximity), classed, scored by information value, frequency ratio or weighted overlay,
/// and the score cut into levels. The levels go to `<id>_hazard_level.tif`, which pass 1 reads
/// as the hazard's layer; the score, the factor statistics and the validation figures go beside.
struct HazardDerivation {
    let plan: CensusPlan
    let hazard: CensusPlan.Hazard
    let derivation: CensusPlan.Derivation
    let levelCount: Int
    /// The region's units in the grid's CRS.
    let zoneShapes: [Geometry]
    let out: String

    /// What a derivation found, for provenance and the validation file.
    struct Outcome {
        var factors: [FactorSummary]
        var breaks: [Double]
        var weights: [Double]?
        var weighting: String
        var validation: Validation?
        /// The validation file's JSON, as provenance embeds it.
        var record: String = ""
    }

    struct FactorSummary {
        var id: String
        var source: String
        var units: String
        var classes: [ClassSummary]
    }

    struct ClassSummary {
        var name: String
        var cells: Int
        var events: Int
        var frequencyRatio: Double?
        var informationValue: Double?
        var score: Double?
    }

    struct Validation {
        var eventsInside: Int, eventsOutside: Int, training: Int, heldOut: Int
        /// Shares of the events (all of them inside the region) and of the area in levels 1 and 2.
        var topTwoEventShare: Double, topTwoAreaShare: Double
        var successAUC: Double, predictionAUC: Double?
        var successCurve: [(area: Double, events: Double)]
    }

    private var grid: GridSpec { plan.computeGrid }
    private func path(_ name: String) -> String { (out as NSString).appendingPathComponent(name) }

    func run() throws -> Outcome {
        let g = grid, n = g.cellCount
        // Factors as Float, their classes as Int32 and the score: about 16 bytes per cell and
        // factor, plus the region mask.
        let bytes = MemoryBudget.estimate(count: n, size: 16 * (derivation.factors.count + 2))
        guard bytes <= MemoryBudget.bytes else {
            throw CensusError.geo(.overBudget(path: derivation.key, what: "hazard \(hazard.id) derived on \(g.width) × \(g.height) compute cells",
                                              bytes: bytes, budget: MemoryBudget.bytes))
        }
        let inside = try regionMask()
        var classes: [[Int32]] = []
        var summaries: [FactorSummary] = []
        for f in derivation.factors {
            let (values, units, source) = try factorValues(f)
            let c = try classify(f, values, inside: inside)
            classes.append(c)
            summaries.append(FactorSummary(id: f.id, source: source, units: units, classes: names(f.classing).map {
                ClassSummary(name: $0, cells: 0, events: 0)
            }))
        }
        // Class areas; a class no cell of the region falls in is bad input for every method:
        // its ratio is undefined, and its breaks or table do not describe this region.
        let known = Susceptibility.knownCells(classes)
        for (fi, f) in derivation.factors.enumerated() {
            var counts = [Int](repeating: 0, count: f.classing.count)
            for i in 0..<n where known[i] { counts[Int(classes[fi][i])] += 1 }
            for (j, c) in counts.enumerated() {
                summaries[fi].classes[j].cells = c
                if c == 0 {
                    throw CensusError.badData(file: sourcePath(f), message: "\(f.key) (hazard \(hazard.id)): class \(j + 1) (\(summaries[fi].classes[j].name)) "
                                              + "has no cell in the region where every factor is known (zero area); expected every class to cover part of the region: change the breaks or the class table")
                }
            }
        }
        let events = try inventoryEvents(inside: inside, known: known)
        var score: [Float]
        var weights: [Double]?
        var weighting: String
        var training = events?.inside ?? [], heldOut: [Int] = []
        if let e = events, derivation.holdOut > 0 {
            (training, heldOut) = Susceptibility.split(events: e.inside, holdOut: derivation.holdOut, seed: derivation.seed)
        }
        switch derivation.method {
        case .informationValue, .frequencyRatio:
            let method: Susceptibility.Method = derivation.method == .informationValue ? .informationValue : .frequencyRatio
            let stats: [[Susceptibility.ClassStatistics]]
            do {
                stats = try Susceptibility.statistics(classes: classes, classCounts: derivation.factors.map(\.classing.count), events: training)
            } catch {
                throw CensusError.badData(file: derivation.inventory?.path ?? derivation.key, message: "\(derivation.key).inventory (hazard \(hazard.id)): \(error.description)")
            }
            for fi in stats.indices {
                for (j, s) in stats[fi].enumerated() {
                    summaries[fi].classes[j].events = s.events
                    summaries[fi].classes[j].frequencyRatio = s.frequencyRatio
                    summaries[fi].classes[j].informationValue = s.informationValue
                }
            }
            score = Susceptibility.score(classes: classes, statistics: stats, method: method)
            weighting = method.rawValue
        case .weightedOverlay:
            let columns = derivation.factors.enumerated().map { fi, f -> [Float] in
                let s = f.scores!
                return classes[fi].map { $0 < 0 ? .nan : Float(s[Int($0)]) }
            }
            let w = derivation.weights ?? EntropyWeights.weights(columns)
            weighting = derivation.weighting
            weights = w
            score = [Float](repeating: .nan, count: n)
            for i in 0..<n where known[i] {
                var s = 0.0
                for fi in columns.indices { s += w[fi] * Double(columns[fi][i]) }
                score[i] = Float(s)
            }
            for (fi, f) in derivation.factors.enumerated() {
                for j in 0..<f.classing.count { summaries[fi].classes[j].score = f.scores![j] }
                for cell in training { summaries[fi].classes[Int(classes[fi][cell])].events += 1 }
            }
        }
        let breaks = LevelBreaks.breaks(score.map(Double.init), method: derivation.classification, count: levelCount)
        let levels = score.map { UInt8(LevelBreaks.level(Double($0), breaks: breaks)) }
        var validation: Validation?
        if let e = events {
            let all = e.inside
            let topEvents = all.filter { levels[$0] == 1 || levels[$0] == 2 }.count
            let knownCount = known.reduce(0) { $0 + ($1 ? 1 : 0) }
            let topArea = levels.reduce(0) { $0 + ($1 == 1 || $1 == 2 ? 1 : 0) }
            let success = Susceptibility.successRate(score: score, events: training)
            validation = Validation(eventsInside: all.count, eventsOutside: e.outside, training: training.count, heldOut: heldOut.count,
                                    topTwoEventShare: all.isEmpty ? 0 : Double(topEvents) / Double(all.count),
                                    topTwoAreaShare: knownCount == 0 ? 0 : Double(topArea) / Double(knownCount),
                                    successAUC: success.auc,
                                    predictionAUC: heldOut.isEmpty ? nil : Susceptibility.successRate(score: score, events: heldOut).auc,
                                    successCurve: Self.thinned(success.points, to: 101))
        }
        let files = CensusPlan.derivedFiles(hazard.id)
        try writeRasters(score: score, levels: levels, breaks: breaks, files: files)
        var outcome = Outcome(factors: summaries, breaks: breaks, weights: weights, weighting: weighting, validation: validation)
        try AtomicFile.write(factorTable(outcome), to: path(files.factors))
        outcome.record = validationJSON(outcome).encoded()
        try AtomicFile.write(validationJSON(outcome).indented() + "\n", to: path(files.validation))
        return outcome
    }

    // MARK: Region and factors

    private func regionMask() throws -> [Bool] {
        guard let crs = plan.grid.crs else { throw CensusError.run("the grid has no CRS") }
        let burnt = try Rasterize.burn(zoneShapes, values: zoneShapes.map { _ in 1 }, crs: crs, onto: grid, fill: 0)
        return burnt.values.map { $0 > 0 }
    }

    private func sourcePath(_ f: CensusPlan.Derivation.Factor) -> String {
        switch f.source {
        case .raster(let p, _, _), .terrain(let p, _, _), .distance(let p, _): p
        }
    }

    /// The factor's values on the compute grid, its units and a description of its source.
    private func factorValues(_ f: CensusPlan.Derivation.Factor) throws -> ([Float], String, String) {
        switch f.source {
        case .raster(let p, let band, let resampling):
            let ds = try RasterDataset(path: p)
            let sampling = GridSampling.best(try ds.georeferencedGrid(), onto: grid)
            let units = (try? ds.band(band).units) ?? ""
            return (try ds.sample(band: band, onto: grid, sampling: sampling, resampling: resampling), units, "raster \(shown(p)) band \(band)")
        case .terrain(let p, let band, let derivative):
            let ds = try RasterDataset(path: p)
            let sampling = GridSampling.best(try ds.georeferencedGrid(), onto: grid)
            let units = (try? ds.band(band).units) ?? ""
            let elevation = try ds.sample(band: band, onto: grid, sampling: sampling, resampling: .bilinear)
            guard derivative != .elevation else { return (elevation, units.isEmpty ? "m" : units, "elevation of \(shown(p)) band \(band)") }
            // GDAL's DEM processing on the DEM as sampled onto the compute grid.
            let d = Terrain.Derivative(rawValue: derivative.rawValue)!
            let values = try Terrain.derive(d, elevation: elevation, grid: grid, units: units)
            return (values, d.units(dem: units), "\(derivative.rawValue) of \(shown(p)) band \(band) (GDAL DEM processing)")
        case .distance(let p, let layerName):
            let layer = try VectorDataset(path: p).layer(named: layerName)
            let crs = try layer.requireCRS()
            var shapes: [Geometry] = []
            try layer.forEachFeature { (feature: Feature) throws(GeoError) in if let g = feature.geometry { shapes.append(g) } }
            guard !shapes.isEmpty else {
                throw CensusError.badData(file: p, message: "\(f.key).distance_to (hazard \(hazard.id)): the layer has no features; expected the features to measure the distance to")
            }
            return (try Proximity.distance(to: shapes, crs: crs, onto: grid), "m", "distance to \(shown(p)) (GDAL proximity)")
        }
    }

    /// An input path as the outputs show it: relative to the output folder.
    private func shown(_ p: String) -> String { relativePath(of: p, from: out) }

    private func names(_ c: CensusPlan.Derivation.Classing) -> [String] {
        switch c {
        case .table(let t): return t.map(\.name)
        case .breaks(let b):
            func f(_ x: Double) -> String { String(format: "%g", x) }
            return (0...b.count).map { j in
                j == 0 ? "< \(f(b[0]))" : j == b.count ? "≥ \(f(b[j - 1]))" : "\(f(b[j - 1])) – \(f(b[j]))"
            }
        }
    }

    /// Classes (0-based) of a factor's values inside the region, −1 where unknown. A value a
    /// class table does not list is bad input, named with its place.
    private func classify(_ f: CensusPlan.Derivation.Factor, _ values: [Float], inside: [Bool]) throws -> [Int32] {
        var out = [Int32](repeating: -1, count: values.count)
        switch f.classing {
        case .breaks(let b):
            for i in values.indices where inside[i] && !values[i].isNaN {
                let v = Double(values[i])
                var c: Int32 = 0
                for x in b where v >= x { c += 1 }
                out[i] = c
            }
        case .table(let t):
            var lookup: [Double: Int32] = [:]
            for (j, c) in t.enumerated() { for v in c.values { lookup[v] = Int32(j) } }
            for i in values.indices where inside[i] && !values[i].isNaN {
                guard let c = lookup[Double(values[i])] else {
                    let p = grid.center(col: i % grid.width, row: i / grid.width)
                    throw CensusError.badData(file: sourcePath(f), message: "\(f.key).classes (hazard \(hazard.id)): value \(values[i]) at x \(p.x), y \(p.y) "
                                              + "is in no class; expected one of \(t.flatMap(\.values).map { String(format: "%g", $0) }.joined(separator: ", "))")
                }
                out[i] = c
            }
        }
        return out
    }

    /// The cells of the inventory's events inside the region where every factor is known (a
    /// point's cell; each cell a polygon covers), and how many fell outside. Nil without an
    /// inventory; no event inside is bad input.
    private func inventoryEvents(inside: [Bool], known: [Bool]) throws -> (inside: [Int], outside: Int)? {
        guard let inv = derivation.inventory else { return nil }
        let layer = try VectorDataset(path: inv.path).layer(named: inv.layer)
        let crs = try layer.requireCRS()
        let toGrid = try CoordinateTransformer(from: crs, to: grid.crs!)
        var cells: [Int] = []
        var polygons: [Geometry] = []
        var outside = 0, features = 0
        try layer.forEachFeature { (f: Feature) throws(GeoError) in
            features += 1
            guard let g = f.geometry else {
                throw GeoError.invalidData(path: inv.path, location: "feature \(f.id ?? Int64(features))", reason: "no geometry; expected a point or polygon event")
            }
            switch g {
            case .point, .multiPoint:
                for p in try toGrid.transform(g).positions {
                    if let c = grid.cell(containing: p.x, p.y), inside[c.row * grid.width + c.col], known[c.row * grid.width + c.col] {
                        cells.append(c.row * grid.width + c.col)
                    } else {
                        outside += 1
                    }
                }
            case .polygon, .multiPolygon:
                polygons.append(g)
            default:
                throw GeoError.invalidData(path: inv.path, location: "feature \(f.id ?? Int64(features))", reason: "a \(g.typeName); expected a point or polygon event")
            }
        }
        if !polygons.isEmpty {
            let burnt = try Rasterize.burn(polygons, values: polygons.map { _ in 1 }, crs: crs, onto: grid, allTouched: true, fill: 0)
            for i in burnt.values.indices where burnt.values[i] > 0 {
                if inside[i] && known[i] { cells.append(i) } else { outside += 1 }
            }
        }
        guard !cells.isEmpty else {
            throw CensusError.badData(file: inv.path, message: "\(derivation.key).inventory (hazard \(hazard.id)): none of its \(features) events lies inside the region where every factor is known; "
                                      + "expected past events over the region (is the layer of another area, or in the wrong CRS?)")
        }
        return (cells, outside)
    }

    // MARK: Outputs

    private func writeRasters(score: [Float], levels: [UInt8], breaks: [Double], files: (index: String, levels: String, factors: String, validation: String)) throws {
        let meta = ["RISKCENSUS_ENGINE": EngineInfo.version, "RISKCENSUS_MANIFEST": plan.name, "RISKCENSUS_HAZARD": hazard.id,
                    "METHOD": derivation.method.rawValue, "BREAKS": breaks.map { "\($0)" }.joined(separator: ","),
                    "NODATA_MEANING": "outside the region, or a factor unknown there"]
        var indexOptions = ResultRasters.values(units: derivation.method == .informationValue ? "information value (Σ ln FR)"
                                                : derivation.method == .frequencyRatio ? "frequency ratio (Σ FR)" : "weighted overlay score (0…1)")
        indexOptions.metadata = meta
        indexOptions.bandDescription = "\(hazard.id) hazard index"
        try GeoTIFFWriter.write(RasterBuffer(width: grid.width, height: grid.height, values: score), grid: grid, to: path(files.index), options: indexOptions)
        var levelOptions = ResultRasters.classes(units: "level (1 = highest hazard … \(levelCount) = lowest)", LevelStyle.hazardLevels(levelCount),
                                                 description: "\(hazard.id) hazard level")
        levelOptions.metadata = meta
        try GeoTIFFWriter.write(RasterBuffer(width: grid.width, height: grid.height, values: levels.map { $0 == 0 ? Float.nan : Float($0) }),
                                grid: grid, to: path(files.levels), options: levelOptions)
    }

    private func factorTable(_ o: Outcome) -> String {
        var csv = CSVText.row(["factor", "source", "units", "class", "class_name", "cells", "area_km2", "area_share", "events",
                               "frequency_ratio", "information_value", "class_score", "factor_weight"])
        let cellArea = abs(grid.transform.pixelWidth * grid.transform.pixelHeight) / 1e6
        for (fi, f) in o.factors.enumerated() {
            let total = f.classes.reduce(0) { $0 + $1.cells }
            for (j, c) in f.classes.enumerated() {
                func num(_ d: Double?) -> String { d.map { $0.isFinite ? JSONText.number($0) : "" } ?? "" }
                csv += CSVText.row([f.id, f.source, f.units, String(j + 1), c.name, String(c.cells), num(Double(c.cells) * cellArea),
                                    num(total > 0 ? Double(c.cells) / Double(total) : nil), String(c.events),
                                    num(c.frequencyRatio), num(c.informationValue), num(c.score), num(o.weights?[fi])])
            }
        }
        return csv
    }

    func validationJSON(_ o: Outcome) -> JSONValue {
        var v: [String: JSONValue] = [
            "hazard": .string(hazard.id), "method": .string(derivation.method.rawValue), "weighting": .string(o.weighting),
            "levels": .number(Double(levelCount)), "breaks": .array(o.breaks.map { .number($0) }),
            "classification": .string(derivation.classificationName),
            "grid": .object(["crs": .string(grid.crs?.description ?? ""), "cell_size_m": .number(grid.transform.pixelWidth),
                             "width": .number(Double(grid.width)), "height": .number(Double(grid.height))]),
            "factors": .array(o.factors.enumerated().map { fi, f in
                .object(["id": .string(f.id), "source": .string(f.source), "units": .string(f.units),
                         "weight": o.weights.map { .number($0[fi]) } ?? .null,
                         "classes": .array(f.classes.map { c in
                             .object(["name": .string(c.name), "cells": .number(Double(c.cells)), "events": .number(Double(c.events)),
                                      "frequency_ratio": c.frequencyRatio.map { .number($0) } ?? .null,
                                      "information_value": c.informationValue.map { .number($0) } ?? .null,
                                      "score": c.score.map { .number($0) } ?? .null])
                         })])
            }),
        ]
        if let val = o.validation {
            v["validation"] = .object([
                "events_inside": .number(Double(val.eventsInside)), "events_outside_or_unknown": .number(Double(val.eventsOutside)),
                "training_events": .number(Double(val.training)), "held_out_events": .number(Double(val.heldOut)),
                "hold_out": .number(derivation.holdOut), "seed": .number(Double(derivation.seed)),
                "top_two_levels": .object(["event_share": .number(val.topTwoEventShare), "area_share": .number(val.topTwoAreaShare)]),
                "success_rate_auc": .number(val.successAUC),
                "prediction_rate_auc": val.predictionAUC.map { .number($0) } ?? .null,
                "success_rate_curve": .array(val.successCurve.map { .array([.number($0.area), .number($0.events)]) }),
            ])
        } else {
            v["validation"] = .null
        }
        return .object(v)
    }

    /// At most `count` points of a curve, evenly by index, the last kept.
    static func thinned(_ p: [(area: Double, events: Double)], to count: Int) -> [(area: Double, events: Double)] {
        guard p.count > count else { return p }
        return (0..<count).map { p[$0 * (p.count - 1) / (count - 1)] }
    }
}
