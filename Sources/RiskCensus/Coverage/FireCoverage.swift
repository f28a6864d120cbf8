import Foundation
import RiskCore
import RiskGeo

/// Fire-station response (METHODS §2.3): the share of the built-up area within the response
/// rule (a drive of `minutes` on the road network, or a straight-line radius without roads), and
/// each station's district by nearest-station allocation of the built-up cells, against the
/// 建标152-2017 limit of its class.
///
/// The built-up area is a polygon layer burnt onto the population grid, or the cells whose
/// population density reaches a threshold.
public struct FireCoverage: Sendable {
    public var stationsPath: String
    /// Polygons of the built-up area; nil uses `densityThreshold` on the population raster.
    public var builtUpPath: String?
    /// Persons per km² that make a cell built-up.
    public var densityThreshold = 1_000.0
    public var minutes = Standards.fireDriveMinutes
    public var radius = Standards.fireRadius
    /// Speed from a cell centre to the nearest road node, km/h: the local streets the road
    /// layer leaves out [assumed].
    public var accessSpeed = 20.0

    public init(stationsPath: String) { self.stationsPath = stationsPath }

    public struct Station: Sendable {
        public var id: String
        public var stationClass: String
        public var districtKm2: Double
        public var limitKm2: Double?
        public var coveredKm2: Double
    }

    public struct Result: Sendable {
        public var builtUpKm2: Double
        public var coveredKm2: Double
        public var stations: [Station]
        public var rule: String
        public var coverageRate: Double { builtUpKm2 > 0 ? coveredKm2 / builtUpKm2 : 0 }
    }

    /// Runs on the population raster `demand` (its grid), with the job's roads when it has them.
    func run(job: CoverageJob, demand: DemandUnits, crs: CRS) throws -> Result {
        guard let grid = demand.grid, let gridCRS = grid.crs else {
            throw CensusError.badData(file: job.demandPath, message: "fire-station coverage needs a population raster as --demand")
        }
        let cellKm2 = grid.transform.cellArea / 1e6
        // Built-up cells.
        var builtUp = [Bool](repeating: false, count: grid.width * grid.height)
        if let path = builtUpPath {
            let layer = try VectorDataset(path: path, assumedCRS: job.inputCRS).layer(named: nil)
            let polygons = try layer.features().compactMap(\.geometry)
            guard !polygons.isEmpty else { throw CensusError.badData(file: path, message: "no built-up polygons") }
            let burnt = try Rasterize.burn(polygons, values: polygons.map { _ in 1 }, crs: layer.crs ?? job.inputCRS, onto: grid, fill: 0)
            for g in builtUp.indices where burnt.values[g] == 1 { builtUp[g] = true }
        } else {
            let cells = demand.cells ?? []
            for (i, g) in cells.enumerated() where demand.weights[i] / job.refugeRate / cellKm2 >= densityThreshold { builtUp[g] = true }
        }
        let cells = builtUp.indices.filter { builtUp[$0] }
        var centres: [Position] = cells.map { g in
            let c = grid.center(col: g % grid.width, row: g / grid.width)
            return Position(c.x, c.y)
        }
        try CoordinateTransformer(from: gridCRS, to: crs).transform(&centres)
        let stations = try CoverageInputs.features(stationsPath, assumed: job.inputCRS, crs: crs)
        guard let positions = stations.positions else { throw CensusError.badData(file: stationsPath, message: "stations need coordinates") }
        let table: ReachTable
        let limit: Double
        let rule: String
        if let roads = job.roadsPath {
            limit = minutes
            table = try job.network(roads, crs: crs, cost: .time, accessSpeed: accessSpeed).reachTable(demand: centres, facilities: positions, maxCost: limit)
            rule = "a \(minutes)-minute drive on \(roads) at each road's \(job.speedField), the step to the nearest road node at \(accessSpeed) km/h"
        } else {
            limit = radius
            table = ReachTable.euclidean(demand: centres, facilities: positions, maxCost: limit)
            rule = "within \(radius) m in a straight line (no road network given; 4 min at 30 km/h, unverified)"
        }
        var district = [Double](repeating: 0, count: positions.count), covered = district
        var coveredTotal = 0.0
        for i in cells.indices {
            if let n = table.nearest[i] { district[Int(n)] += cellKm2 }
            if let k = table.reach(i).first {
                covered[Int(table.facility[k])] += cellKm2
                coveredTotal += cellKm2
            }
        }
        let result = Result(builtUpKm2: Double(cells.count) * cellKm2, coveredKm2: coveredTotal, stations: stations.features.indices.map { k in
            let cls = stations.features[k].attributes["class"]?.stringValue ?? ""
            return Station(id: stations.ids[k], stationClass: cls, districtKm2: district[k],
                           limitKm2: Standards.fireDistrictLimitKm2[cls], coveredKm2: covered[k])
        }, rule: rule)
        return result
    }
}
