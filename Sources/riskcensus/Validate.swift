import ArgumentParser
import Foundation
import RiskCensus
import RiskMaps

/// `riskcensus validate MANIFEST`: checks everything before any work starts and prints the plan.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a census manifest (types, ranges, files, CRSs, fields, curves, weights) and print the plan.")

    @Argument(help: "The census manifest (YAML).")
    var manifest: String

    @OptionGroup var memory: MemoryOption
    @OptionGroup var gdal: GDALOptions

    func validate() throws { try checkThreads(threads) }

    func run() throws {
        try gdal.apply()
        let plan = try Census(manifestPath: manifest).plan
        print(Self.describe(plan, threads: threads))
        for f in plan.findings { FileHandle.standardError.write(Data("riskcensus: warning: \(f.line)\n".utf8)) }
    }

    @Option(help: "Worker threads the estimate assumes (default: all cores).")
    var threads: Int = Workers.available

    static func describe(_ plan: CensusPlan, threads: Int) -> String {
        let g = plan.grid
        let hazards = plan.hazards.map { h in
            h.levels.map { "\(h.id) (\($0.count) levels, \($0.derivation.map { "derived by \($0.method.rawValue) from \($0.factors.count) factors" } ?? "from a levels raster")\($0.matrix != nil ? ", risk matrix" : ""))" }
                ?? (h.isScenario ? "\(h.id) (scenario, \(h.units))" : "\(h.id) (\(h.returnPeriods.map { String(Int($0)) }.joined(separator: "/")) years, \(h.units))")
        }
        return """
        manifest \(plan.manifestPath): valid
          grid:      \(g.width) × \(g.height) = \(g.cellCount) cells of \(g.transform.pixelWidth) m, \(g.crs?.description ?? "?")
          tiles:     \(plan.tiles.count)
          hazards:   \(hazards.joined(separator: ", "))
          exposure:  \(plan.classes.map(\.name).joined(separator: ", "))
          inputs:    \(plan.inputs.count) files
          estimate:  \(String(format: "%.0f", Double(plan.estimatedMemory(threads: threads)) / 1_048_576)) MiB peak memory with \(threads) threads, about \(String(format: "%.0f", plan.estimatedSeconds)) s
        """
    }
}

/// `riskcensus schema`: the manifest's JSON Schema, for editors (docs/manifest.schema.json).
struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the census manifest's JSON Schema (the one in docs/manifest.schema.json).")

    func run() throws {
        print(Manifest.jsonSchema, terminator: "")
    }
}

/// `riskcensus run MANIFEST --out DIR [--threads N] [--fresh] [--quiet] [--shard i/N]`.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate and run a census, writing maps, tables and provenance to --out.",
        discussion: """
        The run keeps a catalog (catalog.sqlite) and per-tile results (tiles/) in --out: running the \
        same command again resumes a killed run, skipping finished tiles and recomputing what a \
        changed input or manifest affects. With --shard i/N (or inside a Slurm job array or a \
        Kubernetes Indexed Job) it runs only pass 1 of its share of the tiles; riskcensus merge \
        finishes the run.
        """)

    @Argument(help: "The census manifest (YAML).")
    var manifest: String

    @Option(help: "Output folder (created if missing).")
    var out: String

    @OptionGroup var memory: MemoryOption
    @OptionGroup var gdal: GDALOptions

    @Option(help: "Tiles processed at once (default: all cores).")
    var threads: Int = Workers.available

    @Flag(help: "Forget the catalog and tiles in --out and start over.")
    var fresh = false

    @Flag(help: "No progress lines or bar, only errors and the final line.")
    var quiet = false

    @Option(help: "Run pass 1 for shard i of N only (0-based), e.g. 0/3.")
    var shard: String?

    @Option(help: "The number of shards when it comes from the environment without a count (Kubernetes JOB_COMPLETION_INDEX).")
    var shards: Int?

    @Option(name: .customLong("base-dir"), help: "Folder the manifest's relative paths are taken from (default: the manifest's folder).")
    var baseDir: String?

    func validate() throws {
        try checkThreads(threads)
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1, found \(shards)") }
    }

    func run() throws {
        try gdal.apply()
        tuneAllocatorForBatch()
        try OutputFolder.check(out, writes: [], inputs: [])
        let census = try Census(manifestPath: manifest, baseDirectory: baseDir)
        let chosen = try shard.map { try Shard.parse($0) } ?? Shard.fromEnvironment(completions: shards)
        if !quiet { print(Validate.describe(census.plan, threads: threads)) }
        let progress = ProgressReporter(quiet: quiet)
        let result = try census.run(outputDirectory: out, options: RunOptions(threads: threads, fresh: fresh, shard: chosen),
                                    events: progress.report)
        progress.end()
        if let chosen {
            print("shard \(chosen): pass 1 done; outputs in \(out) (merge the shard folders with riskcensus merge)")
        } else {
            print("done: \(result.cellsWithData) cells with data, \(result.cellsUnknown) unknown; outputs in \(result.outputDirectory)")
        }
    }
}

