import Foundation
import RiskCore
import RiskGeo

/// One tile's share of the outputs: the three rasters' windows, the tile's sums per district and,
/// when asked, its cell features. Made on a worker; written and added up in tile order.
struct TileOutputs: @unchecked Sendable {   // the formatted cells' buffer is owned, not shared
    var level: [UInt8], index: [Float], eal: [Float]
    /// Expected annual fatalities per cell over the probabilistic hazards, and per hazard with
    /// losses (in `plan.hazards` order) its loss and fatalities per cell: the bands of `eal.tif`
    /// and `fatalities.tif`. NaN outside the region.
    var fatalitiesTotal: [Float] = [], cellLoss: [[Float]] = [], cellFatalities: [[Float]] = []
    /// Per district, the tile's sums in cell order (so that adding tiles in order gives the
    /// same Doubles at any thread count).
    var population: [Double], gdp: [Double], exposed: [Double]
    var loss: [[Double]], fatalities: [[Double]]
    /// Per district: cells, unknown cells, and cells per level (5 per district).
    var cells: [Int], unknown: [Int], levelCells: [Int]
    /// Population and value on the tile's cells inside the region whose level is unknown.
    var unknownPopulation = 0.0, unknownValue = 0.0
    var features: CellGeoJSONWriter.FormattedCells?
    /// The tile's cells as rows of the GeoPackage's cells layer.
    var cellRows: PolygonRows?
    /// Per levelled hazard (by index): its single-hazard risk level per cell and its counts.
    var hazardLevels: [Int: HazardLevels] = [:]

    /// A levelled hazard's share of a tile: the level window and, per district, cells and
    /// residents per risk level (5 per district) and per hazard level (`count` per district).
    struct HazardLevels {
        var level: [UInt8]
        var riskCells: [Int], riskResidents: [Double]
        var hazardCells: [Int], hazardResidents: [Double]
        var hazardLevelCount: Int
    }

    /// Makes a tile's outputs from its pass-1 and pass-2 arrays; shared by the workers.
    struct Maker: Sendable {
        let plan: CensusPlan
        let grid: GridSpec
        let breaks: [Double]
        /// Breaks of each classified hazard's R_h into its single-hazard levels.
        let hazardBreaks: [Int: [Double]]
        let zoneCount: Int
        /// Each district's name and code, for the cell features: `names[d]`, `codes[d]`.
        let names: [CellText], codes: [CellText]
        let cells: Unshared<CellGeoJSONWriter>?
        let cellLayer: CellLayerWriter?
        let keys: CellKeys

        /// `zoneNames` and `zoneCodes` per district; the cells layer's strings are the names
        /// then the codes (`cellStrings`).
        init(plan: CensusPlan, grid: GridSpec, breaks: [Double], hazardBreaks: [Int: [Double]],
             zoneNames: [String], zoneCodes: [String], cells: Unshared<CellGeoJSONWriter>?, cellLayer: CellLayerWriter?) {
            self.plan = plan
            self.grid = grid
            self.breaks = breaks
            self.hazardBreaks = hazardBreaks
            self.zoneCount = zoneNames.count
            names = zoneNames.enumerated().map { CellText($1, index: $0) }
            codes = zoneCodes.enumerated().map { CellText($1, index: zoneNames.count + $0) }
            self.cells = cells
            self.cellLayer = cellLayer
            keys = CellKeys(plan)
        }

