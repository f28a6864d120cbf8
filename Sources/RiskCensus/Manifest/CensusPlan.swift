import Foundation
import RiskCore
import RiskOptimize
import RiskGeo

/// A validated manifest: every file found and readable, every CRS known, every curve checked,
/// weights and rules resolved. Building it is `riskcensus validate`; running it is `Census.run`.
public struct CensusPlan: Sendable {
    public struct RasterLayer: Sendable {
        public var key: String
        public var path: String
        public var band: Int
        public var resampling: Resampling
        /// How the layer reaches the grid it is read on: the compute grid for exposure, hazard
        /// and mask layers, the analysis grid for capacity.
        public var sampling: GridSampling = .warp
    }

    public struct Hazard: Sendable {
        public var id: String
        public var units: String
        /// Ascending return periods; empty for a scenario.
        public var returnPeriods: [Double]
        public var layers: [RasterLayer]
        public var indexBand: Int
        /// Damage curve per exposure class, in class order.
        public var damage: [PiecewiseLinearCurve]
        public var fatality: PiecewiseLinearCurve?
        /// Fine cells where the hazard does not apply.
        public var mask: RasterLayer?
        /// For a hazard given as levels (its one layer holds levels 1…count); nil for intensities.
        public var levels: LevelHazard?
        public var isScenario: Bool { returnPeriods.isEmpty && levels == nil }
        public var isLevels: Bool { levels != nil }
        /// Whether it has losses and fatalities (intensity hazards do; level hazards do not).
        public var hasLosses: Bool { levels == nil }
        /// Output column of its loss: `eal_<id>`, or `scenario_loss_<id>` for a scenario.
        public var lossColumn: String { (isScenario ? "scenario_loss_" : "eal_") + id }
        /// Output column of its fatalities: `fatalities_<id>` or `scenario_fatalities_<id>`.
        public var fatalitiesColumn: String { (isScenario ? "scenario_fatalities_" : "fatalities_") + id }
    }

    public enum ClassSource: Sendable {
        case buildingBand(band: Int, costPerM2: Double)
        case buildingVector(className: String, costPerM2: Double)
        case lines(VectorLayer)
        case points(VectorLayer)
    }

    /// An infrastructure layer: lines valued per km, or points valued each, by a field or a constant.
    public struct VectorLayer: Sendable {
        public var path: String
        public var layer: String?
        public var field: String?
        public var constant: Double?
    }

    /// Building footprints or points with a structure class and a floor area.
    public struct Footprints: Sendable {
        public var path: String
        public var layer: String?
        public var classField: String
        public var areaField: String
    }

    /// The administrative units: the finest, which cells are assigned to, and the coarser
    /// levels they nest in.
    public struct Region: Sendable {
        public var path: String
        public var layerName: String?
        public var nameField: String
        public var codeField: String?
        /// The finest units' output name (`<name>.csv`, `<name>.geojson`).
        public var unitsName: String = "districts"
        public var parents: [ParentLevel] = []

        /// Every level's output name, finest first.
        public var levelNames: [String] { [unitsName] + parents.map(\.units) }
    }

    /// A coarser level of units (`Manifest.ParentUnits` with its layer's path resolved).
    public struct ParentLevel: Sendable {
        public var units: String
        public var parentField: String
        public var path: String?
        public var layerName: String?
        public var nameField: String
        public var codeField: String?
        /// The unit children with an empty parent field join; nil: an empty parent code is bad data.
        public var unassigned: Manifest.UnassignedUnit?
    }

    /// Which outputs to write and how.
    public struct Outputs: Sendable {
        public var precision: Int
        /// The cells layer of `census.gpkg`.
        public var cells: Bool
        /// `risk_cells.geojson` as well: asked for, or by default when the grid has at most
        /// `cellGeoJSONLimit` cells (a larger GeoJSON is too big for browsers and GIS tools).
        public var cellsGeoJSON: Bool
        public var zones: Bool
    }

    /// The most cells for which `risk_cells.geojson` is written without being asked for.
    public static let cellGeoJSONLimit = 250_000

    /// The manifest's sections as sorted JSON, for job keys and provenance: what a result
    /// depends on, recorded once at planning.
    public struct Sections: Sendable {
        public var whole: String
        public var region: String
        public var exposure: String
        public var population: String
        public var capacity: String
        public var mask: String
        public var eal: String
        public var coverage: String
        public var hazards: [String]
    }

    public struct ExposureClass: Sendable {
        public var name: String
        public var curveClass: String
        public var source: ClassSource
    }

