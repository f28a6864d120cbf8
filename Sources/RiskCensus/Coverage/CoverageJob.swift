import Foundation
import RiskCore
import RiskGeo
import RiskOptimize

/// `riskcensus coverage`: who is within reach of a shelter, which shelters would overflow, how
/// much shelter space each person has, and (with `siting`) where new ones would help most
/// (METHODS §2, §4). Costs are straight-line metres in the analysis CRS, or a supplied OD matrix
/// (`demand_id,supply_id,cost`, a missing pair unreachable).
public struct CoverageJob: Sendable {
    public var demandPath: String
    /// The weight field of vector or CSV demand.
    public var weightField = "weight"
    public var supplyPath: String?
    public var candidatesPath: String?
    public var costMatrixPath: String?
    /// The OD matrix's columns: demand id, facility id, cost.
    public var costColumns = (demand: "demand_id", facility: "supply_id", cost: "cost")
    /// The field holding demand and facility ids; nil: `id`, else `name`, in any case.
    public var idField: String?
    /// A road line layer for network costs (length in metres, or time in minutes).
    public var roadsPath: String?
    public var networkCost: RoadNetwork.Cost = .length
    /// The speed field of the roads (km/h), for time costs; roads without it use `defaultSpeed`.
    public var speedField = "speed_kmh"
    public var defaultSpeed = 30.0
    /// Keep straight-line costs for shelters while the roads serve fire response only.
    public var euclideanShelters = false
    /// The analysis CRS (metric); default: the demand raster's, else a UTM zone.
    public var crs: CRS?
    /// The CRS of CSV coordinates.
    public var inputCRS: CRS = .wgs84
    /// A radius (cost units) for every facility instead of its category's.
    public var radius: Double?
    /// The category of facilities without one, and the standard for the deficit.
    public var category: ShelterCategory = Standards.shelterCategory("emergency")!
    /// Share of the population that seeks shelter (demand = weight × rate).
    public var refugeRate = 1.0
    public var accessibility: Accessibility.Weighting?
    /// Siting over the candidates (existing supply fixed), with `p` new sites where the model needs it.
    public var siting: SitingModel?
    public var p: Int?
    public var capacitated = false
    /// The solver's time limit before it falls back to its best incumbent and the heuristic.
    public var sitingSeconds = 60.0
    /// District polygons for `districts.csv`, with the field holding their names.
    public var districtsPath: String?
    public var districtField = "name"
    /// Overrides of the categories' m² per person and minimum site area.
    public var areaPerPerson: Double?
    public var minimumArea: Double?
    /// Write the per-unit files `coverage_cells.geojson` and `demand.csv`; a census of a large
    /// raster may leave them out.
    public var writeCells = true
    public var writeDemandTable = true
    /// Fire-station response over the built-up area (needs a population raster as demand).
    public var fire: FireCoverage?

    public init(demandPath: String) { self.demandPath = demandPath }

    public struct Output: Sendable {
        public var crs: CRS
        public var demand: DemandUnits
        public var supply: Facilities
        public var table: ReachTable
        public var radius: [Double]
        public var covered: [Bool]
        public var assignment: CapacitatedAssignment
        /// Demand allocated to each facility when every unit goes to its nearest one in reach.
        public var nearestLoad: [Double]
        public var demandInReach: [Double]
        public var access: Accessibility.Result?
        public var candidates: Facilities
        public var siting: SitingResult?
        public var fire: FireCoverage.Result?
        /// Facilities whose area is below their category's minimum site area.
        public var belowMinimumArea: [Bool]
        /// The uncovered populated cells of raster demand dissolved, in the raster's CRS (nil
        /// for point demand, or when every cell is covered).
        public var blindZones: Geometry?
    }

    /// Uncovered populated cells of raster demand, dissolved.
    static func blindZones(_ demand: DemandUnits, covered: [Bool]) throws -> Geometry? {
        guard let grid = demand.grid, let cells = demand.cells else { return nil }
        var mask = [UInt8](repeating: 0, count: grid.width * grid.height)
        for (i, g) in cells.enumerated() where !covered[i] { mask[g] = 1 }
        return try Rasterize.dissolved(mask: mask, grid: grid)
    }

