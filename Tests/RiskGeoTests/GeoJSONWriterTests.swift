import Foundation
import Testing
import RiskCore
@testable import RiskGeo

/// The checks an RFC 7946 validator makes on the structure we write.
private func rfc7946Problems(_ text: String) throws -> [String] {
    var problems: [String] = []
    let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    if root["type"] as? String != "FeatureCollection" { problems.append("not a FeatureCollection") }
    if root["crs"] != nil { problems.append("top-level crs member") }
    func position(_ p: Any) {
        guard let xy = p as? [Double], xy.count >= 2 else { problems.append("bad position \(p)"); return }
        if !(-180...180).contains(xy[0]) || !(-90...90).contains(xy[1]) { problems.append("out of range \(xy)") }
    }
    func ring(_ r: Any, exterior: Bool) {
        guard let ps = r as? [[Double]], ps.count >= 4, ps.first == ps.last else { problems.append("ring not closed"); return }
        ps.forEach(position)
        let ccw = RingOrientation.isCounterClockwise(ps.map { Position($0[0], $0[1]) })
        if ccw != exterior { problems.append(exterior ? "exterior ring not counterclockwise" : "hole not clockwise") }
    }
    func polygon(_ p: Any) {
        guard let rings = p as? [Any], !rings.isEmpty else { problems.append("empty polygon"); return }
        for (i, r) in rings.enumerated() { ring(r, exterior: i == 0) }
    }
    for case let f as [String: Any] in root["features"] as? [Any] ?? [] {
        if f["crs"] != nil { problems.append("feature crs member") }
        guard let g = f["geometry"] as? [String: Any], let c = g["coordinates"] else { continue }
        switch g["type"] as? String {
        case "Point": position(c)
        case "LineString", "MultiPoint": (c as? [Any])?.forEach(position)
        case "Polygon": polygon(c)
        case "MultiPolygon": (c as? [Any])?.forEach(polygon)
        default: break
        }
    }
    // No coordinate carries more than 6 decimals.
    let coordinates = try Regex(#"\"coordinates\":[-0-9.,\[\]]*"#)
    for m in text.matches(of: coordinates) where text[m.range].contains(try Regex(#"\d\.\d{7,}"#)) {
        problems.append("coordinates with more than 6 decimals")
    }
    return problems
}

@Suite struct GeoJSONWriterTests {
    /// A 1 km square in EPSG:4549 wound clockwise, with a counterclockwise hole: both wrong for RFC 7946.
    private let badlyWound = Feature(id: 7, geometry: .polygon(Polygon(
        exterior: [Position(500_000, 3_500_000), Position(500_000, 3_501_000), Position(501_000, 3_501_000),
                   Position(501_000, 3_500_000), Position(500_000, 3_500_000)],
        holes: [[Position(500_200, 3_500_200), Position(500_400, 3_500_200), Position(500_400, 3_500_400),
                 Position(500_200, 3_500_400), Position(500_200, 3_500_200)]])),
        attributes: Attributes(["name": .string("天宁区 \"core\""), "level": .integer(2), "risk": .real(0.123456789),
                                "unknown": .real(.nan), "flag": .bool(true), "none": .null]))

    @Test func outputIsRFC7946Valid() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("zones.geojson")
        let options = GeoJSONOptions(foreignMembers: [(name: "riskcensus", json: #"{"source_crs":"EPSG:4549"}"#)])
        try GeoJSONFileWriter.write([badlyWound, Feature(geometry: .point(Position(500_000, 3_500_000)))],
                                    from: .epsg(4549), to: path, options: options)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let problems = try rfc7946Problems(text)
        #expect(problems == [])
        let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect((root["riskcensus"] as? [String: String])?["source_crs"] == "EPSG:4549")
        let props = ((root["features"] as! [[String: Any]])[0]["properties"] as! [String: Any])
        #expect(props["name"] as? String == "天宁区 \"core\"")
        #expect(props["unknown"] is NSNull)  // NaN is written as null, never as a number
        #expect(props["risk"] as? Double == 0.123456789)  // properties keep full precision
        #expect((root["features"] as! [[String: Any]])[0]["id"] as? Int == 7)
        // The point on CM 120°E comes back at longitude 120 exactly (to 6 decimals).
        let pt = (((root["features"] as! [[String: Any]])[1]["geometry"] as! [String: Any])["coordinates"] as! [Double])
        #expect(pt[0] == 120)
        // GDAL reads it back as WGS 84.
        let layer = try VectorDataset(path: path).layer(at: 0)
        #expect(layer.crs?.epsg == 4326)
        #expect(try layer.featureCount() == 2)
    }

    @Test func precisionIsConfigurable() throws {
        let dir = TemporaryDirectory()
        try GeoJSONFileWriter.write([Feature(geometry: .point(Position(120.123456789, -31.987654321)))], from: .wgs84,
                                    to: dir.file("p.geojson"), options: GeoJSONOptions(precision: 3))
        let text = try String(contentsOfFile: dir.file("p.geojson"), encoding: .utf8)
        #expect(text.contains("[120.123,-31.988]"))
    }

    @Test func numberFormatting() {
        #expect(JSONText.fixed(120.0000004, 6) == "120")
        #expect(JSONText.fixed(-0.0000004, 6) == "0")
        #expect(JSONText.fixed(-31.5, 6) == "-31.5")
        #expect(JSONText.fixed(0.000001, 6) == "0.000001")
        #expect(JSONText.fixed(1.0000015, 6) == "1.000002")
        #expect(JSONText.fixed(.nan, 6) == "null")
        #expect(JSONText.number(1e-7) == "1e-07")
        #expect(JSONText.number(3) == "3")
        #expect(JSONText.string("a\nb\u{1}") == "\"a\\nb\\u0001\"")
    }

    @Test func failuresLeaveNoFileUnderTheFinalName() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("bad.geojson")
        // A position that is not finite cannot be transformed: the write fails and nothing remains.
        #expect(throws: GeoError.self) {
            try GeoJSONFileWriter.write([Feature(geometry: .point(Position(.nan, 0)))], from: .epsg(4549), to: path)
        }
        #expect(throws: GeoError.self) {
            try GeoJSONFileWriter.write([Feature(geometry: .point(Position(200, 0)))], from: .wgs84, to: path)
        }
        #expect(throws: GeoError.self) {
            try GeoJSONFileWriter(path: path, sourceCRS: .wgs84, options: GeoJSONOptions(foreignMembers: [(name: "crs", json: "{}")]))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [])
    }
}