    /// The census's name (output metadata, maps).
    public var name: String
    public var manifestPath: String
    public var sections: Sections
    public var region: Region
    public var outputs: Outputs
    public var planTargets: Manifest.PlanTargets?
    public var footprints: Footprints?
    public var base: String
    public var grid: GridSpec
    /// Fine cells per analysis cell along each axis: the compute grid is `grid.refined(by:)`
    /// this (docs/cell-size.md).
    public var refinement: Int = 1
    /// The grid damage, losses and fatalities are computed on before they are summed onto `grid`.
    public var computeGrid: GridSpec { grid.refined(by: refinement) }
    public var tiles: [Window]
    /// What planning found worth a warning (hazard layers much coarser or finer than the grid).
    public var findings: [Finding] = []
    public var hazards: [Hazard]
    public var classes: [ExposureClass]
    public var population: RasterLayer
    public var gdp: RasterLayer?
    public var buildingsRaster: RasterLayer?
    public var capacity: RasterLayer?
    /// Fine cells left out of the census.
    public var mask: RasterLayer?
    /// Shelter and fire coverage, run on the population raster; nil without a coverage section.
    public var coverage: CoverageJob?
    /// The served share of each cell's population becomes capacity C.
    public var coverageCapacity: Bool
    /// Cells of the population raster the coverage step reads whole (0 without coverage).
    public var coverageCells = 0
    public var integration: ExceedanceIntegration
    public var hazardWeights: [Double]
    public var combination: CombinationRule
    /// `combination: comprehensive_level`: a cell's level is the highest single-hazard level,
    /// raised one when two or more hazards are at II or above (METHODS §1.2); its index is the
    /// largest single-hazard risk.
    public var comprehensiveLevel = false
    public var halfToOne: Bool
    public var logExposure: Bool
    public var exposureWeights: (population: Double, value: Double)
    public var classification: ClassificationMethod
    /// The classification method's manifest name.
    public var classificationName: String
    public var currency: String
    /// Every input file, for checksums.
    public var inputs: [String]

    /// GDAL's block cache for a run: room for each worker's tile of every layer (twice, for
    /// the warp's source window) plus the blocks of the three rasters being written, 64 MiB to
    /// 512 MiB.
    public func gdalCache(threads: Int) -> Int {
        let tile = tiles.map(\.cellCount).max() ?? 0
        let layers = 3 + classes.count + hazards.reduce(0) { $0 + $1.layers.count }
        return min(512 << 20, max(64 << 20, tile * 4 * (layers + 3) * 2 * max(1, threads)))
    }

    /// Estimated peak memory in bytes with `threads` workers: what one tile job holds (its
    /// layers warped as Float64, its pass-1 and pass-2 arrays as Float32, twice over for the
    /// copies made on the way) per worker, GDAL's block cache, the libraries, and for a
    /// coverage section its whole-region arrays: coverage works on the whole population raster,
    /// about 256 bytes per raster cell with reach lists, assignment, siting and fire response
    /// (the coverage benchmark holds 242 MiB for 1 million cells).
    public func estimatedMemory(threads: Int) -> Int {
        let tile = tiles.map(\.cellCount).max() ?? 0
        let bands = hazards.map(\.layers.count).max() ?? 0
        let arrays = 6 + classes.count + 5 * hazards.count
        let perWorker = tile * (8 * (bands + 2) + 4 * arrays) * 2
        let coverageBytes = coverage == nil ? 0 : max(coverageCells, grid.cellCount) * 256
        // The outputs phase holds the level and zone grids whole (polygonizing them).
        let wholeGrid = grid.cellCount * 4
        // Derived hazards are made before pass 1 on the whole compute grid (HazardDerivation: 16
        // bytes per cell and factor, plus the region and the score), up to `threads` at once.
        let derivations = hazards.compactMap { $0.levels?.derivation }.map { computeGrid.cellCount * 16 * ($0.factors.count + 2) }.sorted(by: >)
        let derivation = derivations.prefix(max(1, threads)).reduce(0, +)
        return max(max(1, threads) * perWorker + gdalCache(threads: threads) + coverageBytes + wholeGrid, derivation) + 96 << 20
    }

    /// Hazards with a single-hazard risk level per cell: those given as levels, and every
    /// hazard under the comprehensive-level rule.
    public var levelledHazards: [Int] { hazards.indices.filter { comprehensiveLevel || hazards[$0].isLevels } }

    /// Levelled hazards whose level comes from classifying their R_h (no risk matrix).
    public var classifiedHazards: [Int] { levelledHazards.filter { hazards[$0].levels?.matrix == nil } }

    /// The estimate with one worker per core.
    public var estimatedMemory: Int { estimatedMemory(threads: Workers.available) }

    /// Rough run time in seconds: warping and reading dominate (≈ 60 ns per cell and layer).
    public var estimatedSeconds: Double {
        let layers = 2 + classes.count + hazards.reduce(0) { $0 + $1.layers.count }
        return Double(grid.cellCount * layers) * 60e-9 + 1
    }

    /// The largest grid a census plans: a million cells a side (1,000 km at 1 m), a million tiles.
    static let maximumGridSide = 1_000_000, maximumTiles = 1_000_000
    /// The coarsest cell a census plans: 100 km.
    static let maximumCellSize = 100_000.0

