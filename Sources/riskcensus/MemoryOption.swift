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
