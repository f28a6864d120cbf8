import CGDAL
import Foundation
import Testing
import RiskCore
@testable import RiskGeo

@Suite struct RasterIOTests {
    @Test func geoTIFFRoundTripKeepsValuesCRSNodataAndUnits() throws {
        let dir = TemporaryDirectory()
        let grid = gkGrid(cell: 100, width: 3, height: 2)
        var options = RasterWriteOptions(units: "persons")
        options.nodata = -9999
        options.bandDescription = "population"
        options.metadata = ["RISKCENSUS_NODATA_MEANING": "unknown"]
        let values: [Float] = [0, 1.5, .nan, 4, .nan, 1e6]
        try GeoTIFFWriter.write(RasterBuffer(width: 3, height: 2, values: values), grid: grid, to: dir.file("pop.tif"), options: options)

        let ds = try RasterDataset(path: dir.file("pop.tif"))
        #expect(ds.driverName == "GTiff" && ds.width == 3 && ds.height == 2 && ds.bandCount == 1)
        #expect(ds.crs?.epsg == 4549)
        #expect(try ds.grid().transform == grid.transform)
        let band = try ds.band(1)
        #expect(band.nodata == -9999 && band.units == "persons" && band.dataType == .float32)
        #expect(ds.metadata("RISKCENSUS_NODATA_MEANING") == "unknown")
        let back: RasterBuffer<Float> = try ds.readBand(1)
        #expect(back == RasterBuffer(width: 3, height: 2, values: values))
        // Zero is a value, not unknown.
        #expect(back.values[0] == 0)
        // No temporary file is left beside the output.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["pop.tif"])
    }

    @Test func cogLayoutIsCloudOptimized() throws {
        let dir = TemporaryDirectory()
        let grid = gkGrid(cell: 10, width: 600, height: 400)
        let values = (0..<grid.cellCount).map { Double($0 % 97) }
        var o = RasterWriteOptions(units: "m", layout: .cog)
        o.metadata = ["UNITS_NOTE": "water depth"]
        try GeoTIFFWriter.write(RasterBuffer(width: 600, height: 400, values: values), grid: grid, to: dir.file("d.tif"), options: o)
        let ds = try RasterDataset(path: dir.file("d.tif"))
        #expect(ds.crs?.epsg == 4549)
        let layout = GDALGetMetadataItem(try ds.liveHandle(), "LAYOUT", "IMAGE_STRUCTURE").map { String(cString: $0) }
        #expect(layout == "COG")
        #expect(try ds.band(1).units == "m")
        let back: RasterBuffer<Double> = try ds.readBand(1)
        #expect(back.values == values)
    }

    @Test func readingAWindowTurnsNodataIntoNaN() throws {
        let dir = TemporaryDirectory()
        let grid = gkGrid(cell: 100, width: 4, height: 3)
        let path = try writeFixture([1, 2, 3, 4, 5, -1, 7, 8, 9, 10, -1, 12], grid: grid, to: dir.file("w.tif"), nodata: -1)
        let ds = try RasterDataset(path: path)
        var buf = RasterBuffer<Float>(width: 2, height: 2)
        try ds.read(band: 1, window: Window(colOff: 1, rowOff: 1, width: 2, height: 2), into: &buf)
        #expect(buf.values[0].isNaN && buf.values[1] == 7 && buf.values[2] == 10 && buf.values[3].isNaN)
    }

    @Test func badWindowsAndBandsAreTypedErrors() throws {
        let dir = TemporaryDirectory()
        let path = try writeFixture([1, 2, 3, 4], grid: gkGrid(cell: 1, width: 2, height: 2), to: dir.file("s.tif"))
        let ds = try RasterDataset(path: path)
        var big = RasterBuffer<Double>(width: 3, height: 1)
        #expect(throws: GeoError.self) { try ds.read(band: 1, window: Window(colOff: 0, rowOff: 0, width: 3, height: 1), into: &big) }
        var small = RasterBuffer<Double>(width: 1, height: 1)
        #expect(throws: GeoError.self) { try ds.read(band: 2, window: Window(colOff: 0, rowOff: 0, width: 1, height: 1), into: &small) }
        #expect(throws: GeoError.self) { try ds.read(band: 1, window: Window(colOff: 0, rowOff: 0, width: 2, height: 1), into: &small) }
    }

    @Test func missingFileCorruptFileAndTruncatedFileAreTypedErrors() throws {
        let dir = TemporaryDirectory()
        #expect(throws: GeoError.fileNotFound(path: dir.file("none.tif"))) { try RasterDataset(path: dir.file("none.tif")) }

        try Data("this is not a raster".utf8).write(to: URL(fileURLWithPath: dir.file("junk.tif")))
        do {
            _ = try RasterDataset(path: dir.file("junk.tif"))
            Issue.record("opening junk must fail")
        } catch {
            guard case .openFailed(let p, _, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(p == dir.file("junk.tif") && error.isBadInput)
        }

        // The real DEM cut short: the header opens, the pixels do not.
        let dem = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/datasets/olinda/olinda_dem_utm25s.tif"))
        try dem.prefix(20_000).write(to: URL(fileURLWithPath: dir.file("cut.tif")))
        do {
            _ = try DatasetInspector.describe(dir.file("cut.tif"))
            Issue.record("a truncated raster must fail")
        } catch {
            #expect(error.isBadInput)
            #expect(error.description.contains(dir.file("cut.tif")))
        }
    }

    @Test func gdalErrorsAreCaughtThroughTheSingleIndirection() {
        // A failure injected into GDAL's error state is reported even when the call "succeeds".
        #expect(throws: GeoError.readFailed(path: "x", operation: "op", reason: "injected")) {
            try GDALCall.check({ GeoError.readFailed(path: "x", operation: "op", reason: $0) }) { () -> Int? in
                riskcensus_cpl_error(CE_Failure, CPLE_AppDefined, "injected")
                return 1
            }
        }
        // A warning is not a failure.
        #expect((try? GDALCall.check({ _ in GeoError.fileNotFound(path: "") }) { () -> Int? in
            riskcensus_cpl_error(CE_Warning, CPLE_AppDefined, "just a warning")
            return 7
        }) == 7)
    }

    @Test func realDEMDescribesAsGdalinfoWould() throws {
        let d = try DatasetInspector.describe(repositoryRoot + "/datasets/olinda/olinda_dem_utm25s.tif")
        #expect(d.kind == "raster" && d.width == 111 && d.height == 111 && d.bandCount == 1)
        #expect(d.bands?.first?.type == "Float32" && d.bands?.first?.nodata == nil)
        #expect(d.crs.name.contains("UTM"))
        let b = try #require(d.bounds)
        #expect(abs((b[2] - b[0]) - 111 * 89.99406734945116) < 1e-6)
    }
}