    /// Validates `manifestPath` and resolves it into a plan.
    public static func make(manifestPath: String, baseDirectory: String? = nil) throws(CensusError) -> CensusPlan {
        let m = try Manifest.load(manifestPath)
        let base = baseDirectory ?? (manifestPath as NSString).deletingLastPathComponent
        var inputs: [String] = [manifestPath]
        func bad(_ key: String, _ msg: String) -> CensusError { .manifest(file: manifestPath, key: key, message: msg) }
        // The manifest decides which remote locations this process's inputs may come from.
        if let r = m.remoteInputs {
            guard !r.hosts.isEmpty else { throw bad("remote_inputs.hosts", "list at least one host, or leave remote_inputs out") }
            for (i, s) in (r.schemes ?? []).enumerated() where !["https", "http", "s3", "gs", "az"].contains(s.lowercased()) {
                throw bad("remote_inputs.schemes[\(i)]", "found \"\(s)\"; expected https, http, s3, gs or az")
            }
        }
        InputPolicy.current.remote = m.remoteInputs?.locations ?? []
        func file(_ p: String, key: String) throws(CensusError) -> String {
            guard !p.isEmpty else { throw bad(key, "an empty path; expected a file") }
            let r = resolve(p, base: base)
            do throws(GeoError) {
                try InputPolicy.current.check(r)
            } catch {
                switch error {
                case .refused(let path, let reason): throw bad(key, "\(path): \(reason)")
                case .fileNotFound: throw .missingFile(key: key, path: r)
                default: throw .geo(error)
                }
            }
            inputs.append(r)
            return r
        }
        func raster(_ r: Manifest.RasterInput, key: String, default d: Resampling) throws(CensusError) -> RasterLayer {
            let p = try file(r.path, key: "\(key).path")
            try CensusError.mapping {
                let ds = try RasterDataset(path: p)
                _ = try ds.georeferencedGrid()
                try DatasetInspector.probe(ds)
                let band = r.band ?? 1
                guard band >= 1 && band <= ds.bandCount else { throw bad("\(key).band", "band \(band) not in \(p) (\(ds.bandCount) bands)") }
            }
            return RasterLayer(key: key, path: p, band: r.band ?? 1, resampling: r.resampling ?? d)
        }

        if let t = m.planTargets {
            for (k, v) in [("plan_targets.annual_loss_to_gdp_max", t.annualLossToGdpMax), ("plan_targets.annual_deaths_per_million_max", t.annualDeathsPerMillionMax)] {
                if let v, v < 0 { throw bad(k, "found \(v); expected a target ≥ 0") }
            }
        }

        // Grid.
        guard m.grid.cellSize > 0, m.grid.cellSize.isFinite else { throw bad("grid.cell_size", "must be a positive number of metres") }
        guard m.grid.cellSize <= Self.maximumCellSize else {
            throw bad("grid.cell_size", String(format: "found %g m; expected at most %g m (a census cell is metres to kilometres)", m.grid.cellSize, Self.maximumCellSize))
        }
        let gridCRS: CRS
        do { gridCRS = try CRS.parse(m.grid.crs) } catch { throw bad("grid.crs", "unknown CRS \"\(m.grid.crs)\": \(error.description)") }
        // Cell sizes, areas and distances are metres: a grid in degrees would be wrong everywhere.
        switch try? gridCRS.projectedUnitInMetres() {
        case let unit? where abs(unit - 1) < 1e-9: break
        case let unit?:
            throw bad("grid.crs", "found \(m.grid.crs), whose unit is \(unit) m; expected a projected CRS in metres")
        default:
            throw bad("grid.crs", "found \(m.grid.crs), which is not projected (geographic degrees?); expected a projected CRS in metres, such as a UTM zone or the national grid")
        }
        let tileSize = m.grid.tileSize ?? 512
        guard (16...4096).contains(tileSize) else { throw bad("grid.tile_size", "must be 16…4096 cells") }

        // Region.
        let regionPath = try file(m.region.layer, key: "region.layer")
        let regionBounds: Bounds = try CensusError.mapping {
            let dataset = try VectorDataset(path: regionPath)
            if let name = m.region.layerName, !dataset.layerNames.contains(name) {
                throw bad("region.layer_name", "no layer \"\(name)\" in \(regionPath) (layers: \(dataset.layerNames.joined(separator: ", ")))")
            }
            let layer = try dataset.layer(named: m.region.layerName)
            let crs = try layer.requireCRS()
            // The units are polygons with finite coordinates: a point, a line, an empty or a
            // broken geometry would make a unit of no area, silently.
            var units = 0
            try layer.forEachFeature { (f: Feature) throws(GeoError) in
                units += 1
                let at = "feature \(f.id ?? Int64(units))"
                guard let g = f.geometry else { throw GeoError.invalidData(path: regionPath, location: at, reason: "no geometry; expected a polygon") }
                switch g {
                case .polygon, .multiPolygon: break
                default: throw GeoError.invalidData(path: regionPath, location: at, reason: "a \(g.typeName); expected a Polygon or MultiPolygon unit")
                }
                guard g.positions.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
                    throw GeoError.invalidData(path: regionPath, location: at, reason: "a coordinate that is not a finite number")
                }
            }
            guard units > 0 else { throw CensusError.badData(file: regionPath, message: "the region layer has no units (no features)") }
            let names = layer.fields.map(\.name)
            for (k, f) in [("region.name_field", m.region.nameField), ("region.code_field", m.region.codeField)] {
                if let f, !names.contains(f) {
                    throw bad(k, "field \"\(f)\" not in \(regionPath) (fields: \(names.joined(separator: ", ")))")
                }
            }
            guard let e = layer.extent else { throw CensusError.badData(file: regionPath, message: "the region layer is empty") }
            do {
                return try Self.sampledBounds(e, CoordinateTransformer(from: crs, to: gridCRS))
            } catch let g as GeoError {
                throw CensusError.badData(file: regionPath, message: "its extent cannot be placed on the grid: \(g.description)")
            }
        }
        // A slip in the cell size (0.001 for 1,000) must not become a 500 GB allocation.
        let columns = (regionBounds.maxX - regionBounds.minX) / m.grid.cellSize
        let rows = (regionBounds.maxY - regionBounds.minY) / m.grid.cellSize
        let tileCount = (columns / Double(tileSize)).rounded(.up) * (rows / Double(tileSize)).rounded(.up)
        guard columns <= Double(Self.maximumGridSide), rows <= Double(Self.maximumGridSide), tileCount <= Double(Self.maximumTiles) else {
            throw bad("grid.cell_size", String(format: "found %g m, which gives %.3g × %.3g cells (%.3g tiles of %d) over the region; expected at most %d cells a side and %d tiles",
                                               m.grid.cellSize, columns, rows, tileCount, tileSize, Self.maximumGridSide, Self.maximumTiles))
        }
        let grid = GridSpec(covering: regionBounds, cellSize: m.grid.cellSize, crs: gridCRS)

