import Foundation
import Testing
import RiskCensus
import Yams

/// The census as a batch, through the binary: kill and resume, invalidation, shards and merge,
/// two runs on one folder, a failing tile. Outputs are compared byte for byte with an
/// uninterrupted run (provenance.json without its "run" block, which records timings).
private let changzhou = repositoryRoot + "/datasets/changzhou/census.yaml"

private final class Folder {
    let path = NSTemporaryDirectory() + "batch-" + UUID().uuidString
    init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ n: String) -> String { path + "/" + n }
}

/// A started `riskcensus` process whose stderr is read line by line as it arrives.
private final class Started: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = ""
    private let done = DispatchSemaphore(value: 0)

    init(_ args: [String], environment: [String: String] = [:], in directory: String = repositoryRoot) throws {
        process.executableURL = URL(fileURLWithPath: try binaryPath())
        process.arguments = args
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, b in b } }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { [self] h in
            let data = h.availableData
            lock.lock()
            defer { lock.unlock() }
            if data.isEmpty {
                h.readabilityHandler = nil
                done.signal()
                return
            }
            partial += String(decoding: data, as: UTF8.self)
            while let nl = partial.firstIndex(of: "\n") {
                lines.append(String(partial[..<nl]))
                partial = String(partial[partial.index(after: nl)...])
            }
        }
        try process.run()
    }

    var seen: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    /// Waits until a stderr line contains `text` (true) or the process ends (false).
    func wait(for text: String) -> Bool {
        while process.isRunning {
            if seen.contains(where: { $0.contains(text) }) { return true }
            usleep(2_000)
        }
        return seen.contains(where: { $0.contains(text) })
    }

    func finish() -> (status: Int32, stderr: String) {
        process.waitUntilExit()
        _ = done.wait(timeout: .now() + 5)
        return (process.terminationStatus, seen.joined(separator: "\n") + partial)
    }
}

private func run(_ args: [String], in directory: String = repositoryRoot) throws -> (status: Int32, stderr: String) {
    try Started(args, in: directory).finish()
}

/// The output files of a run folder (not the catalog, tile store or lock), by relative path.
private func outputs(_ dir: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    let skip: Set<String> = ["tiles", ".riskcensus.lock"]
    for sub in ["", "coverage"] where sub.isEmpty || FileManager.default.fileExists(atPath: dir + "/" + sub) {
        let d = sub.isEmpty ? dir : dir + "/" + sub
        for name in try FileManager.default.contentsOfDirectory(atPath: d) where !skip.contains(name) && !name.hasPrefix("catalog.sqlite") && name != "coverage" {
            var data = try Data(contentsOf: URL(fileURLWithPath: d + "/" + name))
            if name == "provenance.json" {
                var o = try JSONSerialization.jsonObject(with: data) as! [String: Any]
                o["run"] = nil
                data = try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
            }
            out[sub.isEmpty ? name : sub + "/" + name] = data
        }
    }
    return out
}

