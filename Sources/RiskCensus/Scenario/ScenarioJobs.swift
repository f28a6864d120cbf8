import Foundation
import RiskCore

/// The inputs scenario damage and scenario risk share: an exposure, ground-motion fields with
/// their sites, the asset-to-site cut-off and the time of day for occupants.
public struct ScenarioInputs: Sendable {
    public var exposurePath: String
    public var gmfPath: String
    public var sitesPath: String
    /// Assets farther than this from every site are dropped (km; OpenQuake's default 15).
    public var maxDistanceKm = 15.0
    /// "day", "night" or "transit"; nil averages occupants over the occupancy periods.
    public var timeEvent: String?
    /// Workers over asset chunks; the output does not depend on it.
    public var threads = Workers.available

    public init(exposurePath: String, gmfPath: String, sitesPath: String) {
        self.exposurePath = exposurePath
        self.gmfPath = gmfPath
        self.sitesPath = sitesPath
    }

    /// Reads the exposure and the fields and assigns assets to sites.
    func load() throws(CensusError) -> ScenarioCalculator {
        let portfolio = try ExposureReader.read(exposurePath)
        if let t = timeEvent, !portfolio.occupancyPeriods.contains(t) {
            throw .badData(file: exposurePath, message: "--time-event \(t): the exposure has no \(t) occupancy (periods: \(portfolio.occupancyPeriods.joined(separator: ", ")))")
        }
        let gmf = try GroundMotionReader.read(gmf: gmfPath, sites: sitesPath)
        return ScenarioCalculator(portfolio: portfolio, gmf: gmf, maxDistanceKm: maxDistanceKm, threads: threads)
    }

    /// Per asset, the function of its taxonomy and the index of that function's IMT in the
    /// fields; a taxonomy with no function, or an IMT the fields lack, is an error naming both files.
    func resolve<F>(_ calc: ScenarioCalculator, functions: [String: F], imt: (F) -> String, modelPath: String) throws(CensusError) -> [(imt: Int, function: F)] {
        var out: [(imt: Int, function: F)] = []
        out.reserveCapacity(calc.portfolio.assets.count)
        for a in calc.portfolio.assets {
            guard let f = functions[a.taxonomy] else {
                throw .badData(file: exposurePath, message: "asset \(a.id): taxonomy \"\(a.taxonomy)\" has no function in \(modelPath)")
            }
            guard let m = calc.gmf.imts.firstIndex(of: imt(f)) else {
                throw .badData(file: modelPath, message: "taxonomy \(a.taxonomy) uses IMT \(imt(f)), but \(gmfPath) has no gmv_\(imt(f)) column (it has \(calc.gmf.imts.joined(separator: ", ")))")
            }
            out.append((m, f))
        }
        return out
    }

    /// The summary fields both calculators write.
    func summary(_ calc: ScenarioCalculator, inputs extra: [String]) -> [String: JSONValue] {
        let dropped = calc.droppedAssets
        return [
            "engine": .string("riskcensus " + EngineInfo.version),
            "n_assets": .number(Double(calc.portfolio.assets.count)),
            "n_assets_used": .number(Double(calc.portfolio.assets.count - dropped.count)),
            "n_dropped_assets": .number(Double(dropped.count)),
            "dropped_asset_ids": .array(dropped.prefix(10_000).map { .string(calc.portfolio.assets[$0].id) }),
            "n_sites": .number(Double(calc.gmf.sites.count)),
            "n_events": .number(Double(calc.gmf.eventIDs.count)),
            "imts": .array(calc.gmf.imts.map { .string($0) }),
            "asset_hazard_distance_km": .number(maxDistanceKm),
            "time_event": timeEvent.map { .string($0) } ?? .string("avg"),
            "occupancy_periods": .array(calc.portfolio.occupancyPeriods.map { .string($0) }),
            "inputs": .object(([exposurePath, gmfPath, sitesPath] + extra).reduce(into: [String: JSONValue]()) {
                $0[$1] = .string((try? AtomicFile.sha256(of: $1)) ?? "")
            }),
        ]
    }
}

/// `riskcensus damage`: OpenQuake scenario damage (METHODS §6.2): mean buildings per damage state
/// per asset, and consequences from them.
public struct DamageJob: Sendable {
    public var inputs: ScenarioInputs
    public var fragilityPath: String
    public var consequencePaths: [String] = []

    public init(inputs: ScenarioInputs, fragilityPath: String) {
        self.inputs = inputs
        self.fragilityPath = fragilityPath
    }

    public struct Output: Sendable {
        public var calculator: ScenarioCalculator
        public var lossType: String
        public var limitStates: [String]
        /// [no_damage, ds₁ … dsₙ] mean buildings per asset; nil for a dropped asset.
        public var buildings: [[Double]?]
        public var consequences: [(name: String, lossType: String)]
        /// Per asset, one value per consequence; nil for a dropped asset.
        public var consequenceValues: [[Double]?]
    }