        // Exposure classes.
        var classes: [ExposureClass] = []
        let b = m.exposure.buildings
        guard !b.classes.isEmpty else { throw bad("exposure.buildings.classes", "at least one building class is needed") }
        guard (b.raster == nil) != (b.vector == nil) else {
            throw bad("exposure.buildings", "give exactly one of raster or vector")
        }
        let buildingsRaster = try b.raster.map { r throws(CensusError) in try raster(r, key: "exposure.buildings.raster", default: .sum) }
        for (i, c) in b.classes.enumerated() {
            guard c.costPerM2 >= 0, c.costPerM2.isFinite else { throw bad("exposure.buildings.classes[\(i)].cost_per_m2", "must be ≥ 0") }
            if b.raster != nil {
                guard let band = c.band else { throw bad("exposure.buildings.classes[\(i)].band", "required with a raster") }
                classes.append(ExposureClass(name: c.name, curveClass: c.name, source: .buildingBand(band: band, costPerM2: c.costPerM2)))
            } else {
                classes.append(ExposureClass(name: c.name, curveClass: c.name, source: .buildingVector(className: c.name, costPerM2: c.costPerM2)))
            }
        }
        var footprints: Footprints?
        if let v = b.vector {
            let p = try file(v.path, key: "exposure.buildings.vector.path")
            footprints = Footprints(path: p, layer: v.layer, classField: v.classField, areaField: v.areaField)
            try checkFields(p, layer: v.layer, fields: [("exposure.buildings.vector.class_field", v.classField),
                                                         ("exposure.buildings.vector.area_field", v.areaField)], manifest: manifestPath)
        }
        for (i, infra) in (m.exposure.infrastructure ?? []).enumerated() {
            let key = "exposure.infrastructure[\(i)]"
            let p = try file(infra.path, key: "\(key).path")
            var fields: [(String, String)] = []
            switch infra.kind {
            case .lines:
                guard infra.costPerKm != nil || infra.costPerKmField != nil else { throw bad(key, "lines need cost_per_km or cost_per_km_field") }
                if let f = infra.costPerKmField { fields.append(("\(key).cost_per_km_field", f)) }
                classes.append(ExposureClass(name: infra.id, curveClass: infra.curveClass,
                                             source: .lines(VectorLayer(path: p, layer: infra.layer, field: infra.costPerKmField, constant: infra.costPerKm))))
            case .points:
                guard infra.value != nil || infra.valueField != nil else { throw bad(key, "points need value or value_field") }
                if let f = infra.valueField { fields.append(("\(key).value_field", f)) }
                classes.append(ExposureClass(name: infra.id, curveClass: infra.curveClass,
                                             source: .points(VectorLayer(path: p, layer: infra.layer, field: infra.valueField, constant: infra.value))))
            }
            try checkFields(p, layer: infra.layer, fields: fields, manifest: manifestPath)
        }
        let population = try raster(m.exposure.population, key: "exposure.population", default: .sum)
        let gdp = try m.exposure.gdp.map { g throws(CensusError) in try raster(g, key: "exposure.gdp", default: .sum) }
        let capacity = try m.capacity.map { c throws(CensusError) in try raster(c, key: "capacity", default: .average) }
        // Exposure layers hold totals per cell, which the compute grid splits and the analysis
        // grid sums: any other resampling would change the totals with the cell size.
        for (layer, key) in [(population, "exposure.population"), (gdp, "exposure.gdp"), (buildingsRaster, "exposure.buildings.raster")] {
            if let layer, layer.resampling != .sum {
                throw bad("\(key).resampling", "exposure layers are totals per cell and are summed; resampling must be sum, not \(layer.resampling.rawValue)")
            }
        }
        let mask = try m.mask.map { c throws(CensusError) in try raster(c, key: "mask", default: .nearest) }
        var coverage: CoverageJob?
        var coverageCapacity = false
        var coverageCells = 0
        if let c = m.coverage {
            guard c.shelters != nil else { throw bad("coverage.shelters", "required key is missing; expected the shelters layer") }
            var job = try c.job(demandPath: population.path, file: { p, key throws(CensusError) in try file(p, key: "coverage.\(key)") },
                                fail: { key, message in bad("coverage.\(key)", message) })
            job.crs = grid.crs
            coverage = job
            if let r = try? RasterDataset(path: population.path) { coverageCells = r.width * r.height }
            coverageCapacity = c.capacityLayer ?? (capacity == nil)
            if coverageCapacity && capacity != nil { throw bad("coverage.capacity_layer", "a capacity raster is given too; use one or the other") }
        }

