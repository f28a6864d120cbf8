import Foundation
import RiskCore
import RiskGeo

/// The work of one tile, read and written through the tile store: pass 1's exposure part
/// (zones, population, GDP, capacity, exposure values per class), one part per hazard (loss,
/// fatalities, hazard indicator, loss ratio), and pass 2 (the index and each hazard's risk).
/// Everything here touches one tile's cells only, so memory follows the tile size.
struct TileWork: Sendable {
    let plan: CensusPlan
    /// Region units in the grid's CRS; unit k burns value k + 1.
    let zoneShapes: [Geometry]
    /// The vector exposure layers, read and projected once per run.
    let vectors: VectorExposure
    let store: TileStore

    /// Open datasets of one worker: GDAL handles are confined to the thread that opened them.
    final class Handles {
        var rasters: [String: RasterDataset] = [:]
        /// Transformers of the inputs that are warped, kept from strip to strip.
        let warps = WarpCache()

        func raster(_ path: String) throws -> RasterDataset {
            if let d = rasters[path] { return d }
            let d = try RasterDataset(path: path)
            rasters[path] = d
            return d
        }
    }

    static func exposureFile(_ t: Int) -> String { "t\(t)-exposure" }
    static func hazardFile(_ t: Int, _ id: String) -> String {
        "t\(t)-hazard-\(safeFileName(id))-" + JobKeys.hash([id]).prefix(8)
    }
    static func indexFile(_ t: Int) -> String { "t\(t)-index" }

    // MARK: Pass 1

    struct PassOne {
        /// The unit of each cell; nil for a tile outside the region.
        var zone: [Float]?
        /// Nil for a tile outside the region, or when not asked for.
        var exposure: ExposureTile?
        /// Per hazard asked for: its cells, or why it failed.
        var hazards: [Int: Result<FineCells.HazardCells, Error>]
        /// Population and value on the tile's cells inside and outside the region (findings).
        var sums: [String: Double] = [:]
        /// Per hazard asked for: its totals for the findings.
        var hazardSums: [Int: [String: Double]] = [:]
    }

    /// Band `layer` on `grid`, a window of the grid the layer's sampling was made for.
    func read(_ layer: CensusPlan.RasterLayer, onto grid: GridSpec, window: Window, resampling: Resampling, _ h: Handles) throws -> [Float] {
        try h.raster(layer.path).sample(band: layer.band, onto: grid, sampling: layer.sampling.shifted(to: window), resampling: resampling,
                                        cache: h.warps)
    }

    /// The unit of each cell (k + 1 for unit k, 0 outside). A cell belongs to the unit
    /// containing its centre; cells on the region's outer edge whose centre falls outside join
    /// the unit they touch, so no exposure is lost there.
    func zones(_ sub: GridSpec) throws -> [Float] {
        let gridCRS = plan.grid.crs!
        let ids = zoneShapes.indices.map { Double($0 + 1) }
        let byCentre = try Rasterize.burn(zoneShapes, values: ids, crs: gridCRS, onto: sub, fill: 0)
        let touched = try Rasterize.burn(zoneShapes, values: ids, crs: gridCRS, onto: sub, allTouched: true, fill: 0)
        return zip(byCentre.values, touched.values).map { c, t in Float(c > 0 ? c : (t > 0 ? t : 0)) }
    }

    /// Exposure of one strip on the compute grid: population and value per class, with the
    /// census mask's cells unknown.
    struct FineExposure {
        var population: [Float]
        var values: [[Float]]
        var gdp: [Float]?
        var exposedValue: [Float]
    }

