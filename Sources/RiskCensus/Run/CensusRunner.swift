import Foundation
import RiskCore
import RiskGeo

/// The census flow of DESIGN.md: region zones and vector exposure on the grid, pass 1 per tile,
/// global statistics, pass 2, classification, summaries and outputs.
struct CensusRunner {
    let plan: CensusPlan
    let out: String
    let threads: Int
    let progress: (String) -> Void

    struct Zone {
        var name: String
        var code: String
        var geometry: Geometry?
    }

    /// Full-grid results of pass 1 and pass 2.
    struct Fields {
        var zone: [Int32]
        var population: [Float]
        var gdp: [Float]
        var capacity: [Float]?
        var components: CensusKernel.Components
        var index: [Float] = []
        var perHazard: [[Float]] = []
        var level: [UInt8] = []
    }

    func run() throws -> CensusResult {
        let started = Date()
        var timings: [(String, Double)] = []
        func lap(_ name: String, _ since: inout Date) {
            timings.append((name, Date().timeIntervalSince(since)))
            since = Date()
        }
        var clock = Date()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let grid = plan.grid
        progress("plan: grid \(grid.width) × \(grid.height) cells of \(grid.transform.pixelWidth) m in \(grid.crs?.description ?? "?"), \(plan.tiles.count) tiles, \(plan.hazards.count) hazards, \(plan.classes.count) exposure classes")

        let (zones, regionCRS) = try readZones()
        // A cell belongs to the unit containing its centre; cells on the region's outer edge whose
        // centre falls outside join the unit they touch, so no exposure is lost at the boundary.
        let shapes = zones.map { $0.geometry ?? .collection([]) }, ids = zones.indices.map { Double($0 + 1) }
        let byCentre = try Rasterize.burn(shapes, values: ids, crs: regionCRS, onto: grid, fill: 0)
        let touched = try Rasterize.burn(shapes, values: ids, crs: regionCRS, onto: grid, allTouched: true, fill: 0)
        let zone = zip(byCentre.values, touched.values).map { c, t in Int32(c > 0 ? c : (t > 0 ? t : 0)) }
        let vectorValues = try vectorExposure()
        lap("zones and vector exposure", &clock)

        var fields = try passOne(zone: zone, vectorValues: vectorValues)
        lap("pass 1", &clock)
        var fire: FireCoverage.Result?
        if plan.coverage != nil {
            let c = try CensusCoverage(plan: plan, out: out).run(zone: zone, zones: zones)
            if let capacity = c.capacity {
                fields.capacity = (0..<grid.cellCount).map { zone[$0] != 0 ? capacity[$0] : .nan }
            }
            let total = c.output.demand.weights.reduce(0, +)
            let covered = zip(c.output.demand.weights, c.output.covered).reduce(0) { $0 + ($1.1 ? $1.0 : 0) }
            progress(String(format: "coverage: %.1f %% of the population within reach of a shelter, %.0f served by the exact assignment%@",
                            total > 0 ? 100 * covered / total : 0, c.output.assignment.totalServed,
                            c.output.fire.map { String(format: "; fire response covers %.1f %% of the built-up area", 100 * $0.coverageRate) } ?? ""))
            fire = c.output.fire
            lap("coverage", &clock)
        }
        let parameters = normalization(fields)
        let kernel = makeKernel()
        fields.index = [Float](repeating: .nan, count: grid.cellCount)
        fields.perHazard = Array(repeating: fields.index, count: plan.hazards.count)
        kernel.pass2(population: fields.population, components: fields.components, capacity: fields.capacity,
                     parameters: parameters, index: &fields.index, perHazard: &fields.perHazard, threads: threads)
        for i in fields.index.indices where zone[i] == 0 { fields.index[i] = .nan }
        var known: [Double] = []
        for i in fields.index.indices where zone[i] != 0 && !fields.index[i].isNaN { known.append(Double(fields.index[i])) }
        let breaks = Classification.breaks(known, method: plan.classification)
        fields.level = fields.index.map { Classification.level(Double($0), breaks: breaks.breaks) }
        progress("pass 2: index normalised and combined, \(known.count) cells classified, breaks \(breaks.breaks.map { String(format: "%.4g", $0) }.joined(separator: " / "))")
        lap("pass 2 and classification", &clock)

        let districts = summarize(fields, zones: zones)
        var writer = OutputWriter(plan: plan, out: out, grid: grid, fields: fields, zones: zones, regionCRS: regionCRS,
                                  districts: districts, breaks: breaks)
        writer.fireCoverage = fire
        try writer.writeAll()
        lap("outputs", &clock)
        let unknown = zone.indices.filter { zone[$0] != 0 && fields.index[$0].isNaN }.count
        let withData = known.count
        try writer.writeProvenance(parameters: parameters, timings: timings, total: Date().timeIntervalSince(started),
                                   threads: threads, cells: (grid.cellCount, withData, unknown))
        progress("outputs: \(writer.files.count) files in \(out)")
        return CensusResult(outputDirectory: out, files: writer.files, districts: districts, breaks: breaks.breaks,
                            cellsTotal: grid.cellCount, cellsWithData: withData, cellsUnknown: unknown)
    }

