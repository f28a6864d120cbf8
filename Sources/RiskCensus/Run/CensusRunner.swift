import Foundation
import RiskCore
import RiskGeo

/// The census flow of DESIGN.md as a batch of tile jobs: pass 1 per tile (an exposure part and
/// one part per hazard), region-wide statistics, the coverage step, pass 2 per tile,
/// classification, then the outputs streamed tile by tile. Each job's result goes to the tile
/// store and its state to the run catalog, so a killed run resumes where it stopped, a changed
/// input recomputes what depends on it, and a shard runs only its share of pass 1.
struct CensusRunner {
    let plan: CensusPlan
    let out: String
    let options: RunOptions
    let events: @Sendable (RunEvent) -> Void

    init(plan: CensusPlan, out: String, options: RunOptions, events: @escaping @Sendable (RunEvent) -> Void) {
        var plan = plan
        // A derived hazard's levels are written into this run's folder before pass 1 reads them.
        for k in plan.hazards.indices where plan.hazards[k].levels?.derivation != nil {
            plan.hazards[k].layers[0].path = (out as NSString).appendingPathComponent(CensusPlan.derivedFiles(plan.hazards[k].id).levels)
        }
        self.plan = plan
        self.out = out
        self.options = options
        self.events = events
    }

    struct Zone {
        var name: String
        var code: String
        var geometry: Geometry?
    }

    /// The run's shared state: catalog (one SQLite connection, used under a lock), tile store,
    /// keys, the run id.
    final class Batch: @unchecked Sendable {
        let catalog: RunCatalog
        let store: TileStore
        let keys: JobKeys
        let run: Int64
        private let lock = NSLock()

        init(catalog: RunCatalog, store: TileStore, keys: JobKeys, run: Int64) {
            self.catalog = catalog
            self.store = store
            self.keys = keys
            self.run = run
        }

        func with<T>(_ body: (RunCatalog) throws -> T) rethrows -> T {
            lock.lock()
            defer { lock.unlock() }
            return try body(catalog)
        }
    }

    static let catalogName = "catalog.sqlite"

    func message(_ s: String) { events(.message(s)) }

    // MARK: Setup