    public func run(outputDirectory out: String?) throws(CensusError) -> Output {
        let fragility = try NRML.fragility(fragilityPath)
        let consequences = try ConsequenceModel.read(consequencePaths, limitStates: fragility.limitStates, lossType: fragility.lossCategory)
        let calc = try inputs.load()
        let resolved = try inputs.resolve(calc, functions: fragility.models, imt: \.imt, modelPath: fragilityPath)
        let buildings = calc.damage(models: resolved.map { ($0.imt, $0.function.model) })
        let assets = calc.portfolio.assets
        var values: [[Double]?] = []
        for (a, b) in zip(assets, buildings) {
            guard let b else { values.append(nil); continue }
            var row: [Double] = []
            for (k, c) in consequences.consequences.enumerated() {
                guard let coefficients = consequences.coefficients[k][a.taxonomy] else {
                    throw .badData(file: consequencePaths.joined(separator: ","), message: "taxonomy \"\(a.taxonomy)\" (asset \(a.id)) has no \(c.name) row for \(c.lossType)")
                }
                let q: Double
                switch ScenarioDamage.Quantity(consequence: c.name)! {
                case .value:
                    guard let v = a.values[c.lossType] else {
                        throw .badData(file: inputs.exposurePath, message: "asset \(a.id): no \(c.lossType) cost for the consequence \(c.name)")
                    }
                    q = v
                case .number: q = a.number
                case .occupants: q = calc.portfolio.occupants(a, time: inputs.timeEvent)
                case .residents:
                    guard let r = a.residents else {
                        throw .badData(file: inputs.exposurePath, message: "asset \(a.id): no residents field for the consequence \(c.name)")
                    }
                    q = r
                }
                row.append(ScenarioDamage.consequence(buildings: b, coefficients: coefficients, quantity: q, number: a.number))
            }
            values.append(row)
        }
        let output = Output(calculator: calc, lossType: fragility.lossCategory, limitStates: fragility.limitStates,
                            buildings: buildings, consequences: consequences.consequences, consequenceValues: values)
        if let out { try CensusError.mapping { try write(output, to: out) } }
        return output
    }

    func write(_ o: Output, to out: String) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        func path(_ n: String) -> String { (out as NSString).appendingPathComponent(n) }
        let assets = o.calculator.portfolio.assets
        let n = o.limitStates.count + 1
        var total = [Double](repeating: 0, count: n)
        var s = CSVText.row(["asset_id", "taxonomy", "no_damage"] + o.limitStates)
        for (a, b) in zip(assets, o.buildings) {
            guard let b else { continue }
            for k in 0..<n { total[k] += b[k] }
            s += CSVText.row([a.id, a.taxonomy] + b.map(JSONText.number))
        }
        try AtomicFile.write(s, to: path("damage_by_asset.csv"))
        try AtomicFile.write(CSVText.row(["loss_type", "no_damage"] + o.limitStates)
                             + CSVText.row([o.lossType] + total.map(JSONText.number)), to: path("damage_total.csv"))
        var consequenceTotals = [Double](repeating: 0, count: o.consequences.count)
        if !o.consequences.isEmpty {
            var c = CSVText.row(["asset_id", "taxonomy"] + o.consequences.map(\.name))
            for (a, v) in zip(assets, o.consequenceValues) {
                guard let v else { continue }
                for k in v.indices { consequenceTotals[k] += v[k] }
                c += CSVText.row([a.id, a.taxonomy] + v.map(JSONText.number))
            }
            try AtomicFile.write(c, to: path("consequences_by_asset.csv"))
            try AtomicFile.write(CSVText.row(["loss_type"] + o.consequences.map(\.name))
                                 + CSVText.row([o.lossType] + consequenceTotals.map(JSONText.number)), to: path("consequences_total.csv"))
        }
        var summary = inputs.summary(o.calculator, inputs: [fragilityPath] + consequencePaths)
        summary["calculation"] = .string("scenario_damage")
        summary["semantics"] = .string("OpenQuake scenario damage: nearest site by great-circle distance; damage fractions = differences of limit-state exceedance probabilities, below 1e-7 set to 0; means over events; no_damage = number - damaged")
        summary["loss_type"] = .string(o.lossType)
        summary["limit_states"] = .array(o.limitStates.map { .string($0) })
        summary["damage_total"] = .object(Dictionary(uniqueKeysWithValues: zip(["no_damage"] + o.limitStates, total.map { JSONValue.number($0) })))
        summary["consequences_total"] = .object(Dictionary(uniqueKeysWithValues: zip(o.consequences.map(\.name), consequenceTotals.map { JSONValue.number($0) })))
        try AtomicFile.write(JSONValue.object(summary).indented() + "\n", to: path("summary.json"))
    }
}

