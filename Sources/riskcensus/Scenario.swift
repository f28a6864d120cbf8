import ArgumentParser
import Foundation
import RiskCensus
import RiskCore

/// Options `damage` and `losses` share: the exposure, the ground-motion fields and their sites.
struct ScenarioOptions: ParsableArguments {
    @Option(help: "Exposure: NRML 0.4/0.5 exposureModel (assets inline or in CSV) or a CSV id,lon,lat,taxonomy,number,<costs>,<periods>[,residents] (costs are totals).")
    var exposure: String
    @Option(help: "Ground-motion fields: CSV eid, sid or custom_site_id, gmv_<IMT>…")
    var gmf: String
    @Option(help: "Sites: CSV sid, site_id or custom_site_id, lon, lat (without an id, a coordinate list numbered in lon, lat order).")
    var sites: String
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Assets farther than this from every site are dropped (km).")
    var assetHazardDistance: Double = 15
    @Option(help: "Occupants at this time of day (day, night, transit); default: the mean over the occupancy periods.")
    var timeEvent: String?
    @Option(help: "Worker threads (default: all cores); the output does not depend on it.")
    var threads: Int = Workers.available
    @OptionGroup var memory: MemoryOption
    @OptionGroup var gdal: GDALOptions

    func validate() throws {
        guard assetHazardDistance > 0, assetHazardDistance.isFinite else { throw ValidationError("--asset-hazard-distance must be a positive number of km") }
        if let t = timeEvent, !["day", "night", "transit"].contains(t) { throw ValidationError("--time-event: found \(t); expected day, night or transit") }
        try checkThreads(threads)
    }

    /// The shared inputs and the output folder checked, with the command's own inputs.
    func check(_ own: [(option: String, path: String?)]) throws {
        let all: [(option: String, path: String?)] = [("--exposure", exposure), ("--gmf", gmf), ("--sites", sites)] + own
        try OutputFolder.checkInputs(all)
        try OutputFolder.check(out, writes: OutputFolder.scenarioOutputs, inputs: all.compactMap(\.path))
    }

    var inputs: ScenarioInputs {
        var i = ScenarioInputs(exposurePath: exposure, gmfPath: gmf, sitesPath: sites)
        i.maxDistanceKm = assetHazardDistance
        i.timeEvent = timeEvent
        i.threads = threads
        Workers.set(threads)
        return i
    }
}

/// Splits a comma-separated list of paths.
func pathList(_ s: String) -> [String] {
    s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// `riskcensus damage`: scenario damage with OpenQuake's semantics.
struct Damage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scenario damage (OpenQuake semantics): mean buildings per damage state, and consequences.")

    @OptionGroup var scenario: ScenarioOptions
    @Option(help: "NRML 0.5 fragilityModel (discrete or continuous logncdf).")
    var fragility: String
    @Option(help: "Consequence CSVs, comma-separated (taxonomy or risk_id, consequence, loss_type or peril, one column per limit state).")
    var consequences: String?

    func run() throws {
        try scenario.gdal.apply()
        try scenario.check([("--fragility", fragility)] + (consequences.map(pathList) ?? []).map { ("--consequences", $0) })
        var job = DamageJob(inputs: scenario.inputs, fragilityPath: fragility)
        job.consequencePaths = consequences.map(pathList) ?? []
        let o = try job.run(outputDirectory: scenario.out)
        let used = o.buildings.compactMap { $0 }.count
        print("\(used) assets damaged over \(o.calculator.gmf.eventIDs.count) events, \(o.buildings.count - used) dropped; outputs in \(scenario.out)")
    }
}

/// `riskcensus losses`: scenario risk with OpenQuake's semantics.
struct Losses: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scenario losses (OpenQuake scenario risk semantics): loss ratio × value per asset and event, means over events.")

    @OptionGroup var scenario: ScenarioOptions
    @Option(help: "NRML 0.5 vulnerabilityModels, comma-separated, one per loss type (covLRs must be 0).")
    var vulnerability: String

    func run() throws {
        try scenario.gdal.apply()
        try scenario.check(pathList(vulnerability).map { ("--vulnerability", $0) })
        let job = LossJob(inputs: scenario.inputs, vulnerabilityPaths: pathList(vulnerability))
        let o = try job.run(outputDirectory: scenario.out)
        let totals = zip(o.lossTypes, o.losses).map { "\($0) \($1.byAsset.compactMap { $0 }.reduce(0, +))" }
        print("mean losses: \(totals.joined(separator: ", ")); \(o.calculator.droppedAssets.count) assets dropped; outputs in \(scenario.out)")
    }
}
