/// A building asset of a scenario exposure (OpenQuake's asset): where it is, its taxonomy, how
/// many buildings, its total value per cost type, its occupants by period and its residents.
///
/// `values` are totals for the asset, already multiplied out by the reader (NRML `per_asset`
/// costs × number, `per_area` × area; `aggregated` and bare-CSV costs as given). Occupants are per
/// asset and never multiplied by `number` (METHODS §6.2).
public struct Asset: Sendable, Hashable {
    public var id: String
    public var taxonomy: String
    /// lon/lat in degrees (WGS84).
    public var location: Position
    public var number: Double
    public var values: [String: Double]
    public var occupants: [String: Double]
    public var residents: Double?

    public init(id: String, taxonomy: String, location: Position, number: Double = 1, values: [String: Double] = [:],
                occupants: [String: Double] = [:], residents: Double? = nil) {
        self.id = id
        self.taxonomy = taxonomy
        self.location = location
        self.number = number
        self.values = values
        self.occupants = occupants
        self.residents = residents
    }
}

/// The assets and the occupancy periods the exposure declares (or, where it declares none, the
/// periods found on its assets), which define "occupants" when no time of day is chosen.
public struct Portfolio: Sendable {
    public var assets: [Asset]
    public var occupancyPeriods: [String]

    public init(assets: [Asset], occupancyPeriods: [String]? = nil) {
        self.assets = assets
        self.occupancyPeriods = occupancyPeriods ?? Array(Set(assets.flatMap(\.occupants.keys))).sorted()
    }

    /// Occupants of an asset at `time` ("day", "night", "transit"), or with none chosen the mean
    /// over the portfolio's occupancy periods, a period the asset lacks counting as 0.
    public func occupants(_ asset: Asset, time: String?) -> Double {
        if let time { return asset.occupants[time] ?? 0 }
        guard !occupancyPeriods.isEmpty else { return 0 }
        return occupancyPeriods.reduce(0) { $0 + (asset.occupants[$1] ?? 0) } / Double(occupancyPeriods.count)
    }

    /// The quantity a loss type is computed on: the asset's value of that cost type, or its
    /// occupants for the `occupants` loss type; nil when the asset has no such value.
    public func exposedValue(_ asset: Asset, lossType: String, time: String?) -> Double? {
        lossType == "occupants" ? occupants(asset, time: time) : asset.values[lossType]
    }
}

/// Ground-motion fields joined to their sites: per site, the events with a row for it and one
/// value per IMT. An event without a row at a site has no ground motion there (no damage, no
/// loss), as OpenQuake treats it; scenario results are means over all `eventIDs`.
public struct GroundMotionFields: Sendable {
    public var siteIDs: [String]
    /// lon/lat of each site, degrees.
    public var sites: [Position]
    public var eventIDs: [String]
    /// Canonical IMT names (`IMT.canonical`), one value per IMT in each row.
    public var imts: [String]
    /// Rows of site s are `siteStart[s] ..< siteStart[s + 1]`.
    public var siteStart: [Int]
    public var rowEvent: [Int]
    /// `values[row * imts.count + m]`.
    public var values: [Double]

    public init(siteIDs: [String], sites: [Position], eventIDs: [String], imts: [String],
                siteStart: [Int], rowEvent: [Int], values: [Double]) {
        precondition(siteStart.count == sites.count + 1 && values.count == rowEvent.count * imts.count)
        self.siteIDs = siteIDs
        self.sites = sites
        self.eventIDs = eventIDs
        self.imts = imts
        self.siteStart = siteStart
        self.rowEvent = rowEvent
        self.values = values
    }

    /// Builds the per-site layout from rows in any order: (site index, event index, values).
    public init(siteIDs: [String], sites: [Position], eventIDs: [String], imts: [String],
                rows: [(site: Int, event: Int, values: [Double])]) {
        var count = [Int](repeating: 0, count: sites.count + 1)
        for r in rows { count[r.site + 1] += 1 }
        for s in 0..<sites.count { count[s + 1] += count[s] }
        var next = count
        var rowEvent = [Int](repeating: 0, count: rows.count)
        var values = [Double](repeating: 0, count: rows.count * imts.count)
        // Stable by event within a site, so sums run in event order whatever the file order.
        for r in rows.sorted(by: { ($0.site, $0.event) < ($1.site, $1.event) }) {
            let k = next[r.site]
            next[r.site] += 1
            rowEvent[k] = r.event
            for m in 0..<imts.count { values[k * imts.count + m] = r.values[m] }
        }
        self.init(siteIDs: siteIDs, sites: sites, eventIDs: eventIDs, imts: imts, siteStart: count, rowEvent: rowEvent, values: values)
    }
}
