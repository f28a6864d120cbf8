import Foundation
import RiskCore
import RiskGeo
import RiskOptimize

/// The files of a coverage run: `summary.json`, `demand.csv`, `supply.csv`, and GeoJSON where
/// geometry is known (`shelters.geojson`, `coverage_cells.geojson`, `blind_zones.geojson`).
struct CoverageOutputs {
    let job: CoverageJob
    let output: CoverageJob.Output

    func write(to out: String) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // The other files are written by one of the cores that write the per-unit table.
        if job.writeDemandTable {
            try writeDemandTable(to: out, alongside: { [self] in try writeOthers(to: out) })
        } else {
            try writeOthers(to: out)
        }
        // A QGIS and an SLD style beside each GeoJSON and GeoTIFF, as the census's.
        _ = try ResultStyles.writeSidecars(in: out, files: Self.styledFiles) { ResultStyles.coverageStyle($0) }
    }

    /// The files that get a style beside them.
    static let styledFiles = ["shelters.geojson", "siting.geojson", "coverage_cells.geojson", "blind_zones.geojson", "residents.tif"]

    /// `demand.csv`: one row per demand unit.
    func writeDemandTable(to out: String, alongside: (@Sendable () throws -> Void)? = nil) throws {
        let o = output, d = o.demand, s = o.supply, t = o.table
        let main = o.assignment.mainFacility(demandCount: t.demandCount)
        // The arrays the rows read, taken out of their structs so the row closure reads them
        // without reference counting per field.
        let supplyIDs = EncodedFields(s.ids), ids = d.ids, weights = d.weights, covered = o.covered
        let nearest = t.nearest, nearestCost = t.nearestCost, access = o.access?.access
        try CSVText.write(rows: t.demandCount, header: "id,weight,covered,nearest_id,nearest_cost,assigned_id,access\n",
                          to: (out as NSString).appendingPathComponent("demand.csv"), alongside: alongside) { b, i in
            ids.write(i, to: &b)
            b.number(weights[i])
            b.integer(covered[i] ? 1 : 0)
            if let n = nearest[i] {
                b.field(Int(n), of: supplyIDs)
                b.number(nearestCost[i])
            } else {
                b.empty()
                b.empty()
            }
            if main[i] >= 0 { b.field(Int(main[i]), of: supplyIDs) } else { b.empty() }
            if let access { b.number(access[i]) } else { b.empty() }
        }
    }

    /// Every file but `demand.csv`.
    func writeOthers(to out: String) throws {
        func path(_ n: String) -> String { (out as NSString).appendingPathComponent(n) }
        let o = output, d = o.demand, s = o.supply
        var supplyCSV = "id,capacity,demand_in_reach,assigned,load_ratio,overflow,category,area_m2,radius,below_min_area\n"
        for j in 0..<s.count {
            let load = s.capacity[j] > 0 ? o.nearestLoad[j] / s.capacity[j] : (o.nearestLoad[j] > 0 ? Double.infinity : 0)
            supplyCSV += CSVText.row([s.ids[j], JSONText.number(s.capacity[j]), JSONText.number(o.demandInReach[j]),
                                      JSONText.number(o.assignment.assigned[j]), load.isFinite ? JSONText.number(load) : "inf",
                                      JSONText.number(max(0, o.nearestLoad[j] - s.capacity[j])), s.category[j].name,
                                      s.area[j].map(JSONText.number) ?? "", JSONText.number(o.radius[j]), o.belowMinimumArea[j] ? "1" : "0"])
        }
        try AtomicFile.write(supplyCSV, to: path("supply.csv"))
        if let districts = job.districtsPath {
            let located = try CoverageDistricts.locate(districts, nameField: job.districtField, crs: o.crs, assumed: job.inputCRS,
                                                       points: [d.positions ?? [], s.positions ?? []])
            let csv = CoverageDistricts.csv(o, job: job, districts: located.districts, unitDistrict: located.index[0],
                                            facilityDistrict: located.index[1], unitKm2: d.grid.map { $0.transform.cellArea / 1e6 } ?? 0)
            try AtomicFile.write(csv, to: path("districts.csv"))
        }
        if let f = o.fire {
            var csv = "id,class,district_km2,limit_km2,within_limit,covered_built_up_km2\n"
            for st in f.stations {
                csv += CSVText.row([st.id, st.stationClass, JSONText.number(st.districtKm2), st.limitKm2.map(JSONText.number) ?? "",
                                    st.limitKm2.map { st.districtKm2 <= $0 ? "1" : "0" } ?? "", JSONText.number(st.coveredKm2)])
            }
            try AtomicFile.write(csv, to: path("fire_stations.csv"))
        }
        if let r = o.siting {
            let chosen = Set(r.selected)
            var csv = "id,selected\n"
            for k in 0..<o.candidates.count { csv += CSVText.row([o.candidates.ids[k], chosen.contains(s.count + k) ? "1" : "0"]) }
            try AtomicFile.write(csv, to: path("siting.csv"))
        }
        try AtomicFile.write(summary().indented() + "\n", to: path("summary.json"))
        try writeGeoJSON(path)
    }

    var perUnitFiles: String {
        let files = [job.writeDemandTable ? "demand.csv" : nil, job.writeCells ? "coverage_cells.geojson" : nil].compactMap { $0 }
        return files.isEmpty ? "none" : files.joined(separator: ", ")
    }

    func summary() -> JSONValue {
        let o = output, s = o.supply, w = o.demand.weights
        let total = w.reduce(0, +)
        let covered = zip(w, o.covered).reduce(0) { $0 + ($1.1 ? $1.0 : 0) }
        let capacity = s.capacity.reduce(0, +)
        let area = s.area.compactMap { $0 }.reduce(0, +)
        let population = job.refugeRate > 0 ? total / job.refugeRate : total
        var doc: [String: JSONValue] = [
            "engine": .string("riskcensus " + EngineInfo.version),
            "crs": .string(o.crs.description),
            "cost": .string(costDescription),
            "n_demand": .number(Double(w.count)),
            "total_demand": .number(total),
            "refuge_rate": .number(job.refugeRate),
            "covered_demand": .number(covered),
            "coverage_rate": .number(total > 0 ? covered / total : 0),
            "n_supply": .number(Double(s.count)),
            "total_capacity": .number(capacity),
            "total_area_m2": .number(area),
            "per_capita_area_m2": .number(population > 0 ? area / population : 0),
            "deficit_persons": .number(max(0, total - capacity)),
            "deficit_m2": .number(max(0, total * job.standard.areaPerPerson - area)),
            "standard": .object(["category": .string(job.standard.name), "area_per_person_m2": .number(job.standard.areaPerPerson),
                                 "radius": .number(job.standard.radius), "source": .string(job.standard.source),
                                 "verified": .bool(job.standard.verified)]),
            "assignment": .object([
                "method": .string("min-cost maximum flow (exact): maximum demand served, then least total cost"),
                "served": .number(o.assignment.totalServed), "unserved": .number(total - o.assignment.totalServed),
                "total_cost": .number(o.assignment.totalCost),
            ]),
            "below_minimum_area": .number(Double(o.belowMinimumArea.filter { $0 }.count)),
            "overflowing_facilities": .number(Double(zip(o.nearestLoad, s.capacity).filter { $0 > $1 }.count)),
            "load_ratio_rule": .string("demand of the units whose nearest facility in reach it is, over its capacity"),
            "per_unit_files": .string(perUnitFiles),
            "unverified_presets": .array(Set(s.category.filter { !$0.verified }.map(\.name)).sorted().map { .string($0) }),
            "inputs_note": .string("sha256 of each input file"),
            "inputs": .object(([job.demandPath] + [job.supplyPath, job.candidatesPath, job.costMatrixPath, job.roadsPath, job.fire?.stationsPath, job.fire?.builtUpPath, job.districtsPath].compactMap { $0 })
                .reduce(into: [String: JSONValue]()) { $0[$1] = .string((try? AtomicFile.sha256(of: $1)) ?? "") }),
        ]
        if let r = o.siting {
            var siting: [String: JSONValue] = [
                "model": .string(r.model.rawValue), "capacitated": .bool(r.capacitated), "objective": .number(r.objective),
                "objective_meaning": .string(["lscp": "number of new sites", "mclp": r.capacitated ? "demand weight served within capacity" : "covered demand weight",
                                              "pmedian": "total weighted cost (sum of weight x cost)", "pcenter": "maximum cost"][r.model.rawValue]!),
                "selected": .array(r.selected.map { .string(o.candidates.ids[$0 - s.count]) }),
                "optimal": .bool(r.optimal), "method": .string(r.method),
                "gap": r.gap.map { .number($0) } ?? (r.optimal ? .number(0) : .null),
                "bound": r.bound.map { .number($0) } ?? .null,
                "bound_kind": r.boundKind.map { .string($0) } ?? .null,
            ]
            if let p = job.p { siting["p"] = .number(Double(p)) }
            doc["siting"] = .object(siting)
        }
        if let f = o.fire {
            doc["fire"] = .object([
                "rule": .string(f.rule), "built_up_km2": .number(f.builtUpKm2), "covered_km2": .number(f.coveredKm2),
                "coverage_rate": .number(f.coverageRate), "target": .number(1), "meets_target": .bool(f.coverageRate >= 1 - 1e-12),
                "built_up": .string(job.fire!.builtUpPath ?? "cells with at least \(job.fire!.densityThreshold) persons/km²"),
                "stations_over_limit": .number(Double(f.stations.filter { s in s.limitKm2.map { s.districtKm2 > $0 } ?? false }.count)),
                "district_rule": .string("built-up cells allocated to their nearest station; limits 建标152-2017: class-1 7, class-2 4, small 2, suburban 15 km²"),
            ])
        }
        if let a = o.access {
            let held = zip(s.capacity.indices, a.catchmentDemand).filter { $0.1 > 0 }.map(\.0)
            let measure = s.accessibilitySupply
            let supplied = held.map { measure[$0] }
            doc["accessibility"] = .object([
                "method": .string("\(job.accessibility!)"),
                "supply_measure": .string(s.suppliesArea ? "area_m2" : "capacity (persons)"),
                "sum_demand_times_access": .number(zip(w, a.access).reduce(0) { $0 + $1.0 * $1.1 }),
                "sum_supply_with_demand": .number(supplied.reduce(0, +)),
            ])
        }
        return .object(doc)
    }

    var costDescription: String {
        if let m = job.costMatrixPath { return "OD matrix \(m), in its units" }
        if let r = job.roadsPath, !job.euclideanShelters {
            return job.networkCost == .length ? "network distance over \(r), metres (points join their nearest node in a straight line)"
                : "network travel time over \(r), minutes, at each road's \(job.speedField) (default \(job.defaultSpeed) km/h; the step to the nearest node at 5 km/h)"
        }
        return "euclidean distance, metres, in the analysis CRS"
    }

    func writeGeoJSON(_ path: (String) -> String) throws {
        let o = output, s = o.supply
        if let positions = s.positions {
            let w = try GeoJSONFileWriter(path: path("shelters.geojson"), sourceCRS: o.crs)
            for j in 0..<s.count {
                var a = Attributes()
                a["id"] = .string(s.ids[j])
                a["category"] = .string(s.category[j].name)
                a["capacity"] = .real(s.capacity[j])
                a["assigned"] = .real(o.assignment.assigned[j])
                a["nearest_load"] = .real(o.nearestLoad[j])
                a["overflow"] = .real(max(0, o.nearestLoad[j] - s.capacity[j]))
                try w.append(Feature(geometry: .point(positions[j]), attributes: a))
            }
            try w.finish()
        }
        if let r = o.siting, let positions = o.candidates.positions {
            let chosen = Set(r.selected)
            let w = try GeoJSONFileWriter(path: path("siting.geojson"), sourceCRS: o.crs)
            for k in 0..<o.candidates.count {
                var a = Attributes()
                a["id"] = .string(o.candidates.ids[k])
                a["selected"] = .bool(chosen.contains(s.count + k))
                a["capacity"] = o.candidates.capacity[k].isNaN ? .null : .real(o.candidates.capacity[k])   // none given: uncapacitated siting
                a["category"] = .string(o.candidates.category[k].name)
                try w.append(Feature(geometry: .point(positions[k]), attributes: a))
            }
            try w.finish()
        }
        let d = o.demand
        guard let grid = d.grid, let cells = d.cells, let gridCRS = grid.crs else {
            if let positions = d.positions, job.writeCells {
                let w = try GeoJSONFileWriter(path: path("coverage_cells.geojson"), sourceCRS: o.crs)
                for i in d.ids.indices { try w.append(Feature(geometry: .point(positions[i]), attributes: attributes(i))) }
                try w.finish()
            }
            return
        }
        if job.writeCells { try writeCells(path("coverage_cells.geojson"), grid: grid, cells: cells, crs: gridCRS) }
        try writeBlindZones(path("blind_zones.geojson"), grid: grid, crs: gridCRS)
    }

    func writeCells(_ file: String, grid: GridSpec, cells: [Int], crs gridCRS: CRS) throws {
        let w = try GeoJSONFileWriter(path: file, sourceCRS: gridCRS)
        for (i, g) in cells.enumerated() {
            let (r, c) = (g / grid.width, g % grid.width)
            var ring: [Position] = []
            for (dc, dr) in [(0.0, 0.0), (1, 0), (1, 1), (0, 1), (0, 0)] {
                let p = grid.transform.apply(col: Double(c) + dc, row: Double(r) + dr)
                ring.append(Position(p.x, p.y))
            }
            try w.append(Feature(geometry: .polygon(Polygon(exterior: ring, holes: [])), attributes: attributes(i)))
        }
        try w.finish()
    }

    /// The blind zones the job dissolved, with their population, cells and area.
    func writeBlindZones(_ file: String, grid: GridSpec, crs gridCRS: CRS) throws {
        let o = output, d = o.demand
        let b = try GeoJSONFileWriter(path: file, sourceCRS: gridCRS)
        if let zone = o.blindZones {
            var a = Attributes()
            var people = 0.0, uncovered = 0
            for (w, c) in zip(d.weights, o.covered) where !c {
                people += w
                uncovered += 1
            }
            a["population"] = .real(people / max(job.refugeRate, 1e-300))
            a["cells"] = .integer(Int64(uncovered))
            a["area_km2"] = .real(Double(uncovered) * grid.transform.cellArea / 1e6)
            try b.append(Feature(geometry: zone, attributes: a))
        }
        try b.finish()
    }

    func attributes(_ i: Int) -> Attributes {
        let o = output
        var a = Attributes()
        a["id"] = .string(o.demand.ids[i])
        a["weight"] = .real(o.demand.weights[i])
        a["covered"] = .bool(o.covered[i])
        a["served"] = .real(o.assignment.served[i])
        if let n = o.table.nearest[i] {
            a["nearest_id"] = .string(o.supply.ids[Int(n)])
            a["nearest_cost"] = .real(o.table.nearestCost[i])
        }
        if let acc = o.access { a["access"] = .real(acc.access[i]) }
        return a
    }
}