    func fineExposure(_ fine: GridSpec, window: Window, gdp wantGDP: Bool, _ h: Handles) throws -> FineExposure {
        let n = fine.cellCount
        var population = try read(plan.population, onto: fine, window: window, resampling: .sum, h)
        var gdp = try wantGDP ? plan.gdp.map { try read($0, onto: fine, window: window, resampling: .sum, h) } : nil
        var values: [[Float]] = []
        let vector = try vectorExposure(fine)
        for (k, c) in plan.classes.enumerated() {
            switch c.source {
            case .buildingBand(let band, let cost):
                var layer = plan.buildingsRaster!
                layer.band = band
                values.append(try read(layer, onto: fine, window: window, resampling: .sum, h).map { $0 * Float(cost) })
            default:
                values.append(vector[k]!.map(Float.init))
            }
        }
        // Counts and amounts cannot be negative: a negative population would give negative
        // fatalities, a negative floor area a negative loss.
        func nonNegative(_ a: [Float], _ layer: CensusPlan.RasterLayer, _ what: String) throws {
            guard let i = a.firstIndex(where: { $0 < 0 }) else { return }
            let c = fine.center(col: i % fine.width, row: i / fine.width)
            throw CensusError.badData(file: layer.path, message: "\(layer.key): \(what) \(a[i]) at x \(c.x), y \(c.y) (\(fine.crs?.description ?? "grid CRS")); expected a value ≥ 0")
        }
        try nonNegative(population, plan.population, "population")
        if let gdp, let layer = plan.gdp { try nonNegative(gdp, layer, "GDP") }
        for (k, c) in plan.classes.enumerated() {
            if case .buildingBand(let band, _) = c.source, var layer = plan.buildingsRaster {
                layer.band = band
                try nonNegative(values[k], layer, "value (floor area × cost) of class \(c.name)")
            }
        }
        if let m = plan.mask {
            let masked = try read(m, onto: fine, window: window, resampling: .nearest, h)
            for i in 0..<n where !masked[i].isNaN && masked[i] != 0 {
                population[i] = .nan
                gdp?[i] = .nan
                for k in values.indices { values[k][i] = .nan }
            }
        }
        var comp = CensusKernel.Components(count: n, hazards: 0)
        CensusKernel(hazards: [], classCount: plan.classes.count)
            .pass1(CensusKernel.Inputs(count: n, population: population, values: values, intensities: []), into: &comp, threads: 1)
        return FineExposure(population: population, values: values, gdp: gdp, exposedValue: comp.exposedValue)
    }

    /// Hazard `k` on one strip of the compute grid, summed onto its analysis cells.
    func fineHazard(_ k: Int, _ e: FineExposure, _ fine: GridSpec, window: Window, blocks: FineCells, _ h: Handles) throws
        -> (cells: FineCells.HazardCells, maskedWithValue: Int) {
        let hz = plan.hazards[k]
        if let lv = hz.levels { return try fineLevels(hz, lv, e, fine, window: window, blocks: blocks, h) }
        // A fine cell is at most the finest layer's cell, so a hazard is sampled, not averaged:
        // averaging would carry a value onto cells it does not cover.
        let resampling: Resampling = hz.layers.first?.resampling == .bilinear ? .bilinear : .nearest
        let intensities = try hz.layers.map { try read($0, onto: fine, window: window, resampling: resampling, h) }
        let masked = try hz.mask.map { m in
            try read(m, onto: fine, window: window, resampling: .nearest, h).map { !$0.isNaN && $0 != 0 }
        }
        let n = fine.cellCount
        var comp = CensusKernel.Components(count: n, hazards: 1)
        kernel([k]).pass1(CensusKernel.Inputs(count: n, population: e.population, values: e.values, intensities: [intensities]),
                          into: &comp, threads: 1)
        // Fine cells the mask leaves out although the layer has a value there (the sea under a
        // flood layer): expected with a mask, and reported so the analyst sees how many.
        let maskedWithValue = masked.map { m in m.indices.reduce(0) { $0 + (m[$1] && intensities[hz.indexBand][$1] > 0 ? 1 : 0) } } ?? 0
        let cells = blocks.hazard(FineCells.HazardFine(exposedValue: e.exposedValue, population: e.population, loss: comp.loss[0],
                                                       fatalities: comp.fatalities[0], intensity: comp.hazardIndicator[0],
                                                       lossRatio: comp.lossRatio[0], masked: masked))
        return (cells, maskedWithValue)
    }