/// `riskcensus merge MANIFEST OUT SHARD_DIR...`.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the folders of sharded runs (run --shard i/N) and finish the census in OUT.",
        usage: "riskcensus merge OUT SHARD_DIR... [--threads N] [--quiet]\n       riskcensus merge MANIFEST OUT SHARD_DIR...",
        discussion: "The manifest is read from the shards' catalogs; naming it first (a .yaml or .yml file) is also accepted.")

    @Argument(help: "OUT and the shards' output folders (optionally preceded by the census manifest).")
    var arguments: [String]

    @Option(help: "Tiles processed at once (default: all cores).")
    var threads: Int = Workers.available

    @Flag(help: "No progress lines or bar.")
    var quiet = false

    @OptionGroup var memory: MemoryOption
    @OptionGroup var gdal: GDALOptions

    func validate() throws { try checkThreads(threads) }

    func run() throws {
        try gdal.apply()
        tuneAllocatorForBatch()
        var args = arguments
        let manifest = args.first.flatMap { a in [".yaml", ".yml"].contains(where: { a.lowercased().hasSuffix($0) }) ? a : nil }
        if manifest != nil { args.removeFirst() }
        guard args.count >= 2 else { throw ValidationError("give OUT and at least one SHARD_DIR") }
        let out = args[0], shards = Array(args.dropFirst())
        try OutputFolder.check(out, writes: [], inputs: [])
        let census = try manifest.map { try Census(manifestPath: $0) } ?? Census(ofRunFolders: shards)
        let progress = ProgressReporter(quiet: quiet)
        let result = try census.merge(shards: shards, into: out, options: RunOptions(threads: threads), events: progress.report)
        progress.end()
        print("done: \(result.cellsWithData) cells with data, \(result.cellsUnknown) unknown; outputs in \(result.outputDirectory)")
    }
}

/// `riskcensus status DIR`.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the progress, failures and timings of the census batch in an output folder, running or finished.")

    @Argument(help: "The run's output folder.")
    var dir: String

    func run() throws {
        print(try RunStatus(folder: dir))
    }
}

/// `riskcensus render RESULT_DIR`.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the maps of a census result folder (risk levels, EAL, hazards, shelter coverage) as PNG and SVG, its browser viewer, and its report (report.html; report.pdf with --pdf).")

    @Argument(help: "The run's output folder.")
    var dir: String

    @Flag(help: "Print report.pdf as well, with headless Chromium (Debian's chromium, or RISKCENSUS_CHROMIUM).")
    var pdf = false

    @OptionGroup var memory: MemoryOption
    @OptionGroup var gdal: GDALOptions

    func run() throws {
        try gdal.apply()
        try OutputFolder.check(dir, option: "RESULT_DIR", writes: [], inputs: [])
        let maps = try ResultMaps(folder: dir)
        var files = try maps.renderAll()
        Canvas.releaseCaches()
        let report = try CensusReport(folder: dir)
        files.append(try report.writeHTML())
        if pdf { files.append(try report.printPDF()) }
        print("render: \(files.count) files in \(dir): \(files.joined(separator: ", "))")
    }
}
