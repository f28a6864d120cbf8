import Foundation

/// The memory a process may spend on what its inputs ask for. Every allocation whose size an
/// input decides (a grid, a raster read whole, demand units, a table or a manifest) is checked
/// against it before it is made, so a hostile or mistaken input is refused with the estimate
/// instead of ending in an aborted allocation. `--max-memory` sets it; the default is half of
/// the machine's physical memory.
public enum MemoryBudget {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var limit = defaultBytes

    /// Half of physical memory.
    public static var defaultBytes: Int { Int(min(ProcessInfo.processInfo.physicalMemory / 2, UInt64(Int.max))) }

    /// The budget in bytes, process-wide.
    public static var bytes: Int {
        get { lock.lock(); defer { lock.unlock() }; return limit }
        set { lock.lock(); limit = max(newValue, 1 << 20); lock.unlock() }
    }

    /// Whether an allocation of `count` items of `size` bytes fits the budget (false on overflow).
    public static func allows(count: Int, size: Int = 1) -> Bool {
        guard count >= 0, size >= 0 else { return false }
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        return !overflow && total <= bytes
    }

    /// The byte count of `count` items of `size` bytes, saturating at Int.max.
    public static func estimate(count: Int, size: Int) -> Int {
        let (total, overflow) = max(count, 0).multipliedReportingOverflow(by: max(size, 0))
        return overflow ? Int.max : total
    }

    /// "512 MiB", "3.7 TiB".
    public static func describe(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = Double(bytes), i = 0
        while v >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(bytes) bytes" : String(format: v < 10 ? "%.1f %@" : "%.0f %@", v, units[i])
    }

    /// Parses "8G", "512M", "2GiB", "1500000000" into bytes; nil when not a size.
    public static func parse(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = t.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value > 0, value.isFinite else { return nil }
        let unit = t.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let scale: Double
        switch unit {
        case "", "B": scale = 1
        case "K", "KB", "KIB": scale = 1024
        case "M", "MB", "MIB": scale = 1024 * 1024
        case "G", "GB", "GIB": scale = 1024 * 1024 * 1024
        case "T", "TB", "TIB": scale = 1024 * 1024 * 1024 * 1024
        default: return nil
        }
        let bytes = value * scale
        return bytes < Double(Int.max) ? Int(bytes) : nil
    }
}