    /// A level hazard on one strip of the compute grid: each analysis cell's majority level (as
    /// the hazard indicator, scored count + 1 − level so that higher is more severe, with V ≡ 1)
    /// and the population per level. A value that is no level is bad input, named with its place.
    func fineLevels(_ hz: CensusPlan.Hazard, _ lv: CensusPlan.LevelHazard, _ e: FineExposure, _ fine: GridSpec, window: Window,
                    blocks: FineCells, _ h: Handles) throws -> (cells: FineCells.HazardCells, maskedWithValue: Int) {
        let layer = hz.layers[0]
        var level = try read(layer, onto: fine, window: window, resampling: .nearest, h)
        for i in level.indices {
            let v = level[i]
            if v.isNaN || v == 0 { level[i] = .nan; continue }
            guard v == v.rounded(), v >= 1, v <= Float(lv.count) else {
                let c = fine.center(col: i % fine.width, row: i / fine.width)
                throw CensusError.badData(file: layer.path, message: "\(layer.key) (hazard \(hz.id)): value \(v) at x \(c.x), y \(c.y) is no level; "
                                          + "expected a level 1…\(lv.count) (1 the most severe), or 0 or nodata for unknown")
            }
        }
        var maskedWithValue = 0
        if let m = hz.mask {
            let masked = try read(m, onto: fine, window: window, resampling: .nearest, h)
            for i in level.indices where !masked[i].isNaN && masked[i] != 0 {
                if !level[i].isNaN { maskedWithValue += 1 }
                level[i] = .nan
            }
        }
        let (mode, population) = blocks.levels(level, population: e.population, count: lv.count)
        let top = Float(lv.count + 1)
        let zeros = [Float](repeating: 0, count: mode.count)
        return (FineCells.HazardCells(loss: zeros, fatalities: zeros, indicator: mode.map { $0.isNaN ? .nan : top - $0 },
                                      lossRatio: mode.map { $0.isNaN ? .nan : 1 }, levelPopulation: population), maskedWithValue)
    }

    /// Computes a tile's exposure (when `exposure`) and the hazards `hazards` on the compute
    /// grid, strip by strip, and sums them onto the tile's analysis cells. Throws when the
    /// exposure cannot be read; a hazard's own failure is returned with its result.
    func passOne(_ t: Int, exposure needExposure: Bool, hazards: [Int], _ h: Handles) throws -> PassOne {
        let tile = plan.tiles[t]
        let sub = plan.grid.subgrid(tile)
        let zone = try zones(sub)
        guard zone.contains(where: { $0 != 0 }) else { return PassOne(zone: nil, exposure: nil, hazards: [:]) }
        let n = tile.cellCount, f = plan.refinement
        func unknown() -> [Float] { [Float](repeating: .nan, count: n) }
        var cells = ExposureTile(zone: zone, population: unknown(), gdp: unknown(), exposedValue: unknown(), capacity: nil,
                                  values: Array(repeating: unknown(), count: plan.classes.count))
        // One entry per hazard asked for, in `hazards` order.
        var results = hazards.map { k in
            FineCells.HazardCells(loss: unknown(), fatalities: unknown(), indicator: unknown(), lossRatio: unknown(),
                                  levelPopulation: Array(repeating: [Float](repeating: 0, count: n), count: plan.hazards[k].levels?.count ?? 0))
        }
        var failures: [Error?] = hazards.map { _ in nil }
        var maskedWithValue = hazards.map { _ in 0 }
        func place(_ part: [Float], into whole: inout [Float], from row: Int) {
            whole.withUnsafeMutableBufferPointer { w in
                for i in part.indices { w[row * tile.width + i] = part[i] }
            }
        }
        let step = plan.stripRows(tile)
        for r0 in stride(from: 0, to: tile.height, by: step) {
            let rows = r0..<min(tile.height, r0 + step)
            let window = plan.fineWindow(tile, rows: rows)
            let fine = plan.computeGrid.subgrid(window)
            let blocks = FineCells(width: tile.width, height: rows.count, factor: f)
            let e = try fineExposure(fine, window: window, gdp: needExposure, h)
            if needExposure {
                place(blocks.sum(e.population), into: &cells.population, from: r0)
                if let g = e.gdp { place(blocks.sum(g), into: &cells.gdp, from: r0) }
                place(blocks.sum(e.exposedValue), into: &cells.exposedValue, from: r0)
                for k in e.values.indices { place(blocks.sum(e.values[k]), into: &cells.values[k], from: r0) }
            }
            for (j, k) in hazards.enumerated() where failures[j] == nil {
                do {
                    let (r, m) = try fineHazard(k, e, fine, window: window, blocks: blocks, h)
                    maskedWithValue[j] += m
                    place(r.loss, into: &results[j].loss, from: r0)
                    place(r.fatalities, into: &results[j].fatalities, from: r0)
                    place(r.indicator, into: &results[j].indicator, from: r0)
                    place(r.lossRatio, into: &results[j].lossRatio, from: r0)
                    for l in r.levelPopulation.indices { place(r.levelPopulation[l], into: &results[j].levelPopulation[l], from: r0) }
                } catch {
                    failures[j] = error
                }
            }
        }
        if needExposure, let c = plan.capacity {
            let capacity = try read(c, onto: sub, window: tile, resampling: c.resampling, h)
            if let bad = capacity.first(where: { !$0.isNaN && !(0...1).contains($0) }) {
                throw CensusError.badData(file: c.path, message: "capacity value \(bad) outside [0, 1]")
            }
            cells.capacity = capacity
        }
        var sums: [String: Double] = [:]
        for (name, a) in [("population", cells.population), ("value", cells.exposedValue)] where needExposure {
            var inside = 0.0, outside = 0.0
            for i in 0..<n where !a[i].isNaN { if zone[i] != 0 { inside += Double(a[i]) } else { outside += Double(a[i]) } }
            sums["\(name)_inside"] = inside
            sums["\(name)_outside"] = outside
        }
        func outsideUnknown(_ a: inout [Float]) {
            a.withUnsafeMutableBufferPointer { p in for i in 0..<n where zone[i] == 0 { p[i] = .nan } }
        }
        outsideUnknown(&cells.population)
        outsideUnknown(&cells.gdp)
        outsideUnknown(&cells.exposedValue)
        if cells.capacity != nil { outsideUnknown(&cells.capacity!) }
        for k in cells.values.indices { outsideUnknown(&cells.values[k]) }
        for j in results.indices {
            outsideUnknown(&results[j].loss)
            outsideUnknown(&results[j].fatalities)
            outsideUnknown(&results[j].indicator)
            outsideUnknown(&results[j].lossRatio)
            for l in results[j].levelPopulation.indices { outsideUnknown(&results[j].levelPopulation[l]) }
        }
        var out: [Int: Result<FineCells.HazardCells, Error>] = [:]
        for (j, k) in hazards.enumerated() { out[k] = failures[j].map { .failure($0) } ?? .success(results[j]) }
        let hazardSums = Dictionary(uniqueKeysWithValues: hazards.enumerated().map { j, k in
            (k, ["masked_with_value:\(plan.hazards[k].id)": Double(maskedWithValue[j])]) })
        return PassOne(zone: zone, exposure: needExposure ? cells : nil, hazards: out, sums: sums, hazardSums: hazardSums)
    }

