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
    let store: TileStore

    /// Open datasets of one worker: GDAL and OGR handles are confined to the thread that opened
    /// them.
    final class Handles {
        var rasters: [String: RasterDataset] = [:]
        var vectors: [String: VectorLayer] = [:]
        var datasets: [VectorDataset] = []

        func raster(_ path: String) throws -> RasterDataset {
            if let d = rasters[path] { return d }
            let d = try RasterDataset(path: path)
            rasters[path] = d
            return d
        }

        func vector(_ path: String, layer: String?) throws -> VectorLayer {
            let key = path + "|" + (layer ?? "")
            if let l = vectors[key] { return l }
            let d = try VectorDataset(path: path)
            datasets.append(d)
            let l = try d.layer(named: layer)
            vectors[key] = l
            return l
        }
    }

    static func exposureFile(_ t: Int) -> String { "t\(t)-exposure" }
    static func hazardFile(_ t: Int, _ id: String) -> String {
        "t\(t)-hazard-\(safeFileName(id))-" + JobKeys.hash([id]).prefix(8)
    }
    static func indexFile(_ t: Int) -> String { "t\(t)-index" }

    /// Min and max of the transformed values over the cells inside the region, as the catalog
    /// stores them (`name=lo,hi;…`, empty ranges left out). Min and max merge in any order, so
    /// the region-wide statistics do not depend on which tiles finish first.
    static func stats(_ named: [(String, [Float], Bool)], inside: [Bool]) -> String {
        named.compactMap { name, a, log in
            var lo = Double.infinity, hi = -Double.infinity
            for i in a.indices where inside[i] && !a[i].isNaN {
                let v = MinMaxNormalization.transformed(Double(a[i]), log: log)
                lo = min(lo, v)
                hi = max(hi, v)
            }
            return lo <= hi ? "\(name)=\(lo),\(hi)" : nil
        }.joined(separator: ";")
    }

    // MARK: Pass 1, exposure

    func read(_ layer: CensusPlan.RasterLayer, _ sub: GridSpec, _ h: Handles) throws -> [Float] {
        try RasterWarp.warp(h.raster(layer.path), band: layer.band, onto: sub, resampling: layer.resampling).values.map(Float.init)
    }

    /// Returns the arrays written and their statistics; an empty array set for a tile outside
    /// the region.
    func exposure(_ t: Int, _ h: Handles) throws -> (sha256: String, stats: String, cells: Int) {
        let tile = plan.tiles[t]
        let sub = plan.grid.subgrid(tile)
        let gridCRS = plan.grid.crs!
        // A cell belongs to the unit containing its centre; cells on the region's outer edge
        // whose centre falls outside join the unit they touch, so no exposure is lost there.
        let ids = zoneShapes.indices.map { Double($0 + 1) }
        let byCentre = try Rasterize.burn(zoneShapes, values: ids, crs: gridCRS, onto: sub, fill: 0)
        let touched = try Rasterize.burn(zoneShapes, values: ids, crs: gridCRS, onto: sub, allTouched: true, fill: 0)
        let zone = zip(byCentre.values, touched.values).map { c, t in Float(c > 0 ? c : (t > 0 ? t : 0)) }
        let inside = zone.map { $0 != 0 }
        guard inside.contains(true) else {
            let sha = try store.write(Self.exposureFile(t), [("zone", [])])
            return (sha, "empty", 0)
        }
        var population = try read(plan.population, sub, h)
        var gdp = try plan.gdp.map { try read($0, sub, h) } ?? [Float](repeating: .nan, count: tile.cellCount)
        var capacity = try plan.capacity.map { try read($0, sub, h) }
        if let capacity, let bad = capacity.first(where: { !$0.isNaN && !(0...1).contains($0) }) {
            throw CensusError.badData(file: plan.capacity!.path, message: "capacity value \(bad) outside [0, 1]")
        }
        var values: [[Float]] = []
        let vector = try vectorExposure(sub, h)
        for (k, c) in plan.classes.enumerated() {
            switch c.source {
            case .buildingBand(let band, let cost):
                var layer = plan.buildingsRaster!
                layer.band = band
                values.append(try read(layer, sub, h).map { $0 * Float(cost) })
            default:
                values.append(vector[k]!.map(Float.init))
            }
        }
        for i in 0..<tile.cellCount where !inside[i] {
            population[i] = .nan
            gdp[i] = .nan
            capacity?[i] = .nan
            for k in values.indices { values[k][i] = .nan }
        }
        var comp = CensusKernel.Components(count: tile.cellCount, hazards: 0)
        CensusKernel(hazards: [], classCount: plan.classes.count)
            .pass1(CensusKernel.Inputs(count: tile.cellCount, population: population, values: values, intensities: []), into: &comp, threads: 1)
        var arrays: [(String, [Float])] = [("zone", zone), ("population", population), ("gdp", gdp), ("exposed_value", comp.exposedValue)]
        if let capacity { arrays.append(("capacity", capacity)) }
        for (k, v) in values.enumerated() { arrays.append(("value_\(k)", v)) }
        let sha = try store.write(Self.exposureFile(t), arrays)
        var named = [("population", population, plan.logExposure), ("value", comp.exposedValue, plan.logExposure)]
        if let capacity { named.append(("capacity", capacity, false)) }
        return (sha, Self.stats(named, inside: inside), inside.filter { $0 }.count)
    }

    /// Values per exposure class from vector layers, on the tile (currency): the features whose
    /// envelope meets the tile, each adding the part of it that falls in the tile's cells.
    func vectorExposure(_ sub: GridSpec, _ h: Handles) throws -> [Int: [Double]] {
        var result: [Int: [Double]] = [:]
        let gridCRS = plan.grid.crs!
        let tileBounds = sub.bounds(of: Window(colOff: 0, rowOff: 0, width: sub.width, height: sub.height))
        func filtered(_ layer: VectorLayer) throws -> CoordinateTransformer {
            let crs = try layer.requireCRS()
            let t = try CoordinateTransformer(from: crs, to: gridCRS)
            // The tile's box in the layer's CRS, from its corners and edge midpoints, with a margin.
            let back = try CoordinateTransformer(from: gridCRS, to: crs)
            let b = tileBounds
            var ring = [Position(b.minX, b.minY), Position(b.maxX, b.minY), Position(b.maxX, b.maxY), Position(b.minX, b.maxY),
                        Position((b.minX + b.maxX) / 2, b.minY), Position((b.minX + b.maxX) / 2, b.maxY),
                        Position(b.minX, (b.minY + b.maxY) / 2), Position(b.maxX, (b.minY + b.maxY) / 2)]
            try back.transform(&ring)
            let xs = ring.map(\.x), ys = ring.map(\.y)
            let mx = (xs.max()! - xs.min()!) * 0.01, my = (ys.max()! - ys.min()!) * 0.01
            layer.setSpatialFilter(Bounds(minX: xs.min()! - mx, minY: ys.min()! - my, maxX: xs.max()! + mx, maxY: ys.max()! + my))
            return t
        }
        let infra = plan.manifest.exposure.infrastructure ?? []
        var buildingsByClass: [String: Int] = [:]
        for (k, c) in plan.classes.enumerated() {
            switch c.source {
            case .buildingVector(let name, _): buildingsByClass[name] = k
            case .lines(let i), .points(let i):
                let spec = infra[i]
                let path = resolve(spec.path, base: plan.base)
                let layer = try h.vector(path, layer: spec.layer)
                let t = try filtered(layer)
                defer { layer.setSpatialFilter(nil) }
                var values = [Double](repeating: 0, count: sub.cellCount)
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
                        for l in lines { LineLength.accumulate(l, weight: costPerKm / 1000, grid: sub, into: &values) }
                    } else {
                        let value = try number(f, spec.valueField, spec.value, spec.path)
                        for p in projected.positions.prefix(1) {
                            if let cell = sub.cell(containing: p.x, p.y) { values[cell.row * sub.width + cell.col] += value }
                        }
                    }
                }
                result[k] = values
            case .buildingBand: break
            }
        }
        if let v = plan.manifest.exposure.buildings.vector {
            let path = resolve(v.path, base: plan.base)
            let layer = try h.vector(path, layer: v.layer)
            let t = try filtered(layer)
            defer { layer.setSpatialFilter(nil) }
            let geos = GeosContext()
            var values = [[Double]](repeating: [Double](repeating: 0, count: sub.cellCount), count: plan.classes.count)
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
                    if let cell = sub.cell(containing: p.x, p.y) { values[k][cell.row * sub.width + cell.col] += area * c }
                case .polygon, .multiPolygon:
                    try Footprint.spread(projected, amount: area * c, grid: sub, geos: geos, into: &values[k])
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

    // MARK: Pass 1, hazards

    func kernel(_ hazards: [Int]) -> CensusKernel {
        CensusKernel(hazards: hazards.map { k in
            let h = plan.hazards[k]
            return CensusKernel.Hazard(id: h.id, ealWeights: h.isScenario ? nil : plan.integration.weights(returnPeriods: h.returnPeriods),
                                       damage: h.damage.map { ImpactFunction(id: h.id, damageRatio: $0).compiled }, fatality: h.fatality?.compiled,
                                       indexBand: h.indexBand)
        }, classCount: plan.classes.count)
    }

    func hazard(_ k: Int, tile t: Int, exposure e: [String: [Float]], _ h: Handles) throws -> (sha256: String, stats: String) {
        let tile = plan.tiles[t]
        let name = Self.hazardFile(t, plan.hazards[k].id)
        guard let zone = e["zone"], !zone.isEmpty else {
            return (try store.write(name, [("loss", [])]), "empty")
        }
        let sub = plan.grid.subgrid(tile)
        let intensities = try plan.hazards[k].layers.map { try read($0, sub, h) }
        let values = plan.classes.indices.map { e["value_\($0)"]! }
        var comp = CensusKernel.Components(count: tile.cellCount, hazards: 1)
        kernel([k]).pass1(CensusKernel.Inputs(count: tile.cellCount, population: e["population"]!, values: values, intensities: [intensities]),
                          into: &comp, threads: 1)
        let sha = try store.write(name, [("loss", comp.loss[0]), ("fatalities", comp.fatalities[0]),
                                         ("hazard_indicator", comp.hazardIndicator[0]), ("loss_ratio", comp.lossRatio[0])])
        let inside = zone.map { $0 != 0 }
        return (sha, Self.stats([("hazard", comp.hazardIndicator[0], false), ("vulnerability", comp.lossRatio[0], false)], inside: inside))
    }

    // MARK: Pass 2

    /// The tile's pass-1 arrays, read back (exposure, then each hazard).
    func passOne(_ t: Int, checksums: [String: String]) throws -> (exposure: [String: [Float]], hazards: [[String: [Float]]]) {
        let e = try store.read(Self.exposureFile(t), sha256: checksums["exposure"])
        let hz = try plan.hazards.map { h in try store.read(Self.hazardFile(t, h.id), sha256: checksums["hazard:" + h.id]) }
        return (e, hz)
    }

    func index(_ t: Int, exposure e: [String: [Float]], hazards hz: [[String: [Float]]], capacity: [Float]?,
               parameters: CensusKernel.IndexParameters) throws -> (sha256: String, stats: String) {
        guard let zone = e["zone"], !zone.isEmpty else { return (try store.write(Self.indexFile(t), [("index", [])]), "empty") }
        let n = zone.count
        var comp = CensusKernel.Components(count: n, hazards: plan.hazards.count)
        comp.exposedValue = e["exposed_value"]!
        for k in plan.hazards.indices {
            comp.loss[k] = hz[k]["loss"]!
            comp.fatalities[k] = hz[k]["fatalities"]!
            comp.hazardIndicator[k] = hz[k]["hazard_indicator"]!
            comp.lossRatio[k] = hz[k]["loss_ratio"]!
        }
        var index = [Float](repeating: .nan, count: n)
        var perHazard = Array(repeating: index, count: plan.hazards.count)
        kernel(Array(plan.hazards.indices)).pass2(population: e["population"]!, components: comp, capacity: capacity,
                                                  parameters: parameters, index: &index, perHazard: &perHazard, threads: 1)
        for i in 0..<n where zone[i] == 0 { index[i] = .nan }
        let sha = try store.write(Self.indexFile(t), [("index", index)] + plan.hazards.indices.map { ("r_\($0)", perHazard[$0]) })
        return (sha, Self.stats([("index", index, false)], inside: zone.map { $0 != 0 }))
    }
}