    public func run(outputDirectory out: String?) throws(CensusError) -> Output {
        try CensusError.mapping {
            let crs = try CoverageInputs.analysisCRS(asked: crs, demandPath: demandPath, assumed: inputCRS)
            guard try !crs.isGeographic() else {
                // A CRS given as an option is usage; one taken from the demand raster is its data.
                if self.crs != nil { throw CensusError.input(name: "crs", message: "\(crs) is geographic (degrees); expected a projected CRS in metres") }
                throw CensusError.badData(file: demandPath, message: "the analysis CRS \(crs) is geographic; give a metric one with --crs")
            }
            // The facilities are read on another core while the demand is.
            let supplyRead = Background { [self] in
                try supplyPath.map { try CoverageInputs.facilities($0, defaultCategory: category, crs: crs, assumed: inputCRS, idField: idField, adjust: adjusted) } ?? .empty
            }
            var demand: DemandUnits
            do {
                demand = try CoverageInputs.demand(demandPath, weightField: weightField, crs: crs, assumed: inputCRS, idField: idField)
            } catch {
                _ = try? supplyRead.value()
                throw error
            }
            if refugeRate != 1 { demand.weights = demand.weights.map { $0 * refugeRate } }
            let supply = try supplyRead.value()
            let radii = supply.category.map { radius ?? $0.radius }
            let reach = max(radii.max() ?? 0, accessibility?.reach ?? 0)
            // Only the capacitated models read the candidates' capacities.
            let candidates = try candidatesPath.map {
                try CoverageInputs.facilities($0, defaultCategory: category, crs: crs, assumed: inputCRS, idField: idField, capacityRequired: capacitated, adjust: adjusted)
            } ?? .empty
            let table = try reachTable(demand: demand, facilities: supply, maxCost: reach, crs: crs, ignoring: Set(candidates.ids))
            // Coverage: a facility within its radius.
            var covered = [Bool](repeating: false, count: table.demandCount)
            var inReach = [Double](repeating: 0, count: supply.count)
            var nearestLoad = [Double](repeating: 0, count: supply.count)   // each unit's load on its nearest in reach
            for i in 0..<table.demandCount {
                for k in table.reach(i) where table.cost[k] <= radii[Int(table.facility[k])] {
                    let j = Int(table.facility[k])
                    if !covered[i] { nearestLoad[j] += demand.weights[i] }
                    covered[i] = true
                    inReach[j] += demand.weights[i]
                }
            }
            // The blind zones and the accessibility do not need the assignment: one after the
            // other, they are computed on the other core while the assignment, a serial step,
            // runs here (a thread each would take turns with the assignment).
            let beside = Background { [demand, covered, table, accessibility] in
                (blind: try Self.blindZones(demand, covered: covered),
                 access: accessibility.map { Accessibility.compute(table, demand: demand.weights, supply: supply.accessibilitySupply, weighting: $0) })
            }
            let assignment = CapacitatedAssignment.solve(table, demand: demand.weights, capacity: supply.capacity, radius: radii)
            let (blindZones, access) = try beside.value()
            let sited = try siting.map { try site($0, demand: demand, supply: supply, candidates: candidates, crs: crs) }
            let o = Output(crs: crs, demand: demand, supply: supply, table: table, radius: radii, covered: covered,
                           assignment: assignment, nearestLoad: nearestLoad, demandInReach: inReach, access: access,
                           candidates: candidates, siting: sited, fire: try fire.map { try $0.run(job: self, demand: demand, crs: crs) },
                           belowMinimumArea: supply.indices.map { j in supply.area[j].map { $0 < supply.category[j].minimumArea } ?? false },
                           blindZones: blindZones)
            if let out { try CoverageOutputs(job: self, output: o).write(to: out) }
            return o
        }
    }

    /// The road graph in the analysis CRS `crs`, costing `cost`; `accessSpeed` (km/h) prices the
    /// step between a point and its nearest node for time costs (walking for shelters, local
    /// streets for fire engines).
    func network(_ path: String, crs: CRS, cost: RoadNetwork.Cost, accessSpeed: Double = 5) throws -> RoadNetwork {
        let layer = try VectorDataset(path: path, assumedCRS: inputCRS).layer(named: nil)
        let t = try CoordinateTransformer(from: layer.crs ?? inputCRS, to: crs)
        var lines: [(points: [Position], speedKmh: Double)] = []
        var k = 0
        try layer.forEachFeature { (f: Feature) throws(GeoError) in
            k += 1
            var speed = defaultSpeed
            if let v = f.attributes[speedField], !v.isMissing {
                guard let s = v.doubleValue, s > 0, s.isFinite else {
                    throw GeoError.invalidData(path: path, location: "feature \(k), field \(speedField)", reason: "a speed must be a positive number of km/h")
                }
                speed = s
            }
            switch f.geometry {
            case .lineString(let l)?: lines.append((l, speed))
            case .multiLineString(let ls)?: for l in ls { lines.append((l, speed)) }
            default: throw GeoError.invalidData(path: path, location: "feature \(k)", reason: "expected a line geometry")
            }
        }
        for i in lines.indices { try t.transform(&lines[i].points) }
        guard !lines.isEmpty else { throw CensusError.badData(file: path, message: "no road lines") }
        return RoadNetwork(lines: lines, cost: cost, accessSpeed: accessSpeed)
    }