        func outputs(tile t: Int, _ arrays: OutputWriter.TileArrays) throws -> TileOutputs {
            let (e, hz, ix) = arrays
            let w = plan.tiles[t], n = w.cellCount, h = plan.hazards.count, z = zoneCount
            var o = TileOutputs(level: [], index: [], eal: [], population: [], gdp: [], exposed: [],
                                loss: [], fatalities: [], cells: [], unknown: [], levelCells: [], features: nil)
            guard !e.isOutside, ix.index.count == n, ix.risk.count == h, hz.allSatisfy({ $0.cells.loss.count == n }) else {
                guard e.isOutside else {
                    throw CensusError.run("tile \(t): its pass-1 and pass-2 parts do not match the tile's \(n) cells; run with --fresh")
                }
                o.level = [UInt8](repeating: 0, count: n)
                o.index = [Float](repeating: .nan, count: n)
                o.eal = o.index
                o.fatalitiesTotal = o.index
                let lossHazards = plan.hazards.filter(\.hasLosses).count
                o.cellLoss = [[Float]](repeating: o.index, count: lossHazards)
                o.cellFatalities = o.cellLoss
                for k in plan.levelledHazards {
                    o.hazardLevels[k] = HazardLevels(level: o.level, riskCells: [], riskResidents: [], hazardCells: [], hazardResidents: [],
                                                     hazardLevelCount: plan.hazards[k].levels?.count ?? 0)
                }
                return o
            }
            let zone = e.zone, index = ix.index
            let loss = hz.map(\.cells.loss), fatalities = hz.map(\.cells.fatalities)
            let annual = plan.hazards.indices.filter { !plan.hazards[$0].isScenario && plan.hazards[$0].hasLosses }
            // Single-hazard risk levels: a matrix hazard's from pass 2, the others' by their breaks.
            var single: [Int: [UInt8]] = [:]
            for k in plan.levelledHazards {
                if let m = ix.matrixLevels[k] {
                    single[k] = (0..<n).map { zone[$0] == 0 || m[$0].isNaN ? 0 : UInt8(m[$0]) }
                } else {
                    let b = hazardBreaks[k]!, r = ix.risk[k]
                    single[k] = (0..<n).map { zone[$0] == 0 ? 0 : Classification.level(Double(r[$0]), breaks: b) }
                }
            }
            let levelled = plan.levelledHazards
            var level = [UInt8](repeating: 0, count: n)
            var eal = [Float](repeating: .nan, count: n)
            var fatal = [Float](repeating: .nan, count: n)
            var known = [Int?](repeating: nil, count: levelled.count)
            for i in 0..<n {
                if plan.comprehensiveLevel {
                    // Every hazard's level must be known, as every combination needs every hazard.
                    var all = true
                    for (j, k) in levelled.enumerated() {
                        let l = single[k]![i]
                        if l == 0 { all = false; break }
                        known[j] = Int(l)
                    }
                    level[i] = all ? UInt8(RiskMatrix.comprehensive(known) ?? 0) : 0
                } else {
                    level[i] = Classification.level(Double(index[i]), breaks: breaks)
                }
                guard zone[i] != 0 else { continue }
                // Total EAL over the probabilistic hazards (NaN outside the region or where one is unknown).
                var s: Float = 0, f: Float = 0
                for k in annual {
                    s += loss[k][i]
                    f += fatalities[k][i]
                }
                eal[i] = s
                fatal[i] = f
            }
            o.level = level
            o.index = index
            o.eal = eal
            o.fatalitiesTotal = fatal
            /// A hazard's values inside the region, NaN elsewhere, as the bands hold them.
            func inRegion(_ a: [Float]) -> [Float] {
                var out = a
                for i in 0..<n where zone[i] == 0 { out[i] = .nan }
                return out
            }
            let withLosses = plan.hazards.indices.filter { plan.hazards[$0].hasLosses }
            o.cellLoss = withLosses.map { inRegion(loss[$0]) }
            o.cellFatalities = withLosses.map { inRegion(fatalities[$0]) }
            func sums(_ a: [Float]) -> [Double] {
                var out = [Double](repeating: 0, count: z)
                a.withUnsafeBufferPointer { v in
                    zone.withUnsafeBufferPointer { zp in
                        for i in 0..<n where zp[i] != 0 && !v[i].isNaN { out[Int(zp[i]) - 1] += Double(v[i]) }
                    }
                }
                return out
            }
            o.population = sums(e.population)
            o.gdp = sums(e.gdp)
            o.exposed = sums(e.exposedValue)
            o.loss = loss.map(sums)
            o.fatalities = fatalities.map(sums)
            o.cells = [Int](repeating: 0, count: z)
            o.unknown = o.cells
            o.levelCells = [Int](repeating: 0, count: 5 * z)
            for i in 0..<n where zone[i] != 0 {
                let d = Int(zone[i]) - 1
                o.cells[d] += 1
                if level[i] == 0 {
                    o.unknown[d] += 1
                    if !e.population[i].isNaN { o.unknownPopulation += Double(e.population[i]) }
                    if !e.exposedValue[i].isNaN { o.unknownValue += Double(e.exposedValue[i]) }
                } else {
                    o.levelCells[5 * d + Int(level[i]) - 1] += 1
                }
            }
            for k in levelled {
                let lv = single[k]!, count = plan.hazards[k].levels?.count ?? 0
                var t = HazardLevels(level: lv, riskCells: [Int](repeating: 0, count: 5 * z), riskResidents: [Double](repeating: 0, count: 5 * z),
                                     hazardCells: [Int](repeating: 0, count: count * z), hazardResidents: [Double](repeating: 0, count: count * z),
                                     hazardLevelCount: count)
                let indicator = hz[k].cells.indicator, levelPopulation = hz[k].cells.levelPopulation
                for i in 0..<n where zone[i] != 0 {
                    let d = Int(zone[i]) - 1
                    if lv[i] != 0 {
                        t.riskCells[5 * d + Int(lv[i]) - 1] += 1
                        if !e.population[i].isNaN { t.riskResidents[5 * d + Int(lv[i]) - 1] += Double(e.population[i]) }
                    }
                    guard count > 0 else { continue }
                    if !indicator[i].isNaN { t.hazardCells[count * d + count - Int(indicator[i])] += 1 }
                    for l in 0..<min(count, levelPopulation.count) where !levelPopulation[l][i].isNaN {
                        t.hazardResidents[count * d + l] += Double(levelPopulation[l][i])
                    }
                }
                o.hazardLevels[k] = t
            }
            guard cells != nil || cellLayer != nil else { return o }
            let written = (0..<n).filter { zone[$0] != 0 && level[$0] != 0 }
            let population = e.population, exposed = e.exposedValue
            // Per hazard, flat (hazard k's cell i at k·n + i): nested arrays would cost a retain
            // per value written.
            let lossFlat = Array(loss.joined()), fatalitiesFlat = Array(fatalities.joined()), riskFlat = Array(ix.risk.joined())
            let keys = self.keys, names = self.names, codes = self.codes, hazards = self.plan.hazards, gridWidth = self.grid.width
            /// One cell's properties, the same for the GeoJSON file and the GeoPackage layer.
            func properties<P: CellProperties>(_ i: Int, _ a: inout P) {
                a.integer(keys.cell, (w.rowOff + i / w.width) * gridWidth + w.colOff + i % w.width)
                a.text(keys.district, names[Int(zone[i]) - 1])
                a.text(keys.districtCode, codes[Int(zone[i]) - 1])
                a.integer(keys.level, Int(level[i]))
                a.number(keys.riskIndex, index[i])
                a.number(keys.population, population[i])
                a.number(keys.exposedValue, exposed[i])
                a.number(keys.eal, eal[i])
                for k in 0..<h where keys.hasLosses[k] { a.number(keys.loss[k], lossFlat[k * n + i]) }
                for k in 0..<h {
                    if keys.hasLosses[k] { a.number(keys.fatalities[k], fatalitiesFlat[k * n + i]) }
                    a.number(keys.risk[k], riskFlat[k * n + i])
                }
                for (k, key) in keys.hazardLevel {
                    let s = hz[k].cells.indicator[i]
                    if s.isNaN { a.null(key) } else { a.integer(key, (hazards[k].levels?.count ?? 0) + 1 - Int(s)) }
                }
                for (k, key) in keys.singleLevel {
                    let l = single[k]![i]
                    if l == 0 { a.null(key) } else { a.integer(key, Int(l)) }
                }
            }
            o.features = try cells?.value.format(window: w, cells: written) { i, a in properties(i, &a) }
            o.cellRows = try cellLayer?.format(window: w, cells: written) { i, a in properties(i, &a) }
            return o
        }
    }