        // Hazards.
        guard !m.hazards.isEmpty else { throw bad("hazards", "at least one hazard is needed") }
        var hazards: [Hazard] = []
        var seen = Set<String>()
        for (i, h) in m.hazards.enumerated() {
            let key = "hazards[\(i)]"
            guard seen.insert(h.id).inserted else { throw bad("\(key).id", "duplicate hazard id \"\(h.id)\"") }
            guard !h.units.trimmingCharacters(in: .whitespaces).isEmpty else { throw bad("\(key).units", "units must be declared") }
            if let lv = h.levels {
                let (level, layer) = try levelHazard(h, lv, key: key, file: { p, k throws(CensusError) in try file(p, key: k) },
                                                     raster: { r, k, d throws(CensusError) in try raster(r, key: k, default: d) }, bad: bad)
                if let r = h.resampling, r != .nearest { throw bad("\(key).resampling", "levels are classes: they are sampled with nearest, not \(r.rawValue)") }
                let hazardMask = try h.mask.map { c throws(CensusError) in try raster(c, key: "\(key).mask", default: .nearest) }
                hazards.append(Hazard(id: h.id, units: h.units, returnPeriods: [], layers: [layer], indexBand: 0,
                                      damage: [], fatality: nil, mask: hazardMask, levels: level))
                continue
            }
            if h.riskMatrix != nil { throw bad("\(key).risk_matrix", "a risk matrix is for a hazard given as levels") }
            guard let vulnerability = h.vulnerability else { throw bad("\(key).vulnerability", "required key is missing; expected the damage curve table") }
            let rs = h.resampling ?? Resampling.nearest
            var layers: [RasterLayer] = []
            var rps: [Double] = []
            switch (h.returnPeriods, h.scenario) {
            case (let list?, nil):
                guard !list.isEmpty else { throw bad("\(key).return_periods", "list at least one return period") }
                let sorted = list.enumerated().sorted { $0.element.years < $1.element.years }
                for (j, rp) in sorted {
                    guard rp.years > 0, rp.years.isFinite else { throw bad("\(key).return_periods[\(j)].years", "must be > 0") }
                    if let last = rps.last, last == rp.years { throw bad("\(key).return_periods[\(j)].years", "return period \(rp.years) given twice") }
                    rps.append(rp.years)
                    layers.append(try raster(Manifest.RasterInput(path: rp.path, band: rp.band, resampling: h.resampling),
                                             key: "\(key).return_periods[\(j)]", default: rs))
                }
            case (nil, let s?):
                layers.append(try raster(s, key: "\(key).scenario", default: rs))
            default:
                throw bad(key, "give exactly one of return_periods or scenario")
            }
            var indexBand = 0
            if let irp = h.indexReturnPeriod {
                guard let j = rps.firstIndex(of: irp) else { throw bad("\(key).index_return_period", "\(irp) is not one of the return periods") }
                indexBand = j
            } else if !rps.isEmpty {
                indexBand = rps.lastIndex { $0 <= 100 } ?? rps.count - 1
            }
            let names = Array(Set(classes.map(\.curveClass))).sorted()
            let curves = try CurveTables.load(vulnerability, key: "\(key).vulnerability", base: base, classes: names)
            inputs.append(resolve(vulnerability.csv, base: base))
            var fatality: PiecewiseLinearCurve?
            if let f = h.fatality {
                let cls = h.fatalityClass ?? h.id
                fatality = try CurveTables.load(f, key: "\(key).fatality", base: base, classes: [cls])[cls]
                inputs.append(resolve(f.csv, base: base))
            }
            if rs == .sum { throw bad("\(key).resampling", "a hazard intensity cannot be summed; use nearest, bilinear or average") }
            let hazardMask = try h.mask.map { c throws(CensusError) in try raster(c, key: "\(key).mask", default: .nearest) }
            hazards.append(Hazard(id: h.id, units: h.units, returnPeriods: rps, layers: layers, indexBand: indexBand,
                                  damage: classes.map { curves[$0.curveClass]! }, fatality: fatality, mask: hazardMask))
        }