    /// Writes a tile's exposure part; returns its checksum and statistics.
    func writeExposure(_ t: Int, _ tile: ExposureTile?, sums: [String: Double]) throws -> (sha256: String, stats: String) {
        let e = tile ?? .outside
        let checksum = try store.write(Self.exposureFile(t), e)
        guard !e.isOutside else { return (checksum, TileStatistics().json) }
        var named = [("population", e.population, plan.logExposure), ("value", e.exposedValue, plan.logExposure)]
        if let capacity = e.capacity { named.append(("capacity", capacity, false)) }
        var stats = TileStatistics.of(named, inside: e.zone.map { $0 != 0 })
        stats.sums = sums
        return (checksum, stats.json)
    }

    /// Writes a tile's part of hazard `k`; nil cells for a tile outside the region.
    func writeHazard(_ k: Int, tile t: Int, _ cells: FineCells.HazardCells?, zone: [Float]?, sums: [String: Double] = [:]) throws -> (sha256: String, stats: String) {
        let name = Self.hazardFile(t, plan.hazards[k].id)
        guard let c = cells, let zone else { return (try store.write(name, HazardTile.outside), TileStatistics().json) }
        let checksum = try store.write(name, HazardTile(cells: c))
        var stats = TileStatistics.of([("hazard", c.indicator, false), ("vulnerability", c.lossRatio, false)], inside: zone.map { $0 != 0 })
        stats.sums = sums
        return (checksum, stats.json)
    }

    /// Values per exposure class from the vector layers, on `grid` (currency): each feature
    /// whose envelope meets the grid adds the part of it that falls in the grid's cells.
    func vectorExposure(_ grid: GridSpec) throws -> [Int: [Double]] {
        var result: [Int: [Double]] = [:]
        guard !vectors.classes.isEmpty else { return result }
        let box = grid.bounds()
        let geos = GeosContext()
        for k in vectors.classes { result[k] = [Double](repeating: 0, count: grid.cellCount) }
        for f in vectors.features where f.bounds.intersects(box) {
            switch f.shape {
            case .lines(let lines):
                for l in lines { LineLength.accumulate(l, weight: f.amount / 1000, grid: grid, into: &result[f.classIndex]!) }
            case .point(let p):
                if let cell = grid.cell(containing: p.x, p.y) { result[f.classIndex]![cell.row * grid.width + cell.col] += f.amount }
            case .footprint(let g):
                try Footprint.spread(g, amount: f.amount, grid: grid, geos: geos, into: &result[f.classIndex]!)
            }
        }
        return result
    }

