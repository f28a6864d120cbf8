import Foundation
import Testing
@testable import RiskCensus

/// The viewer embeds vector layers only up to a size and says what it left out.
@Suite struct ViewerLayerTests {
    @Test func aLayerOverTheLimitIsLeftOutAndNamed() throws {
        let dir = TempDir(create: true)
        let small = #"{"type":"FeatureCollection","features":[]}"#
        let large = #"{"type":"FeatureCollection","features":[]"# + String(repeating: " ", count: Viewer.layerLimit + 1) + "}"
        try small.write(toFile: dir.file("districts.geojson"), atomically: true, encoding: .utf8)
        try large.write(toFile: dir.file("risk_zones.geojson"), atomically: true, encoding: .utf8)
        let files = try Viewer.write(into: dir.path, title: "t", breaks: [], levelRasters: [])
        #expect(files.contains("index.html") && files.contains("viewer-data.js"))
        let script = try String(contentsOfFile: dir.file("viewer-data.js"), encoding: .utf8)
        #expect(script.contains("window.RISKCENSUS.layers.districts = "))
        #expect(!script.contains("window.RISKCENSUS.layers.risk_zones = "))
        #expect(script.contains(#"omitted.push({"name": "risk_zones", "file": "risk_zones.geojson", "bytes": \#(Viewer.layerLimit + 43)})"#))
        #expect(script.count < 100_000)
    }
}