        // EAL integration.
        let e = m.eal
        let tail = e?.tail ?? .none, prob = e?.probability ?? .reciprocal
        if let z = e?.zeroDamageReturnPeriod {
            let shortest = hazards.compactMap { $0.returnPeriods.first }.min() ?? .infinity
            guard z > 0, z < shortest else { throw bad("eal.zero_damage_return_period", "must be > 0 and below the shortest return period (\(shortest))") }
        }
        let integration = ExceedanceIntegration(zeroDamageReturnPeriod: e?.zeroDamageReturnPeriod, tail: tail, probability: prob)

        // Index.
        let ix = m.index
        var weights = [Double](repeating: 1 / Double(hazards.count), count: hazards.count)
        if ix?.weights != nil && ix?.ahp != nil { throw bad("index", "give weights or ahp, not both") }
        if let w = ix?.weights { weights = try givenWeights(w, ids: hazards.map(\.id), what: "hazard", key: "index.weights", bad: bad) }
        if let a = ix?.ahp { weights = try ahpWeights(a, ids: hazards.map(\.id), what: "hazard", key: "index.ahp", bad: bad).weights }
        let combination: CombinationRule
        if let c = ix?.combination, c != .weightedSum, ix?.weights != nil || ix?.ahp != nil {
            throw bad(ix?.weights != nil ? "index.weights" : "index.ahp", "hazard weights are for combination weighted_sum; \(c.rawValue) does not weigh hazards")
        }
        switch ix?.combination ?? .weightedSum {
        case .weightedSum: combination = .weightedSum(weights)
        case .max: combination = .maximum
        case .inform: combination = .inform
        case .comprehensiveLevel: combination = .maximum
        }
        let ew = ix?.exposureWeights ?? Manifest.ExposureWeights(population: 0.5, value: 0.5)
        guard ew.population >= 0, ew.value >= 0, abs(ew.population + ew.value - 1) < 1e-6 else {
            throw bad("index.exposure_weights", "population and value weights must be ≥ 0 and sum to 1")
        }

        // Classification.
        let cs = m.classification ?? Manifest.ClassificationSpec(method: .naturalBreaks)
        let method: ClassificationMethod
        switch cs.method {
        case .naturalBreaks: method = .naturalBreaks
        case .quantile: method = .quantile
        case .percentile:
            let p = cs.percentiles ?? [60, 80, 90, 95]
            guard p.count == 4, zip(p, p.dropFirst()).allSatisfy({ $0 < $1 }), p.allSatisfy({ $0 > 0 && $0 < 100 }) else {
                throw bad("classification.percentiles", "four ascending percentiles between 0 and 100")
            }
            method = .percentile(p)
        case .fixed:
            guard let t = cs.thresholds, t.count == 4, zip(t, t.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw bad("classification.thresholds", "four ascending thresholds")
            }
            method = .fixed(t)
        }
        if let p = m.outputs?.precision, !(0...15).contains(p) { throw bad("outputs.precision", "must be 0…15") }

