import Foundation
import Testing
import RiskCore
@testable import RiskGeo

/// What `InputPolicy` lets readers open: local files in allowed formats, no network unless a
/// host is listed, no special files, nothing outside a data root.
@Suite struct InputPolicyTests {
    private func refusal(_ body: () throws -> Void) -> GeoError? {
        do { try body(); return nil } catch let e as GeoError { return e } catch { return nil }
    }

    @Test func remotePathsAreRefusedWithRemoteInputsOff() {
        for p in ["/vsicurl/http://127.0.0.1:9/none", "/vsis3/bucket/key.none", "/vsigs/b/k.tif", "/vsiaz/c/k.tif",
                  "https://example.org/a.tif", "HTTP://example.org/a.tif", "s3://bucket/a.tif", "ftp://h/a.tif",
                  "/vsizip//vsicurl/http://x/a.zip/a.tif", "/vsizip/{/vsis3/b/a.zip}/a.tif", "/vsicurl_streaming/https://h/x"] {
            let e = refusal { _ = try InputPolicy.localOnly.check(p) }
            #expect(e?.exitCode == 2, "\(p)")
            #expect(e?.description.contains("remote inputs are off") == true, "\(p): \(String(describing: e))")
        }
    }

    @Test func onlyListedHostsAreReached() throws {
        let policy = InputPolicy(remote: [.init(scheme: "https", host: "data.example.org")])
        #expect(try policy.check("https://data.example.org/flood.tif") == .remote(.init(scheme: "https", host: "data.example.org")))
        #expect(try policy.check("/vsicurl/https://DATA.example.org/flood.tif") == .remote(.init(scheme: "https", host: "data.example.org")))
        let other = refusal { _ = try policy.check("https://evil.example.com/flood.tif") }
        #expect(other?.description.contains("not among the remote inputs") == true)
        #expect(refusal { _ = try policy.check("http://data.example.org/flood.tif") } != nil, "the scheme is part of the allowance")
        #expect(refusal { _ = try policy.check("/vsis3/data.example.org/flood.tif") } != nil)
        #expect(InputPolicy.gdalPath("https://h/a.tif") == "/vsicurl/https://h/a.tif")
        #expect(InputPolicy.gdalPath("s3://b/k.tif") == "/vsis3/b/k.tif")
    }

