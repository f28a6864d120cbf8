import CGDAL
import Foundation
import RiskCore
import Testing
@testable import RiskGeo

/// The GIS-ready writers: a COG with overviews, a colour table and category names; a tile
/// pyramid that colours classes as the table does; a GeoPackage whose layers keep the source's
/// fields and carry style rows.
@Suite struct GISOutputTests {
    /// 600 × 400 cells of classes 1…5 in bands, 0 (nodata) in the first rows.
    func classes(_ dir: TemporaryDirectory) throws -> (String, GridSpec) {
        let grid = gkGrid(cell: 100, width: 600, height: 400)
        var o = RasterWriteOptions(units: "level", layout: .cog, dataType: .byte)
        o.nodata = 0
        o.overviewResampling = "MODE"
        o.bandDescription = "level"
        o.colorTable = [.init(value: 0, r: 0, g: 0, b: 0, a: 0), .init(value: 1, r: 189, g: 0, b: 38), .init(value: 5, r: 255, g: 255, b: 178)]
        o.categoryNames = ["no data", "I", "II", "III", "IV", "V"]
        var values = [Float](repeating: .nan, count: grid.cellCount)
        for i in (600 * 10)..<grid.cellCount {
            let column = i % 600
            values[i] = Float(1 + column / 120)
        }
        let path = dir.file("levels.tif")
        let s = try GeoTIFFStream(path: path, grid: grid, options: o)
        try s.write(values, window: grid.fullWindow)
        try s.finish()
        return (path, grid)
    }

    @Test func aClassRasterIsACOGWithOverviewsColoursAndNames() throws {
        let dir = TemporaryDirectory()
        let (path, _) = try classes(dir)
        // As GIS tools open it: listing the folder, so GDAL finds the names in levels.tif.aux.xml
        // (the engine's own reads skip sidecar files).
        CPLSetThreadLocalConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "NO")
        let ds = try #require(GDALOpen(path, GA_ReadOnly))
        CPLSetThreadLocalConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", nil)
        defer { GDALClose(ds) }
        let band = GDALGetRasterBand(ds, 1)
        #expect(GDALGetOverviewCount(band) >= 1, "no overviews")
        let table = try #require(GDALGetRasterColorTable(band))
        let one = try #require(GDALGetColorEntry(table, 1)?.pointee)
        #expect((one.c1, one.c2, one.c3) == (189, 0, 38))
        let names = try #require(GDALGetRasterCategoryNames(band))
        #expect(String(cString: names[1]!) == "I" && String(cString: names[5]!) == "V")
        #expect(String(cString: GDALGetDescription(band)) == "level")
        // Mode overviews keep classes: every overview value is a class or nodata.
        let ov = GDALGetOverview(band, 0)
        let w = Int(GDALGetRasterBandXSize(ov)), h = Int(GDALGetRasterBandYSize(ov))
        var values = [UInt8](repeating: 0, count: w * h)
        #expect(GDALRasterIO(ov, GF_Read, 0, 0, Int32(w), Int32(h), &values, Int32(w), Int32(h), GDT_Byte, 0, 0) == CE_None)
        #expect(Set(values).isSubset(of: [0, 1, 2, 3, 4, 5]))
        let layout = GDALGetMetadataItem(ds, "LAYOUT", "IMAGE_STRUCTURE").map { String(cString: $0) }
        #expect(layout == "COG")
    }

    @Test func tilesColourTheClassesAsTheTableDoes() throws {
        let dir = TemporaryDirectory()
        let (path, _) = try classes(dir)
        try FileManager.default.createDirectory(atPath: dir.file("tiles"), withIntermediateDirectories: true)
        let s = try TilePyramid.write(source: path, to: dir.file("tiles"))
        #expect(s.tiles > 0 && s.minZoom <= s.maxZoom)
        // 100 m cells: the finest zoom's pixels are at most 100 m (zoom 11 is 76 m at the equator).
        #expect(s.maxZoom >= 11)
        #expect(s.bounds[0] < s.bounds[2] && s.bounds[1] < s.bounds[3] && (117...123).contains(s.bounds[0]))
        // Every pixel of every finest tile is transparent or a colour of the table.
        let allowed: Set<[UInt8]> = [[189, 0, 38, 255], [255, 255, 178, 255], [0, 0, 0, 255]]
        var seen = Set<[UInt8]>()
        let finest = dir.file("tiles/\(s.maxZoom)")
        for case let f as String in FileManager.default.enumerator(atPath: finest)! where f.hasSuffix(".png") {
            let ds = try #require(GDALOpen(finest + "/" + f, GA_ReadOnly))
            defer { GDALClose(ds) }
            #expect(GDALGetRasterCount(ds) == 4 && GDALGetRasterXSize(ds) == 256)
            var px = [UInt8](repeating: 0, count: 256 * 256 * 4)
            var bands: [Int32] = [1, 2, 3, 4]
            #expect(GDALDatasetRasterIO(ds, GF_Read, 0, 0, 256, 256, &px, 256, 256, GDT_Byte, 4, &bands, 4, 1024, 1) == CE_None)
            for i in stride(from: 0, to: px.count, by: 4) where px[i + 3] != 0 { seen.insert(Array(px[i..<i + 4])) }
        }
        #expect(seen.contains([189, 0, 38, 255]) && seen.contains([255, 255, 178, 255]))
        #expect(seen.isSubset(of: allowed), "colours outside the table: \(seen.subtracting(allowed))")
    }

    @Test func aGeoPackageCopiesLayersAndHoldsTheirStyles() throws {
        let dir = TemporaryDirectory()
        let json = dir.file("units.geojson")
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{"name":"天宁区","code":"0320","eal":1.5},"geometry":{"type":"Polygon","coordinates":[[[119,31],[120,31],[120,32],[119,31]]]}},{"type":"Feature","id":2,"properties":{"name":"b","code":"007","eal":null},"geometry":{"type":"MultiPolygon","coordinates":[[[[119,31],[120,31],[120,32],[119,31]]]]}}]}"#
            .write(toFile: json, atomically: true, encoding: .utf8)
        let gpkg = dir.file("out.gpkg")
        let w = try GeoPackageWriter(path: gpkg)
        try w.copyLayer(from: json, as: "districts")
        try w.addStyle(layer: "districts", name: "districts", qml: "<qgis/>", sld: "<StyledLayerDescriptor/>", description: "test")
        #expect(!FileManager.default.fileExists(atPath: gpkg), "the package appears only when finished")
        try w.finish()
        let layer = try VectorDataset(path: gpkg).layer(named: "districts")
        var features: [Feature] = []
        try layer.forEachFeature { (f: Feature) throws(GeoError) in features.append(f) }
        #expect(features.count == 2)
        #expect(features[0].attributes["code"] == .string("0320"), "ids keep their leading zeros")
        #expect(features[0].attributes["name"] == .string("天宁区"))
        #expect(features.allSatisfy { if case .multiPolygon = $0.geometry { true } else { false } }, "one geometry type per layer")
        let styles = try VectorDataset(path: gpkg).layer(named: "layer_styles")
        var rows: [Feature] = []
        try styles.forEachFeature { (f: Feature) throws(GeoError) in rows.append(f) }
        #expect(rows.count == 1 && rows[0].attributes["f_table_name"] == .string("districts") && rows[0].attributes["styleQML"] == .string("<qgis/>"))
        #expect(rows[0].attributes["f_geometry_column"] == .string("geom"))
    }
}
