import Foundation
import RiskCore

/// CSV rows with quoting where a field needs it (RFC 4180).
enum CSVText {
    /// `count` rows made by `row` on all cores, in order.
    static func rows(_ count: Int, _ row: @escaping @Sendable (Int) -> String) -> String {
        let chunk = 32_768
        let chunks = (count + chunk - 1) / chunk
        let parts = ChunkResults<String>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            var s = ""
            for i in k * chunk..<min(count, (k + 1) * chunk) { s += row(i) }
            parts.put(k, s)
        }
        return (0..<chunks).map { parts.take($0) }.joined()
    }

    static func row(_ fields: [String]) -> String {
        var out = ""
        out.reserveCapacity(fields.reduce(fields.count) { $0 + $1.utf8.count })
        for (k, f) in fields.enumerated() {
            if k > 0 { out += "," }
            // Byte test: ',' '"' LF CR.
            if f.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                out += "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            } else {
                out += f
            }
        }
        out += "\n"
        return out
    }
}
