import Testing
@testable import RiskCore

private let ccwSquare: Ring = [Position(0, 0), Position(2, 0), Position(2, 2), Position(0, 2), Position(0, 0)]
private let cwHole: Ring = [Position(0.5, 0.5), Position(0.5, 1), Position(1, 1), Position(1, 0.5), Position(0.5, 0.5)]

@Suite struct GeometryTests {
    @Test func shoelaceSignGivesOrientation() {
        #expect(RingOrientation.signedDoubleArea(ccwSquare) == 8)  // 2 × area 4
        #expect(RingOrientation.isCounterClockwise(ccwSquare))
        #expect(!RingOrientation.isCounterClockwise(Array(ccwSquare.reversed())))
        #expect(RingOrientation.signedDoubleArea([]) == 0)
    }

    @Test func rfc7946WindingFixesBothRingKinds() {
        let wrong = Polygon(exterior: Array(ccwSquare.reversed()), holes: [Array(cwHole.reversed())])
        let fixed = wrong.rfc7946Oriented
        #expect(RingOrientation.isCounterClockwise(fixed.exterior))
        #expect(!RingOrientation.isCounterClockwise(fixed.holes[0]))
        #expect(Polygon(exterior: ccwSquare, holes: [cwHole]).rfc7946Oriented == Polygon(exterior: ccwSquare, holes: [cwHole]))
    }

    @Test func wkbRoundTripsEveryGeometryType() throws {
        let all: [Geometry] = [
            .point(Position(120.5, 31.25)),
            .lineString([Position(0, 0), Position(1, 1)]),
            .polygon(Polygon(exterior: ccwSquare, holes: [cwHole])),
            .multiPoint([Position(1, 2), Position(3, 4)]),
            .multiLineString([[Position(0, 0), Position(1, 0)], [Position(2, 2), Position(3, 3)]]),
            .multiPolygon([Polygon(exterior: ccwSquare), Polygon(exterior: cwHole)]),
            .collection([.point(Position(-1, -1)), .lineString([Position(0, 0), Position(-2, 5)])]),
        ]
        for g in all { #expect(try WKB.decode(WKB.encode(g)) == g) }
    }

    @Test func wkbDecodesBigEndianAndDropsZ() throws {
        // Big-endian ISO "Point Z" (type 1001) at (1, 2, 3).
        var bytes: [UInt8] = [0, 0, 0, 0x03, 0xE9]
        for v in [1.0, 2.0, 3.0] { withUnsafeBytes(of: v.bitPattern.bigEndian) { bytes += $0 } }
        #expect(try WKB.decode(bytes) == .point(Position(1, 2)))
    }

    @Test func truncatedOrUnknownWkbIsAnError() {
        let good = WKB.encode(.lineString([Position(0, 0), Position(1, 1)]))
        #expect(throws: WKB.DecodingError.self) { try WKB.decode(Array(good.dropLast(3))) }
        #expect(throws: WKB.DecodingError.self) { try WKB.decode([1, 99, 0, 0, 0]) }
        #expect(throws: WKB.DecodingError.self) { try WKB.decode([7]) }
        #expect(throws: WKB.DecodingError.self) { try WKB.decode(good + [0]) }
    }

    @Test func boundsAndMapping() {
        let g = Geometry.multiPoint([Position(3, -1), Position(-2, 4)])
        #expect(g.bounds == Bounds(minX: -2, minY: -1, maxX: 3, maxY: 4))
        #expect(Geometry.multiPoint([]).bounds == nil)
        #expect(g.mapPositions { Position($0.x * 2, $0.y) }.bounds == Bounds(minX: -4, minY: -1, maxX: 6, maxY: 4))
    }

    @Test func attributesKeepInsertionOrder() {
        var a = Attributes(["z": .integer(1), "a": .string("x")])
        a["m"] = .real(2.5)
        a["z"] = .integer(3)
        #expect(a.names == ["z", "a", "m"])
        #expect(a["z"] == .integer(3))
        a["a"] = nil
        #expect(a.names == ["z", "m"] && a.count == 2)
        #expect(a.map(\.name) == ["z", "m"])
    }
}
