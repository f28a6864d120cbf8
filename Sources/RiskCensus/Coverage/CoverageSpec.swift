import Foundation
import RiskCore
import RiskOptimize

/// The coverage options as one value, decoded from a census manifest's `coverage` section and
/// built from the `coverage` command's options alike, and turned into a `CoverageJob` by one
/// function, so that the two ways in cannot drift. Keys are the manifest's (snake_case); the
/// command's options are the same words with dashes.
public struct CoverageSpec: Codable, Sendable {
    /// Existing shelters (the command's `--supply`).
    public var shelters: String?
    public var candidates: String?
    /// An OD matrix, long form: a demand id, a facility id and a cost per row.
    public var costMatrix: String?
    /// The OD matrix's columns: demand id, facility id, cost (default demand_id, supply_id, cost).
    public var costColumns: [String]?
    /// The field holding the ids of demand units and facilities (default `id`, else `name`,
    /// in any case).
    public var idField: String?
    public var roads: String?
    public var networkCost: NetworkCost?
    public var speedField: String?
    /// Network (default with roads) or euclidean: the roads then serve fire response only.
    public var shelterCost: Manifest.ShelterCost?
    /// Category of shelters without one and the standard for the deficit (default emergency).
    public var category: String?
    public var radius: Double?
    /// Overrides of every category's m² per person and minimum site area.
    public var areaPerPerson: Double?
    public var minArea: Double?
    public var refugeRate: Double?
    public var accessibility: AccessibilityName?
    /// E2SFCA bands: ascending upper bounds with their weights.
    public var bands: [Band]?
    /// Gaussian 2SFCA σ in cost units (default half the radius).
    public var sigma: Double?
    public var siting: Siting?
    /// The most new sites a siting model chooses.
    static let maximumSites = 100_000
    public var fireStations: String?
    public var builtUp: String?
    public var densityThreshold: Double?
    public var fireMinutes: Double?
    /// Feed the served share of each cell's population into the census index as capacity C
    /// (census only; default true unless a `capacity` raster is given).
    public var capacityLayer: Bool?
    /// Write `coverage_cells.geojson`, one feature per demand unit; default true.
    public var cells: Bool?
    /// Write `demand.csv`, one row per demand unit; default true.
    public var demandTable: Bool?

    public init() {}

    public enum NetworkCost: String, Codable, Sendable, CaseIterable, ManifestEnum { case length, time }
    public enum AccessibilityName: String, Codable, Sendable, CaseIterable, ManifestEnum {
        case twoStep = "2sfca", enhanced = "e2sfca", gaussian = "g2sfca"
    }

    public struct Band: Codable, Sendable {
        public var limit: Double
        public var weight: Double
        public init(limit: Double, weight: Double) {
            self.limit = limit
            self.weight = weight
        }
    }

    public struct Siting: Codable, Sendable {
        public var model: SitingModel
        public var p: Int?
        public var capacitated: Bool?
        /// The solver's time limit in seconds (default 60).
        public var seconds: Double?
        public init(model: SitingModel) { self.model = model }
    }

    /// The E2SFCA bands of Luo & Qi (2009), scaled to the default 5 km reach.
    public static let defaultBands = [Band(limit: 1500, weight: 1), Band(limit: 3000, weight: 0.68), Band(limit: 5000, weight: 0.22)]

