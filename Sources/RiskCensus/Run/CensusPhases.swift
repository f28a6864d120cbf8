import Foundation
import RiskCore
import RiskGeo

/// What pass 1 leaves for the rest of a run: the region's statistics and the checksum of each
/// tile part, as the catalog holds them.
struct PassOneRecords {
    var region: RegionStatistics
    var checksums: [Int: [TilePart: String]]
}

/// The capacity C the index uses, from a raster or the coverage step, and the coverage step's
/// fire response rate.
struct CapacityOutcome {
    /// C per grid cell from the coverage step; nil for a raster (read per tile) or none.
    var cells: [Float]?
    /// "none", "raster" or "coverage:<step key>"; part of pass 2's job keys.
    var source: String
    /// The range of `cells` inside the region.
    var range: ValueRange?
    var fireRate: Double?
}

/// What pass 2 leaves: each tile's index checksum, and the count and range of known index
/// values, which classification needs before it reads the values.
struct PassTwoRecords {
    var checksums: [Int: String]
    var known: Int
    var range: ValueRange?
}

/// The phases between the two passes and after them, each with typed inputs and outputs; the
/// runner calls them in order (DESIGN.md's census flow).
extension CensusRunner {
    /// Region-wide statistics, merged from every pass-1 part's statistics in the catalog.
    func regionStatistics(_ batch: Batch) throws -> PassOneRecords {
        var out = PassOneRecords(region: RegionStatistics(), checksums: [:])
        for r in try batch.with({ try $0.tiles(pass: 1) }) {
            guard let part = TilePart(catalogName: r.part) else { continue }
            out.checksums[r.tile, default: [:]][part] = r.sha256
            guard let stats = TileStatistics(json: r.stats) else {
                throw CensusError.run("tile \(r.tile) (\(r.part)): its statistics in the catalog were not written by this engine; run with --fresh")
            }
            out.region.add(stats, of: part)
        }
        return out
    }

    /// A hazard none of whose index-layer cells inside the region holds a value (nodata over
    /// the whole region) would give an EAL of 0 and level V everywhere: bad input, exit 3.
    func checkHazardsHaveData(_ region: RegionStatistics) throws {
        for (k, h) in plan.hazards.enumerated() where region.hazard[h.id] == nil {
            let layer = h.layers[h.indexBand]
            throw CensusError.badData(file: layer.path, message: "\(layer.key) (hazard \(h.id)): no cell inside the region has a value (nodata over the whole region); "
                                      + "expected intensities over the region (hazards[\(k)])")
        }
    }

    /// The coverage step (a whole-region step), run when its key changed, and the capacity
    /// layer it gives.
    func coverage(_ batch: Batch, _ records: PassOneRecords, units: UnitHierarchy) throws -> CapacityOutcome {
        var outcome = CapacityOutcome(cells: nil, source: plan.capacity != nil ? "raster" : "none", range: nil, fireRate: nil)
        guard plan.coverage != nil else { return outcome }
        let grid = plan.grid
        let key = try batch.keys.coverage()
        if let s = try batch.with({ try $0.step("coverage") }), s.key == key, s.state == "done",
           !plan.coverageCapacity || FileManager.default.fileExists(atPath: batch.store.path("coverage-capacity")),
           FileManager.default.fileExists(atPath: (out as NSString).appendingPathComponent("coverage/" + CensusCoverage.residentsFile)) {
            outcome.cells = plan.coverageCapacity ? try batch.store.read(CapacityLayer.self, "coverage-capacity", checksum: nil).capacity : nil
            outcome.fireRate = s.detail.flatMap { Double($0) }
            message("coverage: up to date")
        } else {
            let zone = try fullZone(batch, records.checksums)
            let c = try CensusCoverage(plan: plan, out: out).run(zone: zone, units: units)
            if let capacity = c.capacity {
                let cells = (0..<grid.cellCount).map { zone[$0] != 0 ? capacity[$0] : .nan }
                try batch.store.write("coverage-capacity", CapacityLayer(capacity: cells))
                outcome.cells = cells
            }
            outcome.fireRate = c.output.fire?.coverageRate
            let total = c.output.demand.weights.reduce(0, +)
            let covered = zip(c.output.demand.weights, c.output.covered).reduce(0) { $0 + ($1.1 ? $1.0 : 0) }
            message(String(format: "coverage: %.1f %% of the population within reach of a shelter, %.0f served by the exact assignment%@",
                           total > 0 ? 100 * covered / total : 0, c.output.assignment.totalServed,
                           c.output.fire.map { String(format: "; fire response covers %.1f %% of the built-up area", 100 * $0.coverageRate) } ?? ""))
            try batch.with { try $0.setStep("coverage", key: key, state: "done", run: batch.run, detail: outcome.fireRate.map { "\($0)" }) }
        }
        if let cells = outcome.cells {
            outcome.source = "coverage:" + key
            var lo = Double.infinity, hi = -Double.infinity
            for v in cells where !v.isNaN { lo = min(lo, Double(v)); hi = max(hi, Double(v)) }
            outcome.range = lo <= hi ? ValueRange(min: lo, max: hi) : nil
        }
        return outcome
    }

    /// Pass 2's checksums and the index's count and range, from the catalog.
    func passTwoRecords(_ batch: Batch) throws -> PassTwoRecords {
        let done = Dictionary(uniqueKeysWithValues: try batch.with { try $0.tiles(pass: 2) }.map { ($0.tile, $0) })
        var out = PassTwoRecords(checksums: [:], known: 0, range: nil)
        for t in plan.tiles.indices {
            guard let r = done[t], let s = TileStatistics(json: r.stats) else {
                throw CensusError.run("tile \(t) (index): no statistics in the catalog; run with --fresh")
            }
            out.checksums[t] = r.sha256
            out.known += s.counts["index"] ?? 0
            if let x = s.ranges["index"] { out.range = out.range.map { $0.merged(x) } ?? x }
        }
        return out
    }