    /// The cell features' property names, made once, numbered in the order they are written
    /// (the GeoPackage layer's columns).
    struct CellKeys: Sendable {
        let cell: CellField, district: CellField, districtCode: CellField, level: CellField
        let riskIndex: CellField, population: CellField, exposedValue: CellField, eal: CellField
        let loss: [CellField], fatalities: [CellField], risk: [CellField]
        let hasLosses: [Bool]
        /// `hazard_level_<id>` of each hazard given as levels, `level_<id>` of each levelled hazard.
        let hazardLevel: [(Int, CellField)], singleLevel: [(Int, CellField)]
        /// Every field, in column order.
        let all: [CellField]

        init(_ plan: CensusPlan) {
            var all: [CellField] = []
            func field(_ name: String, _ type: FieldType = .real) -> CellField {
                let f = CellField(name, type: type, index: all.count)
                all.append(f)
                return f
            }
            cell = field("cell", .integer)
            district = field("district", .string)
            districtCode = field("district_code", .string)
            level = field("level", .integer)
            riskIndex = field("risk_index")
            population = field("population")
            exposedValue = field("exposed_value")
            eal = field("eal")
            hasLosses = plan.hazards.map(\.hasLosses)
            loss = plan.hazards.map { $0.hasLosses ? field($0.lossColumn) : CellField($0.lossColumn) }
            var fatalities: [CellField] = [], risk: [CellField] = []
            for h in plan.hazards {
                fatalities.append(h.hasLosses ? field(h.fatalitiesColumn) : CellField(h.fatalitiesColumn))
                risk.append(field("r_" + h.id))
            }
            self.fatalities = fatalities
            self.risk = risk
            hazardLevel = plan.hazards.indices.filter { plan.hazards[$0].isLevels }.map { ($0, field("hazard_level_" + plan.hazards[$0].id, .integer)) }
            singleLevel = plan.levelledHazards.map { ($0, field("level_" + plan.hazards[$0].id, .integer)) }
            self.all = all
        }
    }
}