    /// The job this specification describes, for `demandPath`. `file` resolves and checks a
    /// path the specification names, given its key; `fail` makes the error for a key whose
    /// value is out of range (a manifest error naming `coverage.<key>`, or the command's
    /// option `--<key>`).
    public func job(demandPath: String, file: (String, String) throws(CensusError) -> String,
                    fail: (String, String) -> CensusError) throws(CensusError) -> CoverageJob {
        var job = CoverageJob(demandPath: demandPath)
        job.supplyPath = try shelters.map { p throws(CensusError) in try file(p, "shelters") }
        job.candidatesPath = try candidates.map { p throws(CensusError) in try file(p, "candidates") }
        job.costMatrixPath = try costMatrix.map { p throws(CensusError) in try file(p, "cost_matrix") }
        job.roadsPath = try roads.map { p throws(CensusError) in try file(p, "roads") }
        if costMatrix != nil && roads != nil { throw fail("cost_matrix", "give cost_matrix or roads, not both") }
        if let c = costColumns {
            guard c.count == 3, Set(c).count == 3, c.allSatisfy({ !$0.isEmpty }) else {
                throw fail("cost_columns", "expected three distinct column names (demand id, facility id, cost), found \(c.count)")
            }
            job.costColumns = (c[0], c[1], c[2])
        }
        if let f = idField { guard !f.isEmpty else { throw fail("id_field", "must name a field") }; job.idField = f }
        job.networkCost = networkCost == .time ? .time : .length
        if let s = speedField { job.speedField = s }
        job.euclideanShelters = shelterCost == .euclidean
        if let name = category {
            guard let cat = Standards.shelterCategory(name) else {
                throw fail("category", "unknown category \"\(name)\"; use \(Standards.shelterCategories.map(\.name).joined(separator: ", "))")
            }
            job.category = cat
        }
        if let r = radius { guard r > 0, r.isFinite else { throw fail("radius", "must be positive, found \(r)") }; job.radius = r }
        if let a = areaPerPerson { guard a > 0 else { throw fail("area_per_person", "must be positive, found \(a)") }; job.areaPerPerson = a }
        if let a = minArea { guard a >= 0 else { throw fail("min_area", "must not be negative, found \(a)") }; job.minimumArea = a }
        if let r = refugeRate { guard r > 0, r <= 1 else { throw fail("refuge_rate", "must be in (0, 1], found \(r)") }; job.refugeRate = r }
        let reach = job.radius ?? job.standard.radius
        switch accessibility {
        case nil: break
        case .twoStep: job.accessibility = .uniform(radius: reach)
        case .gaussian:
            if let s = sigma { guard s > 0 else { throw fail("sigma", "must be positive, found \(s)") } }
            job.accessibility = .gaussian(sigma: sigma ?? reach / 2, radius: reach)
        case .enhanced:
            let b = bands ?? Self.defaultBands
            guard !b.isEmpty, b.allSatisfy({ $0.limit > 0 && $0.weight >= 0 }), zip(b, b.dropFirst()).allSatisfy({ $0.limit < $1.limit }) else {
                throw fail("bands", "expected ascending positive limits with weights ≥ 0")
            }
            job.accessibility = .bands(b.map { ($0.limit, $0.weight) })
        }
        if let st = siting {
            guard job.candidatesPath != nil else { throw fail("siting", "siting needs candidates") }
            if st.model != .lscp && st.p == nil { throw fail("siting.p", "\(st.model.rawValue) needs p") }
            if let p = st.p, p < 0 { throw fail("siting.p", "must not be negative, found \(p)") }
            if let p = st.p, p > Self.maximumSites { throw fail("siting.p", "found \(p); expected at most \(Self.maximumSites) new sites") }
            if st.capacitated == true && st.model != .mclp && st.model != .pmedian {
                throw fail("siting.capacitated", "applies to mclp and pmedian, not \(st.model.rawValue)")
            }
            if let s = st.seconds { guard s > 0 else { throw fail("siting.seconds", "must be positive, found \(s)") }; job.sitingSeconds = s }
            job.siting = st.model
            job.p = st.p
            job.capacitated = st.capacitated ?? false
        }
        if let f = fireStations {
            var fire = FireCoverage(stationsPath: try file(f, "fire_stations"))
            fire.builtUpPath = try builtUp.map { p throws(CensusError) in try file(p, "built_up") }
            if let d = densityThreshold { guard d > 0 else { throw fail("density_threshold", "must be positive, found \(d)") }; fire.densityThreshold = d }
            if let m = fireMinutes { guard m > 0 else { throw fail("fire_minutes", "must be positive, found \(m)") }; fire.minutes = m }
            job.fire = fire
        }
        job.writeCells = cells ?? true
        job.writeDemandTable = demandTable ?? true
        return job
    }
}