        func json<T: Encodable>(_ v: T?) throws(CensusError) -> String {
            guard let v else { return "null" }
            let e = JSONEncoder()
            e.keyEncodingStrategy = .convertToSnakeCase
            e.outputFormatting = [.sortedKeys]
            do { return String(decoding: try e.encode(v), as: UTF8.self) } catch { throw bad("", "cannot encode: \(error)") }
        }
        let sections = Sections(whole: try json(m), region: try json(m.region), exposure: try json(m.exposure),
                                population: try json(m.exposure.population), capacity: try json(m.capacity), mask: try json(m.mask),
                                eal: try json(m.eal), coverage: try json(m.coverage), hazards: try m.hazards.map { h throws(CensusError) in try json(h) })
        var region = Region(path: regionPath, layerName: m.region.layerName, nameField: m.region.nameField, codeField: m.region.codeField)
        region.unitsName = m.region.units ?? "districts"
        region.parents = try parentLevels(m.region, regionPath: regionPath, manifest: manifestPath, file: { p, k throws(CensusError) in try file(p, key: k) }, bad: bad)
        var plan = CensusPlan(name: m.name, manifestPath: manifestPath, sections: sections,
                          region: region,
                          outputs: Outputs(precision: m.outputs?.precision ?? 6, cells: m.outputs?.cells ?? true,
                                                        cellsGeoJSON: (m.outputs?.cells ?? true) && (m.outputs?.cellsGeojson ?? (grid.cellCount <= Self.cellGeoJSONLimit)),
                                                        zones: m.outputs?.zones ?? true),
                          planTargets: m.planTargets, footprints: footprints, base: base, grid: grid,
                          tiles: grid.blocks(size: tileSize), hazards: hazards, classes: classes,
                          population: population, gdp: gdp, buildingsRaster: buildingsRaster, capacity: capacity,
                          coverage: coverage, coverageCapacity: coverageCapacity,
                          integration: integration, hazardWeights: weights, combination: combination,
                          halfToOne: ix?.rescale == .halfToOne, logExposure: ix?.logExposure ?? true,
                          exposureWeights: (ew.population, ew.value), classification: method, classificationName: cs.method.rawValue,
                          currency: m.currency ?? "CNY", inputs: Array(Set(inputs)).sorted())
        plan.coverageCells = coverageCells
        // Every unit's parent code must name a unit of its parent level.
        if !region.parents.isEmpty { _ = try CensusError.mapping { try UnitHierarchy.read(region) } }
        plan.comprehensiveLevel = ix?.combination == .comprehensiveLevel
        plan.mask = mask
        try plan.chooseComputeGrid()
        // With one worker, the least any run of this plan needs.
        let needs = plan.estimatedMemory(threads: 1)
        if needs > MemoryBudget.bytes {
            let key = coverage != nil && coverageCells * 256 > needs / 2 ? "coverage" : "grid.cell_size"
            throw bad(key, "the census needs about \(MemoryBudget.describe(needs)) with one worker (\(grid.width) × \(grid.height) cells\(coverage != nil ? ", coverage over \(coverageCells) population cells" : "")), over the memory budget of \(MemoryBudget.describe(MemoryBudget.bytes)) (--max-memory)")
        }
        return plan
    }

    /// Weights by id, each ≥ 0 and summing to 1, one per id of `ids`, in that order.
    static func givenWeights(_ w: [String: Double], ids: [String], what: String, key: String,
                             bad: (String, String) -> CensusError) throws(CensusError) -> [Double] {
        guard Set(w.keys) == Set(ids) else { throw bad(key, "needs one weight per \(what) id (\(ids.joined(separator: ", ")))") }
        guard w.values.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(w.values.reduce(0, +) - 1) < 1e-6 else {
            throw bad(key, "weights must be ≥ 0 and sum to 1")
        }
        return ids.map { w[$0]! }
    }

    /// AHP weights of `ids`, in that order, from a pairwise matrix whose order lists each id once
    /// and whose consistency ratio is below 0.1.
    static func ahpWeights(_ a: Manifest.AHPMatrix, ids: [String], what: String, key: String,
                           bad: (String, String) -> CensusError) throws(CensusError) -> (weights: [Double], consistencyRatio: Double) {
        guard Set(a.order) == Set(ids), a.order.count == ids.count else { throw bad("\(key).order", "must list each \(what) id once") }
        let ahp: AHP
        do { ahp = try AHP(pairwise: a.matrix) } catch { throw bad("\(key).matrix", error.description) }
        guard a.matrix.count == a.order.count else { throw bad("\(key).matrix", "is \(a.matrix.count)×\(a.matrix.count) for \(a.order.count) \(what)s") }
        guard ahp.isConsistent else {
            throw bad("\(key).matrix", "inconsistent: consistency ratio \(String(format: "%.3f", ahp.consistencyRatio)) ≥ 0.1")
        }
        return (ids.map { ahp.weights[a.order.firstIndex(of: $0)!] }, ahp.consistencyRatio)
    }

    /// Names that a level's tables may not take: the run's other outputs.
    static let reservedUnitNames: Set<String> = ["risk_level", "risk_index", "eal", "risk_cells", "risk_zones", "plan_targets", "provenance",
                                                 "catalog", "tiles", "coverage", "index", "viewer-data", "leaflet"]

    /// The coarser unit levels, checked: names usable as file names and distinct, fields present
    /// in the layers that must hold them. Whether every parent code exists is checked when the
    /// units are read (`UnitHierarchy`, also at planning).
    static func parentLevels(_ r: Manifest.Region, regionPath: String, manifest: String, file: (String, String) throws(CensusError) -> String,
                             bad: (String, String) -> CensusError) throws(CensusError) -> [ParentLevel] {
        var names = [r.units ?? "districts"]
        func checkName(_ name: String, _ key: String) throws(CensusError) {
            let ok = !name.isEmpty && name.count <= 64 && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } && !name.hasPrefix("-")
            guard ok, !reservedUnitNames.contains(name) else {
                throw bad(key, "found \"\(name)\"; expected a name for the units' files: letters, digits, _ or -, not one of the run's other outputs")
            }
        }
        try checkName(names[0], "region.units")
        var out: [ParentLevel] = []
        // The layer (and the field list) whose features carry the next parent code.
        var childPath = regionPath, childLayer = r.layerName
        for (k, p) in (r.parents ?? []).enumerated() {
            let key = "region.parents[\(k)]"
            try checkName(p.units, "\(key).units")
            guard !names.contains(p.units) else { throw bad("\(key).units", "\"\(p.units)\" names another level already; expected a name of its own") }
            names.append(p.units)
            try checkFields(childPath, layer: childLayer, fields: [("\(key).parent_field", p.parentField)] + (p.layer == nil ? [("\(key).name_field", p.nameField)] : []), manifest: manifest)
            var level = ParentLevel(units: p.units, parentField: p.parentField, path: nil, layerName: p.layerName, nameField: p.nameField, codeField: p.codeField,
                                    unassigned: p.unassigned)
            if let u = p.unassigned, u.code.trimmingCharacters(in: .whitespaces).isEmpty {
                throw bad("\(key).unassigned.code", "an empty code; expected the code of the unit that children without a parent code join")
            }
            if let layer = p.layer {
                let path = try file(layer, "\(key).layer")
                guard let code = p.codeField else { throw bad("\(key).code_field", "required with a layer: the field its units are found by") }
                try checkFields(path, layer: p.layerName, fields: [("\(key).name_field", p.nameField), ("\(key).code_field", code)], manifest: manifest)
                level.path = path
                childPath = path
                childLayer = p.layerName
            } else if p.codeField != nil || p.layerName != nil {
                throw bad(p.codeField != nil ? "\(key).code_field" : "\(key).layer_name", "a level without a layer takes its codes from parent_field; code_field and layer_name are for a layer")
            }
            out.append(level)
        }
        return out
    }

    /// The layers of `sources` (each layer's grid by path) that do not overlap the analysis
    /// grid are bad input, named with both extents.
    func checkOverlap(_ sources: [String: GridSpec]) throws(CensusError) {
        let gridBounds = grid.bounds()
        let layers = hazards.flatMap { $0.layers.filter { !$0.path.isEmpty } + ($0.mask.map { [$0] } ?? []) }
            + [population] + [gdp, buildingsRaster, capacity, mask].compactMap { $0 }
        for layer in layers {
            guard let g = sources[layer.path] else { continue }
            let b = g.bounds()
            // PROJ may not even place it in the grid's CRS: that is no overlap either.
            let reached = (try? CoordinateTransformer(from: g.crs!, to: grid.crs!)).flatMap { t in
                try? Self.sampledBounds(b, t)
            }.flatMap { $0.intersection(gridBounds) } != nil
            guard reached else {
                throw CensusError.badData(file: layer.path, message: "\(layer.key): the layer covers x \(b.minX)…\(b.maxX), y \(b.minY)…\(b.maxY) in its CRS "
                    + "(\(g.crs?.description ?? "?")), which does not overlap the region's grid (x \(gridBounds.minX)…\(gridBounds.maxX), "
                    + "y \(gridBounds.minY)…\(gridBounds.maxY) in \(grid.crs?.description ?? "?")); expected a layer over the region")
            }
        }
    }

    /// The box around a box's corners and edge midpoints carried through `t`.
    static func sampledBounds(_ e: Bounds, _ t: CoordinateTransformer) throws(GeoError) -> Bounds {
        var points = [Position(e.minX, e.minY), Position(e.maxX, e.minY), Position(e.minX, e.maxY), Position(e.maxX, e.maxY),
                      Position((e.minX + e.maxX) / 2, e.minY), Position((e.minX + e.maxX) / 2, e.maxY),
                      Position(e.minX, (e.minY + e.maxY) / 2), Position(e.maxX, (e.minY + e.maxY) / 2)]
        try t.transform(&points)
        return Bounds(points: points.map { (x: $0.x, y: $0.y) })!
    }

    private static func checkFields(_ path: String, layer: String?, fields: [(String, String)], manifest: String) throws(CensusError) {
        try CensusError.mapping {
            let l = try VectorDataset(path: path).layer(named: layer)
            _ = try l.requireCRS()
            let names = l.fields.map(\.name)
            for (key, f) in fields where !names.contains(f) {
                throw CensusError.manifest(file: manifest, key: key, message: "field \"\(f)\" not in \(path) (fields: \(names.joined(separator: ", ")))")
            }
        }
    }
}