private func expectSameOutputs(_ a: String, _ b: String, atLeast: Int = 15) throws {
    let x = try outputs(a), y = try outputs(b)
    #expect(x.keys.sorted() == y.keys.sorted())
    for k in x.keys.sorted() { #expect(x[k] == y[k], "\(k) differs") }
    #expect(x.count >= atLeast)
}

private func catalog(_ dir: String) throws -> SQLiteDatabase { try SQLiteDatabase(path: dir + "/catalog.sqlite") }

private func count(_ db: SQLiteDatabase, _ sql: String) throws -> Int {
    guard case .integer(let n)? = try db.query(sql).first?.first else { return -1 }
    return Int(n)
}

@Suite(.serialized) struct BatchTests {
    /// SIGKILL in pass 1, pass 2 and while the outputs are written, resuming each time: the
    /// final outputs equal an uninterrupted run's, every tile job completed exactly once, and
    /// no temporary file is left.
    @Test func killedRunsResumeToTheUninterruptedOutputs() throws {
        let f = Folder()
        let reference = f.file("reference"), resumed = f.file("resumed")
        let r = try run(["run", changzhou, "--out", reference, "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        // Where to kill: a random moment after a marker line. Tile jobs pause 60 ms between
        // writing their file and recording it done, so kills land inside the passes too.
        let plan: [(marker: String, phase: String, maxDelay: UInt32)] = [
            ("pass 1: 0/", "pass 1", 300_000), ("pass 1: 0/", "pass 1", 1_200_000), ("pass 2: 0/", "pass 2", 350_000),
            ("pass 2: index normalised", "outputs", 150_000), ("pass 2: index normalised", "outputs", 400_000),
        ]
        var killed: [String] = []
        for step in plan {
            let p = try Started(["run", changzhou, "--out", resumed, "--threads", "2"], environment: ["RISKCENSUS_TEST_TILE_DELAY_MS": "60"])
            if p.wait(for: step.marker) {
                usleep(UInt32.random(in: 0...step.maxDelay))
                if p.process.isRunning {
                    kill(p.process.processIdentifier, SIGKILL)
                    killed.append(step.phase)
                }
            }
            _ = p.finish()
        }
        var last = try run(["run", changzhou, "--out", resumed, "--threads", "2"])
        var attempts = 0
        while last.status != 0 && attempts < 3 {
            last = try run(["run", changzhou, "--out", resumed, "--threads", "2"])
            attempts += 1
        }
        #expect(last.status == 0, "\(last.stderr)")
        #expect(killed.count == 5, "kills landed: \(killed)")
        try expectSameOutputs(reference, resumed)
        let db = try catalog(resumed)
        // 16 tiles × (exposure + 5 hazards) in pass 1 and 16 in pass 2, each completed once.
        #expect(try count(db, "SELECT count(*) FROM tiles WHERE state = 'done'") == 16 * 7)
        #expect(try count(db, "SELECT count(*) FROM (SELECT tile, part FROM tile_log WHERE event = 'done' GROUP BY tile, part, key HAVING count(*) > 1)") == 0)
        #expect(try count(db, "SELECT count(*) FROM runs") >= 6)
        let litter = try FileManager.default.subpathsOfDirectory(atPath: resumed).filter { $0.contains(".tmp-") }
        #expect(litter.isEmpty, "\(litter)")
    }

    /// Changing one hazard file recomputes that hazard's tiles, pass 2 and the outputs, and
    /// nothing else; an unchanged re-run recomputes no tile.
    @Test func aChangedHazardFileRecomputesOnlyWhatDependsOnIt() throws {
        let f = Folder()
        let data = f.file("changzhou")
        try FileManager.default.copyItem(atPath: repositoryRoot + "/datasets/changzhou", toPath: data)
        let manifest = data + "/census.yaml", out = f.file("out")
        #expect(try run(["run", manifest, "--out", out, "--threads", "2"]).status == 0)
        #expect(try run(["run", manifest, "--out", out, "--threads", "2"]).status == 0)
        var db = try catalog(out)
        let second = try count(db, "SELECT max(id) FROM runs")
        #expect(try count(db, "SELECT count(*) FROM tile_log WHERE run_id = \(second)") == 0)
        db.close()
        // New content for the 100-year wind: every gust 10 % stronger.
        let path = data + "/wind_gust_rp100.tif"
        let raster = try RasterDataset(path: path)
        var values: RasterBuffer<Double> = try raster.readBand(1)
        values.values = values.values.map { $0 * 1.1 }
        let grid = try raster.georeferencedGrid()
        raster.close()
        try GeoTIFFWriter.write(values, grid: grid, to: path, options: RasterWriteOptions(units: "m/s", dataType: .float32))
        let r = try run(["run", manifest, "--out", out, "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        db = try catalog(out)
        let third = try count(db, "SELECT max(id) FROM runs")
        let parts = try db.query("SELECT part, count(*) FROM tile_log WHERE run_id = \(third) GROUP BY part ORDER BY part")
        #expect(parts == [[.text("hazard:wind"), .integer(16)], [.text("index"), .integer(16)]])
        #expect(r.stderr.contains("coverage: up to date"))
    }

    /// Three shards as separate processes, then merge, give the single-process outputs.
    @Test func threeShardsAndAMergeEqualOneRun() throws {
        let f = Folder()
        let single = f.file("single"), merged = f.file("merged")
        #expect(try run(["run", changzhou, "--out", single, "--threads", "2"]).status == 0)
        let shards = (0..<3).map { f.file("shard\($0)") }
        let started = try shards.indices.map { try Started(["run", changzhou, "--out", shards[$0], "--shard", "\($0)/3", "--threads", "1"]) }
        for p in started { #expect(p.finish().status == 0) }
        for (k, s) in shards.enumerated() {
            let db = try catalog(s)
            // Shard k holds pass 1 of tiles k, k + 3, …: 6 parts each (exposure and 5 hazards),
            // no pass 2, no outputs.
            #expect(try count(db, "SELECT count(*) FROM tiles WHERE pass = 1 AND state = 'done' AND tile % 3 = \(k)") == 6 * Int((16 - k + 2) / 3))
            #expect(try count(db, "SELECT count(*) FROM tiles WHERE pass = 2 OR tile % 3 != \(k)") == 0)
            #expect(!FileManager.default.fileExists(atPath: s + "/risk_level.tif"))
        }
        let m = try run(["merge", changzhou, merged] + shards + ["--threads", "2"])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(m.stderr.contains("merge: 96 pass-1 tile parts taken from 3 shard folder(s)"))
        let db = try catalog(merged)
        #expect(try count(db, "SELECT count(*) FROM tile_log WHERE part != 'index' AND event = 'done'") == 0)
        try expectSameOutputs(single, merged)
        // The manifest-free form finds the census in the shards' catalogs, from another folder.
        let again = f.file("merged-again")
        let fromShards = try run(["merge", again] + shards + ["--threads", "2"], in: "/")
        #expect(fromShards.status == 0, "\(fromShards.stderr)")
        try expectSameOutputs(single, again)
        // Shards of nothing are refused with the folder named.
        let none = try run(["merge", f.file("nothing-out"), f.file("not-a-run")])
        #expect(none.status == 2 && none.stderr.contains("not-a-run"))
    }

    /// A second run on a folder in use is refused and changes nothing; the first finishes.
    @Test func aSecondRunOnTheSameFolderIsRefused() throws {
        let f = Folder()
        let out = f.file("out"), reference = f.file("reference")
        let first = try Started(["run", changzhou, "--out", out, "--threads", "1"])
        #expect(first.wait(for: "pass 1: 0/"))
        let second = try run(["run", changzhou, "--out", out, "--threads", "2"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("is in use by another riskcensus run (pid \(first.process.processIdentifier)"), "\(second.stderr)")
        let status = try Started(["status", out])
        #expect(status.finish().status == 0)
        #expect(first.finish().status == 0)
        #expect(try run(["run", changzhou, "--out", reference, "--threads", "2"]).status == 0)
        try expectSameOutputs(reference, out)
    }

    /// A census of 64 × 64 cells in 16 tiles whose 100-year flood is a VRT of two halves: with
    /// the east half's file gone, the tiles reading it fail and the others finish.
    private func halvedCensus(_ f: Folder) throws -> String {
        let grid = GridSpec(transform: .northUp(west: 500_000, north: 3_500_000, cellWidth: 100, cellHeight: 100), width: 64, height: 64, crs: .epsg(4549))
        func tif(_ name: String, _ values: [Double], grid g: GridSpec = grid) throws {
            try GeoTIFFWriter.write(RasterBuffer<Double>(width: g.width, height: g.height, values: values), grid: g, to: f.file(name),
                                    options: RasterWriteOptions(units: "1", dataType: .float32))
        }
        let n = 64 * 64
        try tif("population.tif", (0..<n).map { Double(1 + $0 % 17) })
        try tif("floor_area.tif", (0..<n).map { Double(50 + $0 % 29) })
        try tif("depth_rp10.tif", (0..<n).map { Double($0 % 64) / 128 })
        let half = GridSpec(transform: .northUp(west: 500_000, north: 3_500_000, cellWidth: 100, cellHeight: 100), width: 32, height: 64, crs: .epsg(4549))
        let east = GridSpec(transform: .northUp(west: 503_200, north: 3_500_000, cellWidth: 100, cellHeight: 100), width: 32, height: 64, crs: .epsg(4549))
        try tif("west.tif", (0..<(32 * 64)).map { Double($0 % 32) / 32 + 0.2 }, grid: half)
        try tif("east.tif", (0..<(32 * 64)).map { Double($0 % 32) / 32 + 0.7 }, grid: east)
        // The VRT takes rows 48–63 of the east half from a copy of east.tif, so that with
        // east.tif gone the raster's first and last cells (which validation reads) still read.
        try FileManager.default.copyItem(atPath: f.file("east.tif"), toPath: f.file("southeast.tif"))
        func source(_ file: String, _ x: Int, rows: Range<Int> = 0..<64) -> String {
            "<SimpleSource><SourceFilename relativeToVRT=\"1\">\(file)</SourceFilename><SourceBand>1</SourceBand>"
                + "<SourceProperties RasterXSize=\"32\" RasterYSize=\"64\" DataType=\"Float32\" BlockXSize=\"32\" BlockYSize=\"64\"/>"
                + "<SrcRect xOff=\"0\" yOff=\"\(rows.lowerBound)\" xSize=\"32\" ySize=\"\(rows.count)\"/>"
                + "<DstRect xOff=\"\(x)\" yOff=\"\(rows.lowerBound)\" xSize=\"32\" ySize=\"\(rows.count)\"/></SimpleSource>"
        }
        try ("<VRTDataset rasterXSize=\"64\" rasterYSize=\"64\"><SRS>EPSG:4549</SRS>"
             + "<GeoTransform>500000, 100, 0, 3500000, 0, -100</GeoTransform><VRTRasterBand dataType=\"Float32\" band=\"1\">"
             + source("west.tif", 0) + source("east.tif", 32, rows: 0..<48) + source("southeast.tif", 32, rows: 48..<64)
             + "</VRTRasterBand></VRTDataset>").write(toFile: f.file("depth_rp100.vrt"), atomically: true, encoding: .utf8)
        let square = Geometry.polygon(Polygon(exterior: [Position(500_000, 3_493_600), Position(506_400, 3_493_600), Position(506_400, 3_500_000),
                                                         Position(500_000, 3_500_000), Position(500_000, 3_493_600)]))
        try GeoJSONFileWriter.write([Feature(geometry: square, attributes: Attributes(["name": .string("All")]))], from: .epsg(4549),
                                    to: f.file("units.geojson"), options: GeoJSONOptions(precision: 9))
        try "class,depth_m,damage_ratio\nhouse,0,0\nhouse,2,1\n".write(toFile: f.file("damage.csv"), atomically: true, encoding: .utf8)
        try """
        name: halved
        region: {layer: units.geojson, name_field: name}
        grid: {crs: "EPSG:4549", cell_size: 100, tile_size: 16}
        hazards:
          - id: flood
            units: m
            resampling: average
            return_periods:
              - {years: 10, path: depth_rp10.tif}
              - {years: 100, path: depth_rp100.vrt}
            vulnerability: {csv: damage.csv, class_column: class, x_column: depth_m, y_column: damage_ratio}
        exposure:
          population: {path: population.tif, resampling: sum}
          buildings:
            raster: {path: floor_area.tif, resampling: sum}
            classes:
              - {name: house, band: 1, cost_per_m2: 1000}
        classification: {method: quantile}

        """.write(toFile: f.file("census.yaml"), atomically: true, encoding: .utf8)
        return f.file("census.yaml")
    }

    /// A re-run with another tile size recomputes everything on the new tiles, and no job of the
    /// old tiling (with its statistics) survives into the result.
    @Test func aNewTileSizeLeavesNoStaleJobs() throws {
        let f = Folder()
        let manifest = try halvedCensus(f)
        let out = f.file("out"), fresh = f.file("fresh")
        #expect(try run(["run", manifest, "--out", out, "--threads", "2"]).status == 0)
        let text = try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: "tile_size: 16", with: "tile_size: 48")
        try text.write(toFile: manifest, atomically: true, encoding: .utf8)
        let again = try run(["run", manifest, "--out", out, "--threads", "2"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try run(["run", manifest, "--out", fresh, "--threads", "2"]).status == 0)
        try expectSameOutputs(fresh, out, atLeast: 9)
        let tiles = try Census(manifestPath: manifest).plan.tiles.count
        #expect(try count(catalog(out), "SELECT count(*) FROM tiles") == tiles * 3)   // exposure, flood, index
    }

    /// Failed tiles are recorded with their error, the others go on, the run exits 3 (a file
    /// could not be read) naming the file and the failed tiles, and a re-run retries exactly those.
    @Test func failedTilesAreListedAndRetried() throws {
        let f = Folder()
        let manifest = try halvedCensus(f)
        let reference = f.file("reference"), out = f.file("out")
        let r = try run(["run", manifest, "--out", reference, "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        try FileManager.default.moveItem(atPath: f.file("east.tif"), toPath: f.file("east.away"))
        let broken = try run(["run", manifest, "--out", out, "--threads", "2"])
        #expect(broken.status == 3)
        #expect(broken.stderr.contains("tile job(s) failed") && broken.stderr.contains("east.tif"), "\(broken.stderr)")
        #expect(broken.stderr.split(separator: "\n").filter { $0.hasPrefix("riskcensus: error:") }.count == 1, "\(broken.stderr)")
        var db = try catalog(out)
        let failed = try db.query("SELECT tile FROM tiles WHERE state = 'failed' ORDER BY tile").compactMap { row -> Int? in
            if case .integer(let t) = row[0] { return Int(t) } else { return nil }
        }
        // Tiles of the region wholly in the east half's rows 0–47 cannot read their depths;
        // those wholly west can (tiles beyond the region, which ends at x = 506,400, read nothing).
        let plan = try Census(manifestPath: manifest).plan
        let bounds = plan.tiles.map { plan.grid.bounds(of: $0) }
        let east = Set(bounds.indices.filter { bounds[$0].minX >= 503_200 && bounds[$0].minX < 506_400 && bounds[$0].minY >= 3_495_200 })
        let west = Set(bounds.indices.filter { bounds[$0].maxX <= 503_100 })
        #expect(!east.isEmpty && !west.isEmpty)
        #expect(east.isSubset(of: Set(failed)) && west.isDisjoint(with: Set(failed)), "failed \(failed)")
        #expect(try count(db, "SELECT count(*) FROM tiles WHERE part = 'exposure' AND state = 'done'") == plan.tiles.count)
        db.close()
        let status = try Started(["status", out]).finish()
        #expect(status.status == 0)
        try FileManager.default.moveItem(atPath: f.file("east.away"), toPath: f.file("east.tif"))
        let again = try run(["run", manifest, "--out", out, "--threads", "2"])
        #expect(again.status == 0, "\(again.stderr)")
        db = try catalog(out)
        let last = try count(db, "SELECT max(id) FROM runs")
        let retried = try db.query("SELECT tile FROM tile_log WHERE run_id = \(last) AND part = 'hazard:flood' ORDER BY tile").compactMap { row -> Int? in
            if case .integer(let t) = row[0] { return Int(t) } else { return nil }
        }
        #expect(retried == failed)
        try expectSameOutputs(reference, out, atLeast: 9)
    }
}

/// The Slurm batch scripts (deploy/slurm/), run by bash with the environment Slurm gives a job
/// array's tasks: shards, a resubmitted index, the merge. The real cluster is `make test-slurm`.
@Suite struct SlurmScriptTests {
    private let olinda = repositoryRoot + "/datasets/olinda/census.yaml"

    private func script(_ name: String, _ args: [String], _ env: [String: String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [repositoryRoot + "/deploy/slurm/" + name] + args
        p.environment = ProcessInfo.processInfo.environment.merging(env.merging(["RISKCENSUS_BIN": try binaryPath()]) { a, _ in a }) { _, b in b }
        p.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    private func task(_ id: Int, of ids: ClosedRange<Int>) -> [String: String] {
        ["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_COUNT": "\(ids.count)", "SLURM_ARRAY_TASK_MIN": "\(ids.lowerBound)",
         "SLURM_ARRAY_TASK_MAX": "\(ids.upperBound)", "SLURM_CPUS_PER_TASK": "1"]
    }

    @Test func shardsAResubmittedIndexAndTheMergeGiveTheSingleRun() throws {
        let f = Folder()
        // At the same depth as WORKDIR/out: provenance names inputs relative to the output folder.
        let single = f.file("ref/out"), work = f.file("work")
        #expect(try run(["run", olinda, "--out", single, "--threads", "2"]).status == 0)
        for k in 0..<3 { #expect(try script("census-array.sbatch", [olinda, work], task(k, of: 0...2)) == 0) }
        #expect(try String(contentsOfFile: work + "/shards/count", encoding: .utf8) == "3\n")
        // Shard 1 is lost and resubmitted alone: Slurm calls it a one-task array 1…1.
        try FileManager.default.removeItem(atPath: work + "/shards/1")
        #expect(try script("census-array.sbatch", [olinda, work], task(1, of: 1...1)) == 0)
        let db = try catalog(work + "/shards/1")
        #expect(try count(db, "SELECT count(*) FROM tiles WHERE pass = 1 AND state = 'done' AND tile % 3 != 1") == 0)
        #expect(try count(db, "SELECT count(*) FROM tiles WHERE pass = 1 AND state = 'done' AND tile % 3 = 1") > 0)
        let log = try String(contentsOfFile: work + "/logs/shard-1.log", encoding: .utf8)
        #expect(log.contains("shard 1 of 3"))
        // Another count for the same folder is refused.
        #expect(try script("census-array.sbatch", [olinda, work, "4"], task(0, of: 0...3)) == 2)
        #expect(try script("census-merge.sbatch", [olinda, work], ["SLURM_CPUS_PER_TASK": "2"]) == 0)
        try expectSameOutputs(single, work + "/out")
        // The merge took the shards' pass-1 tile files by hard link, not by reading them.
        let tiles = try FileManager.default.contentsOfDirectory(atPath: work + "/out/tiles").filter { $0.hasPrefix("t0-exposure") }
        let links = try tiles.map { try FileManager.default.attributesOfItem(atPath: work + "/out/tiles/" + $0)[.referenceCount] as? Int ?? 0 }
        #expect(!links.isEmpty && links.allSatisfy { $0 >= 2 }, "\(tiles) \(links)")
    }

    @Test func scriptsNameWhatIsMissing() throws {
        let f = Folder()
        // Not an array task; no engine; no recorded count for the merge.
        #expect(try script("census-array.sbatch", [olinda, f.file("w")], [:]) != 0)
        #expect(try script("census-array.sbatch", [olinda, f.file("w")], task(0, of: 0...1).merging(["RISKCENSUS_BIN": "/nonexistent"]) { _, b in b }) == 2)
        #expect(try script("census-merge.sbatch", [olinda, f.file("w")], [:]) == 2)
    }
}

/// The Kubernetes manifests in deploy/kubernetes/ keep the engine's environment contract: each
/// pod's shard is its JOB_COMPLETION_INDEX of the `--shards` count, which equals `completions`,
/// and the merge reads the folders the shards write. No cluster runs here; this is what can be
/// checked without one.
@Suite struct KubernetesManifestTests {
    private func load(_ name: String) throws -> [String: Any] {
        let text = try String(contentsOfFile: repositoryRoot + "/deploy/kubernetes/" + name, encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    private func container(_ job: [String: Any]) throws -> [String: Any] {
        let spec = try #require(job["spec"] as? [String: Any])
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        return try #require((pod["containers"] as? [[String: Any]])?.first)
    }

    @Test func indexedJobShardsMatchItsCompletionsAndTheMerge() throws {
        let shards = try load("census-shards.yaml"), merge = try load("census-merge.yaml")
        let spec = try #require(shards["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        let completions = try #require(spec["completions"] as? Int)
        let command = try #require((try container(shards)["args"] as? [String])?.first)
        let words = command.split(separator: " ").map(String.init)
        let n = try #require(words.firstIndex(of: "--shards").flatMap { Int(words[$0 + 1]) })
        #expect(n == completions, "--shards \(n) but completions \(completions)")
        let out = try #require(words.firstIndex(of: "--out").map { words[$0 + 1] })
        #expect(out.hasSuffix("$JOB_COMPLETION_INDEX"))
        // Every pod index gets its own shard of the declared count.
        for i in 0..<completions {
            #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "\(i)"], completions: n) == Shard(index: i, count: n))
        }
        #expect(throws: CensusError.self) { try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "\(completions)"], completions: n) }
        // The merge's shard glob covers the folders the shards write.
        let mergeCommand = try #require((try container(merge)["args"] as? [String])?.first)
        let prefix = String(out.dropLast("$JOB_COMPLETION_INDEX".count))
        #expect(mergeCommand.contains(prefix + "*"))
    }
}
