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

    func run(zone: [Int32], zones: [CensusRunner.Zone]) throws -> Result {
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
        var served = [Double](repeating: 0, count: grid.cellCount), weight = served
        for i in cellOf.indices {
            guard let g = cellOf[i] else { continue }
            served[g] += o.assignment.served[i]
            weight[g] += o.demand.weights[i]
        }
        var capacity: [Float]?
        if plan.coverageCapacity {
            capacity = (0..<grid.cellCount).map { g in weight[g] > 0 ? Float(served[g] / weight[g]) : 0 }
        }
        try writeDistricts(o, cellOf: cellOf, zone: zone, zones: zones, to: dir)
        return Result(output: o, capacity: capacity)
    }

    /// `coverage/districts.csv`: per unit of the region, population, covered population and rate,
    /// served population, shelter capacity and area located in it, per-capita area, the deficit
    /// against the standard, and the blind-zone area (populated cells not covered).
    func writeDistricts(_ o: CoverageJob.Output, cellOf: [Int?], zone: [Int32], zones: [CensusRunner.Zone], to dir: String) throws {
        let job = plan.coverage!
        let grid = plan.grid
        let n = zones.count
        var population = [Double](repeating: 0, count: n), covered = population, served = population
        var capacity = population, area = population, blind = population   // blind: uncovered populated units
        let unitKm2 = o.demand.grid.map { $0.transform.cellArea / 1e6 } ?? 0
        for i in cellOf.indices {
            guard let g = cellOf[i], zone[g] > 0 else { continue }
            let z = Int(zone[g]) - 1
            let people = o.demand.weights[i] / job.refugeRate
            population[z] += people
            served[z] += o.assignment.served[i]
            if o.covered[i] { covered[z] += people } else if o.demand.weights[i] > 0 { blind[z] += 1 }
        }
        if let positions = o.supply.positions {
            for (j, p) in positions.enumerated() {
                guard let c = grid.cell(containing: p.x, p.y), zone[c.row * grid.width + c.col] > 0 else { continue }
                let z = Int(zone[c.row * grid.width + c.col]) - 1
                capacity[z] += o.supply.capacity[j]
                area[z] += o.supply.area[j] ?? 0
            }
        }
        var csv = "name,code,population,covered,coverage_rate,served,capacity,area_m2,per_capita_area_m2,deficit_persons,deficit_m2,blind_zone_km2\n"
        for z in 0..<n {
            let demand = population[z] * job.refugeRate
            csv += CSVText.row([zones[z].name, zones[z].code, JSONText.number(population[z]), JSONText.number(covered[z]),
                                JSONText.number(population[z] > 0 ? covered[z] / population[z] : 0), JSONText.number(served[z]),
                                JSONText.number(capacity[z]), JSONText.number(area[z]),
                                JSONText.number(population[z] > 0 ? area[z] / population[z] : 0),
                                JSONText.number(max(0, demand - capacity[z])),
                                JSONText.number(max(0, demand * job.category.areaPerPerson - area[z])), JSONText.number(blind[z] * unitKm2)])
        }
        try AtomicFile.write(csv, to: (dir as NSString).appendingPathComponent("districts.csv"))
    }
}
