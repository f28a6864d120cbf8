import Foundation
import RiskCore

/// Something an analyst should know before signing a census off, though it is not an error:
/// exposure left outside the region, units without a name, an empty level. Each is printed on
/// stderr as a warning and recorded in `provenance.json` under `warnings`.
public struct Finding: Codable, Sendable, Equatable {
    /// A stable name for the kind of finding (`exposure_outside_region`, …), for scripts.
    public var code: String
    /// The manifest key of the layer, or the unit, it is about.
    public var subject: String
    public var message: String
    /// The numbers behind it (amounts, shares, counts).
    public var figures: [String: Double]

    public init(code: String, subject: String, message: String, figures: [String: Double] = [:]) {
        self.code = code
        self.subject = subject
        self.message = message
        self.figures = figures
    }

    /// The finding as one line: `subject: message [code]`.
    public var line: String { "\(subject): \(message) [\(code)]" }

    /// The finding as one JSON object with sorted keys (provenance.json).
    var json: JSONValue {
        .object(["code": .string(code), "subject": .string(subject), "message": .string(message),
                 "figures": .object(figures.mapValues { .number($0) })])
    }
}

/// The findings of each phase, from the facts it produced.
enum Findings {
    /// A share below this is rounding, not a finding.
    static let negligibleShare = 0.001

    /// Tile files of an earlier run whose checksum no longer matches the catalog (a disk fault,
    /// an edit by hand): they were computed again.
    static func damagedTiles(_ files: [String]) -> [Finding] {
        guard !files.isEmpty else { return [] }
        let shown = files.prefix(5).map { "tiles/\($0).bin" }.joined(separator: ", ") + (files.count > 5 ? ", …" : "")
        return [Finding(code: "damaged_tile", subject: "tiles",
                        message: "\(files.count) tile file(s) did not match the checksum the catalog recorded (\(shown)); they were computed again",
                        figures: ["files": Double(files.count)])]
    }

    /// Units without a name, and names given to more than one unit (units are then told apart
    /// by their code, which outputs carry beside the name).
    static func units(_ zones: [CensusRunner.Zone], nameField: String) -> [Finding] {
        var out: [Finding] = []
        let unnamed = zones.indices.filter { zones[$0].name.trimmingCharacters(in: .whitespaces).isEmpty }
        if !unnamed.isEmpty {
            out.append(Finding(code: "unit_without_name", subject: "region.name_field",
                               message: "\(unnamed.count) of \(zones.count) units have no \(nameField) (features \(unnamed.prefix(10).map { String($0 + 1) }.joined(separator: ", "))\(unnamed.count > 10 ? ", …" : "")); they appear with an empty name beside their code",
                               figures: ["units": Double(unnamed.count)]))
        }
        var byName: [String: [Int]] = [:]
        for (k, z) in zones.enumerated() where !z.name.trimmingCharacters(in: .whitespaces).isEmpty { byName[z.name, default: []].append(k) }
        let repeated = byName.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }
        if !repeated.isEmpty {
            let list = repeated.prefix(5).map { "\($0.key) (\($0.value.count) units)" }.joined(separator: ", ")
            out.append(Finding(code: "repeated_unit_name", subject: "region.name_field",
                               message: "\(repeated.count) \(nameField) values name more than one unit: \(list)\(repeated.count > 5 ? ", …" : ""); tell them apart by code",
                               figures: ["names": Double(repeated.count), "units": Double(repeated.reduce(0) { $0 + $1.value.count })]))
        }
        return out
    }

    /// Exposure that fell on cells outside every unit, per layer, when it is more than a
    /// rounding share of what the grid's tiles over the region hold.
    static func outsideRegion(_ region: RegionStatistics, plan: CensusPlan) -> [Finding] {
        var out: [Finding] = []
        for (name, key, unit) in [("population", plan.population.key, "persons"), ("value", "exposure", plan.currency)] {
            let inside = region.sums["\(name)_inside"] ?? 0, outside = region.sums["\(name)_outside"] ?? 0
            let share = inside + outside > 0 ? outside / (inside + outside) : 0
            guard outside > 0, share >= negligibleShare else { continue }
            out.append(Finding(code: "exposure_outside_region", subject: key,
                               message: "\(name): \(format(outside)) \(unit) (\(percent(share))) of what the tiles over the region hold falls on cells outside every unit and is not counted",
                               figures: ["amount": outside, "share": share, "counted": inside]))
        }
        return out
    }

    /// Hazard values on cells the hazard's mask leaves out (the sea under a flood layer).
    static func maskedHazard(_ region: RegionStatistics, plan: CensusPlan) -> [Finding] {
        plan.hazards.compactMap { h in
            guard let mask = h.mask, let n = region.sums["masked_with_value:\(h.id)"], n > 0 else { return nil }
            let area = n * pow(plan.computeGrid.transform.pixelWidth, 2) / 1e6
            return Finding(code: "hazard_on_masked_cells", subject: mask.key,
                           message: "hazard \(h.id): \(Int(n)) compute cells (\(String(format: "%.3g", area)) km²) have a value above 0 in the index layer but are masked out; they add no loss",
                           figures: ["cells": n, "km2": area])
        }
    }

    /// Exposure inside the region on cells whose index is unknown (an input was nodata there).
    static func onUnknownCells(population: Double, value: Double, totalPopulation: Double, totalValue: Double, currency: String) -> [Finding] {
        var out: [Finding] = []
        for (name, amount, total, unit) in [("population", population, totalPopulation, "persons"), ("value", value, totalValue, currency)] {
            let share = total > 0 ? amount / total : 0
            guard amount > 0, share >= negligibleShare else { continue }
            out.append(Finding(code: "exposure_on_unknown_cells", subject: name == "population" ? "exposure.population" : "exposure",
                               message: "\(name): \(format(amount)) \(unit) (\(percent(share))) lies on cells whose risk is unknown (an input is nodata there); it is in the unit totals but in no level",
                               figures: ["amount": amount, "share": share]))
        }
        return out
    }

    /// Levels no cell fell into.
    static func emptyLevels(_ counts: [Int]) -> [Finding] {
        let names = Classification.levelNames
        let empty = counts.indices.filter { counts[$0] == 0 }
        guard !empty.isEmpty, counts.reduce(0, +) > 0 else { return [] }
        return [Finding(code: "empty_level", subject: "classification",
                        message: "level\(empty.count > 1 ? "s" : "") \(empty.map { names[$0] }.joined(separator: ", ")) hold\(empty.count > 1 ? "" : "s") no cell",
                        figures: Dictionary(uniqueKeysWithValues: empty.map { ("level_\($0 + 1)", 0.0) }))]
    }

    /// Breaks that tie, and the levels that remain.
    static func tiedBreaks(_ r: Classification.Result, method: String) -> [Finding] {
        let names = Classification.levelNames
        let used = r.levelsInUse
        guard used.count < 5 else { return [] }
        let breaks = r.breaks.map { String(format: "%.6g", $0) }.joined(separator: ", ")
        return [Finding(code: "tied_breaks", subject: "classification.method",
                        message: "\(method) breaks \(breaks) tie (many cells share an index value): \(used.count) levels remain, \(used.map { names[$0 - 1] }.joined(separator: ", "))",
                        figures: ["levels": Double(used.count)])]
    }

    static func format(_ x: Double) -> String { x >= 100 ? String(format: "%.0f", x) : String(format: "%.3g", x) }
    static func percent(_ s: Double) -> String { String(format: "%.2f %%", s * 100) }
}