    // MARK: Region and vector exposure

    func readZones() throws -> ([Zone], CRS) {
        let layer = try VectorDataset(path: plan.regionPath).layer(named: plan.manifest.region.layerName)
        let crs = try layer.requireCRS()
        var zones: [Zone] = []
        try layer.forEachFeature { f in
            zones.append(Zone(name: f.attributes[plan.manifest.region.nameField]?.stringValue ?? "",
                              code: plan.manifest.region.codeField.flatMap { f.attributes[$0]?.stringValue } ?? "",
                              geometry: f.geometry))
        }
        return (zones, crs)
    }

    /// Values per exposure class that come from vector layers, on the full grid (currency).
    func vectorExposure() throws -> [Int: [Double]] {
        var result: [Int: [Double]] = [:]
        let grid = plan.grid
        let gridCRS = grid.crs!
        let infra = plan.manifest.exposure.infrastructure ?? []
        var buildingsByClass: [String: Int] = [:]
        for (k, c) in plan.classes.enumerated() {
            switch c.source {
            case .buildingVector(let name, _): buildingsByClass[name] = k
            case .lines(let i), .points(let i):
                let spec = infra[i]
                let layer = try VectorDataset(path: resolve(spec.path, base: plan.base)).layer(named: spec.layer)
                let t = try CoordinateTransformer(from: try layer.requireCRS(), to: gridCRS)
                var values = [Double](repeating: 0, count: grid.cellCount)
                try layer.forEachFeature { (f: Feature) throws(GeoError) in
                    guard let g = f.geometry else { return }
                    let projected = try t.transform(g)
                    if spec.kind == "lines" {
                        let costPerKm = try number(f, spec.costPerKmField, spec.costPerKm, spec.path)
                        let lines: [[Position]]
                        switch projected {
                        case .lineString(let l): lines = [l]
                        case .multiLineString(let ls): lines = ls
                        default: throw GeoError.invalidData(path: spec.path, location: "feature \(f.id ?? -1)", reason: "expected a line, found \(projected.typeName)")
                        }
                        for l in lines { LineLength.accumulate(l, weight: costPerKm / 1000, grid: grid, into: &values) }
                    } else {
                        let value = try number(f, spec.valueField, spec.value, spec.path)
                        for p in projected.positions.prefix(1) {
                            if let cell = grid.cell(containing: p.x, p.y) { values[cell.row * grid.width + cell.col] += value }
                        }
                    }
                }
                result[k] = values
            case .buildingBand: break
            }
        }
        if let v = plan.manifest.exposure.buildings.vector {
            let path = resolve(v.path, base: plan.base)
            let layer = try VectorDataset(path: path).layer(named: v.layer)
            let t = try CoordinateTransformer(from: try layer.requireCRS(), to: gridCRS)
            let geos = GeosContext()
            var values = [[Double]](repeating: [Double](repeating: 0, count: grid.cellCount), count: plan.classes.count)
            let cost = Dictionary(uniqueKeysWithValues: plan.manifest.exposure.buildings.classes.map { ($0.name, $0.costPerM2) })
            try layer.forEachFeature { (f: Feature) throws(GeoError) in
                guard let g = f.geometry else { return }
                guard let cls = f.attributes[v.classField]?.stringValue, let k = buildingsByClass[cls], let c = cost[cls] else {
                    throw GeoError.invalidData(path: path, location: "feature \(f.id ?? -1), field \(v.classField)",
                                               reason: "structure class \"\(f.attributes[v.classField]?.stringValue ?? "null")\" is not a class of the manifest")
                }
                guard let area = f.attributes[v.areaField]?.doubleValue, area >= 0 else {
                    throw GeoError.invalidData(path: path, location: "feature \(f.id ?? -1), field \(v.areaField)", reason: "floor area must be a number ≥ 0")
                }
                let projected = try t.transform(g)
                switch projected {
                case .point(let p):
                    if let cell = grid.cell(containing: p.x, p.y) { values[k][cell.row * grid.width + cell.col] += area * c }
                case .polygon, .multiPolygon:
                    try Footprint.spread(projected, amount: area * c, grid: grid, geos: geos, into: &values[k])
                default:
                    throw GeoError.invalidData(path: path, location: "feature \(f.id ?? -1)", reason: "expected a point or a footprint polygon")
                }
            }
            for (_, k) in buildingsByClass { result[k] = values[k] }
        }
        return result
    }

