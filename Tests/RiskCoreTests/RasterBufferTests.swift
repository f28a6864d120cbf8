import Testing
@testable import RiskCore

/// Every check runs at Float and at Double.
private func forBothPrecisions(_ body: (any (BinaryFloatingPoint & Sendable).Type) throws -> Void) rethrows {
    try body(Float.self)
    try body(Double.self)
}

private func statistics<S: BinaryFloatingPoint & Sendable>(_: S.Type, _ values: [Double], width: Int, height: Int) -> RasterStatistics {
    RasterBuffer<S>(width: width, height: height, values: values.map { S($0) }).statistics()
}

@Suite struct RasterBufferTests {
    @Test(arguments: [false, true]) func unknownCellsAreCountedNotSummed(double: Bool) {
        let v: [Double] = [1, .nan, 2, 3, .nan, 4]
        let s = double ? statistics(Double.self, v, width: 3, height: 2) : statistics(Float.self, v, width: 3, height: 2)
        #expect(s.knownCount == 4 && s.unknownCount == 2)
        #expect(s.sum == 10 && s.min == 1 && s.max == 4 && s.mean == 2.5)
    }

    @Test(arguments: [false, true]) func infinitiesAreKnownValuesThatPropagate(double: Bool) {
        func st(_ v: [Double]) -> RasterStatistics {
            double ? statistics(Double.self, v, width: v.count, height: 1) : statistics(Float.self, v, width: v.count, height: 1)
        }
        let up = st([1, .infinity, .nan])
        #expect(up.knownCount == 2 && up.sum == .infinity && up.max == .infinity && up.min == 1)
        let down = st([-.infinity, 5])
        #expect(down.sum == -.infinity && down.min == -.infinity)
        // +∞ and −∞ together have no sum.
        #expect(st([.infinity, -.infinity]).sum.isNaN)
    }

    @Test(arguments: [false, true]) func emptyRasterHasNoStatistics(double: Bool) {
        let s = double ? statistics(Double.self, [], width: 0, height: 0) : statistics(Float.self, [], width: 0, height: 5)
        #expect(s.knownCount == 0 && s.unknownCount == 0 && s.sum == 0)
        #expect(s.min == nil && s.max == nil && s.mean == nil)
    }

    @Test(arguments: [false, true]) func allUnknownRasterIsNotZero(double: Bool) {
        let v = [Double](repeating: .nan, count: 6)
        let s = double ? statistics(Double.self, v, width: 2, height: 3) : statistics(Float.self, v, width: 2, height: 3)
        #expect(s.knownCount == 0 && s.unknownCount == 6)
        #expect(s.min == nil && s.mean == nil)
    }

    @Test func compensatedSumKeepsSmallTerms() {
        // Naive left-to-right Double summation gives 0 here; the exact sum is 2.
        let s = RasterBuffer<Double>(width: 4, height: 1, values: [1e16, 1, 1, -1e16]).statistics()
        #expect(s.sum == 2)
    }

    @Test func nodataMaskingAtBothPrecisions() {
        forBothPrecisions { t in
            func check<S: BinaryFloatingPoint & Sendable>(_: S.Type) {
                var b = RasterBuffer<S>(width: 2, height: 2, values: [-9999, 0, 1, -9999])
                b.maskNodata(-9999)
                #expect(b.values[0].isNaN && b.values[3].isNaN)
                #expect(b.values[1] == 0 && b.values[2] == 1)  // zero stays zero
                var c = RasterBuffer<S>(width: 1, height: 2, values: [S.nan, 3])
                c.maskNodata(.nan)
                #expect(c.values[0].isNaN && c.values[1] == 3)
                var inf = RasterBuffer<S>(width: 2, height: 1, values: [S.infinity, 1])
                inf.maskNodata(Double.infinity)
                #expect(inf.values[0].isNaN && inf.values[1] == 1)
            }
            check(t)
        }
    }

    @Test func defaultFillIsUnknown() {
        #expect(RasterBuffer<Float>(width: 3, height: 2).values.allSatisfy { $0.isNaN })
        #expect(RasterBuffer<Double>(width: 0, height: 0).isEmpty)
    }

    @Test func equalityTreatsNaNAsEqualAndChecksShape() {
        let a = RasterBuffer<Float>(width: 2, height: 1, values: [.nan, 1])
        #expect(a == RasterBuffer<Float>(width: 2, height: 1, values: [.nan, 1]))
        #expect(a != RasterBuffer<Float>(width: 1, height: 2, values: [.nan, 1]))
        #expect(a != RasterBuffer<Float>(width: 2, height: 1, values: [0, 1]))
    }

    @Test func croppingAndConversionKeepUnknowns() {
        let b = RasterBuffer<Double>(width: 3, height: 3, values: [0, 1, 2, 3, .nan, 5, 6, 7, 8])
        let c = b.cropped(to: Window(colOff: 1, rowOff: 1, width: 2, height: 2))
        #expect(c == RasterBuffer<Double>(width: 2, height: 2, values: [.nan, 5, 7, 8]))
        let f: RasterBuffer<Float> = c.converted()
        #expect(f.values[0].isNaN && f.values[3] == 8)
        #expect(b[2, 1] == 5)
    }
}