    // MARK: Pass 1, hazards

    func kernel(_ hazards: [Int]) -> CensusKernel {
        CensusKernel(hazards: hazards.map { k in
            let h = plan.hazards[k]
            return CensusKernel.Hazard(id: h.id, ealWeights: h.isScenario || h.isLevels ? nil : plan.integration.weights(returnPeriods: h.returnPeriods),
                                       damage: h.damage.map { ImpactFunction(id: h.id, damageRatio: $0).compiled }, fatality: h.fatality?.compiled,
                                       indexBand: h.indexBand)
        }, classCount: plan.classes.count)
    }

    // MARK: Pass 2

    /// The tile's pass-1 parts, read back (exposure, then each hazard), checked against the
    /// catalog's checksums (by part).
    func passOne(_ t: Int, checksums: [TilePart: String]) throws -> (exposure: ExposureTile, hazards: [HazardTile]) {
        let e = try store.read(ExposureTile.self, Self.exposureFile(t), checksum: checksums[.exposure])
        let hz = try plan.hazards.map { h in
            try store.read(HazardTile.self, Self.hazardFile(t, h.id), checksum: checksums[.hazard(h.id)])
        }
        return (e, hz)
    }

    /// A matrix hazard's risk level per cell: the hazard level (from its score) against the
    /// vulnerability level, the exposure term E of the index cut by the matrix's breaks.
    static func matrixLevels(_ lv: CensusPlan.LevelHazard, _ matrix: RiskMatrix, indicator: [Float], population: [Float], exposedValue: [Float],
                             zone: [Float], parameters p: CensusKernel.IndexParameters) -> [Float] {
        // E on [0, 1] whatever the index's rescale, as the breaks are.
        var pop = p.population, value = p.value
        pop.halfToOne = false
        value.halfToOne = false
        return (0..<indicator.count).map { i -> Float in
            guard zone[i] != 0, !indicator[i].isNaN else { return .nan }
            let e = p.exposureWeights.population * pop(Double(population[i])) + p.exposureWeights.value * value(Double(exposedValue[i]))
            let v = LevelBreaks.level(e, breaks: lv.vulnerabilityBreaks)
            let hazardLevel = lv.count + 1 - Int(indicator[i])
            return matrix.level(hazard: hazardLevel, vulnerability: v == 0 ? nil : v).map(Float.init) ?? .nan
        }
    }

    func index(_ t: Int, exposure e: ExposureTile, hazards hz: [HazardTile], capacity: [Float]?,
               parameters: CensusKernel.IndexParameters) throws -> (sha256: String, stats: String) {
        guard !e.isOutside else { return (try store.write(Self.indexFile(t), IndexTile.outside), TileStatistics().json) }
        let n = e.zone.count
        var comp = CensusKernel.Components(count: n, hazards: plan.hazards.count)
        comp.exposedValue = e.exposedValue
        for k in plan.hazards.indices {
            guard hz[k].cells.loss.count == n else {
                throw CensusError.run("\(store.path(Self.hazardFile(t, plan.hazards[k].id))): \(hz[k].cells.loss.count) cells, the exposure part has \(n)")
            }
            comp.loss[k] = hz[k].cells.loss
            comp.fatalities[k] = hz[k].cells.fatalities
            comp.hazardIndicator[k] = hz[k].cells.indicator
            comp.lossRatio[k] = hz[k].cells.lossRatio
        }
        var index = [Float](repeating: .nan, count: n)
        var perHazard = Array(repeating: index, count: plan.hazards.count)
        kernel(Array(plan.hazards.indices)).pass2(population: e.population, components: comp, capacity: capacity,
                                                  parameters: parameters, index: &index, perHazard: &perHazard, threads: 1)
        index.withUnsafeMutableBufferPointer { ix in for i in 0..<n where e.zone[i] == 0 { ix[i] = .nan } }
        var matrixLevels: [Int: [Float]] = [:]
        for (k, h) in plan.hazards.enumerated() {
            guard let lv = h.levels, let matrix = lv.matrix else { continue }
            matrixLevels[k] = Self.matrixLevels(lv, matrix, indicator: hz[k].cells.indicator, population: e.population,
                                                exposedValue: e.exposedValue, zone: e.zone, parameters: parameters)
        }
        let checksum = try store.write(Self.indexFile(t), IndexTile(index: index, risk: perHazard, matrixLevels: matrixLevels))
        return (checksum, TileStatistics.of([("index", index, false)], inside: e.zone.map { $0 != 0 }).json)
    }
}
