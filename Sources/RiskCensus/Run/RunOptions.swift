import Foundation

/// How a census run is carried out: worker threads, a fresh start, and the shard it runs.
public struct RunOptions: Sendable {
    /// Tiles processed at once.
    public var threads: Int
    /// Forget the catalog and the tile store and start over.
    public var fresh: Bool
    /// Run pass 1 for this shard's tiles only; `riskcensus merge` finishes the run.
    public var shard: Shard?
    /// Set it from any thread to stop the run at its next tile or phase; the run then throws
    /// `CensusError.cancelled`, keeping every tile it finished for the next run to resume from.
    public var cancellation: CancellationFlag?

    public init(threads: Int = 1, fresh: Bool = false, shard: Shard? = nil, cancellation: CancellationFlag? = nil) {
        self.threads = max(1, threads)
        self.fresh = fresh
        self.shard = shard
        self.cancellation = cancellation
    }
}

/// A flag a caller sets to cancel a census run (`RunOptions.cancellation`) from another thread.
public final class CancellationFlag: @unchecked Sendable {   // the state is behind `lock`
    private let lock = NSLock()
    private var set = false

    public init() {}

    /// Asks the run to stop at its next tile or phase.
    public func cancel() { lock.withLock { set = true } }

    public var isCancelled: Bool { lock.withLock { set } }

    /// Throws `CensusError.cancelled` once the flag is set.
    func check() throws(CensusError) {
        if isCancelled { throw .cancelled }
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
            throw CensusError.input(name: "shard", message: "\(text): expected i/N, e.g. 0/3")
        }
        do {
            return try Shard(index: i, count: n)
        } catch {
            throw CensusError.input(name: "shard", message: "\(text): \(error.description)")
        }
    }

    /// Runs `body`, naming where a bad shard came from.
    private static func context(_ source: String, _ body: () throws(CensusError) -> Shard) throws(CensusError) -> Shard {
        do { return try body() } catch { throw CensusError.usage("\(source): \(error.description)") }
    }

    /// The shard a Slurm job array or a Kubernetes Indexed Job assigns to this process; nil
    /// outside both.
    ///
    /// The shard count is the one the job declares: `--shards N` (`completions`), else
    /// `RISKCENSUS_SHARDS`; the task id (`SLURM_ARRAY_TASK_ID`, `JOB_COMPLETION_INDEX`) is then
    /// the shard number, 0…N−1. So resubmitting one index (`sbatch --array=3 …`) or a
    /// non-contiguous array (`--array=0,1,5`) runs the right share. Without a declared count a
    /// Slurm array must say its total itself: a whole array of two or more tasks from 0 or 1
    /// (`--array=0-7`, `--array=1-8`, `--array=0-14:2`), whose positions are the shards. A
    /// one-task or gapped array without a declared count is refused: Slurm reports it as the
    /// whole job, and the run would silently do every tile.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment,
                                       completions: Int? = nil) throws(CensusError) -> Shard? {
        var declared = completions
        if declared == nil, let text = env["RISKCENSUS_SHARDS"] {
            guard let n = Int(text), n >= 1 else { throw CensusError.usage("RISKCENSUS_SHARDS=\(text): expected a shard count ≥ 1") }
            declared = n
        }
        if let id = env["SLURM_ARRAY_TASK_ID"] {
            guard let i = Int(id) else { throw CensusError.usage("SLURM_ARRAY_TASK_ID=\(id): expected a task number") }
            if let n = declared {
                return try context("SLURM_ARRAY_TASK_ID=\(id) with \(n) shards (--shards or RISKCENSUS_SHARDS); the array's task ids are the shards 0…\(n - 1)") { () throws(CensusError) in
                    try Shard(index: i, count: n)
                }
            }
            let count = env["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init)
            let base = env["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
            let step = max(1, env["SLURM_ARRAY_TASK_STEP"].flatMap(Int.init) ?? 1)
            guard let n = count, n >= 2, base == 0 || base == 1,
                  (env["SLURM_ARRAY_TASK_MAX"].flatMap(Int.init) ?? base + (n - 1) * step) == base + (n - 1) * step else {
                throw CensusError.usage("SLURM_ARRAY_TASK_ID=\(id): the array (\(count.map { "\($0) tasks" } ?? "no task count"), ids \(env["SLURM_ARRAY_TASK_MIN"] ?? "?")…\(env["SLURM_ARRAY_TASK_MAX"] ?? "?")) "
                                        + "does not say how many shards the census has (a resubmitted index, or a gapped array); give --shards N or RISKCENSUS_SHARDS=N, the task ids being the shards 0…N−1")
            }
            return try context("SLURM_ARRAY_TASK_ID=\(id) of \(n) tasks") { () throws(CensusError) in
                try Shard(index: (i - base) / step, count: n)
            }
        }
        if let id = env["JOB_COMPLETION_INDEX"] {
            guard let i = Int(id), let n = declared else {
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
