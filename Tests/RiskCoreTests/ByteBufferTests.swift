import Dispatch
import Testing
@testable import RiskCore

/// The byte buffer behind the large text outputs writes what the String formatting does.
@Suite struct ByteBufferTests {
    @Test func shortestNumbersMatchSwiftsDescription() {
        var state: UInt64 = 7
        var values: [Double] = [0.1, 1.0 / 3, -2.5e-300, 1e16, 123_456.789, .pi, -0.0, 5e-324, .greatestFiniteMagnitude]
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(Double(bitPattern: state >> 1 | 0x3000_0000_0000_0000 & ~(1 << 63)) * (state & 1 == 0 ? 1 : -1))
        }
        let b = ByteBuffer(capacity: 16)   // grows many times
        var expected = ""
        for v in values {
            b.appendShortest(v)
            b.append(0x20)
            expected += "\(v) "
        }
        #expect(String(decoding: b.bytes, as: UTF8.self) == expected)
    }

    @Test func fixedDecimalsAndIntegers() {
        let b = ByteBuffer()
        let cases: [(Double, Int, String)] = [(120.0000004, 6, "120"), (-0.0000004, 6, "0"), (-31.5, 6, "-31.5"), (0.000001, 6, "0.000001"),
                                              (1.0000015, 6, "1.000002"), (-0.05, 1, "-0.1"), (7, 0, "7"), (0.25, 15, "0.25")]
        for (v, d, text) in cases {
            b.removeAll()
            #expect(b.appendFixed(v, decimals: d))
            #expect(String(decoding: b.bytes, as: UTF8.self) == text, "\(v) to \(d) decimals")
        }
        b.removeAll()
        #expect(!b.appendFixed(.nan, decimals: 6) && !b.appendFixed(1e13, decimals: 6) && b.count == 0)
        for v in [0, 9, 10, -1, Int.max, Int.min] { b.appendInteger(v); b.append(0x2C) }
        #expect(String(decoding: b.bytes, as: UTF8.self) == "0,9,10,-1,\(Int.max),\(Int.min),")
    }

    @Test func backgroundValuesAndErrorsArriveWhenAsked() throws {
        struct Failure: Error {}
        let ok = Background { (1...1000).reduce(0, +) }
        let bad = Background<Int> { throw Failure() }
        #expect(try ok.value() == 500_500)
        #expect(throws: Failure.self) { try bad.value() }
    }

    /// Three arrays written in place by parallel workers; with no elements the workers are not called.
    @Test func columnsFilledInPlace() {
        let (a, b, c) = filledInPlace(count: 1_000) { (out: InPlaceColumns<Int, Double, Int32?>) in
            DispatchQueue.concurrentPerform(iterations: 4) { k in
                for i in k * 250..<(k + 1) * 250 {
                    out.first[i] = i
                    out.second[i] = Double(i) / 2
                    out.third[i] = i % 2 == 0 ? Int32(i) : nil
                }
            }
        }
        #expect(a == Array(0..<1_000) && b == (0..<1_000).map { Double($0) / 2 } && c == (0..<1_000).map { $0 % 2 == 0 ? Int32($0) : nil })
        let empty: ([Int], [Int], [Int]) = filledInPlace(count: 0) { _ in Issue.record("no elements to fill") }
        #expect(empty.0.isEmpty && empty.1.isEmpty && empty.2.isEmpty)
    }
}
