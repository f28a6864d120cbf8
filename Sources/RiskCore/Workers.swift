import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The engine's one worker pool: every parallel loop of a command runs on at most `limit`
/// threads, the command's `--threads` (all cores unless set). Work is split so that results
/// never depend on the limit.
public enum Workers {
    nonisolated(unsafe) private static var current = 0

    /// The most threads a parallel loop uses (at least 1).
    public static var limit: Int { current > 0 ? current : available }

    /// The CPUs this process may use: its affinity mask (what `taskset`, a container or a
    /// Slurm step bound it to), no more than `SLURM_CPUS_PER_TASK` inside a Slurm job (which
    /// allocates CPUs without binding them under `task/none`). Every `--threads` defaults to it.
    public static var available: Int {
        #if canImport(Glibc)
        let slurm = getenv("SLURM_CPUS_PER_TASK").map { String(cString: $0) }
        #else
        let slurm: String? = nil
        #endif
        return available(environment: slurm.map { ["SLURM_CPUS_PER_TASK": $0] } ?? [:])
    }

    /// `available` for a given environment (the affinity mask is the process's own).
    public static func available(environment env: [String: String]) -> Int {
        var n = affinityCores
        if let slurm = env["SLURM_CPUS_PER_TASK"].flatMap(Int.init), slurm >= 1 { n = min(n, slurm) }
        return max(1, n)
    }

    /// Sets the limit for the rest of the process; a command calls it once, before any work.
    public static func set(_ threads: Int) { current = max(1, threads) }

    /// Runs `body(i)` for every i in 0..<n on at most `limit` threads. Worker w takes items
    /// w, w + workers, …, in increasing order, so ordered hand-offs between items cannot
    /// deadlock.
    public static func forEach(_ n: Int, _ body: @Sendable (Int) -> Void) {
        guard n > 0 else { return }
        let workers = min(limit, n)
        if workers == 1 {
            for i in 0..<n { body(i) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < n {
                body(i)
                i += workers
            }
        }
    }

    /// The CPUs in this process's affinity mask, from the `Cpus_allowed` mask of
    /// `/proc/self/status` (online CPUs where it cannot be read).
    private static let affinityCores: Int = {
        #if canImport(Glibc)
        if let f = fopen("/proc/self/status", "r") {
            defer { fclose(f) }
            var line: UnsafeMutablePointer<CChar>?
            var size = 0
            defer { free(line) }
            while getline(&line, &size, f) > 0, let l = line {
                let text = String(cString: l)
                guard text.hasPrefix("Cpus_allowed:") else { continue }
                let bits = text.dropFirst("Cpus_allowed:".count).reduce(0) { n, c in n + (c.hexDigitValue?.nonzeroBitCount ?? 0) }
                if bits > 0 { return bits }
                break
            }
        }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}
