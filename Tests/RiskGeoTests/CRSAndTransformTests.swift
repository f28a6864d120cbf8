import Testing
import RiskCore
@testable import RiskGeo

@Suite struct CRSAndTransformTests {
    @Test func epsgCodesResolveToNamesAndWKT() throws {
        let gk = try CRS.epsg(4549).resolved()
        #expect(gk.epsg == 4549)
        #expect(gk.name.contains("CGCS2000"))
        #expect(gk.wkt.hasPrefix("PROJCRS"))
        #expect(try CRS.parse("EPSG:4326").epsg == 4326)
        // A WKT without an authority is identified when it matches one EPSG CRS exactly.
        let anonymous = CRS(wkt: gk.wkt.replacingOccurrences(of: "ID[\"EPSG\",4549]", with: ""))
        #expect(try anonymous.resolved().epsg == 4549)
        #expect(try gk.isEquivalent(to: .epsg(4549)))
        #expect(try !gk.isEquivalent(to: .wgs84))
    }

    @Test func unknownDefinitionsAreTypedErrors() {
        #expect(throws: GeoError.self) { try CRS.parse("EPSG:999999") }
        #expect(throws: GeoError.self) { try CRS.parse("not a crs") }
        #expect(throws: GeoError.self) { try CRS(wkt: "", epsg: nil, name: "nothing").resolved() }
    }

    @Test func transformsAreAlwaysLonLatOrder() throws {
        // On the central meridian of UTM 31N at the equator: false easting 500 000 m, northing 0.
        // Were the input read as lat/lon, (3, 0) would land near x = 166 000 m.
        let utm = try CoordinateTransformer(from: .wgs84, to: .epsg(32631))
        let p = try utm.transform(Position(3, 0))
        #expect(abs(p.x - 500_000) < 1e-6 && abs(p.y) < 1e-6)
        // On CM 120°E, EPSG:4549's easting is the false easting 500 000 m.
        let gk = try CoordinateTransformer(from: .wgs84, to: .epsg(4549))
        let q = try gk.transform(Position(120, 31.5))
        #expect(abs(q.x - 500_000) < 1e-6)
        #expect(q.y > 3_480_000 && q.y < 3_500_000)
        let back = try CoordinateTransformer(from: .epsg(4549), to: .wgs84).transform(q)
        #expect(abs(back.x - 120) < 1e-9 && abs(back.y - 31.5) < 1e-9)
    }

    @Test func wholeGeometriesTransformAndBadPositionsFail() throws {
        let t = try CoordinateTransformer(from: .wgs84, to: .epsg(4549))
        let g = Geometry.polygon(Polygon(exterior: [Position(119.9, 31.5), Position(120.1, 31.5), Position(120.1, 31.6), Position(119.9, 31.5)]))
        guard case .polygon(let p) = try t.transform(g) else { Issue.record("type changed"); return }
        #expect(p.exterior.count == 4 && p.exterior[0] == p.exterior[3])
        #expect(p.exterior[0].x < 500_000 && p.exterior[1].x > 500_000)
        #expect(throws: GeoError.self) { try t.transform(Position(.nan, 31)) }
        #expect(throws: GeoError.self) { try CoordinateTransformer(from: .wgs84, to: .epsg(999999)) }
    }
}