    /// Locks the folder, opens (or, with `fresh`, recreates) the catalog and the tile store,
    /// checksums the inputs and starts a run record.
    func open() throws -> (RunLock, Batch) {
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw CensusError.run("\(out): cannot create the output folder: \(error.localizedDescription)")
        }
        try checkOutputsSpareInputs()
        let lock = try RunLock(out: out)
        Self.removeTemporaryFiles(in: out)
        GDALEnvironment.setCacheLimit(bytes: plan.gdalCache(threads: options.threads))
        let catalogPath = (out as NSString).appendingPathComponent(Self.catalogName)
        if options.fresh { try Self.forgetBatchState(in: out, catalog: catalogPath) }
        let catalog: RunCatalog
        do {
            catalog = try RunCatalog(path: catalogPath)
        } catch let e where e.isDamagedFile {
            throw CensusError.input(name: "out", message: e.description)
        } catch {
            throw CensusError(wrapping: error)
        }
        let store = try TileStore(out: out)
        var checksums: [String: String] = [:]
        var stamps: [(String, Int64, Double)] = []
        var unknown: [String] = []
        for f in Set(plan.inputs).sorted() {
            let a = try FileManager.default.attributesOfItem(atPath: f)
            let size = (a[.size] as? NSNumber)?.int64Value ?? 0
            let mtime = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            if let known = try catalog.knownChecksum(path: f, size: size, mtime: mtime) { checksums[f] = known } else { unknown.append(f) }
            stamps.append((f, size, mtime))
        }
        // Inputs the catalog does not know (all of them in a fresh run) are hashed on all workers.
        let toHash = unknown
        for (f, sum) in zip(toHash, try OrderedWork.map(toHash.count) { k in try AtomicFile.sha256(of: toHash[k]) }) { checksums[f] = sum }
        let keys = try JobKeys(plan: plan, checksums: checksums)
        let run = try catalog.beginRun(manifestSHA256: checksums[plan.manifestPath] ?? "", threads: options.threads,
                                       shard: options.shard?.description, tiles: plan.tiles.count, cells: plan.grid.cellCount)
        try catalog.database.transaction {
            for (f, size, mtime) in stamps { try catalog.recordInput(run: run, path: f, size: size, mtime: mtime, sha256: checksums[f]!) }
            // Where the manifest is, so that `merge OUT SHARD_DIR…` finds it from the shards.
            try catalog.setMeta("manifest_path", Self.absolute(plan.manifestPath))
            try catalog.setMeta("base_directory", Self.absolute(plan.base))
        }
        return (lock, Batch(catalog: catalog, store: store, keys: keys, run: run))
    }

    static func absolute(_ path: String) -> String {
        let p = path.isEmpty ? "." : path
        return ((p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p) as NSString).standardizingPath
    }

    /// The files a run writes at the top of its folder (and the batch state beside them).
    static let outputNames = ["risk_level.tif", "risk_index.tif", "eal.tif", "fatalities.tif", "risk_cells.geojson", "risk_zones.geojson",
                              "plan_targets.json", "provenance.json", catalogName, ".riskcensus.lock"]

    /// With `--out` set to the data folder, an output of the same name as an input would
    /// replace it: refused before anything is written.
    func checkOutputsSpareInputs() throws {
        let names = Self.outputNames + runOutputNames
        try OutputFolder.check(out, writes: names + [OutputWriter.packageFile] + Self.companions(of: names), inputs: plan.inputs)
    }

    /// The files written beside the rasters and layers `names`: each one's `.qml` and `.sld`
    /// style, and a class raster's `.aux.xml` (its category names).
    static func companions(of names: [String]) -> [String] {
        names.filter { $0.hasSuffix(".tif") || $0.hasSuffix(".geojson") }.flatMap { n -> [String] in
            let base = (n as NSString).deletingPathExtension
            return [base + ".qml", base + ".sld"] + (n.hasSuffix(".tif") ? [n + ".aux.xml"] : [])
        }
    }

    /// The files this plan adds to `outputNames`: derived hazards' files and single-hazard levels.
    var runOutputNames: [String] {
        plan.region.levelNames.flatMap { ["\($0).csv", "\($0).geojson"] } + plan.hazards.filter { $0.levels?.derivation != nil }.flatMap { h -> [String] in
            let f = CensusPlan.derivedFiles(h.id)
            return [f.index, f.levels, f.factors, f.validation]
        } + plan.levelledHazards.map { OutputWriter.hazardLevelFile(plan.hazards[$0].id) }
    }

    /// `--fresh`: removes the catalog and the tile files, and nothing else. A `catalog.sqlite`
    /// that is not a run catalog, or a `tiles/` folder holding files the engine does not name
    /// so, belongs to someone else: the run stops rather than delete it.
    static func forgetBatchState(in out: String, catalog: String) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: catalog) {
            let ours = (try? SQLiteDatabase(path: catalog, readOnly: true).query("SELECT value FROM meta WHERE key = 'schema_version'").isEmpty == false) ?? false
            guard ours else {
                throw CensusError.usage("\(catalog): not a riskcensus run catalog; --fresh will not delete it (choose another --out)")
            }
            for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: catalog + suffix) }
        }
        let tiles = (out as NSString).appendingPathComponent("tiles")
        guard let names = try? fm.contentsOfDirectory(atPath: tiles) else { return }
        let foreign = names.filter { !$0.hasSuffix(".bin") && !isOwnTemporary($0) }
        guard foreign.isEmpty else {
            throw CensusError.usage("\(tiles): holds files riskcensus did not write (\(foreign.prefix(3).joined(separator: ", "))); --fresh will not delete them (choose another --out)")
        }
        for n in names { try? fm.removeItem(atPath: (tiles as NSString).appendingPathComponent(n)) }
        try? fm.removeItem(atPath: tiles)
    }

    /// Temporary files a killed run left beside the outputs and tiles: exactly the engine's own
    /// pattern, `<name>.<tif|geojson|csv|json|bin|png|svg|html|js|gpkg|qml|sld|xml|pdf>.tmp-<pid>`
    /// (with GDAL's companions: a COG's `.stage.tif`, category names' `.aux.xml`, SQLite's
    /// `-journal`, `-wal`, `-shm`) of a process that is gone. A user's `thesis.tmp-final.docx`,
    /// or a file of a live process, is never touched. Only the holder of the run lock calls this.
    static func removeTemporaryFiles(in out: String) {
        for sub in ["", "tiles", "coverage"] {
            let dir = (out as NSString).appendingPathComponent(sub)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where isOwnTemporary(name) {
                try? FileManager.default.removeItem(atPath: (dir as NSString).appendingPathComponent(name))
            }
        }
    }

    static func isOwnTemporary(_ name: String) -> Bool {
        let pattern = #"^[A-Za-z0-9_.-]+\.(tif|geojson|csv|json|bin|png|svg|html|js|gpkg|qml|sld|xml|pdf)\.tmp-([0-9]{1,10})(\.stage\.tif|\.aux\.xml|-journal|-wal|-shm)?$"#
        guard let whole = name.range(of: pattern, options: .regularExpression), whole == name.startIndex..<name.endIndex,
              let dash = name.range(of: ".tmp-", options: .backwards),
              let pid = Int32(name[dash.upperBound...].prefix(while: \.isNumber)) else { return false }
        // A process that still runs may be writing it (kill with signal 0 only asks).
        return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
    }

    /// The region's units at every level, and the region layer's CRS.
    func readZones() throws -> (UnitHierarchy, CRS) {
        try UnitHierarchy.read(plan.region)
    }

    // MARK: Run

    func run() throws -> CensusResult {
        try inBatch { batch, started in try work(batch, started: started) }
            ?? CensusResult(outputDirectory: out, files: [], districts: [], breaks: [], cellsTotal: plan.grid.cellCount,
                            cellsWithData: 0, cellsUnknown: 0)
    }

    /// Takes over the finished pass-1 tiles of shard folders, then runs the rest of the census.
    func merge(_ shards: [String]) throws -> CensusResult {
        guard options.shard == nil else { throw CensusError.usage("merge runs the whole census; it takes no --shard") }
        // Every shard is a local run folder other than OUT, checked before OUT is touched.
        let target = OutputFolder.resolvedAsFarAsItExists(out)
        for dir in shards {
            try OutputFolder.checkInputs([("SHARD_DIR", dir)])
            if OutputFolder.resolvedAsFarAsItExists(dir) == target {
                throw CensusError.usage("\(dir) is both OUT and a shard; merge into a new folder")
            }
            guard FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(Self.catalogName)) else {
                throw CensusError.badData(file: dir, message: "no \(Self.catalogName); not the output folder of a riskcensus run --shard")
            }
        }
        return try inBatch { batch, started in
            var taken = 0, stale = 0
            for dir in shards {
                let catalogPath = (dir as NSString).appendingPathComponent(Self.catalogName)
                let shardLock = try RunLock(out: dir)   // refuses while the shard is still running
                defer { withExtendedLifetime(shardLock) {} }
                let source: RunCatalog
                do { source = try RunCatalog(path: catalogPath) } catch { throw CensusError(wrapping: error) }
                let shardStore = try TileStore(out: dir)
                for r in try source.tiles(pass: 1) where r.state == .done && r.tile < plan.tiles.count {
                    let w = plan.tiles[r.tile]
                    let file: String, key: String
                    switch TilePart(catalogName: r.part) {
                    case .exposure?:
                        (file, key) = (TileWork.exposureFile(r.tile), batch.keys.exposure(w))
                    case .hazard(let id)?:
                        guard let k = plan.hazards.firstIndex(where: { $0.id == id }) else { continue }
                        (file, key) = (TileWork.hazardFile(r.tile, id), batch.keys.hazard(k, w))
                    default: continue
                    }
                    guard r.key == key, let sha = r.sha256, shardStore.checksum(file) == sha else {
                        stale += 1
                        continue
                    }
                    if let mine = try batch.catalog.tile(r.tile, part: r.part), mine.state == .done, mine.key == key,
                       batch.store.checksum(file) == sha { continue }
                    try AtomicFile.linkOrCopy(shardStore.path(file), to: batch.store.path(file))
                    try batch.catalog.importDone(run: batch.run, record: r, from: dir)
                    taken += 1
                }
            }
            message("merge: \(taken) pass-1 tile parts taken from \(shards.count) shard folder(s)"
                    + (stale > 0 ? ", \(stale) left out (made by another engine build, from other inputs or manifest, or damaged)" : ""))
            return try work(batch, started: started)
        }!
    }

    /// Opens the batch (lock, catalog, run record), runs `body`, and records how the run ended:
    /// ok, shard done (nil result) or failed.
    private func inBatch(_ body: (Batch, Date) throws -> CensusResult?) throws -> CensusResult? {
        let started = Date()
        // Every parallel loop of the run, coverage and outputs included, uses at most --threads.
        Workers.set(options.threads)
        let (lock, batch) = try open()
        defer { withExtendedLifetime(lock) {} }
        do {
            let result = try body(batch, started)
            try batch.with { try $0.finishRun(batch.run, status: result == nil ? "shard done" : "ok") }
            return result
        } catch {
            try? batch.with { try $0.finishRun(batch.run, status: "failed", message: "\(error)") }
            throw error
        }
    }

    /// The whole flow; nil for a shard, which stops after its pass-1 tiles.
    private func work(_ batch: Batch, started: Date) throws -> CensusResult? {
        var timings: [(String, Double)] = []
        var clock = Date()
        func lap(_ name: String) throws {
            timings.append((name, Date().timeIntervalSince(clock)))
            clock = Date()
            try options.cancellation?.check()
        }
        let grid = plan.grid
        message("plan: grid \(grid.width) × \(grid.height) cells of \(grid.transform.pixelWidth) m in \(grid.crs?.description ?? "?"), \(plan.tiles.count) tiles, \(plan.hazards.count) hazards, \(plan.classes.count) exposure classes"
                + (options.shard.map { ", shard \($0)" } ?? ""))
        let (units, regionCRS) = try readZones()
        let zones = units.levels[0].units
        var findings: [Finding] = []
        func note(_ fs: [Finding]) {
            for f in fs { events(.warning(f)) }
            findings += fs
        }
        if options.shard == nil { note(plan.findings + Findings.units(zones, nameField: plan.region.nameField) + units.findings) }
        let toGrid = try CoordinateTransformer(from: regionCRS, to: grid.crs!)
        let shapes = try zones.map { z throws(GeoError) in try z.geometry.map { g throws(GeoError) in try toGrid.transform(g) } ?? .collection([]) }
        let work = TileWork(plan: plan, zoneShapes: shapes, vectors: try VectorExposure.load(plan), store: batch.store)
        let derivations = try derive(batch, zoneShapes: shapes)
        if !derivations.isEmpty { try lap("derivation") }

        // Jobs of another grid or tiling, or of a hazard no longer in the manifest, are forgotten:
        // their statistics must not reach this run's normalisation.
        let current = Set(plan.tiles.indices.flatMap { t in ["\(t)/exposure", "\(t)/index"] + plan.hazards.map { "\(t)/hazard:\($0.id)" } })
        try batch.with { try $0.dropTiles(notIn: current) }
        let mine = plan.tiles.indices.filter { options.shard == nil || $0 % options.shard!.count == options.shard!.index }
        note(Findings.damagedTiles(try passOne(mine, work: work, batch: batch)))
        try lap("pass 1")
        if let shard = options.shard {
            message("shard \(shard): pass 1 done for \(mine.count) of \(plan.tiles.count) tiles; finish with riskcensus merge")
            return nil
        }

        let records = try regionStatistics(batch)
        try checkHazardsHaveData(records.region)
        note(Findings.outsideRegion(records.region, plan: plan) + Findings.maskedHazard(records.region, plan: plan))
        let capacity = try coverage(batch, records, units: units)
        if plan.coverage != nil { try lap("coverage") }
        var region = records.region
        if capacity.cells != nil { region.capacity = capacity.range }
        let parameters = normalization(region, capacity: capacity.source != "none")
        note(Findings.damagedTiles(try passTwo(work: work, batch: batch, partSHA: records.checksums, parameters: parameters,
                                               capacityFull: capacity.cells, capacitySource: capacity.source)))
        try lap("pass 2")
        let index = try passTwoRecords(batch)
        let breaks = try classify(index, batch: batch)
        if !plan.comprehensiveLevel { note(Findings.tiedBreaks(breaks, method: plan.classificationName)) }
        let hazardBreaks = try classifyHazards(index, batch: batch)
        try lap("classification")

        // The outputs read the tile store, not the inputs: GDAL's cache serves only the result
        // rasters' blocks on their way to disk, and a small one keeps the COG conversions'
        // memory down (a 9 M-cell province peaked about 40 MB lower at the same speed).
        GDALEnvironment.setCacheLimit(bytes: 32 << 20)
        var writer = OutputWriter(plan: plan, out: out, grid: grid, zones: zones, regionCRS: regionCRS, breaks: breaks)
        writer.units = units
        writer.hazardBreaks = hazardBreaks
        writer.derivations = derivations
        writer.fireCoverageRate = capacity.fireRate
        let summary = try writer.writeAll { t in
            let (e, hz) = try work.passOne(t, checksums: records.checksums[t] ?? [:])
            return (e, hz, try batch.store.read(IndexTile.self, TileWork.indexFile(t), checksum: index.checksums[t]))
        }
        try lap("outputs")
        let inRegion = summary.districts.reduce((0.0, 0.0)) { ($0.0 + $1.population, $0.1 + $1.exposedValue) }
        note(Findings.onUnknownCells(population: summary.unknownExposure.population, value: summary.unknownExposure.value,
                                     totalPopulation: inRegion.0, totalValue: inRegion.1, currency: plan.currency))
        note(Findings.emptyLevels((1...5).map { l in summary.districts.reduce(0) { $0 + $1.levelCells[l - 1] } }))
        try writer.writeProvenance(parameters: parameters, timings: timings, total: Date().timeIntervalSince(started),
                                   threads: options.threads, cells: (grid.cellCount, summary.withData, summary.unknown),
                                   checksums: batch.keys.checksums, warnings: findings)
        // The outputs' checksums (a quarter of a gigabyte for a province) on all workers.
        let written = writer.files.sorted()
        let sums = try OrderedWork.map(written.count) { k in try AtomicFile.sha256(of: (out as NSString).appendingPathComponent(written[k])) }
        try batch.with { c in
            try c.database.transaction {
                for (f, sum) in zip(written, sums) { try c.recordOutput(run: batch.run, path: f, sha256: sum) }
            }
        }
        message("outputs: \(writer.files.count) files in \(out)")
        return CensusResult(outputDirectory: out, files: writer.files, districts: summary.districts, breaks: breaks.breaks,
                            cellsTotal: grid.cellCount, cellsWithData: summary.withData, cellsUnknown: summary.unknown)
    }

    /// The zone of every cell, from the exposure tiles (for the coverage step, which works on
    /// the whole region).
    func fullZone(_ batch: Batch, _ sha: [Int: [TilePart: String]]) throws -> [Int32] {
        let grid = plan.grid
        var zone = [Int32](repeating: 0, count: grid.cellCount)
        for (t, tile) in plan.tiles.enumerated() {
            let z = try batch.store.read(ExposureTile.self, TileWork.exposureFile(t), checksum: sha[t]?[.exposure]).zone
            guard !z.isEmpty else { continue }
            for i in 0..<tile.cellCount { zone[(tile.rowOff + i / tile.width) * grid.width + tile.colOff + i % tile.width] = Int32(z[i]) }
        }
        return zone
    }

    // MARK: Pass 1

    /// Whether a tile part recorded done with `key` can be kept: its file is there and has the
    /// checksum the catalog recorded. A damaged file is added to `damaged` and recomputed.
    static func keeps(_ record: RunCatalog.TileRecord?, key: String, file: String, store: TileStore, damaged: inout [String]) -> Bool {
        guard let r = record, r.state == .done, r.key == key else { return false }
        guard let found = store.checksum(file) else { return false }
        if let expected = r.sha256, found != expected {
            damaged.append(file)
            return false
        }
        return true
    }

    /// Runs the pass-1 parts of `tiles` that are not done with their current key, on
    /// `options.threads` workers. A failing part is recorded with its error and the others go
    /// on; the run then fails listing the failed tiles. Returns the tile files found damaged
    /// (and recomputed).
    func passOne(_ tiles: [Int], work: TileWork, batch: Batch) throws -> [String] {
        let done = Dictionary(try batch.with { try $0.tiles(pass: 1) }.map { ("\($0.tile)/\($0.part)", $0) }, uniquingKeysWith: { a, _ in a })
        var damaged: [String] = []
        func current(_ t: Int, _ part: TilePart, _ key: String, _ file: String) -> Bool {
            Self.keeps(done["\(t)/\(part)"], key: key, file: file, store: batch.store, damaged: &damaged)
        }
        var jobs: [(tile: Int, exposure: Bool, hazards: [Int])] = []
        for t in tiles {
            let w = plan.tiles[t]
            let e = !current(t, .exposure, batch.keys.exposure(w), TileWork.exposureFile(t))
            let hz = plan.hazards.indices.filter { !current(t, .hazard(plan.hazards[$0].id), batch.keys.hazard($0, w), TileWork.hazardFile(t, plan.hazards[$0].id)) }
            if e || !hz.isEmpty { jobs.append((t, e, hz)) }
        }
        let list = jobs
        let failures = try runJobs(phase: "pass 1", total: tiles.count, jobs: list.count, batch: batch) { j, handles, worker in
            let (t, needExposure, hazards) = list[j]
            let w = plan.tiles[t]
            let parts: [(TilePart, String)] = (needExposure ? [(.exposure, batch.keys.exposure(w))] : [])
                + hazards.map { (.hazard(plan.hazards[$0].id), batch.keys.hazard($0, w)) }
            let started = Date()
            let result: TileWork.PassOne
            do {
                result = try work.passOne(t, exposure: needExposure, hazards: hazards, handles)
            } catch {
                // Nothing of the tile could be computed: every part asked for failed with it.
                for (part, key) in parts {
                    try? batch.run(t, part: part, pass: 1, key: key, worker: worker, cells: w.cellCount, started: started) { throw error }
                }
                throw error
            }
            if needExposure {
                try batch.run(t, part: .exposure, pass: 1, key: batch.keys.exposure(w), worker: worker, cells: w.cellCount, started: started) {
                    try work.writeExposure(t, result.exposure, sums: result.sums)
                }
            }
            var firstError: Error?
            for k in hazards {
                do {
                    try batch.run(t, part: .hazard(plan.hazards[k].id), pass: 1, key: batch.keys.hazard(k, w), worker: worker,
                                  cells: w.cellCount, started: started) {
                        try work.writeHazard(k, tile: t, try result.hazards[k].map { try $0.get() }, zone: result.zone, sums: result.hazardSums[k] ?? [:])
                    }
                } catch {
                    firstError = firstError ?? error
                }
            }
            if let firstError { throw firstError }
            return result.zone?.count ?? 0
        }
        guard failures.isEmpty else { throw failed(failures, batch: batch) }
        return damaged
    }

    // MARK: Pass 2

    func passTwo(work: TileWork, batch: Batch, partSHA: [Int: [TilePart: String]], parameters: CensusKernel.IndexParameters,
                 capacityFull: [Float]?, capacitySource: String) throws -> [String] {
        let parameterText = Self.describe(parameters)
        let done = Dictionary(try batch.with { try $0.tiles(pass: 2) }.map { ($0.tile, $0) }, uniquingKeysWith: { a, _ in a })
        var jobs: [Int] = []
        var damaged: [String] = []
        for (t, w) in plan.tiles.enumerated() {
            let key = batch.keys.index(w, parameters: parameterText, capacity: capacitySource)
            if Self.keeps(done[t], key: key, file: TileWork.indexFile(t), store: batch.store, damaged: &damaged) { continue }
            jobs.append(t)
        }
        let grid = plan.grid
        let list = jobs
        let failures = try runJobs(phase: "pass 2", total: plan.tiles.count, jobs: list.count, batch: batch) { j, _, worker in
            let t = list[j], w = plan.tiles[t]
            let (e, hz) = try work.passOne(t, checksums: partSHA[t] ?? [:])
            var capacity = e.capacity
            if let full = capacityFull, !e.isOutside {
                capacity = (0..<w.cellCount).map { full[(w.rowOff + $0 / w.width) * grid.width + w.colOff + $0 % w.width] }
            }
            try batch.run(t, part: .index, pass: 2, key: batch.keys.index(w, parameters: parameterText, capacity: capacitySource),
                          worker: worker, cells: w.cellCount) {
                try work.index(t, exposure: e, hazards: hz, capacity: capacity, parameters: parameters)
            }
            return e.zone.count
        }
        guard failures.isEmpty else { throw failed(failures, batch: batch) }
        return damaged
    }

    static func describe(_ p: CensusKernel.IndexParameters) -> String {
        func n(_ m: MinMaxNormalization) -> String { "\(m.min),\(m.max),\(m.logTransform),\(m.halfToOne)" }
        return (p.hazard.map(n) + p.vulnerability.map(n) + [n(p.population), n(p.value), p.capacity.map(n) ?? "none",
                "\(p.exposureWeights.population),\(p.exposureWeights.value)", "\(p.combination)"]).joined(separator: "|")
    }

    func normalization(_ region: RegionStatistics, capacity: Bool) -> CensusKernel.IndexParameters {
        func norm(_ r: ValueRange?, log: Bool = false) -> MinMaxNormalization {
            let r = r.flatMap { $0.min <= $0.max ? $0 : nil } ?? ValueRange(min: 0, max: 0)
            return MinMaxNormalization(min: r.min, max: r.max, logTransform: log, halfToOne: plan.halfToOne)
        }
        return CensusKernel.IndexParameters(
            hazard: plan.hazards.map { norm(region.hazard[$0.id]) },
            vulnerability: plan.hazards.map { norm(region.vulnerability[$0.id]) },
            population: norm(region.population, log: plan.logExposure),
            value: norm(region.value, log: plan.logExposure),
            exposureWeights: plan.exposureWeights,
            capacity: capacity ? norm(region.capacity) : nil,
            combination: plan.combination)
    }

    // MARK: Workers

    /// Runs `jobs` jobs on `options.threads` workers, each with its own GDAL/OGR handles, and
    /// reports progress; `body` returns the job's cell count. Returns the failed tiles' errors.
    func runJobs(phase: String, total: Int, jobs: Int, batch: Batch,
                 _ body: @escaping @Sendable (Int, TileWork.Handles, String) throws -> Int) throws -> [any Error] {
        let skipped = total - jobs
        let start = Date()
        let state = JobState()
        events(.tiles(phase: phase, done: skipped, total: total, skipped: skipped, cells: 0, seconds: 0))
        let events = self.events
        DispatchQueue.concurrentPerform(iterations: min(options.threads, max(1, jobs))) { w in
            let handles = TileWork.Handles()
            let worker = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(w)"
            while let j = state.next(jobs) {
                // A cancelled run takes no more jobs; those running finish and are recorded.
                if self.options.cancellation?.isCancelled == true { break }
                do {
                    let cells = try body(j, handles, worker)
                    let (done, allCells) = state.finished(cells: cells)
                    events(.tiles(phase: phase, done: skipped + done, total: total, skipped: skipped, cells: allCells,
                                  seconds: Date().timeIntervalSince(start)))
                } catch {
                    state.failed(error)
                }
            }
        }
        try options.cancellation?.check()
        return state.failures
    }

    final class JobState: @unchecked Sendable {
        private let lock = NSLock()
        private var nextJob = 0, done = 0, cells = 0
        private(set) var failures: [any Error] = []

        func next(_ n: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard nextJob < n else { return nil }
            nextJob += 1
            return nextJob - 1
        }

        func finished(cells c: Int) -> (Int, Int) {
            lock.lock()
            defer { lock.unlock() }
            done += 1
            cells += c
            return (done, cells)
        }

        func failed(_ e: any Error) {
            lock.lock()
            defer { lock.unlock() }
            failures.append(e)
        }
    }

    /// The error a run with failed tiles ends with. Bad values (a negative population, a hazard
    /// with no data: exit 3) are not something a re-run can fix, so the first such error is the
    /// run's error; anything else (a read that failed) lists the failed tiles, which a re-run
    /// retries.
    func failed(_ failures: [any Error], batch: Batch) -> CensusError {
        for e in failures {
            switch e {
            case let c as CensusError: if case .badData = c { return c }
            case let g as GeoError: if case .invalidData = g { return .geo(g) }
            default: break
            }
        }
        let list = (try? batch.with { try $0.tiles().filter { $0.state == .failed } }) ?? []
        let tiles = list.prefix(10).map { "\($0.tile)" }.joined(separator: ", ") + (list.count > 10 ? ", …" : "")
        let summary = "\(max(list.count, failures.count)) tile job(s) failed\(tiles.isEmpty ? "" : " (tiles \(tiles))"); the others are kept, and a re-run retries the failed ones (riskcensus status lists them)"
        // A file that cannot be read (truncated, corrupt) is bad input: one line, exit 3.
        for e in failures {
            if case .geo(let g) = CensusError(wrapping: e), g.isBadInput, let path = g.path {
                return .badData(file: path, message: String(g.description.dropFirst(path.count + 2)) + "; " + summary)
            }
        }
        let first = failures.first.map { CensusError(wrapping: $0).description } ?? list.first?.error ?? ""
        return CensusError.run(summary + (first.isEmpty ? "" : "; the first: " + (first.split(whereSeparator: \.isNewline).first.map(String.init) ?? "")))
    }
}

