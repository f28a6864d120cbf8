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

    /// Byte test: ',' '"' LF CR anywhere, or a space or tab at either end (which `CSVTable`,
    /// like most readers, trims from a field that is not quoted).
    static func needsQuotes(_ f: String) -> Bool {
        let u = f.utf8
        if let first = u.first, let last = u.last, first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return true }
        return u.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D })
    }

    /// Writes `header` and `count` rows made by `row` to `path` (through a temporary file), the
    /// rows formatted on all cores and written in order as each chunk is ready, so the table is
    /// never whole in memory. `alongside` is other work one of the cores does first (see
    /// `AtomicFile.write(chunkCount:…)`).
    static func write(rows count: Int, header: String, to path: String, alongside: (@Sendable () throws -> Void)? = nil,
                      _ row: @escaping @Sendable (inout CSVBytes, Int) -> Void) throws {
        try AtomicFile.write(chunkCount: (count + rowChunk - 1) / rowChunk + 1, to: path, alongside: alongside) { k, out in
            if k == 0 {
                var text = header
                text.withUTF8(out)
            } else {
                let b = chunk(k - 1, count, row)
                b.withBytes(out)
            }
        }
    }

    private static let rowChunk = 32_768

    private static func chunk(_ k: Int, _ count: Int, _ row: (inout CSVBytes, Int) -> Void) -> CSVBytes {
        var b = CSVBytes(capacity: rowChunk * 64)
        for i in k * rowChunk..<min(count, (k + 1) * rowChunk) {
            row(&b, i)
            b.endRow()
        }
        return b
    }
}

/// One row's fields appended as bytes, with the quoting of `CSVText.row` and the numbers of
/// `JSONText.number` (integers without a decimal point, others in the shortest form that
/// reads back exactly).
struct CSVBytes {
    private let buffer: ByteBuffer
    private var fieldsInRow = 0

    init(capacity: Int = 256) { buffer = ByteBuffer(capacity: capacity) }

    var bytes: [UInt8] { buffer.bytes }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R { try buffer.withBytes(body) }

    @inline(__always) private mutating func separate() {
        if fieldsInRow > 0 { buffer.append(0x2C) }
        fieldsInRow += 1
    }

    mutating func text(_ s: String) {
        separate()
        if CSVText.needsQuotes(s) {
            buffer.append(0x22)
            for c in s.utf8 {
                if c == 0x22 { buffer.append(0x22) }
                buffer.append(c)
            }
            buffer.append(0x22)
        } else {
            buffer.append(s)
        }
    }

    /// Field k of `fields`, encoded once for the many rows that repeat it.
    mutating func field(_ k: Int, of fields: EncodedFields) {
        separate()
        fields.bytes.withUnsafeBufferPointer { buffer.append(UnsafeBufferPointer(rebasing: $0[fields.offsets[k]..<fields.offsets[k + 1]])) }
    }

    /// Raw bytes without a separator.
    mutating func raw(_ byte: UInt8) { buffer.append(byte) }

    mutating func empty() { separate() }

    mutating func integer(_ v: Int) {
        separate()
        digits(v)
    }

    mutating func number(_ v: Double) {
        separate()
        if v.isFinite, v == v.rounded(.towardZero), abs(v) < 1e15 {   // an integer (truncation is one instruction)
            digits(Int(v))
        } else if v.isFinite {
            // The shortest form costs tens of nanoseconds; a column often repeats the value of
            // the row above (neighbouring cells reach the same shelters), which is copied.
            let column = fieldsInRow - 1, start = buffer.count
            if column < above.count, above[column].count > 0, above[column].bits == v.bitPattern {
                buffer.appendCopy(from: above[column].offset, count: above[column].count)
            } else {
                buffer.appendShortest(v)
            }
            if column < above.count { above[column] = (v.bitPattern, start, buffer.count - start) }
        } else {
            append("null")
        }
    }

    /// Per column, the last non-integer number written and where its text is.
    private var above = [(bits: UInt64, offset: Int, count: Int)](repeating: (0, 0, 0), count: 16)

    /// Raw text without a separator, for ids made of parts (`r12c40`).
    mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { buffer.append($0) }
    }

    mutating func digits(_ v: Int) { buffer.appendInteger(v) }

    /// Ends a row.
    mutating func endRow() {
        buffer.append(0x0A)
        fieldsInRow = 0
    }
}

/// Texts encoded as CSV fields (quoted where needed) once, in one byte array: the facility ids
/// that millions of demand rows repeat.
struct EncodedFields: Sendable {
    let bytes: [UInt8]
    let offsets: [Int]

    init(_ texts: [String]) {
        var bytes: [UInt8] = [], offsets = [0]
        for t in texts {
            var b = CSVBytes(capacity: t.utf8.count + 2)
            b.text(t)
            bytes += b.bytes
            offsets.append(bytes.count)
        }
        self.bytes = bytes
        self.offsets = offsets
    }
}
