import ArgumentParser
import Foundation
import RiskCensus

/// `riskcensus validate MANIFEST`: checks everything before any work starts and prints the plan.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a census manifest (types, ranges, files, CRSs, fields, curves, weights) and print the plan.")

    @Argument(help: "The census manifest (YAML).")
    var manifest: String

    func run() throws {
        let plan = try Census(manifestPath: manifest).plan
        print(Self.describe(plan))
    }

    static func describe(_ plan: CensusPlan) -> String {
        let g = plan.grid
        let hazards = plan.hazards.map { h in
            h.isScenario ? "\(h.id) (scenario, \(h.units))" : "\(h.id) (\(h.returnPeriods.map { String(Int($0)) }.joined(separator: "/")) years, \(h.units))"
        }
        return """
        manifest \(plan.manifestPath): valid
          grid:      \(g.width) × \(g.height) = \(g.cellCount) cells of \(g.transform.pixelWidth) m, \(g.crs?.description ?? "?")
          tiles:     \(plan.tiles.count)
          hazards:   \(hazards.joined(separator: ", "))
          exposure:  \(plan.classes.map(\.name).joined(separator: ", "))
          inputs:    \(plan.inputs.count) files
          estimate:  \(String(format: "%.0f", Double(plan.estimatedMemory) / 1_048_576)) MiB peak memory, about \(String(format: "%.0f", plan.estimatedSeconds)) s
        """
    }
}

/// `riskcensus run MANIFEST --out DIR [--threads N]`.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate and run a census, writing maps, tables and provenance to --out.")

    @Argument(help: "The census manifest (YAML).")
    var manifest: String

    @Option(help: "Output folder (created if missing).")
    var out: String

    @Option(help: "Worker threads for the kernel (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let census = try Census(manifestPath: manifest)
        print(Validate.describe(census.plan))
        let result = try census.run(outputDirectory: out, threads: threads) { message in
            FileHandle.standardError.write(Data(("[riskcensus] " + message + "\n").utf8))
        }
        print("done: \(result.cellsWithData) cells with data, \(result.cellsUnknown) unknown; outputs in \(result.outputDirectory)")
    }
}
