import Foundation
import Testing
@testable import RiskCensus

/// A hand-worked event set (values worked out in the comments) covering a step function,
/// paa ≠ 1, deductible with and without cover, a nodata cell and a point outside the grid.
@Suite struct ImpactJobTests {
    private final class Dir {
        let path = NSTemporaryDirectory() + "impact-" + UUID().uuidString
        init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func file(_ n: String) -> String { path + "/" + n }
    }

    /// 2 × 2 cells of 1° from (10 E, 2 N); bands are events e1, e2, e3 (row 0 is the northern row).
    private func fixture(_ d: Dir, events: String = "event_id,frequency,name\ne1,0.1,a\ne2,0.02,b\ne3,0.005,c\n") throws -> ImpactJob {
        let grid = GridSpec(transform: .northUp(west: 10, north: 2, cellWidth: 1, cellHeight: 1), width: 2, height: 2, crs: .wgs84)
        let bands: [[Double]] = [[5, 15, 2, 0], [20, 14.9, 30, 7], [40, 100, 0, .nan]]
        // One file, three bands, written through GDAL's MEM + GTiff by stacking single-band files.
        var paths: [String] = []
        for (k, b) in bands.enumerated() {
            let p = d.file("e\(k + 1).tif")
            try GeoTIFFWriter.write(RasterBuffer<Double>(width: 2, height: 2, values: b), grid: grid, to: p,
                                    options: RasterWriteOptions(units: "m/s", dataType: .float64))
            paths.append(p)
        }
        try MultiBand.stack(paths, to: d.file("hazard.vrt"))
        try """
        id,lon,lat,value,impf,deductible,cover
        A,10.5,1.5,1000,1,,
        B,11.5,1.5,500,2,10,300
        C,11.5,0.5,400,1,,
        D,20,1,300,1,,
        E,10.5,0.5,200,1,5,
        """.write(toFile: d.file("exposures.csv"), atomically: true, encoding: .utf8)
        try "id,intensity,mdd,paa\n1,0,0,0\n1,10,0.2,0.5\n1,20,0.5,1\n1,40,1,1\n2,0,0,1\n2,15,0,1\n2,15,1,1\n2,100,1,1\n"
            .write(toFile: d.file("impf.csv"), atomically: true, encoding: .utf8)
        try events.write(toFile: d.file("events.csv"), atomically: true, encoding: .utf8)
        var job = ImpactJob(exposuresPath: d.file("exposures.csv"), hazardPath: d.file("hazard.vrt"),
                            eventsPath: d.file("events.csv"), functionsPath: d.file("impf.csv"))
        job.returnPeriods = [5, 10, 25, 100, 250]
        job.writeMatrix = true
        return job
    }