/// The districts' running totals, added to one tile at a time in tile order, and, when the
/// zones are asked for, every cell's level (a byte per cell) for polygonizing.
final class Tally: @unchecked Sendable {   // used by one worker at a time, in turn
    private(set) var districts: [DistrictSummary]
    private(set) var withData = 0, unknown = 0
    private(set) var unknownPopulation = 0.0, unknownValue = 0.0
    private(set) var levels: [UInt8]
    /// The largest value of `eal.tif`'s and `fatalities.tif`'s first band (the totals), nil
    /// while no cell has one: the styles' scales, without reading the rasters back.
    private(set) var ealMax: Double?, fatalitiesMax: Double?
    private let annual: [Bool]
    private let grid: GridSpec

    init(districts: [DistrictSummary], annual: [Bool], grid: GridSpec, keepLevels: Bool) {
        self.districts = districts
        self.annual = annual
        self.grid = grid
        levels = keepLevels ? [UInt8](repeating: 0, count: grid.cellCount) : []
    }

    func add(_ o: TileOutputs, window w: Window) {
        if !levels.isEmpty {
            levels.withUnsafeMutableBufferPointer { all in
                o.level.withUnsafeBufferPointer { tile in
                    for r in 0..<w.height {
                        let to = (w.rowOff + r) * grid.width + w.colOff
                        for c in 0..<w.width { all[to + c] = tile[r * w.width + c] }
                    }
                }
            }
        }
        ealMax = Self.largest(o.eal, above: ealMax)
        fatalitiesMax = Self.largest(o.fatalitiesTotal, above: fatalitiesMax)
        guard !o.cells.isEmpty else { return }   // a tile outside the region
        unknownPopulation += o.unknownPopulation
        unknownValue += o.unknownValue
        for d in districts.indices {
            if o.population[d] != 0 { districts[d].population += o.population[d] }
            if o.gdp[d] != 0 { districts[d].gdp += o.gdp[d] }
            if o.exposed[d] != 0 { districts[d].exposedValue += o.exposed[d] }
            for k in annual.indices {
                let x = o.loss[k][d], f = o.fatalities[k][d]
                if x != 0 {
                    districts[d].hazardLoss[k] += x
                    if annual[k] { districts[d].eal += x }
                }
                if f != 0 {
                    districts[d].hazardFatalities[k] += f
                    if annual[k] { districts[d].expectedFatalities += f }
                }
            }
            for (k, t) in o.hazardLevels {
                var c = districts[d].hazardLevels[k] ?? DistrictSummary.LevelCounts(hazardLevels: t.hazardLevelCount)
                for l in 0..<5 {
                    c.riskCells[l] += t.riskCells[5 * d + l]
                    c.riskResidents[l] += t.riskResidents[5 * d + l]
                }
                for l in 0..<t.hazardLevelCount {
                    c.hazardCells[l] += t.hazardCells[t.hazardLevelCount * d + l]
                    c.hazardResidents[l] += t.hazardResidents[t.hazardLevelCount * d + l]
                }
                districts[d].hazardLevels[k] = c
            }
            districts[d].cells += o.cells[d]
            districts[d].unknownCells += o.unknown[d]
            unknown += o.unknown[d]
            for l in 0..<5 {
                districts[d].levelCells[l] += o.levelCells[5 * d + l]
                withData += o.levelCells[5 * d + l]
            }
        }
    }

