import ArgumentParser
import Foundation
import RiskCensus
import RiskCore

/// `riskcensus impact`: event-set impact with CLIMADA's ImpactCalc semantics.
struct Impact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Probabilistic event-set impact (CLIMADA ImpactCalc semantics): at_event, eai_exp, aai_agg, exceedance.")

    @Option(help: "Exposures: CSV id,lon,lat,value,impf[,deductible,cover] or a point GeoJSON with those properties.")
    var exposures: String
    @Option(help: "CRS of the exposure coordinates (default EPSG:4326).")
    var exposuresCrs: String = "EPSG:4326"
    @Option(help: "Multi-band raster: band k is event k's intensity (0 = no hazard, nodata = unknown).")
    var hazard: String
    @Option(help: "CSV event_id,frequency[,name], one row per band in band order.")
    var events: String
    @Option(help: "CSV id,intensity,mdd,paa, rows grouped by id, intensity ascending.")
    var impactFunctions: String
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Return periods for exceedance.csv, comma-separated.")
    var returnPeriods: String = "5,10,25,50,100,250"
    @Flag(help: "Also write impact_matrix.csv (sparse event_id,id,impact).")
    var impactMatrix = false
    @Option(help: "Worker threads over event chunks (default: all cores); the output does not depend on it.")
    var threads: Int = Workers.available
    @OptionGroup var memory: MemoryOption
    @OptionGroup var gdal: GDALOptions

    func validate() throws {
        try checkThreads(threads)
        guard !parsedReturnPeriods.isEmpty, parsedReturnPeriods.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--return-periods must be positive numbers separated by commas")
        }
    }

    var parsedReturnPeriods: [Double] {
        let parts = returnPeriods.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        return parts.contains(nil) ? [] : parts.map { $0! }
    }

    func run() throws {
        try gdal.apply()
        let inputs: [(option: String, path: String?)] = [("--exposures", exposures), ("--hazard", hazard), ("--events", events), ("--impact-functions", impactFunctions)]
        try OutputFolder.checkInputs(inputs)
        try OutputFolder.check(out, writes: OutputFolder.impactOutputs, inputs: inputs.compactMap(\.path))
        var job = ImpactJob(exposuresPath: exposures, hazardPath: hazard, eventsPath: events, functionsPath: impactFunctions)
        do { job.exposuresCRS = try CRS.parse(exposuresCrs) } catch { throw ValidationError("--exposures-crs: \(error.description)") }
        job.returnPeriods = parsedReturnPeriods
        job.writeMatrix = impactMatrix
        job.threads = threads
        Workers.set(threads)
        let o = try job.run(outputDirectory: out)
        print("aai_agg \(o.result.aaiAgg); \(o.events.count) events, \(o.exposures.count) exposures, \(o.result.unassigned) unassigned; outputs in \(out)")
    }
}