/// `riskcensus losses`: OpenQuake scenario risk (METHODS §6.2): loss = loss ratio(gmv) × value
/// per asset and event, with one vulnerability model per loss type.
public struct LossJob: Sendable {
    public var inputs: ScenarioInputs
    public var vulnerabilityPaths: [String]

    public init(inputs: ScenarioInputs, vulnerabilityPaths: [String]) {
        self.inputs = inputs
        self.vulnerabilityPaths = vulnerabilityPaths
    }

    public struct Output: Sendable {
        public var calculator: ScenarioCalculator
        public var lossTypes: [String]
        public var losses: [ScenarioCalculator.Losses]
        /// Exposed value per loss type and asset.
        public var exposed: [[Double]]
    }

    public func run(outputDirectory out: String?) throws(CensusError) -> Output {
        var models: [(String, NRML.VulnerabilitySet)] = []
        for p in vulnerabilityPaths {
            let m = try NRML.vulnerability(p)
            if let other = models.first(where: { $0.1.lossCategory == m.lossCategory }) {
                throw .badData(file: p, message: "loss category \(m.lossCategory) is already given by \(other.0)")
            }
            models.append((p, m))
        }
        let calc = try inputs.load()
        var losses: [ScenarioCalculator.Losses] = [], exposed: [[Double]] = []
        for (p, m) in models {
            let resolved = try inputs.resolve(calc, functions: m.functions, imt: \.imt, modelPath: p)
            let values = try calc.portfolio.assets.map { a throws(CensusError) in
                guard let v = calc.portfolio.exposedValue(a, lossType: m.lossCategory, time: inputs.timeEvent) else {
                    throw .badData(file: inputs.exposurePath, message: "asset \(a.id): no \(m.lossCategory) value for \(p)")
                }
                return v
            }
            losses.append(calc.losses(functions: resolved, values: values))
            exposed.append(values)
        }
        let output = Output(calculator: calc, lossTypes: models.map(\.1.lossCategory), losses: losses, exposed: exposed)
        if let out { try CensusError.mapping { try write(output, to: out) } }
        return output
    }

    func write(_ o: Output, to out: String) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        func path(_ n: String) -> String { (out as NSString).appendingPathComponent(n) }
        let assets = o.calculator.portfolio.assets
        var byAsset = "asset_id,loss_type,loss\n", byTaxonomy = "loss_type,taxonomy,loss,loss_ratio\n"
        var byEvent = "event_id,loss_type,loss\n", total = "loss_type,loss,exposed_value,loss_ratio\n"
        var totals: [String: JSONValue] = [:]
        for (a, asset) in assets.enumerated() where o.calculator.siteOfAsset[a] != nil {
            for (t, lt) in o.lossTypes.enumerated() { byAsset += CSVText.row([asset.id, lt, JSONText.number(o.losses[t].byAsset[a]!)]) }
        }
        for (t, lt) in o.lossTypes.enumerated() {
            var taxonomies: [String] = [], loss: [String: Double] = [:], value: [String: Double] = [:]
            for (a, asset) in assets.enumerated() {
                guard let l = o.losses[t].byAsset[a] else { continue }
                if loss[asset.taxonomy] == nil { taxonomies.append(asset.taxonomy) }
                loss[asset.taxonomy, default: 0] += l
                value[asset.taxonomy, default: 0] += o.exposed[t][a]
            }
            for x in taxonomies {
                byTaxonomy += CSVText.row([lt, x, JSONText.number(loss[x]!), JSONText.number(value[x]! > 0 ? loss[x]! / value[x]! : 0)])
            }
            for (e, id) in o.calculator.gmf.eventIDs.enumerated() { byEvent += CSVText.row([id, lt, JSONText.number(o.losses[t].byEvent[e])]) }
            let l = taxonomies.reduce(0) { $0 + loss[$1]! }, v = taxonomies.reduce(0) { $0 + value[$1]! }
            total += CSVText.row([lt, JSONText.number(l), JSONText.number(v), JSONText.number(v > 0 ? l / v : 0)])
            totals[lt] = .number(l)
        }
        try AtomicFile.write(byAsset, to: path("losses_by_asset.csv"))
        try AtomicFile.write(byTaxonomy, to: path("losses_by_taxonomy.csv"))
        try AtomicFile.write(byEvent, to: path("losses_by_event.csv"))
        try AtomicFile.write(total, to: path("losses_total.csv"))
        var summary = inputs.summary(o.calculator, inputs: vulnerabilityPaths)
        summary["calculation"] = .string("scenario_risk")
        summary["semantics"] = .string("OpenQuake scenario risk: nearest site by great-circle distance; loss = loss ratio(gmv) x value, 0 below the first IML, clamped above the last; means over events")
        summary["loss_types"] = .array(o.lossTypes.map { .string($0) })
        summary["losses_total"] = .object(totals)
        try AtomicFile.write(JSONValue.object(summary).indented() + "\n", to: path("summary.json"))
    }
}