    @Test func specialFilesConnectionStringsAndOtherHandlersAreRefused() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: dir.file("env.csv"), withDestinationPath: "/proc/self/environ")
        for p in ["/proc/self/environ", "/dev/zero", "/sys/kernel/mm", dir.file("env.csv"), "PG:host=db", "WMS:http://x",
                  "vrt://a.tif", "NETCDF:\"a.nc\":v", "/vsistdin/", "/vsicrypt/key=x,file=/tmp/a", "/vsigzip//proc/self/environ",
                  "<GDAL_WMS><Service name=\"WMS\"/></GDAL_WMS>", "{\"type\":\"FeatureCollection\",\"features\":[]}", ""] {
            let e = refusal { _ = try InputPolicy.localOnly.check(p) }
            #expect(e?.exitCode == 2, "\(p): \(String(describing: e))")
        }
        mkfifo(dir.file("pipe.tif"), 0o600)
        #expect(refusal { _ = try InputPolicy.localOnly.check(dir.file("pipe.tif")) }?.description.contains("not a regular file") == true)
    }

    @Test func aDataRootConfinesLocalPaths() throws {
        let root = TemporaryDirectory(), outside = TemporaryDirectory()
        try Data("x".utf8).write(to: URL(fileURLWithPath: root.file("in.csv")))
        try Data("x".utf8).write(to: URL(fileURLWithPath: outside.file("out.csv")))
        try FileManager.default.createSymbolicLink(atPath: root.file("link.csv"), withDestinationPath: outside.file("out.csv"))
        let policy = InputPolicy(dataRoot: root.path)
        #expect(throws: Never.self) { try policy.check(root.file("in.csv")) }
        for p in [outside.file("out.csv"), root.file("link.csv"), root.path + "/../" + (outside.path as NSString).lastPathComponent + "/out.csv"] {
            #expect(refusal { _ = try policy.check(p) }?.description.contains("outside the data root") == true, "\(p)")
        }
    }

    @Test func aVRTWithARemoteOrSpecialSourceIsBadInputAndNeverOpened() throws {
        let dir = TemporaryDirectory()
        let grid = gkGrid(cell: 10, width: 4, height: 4)
        try writeFixture(Array(repeating: 1, count: 16), grid: grid, to: dir.file("local.tif"))
        func vrt(_ source: String, relative: Bool = false) -> String {
            """
            <VRTDataset rasterXSize="4" rasterYSize="4"><VRTRasterBand dataType="Float64" band="1">
            <SimpleSource><SourceFilename relativeToVRT="\(relative ? 1 : 0)">\(source)</SourceFilename><SourceBand>1</SourceBand></SimpleSource>
            </VRTRasterBand></VRTDataset>
            """
        }
        try vrt("local.tif", relative: true).write(toFile: dir.file("ok.vrt"), atomically: true, encoding: .utf8)
        #expect(try RasterDataset(path: dir.file("ok.vrt")).width == 4)
        try vrt("ok.vrt", relative: true).write(toFile: dir.file("nested-ok.vrt"), atomically: true, encoding: .utf8)
        #expect(try RasterDataset(path: dir.file("nested-ok.vrt")).width == 4)
        let cases = ["/vsicurl/http://127.0.0.1:9/x.tif": "remote inputs are off", "/proc/self/environ": "/proc",
                     "&lt;GDAL_WMS&gt;&lt;/GDAL_WMS&gt;": "inline"]
        for (source, fragment) in cases {
            try vrt(source, relative: !source.hasPrefix("/")).write(toFile: dir.file("bad.vrt"), atomically: true, encoding: .utf8)
            let e = refusal { _ = try RasterDataset(path: dir.file("bad.vrt")) }
            #expect(e?.exitCode == 3 && e?.description.contains(fragment) == true && e?.description.contains("VRT source #1") == true,
                    "\(source): \(String(describing: e))")
            // One level down, the same.
            try vrt("bad.vrt", relative: true).write(toFile: dir.file("outer.vrt"), atomically: true, encoding: .utf8)
            #expect(refusal { _ = try RasterDataset(path: dir.file("outer.vrt")) }?.exitCode == 3)
        }
        // A missing source is GDAL's to report, on the reads that need it.
        try vrt("missing.tif", relative: true).write(toFile: dir.file("gap.vrt"), atomically: true, encoding: .utf8)
        var one = RasterBuffer<Double>(width: 1, height: 1)
        let gap = refusal { try RasterDataset(path: dir.file("gap.vrt")).read(band: 1, window: Window(width: 1, height: 1), into: &one) }
        #expect(gap?.exitCode == 3 && gap?.description.contains("missing.tif") == true, "\(String(describing: gap))")
        // A VRT naming itself is bounded, not a hang.
        try vrt("self.vrt", relative: true).write(toFile: dir.file("self.vrt"), atomically: true, encoding: .utf8)
        #expect(refusal { _ = try RasterDataset(path: dir.file("self.vrt")) }?.description.contains("nested") == true)
    }

    @Test func aWholeBandReadIsCheckedAgainstTheBudget() throws {
        let dir = TemporaryDirectory()
        let huge = """
            <VRTDataset rasterXSize="1000000" rasterYSize="1000000"><SRS>EPSG:4549</SRS>
            <GeoTransform>500000,1,0,3500000,0,-1</GeoTransform><VRTRasterBand dataType="Float32" band="1"/></VRTDataset>
            """
        try huge.write(toFile: dir.file("huge.vrt"), atomically: true, encoding: .utf8)
        let ds = try RasterDataset(path: dir.file("huge.vrt"))
        let e = refusal { _ = try ds.readBand(1, as: Float.self) }
        guard case .overBudget(_, _, let bytes, _)? = e else { Issue.record("expected overBudget, got \(String(describing: e))"); return }
        #expect(bytes == 4_000_000_000_000 && e?.exitCode == 3 && e?.description.contains("huge.vrt") == true)
    }
}
