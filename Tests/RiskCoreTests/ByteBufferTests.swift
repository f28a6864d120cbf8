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
}
