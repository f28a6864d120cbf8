import Foundation

/// How a census run is carried out: worker threads, a fresh start, and the shard it runs.
public struct RunOptions: Sendable {
    /// Tiles processed at once.
    public var threads: Int
    /// Forget the catalog and the tile store and start over.
    public var fresh: Bool
    /// Run pass 1 for this shard's tiles only; `riskcensus merge` finishes the run.
    public var shard: Shard?

    public init(threads: Int = 1, fresh: Bool = false, shard: Shard? = nil) {
        self.threads = max(1, threads)
        self.fresh = fresh
        self.shard = shard
    }
}

/// Shard `index` of `count` (0-based): it runs the tiles whose number modulo `count` is `index`.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(CensusError) {
        guard count >= 1, (0..<count).contains(index) else {
            throw CensusError.usage("shard \(index)/\(count): expected 0 ≤ index < count")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// `i/N` as given to `--shard`.
    public static func parse(_ text: String) throws(CensusError) -> Shard {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw CensusError.usage("--shard \(text): expected i/N, e.g. 0/3")
        }
        return try context("--shard \(text)") { () throws(CensusError) in try Shard(index: i, count: n) }
    }

    /// Runs `body`, naming where a bad shard came from.
    private static func context(_ source: String, _ body: () throws(CensusError) -> Shard) throws(CensusError) -> Shard {
        do { return try body() } catch { throw CensusError.usage("\(source): \(error.description)") }
    }

    /// The shard a Slurm job array (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`) or a
    /// Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, with the completions count from
    /// `completions` or `RISKCENSUS_SHARDS`) assigns to this process; nil outside both.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment,
                                       completions: Int? = nil) throws(CensusError) -> Shard? {
        if let id = env["SLURM_ARRAY_TASK_ID"] {
            guard let i = Int(id), let n = env["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init) ?? completions else {
                throw CensusError.usage("SLURM_ARRAY_TASK_ID=\(id) needs SLURM_ARRAY_TASK_COUNT (or --shards) to be a count")
            }
            // Arrays are often numbered from 1 (--array=1-N) or stepped (0-14:2): the position in
            // the array counts from SLURM_ARRAY_TASK_MIN in steps of SLURM_ARRAY_TASK_STEP.
            let base = env["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
            let step = max(1, env["SLURM_ARRAY_TASK_STEP"].flatMap(Int.init) ?? 1)
            return try context("SLURM_ARRAY_TASK_ID=\(id) of \(n) tasks (SLURM_ARRAY_TASK_COUNT or --shards)") { () throws(CensusError) in
                try Shard(index: (i - base) / step, count: n)
            }
        }
        if let id = env["JOB_COMPLETION_INDEX"] {
            guard let i = Int(id), let n = completions ?? env["RISKCENSUS_SHARDS"].flatMap(Int.init) else {
                throw CensusError.usage("JOB_COMPLETION_INDEX=\(id) needs the completions count: --shards N or RISKCENSUS_SHARDS")
            }
            return try context("JOB_COMPLETION_INDEX=\(id) of \(n) (--shards or RISKCENSUS_SHARDS)") { () throws(CensusError) in try Shard(index: i, count: n) }
        }
        return nil
    }
}

/// What a run reports while it works: messages, and tile counts per phase.
public enum RunEvent: Sendable {
    case message(String)
    /// A sanity finding (also in provenance.json); shown even when progress is quiet.
    case warning(Finding)
    /// `done` of `total` tiles of `phase` finished, `cells` analysis cells among them, after
    /// `seconds` in the phase; `skipped` tiles were already done by an earlier run.
    case tiles(phase: String, done: Int, total: Int, skipped: Int, cells: Int, seconds: Double)
}