extension CensusRunner.Batch {
    /// `RISKCENSUS_TEST_TILE_DELAY_MS`: a pause between writing a tile's file and recording it
    /// done, so interruption tests can kill a run at that moment; 0 (none) unless set.
    static let testDelay: UInt32 = ProcessInfo.processInfo.environment["RISKCENSUS_TEST_TILE_DELAY_MS"].flatMap { UInt32($0) }.map { $0 * 1000 } ?? 0

    /// One job: marks it running, runs `body` (which writes its tile file and returns the file's
    /// checksum and statistics), then marks it done, or failed with the error, which it rethrows.
    func run(_ tile: Int, part tilePart: TilePart, pass: Int, key: String, worker: String, cells: Int, started: Date? = nil,
             _ body: () throws -> (sha256: String, stats: String)) throws {
        let part = tilePart.description
        try with { try $0.markRunning(run: run, tile: tile, part: part, pass: pass, key: key, worker: worker, cells: cells) }
        let start = started ?? Date()
        do {
            let r = try body()
            if Self.testDelay > 0 { usleep(Self.testDelay) }
            try with { try $0.markDone(run: run, tile: tile, part: part, key: key, seconds: Date().timeIntervalSince(start), sha256: r.sha256, stats: r.stats) }
        } catch {
            try? with { try $0.markFailed(run: run, tile: tile, part: part, seconds: Date().timeIntervalSince(start), error: "\(error)") }
            throw error
        }
    }
}

/// Spreads an amount over the cells a footprint polygon covers, by area fraction (GEOS
/// intersection of the footprint with each cell of its bounding window).
enum Footprint {
    static func spread(_ g: Geometry, amount: Double, grid: GridSpec, geos: GeosContext, into values: inout [Double]) throws(GeoError) {
        guard let b = g.bounds else { return }
        let shape = try geos.geometry(g)
        let total = try shape.area()
        guard total > 0 else {
            if let p = g.positions.first, let cell = grid.cell(containing: p.x, p.y) { values[cell.row * grid.width + cell.col] += amount }
            return
        }
        let w = grid.window(for: b)
        for r in w.rowOff..<w.rowEnd {
            for c in w.colOff..<w.colEnd {
                let cb = grid.bounds(of: Window(colOff: c, rowOff: r, width: 1, height: 1))
                let box = try geos.geometry(.polygon(Polygon(exterior: [Position(cb.minX, cb.minY), Position(cb.maxX, cb.minY),
                                                                       Position(cb.maxX, cb.maxY), Position(cb.minX, cb.maxY),
                                                                       Position(cb.minX, cb.minY)])))
                let a = try shape.intersection(box).area()
                if a > 0 { values[r * grid.width + c] += amount * a / total }
            }
        }
    }
}
