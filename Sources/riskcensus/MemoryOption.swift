import ArgumentParser
import RiskCensus
import RiskGeo

/// `--max-memory`, shared by every command that reads inputs: the budget every allocation an
/// input sizes is checked against (see `MemoryBudget`). Set as the options are validated, so it
/// holds before any input is opened.
struct MemoryOption: ParsableArguments {
    @Option(name: .customLong("max-memory"), help: "Memory budget for what inputs ask for, e.g. 8G or 512M (default: half of physical memory).")
    var maxMemory: String?

    func validate() throws {
        guard let maxMemory else { return }
        guard let bytes = MemoryBudget.parse(maxMemory), bytes >= 1 << 20 else {
            throw ValidationError("--max-memory: found \"\(maxMemory)\"; expected a size of at least 1M, such as 8G or 512M")
        }
        MemoryBudget.bytes = bytes
    }
}

/// The most worker threads any command accepts: far above any machine, far below a typo.
let maximumThreads = 1024

/// `--threads` must be 1…1024.
func checkThreads(_ threads: Int) throws {
    guard (1...maximumThreads).contains(threads) else {
        throw ValidationError("--threads: found \(threads); expected 1 to \(maximumThreads)")
    }
}

/// glibc's mallopt(3); Swift's Glibc module leaves out malloc.h.
#if os(Linux)
@_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let M_TRIM_THRESHOLD: Int32 = -1, M_MMAP_THRESHOLD: Int32 = -3
#endif

/// A census allocates and frees arrays of a tile's size (megabytes) thousands of times. glibc
/// serves those from fresh mmap pages, each faulted in and zeroed again: a tenth of a run's CPU.
/// Keeping blocks of up to 64 MiB in the heap, and up to 512 MiB of freed heap before giving it
/// back, reuses the pages; the peak stays what the live arrays need.
func tuneAllocatorForBatch() {
    #if os(Linux)
    _ = mallopt(M_MMAP_THRESHOLD, 64 << 20)
    _ = mallopt(M_TRIM_THRESHOLD, 512 << 20)
    #endif
}