    /// Ids with commas, quotes and leading zeros come out of every CSV quoted (RFC 4180) and
    /// read back as written.
    @Test func idsAreQuotedInTheCSVOutputs() throws {
        let d = Dir()
        let job = try fixture(d)
        var text = try String(contentsOfFile: d.file("exposures.csv"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\nA,", with: "\n\"Wu, \"\"A\"\"\",").replacingOccurrences(of: "\nB,", with: "\n007,")
        try text.write(toFile: d.file("exposures.csv"), atomically: true, encoding: .utf8)
        _ = try job.run(outputDirectory: d.file("out"))
        let eai = try CSVTable(path: d.file("out/eai_exp.csv"))
        #expect(eai.header == ["id", "eai_exp"])
        #expect(eai.rows.map { $0.fields[0] } == ["Wu, \"A\"", "007", "C", "D", "E"])
        let matrix = try CSVTable(path: d.file("out/impact_matrix.csv"))
        #expect(Set(matrix.rows.map { $0.fields[1] }) == ["Wu, \"A\"", "007", "C", "E"])
    }

    @Test func handWorkedEventSet() throws {
        let d = Dir()
        let o = try fixture(d).run(outputDirectory: d.file("out"))
        let r = o.result
        // A (impf 1): MDR(5) = 0.1·0.25, MDR(20) = 0.5, MDR(40) = 1 → 25, 500, 1000.
        // B (step at 15, deductible 10, cover 300): e1 min(500 − 10, 300) = 300; e2 I = 14.9 → 0 − 10 → clipped to 0;
        //   e3 300. E (deductible 5, no cover): e1 0.004·200 − 0.1·5 = 0.3; e2 0.75·200 − 5 = 145; e3 I = 0.
        // C (impf 1, 400) sits on a cell that is 0 in e1, 7 in e2 (0.14·0.35·400 = 19.6) and nodata in e3:
        // it counts in e2 only and is reported. D is outside the grid: unassigned.
        let expectedAtEvent = [325.3, 664.6, 1300]
        for (a, b) in zip(r.atEvent, expectedAtEvent) { #expect(abs(a - b) <= 1e-9 * b) }
        let eai = Dictionary(uniqueKeysWithValues: zip(o.exposures.map(\.id), r.eaiExp))
        for (id, v) in [("A", 17.5), ("B", 31.5), ("E", 2.93), ("C", 0.392)] { #expect(abs(eai[id]! - v) <= 1e-9 * v, "\(id)") }
        #expect(eai["D"] == 0)
        #expect(abs(r.aaiAgg - 52.322) <= 1e-9 * 52.322)
        #expect(r.unassigned == 1 && o.unassignedIDs == ["D"])
        #expect(o.unknownHazardIDs == ["C"] && o.unknownPairs == 1)
        // Exceedance: RPs 8, 40, 200 for 325.3, 664.6, 1300, interpolated linearly in RP and clamped.
        let expected = [325.3, 346.50625, 505.553125, 902.875, 1300]
        for (p, e) in zip(o.exceedance, expected) { #expect(abs(p.impact - e) <= 1e-9 * e, "RP \(p.returnPeriod)") }
        // Outputs.
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d.file("out/summary.json")))) as! [String: Any]
        #expect(summary["n_events"] as? Int == 3 && summary["n_exposures"] as? Int == 5 && summary["unassigned"] as? Int == 1)
        #expect(summary["unknown_hazard_exposures"] as? Int == 1)
        #expect(summary["total_value"] as? Double == 2400)
        let matrix = try String(contentsOfFile: d.file("out/impact_matrix.csv"), encoding: .utf8).split(separator: "\n")
        #expect(matrix.count == 1 + 8)   // A×3, B×2, C×1, E×2 non-zero impacts
        #expect(try String(contentsOfFile: d.file("out/at_event.csv"), encoding: .utf8).hasPrefix("event_id,at_event\ne1,325.3"))
    }

    @Test func threadCountDoesNotChangeTheOutput() throws {
        let d = Dir()
        var job = try fixture(d)
        for t in [1, 2, 4] {
            job.threads = t
            _ = try job.run(outputDirectory: d.file("t\(t)"))
        }
        for f in ["at_event.csv", "eai_exp.csv", "exceedance.csv", "impact_matrix.csv", "summary.json", "eai_exp.geojson", "eai_exp.qml", "eai_exp.sld"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: d.file("t1/\(f)")))
            for t in [2, 4] { #expect(a == (try Data(contentsOf: URL(fileURLWithPath: d.file("t\(t)/\(f)")))), "\(f) with \(t) threads") }
        }
    }

    @Test func eventCountMustMatchTheBands() throws {
        let d = Dir()
        let job = try fixture(d, events: "event_id,frequency\ne1,0.1\ne2,0.02\n")
        do {
            _ = try job.run(outputDirectory: nil)
            Issue.record("a band without an event row must be refused")
        } catch {
            #expect(error.exitCode == 3 && error.description.contains("events.csv") && error.description.contains("3 bands"))
        }
    }

    @Test func unknownImpactFunctionAndFallingIntensityAreBadInput() throws {
        let d = Dir()
        let job = try fixture(d)
        try "id,lon,lat,value,impf\nA,10.5,1.5,1000,9\n".write(toFile: d.file("exposures.csv"), atomically: true, encoding: .utf8)
        do { _ = try job.run(outputDirectory: nil); Issue.record("impf 9 does not exist") } catch {
            #expect(error.exitCode == 3 && error.description.contains("impf") && error.description.contains("\"9\""))
        }
        let d2 = Dir()
        let job2 = try fixture(d2)
        try "id,intensity,mdd,paa\n1,0,0,1\n1,10,0.5,1\n1,5,1,1\n".write(toFile: job2.functionsPath, atomically: true, encoding: .utf8)
        do { _ = try job2.run(outputDirectory: nil); Issue.record("falling intensity") } catch {
            #expect(error.exitCode == 3 && error.description.contains("line 4") && error.description.contains("intensity decreases"))
        }
    }
}
