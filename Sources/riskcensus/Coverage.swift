import ArgumentParser
import Foundation
import RiskCensus
import RiskCore
import RiskGeo
import RiskOptimize

/// `riskcensus coverage`: shelter coverage, capacity, assignment and accessibility.
struct Coverage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Shelter coverage: who is within reach, which shelters overflow, exact capacitated assignment, 2SFCA accessibility.")

    @Option(help: "Demand: a population raster (each populated cell a unit), points or polygons with a weight field, or CSV id,weight[,lon,lat].")
    var demand: String
    @Option(help: "Weight field of vector or CSV demand.")
    var weightField = "weight"
    @Option(help: "Existing facilities: points or polygons, or CSV id[,lon,lat][,capacity][,area_m2][,category].")
    var supply: String?
    @Option(help: "Candidate sites for new facilities, in the same form as --supply.")
    var candidates: String?
    @Option(help: "OD matrix CSV demand_id,supply_id,cost (long form; a missing pair is unreachable).")
    var costMatrix: String?
    @Option(help: "The OD matrix's demand id, facility id and cost columns, e.g. DestinationName,name,distance.")
    var costColumns: String?
    @Option(help: "Field of the demand, supply and candidate ids (default: id, else name, in any case).")
    var idField: String?
    @Option(help: "Shelter cost with --roads: network, or euclidean (the roads then serve fire response only).")
    var shelterCost: String?
    @Option(help: "Road lines for network costs (shortest paths over the network).")
    var roads: String?
    @Option(help: "Network cost: length (metres) or time (minutes, at each road's speed).")
    var networkCost = "length"
    @Option(help: "Speed field of the roads, km/h.")
    var speedField = "speed_kmh"
    @Option(help: "Fire stations (points with a class field: class-1, class-2, small, suburban) for response coverage.")
    var fireStations: String?
    @Option(help: "Built-up area polygons for fire coverage (default: cells of at least --density-threshold).")
    var builtUp: String?
    @Option(help: "Persons per km² that make a cell built-up.")
    var densityThreshold = 1_000.0
    @Option(help: "Fire response drive time on the roads, minutes.")
    var fireMinutes = Standards.fireDriveMinutes
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Service radius for every facility, in cost units (default: each facility's category radius).")
    var radius: Double?
    @Option(help: "Category of facilities without one, and the standard for the deficit: \(Standards.shelterCategories.map(\.name).joined(separator: ", ")).")
    var category = "emergency"
    @Option(help: "m² of effective area per sheltered person, for every category (default: each category's).")
    var areaPerPerson: Double?
    @Option(help: "Minimum site area in m² (default: each category's); smaller facilities are flagged in supply.csv.")
    var minArea: Double?
    @Option(help: "District polygons for districts.csv.")
    var districts: String?
    @Option(help: "Name field of the districts.")
    var districtField = "name"
    @Option(help: "Share of the population that seeks shelter.")
    var refugeRate = 1.0
    @Option(help: "Accessibility: 2sfca, e2sfca or g2sfca.")
    var accessibility: String?
    @Option(help: "E2SFCA bands, upper bound:weight, ascending.")
    var bands = "1500:1.0,3000:0.68,5000:0.22"
    @Option(help: "Gaussian 2SFCA σ in cost units (default: half the radius).")
    var sigma: Double?
    @Option(help: "Siting over the candidates, existing supply fixed: lscp, mclp, pmedian or pcenter.")
    var siting: String?
    @Option(help: "Number of new sites (mclp, pmedian, pcenter).")
    var p: Int?
    @Flag(help: "MCLP and p-median respect facility capacities.")
    var capacitated = false
    @Option(help: "Solver time limit in seconds; past it the best solution found is reported with its gap.")
    var seconds = 60.0
    @Flag(inversion: .prefixedNo, help: "Write coverage_cells.geojson, one feature per demand unit.")
    var cells = true
    @Flag(inversion: .prefixedNo, help: "Write demand.csv, one row per demand unit.")
    var demandTable = true
    @Option(help: "Analysis CRS (metric); default: the demand raster's, else the UTM zone of the demand.")
    var crs: String?
    @Option(help: "CRS of CSV coordinates.")
    var inputCrs = "EPSG:4326"
    @Option(help: "Worker threads (default: all cores); the output does not depend on it.")
    var threads: Int = Workers.available
    @OptionGroup var memory: MemoryOption
    @OptionGroup var gdal: GDALOptions

    func validate() throws {
        try checkThreads(threads)
        guard ["length", "time"].contains(networkCost) else { throw ValidationError("--network-cost: found \(networkCost); expected length or time") }
        if let a = accessibility, CoverageSpec.AccessibilityName(rawValue: a) == nil { throw ValidationError("--accessibility: found \(a); expected 2sfca, e2sfca or g2sfca") }
        if let m = siting, SitingModel(rawValue: m) == nil { throw ValidationError("--siting: found \(m); expected lscp, mclp, pmedian or pcenter") }
        if let c = shelterCost, Manifest.ShelterCost(rawValue: c) == nil { throw ValidationError("--shelter-cost: found \(c); expected network or euclidean") }
        _ = try parsedBands()
    }

    func parsedBands() throws -> [CoverageSpec.Band] {
        let parts = bands.split(separator: ",").map { $0.split(separator: ":") }
        let out = parts.compactMap { p -> CoverageSpec.Band? in
            guard p.count == 2, let d = Double(p[0]), let w = Double(p[1]) else { return nil }
            return CoverageSpec.Band(limit: d, weight: w)
        }
        guard out.count == parts.count else {
            throw ValidationError("--bands must be limit:weight pairs with ascending limits, e.g. 1500:1.0,3000:0.68")
        }
        return out
    }

    /// The options as the coverage specification a manifest's `coverage` section also gives.
    func spec() throws -> CoverageSpec {
        var c = CoverageSpec()
        c.shelters = supply
        c.candidates = candidates
        c.costMatrix = costMatrix
        c.costColumns = costColumns.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) } }
        c.idField = idField
        c.roads = roads
        c.networkCost = CoverageSpec.NetworkCost(rawValue: networkCost)
        c.speedField = speedField
        c.shelterCost = shelterCost.flatMap(Manifest.ShelterCost.init(rawValue:))
        c.category = category
        c.radius = radius
        c.areaPerPerson = areaPerPerson
        c.minArea = minArea
        c.refugeRate = refugeRate
        c.accessibility = accessibility.flatMap(CoverageSpec.AccessibilityName.init(rawValue:))
        c.bands = try parsedBands()
        c.sigma = sigma
        if let m = siting.flatMap(SitingModel.init(rawValue:)) {
            var st = CoverageSpec.Siting(model: m)
            st.p = p
            st.capacitated = capacitated
            st.seconds = seconds
            c.siting = st
        } else if capacitated || p != nil {
            throw ValidationError("--p and --capacitated need --siting")
        }
        c.fireStations = fireStations
        c.builtUp = builtUp
        c.densityThreshold = densityThreshold
        c.fireMinutes = fireMinutes
        c.cells = cells
        c.demandTable = demandTable
        return c
    }

    func run() throws {
        try gdal.apply()
        let inputs: [(option: String, path: String?)] = [("--demand", demand), ("--supply", supply), ("--candidates", candidates), ("--cost-matrix", costMatrix),
                                                          ("--roads", roads), ("--fire-stations", fireStations), ("--built-up", builtUp), ("--districts", districts)]
        try OutputFolder.checkInputs(inputs)
        try OutputFolder.check(out, writes: OutputFolder.coverageOutputs, inputs: inputs.compactMap(\.path))
        Workers.set(threads)
        let spec = try spec()
        // Option errors name the option, as the manifest's name the key.
        func option(_ key: String) -> String { "--" + key.replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: "siting.", with: "") }
        var job = try spec.job(demandPath: demand, file: { p, key throws(CensusError) in
            guard FileManager.default.fileExists(atPath: p) else { throw CensusError.missingFile(key: option(key), path: p) }
            return p
        }, fail: { key, message in CensusError.manifest(file: "riskcensus coverage", key: option(key), message: message) })
        job.weightField = weightField
        job.districtsPath = districts
        job.districtField = districtField
        do {
            job.crs = try crs.map { try CRS.parse($0) }
            job.inputCRS = try CRS.parse(inputCrs)
        } catch { throw ValidationError("--crs/--input-crs: \(error)") }
        let o = try job.run(outputDirectory: out)
        let total = o.demand.weights.reduce(0, +)
        let covered = zip(o.demand.weights, o.covered).reduce(0) { $0 + ($1.1 ? $1.0 : 0) }
        print(String(format: "coverage %.1f %% of %.0f; %.0f served by the exact assignment; outputs in %@",
                     total > 0 ? 100 * covered / total : 0, total, o.assignment.totalServed, out))
        if let f = o.fire {
            print(String(format: "fire response: %.1f %% of %.1f km² built-up area covered", 100 * f.coverageRate, f.builtUpKm2))
        }
        if let s = o.siting {
            print("siting \(s.model.rawValue): objective \(s.objective), \(s.selected.count) sites, \(s.optimal ? "optimal" : "not proven optimal") (\(s.method))")
        }
    }
}
