import Foundation
import RiskCore

/// What a tile file holds, as a type: the phases of a run hand these to each other through the
/// tile store, whose one codec stores named Float32 arrays of one length. A missing array is an
/// error naming the file, never a crash.
protocol TileContent {
    /// The arrays to store, by name, all of one length (empty for a tile outside the region).
    var arrays: [(String, [Float])] { get }
    init(_ stored: StoredArrays) throws
}

/// A tile file's arrays by name, as read back.
struct StoredArrays {
    let file: String
    let byName: [String: [Float]]

    func required(_ name: String) throws -> [Float] {
        guard let a = byName[name] else {
            throw CensusError.run("\(file): the tile file has no array \"\(name)\"; it was made by another engine build (run with --fresh)")
        }
        return a
    }

    /// `prefix0`, `prefix1`, … while present.
    func numbered(_ prefix: String) -> [[Float]] {
        var out: [[Float]] = []
        while let a = byName["\(prefix)\(out.count)"] { out.append(a) }
        return out
    }
}

/// Pass 1's exposure part of a tile, on its analysis cells. All arrays are empty for a tile
/// outside the region.
struct ExposureTile: TileContent {
    /// The unit of each cell: k + 1 for unit k, 0 outside the region.
    var zone: [Float]
    var population: [Float]
    var gdp: [Float]
    var exposedValue: [Float]
    /// Capacity C in [0, 1] from a capacity raster; nil without one.
    var capacity: [Float]?
    /// Exposed value per class (currency), in class order.
    var values: [[Float]]

    static let outside = ExposureTile(zone: [], population: [], gdp: [], exposedValue: [], capacity: nil, values: [])

    init(zone: [Float], population: [Float], gdp: [Float], exposedValue: [Float], capacity: [Float]?, values: [[Float]]) {
        self.zone = zone
        self.population = population
        self.gdp = gdp
        self.exposedValue = exposedValue
        self.capacity = capacity
        self.values = values
    }

    var isOutside: Bool { zone.isEmpty }

    var arrays: [(String, [Float])] {
        if isOutside { return [("zone", [])] }
        var a = [("zone", zone), ("population", population), ("gdp", gdp), ("exposed_value", exposedValue)]
        if let capacity { a.append(("capacity", capacity)) }
        for (k, v) in values.enumerated() { a.append(("value_\(k)", v)) }
        return a
    }

    init(_ s: StoredArrays) throws {
        let zone = try s.required("zone")
        guard !zone.isEmpty else {
            self = .outside
            return
        }
        self.init(zone: zone, population: try s.required("population"), gdp: try s.required("gdp"),
                  exposedValue: try s.required("exposed_value"), capacity: s.byName["capacity"], values: s.numbered("value_"))
    }
}

/// Pass 1's part of one hazard in a tile (FineCells.HazardCells, stored).
struct HazardTile: TileContent {
    var cells: FineCells.HazardCells

    static let outside = HazardTile(cells: FineCells.HazardCells(loss: [], fatalities: [], indicator: [], lossRatio: []))

    var arrays: [(String, [Float])] {
        cells.loss.isEmpty ? [("loss", [])] : [("loss", cells.loss), ("fatalities", cells.fatalities),
                                                ("hazard_indicator", cells.indicator), ("loss_ratio", cells.lossRatio)]
            + cells.levelPopulation.enumerated().map { ("level_population_\($0.offset)", $0.element) }
    }

    init(cells: FineCells.HazardCells) { self.cells = cells }

    init(_ s: StoredArrays) throws {
        let loss = try s.required("loss")
        guard !loss.isEmpty else {
            self = .outside
            return
        }
        cells = FineCells.HazardCells(loss: loss, fatalities: try s.required("fatalities"),
                                      indicator: try s.required("hazard_indicator"), lossRatio: try s.required("loss_ratio"),
                                      levelPopulation: s.numbered("level_population_"))
    }
}

/// Pass 2 of a tile: the composite index, each hazard's R_h and, for a hazard with a risk
/// matrix, its risk level per cell (by hazard index; NaN unknown).
struct IndexTile: TileContent {
    var index: [Float]
    var risk: [[Float]]
    var matrixLevels: [Int: [Float]]

    static let outside = IndexTile(index: [], risk: [])

    init(index: [Float], risk: [[Float]], matrixLevels: [Int: [Float]] = [:]) {
        self.index = index
        self.risk = risk
        self.matrixLevels = matrixLevels
    }

    var arrays: [(String, [Float])] {
        index.isEmpty ? [("index", [])] : [("index", index)] + risk.enumerated().map { ("r_\($0.offset)", $0.element) }
            + matrixLevels.keys.sorted().map { ("matrix_level_\($0)", matrixLevels[$0]!) }
    }

