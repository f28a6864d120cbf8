import Foundation
import Testing
import RiskCore
@testable import RiskGeo

@Suite struct VectorIOTests {
    @Test func realDistrictsReadAsTypedFeatures() throws {
        let ds = try VectorDataset(path: repositoryRoot + "/datasets/changzhou/admin_districts.geojson")
        #expect(ds.driverName == "GeoJSON" && ds.layerCount == 1)
        let layer = try ds.layer(named: nil)
        #expect(try layer.featureCount() == 6)
        #expect(layer.crs?.epsg == 4326)
        let features = try layer.features()
        #expect(Set(features.compactMap { $0.attributes["adcode"]?.stringValue })
                == ["320402", "320404", "320411", "320412", "320413", "320481"])
        // Areas (km², from the data's README) are reals, vertex counts integers.
        let areas = features.compactMap { $0.attributes["area_km2"]?.doubleValue }
        #expect(abs(areas.reduce(0, +) - 4368.65) < 0.1)
        if case .integer = features[0].attributes["n_vertices"] {} else { Issue.record("n_vertices should be an integer") }
        for f in features {
            let b = try #require(f.geometry?.bounds)
            #expect(b.minX > 119 && b.maxX < 120.3 && b.minY > 31.1 && b.maxY < 32.1)
        }
    }

    /// Found by fuzz-geojson: GDAL's GeoJSON reader took texts that look like dates for dates
    /// and read them back reformatted; codes and names stay the texts they are.
    @Test func dateLikeTextsStayTexts() throws {
        let dir = TemporaryDirectory()
        let texts = ["2021-05-01", "2021/05/01", "12:30:00", "2021-05-01T12:30:00Z", "0601"]
        let features = texts.enumerated().map { i, t in
            "{\"type\":\"Feature\",\"properties\":{\"code\":\"\(t)\",\"n\":\(i)},\"geometry\":{\"type\":\"Point\",\"coordinates\":[120,31]}}"
        }
        try ("{\"type\":\"FeatureCollection\",\"features\":[" + features.joined(separator: ",") + "]}")
            .write(toFile: dir.file("d.geojson"), atomically: true, encoding: .utf8)
        var read: [String] = []
        try VectorDataset(path: dir.file("d.geojson")).layer(at: 0).forEachFeature { f in read.append(f.attributes["code"]?.stringValue ?? "?") }
        #expect(read == texts)
    }

    @Test func csvWithLonLatColumnsNeedsAStatedCRS() throws {
        let dir = TemporaryDirectory()
        try "id,lon,lat,value,name\n1,119.95,31.78,1000.5,a\n2,120.01,31.74,250,b\n"
            .write(toFile: dir.file("pts.csv"), atomically: true, encoding: .utf8)
        let bare = try VectorDataset(path: dir.file("pts.csv")).layer(named: nil)
        #expect(bare.crs == nil)
        #expect(throws: GeoError.self) { try bare.requireCRS() }

        let layer = try VectorDataset(path: dir.file("pts.csv"), assumedCRS: .wgs84).layer(named: nil)
        #expect(try layer.requireCRS().epsg == 4326)
        let fs = try layer.features()
        #expect(fs.count == 2)
        #expect(fs[0].geometry == .point(Position(119.95, 31.78)))
        // CSV fields are text, as written; numbers parse where they are needed.
        #expect(fs[0].attributes["value"] == .string("1000.5") && fs[0].attributes["value"]?.doubleValue == 1000.5)
        #expect(fs[1].attributes["id"] == .string("2"))
        #expect(fs[1].attributes["name"] == .string("b"))
        #expect(fs[0].attributes.names == ["id", "value", "name"])  // lon/lat became the geometry
    }

    @Test func csvWithAWKTColumn() throws {
        let dir = TemporaryDirectory()
        try "wkt,class\n\"LINESTRING (0 0,100 0)\",arterial\n\"POLYGON ((0 0,1 0,1 1,0 0))\",park\n"
            .write(toFile: dir.file("g.csv"), atomically: true, encoding: .utf8)
        let fs = try VectorDataset(path: dir.file("g.csv"), assumedCRS: .epsg(4549)).layer(named: nil).features()
        #expect(fs[0].geometry == .lineString([Position(0, 0), Position(100, 0)]))
        #expect(fs[1].geometry?.typeName == "Polygon")
        #expect(fs[1].attributes["class"] == .string("park"))
    }

    @Test(arguments: [VectorWriter.Format.geoPackage, .shapefile])
    func writtenLayersReadBackWithTheirSchemaAndCRS(format: VectorWriter.Format) throws {
        let dir = TemporaryDirectory()
        let path = dir.file(format == .geoPackage ? "b.gpkg" : "b.shp")
        let fields = [FieldDefinition(name: "structure", type: .string), FieldDefinition(name: "floors", type: .integer),
                      FieldDefinition(name: "area_m2", type: .real)]
        let features = (0..<3).map { i in
            Feature(geometry: .point(Position(500_000 + Double(i) * 10, 3_500_000)),
                    attributes: Attributes(["structure": .string("rc"), "floors": .integer(Int64(i + 1)), "area_m2": .real(120.5 * Double(i))]))
        }
        try VectorWriter.write(features, fields: fields, crs: .epsg(4549), layerName: "buildings", geometryType: "Point", to: path, format: format)
        let layer = try VectorDataset(path: path).layer(at: 0)
        #expect(try layer.featureCount() == 3)
        #expect(layer.crs?.epsg == 4549)
        #expect(layer.fields.map(\.name) == ["structure", "floors", "area_m2"])
        let back = try layer.features()
        #expect(back.map(\.geometry) == features.map(\.geometry))
        #expect(back[2].attributes["floors"] == .integer(3) && back[2].attributes["area_m2"] == .real(241))
    }

    @Test func missingAndUnreadableVectorFiles() throws {
        let dir = TemporaryDirectory()
        #expect(throws: GeoError.fileNotFound(path: dir.file("no.geojson"))) { try VectorDataset(path: dir.file("no.geojson")) }
        try "{\"type\": \"FeatureCollection\", \"features\": [".write(toFile: dir.file("cut.geojson"), atomically: true, encoding: .utf8)
        #expect(throws: GeoError.self) { try VectorDataset(path: dir.file("cut.geojson")) }
        let ds = try VectorDataset(path: repositoryRoot + "/datasets/changzhou/admin_city.geojson")
        #expect(throws: GeoError.self) { try ds.layer(named: "nope") }
        #expect(throws: GeoError.self) { try ds.layer(at: 3) }
    }
}
