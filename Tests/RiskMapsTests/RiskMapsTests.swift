import Foundation
import Testing
import RiskCore
@testable import RiskMaps

/// Classes, scale bars and the two output formats of a map page.
@Suite struct RiskMapsTests {
    @Test func classesColourByUpperBounds() {
        let c = Classes(bounds: [1, 10], colors: Palette.ylOrRd5.prefix(3).map { $0 }, labels: ["a", "b", "c"])
        #expect(c.color(0.5) == Palette.ylOrRd5[0] && c.color(1) == Palette.ylOrRd5[0])   // a bound belongs to the lower class
        #expect(c.color(5) == Palette.ylOrRd5[1] && c.color(11) == Palette.ylOrRd5[2] && c.color(.nan) == nil)
        let log = Classes.logarithmic(lo: 2, count: 4, colors: Palette.blues7.prefix(4).map { $0 }, unit: "CNY")
        #expect(log.bounds == [100, 1000, 10_000])
        #expect(log.labels == ["≤ 100 CNY", "100 – 1000 CNY", "1000 – 10k CNY", "> 10k CNY"])
        #expect(Classes.number(2_500_000) == "2.5M" && Classes.number(0.05) == "0.05" && Classes.number(12.5) == "12.5")
    }

    @Test func scaleBarLengthsAreRound() {
        #expect(MapFrame.niceLength(4_300) == 5_000)
        #expect(MapFrame.niceLength(1_400) == 1_000)
        #expect(MapFrame.niceLength(26_000) == 20_000)
        #expect(abs(MapFrame.niceLength(0.3) - 0.2) < 1e-12)
    }

    @Test func aPageIsWrittenAsPNGAndSVG() throws {
        let dir = NSTemporaryDirectory() + "maps-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let grid = GridSpec(transform: .northUp(west: 0, north: 1000, cellWidth: 100, cellHeight: 100), width: 10, height: 10, crs: .epsg(32650))
        let figure = MapFigure(title: "Test", subtitle: "a 10 × 10 grid", source: "tests", extent: Bounds(minX: 0, minY: 0, maxX: 1000, maxY: 1000),
                               legend: [LegendSection(title: "Levels", items: [(.box(Palette.ylOrRd5[4]), "I")])])
        for format in [Canvas.Format.png, .svg] {
            let path = dir + "/page." + format.rawValue
            try figure.render(to: path, format: format) { f in
                f.raster(grid, colors: (0..<100).map { $0 % 2 == 0 ? Palette.ylOrRd5[$0 % 5] : nil })
                f.geometry(.polygon(Polygon(exterior: [Position(100, 100), Position(900, 100), Position(900, 900), Position(100, 100)])),
                           fill: nil, stroke: .black)
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            if format == .png {
                // 8 × 6 inches at 150 dpi: the IHDR chunk holds 1200 × 900.
                #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
                let be = { (o: Int) in data[o..<o + 4].reduce(0) { $0 << 8 | Int($1) } }
                #expect(be(16) == 1200 && be(20) == 900)
            } else {
                let text = String(decoding: data, as: UTF8.self)
                #expect(text.contains("<svg") && text.contains("width=\"576pt\"") && text.contains("<image"))
            }
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
        // The only test that draws in this process: release the font caches for LeakSanitizer.
        Canvas.releaseCaches()
    }
}
