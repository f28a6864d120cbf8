import Foundation
import RiskCore
import RiskGeo

/// Coverage by district: population, covered, coverage_rate, served, capacity, area_m2,
/// per_capita_area_m2, deficit_persons, deficit_m2, blind_zone_km2. Demand units and facilities
/// come with the district they fall in; the census takes it from its zone raster, the command
/// from a district polygon layer.
enum CoverageDistricts {
    static let header = "name,code,population,covered,coverage_rate,served,capacity,area_m2,per_capita_area_m2,deficit_persons,deficit_m2,blind_zone_km2\n"

    /// - Parameters:
    ///   - unitDistrict: the district of each demand unit (nil: outside every district).
    ///   - facilityDistrict: the district of each supply facility.
    ///   - unitKm2: the area of one demand unit (a raster cell), for the blind zone; 0 for points.
    static func csv(_ o: CoverageJob.Output, job: CoverageJob, districts: [(name: String, code: String)],
                    unitDistrict: [Int?], facilityDistrict: [Int?], unitKm2: Double) -> String {
        let n = districts.count
        var population = [Double](repeating: 0, count: n), covered = population, served = population
        var capacity = population, area = population, blind = population   // blind: uncovered populated units
        for i in unitDistrict.indices {
            guard let z = unitDistrict[i] else { continue }
            let people = o.demand.weights[i] / job.refugeRate
            population[z] += people
            served[z] += o.assignment.served[i]
            if o.covered[i] { covered[z] += people } else if o.demand.weights[i] > 0 { blind[z] += 1 }
        }
        for j in facilityDistrict.indices {
            guard let z = facilityDistrict[j] else { continue }
            capacity[z] += o.supply.capacity[j]
            area[z] += o.supply.area[j] ?? 0
        }
        var csv = header
        for z in 0..<n {
            let demand = population[z] * job.refugeRate
            csv += CSVText.row([districts[z].name, districts[z].code, JSONText.number(population[z]), JSONText.number(covered[z]),
                                JSONText.number(population[z] > 0 ? covered[z] / population[z] : 0), JSONText.number(served[z]),
                                JSONText.number(capacity[z]), JSONText.number(area[z]),
                                JSONText.number(population[z] > 0 ? area[z] / population[z] : 0),
                                JSONText.number(max(0, demand - capacity[z])),
                                JSONText.number(max(0, demand * job.standard.areaPerPerson - area[z])), JSONText.number(blind[z] * unitKm2)])
        }
        return csv
    }

    /// Districts from a polygon layer and the one each point (analysis CRS) falls in.
    static func locate(_ path: String, nameField: String, crs: CRS, assumed: CRS, points: [[Position]]) throws
        -> (districts: [(name: String, code: String)], index: [[Int?]]) {
        let layer = try VectorDataset(path: path, assumedCRS: assumed).layer(named: nil)
        let t = try CoordinateTransformer(from: layer.crs ?? assumed, to: crs)
        let geos = GeosContext()
        var districts: [(name: String, code: String)] = [], shapes: [GeosPreparedGeometry] = []
        for (k, f) in try layer.features().enumerated() {
            guard let name = f.attributes[nameField]?.stringValue else {
                throw CensusError.badData(file: path, message: "feature \(k + 1): no field \(nameField)")
            }
            guard let g = f.geometry else { throw CensusError.badData(file: path, message: "feature \(k + 1) (\(name)): no geometry") }
            districts.append((name, f.attributes["code"]?.stringValue ?? f.attributes["adcode"]?.stringValue ?? ""))
            shapes.append(try geos.geometry(try t.transform(g)).prepared())
        }
        let index = try points.map { ps in
            try ps.map { p -> Int? in
                for (z, s) in shapes.enumerated() where try s.contains(x: p.x, y: p.y) { return z }
                return nil
            }
        }
        return (districts, index)
    }
}
