import Foundation
import RiskCore
import RiskGeo

/// The coverage step of a census run: the coverage job on the population raster, written to
/// `coverage/`, a per-district table, and (by default) the capacity layer C: the served share of
/// each analysis cell's population under the exact capacitated assignment. Cells without
/// population get C = 0 (no reduction), so capacity never turns a cell unknown.
struct CensusCoverage {
    let plan: CensusPlan
    let out: String

    struct Result {
        var output: CoverageJob.Output
        /// C per analysis cell, when the plan feeds it to the index.
        var capacity: [Float]?
    }

    func run(zone: [Int32], units: UnitHierarchy) throws -> Result {
        let job = plan.coverage!
        let dir = (out as NSString).appendingPathComponent("coverage")
        let o = try job.run(outputDirectory: dir)
        let grid = plan.grid
        // Each demand unit (a population cell) to the analysis cell holding its centre.
        var cellOf = [Int?](repeating: nil, count: o.demand.ids.count)
        if let positions = o.demand.positions {
            for (i, p) in positions.enumerated() {
                if let c = grid.cell(containing: p.x, p.y) { cellOf[i] = c.row * grid.width + c.col }
            }
        }
        var served = [Double](repeating: 0, count: grid.cellCount), weight = served, covered = served
        for i in cellOf.indices {
            guard let g = cellOf[i] else { continue }
            served[g] += o.assignment.served[i]
            weight[g] += o.demand.weights[i]
            if o.covered[i] { covered[g] += o.demand.weights[i] }
        }
        try writeResidents(weight, covered, served, zone: zone, to: dir)
        var capacity: [Float]?
        if plan.coverageCapacity {
            capacity = (0..<grid.cellCount).map { g in weight[g] > 0 ? Float(served[g] / weight[g]) : 0 }
        }
        for k in units.levels.indices { try writeUnits(o, cellOf: cellOf, zone: zone, units: units, level: k, to: dir) }
        return Result(output: o, capacity: capacity)
    }

    /// `coverage/residents.tif` on the analysis grid: residents, those within reach of a shelter,
    /// and those the exact capacitated assignment serves (persons; 0 where no one lives, nodata
    /// outside the region). What the service sums over an area.
    func writeResidents(_ residents: [Double], _ covered: [Double], _ served: [Double], zone: [Int32], to dir: String) throws {
        var options = ResultRasters.values(units: "persons")
        options.bandDescription = "residents"
        options.moreBands = [.init(description: "covered (within reach of a shelter)", units: "persons"),
                             .init(description: "served (by the exact capacitated assignment)", units: "persons")]
        options.metadata = ["RISKCENSUS_ENGINE": EngineInfo.version, "NODATA_MEANING": "outside the region"]
        let grid = plan.grid
        let tif = try GeoTIFFStream(path: (dir as NSString).appendingPathComponent(Self.residentsFile), grid: grid, options: options)
        let w = grid.fullWindow
        for (band, values) in [residents, covered, served].enumerated() {
            try tif.write((0..<grid.cellCount).map { zone[$0] != 0 ? Float(values[$0]) : .nan }, window: w, band: band + 1)
        }
        try tif.finish()
    }

    static let residentsFile = "residents.tif"

    /// `coverage/<units>.csv` (`CoverageDistricts`) for unit level `level`: each demand unit and
    /// shelter in the unit of the analysis cell holding it. A coarser level is computed over its
    /// whole area (its deficit is its own, not the sum of its children's).
    func writeUnits(_ o: CoverageJob.Output, cellOf: [Int?], zone: [Int32], units: UnitHierarchy, level: Int, to dir: String) throws {
        let grid = plan.grid
        let up = units.finestToLevel(level)
        let unitDistrict = cellOf.map { g in g.flatMap { zone[$0] > 0 ? up[Int(zone[$0]) - 1] : nil } }
        let facilityDistrict: [Int?] = (o.supply.positions ?? []).map { p in
            guard let c = grid.cell(containing: p.x, p.y) else { return nil }
            let z = zone[c.row * grid.width + c.col]
            return z > 0 ? up[Int(z) - 1] : nil
        }
        let l = units.levels[level]
        let csv = CoverageDistricts.csv(o, job: plan.coverage!, districts: l.units.map { ($0.name, $0.code) }, unitDistrict: unitDistrict,
                                        facilityDistrict: facilityDistrict, unitKm2: o.demand.grid.map { $0.transform.cellArea / 1e6 } ?? 0)
        try AtomicFile.write(csv, to: (dir as NSString).appendingPathComponent("\(l.name).csv"))
    }
}