    init(_ s: StoredArrays) throws {
        let risk = s.numbered("r_")
        var levels: [Int: [Float]] = [:]
        for k in risk.indices { if let a = s.byName["matrix_level_\(k)"] { levels[k] = a } }
        self.init(index: try s.required("index"), risk: risk, matrixLevels: levels)
    }
}

/// The coverage step's capacity C for every cell of the grid.
struct CapacityLayer: TileContent {
    var capacity: [Float]

    var arrays: [(String, [Float])] { [("capacity", capacity)] }

    init(capacity: [Float]) { self.capacity = capacity }

    init(_ s: StoredArrays) throws { capacity = try s.required("capacity") }
}

/// The parts of a tile's work, each a job of its own in the run catalog.
enum TilePart: Hashable, Sendable, CustomStringConvertible {
    /// Pass 1: zones and exposure.
    case exposure
    /// Pass 1: one hazard's losses, fatalities and index components.
    case hazard(String)
    /// Pass 2: the index.
    case index

    /// The name the catalog records.
    var description: String {
        switch self {
        case .exposure: "exposure"
        case .hazard(let id): "hazard:" + id
        case .index: "index"
        }
    }

    init?(catalogName s: String) {
        switch s {
        case "exposure": self = .exposure
        case "index": self = .index
        default:
            guard s.hasPrefix("hazard:") else { return nil }
            self = .hazard(String(s.dropFirst("hazard:".count)))
        }
    }
}

/// Min and max of a value over a tile's cells inside the region, after the normalisation's
/// transform. They merge in any order, so the region's statistics do not depend on which tiles
/// finish first.
struct ValueRange: Codable, Sendable, Equatable {
    var min: Double
    var max: Double

    func merged(_ o: ValueRange) -> ValueRange { ValueRange(min: Swift.min(min, o.min), max: Swift.max(max, o.max)) }
}

/// The statistics of one tile part, stored with it in the catalog as JSON.
struct TileStatistics: Codable, Sendable, Equatable {
    var ranges: [String: ValueRange] = [:]
    /// Per name, how many cells inside the region have a value (not NaN).
    var counts: [String: Int] = [:]
    /// Totals for the findings (`population_inside`, `population_outside`, …); absent in tiles
    /// of earlier versions.
    var sums: [String: Double]?

    /// Ranges of the named arrays over the cells inside the region (empty ones left out).
    static func of(_ named: [(String, [Float], Bool)], inside: [Bool]) -> TileStatistics {
        var s = TileStatistics()
        for (name, a, log) in named {
            // The transform (log(1 + max(x, 0)) or none) never decreases, so the range of the
            // transformed values is the transformed range of the values.
            var lo = Float.infinity, hi = -Float.infinity, n = 0
            a.withUnsafeBufferPointer { v in
                inside.withUnsafeBufferPointer { inside in
                    for i in v.indices where inside[i] && !v[i].isNaN {
                        lo = Swift.min(lo, v[i])
                        hi = Swift.max(hi, v[i])
                        n += 1
                    }
                }
            }
            if lo <= hi {
                s.ranges[name] = ValueRange(min: MinMaxNormalization.transformed(Double(lo), log: log),
                                            max: MinMaxNormalization.transformed(Double(hi), log: log))
            }
            s.counts[name] = n
        }
        return s
    }

    var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    init() {}

    /// Nil for text this engine did not write.
    init?(json: String?) {
        guard let json, let s = try? JSONDecoder().decode(TileStatistics.self, from: Data(json.utf8)) else { return nil }
        self = s
    }
}

/// The region-wide statistics the index normalises by: each value's range over every cell
/// inside the region, merged from the tiles' statistics.
struct RegionStatistics: Codable, Sendable, Equatable {
    var population: ValueRange?
    var value: ValueRange?
    var capacity: ValueRange?
    /// Per hazard id: the ranges of its hazard indicator and of its loss ratio.
    var hazard: [String: ValueRange] = [:]
    var vulnerability: [String: ValueRange] = [:]
    /// The tiles' totals for the findings, added up.
    var sums: [String: Double] = [:]

    mutating func add(_ s: TileStatistics, of part: TilePart) {
        for (k, v) in s.sums ?? [:] { sums[k, default: 0] += v }
        func merge(_ r: inout ValueRange?, _ name: String) {
            guard let x = s.ranges[name] else { return }
            r = r.map { $0.merged(x) } ?? x
        }
        switch part {
        case .exposure:
            merge(&population, "population")
            merge(&value, "value")
            merge(&capacity, "capacity")
        case .hazard(let id):
            var h = hazard[id], v = vulnerability[id]
            merge(&h, "hazard")
            merge(&v, "vulnerability")
            hazard[id] = h
            vulnerability[id] = v
        case .index: break
        }
    }
}
