import Foundation
import Testing
@testable import RiskCensus
import RiskCore

/// The batch's parts on their own: shards from options and environments, the tile store's
/// files and checksums, the run lock.
@Suite struct BatchPartsTests {
    @Test func shardsFromOptionsSlurmAndKubernetes() throws {
        #expect(try Shard.parse("2/3") == Shard(index: 2, count: 3))
        #expect(throws: CensusError.self) { try Shard.parse("3/3") }
        #expect(throws: CensusError.self) { try Shard.parse("1-3") }
        // The library names the input; the command line words it as its flag (`--shard`).
        do {
            _ = try Shard.parse("1-3")
        } catch {
            guard case .input(let name, let message) = error else { Issue.record("\(error)"); return }
            #expect(name == "shard" && message.contains("1-3") && !error.description.contains("--"))
        }
        #expect(try Shard.fromEnvironment([:]) == nil)
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "8"]) == Shard(index: 4, count: 8))
        // --array=1-8 and --array=0-14:2 both give positions 0…7.
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "8", "SLURM_ARRAY_TASK_COUNT": "8", "SLURM_ARRAY_TASK_MIN": "1"]) == Shard(index: 7, count: 8))
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_COUNT": "8", "SLURM_ARRAY_TASK_MIN": "0",
                                           "SLURM_ARRAY_TASK_STEP": "2"]) == Shard(index: 3, count: 8))
        #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "5"], completions: 6) == Shard(index: 5, count: 6))
        #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "5", "RISKCENSUS_SHARDS": "6"]) == Shard(index: 5, count: 6))
        #expect(throws: CensusError.self) { try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "5"]) }
    }

    /// Slurm reports a resubmitted index (`sbatch --array=3`) as a one-task array and a gapped
    /// array (`--array=0,1,5`) with a misleading count: the declared count decides, and without
    /// one such arrays are refused rather than run as the whole census.
    @Test func resubmittedAndGappedArraysRunTheirOwnShare() throws {
        let resubmitted = ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_MAX": "3"]
        #expect(try Shard.fromEnvironment(resubmitted, completions: 8) == Shard(index: 3, count: 8))
        #expect(try Shard.fromEnvironment(resubmitted.merging(["RISKCENSUS_SHARDS": "8"]) { a, _ in a }) == Shard(index: 3, count: 8))
        #expect(throws: CensusError.self) { try Shard.fromEnvironment(resubmitted) }
        // Resubmitting index 0 alone looks like a whole one-task array: refused without a count too.
        #expect(throws: CensusError.self) {
            try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "0"])
        }
        let gapped = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "5"]
        #expect(try Shard.fromEnvironment(gapped, completions: 6) == Shard(index: 5, count: 6))
        #expect(throws: CensusError.self) { try Shard.fromEnvironment(gapped) }
        // A task id beyond the declared count names the range.
        do {
            _ = try Shard.fromEnvironment(gapped, completions: 3)
            Issue.record("task 5 of 3 shards must be refused")
        } catch {
            #expect(error.exitCode == 2 && error.description.contains("0…2"))
        }
        #expect(throws: CensusError.self) { try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1", "RISKCENSUS_SHARDS": "zero"]) }
    }

    @Test func threadsDefaultToTheCPUsTheProcessMayUse() {
        let all = Workers.available(environment: [:])
        #expect(all >= 1)
        #expect(Workers.available(environment: ["SLURM_CPUS_PER_TASK": "1"]) == 1)
        #expect(Workers.available(environment: ["SLURM_CPUS_PER_TASK": "\(all + 8)"]) == all)
        #expect(Workers.available(environment: ["SLURM_CPUS_PER_TASK": "none"]) == all)
    }

    @Test func tileFilesRoundTripAndRefuseDamage() throws {
        let dir = NSTemporaryDirectory() + "store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TileStore(out: dir)
        let a: [Float] = [1, .nan, -2.5, .infinity], b: [Float] = [0, 1, 2, 3]
        let sha = try store.write("t0", [("a", a), ("b", b)])
        #expect(store.checksum("t0") == sha)
        let back = try store.read("t0", sha256: sha)
        #expect(back["b"] == b && back["a"]!.count == 4 && back["a"]![1].isNaN && back["a"]![3] == .infinity)
        #expect(throws: CensusError.self) { try store.read("t0", sha256: String(repeating: "0", count: 64)) }
        // A truncated file is refused even without a checksum.
        let data = try Data(contentsOf: URL(fileURLWithPath: store.path("t0")))
        try data.prefix(data.count - 3).write(to: URL(fileURLWithPath: store.path("t1")))
        #expect(throws: CensusError.self) { try store.read("t1") }
        #expect(throws: CensusError.self) { try store.read("missing") }
        let empty = try store.write("e", [("zone", [])])
        #expect(try store.read("e", sha256: empty)["zone"] == [])
    }

    @Test func typedTileContentRoundTripsAndAMissingArrayIsAnError() throws {
        let dir = NSTemporaryDirectory() + "typed-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TileStore(out: dir)
        let e = ExposureTile(zone: [1, 0], population: [3, .nan], gdp: [5, .nan], exposedValue: [7, .nan], capacity: [0.5, .nan],
                             values: [[4, .nan], [3, .nan]])
        let c = try store.write("e", e)
        let back = try store.read(ExposureTile.self, "e", checksum: c)
        #expect(back.zone == e.zone && back.values.count == 2 && back.values[1][0] == 3 && back.capacity?[0] == 0.5)
        #expect(try store.read(ExposureTile.self, "o", checksum: try store.write("o", ExposureTile.outside)).isOutside)
        let ix = IndexTile(index: [0.2, .nan], risk: [[0.1, .nan], [0.3, .nan], [0, .nan]])
        #expect(try store.read(IndexTile.self, "i", checksum: try store.write("i", ix)).risk.count == 3)
        // A hazard file read as exposure lacks "zone": an error naming the file, not a crash.
        try store.write("h", HazardTile(cells: .init(loss: [1], fatalities: [0], indicator: [2], lossRatio: [0.1])))
        #expect(throws: CensusError.self) { try store.read(ExposureTile.self, "h", checksum: nil) }
    }

    @Test func partsAndStatisticsAreTypedValues() throws {
        for part in [TilePart.exposure, .hazard("flood:coastal"), .index] { #expect(TilePart(catalogName: part.description) == part) }
        #expect(TilePart(catalogName: "t3/exposure") == nil)
        let a = TileStatistics.of([("hazard", [1, 5, .nan, 9], false), ("vulnerability", [.nan, .nan, .nan, .nan], false)],
                                  inside: [true, true, true, false])
        #expect(a.ranges["hazard"] == ValueRange(min: 1, max: 5) && a.ranges["vulnerability"] == nil)
        #expect(TileStatistics(json: a.json) == a && TileStatistics(json: "population=1,2") == nil)
        var region = RegionStatistics()
        region.add(a, of: .hazard("flood"))
        region.add(TileStatistics.of([("hazard", [0, 3], false)], inside: [true, true]), of: .hazard("flood"))
        region.add(TileStatistics.of([("population", [10, 20], false)], inside: [true, true]), of: .exposure)
        #expect(region.hazard["flood"] == ValueRange(min: 0, max: 5) && region.population == ValueRange(min: 10, max: 20))
        #expect(region.vulnerability["flood"] == nil)
    }

    @Test func theRunLockIsExclusiveAndReleasedWithItsHolder() throws {
        let dir = NSTemporaryDirectory() + "lock-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var first: RunLock? = try RunLock(out: dir)
        do {
            _ = try RunLock(out: dir)
            Issue.record("a second lock on a held folder")
        } catch let e as CensusError {
            #expect(e.description.contains("in use by another riskcensus run (pid \(getpid())"))
        }
        _ = first
        first = nil
        #expect(throws: Never.self) { _ = try RunLock(out: dir) }
    }
}

