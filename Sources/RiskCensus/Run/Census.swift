import Foundation
import RiskCore
import RiskGeo

/// A census job: a validated plan and its run. The library API other services call.
///
/// ```swift
/// let census = try Census(manifestPath: "datasets/changzhou/census.yaml")
/// let result = try census.run(outputDirectory: "maps/changzhou", threads: 2) { print($0) }
/// ```
public struct Census: Sendable {
    public let plan: CensusPlan

    /// Validates the manifest (files, CRSs, fields, curves, weights) before any work starts.
    /// Relative paths in it are taken from `baseDirectory`, by default the manifest's folder.
    public init(manifestPath: String, baseDirectory: String? = nil) throws(CensusError) {
        plan = try CensusPlan.make(manifestPath: manifestPath, baseDirectory: baseDirectory)
    }

    /// A census from a manifest given as a value: its text (YAML, or JSON, which is YAML), kept at
    /// `savedAs` so that the run's provenance, checksums and resume keys name a file as for any
    /// other census. Relative paths in it are taken from `baseDirectory`. A file already at
    /// `savedAs` with other content is not overwritten.
    public init(manifestText: String, savedAs path: String, baseDirectory: String) throws(CensusError) {
        let data = Data(manifestText.utf8)
        if let existing = FileManager.default.contents(atPath: path), existing != data {
            throw .run("\(path): a different file is already there; the manifest is not written over it")
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .run("\(path): cannot write the manifest: \(error.localizedDescription)")
        }
        try self.init(manifestPath: path, baseDirectory: baseDirectory)
    }

    /// Runs the census and writes every output into `outputDirectory`, resuming from the
    /// catalog and tile store a killed run left there.
    public func run(outputDirectory: String, threads: Int = 1,
                    progress: @escaping @Sendable (String) -> Void = { _ in }) throws(CensusError) -> CensusResult {
        try run(outputDirectory: outputDirectory, options: RunOptions(threads: threads)) { event in
            switch event {
            case .message(let m): progress(m)
            case .warning(let f): progress("warning: " + f.line)
            case .tiles: break
            }
        }
    }

    /// Runs the census (or, with `options.shard`, its share of pass 1) into `outputDirectory`.
    public func run(outputDirectory: String, options: RunOptions,
                    events: @escaping @Sendable (RunEvent) -> Void) throws(CensusError) -> CensusResult {
        try CensusError.mapping {
            try CensusRunner(plan: plan, out: outputDirectory, options: options, events: events).run()
        }
    }

    /// The census a run folder (a shard's, say) was made from: its manifest and base directory
    /// as its catalog recorded them, checked to be the same file for every folder given.
    public init(ofRunFolders folders: [String]) throws(CensusError) {
        var found: (manifest: String, base: String, sha: String)?
        for dir in folders {
            let path = (dir as NSString).appendingPathComponent(CensusRunner.catalogName)
            guard FileManager.default.fileExists(atPath: path) else {
                throw .missingFile(key: "SHARD_DIR", path: path + " (is \(dir) a run folder?)")
            }
            let here: (String, String, String)
            do {
                let c = try RunCatalog(path: path)
                guard let m = try c.meta("manifest_path"), let b = try c.meta("base_directory") else {
                    throw CensusError.badData(file: path, message: "the catalog does not record its manifest (made by an earlier engine); give the manifest first: merge MANIFEST OUT SHARD_DIR…")
                }
                here = (m, b, (try? SHA256.hex(ofFile: m)) ?? "")
            } catch let e as CensusError {
                throw e
            } catch {
                throw .badData(file: path, message: "\(error)")
            }
            if let f = found, f.manifest != here.0 || f.sha != here.2 {
                throw .badData(file: path, message: "this shard ran \(here.0), another \(f.manifest); merge shards of one census")
            }
            found = here
        }
        guard let f = found else { throw .manifest(file: "merge", key: "SHARD_DIR", message: "no shard folders given") }
        try self.init(manifestPath: f.manifest, baseDirectory: f.base)
    }

    /// Combines shard folders made by `run` with `--shard` into `outputDirectory` and finishes
    /// the run there: the shards' pass-1 tiles are taken over (checked against their checksums
    /// and keys), any tile no shard finished is computed, then pass 2 and the outputs.
    public func merge(shards: [String], into outputDirectory: String, options: RunOptions,
                      events: @escaping @Sendable (RunEvent) -> Void) throws(CensusError) -> CensusResult {
        try CensusError.mapping {
            try CensusRunner(plan: plan, out: outputDirectory, options: options, events: events).merge(shards)
        }
    }
}

/// What a run produced.
public struct CensusResult: Sendable {
    public var outputDirectory: String
    public var files: [String]
    public var districts: [DistrictSummary]
    public var breaks: [Double]
    public var cellsTotal: Int
    public var cellsWithData: Int
    public var cellsUnknown: Int
}

/// One administrative unit's totals.
public struct DistrictSummary: Sendable {
    public var name: String
    public var code: String
    public var population = 0.0
    public var exposedValue = 0.0
    public var gdp = 0.0
    public var eal = 0.0
    public var expectedFatalities = 0.0
    public var levelCells = [Int](repeating: 0, count: 5)
    public var unknownCells = 0
    public var cells = 0
    /// Per hazard: EAL or scenario loss, and expected annual or scenario fatalities.
    public var hazardLoss: [Double]
    public var hazardFatalities: [Double]
    /// Per hazard index with single-hazard risk levels (hazards given as levels, and every
    /// hazard under the comprehensive-level rule): cells and residents per level.
    public var hazardLevels: [Int: LevelCounts] = [:]

    /// A unit's cells and residents per single-hazard risk level (I…V) and, for a hazard given
    /// as levels, per hazard level (1…count); residents per hazard level are counted on the
    /// compute grid.
    public struct LevelCounts: Sendable, Equatable {
        public var riskCells = [Int](repeating: 0, count: 5)
        public var riskResidents = [Double](repeating: 0, count: 5)
        public var hazardCells: [Int]
        public var hazardResidents: [Double]

        public init(hazardLevels: Int) {
            hazardCells = [Int](repeating: 0, count: hazardLevels)
            hazardResidents = [Double](repeating: 0, count: hazardLevels)
        }
    }

    /// Adds a child unit's figures: a coarser unit's are the sums of its children's.
    mutating func add(_ c: DistrictSummary) {
        population += c.population
        exposedValue += c.exposedValue
        gdp += c.gdp
        eal += c.eal
        expectedFatalities += c.expectedFatalities
        for l in levelCells.indices { levelCells[l] += c.levelCells[l] }
        unknownCells += c.unknownCells
        cells += c.cells
        for k in hazardLoss.indices {
            hazardLoss[k] += c.hazardLoss[k]
            hazardFatalities[k] += c.hazardFatalities[k]
        }
        for (k, v) in c.hazardLevels {
            var mine = hazardLevels[k] ?? LevelCounts(hazardLevels: v.hazardCells.count)
            for l in 0..<5 {
                mine.riskCells[l] += v.riskCells[l]
                mine.riskResidents[l] += v.riskResidents[l]
            }
            for l in v.hazardCells.indices {
                mine.hazardCells[l] += v.hazardCells[l]
                mine.hazardResidents[l] += v.hazardResidents[l]
            }
            hazardLevels[k] = mine
        }
    }

    public var ealToGDP: Double { gdp > 0 ? eal / gdp : .nan }
    public var fatalitiesPerMillion: Double { population > 0 ? expectedFatalities / population * 1e6 : .nan }
}