    /// Breaks of the index over every known cell, streamed from the index tiles: once for
    /// natural breaks (twice for percentiles), the count and range being pass 2's. Memory
    /// stays bounded however many cells there are.
    func classify(_ index: PassTwoRecords, batch: Batch) throws -> Classification.Result {
        let breaks = try Classification.breaks(method: plan.classification,
                                               known: index.range.map { (index.known, $0.min, $0.max) } ?? (0, .infinity, -.infinity)) { add in
            for t in plan.tiles.indices {
                for v in try batch.store.read(IndexTile.self, TileWork.indexFile(t), checksum: index.checksums[t]).index where !v.isNaN {
                    add(Double(v))
                }
            }
        }
        message(plan.comprehensiveLevel
                ? "pass 2: index normalised and combined (the largest R_h), \(index.known) cells; levels by the comprehensive rule"
                : "pass 2: index normalised and combined, \(index.known) cells classified, breaks \(breaks.breaks.map { String(format: "%.4g", $0) }.joined(separator: " / "))")
        return breaks
    }
}

extension CensusRunner {
    /// Derives the levels of every derived hazard whose derivation changed, or whose files are
    /// gone or no longer the ones it wrote (their checksums are kept with the step), as a step
    /// of the run; returns each derived hazard's record (its validation file's JSON) by id.
    func derive(_ batch: Batch, zoneShapes: [Geometry]) throws -> [String: String] {
        let records = DerivationRecords()
        // The derivations to make; those up to date give their record at once.
        var pending: [(k: Int, key: String, step: String, paths: [String])] = []
        for (k, h) in plan.hazards.enumerated() where h.levels?.derivation != nil {
            let files = CensusPlan.derivedFiles(h.id)
            let paths = [files.index, files.levels, files.factors, files.validation].map { (out as NSString).appendingPathComponent($0) }
            let key = batch.keys.derivation(k)
            let step = "derive:" + h.id
            if let s = try batch.with({ try $0.step(step) }), s.key == key, s.state == "done", let detail = s.detail, detail == Self.checksums(paths),
               let text = try? String(contentsOfFile: paths[3], encoding: .utf8),
               (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any] {
                message("derivation of \(h.id): up to date")
                records.set(h.id, text.trimmingCharacters(in: .whitespacesAndNewlines))
                continue
            }
            pending.append((k, key, step, paths))
        }
        // Independent derivations run side by side (each on its own GDAL handles and files),
        // and are recorded in hazard order.
        let plan = self.plan, folder = self.out, todo = pending
        try OrderedWork.run(todo.count) { j in
            let h = plan.hazards[todo[j].k]
            return try HazardDerivation(plan: plan, hazard: h, derivation: h.levels!.derivation!, levelCount: h.levels!.count,
                                        zoneShapes: zoneShapes, out: folder).run()
        } consume: { j, outcome in
            let p = todo[j], h = plan.hazards[p.k], d = h.levels!.derivation!
            let v = outcome.validation
            message("derivation of \(h.id): \(d.method.rawValue) over \(d.factors.count) factors, breaks \(outcome.breaks.map { String(format: "%.4g", $0) }.joined(separator: " / "))"
                    + (v.map { String(format: "; %d events, %.0f %% of them in levels 1–2 on %.0f %% of the area, success-rate AUC %.3f%@", $0.eventsInside,
                                      100 * $0.topTwoEventShare, 100 * $0.topTwoAreaShare, $0.successAUC,
                                      $0.predictionAUC.map { String(format: ", prediction-rate AUC %.3f", $0) } ?? "") } ?? ""))
            records.set(h.id, outcome.record)
            try batch.with { try $0.setStep(p.step, key: p.key, state: "done", run: batch.run, detail: Self.checksums(p.paths)) }
        }
        return records.all
    }

    /// The derived files' checksums as the derivation step keeps them; nil when one is missing.
    static func checksums(_ paths: [String]) -> String? {
        var sums: [String] = []
        for p in paths {
            guard let c = try? AtomicFile.sha256(of: p) else { return nil }
            sums.append(c)
        }
        return sums.joined(separator: ",")
    }

    /// Breaks of each classified hazard's R_h (hazards given as levels without a matrix, and
    /// under the comprehensive-level rule every hazard without one), streamed from the index
    /// tiles by the census's classification method.
    func classifyHazards(_ index: PassTwoRecords, batch: Batch) throws -> [Int: Classification.Result] {
        var out: [Int: Classification.Result] = [:]
        for k in plan.classifiedHazards {
            let b = try Classification.breaks(method: plan.classification) { add in
                for t in plan.tiles.indices {
                    let tile = try batch.store.read(IndexTile.self, TileWork.indexFile(t), checksum: index.checksums[t])
                    guard k < tile.risk.count else { continue }
                    for v in tile.risk[k] where !v.isNaN { add(Double(v)) }
                }
            }
            message("\(plan.hazards[k].id): single-hazard levels by breaks \(b.breaks.map { String(format: "%.4g", $0) }.joined(separator: " / ")) of R_h")
            out[k] = b
        }
        return out
    }
}

/// The derivation records, set by the workers one at a time in hazard order.
private final class DerivationRecords: @unchecked Sendable {
    private let lock = NSLock()
    private var byID: [String: String] = [:]
    func set(_ id: String, _ record: String) { lock.withLock { byID[id] = record } }
    var all: [String: String] { lock.withLock { byID } }
}