    /// The largest known (non-NaN) value of `values` and `current`.
    private static func largest(_ values: [Float], above current: Double?) -> Double? {
        var top = -Float.infinity
        for v in values where v > top { top = v }   // NaN compares false
        return top == -.infinity ? current : max(current ?? -.infinity, Double(top))
    }
}

/// A value handed between workers that use it one at a time (a writer in turn) or only through
/// thread-safe methods; the compiler cannot see either.
struct Unshared<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Runs `produce(k)` for k in 0..<n on the workers and `consume(k, result)` for each result in
/// increasing k, one at a time, on the worker that made it: work in parallel, effects in order.
/// A worker holds one result while it waits for its turn, so at most `Workers.limit` results
/// are in memory. The first error stops the work and is thrown.
enum OrderedWork {
    static func run<T>(_ n: Int, produce: @Sendable (Int) throws -> T, consume: @Sendable (Int, T) throws -> Void) throws {
        let gate = OrderedGate()
        let failure = FirstError()
        DispatchQueue.concurrentPerform(iterations: max(1, min(n, Workers.limit))) { _ in
            while let k = gate.claim(below: n) {
                var result: T?
                if !failure.isSet {
                    do { result = try produce(k) } catch { failure.record(error) }
                }
                gate.wait(forTurn: k)
                if let result, !failure.isSet {
                    do { try consume(k, result) } catch { failure.record(error) }
                }
                gate.advance()
            }
        }
        if let e = failure.error { throw e }
    }

    /// `produce(k)` for k in 0..<n on the workers, as an array in k order.
    static func map<T>(_ n: Int, _ produce: @Sendable (Int) throws -> T) throws -> [T] {
        let collected = Collected<T>()
        try run(n, produce: produce) { _, v in collected.values.append(v) }
        return collected.values
    }

    /// What `map`'s consume appends to, one worker at a time.
    private final class Collected<T>: @unchecked Sendable {
        var values: [T] = []
    }

    private final class FirstError: @unchecked Sendable {
        private let lock = NSLock()
        private var first: (any Error)?
        var error: (any Error)? { lock.withLock { first } }
        var isSet: Bool { error != nil }
        func record(_ e: any Error) { lock.withLock { if first == nil { first = e } } }
    }
}