    private func number(_ f: Feature, _ field: String?, _ constant: Double?, _ path: String) throws(GeoError) -> Double {
        if let field {
            guard let v = f.attributes[field]?.doubleValue, v.isFinite, v >= 0 else {
                throw GeoError.invalidData(path: path, location: "feature \(f.id ?? -1), field \(field)", reason: "expected a number ≥ 0")
            }
            return v
        }
        return constant ?? 0
    }

    // MARK: Pass 1

    func makeKernel() -> CensusKernel {
        CensusKernel(hazards: plan.hazards.map { h in
            CensusKernel.Hazard(id: h.id, ealWeights: h.isScenario ? nil : plan.integration.weights(returnPeriods: h.returnPeriods),
                                damage: h.damage.map { ImpactFunction(id: h.id, damageRatio: $0).compiled }, fatality: h.fatality?.compiled, indexBand: h.indexBand)
        }, classCount: plan.classes.count)
    }

    func passOne(zone: [Int32], vectorValues: [Int: [Double]]) throws -> Fields {
        let grid = plan.grid
        let n = grid.cellCount
        let kernel = makeKernel()
        var fields = Fields(zone: zone, population: [Float](repeating: .nan, count: n), gdp: [Float](repeating: .nan, count: n),
                            capacity: plan.capacity == nil ? nil : [Float](repeating: .nan, count: n),
                            components: CensusKernel.Components(count: n, hazards: plan.hazards.count))
        var open: [String: RasterDataset] = [:]
        func dataset(_ p: String) throws -> RasterDataset {
            if let d = open[p] { return d }
            let d = try RasterDataset(path: p)
            open[p] = d
            return d
        }
        func read(_ layer: CensusPlan.RasterLayer, _ sub: GridSpec) throws -> [Float] {
            try RasterWarp.warp(dataset(layer.path), band: layer.band, onto: sub, resampling: layer.resampling).values.map(Float.init)
        }
        for (t, tile) in plan.tiles.enumerated() {
            let sub = grid.subgrid(tile)
            let inside = (0..<tile.cellCount).map { i in zone[(tile.rowOff + i / tile.width) * grid.width + tile.colOff + i % tile.width] != 0 }
            guard inside.contains(true) else { continue }
            var population = try read(plan.population, sub)
            let gdp = try plan.gdp.map { try read($0, sub) }
            let capacity = try plan.capacity.map { try read($0, sub) }
            if let capacity, let bad = capacity.first(where: { !$0.isNaN && !(0...1).contains($0) }) {
                throw CensusError.badData(file: plan.capacity!.path, message: "capacity value \(bad) outside [0, 1]")
            }
            var values: [[Float]] = []
            for (k, c) in plan.classes.enumerated() {
                switch c.source {
                case .buildingBand(let band, let cost):
                    var layer = plan.buildingsRaster!
                    layer.band = band
                    values.append(try read(layer, sub).map { $0 * Float(cost) })
                default:
                    let full = vectorValues[k]!
                    values.append((0..<tile.cellCount).map { i in Float(full[(tile.rowOff + i / tile.width) * grid.width + tile.colOff + i % tile.width]) })
                }
            }
            var intensities: [[[Float]]] = []
            for h in plan.hazards { intensities.append(try h.layers.map { try read($0, sub) }) }
            for i in 0..<tile.cellCount where !inside[i] {
                population[i] = .nan
                for k in values.indices { values[k][i] = .nan }
            }
            var comp = CensusKernel.Components(count: tile.cellCount, hazards: plan.hazards.count)
            kernel.pass1(CensusKernel.Inputs(count: tile.cellCount, population: population, values: values, intensities: intensities),
                         into: &comp, threads: threads)
            for i in 0..<tile.cellCount where inside[i] {
                let g = (tile.rowOff + i / tile.width) * grid.width + tile.colOff + i % tile.width
                fields.population[g] = population[i]
                fields.gdp[g] = gdp?[i] ?? .nan
                fields.capacity?[g] = capacity?[i] ?? .nan
                fields.components.exposedValue[g] = comp.exposedValue[i]
                for h in plan.hazards.indices {
                    fields.components.loss[h][g] = comp.loss[h][i]
                    fields.components.fatalities[h][g] = comp.fatalities[h][i]
                    fields.components.hazardIndicator[h][g] = comp.hazardIndicator[h][i]
                    fields.components.lossRatio[h][g] = comp.lossRatio[h][i]
                }
            }
            if (t + 1) % max(1, plan.tiles.count / 10) == 0 || t + 1 == plan.tiles.count {
                progress("pass 1: tile \(t + 1) of \(plan.tiles.count)")
            }
        }
        return fields
    }

