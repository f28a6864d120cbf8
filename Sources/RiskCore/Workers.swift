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
    public static var limit: Int { current > 0 ? current : activeCores }

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

    private static let activeCores: Int = {
        #if canImport(Glibc)
        let n = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        let n = 1
        #endif
        return max(1, n)
    }()
}
