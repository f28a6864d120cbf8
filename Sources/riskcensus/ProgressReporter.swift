import Foundation
import RiskCensus

/// Run progress on stderr: on a terminal a bar (tiles done/total, cells/s, ETA) redrawn in
/// place; elsewhere a line per phase step at most every 10 s; nothing with `--quiet`.
final class ProgressReporter: @unchecked Sendable {
    private let quiet: Bool
    private let terminal = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastLine = Date.distantPast
    private var barShown = false

    init(quiet: Bool) { self.quiet = quiet }

    var report: @Sendable (RunEvent) -> Void { { [self] e in handle(e) } }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    private func handle(_ event: RunEvent) {
        if case .warning(let f) = event {
            lock.lock()
            defer { lock.unlock() }
            if barShown { write("\n"); barShown = false }
            write("riskcensus: warning: \(f.line)\n")
            return
        }
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .warning: break   // written above
        case .message(let m):
            if barShown { write("\n"); barShown = false }
            write("[riskcensus] " + m + "\n")
        case .tiles(let phase, let done, let total, let skipped, let cells, let seconds):
            let rate = seconds > 0 ? Double(cells) / seconds : 0
            let remaining = done > skipped && done < total ? seconds / Double(done - skipped) * Double(total - done) : 0
            let eta = done >= total ? "done" : (done > skipped ? "ETA \(Self.clock(remaining))" : "ETA …")
            let text = "\(phase): \(done)/\(total) tiles" + (skipped > 0 ? " (\(skipped) already done)" : "")
                + String(format: ", %.0f cells/s, ", rate) + eta
            if terminal {
                let width = 24, filled = total > 0 ? width * done / total : width
                write("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " + text + "\u{1B}[K")
                barShown = true
                if done >= total { write("\n"); barShown = false }
            } else if done >= total || done == skipped || Date().timeIntervalSince(lastLine) >= 10 {
                write("[riskcensus] " + text + "\n")
                lastLine = Date()
            }
        }
    }

    func end() {
        lock.lock()
        defer { lock.unlock() }
        if barShown { write("\n"); barShown = false }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