    // MARK: Pass 2 parameters

    func normalization(_ f: Fields) -> CensusKernel.IndexParameters {
        func range(_ a: [Float], log: Bool = false) -> (Double, Double) {
            var lo = Double.infinity, hi = -Double.infinity
            for i in a.indices where f.zone[i] != 0 && !a[i].isNaN {
                let v = MinMaxNormalization.transformed(Double(a[i]), log: log)
                lo = min(lo, v)
                hi = max(hi, v)
            }
            return lo <= hi ? (lo, hi) : (0, 0)
        }
        let half = plan.halfToOne
        func norm(_ a: [Float], log: Bool = false) -> MinMaxNormalization {
            let (lo, hi) = range(a, log: log)
            return MinMaxNormalization(min: lo, max: hi, logTransform: log, halfToOne: half)
        }
        return CensusKernel.IndexParameters(
            hazard: f.components.hazardIndicator.map { norm($0) },
            vulnerability: f.components.lossRatio.map { norm($0) },
            population: norm(f.population, log: plan.logExposure),
            value: norm(f.components.exposedValue, log: plan.logExposure),
            exposureWeights: plan.exposureWeights,
            capacity: f.capacity.map { norm($0) },
            combination: plan.combination)
    }

    // MARK: Summaries

    func summarize(_ f: Fields, zones: [Zone]) -> [DistrictSummary] {
        let h = plan.hazards.count
        var out = zones.map { DistrictSummary(name: $0.name, code: $0.code, hazardLoss: [Double](repeating: 0, count: h),
                                               hazardFatalities: [Double](repeating: 0, count: h)) }
        for i in f.zone.indices where f.zone[i] != 0 {
            let z = Int(f.zone[i]) - 1
            func add(_ v: Float) -> Double { v.isNaN ? 0 : Double(v) }
            out[z].cells += 1
            out[z].population += add(f.population[i])
            out[z].gdp += add(f.gdp[i])
            out[z].exposedValue += add(f.components.exposedValue[i])
            for k in 0..<h {
                out[z].hazardLoss[k] += add(f.components.loss[k][i])
                out[z].hazardFatalities[k] += add(f.components.fatalities[k][i])
                if !plan.hazards[k].isScenario {
                    out[z].eal += add(f.components.loss[k][i])
                    out[z].expectedFatalities += add(f.components.fatalities[k][i])
                }
            }
            let level = f.level[i]
            if level == 0 { out[z].unknownCells += 1 } else { out[z].levelCells[Int(level) - 1] += 1 }
        }
        return out
    }
}

/// Spreads an amount over the cells a footprint polygon covers, by area fraction (GEOS
/// intersection of the footprint with each cell of its bounding window).
enum Footprint {
    static func spread(_ g: Geometry, amount: Double, grid: GridSpec, geos: GeosContext, into values: inout [Double]) throws(GeoError) {
        guard let b = g.bounds else { return }
        let shape = try geos.geometry(g)
        let total = try shape.area()
        guard total > 0 else {
            if let p = g.positions.first, let cell = grid.cell(containing: p.x, p.y) { values[cell.row * grid.width + cell.col] += amount }
            return
        }
        let w = grid.window(for: b)
        for r in w.rowOff..<w.rowEnd {
            for c in w.colOff..<w.colEnd {
                let cb = grid.bounds(of: Window(colOff: c, rowOff: r, width: 1, height: 1))
                let box = try geos.geometry(.polygon(Polygon(exterior: [Position(cb.minX, cb.minY), Position(cb.maxX, cb.minY),
                                                                       Position(cb.maxX, cb.maxY), Position(cb.minX, cb.maxY),
                                                                       Position(cb.minX, cb.minY)])))
                let a = try shape.intersection(box).area()
                if a > 0 { values[r * grid.width + c] += amount * a / total }
            }
        }
    }
}