/// Job keys follow the files each job reads: a hazard file changes that hazard's keys only,
/// an exposure file changes every pass-1 key, a tile's keys differ from its neighbour's.
@Suite struct JobKeysTests {
    @Test func keysChangeWithWhatTheJobReads() throws {
        let dir = NSTemporaryDirectory() + "keys-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plan = try Census(manifestPath: try SampleCensus.write(into: dir)).plan
        var sums = Dictionary(uniqueKeysWithValues: plan.inputs.map { ($0, "sum-of-" + $0) })
        let base = try JobKeys(plan: plan, checksums: sums)
        let tile = plan.tiles[0]
        let depth = try #require(plan.inputs.first { $0.hasSuffix("depth_rp100.tif") })
        sums[depth] = "changed"
        let hazardChanged = try JobKeys(plan: plan, checksums: sums)
        #expect(hazardChanged.exposure(tile) == base.exposure(tile))
        #expect(hazardChanged.hazard(0, tile) != base.hazard(0, tile))
        #expect(try hazardChanged.coverage() == base.coverage())
        sums[depth] = "sum-of-" + depth
        let population = try #require(plan.inputs.first { $0.hasSuffix("population.tif") })
        sums[population] = "changed"
        let exposureChanged = try JobKeys(plan: plan, checksums: sums)
        #expect(exposureChanged.exposure(tile) != base.exposure(tile) && exposureChanged.hazard(0, tile) != base.hazard(0, tile))
        #expect(base.exposure(tile) != base.exposure(Window(colOff: tile.colOff + 1, rowOff: tile.rowOff, width: tile.width, height: tile.height)))
        #expect(base.index(tile, parameters: "a", capacity: "none") != base.index(tile, parameters: "b", capacity: "none"))
    }
}
