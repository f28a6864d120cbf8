import Foundation
import Testing

/// End-to-end tests of the built `riskcensus` binary.
private struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
}

private func run(_ args: [String]) throws -> Result {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try binaryPath())
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Both pipes are drained at once: a process that fills one (a long report on stderr) while
    // the other is read to its end would wait forever.
    let errData = ErrData()
    let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let e = errData.wait()
    return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

private final class ErrData: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()
    func set(_ d: Data) { data = d; done.signal() }
    func wait() -> Data { done.wait(); return data }
}

private func json(_ s: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
}

@Suite struct CLITests {
    /// Peer data as PySAL's San Francisco example writes it: an unnamed row-number column,
    /// tract ids with leading zeros and dots in NAME (ID holds another id), POP2000 weights,
    /// long/lat columns, stores in NAME without capacities, and a network OD matrix with its
    /// own column names. Uncapacitated p-median through the command, ids kept as written.
    @Test func peerStyleTractsWithNetworkODAndUncapacitatedSiting() throws {
        let dir = NSTemporaryDirectory() + "sf-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        "","OBJECTID","ID","NAME","POP2000","long","lat"
        "1","1","06081602900","060816029.00",4135,-122.488653101,37.650807231
        "2","2","06075047901","060750479.01",6540,-122.504615497,37.7744204200001
        "3","3","06075032900","060750329.00",8452,-122.490060524,37.748872362

        """.write(toFile: dir + "/tracts.csv", atomically: true, encoding: .utf8)
        try """
        "","OBJECTID","NAME","long","lat"
        "1","1","Store_1",-122.510018182,37.7723636370001
        "2","2","Store_2",-122.488872727,37.7537636360001

        """.write(toFile: dir + "/stores.csv", atomically: true, encoding: .utf8)
        try """
        distance,name,DestinationName,demand
        671.5,Store_1,060750479.01,6540
        4044.3,Store_1,060750329.00,8452
        15257.9,Store_1,060816029.00,4135
        663.5,Store_2,060750329.00,8452
        3539.7,Store_2,060750479.01,6540
        13000.0,Store_2,060816029.00,4135

        """.write(toFile: dir + "/od.csv", atomically: true, encoding: .utf8)
        let r = try run(["coverage", "--demand", dir + "/tracts.csv", "--weight-field", "POP2000", "--id-field", "NAME",
                         "--candidates", dir + "/stores.csv", "--cost-matrix", dir + "/od.csv",
                         "--cost-columns", "DestinationName,name,distance", "--siting", "pmedian", "--p", "1", "--out", dir + "/out"])
        #expect(r.status == 0, "\(r.stderr)")
        // Store_2: 8452 × 663.5 + 6540 × 3539.7 + 4135 × 13000 beats Store_1's total.
        #expect(try String(contentsOfFile: dir + "/out/siting.csv", encoding: .utf8) == "id,selected\nStore_1,0\nStore_2,1\n")
        let demand = try String(contentsOfFile: dir + "/out/demand.csv", encoding: .utf8)
        #expect(demand.contains("\n060816029.00,4135,") && demand.contains("\n060750479.01,6540,"))
        // Without --id-field the ID column is taken, which the OD matrix does not use: said plainly.
        let wrong = try run(["coverage", "--demand", dir + "/tracts.csv", "--weight-field", "POP2000",
                             "--candidates", dir + "/stores.csv", "--id-field", "NAME", "--cost-matrix", dir + "/od.csv",
                             "--siting", "pmedian", "--p", "1", "--out", dir + "/out2"])
        #expect(wrong.status == 3 && wrong.stderr.contains("od.csv") && wrong.stderr.contains("demand_id"))
    }

    @Test func inspectRealDEMAsJSON() throws {
        let r = try run(["inspect", "--json", "datasets/olinda/olinda_dem_utm25s.tif"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(r.stdout)
        #expect(j["kind"] as? String == "raster" && j["driver"] as? String == "GTiff")
        #expect(j["width"] as? Int == 111 && j["height"] as? Int == 111 && j["band_count"] as? Int == 1)
        let crs = try #require(j["crs"] as? [String: Any])
        #expect(crs.keys.sorted() == ["epsg", "name"])
        #expect((crs["name"] as? String)?.contains("UTM") == true)
        #expect((j["bounds"] as? [Double])?.count == 4)
        let bands = try #require(j["bands"] as? [[String: Any]])
        #expect(bands.count == 1 && bands[0]["type"] as? String == "Float32" && bands[0]["nodata"] is NSNull)
    }

    @Test func inspectRealDistrictsAsJSON() throws {
        let r = try run(["inspect", "--json", "datasets/changzhou/admin_districts.geojson"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(r.stdout)
        #expect(j["kind"] as? String == "vector")
        #expect((j["crs"] as? [String: Any])?["epsg"] as? Int == 4326)
        let layers = try #require(j["layers"] as? [[String: Any]])
        #expect(layers.count == 1 && layers[0]["feature_count"] as? Int == 6)
        #expect((layers[0]["fields"] as? [[String: Any]])?.contains { $0["name"] as? String == "adcode" } == true)
        #expect(layers[0]["geometry_type"] as? String == "Multi Polygon")
    }

    @Test func inspectTextIsBrief() throws {
        let r = try run(["inspect", "datasets/olinda/olinda_dem_utm25s.tif"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("111 × 111"))
        #expect(r.stdout.split(separator: "\n").count <= 6)
    }

    @Test func truncatedDEMExitsThreeNamingTheFile() throws {
        let tmp = NSTemporaryDirectory() + "truncated-\(UUID().uuidString).tif"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let dem = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/datasets/olinda/olinda_dem_utm25s.tif"))
        try dem.prefix(dem.count / 2).write(to: URL(fileURLWithPath: tmp))
        let r = try run(["inspect", "--json", tmp])
        #expect(r.status == 3)
        #expect(r.stderr.contains(tmp))
        #expect(r.stderr.split(separator: "\n").count == 1)  // one line, no stack trace
        #expect(r.stdout.isEmpty)
    }

    @Test func missingAndUnreadableFilesExitThree() throws {
        let missing = try run(["inspect", "no/such/file.tif"])
        #expect(missing.status == 3 && missing.stderr.contains("no/such/file.tif"))
        let junk = NSTemporaryDirectory() + "junk-\(UUID().uuidString).tif"
        defer { try? FileManager.default.removeItem(atPath: junk) }
        try Data("not a raster".utf8).write(to: URL(fileURLWithPath: junk))
        let r = try run(["inspect", junk])
        #expect(r.status == 3 && r.stderr.contains(junk))
    }

    @Test func badUsageExitsTwo() throws {
        #expect(try run(["inspect"]).status == 2)
        #expect(try run(["no-such-command"]).status == 2)
        #expect(try run(["inspect", "--bogus", "x"]).status == 2)
    }

    @Test func helpAndVersionExitZero() throws {
        let h = try run(["--help"])
        #expect(h.status == 0 && h.stdout.contains("inspect"))
        #expect(try run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }
}

import RiskCensus

@Suite struct CensusCLITests {
    private func sample() throws -> (dir: String, manifest: String) {
        let dir = NSTemporaryDirectory() + "cli-census-" + UUID().uuidString
        return (dir, try SampleCensus.write(into: dir))
    }

    @Test func validatePrintsThePlanAndRunWritesTheOutputs() throws {
        let (dir, manifest) = try sample()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let v = try run(["validate", manifest])
        #expect(v.status == 0, "\(v.stderr)")
        #expect(v.stdout.contains("valid") && v.stdout.contains("cells of 100.0 m") && v.stdout.contains("MiB peak memory"))
        let r = try run(["run", manifest, "--out", dir + "/out", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("pass 1") && r.stderr.contains("pass 2"))
        for f in ["risk_cells.geojson", "risk_zones.geojson", "risk_level.tif", "risk_index.tif", "eal.tif",
                  "districts.geojson", "districts.csv", "plan_targets.json", "provenance.json"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/out/" + f), "\(f) missing")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/out").allSatisfy { !$0.contains(".tmp") })
    }

    @Test func manifestProblemsExitTwoAndBadDataExitThree() throws {
        let (dir, manifest) = try sample()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = try String(contentsOfFile: manifest, encoding: .utf8)
        try yaml.replacingOccurrences(of: "depth_rp10.tif", with: "gone.tif").write(toFile: manifest, atomically: true, encoding: .utf8)
        let missing = try run(["validate", manifest])
        #expect(missing.status == 2 && missing.stderr.contains("hazards[0].return_periods[0]") && missing.stderr.contains("gone.tif"))
        try Data("junk".utf8).write(to: URL(fileURLWithPath: dir + "/gone.tif"))
        let junk = try run(["run", manifest, "--out", dir + "/out"])
        #expect(junk.status == 3 && junk.stderr.contains("gone.tif"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/provenance.json"))
        #expect(try run(["run", manifest]).status == 2)   // --out is required
        #expect(try run(["run", manifest, "--out", dir + "/o", "--threads", "0"]).status == 2)
    }

    /// GDAL's conventions: `--co` reaches the COG driver, `--config` sets an option, both are
    /// checked before anything is written, and `formats` lists the drivers.
    @Test func gdalCreationAndConfigOptionsAndFormats() throws {
        let (dir, manifest) = try sample()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try run(["run", manifest, "--out", dir + "/zstd", "--co", "COMPRESS=ZSTD", "--config", "GDAL_CACHEMAX", "64", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let info = Process()
        info.executableURL = URL(fileURLWithPath: "/usr/bin/gdalinfo")
        info.arguments = [dir + "/zstd/eal.tif"]
        let out = Pipe()
        info.standardOutput = out
        try info.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        info.waitUntilExit()
        #expect(text.contains("COMPRESSION=ZSTD") && text.contains("LAYOUT=COG"), "\(text.prefix(600))")
        let badCO = try run(["run", manifest, "--out", dir + "/bad", "--co", "NOT_AN_OPTION=1"])
        #expect(badCO.status == 2 && badCO.stderr.contains("--co") && badCO.stderr.contains("NOT_AN_OPTION"), "\(badCO.stderr)")
        let fixed = try run(["run", manifest, "--out", dir + "/bad", "--config", "GDAL_SKIP", ""])
        #expect(fixed.status == 2 && fixed.stderr.contains("--config") && fixed.stderr.contains("GDAL_SKIP"), "\(fixed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad/provenance.json"))
        let formats = try run(["formats"])
        #expect(formats.status == 0)
        for driver in ["COG", "GTiff", "GPKG", "FlatGeobuf", "GeoJSON", "PNG"] {
            #expect(formats.stdout.contains("\n  \(driver) "), "formats lacks \(driver)")
        }
        #expect(!formats.stdout.contains("\n  WMS ") && !formats.stdout.contains("\n  HTTP "), "network drivers are listed")
    }
}

@Suite struct ImpactCLITests {
    @Test func impactExitsThreeNamingTheEventsFileWhenBandsDoNotMatch() throws {
        let dir = NSTemporaryDirectory() + "cli-impact-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let grid = GridSpec(transform: .northUp(west: 10, north: 2, cellWidth: 1, cellHeight: 1), width: 2, height: 2, crs: .wgs84)
        try GeoTIFFWriter.write(RasterBuffer<Double>(width: 2, height: 2, values: [0, 20, 30, 0]), grid: grid, to: dir + "/h.tif",
                                options: RasterWriteOptions(units: "m/s", dataType: .float64))
        try "id,lon,lat,value,impf\na,10.5,1.5,100,1\nb,11.5,1.5,100,1\n".write(toFile: dir + "/x.csv", atomically: true, encoding: .utf8)
        try "id,intensity,mdd,paa\n1,0,0,1\n1,40,1,1\n".write(toFile: dir + "/f.csv", atomically: true, encoding: .utf8)
        try "event_id,frequency\n1,0.1\n".write(toFile: dir + "/e.csv", atomically: true, encoding: .utf8)
        let ok = try run(["impact", "--exposures", dir + "/x.csv", "--hazard", dir + "/h.tif", "--events", dir + "/e.csv",
                          "--impact-functions", dir + "/f.csv", "--out", dir + "/out", "--threads", "2"])
        #expect(ok.status == 0, "\(ok.stderr)")
        // b sits on I = 20: MDR = 0.5 → 50, times frequency 0.1 = 5.
        #expect(try String(contentsOfFile: dir + "/out/eai_exp.csv", encoding: .utf8) == "id,eai_exp\na,0\nb,5\n")
        try "event_id,frequency\n1,0.1\n2,0.2\n".write(toFile: dir + "/e.csv", atomically: true, encoding: .utf8)
        let bad = try run(["impact", "--exposures", dir + "/x.csv", "--hazard", dir + "/h.tif", "--events", dir + "/e.csv",
                           "--impact-functions", dir + "/f.csv", "--out", dir + "/out2"])
        #expect(bad.status == 3 && bad.stderr.contains("e.csv") && bad.stderr.contains("1 bands"))
    }
}

@Suite struct ScenarioCLITests {
    /// A one-asset scenario through the binary: exit 0 with outputs; a fragility function with an
    /// unknown IMT exits 3 naming the file; a bad option exits 2.
    @Test func damageAndLossesExitCodes() throws {
        let dir = NSTemporaryDirectory() + "cli-scenario-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "id,lon,lat,taxonomy,number,structural,night\na,120,31.5,RC,4,4000,10\n".write(toFile: dir + "/x.csv", atomically: true, encoding: .utf8)
        try "site_id,lon,lat\n0,120.01,31.5\n".write(toFile: dir + "/s.csv", atomically: true, encoding: .utf8)
        try "eid,sid,gmv_PGA\n0,0,0.25\n1,0,0.5\n".write(toFile: dir + "/g.csv", atomically: true, encoding: .utf8)
        let fragility = """
        <nrml xmlns="http://openquake.org/xmlns/nrml/0.5"><fragilityModel id="f" assetCategory="buildings" lossCategory="structural">
        <limitStates>complete</limitStates>
        <fragilityFunction id="RC" format="discrete"><imls imt="PGA">0 1</imls><poes ls="complete">0 1</poes></fragilityFunction>
        </fragilityModel></nrml>
        """
        try fragility.write(toFile: dir + "/f.xml", atomically: true, encoding: .utf8)
        let vulnerability = """
        <nrml xmlns="http://openquake.org/xmlns/nrml/0.5"><vulnerabilityModel id="v" assetCategory="buildings" lossCategory="structural">
        <vulnerabilityFunction id="RC" dist="LN"><imls imt="PGA">0 1</imls><meanLRs>0 1</meanLRs><covLRs>0 0</covLRs></vulnerabilityFunction>
        </vulnerabilityModel></nrml>
        """
        try vulnerability.write(toFile: dir + "/v.xml", atomically: true, encoding: .utf8)
        let common = ["--exposure", dir + "/x.csv", "--gmf", dir + "/g.csv", "--sites", dir + "/s.csv"]
        let damage = try run(["damage"] + common + ["--fragility", dir + "/f.xml", "--out", dir + "/d"])
        #expect(damage.status == 0, "\(damage.stderr)")
        // P(complete) = 0.25 and 0.5: mean 0.375 of 4 buildings = 1.5.
        #expect(try String(contentsOfFile: dir + "/d/damage_by_asset.csv", encoding: .utf8) == "asset_id,taxonomy,no_damage,complete\na,RC,2.5,1.5\n")
        let losses = try run(["losses"] + common + ["--vulnerability", dir + "/v.xml", "--out", dir + "/l"])
        #expect(losses.status == 0, "\(losses.stderr)")
        #expect(try String(contentsOfFile: dir + "/l/losses_by_asset.csv", encoding: .utf8) == "asset_id,loss_type,loss\na,structural,1500\n")
        try fragility.replacingOccurrences(of: "imt=\"PGA\"", with: "imt=\"SA(x)\"").write(toFile: dir + "/f.xml", atomically: true, encoding: .utf8)
        let bad = try run(["damage"] + common + ["--fragility", dir + "/f.xml", "--out", dir + "/d2"])
        #expect(bad.status == 3 && bad.stderr.contains("f.xml") && bad.stderr.contains("unknown IMT"), "\(bad.stderr)")
        let usage = try run(["losses"] + common + ["--vulnerability", dir + "/v.xml", "--out", dir + "/l2", "--time-event", "noon"])
        #expect(usage.status == 2 && usage.stderr.contains("--time-event"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/d2") && !FileManager.default.fileExists(atPath: dir + "/l2"))
    }
}
