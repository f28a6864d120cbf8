import Foundation
import RiskCore
import RiskGeo

/// CSV rows with quoting where a field needs it (RFC 4180).
enum CSVText {
    static func row(_ fields: [String]) -> String {
        var out = ""
        out.reserveCapacity(fields.reduce(fields.count) { $0 + $1.utf8.count })
        for (k, f) in fields.enumerated() {
            if k > 0 { out += "," }
            if needsQuotes(f) {
                out += "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            } else {
                out += f
            }
        }
        out += "\n"
        return out
    }

    /// Byte test: ',' '"' LF CR.
    static func needsQuotes(_ f: String) -> Bool {
        f.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D })
    }

    /// `count` rows written by `row` into byte chunks on all cores, in order. Tables of millions
    /// of rows (the per-unit `demand.csv`) are built as bytes: a String per field would cost
    /// more than the analysis that fills them.
    static func rows(_ count: Int, _ row: @escaping @Sendable (inout CSVBytes, Int) -> Void) -> [[UInt8]] {
        let chunk = 32_768
        let chunks = (count + chunk - 1) / chunk
        let parts = ChunkResults<[UInt8]>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            var b = CSVBytes()
            b.bytes.reserveCapacity(chunk * 48)
            for i in k * chunk..<min(count, (k + 1) * chunk) {
                row(&b, i)
                b.endRow()
            }
            parts.put(k, b.bytes)
        }
        return (0..<chunks).map { parts.take($0) }
    }
}

/// One row's fields appended as bytes, with the quoting of `CSVText.row` and the numbers of
/// `JSONText.number` (integers without a decimal point, others in the shortest form that
/// reads back exactly).
struct CSVBytes {
    var bytes: [UInt8] = []
    private var fieldsInRow = 0

    private mutating func separate() {
        if fieldsInRow > 0 { bytes.append(0x2C) }
        fieldsInRow += 1
    }

    mutating func text(_ s: String) {
        separate()
        if CSVText.needsQuotes(s) {
            bytes.append(0x22)
            for c in s.utf8 {
                if c == 0x22 { bytes.append(0x22) }
                bytes.append(c)
            }
            bytes.append(0x22)
        } else {
            bytes.append(contentsOf: s.utf8)
        }
    }

    mutating func empty() { separate() }

    mutating func integer(_ v: Int) {
        separate()
        digits(v)
    }

    mutating func number(_ v: Double) {
        separate()
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { digits(Int(v)) } else { bytes.append(contentsOf: JSONText.number(v).utf8) }
    }

    /// Raw text without a separator, for ids made of parts (`r12c40`).
    mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func digits(_ v: Int) {
        if v < 0 { bytes.append(0x2D) }
        var m = v.magnitude
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &tmp) { buf in
            var n = 0
            repeat {
                buf[19 - n] = 0x30 + UInt8(m % 10)
                m /= 10
                n += 1
            } while m > 0
            bytes.append(contentsOf: buf[(20 - n)...])
        }
    }

    /// Ends a row.
    mutating func endRow() {
        bytes.append(0x0A)
        fieldsInRow = 0
    }
}