    /// Runs the siting model over supply (fixed) and candidates; costs within the largest radius
    /// for LSCP and MCLP, every pair (or every OD pair) for p-median and p-center.
    func site(_ model: SitingModel, demand: DemandUnits, supply: Facilities, candidates: Facilities, crs: CRS) throws -> SitingResult {
        let all = supply.appending(candidates)
        let radii = all.category.map { radius ?? $0.radius }
        let everyPair = model == .pmedian || model == .pcenter
        let table = try reachTable(demand: demand, facilities: all, maxCost: everyPair ? .infinity : (radii.max() ?? 0), crs: crs)
        var pairs: [(demand: Int, facility: Int, cost: Double)] = []
        for i in 0..<table.demandCount { for k in table.reach(i) { pairs.append((i, Int(table.facility[k]), table.cost[k])) } }
        let problem = SitingProblem(demand: demand.weights, existing: supply.count, facilityCount: all.count, pairs: pairs,
                                    radius: radii, capacity: all.capacity)
        let source = candidatesPath ?? demandPath
        do {
            return try Siting.solve(problem, model: model, p: p, capacitated: capacitated, seconds: sitingSeconds)
        } catch {
            func list(_ units: [Int]) -> String {
                units.prefix(20).map { demand.ids[$0] }.joined(separator: ", ") + (units.count > 20 ? " … (\(units.count) in all)" : "")
            }
            switch error {
            case .uncoverable(let u):
                throw CensusError.badData(file: source, message: "LSCP cannot cover every demand unit: \(u.count) have no facility or candidate within reach: \(list(u))")
            case .unreachable(let u):
                throw CensusError.badData(file: source, message: "\(model.rawValue): \(u.count) demand units reach no facility or candidate: \(list(u))")
            case .tooFewCandidates(let p, let n):
                throw CensusError.badData(file: source, message: "--p \(p) is not between 0 and the \(n) candidates")
            case .insufficientCapacity:
                throw CensusError.badData(file: source, message: "capacitated p-median: the capacities of the supply and \(p ?? 0) new sites cannot hold the demand")
            case .infeasible(let p):
                throw CensusError.badData(file: source, message: "\(model.rawValue): no choice of \(p) new site(s) with the existing supply reaches every demand unit; raise p or add candidates or OD pairs")
            case .noSolution:
                throw CensusError.run("\(model.rawValue): the solver found no solution")
            }
        }
    }

    /// The standard for deficits: the default category with the overrides.
    public var standard: ShelterCategory { adjusted(category) }

    /// A category with the job's overrides of m² per person and minimum area.
    func adjusted(_ c: ShelterCategory) -> ShelterCategory {
        var c = c
        if let a = areaPerPerson { c.areaPerPerson = a }
        if let m = minimumArea { c.minimumArea = m }
        return c
    }

    /// Costs between demand and facilities; OD rows naming a facility in `ignoring` (the
    /// candidates, when only the supply is analysed) are skipped.
    func reachTable(demand: DemandUnits, facilities: Facilities, maxCost: Double, crs: CRS, ignoring: Set<String> = []) throws -> ReachTable {
        if let path = costMatrixPath {
            let t = try CSVTable(path: path)
            let di = try t.column(costColumns.demand), si = try t.column(costColumns.facility), ci = try t.column(costColumns.cost)
            let dIndex = Dictionary(demand.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            let fIndex = Dictionary(facilities.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            var pairs: [(demand: Int, facility: Int, cost: Double)] = []
            for r in t.rows {
                guard let d = dIndex[r.fields[di]] else { throw CensusError.badData(file: path, message: "line \(r.line), column \(costColumns.demand): \"\(r.fields[di])\" is not a demand unit of \(demandPath)") }
                if ignoring.contains(r.fields[si]) && fIndex[r.fields[si]] == nil { continue }
                guard let f = fIndex[r.fields[si]] else { throw CensusError.badData(file: path, message: "line \(r.line), column \(costColumns.facility): \"\(r.fields[si])\" is not a facility of the supply or candidates") }
                let c = try t.number(r, ci)
                guard c >= 0 else { throw CensusError.badData(file: path, message: "line \(r.line), column \(costColumns.cost): must be ≥ 0, found \(c)") }
                pairs.append((d, f, c))
            }
            return ReachTable(demandCount: demand.ids.count, facilityCount: facilities.count, maxCost: maxCost, pairs: pairs)
        }
        if let roadsPath, !euclideanShelters {
            guard let dp = demand.positions, let fp = facilities.positions else {
                throw CensusError.badData(file: demandPath, message: "network costs need coordinates for demand and facilities")
            }
            return try network(roadsPath, crs: crs, cost: networkCost).reachTable(demand: dp, facilities: fp, maxCost: maxCost)
        }
        guard let dp = demand.positions else { throw CensusError.badData(file: demandPath, message: "demand without coordinates needs --cost-matrix") }
        guard let fp = facilities.positions else { throw CensusError.badData(file: supplyPath ?? "supply", message: "facilities without coordinates need --cost-matrix") }
        return ReachTable.euclidean(demand: dp, facilities: fp, maxCost: maxCost)
    }
}
