import Foundation
import Testing
import RiskCore
@testable import RiskCensus

/// Scenario damage and losses on a hand-worked case (values worked out in the comments; the
/// continuous-fragility probabilities from scipy.stats.lognorm), every exposure format, the
/// joins, and bad input.
@Suite struct ScenarioJobTests {
    final class Dir {
        let path = NSTemporaryDirectory() + "scenario-" + UUID().uuidString
        init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func file(_ n: String) -> String { path + "/" + n }
        func write(_ n: String, _ text: String) throws { try text.write(toFile: file(n), atomically: true, encoding: .utf8) }
    }

    static let exposureXML = """
    <?xml version="1.0" encoding="UTF-8"?>
    <nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
      <exposureModel id="ex" category="buildings" taxonomySource="test">
        <description>test</description>
        <conversions>
          <costTypes>
            <costType name="structural" type="per_asset" unit="CNY"/>
            <costType name="contents" type="aggregated" unit="CNY"/>
          </costTypes>
        </conversions>
        <occupancyPeriods>night day</occupancyPeriods>
        <assets>assets.csv</assets>
      </exposureModel>
    </nrml>
    """
    /// a1 is 0.95 km from site 0, a2 1.2 km from site 1, `far` 77 km from both (dropped).
    static let assetsCSV = """
    id,lon,lat,taxonomy,number,structural,contents,night,day,residents
    a1,120.0,31.5,RC,10,1000,500,40,20,30
    a2,120.2,31.5,W,2.5,800,100,8,2,6
    far,121.0,31.5,RC,1,1000,100,1,1,1
    """
    static let sites = "site_id,lon,lat\n0,120.01,31.5\n1,120.19,31.51\n"
    /// Site 1 has no row for event 1: no ground motion there in that event. Values are exact in
    /// float32 (ground motion is read as float32, as OpenQuake reads it).
    static let gmf = "eid,sid,gmv_PGA,gmv_SA(0.30)\n0,0,0.125,0.25\n1,0,0.5,0.625\n0,1,0.25,0.375\n"
    static let fragility = """
    <?xml version="1.0" encoding="UTF-8"?>
    <nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
      <fragilityModel id="fm" assetCategory="buildings" lossCategory="structural">
        <description>test</description>
        <limitStates>moderate complete</limitStates>
        <fragilityFunction id="RC" format="discrete">
          <imls imt="PGA">0.1 0.5</imls>
          <poes ls="moderate">0.2 0.6</poes>
          <poes ls="complete">0.1 0.8</poes>
        </fragilityFunction>
        <fragilityFunction id="W" format="continuous" shape="logncdf">
          <imls imt="SA(0.3)" noDamageLimit="0.08" minIML="0.05" maxIML="2.0"/>
          <params ls="moderate" mean="0.3" stddev="0.15"/>
          <params ls="complete" mean="0.8" stddev="0.4"/>
        </fragilityFunction>
      </fragilityModel>
    </nrml>
    """
    static let consequences = """
    taxonomy,consequence,loss_type,moderate,complete
    RC,losses,structural,0.1,0.9
    W,losses,structural,0.2,1.0
    RC,fatalities,structural,0.01,0.1
    W,fatalities,structural,0.0,0.05
    RC,homeless,structural,0.3,1
    W,homeless,structural,0.3,1
    """
    static let vulnerability = """
    <?xml version="1.0" encoding="UTF-8"?>
    <nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
      <vulnerabilityModel id="vm" assetCategory="buildings" lossCategory="structural">
        <description>test</description>
        <vulnerabilityFunction id="RC" dist="LN">
          <imls imt="PGA">0.1 0.3 0.6</imls>
          <meanLRs>0.05 0.2 0.5</meanLRs>
          <covLRs>0 0 0</covLRs>
        </vulnerabilityFunction>
        <vulnerabilityFunction id="W" dist="LN">
          <imls imt="SA(0.3)">0.1 0.5</imls>
          <meanLRs>0.1 0.4</meanLRs>
          <covLRs>0 0</covLRs>
        </vulnerabilityFunction>
      </vulnerabilityModel>
    </nrml>
    """

    func fixture(_ d: Dir, sites: String = sites, gmf: String = gmf) throws -> ScenarioInputs {
        try d.write("exposure.xml", Self.exposureXML)
        try d.write("assets.csv", Self.assetsCSV)
        try d.write("sites.csv", sites)
        try d.write("gmf.csv", gmf)
        try d.write("fragility.xml", Self.fragility)
        try d.write("consequences.csv", Self.consequences)
        try d.write("vulnerability.xml", Self.vulnerability)
        return ScenarioInputs(exposurePath: d.file("exposure.xml"), gmfPath: d.file("gmf.csv"), sitesPath: d.file("sites.csv"))
    }

    func close(_ a: Double, _ b: Double, _ rel: Double = 1e-12) -> Bool { abs(a - b) <= rel * max(1, abs(b)) }

    func damage(_ d: Dir, _ inputs: ScenarioInputs) throws -> DamageJob.Output {
        var job = DamageJob(inputs: inputs, fragilityPath: d.file("fragility.xml"))
        job.consequencePaths = [d.file("consequences.csv")]
        return try job.run(outputDirectory: d.file("out"))
    }

    @Test func damageAndConsequencesByHand() throws {
        let d = Dir()
        let o = try damage(d, try fixture(d))
        #expect(o.calculator.droppedAssets == [2])
        // a1 (RC, 10 buildings), PGA 0.125: P = (0.2 + 0.4·0.0625, 0.1 + 0.7·0.0625) = (0.225, 0.14375),
        // fractions (0.775, 0.08125, 0.14375); PGA 0.5: (0.4, 0 [−0.2], 0.8). Means 0.040625 and
        // 0.471875 → 0.40625 moderate, 4.71875 complete, no_damage 10 − 5.125 = 4.875.
        let a1 = try #require(o.buildings[0])
        #expect(close(a1[0], 4.875) && close(a1[1], 0.40625) && close(a1[2], 4.71875))
        // a2 (W, 2.5 buildings), SA(0.3) 0.375 in event 0, no row in event 1:
        // P(moderate) = 0.7607046591925111, P(complete) = 0.08569013847363016 (lognorm),
        // mean over 2 events → moderate 2.5·(P₁ − P₂)/2, complete 2.5·P₂/2.
        let a2 = try #require(o.buildings[1])
        #expect(close(a2[1], 0.8437681508986011) && close(a2[2], 0.1071126730920377) && close(a2[0], 1.5491191760093612))
        #expect(o.buildings[2] == nil)
        // Consequences of a1: losses (0.40625·0.1 + 4.71875·0.9)·(10·1000)/10 = 4,287.5; fatalities
        // (0.40625·0.01 + 4.71875·0.1)·mean(40, 20)/10 = 1.4278125; homeless
        // (0.40625·0.3 + 4.71875)·30/10 = 14.521875.
        let c1 = try #require(o.consequenceValues[0])
        #expect(o.consequences.map(\.name) == ["losses", "fatalities", "homeless"])
        #expect(close(c1[0], 4287.5) && close(c1[1], 1.4278125) && close(c1[2], 14.521875))
        // a2: losses (b₁·0.2 + b₂·1)·2000/2.5; fatalities b₂·0.05·5/2.5; homeless (b₁·0.3 + b₂)·6/2.5.
        let c2 = try #require(o.consequenceValues[1])
        #expect(close(c2[0], 220.69304261740635) && close(c2[1], 0.01071126730920377) && close(c2[2], 0.8645834840678834))
        // Files: the dropped asset is absent and counted.
        let byAsset = try String(contentsOfFile: d.file("out/damage_by_asset.csv"), encoding: .utf8)
        let lines = byAsset.split(separator: "\n")
        #expect(lines.count == 3 && lines[0] == "asset_id,taxonomy,no_damage,moderate,complete" && !byAsset.contains("far"))
        let row = lines[1].split(separator: ",")
        #expect(row[0] == "a1" && row[1] == "RC" && close(Double(row[3])!, 0.40625) && close(Double(row[4])!, 4.71875))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d.file("out/summary.json")))) as? [String: Any])
        #expect(summary["n_dropped_assets"] as? Int == 1 && summary["dropped_asset_ids"] as? [String] == ["far"])
        #expect(summary["n_events"] as? Int == 2 && summary["time_event"] as? String == "avg")
        for f in ["damage_total.csv", "consequences_by_asset.csv", "consequences_total.csv"] {
            #expect(FileManager.default.fileExists(atPath: d.file("out/" + f)), "\(f)")
        }
    }

    @Test func timeEventChoosesThePeriod() throws {
        let d = Dir()
        var inputs = try fixture(d)
        inputs.timeEvent = "night"
        let o = try damage(d, inputs)
        // a1 fatalities at night: 0.4759375 · 40 / 10 = 1.90375; homeless still uses residents.
        let c1 = try #require(o.consequenceValues[0])
        #expect(close(c1[1], 1.90375) && close(c1[2], 14.521875))
        inputs.timeEvent = "transit"
        #expect(throws: CensusError.self) { try damage(d, inputs) }
    }

    @Test func lossesByHand() throws {
        let d = Dir()
        let job = LossJob(inputs: try fixture(d), vulnerabilityPaths: [d.file("vulnerability.xml")])
        let o = try job.run(outputDirectory: d.file("out"))
        // a1: PGA 0.125 → (0.05 + 0.15·0.125)·10,000 = 687.5; PGA 0.5 → (0.2 + 0.3·2/3)·10,000 = 4,000;
        // mean 2,343.75. a2: SA 0.375 → (0.1 + 0.3·0.6875)·2,000 = 612.5 in event 0, nothing in
        // event 1; mean 306.25.
        let l = o.losses[0]
        #expect(close(l.byAsset[0]!, 2343.75) && close(l.byAsset[1]!, 306.25) && l.byAsset[2] == nil)
        #expect(close(l.byEvent[0], 1300) && close(l.byEvent[1], 4000))
        let total = try String(contentsOfFile: d.file("out/losses_total.csv"), encoding: .utf8)
        #expect(total.hasPrefix("loss_type,loss,exposed_value,loss_ratio\nstructural,2650,12000,0.2208333333333333"))
        let tax = try String(contentsOfFile: d.file("out/losses_by_taxonomy.csv"), encoding: .utf8)
        #expect(tax.hasPrefix("loss_type,taxonomy,loss,loss_ratio\nstructural,RC,2343.75,0.234375\n"))
        // A vulnerability value below the first IML is 0: PGA 0.05 gives no loss.
        let d2 = Dir()
        let o2 = try LossJob(inputs: try fixture(d2, gmf: "eid,sid,gmv_PGA,gmv_SA(0.3)\n0,0,0.05,0.05\n"),
                             vulnerabilityPaths: [d2.file("vulnerability.xml")]).run(outputDirectory: nil)
        #expect(o2.losses[0].byAsset[0] == 0)
    }

    @Test func everyExposureFormatGivesTheSameAssets() throws {
        let d = Dir()
        _ = try fixture(d)
        let linked = try ExposureReader.read(d.file("exposure.xml"))
        // Inline NRML: per_area structural (100 CNY/m² × 10 m² per building × 10 buildings).
        try d.write("inline.xml", """
        <?xml version="1.0" encoding="UTF-8"?>
        <nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
          <exposureModel id="ex" category="buildings" taxonomySource="test">
            <description>inline</description>
            <conversions>
              <area type="per_asset" unit="SQM"/>
              <costTypes>
                <costType name="structural" type="per_area" unit="CNY"/>
                <costType name="contents" type="aggregated" unit="CNY"/>
              </costTypes>
            </conversions>
            <occupancyPeriods>night day</occupancyPeriods>
            <assets>
              <asset id="a1" number="10" area="10" taxonomy="RC" residents="30">
                <location lon="120.0" lat="31.5"/>
                <costs><cost type="structural" value="100"/><cost type="contents" value="500"/></costs>
                <occupancies><occupancy occupants="40" period="night"/><occupancy occupants="20" period="day"/></occupancies>
              </asset>
            </assets>
          </exposureModel>
        </nrml>
        """)
        let inline = try ExposureReader.read(d.file("inline.xml"))
        // Bare CSV: costs are totals.
        try d.write("bare.csv", "id,lon,lat,taxonomy,number,structural,contents,night,day,residents\na1,120.0,31.5,RC,10,10000,500,40,20,30\n")
        let bare = try ExposureReader.read(d.file("bare.csv"))
        for p in [inline, bare] {
            #expect(p.assets[0] == linked.assets[0], "\(p.assets[0]) vs \(linked.assets[0])")
            #expect(p.occupants(p.assets[0], time: nil) == 30)
        }
        #expect(linked.assets[1].values == ["structural": 2000, "contents": 100])
    }

    @Test func fieldsJoinBySiteIdNotRowOrder() throws {
        let d1 = Dir(), d2 = Dir(), d3 = Dir()
        let reference = try damage(d1, try fixture(d1))
        // The same sites listed in another order, with their ids.
        let shuffled = try damage(d2, try fixture(d2, sites: "site_id,lon,lat\n1,120.19,31.51\n0,120.01,31.5\n"))
        // A coordinate list without ids: numbered in (lon, lat) order, so 120.01 is sid 0 although listed second.
        let list = try damage(d3, try fixture(d3, sites: "lon,lat\n120.19,31.51\n120.01,31.5\n"))
        #expect(shuffled.buildings == reference.buildings && list.buildings == reference.buildings)
    }

    @Test func outputsDoNotDependOnThreads() throws {
        let d = Dir()
        var inputs = try fixture(d)
        // 700 assets over the two sites, so several chunks of 256 run.
        var csv = "id,lon,lat,taxonomy,number,structural,contents,night,day,residents\n"
        for i in 0..<700 { csv += "x\(i),\(120 + 0.0003 * Double(i)),31.5,\(i % 2 == 0 ? "RC" : "W"),\(1 + i % 7),\(100 + i),10,3,1,2\n" }
        try d.write("assets.csv", csv)
        var files: [String] = []
        for t in [1, 3] {
            inputs.threads = t
            var job = DamageJob(inputs: inputs, fragilityPath: d.file("fragility.xml"))
            job.consequencePaths = [d.file("consequences.csv")]
            _ = try job.run(outputDirectory: d.file("t\(t)"))
            _ = try LossJob(inputs: inputs, vulnerabilityPaths: [d.file("vulnerability.xml")]).run(outputDirectory: d.file("t\(t)"))
            files.append(try ["damage_by_asset.csv", "consequences_total.csv", "losses_by_event.csv", "losses_total.csv"]
                .map { try String(contentsOfFile: d.file("t\(t)/\($0)"), encoding: .utf8) }.joined())
        }
        #expect(files[0] == files[1])
    }

    /// Bad input: exit 3 and a message naming the file and what is wrong.
    @Test func badInputNamesTheFileAndTheProblem() throws {
        let cases: [(String, String, String, String)] = [
            ("fragility.xml", "imt=\"PGA\"", "imt=\"PGX\"", "unknown IMT \"PGX\""),
            ("fragility.xml", "<fragilityFunction id=\"W\"", "<fragilityFunction id=\"Wood\"", "taxonomy \"W\" has no function"),
            ("fragility.xml", "imt=\"SA(0.3)\"", "imt=\"PGV\"", "no gmv_PGV column"),
            ("exposure.xml", "</exposureModel>", "", "malformed NRML"),
            ("gmf.csv", "0,1,0.25,0.375", "0,7,0.25,0.375", "site sid \"7\" is not in"),
            ("gmf.csv", "0,1,0.25,0.375", "0,1,0.25,strong", "expected a number"),
            ("gmf.csv", "gmv_PGA", "gmv_PGZ", "unknown IMT \"PGZ\""),
            ("gmf.csv", "0,1,0.25,0.375", "0,0,0.25,0.375", "a second row for event 0"),
            ("assets.csv", "a2,120.2", "a1,120.2", "asset id \"a1\" is empty or repeated"),
            ("assets.csv", "W,2.5,800", "W,2.5,-800", "must be ≥ 0"),
            ("consequences.csv", "moderate,complete", "moderate,collapse", "no column \"complete\""),
            ("consequences.csv", "RC,homeless", "RC,unhappy", "consequence \"unhappy\""),
        ]
        for (file, old, new, needle) in cases {
            let d = Dir()
            let inputs = try fixture(d)
            let text = try String(contentsOfFile: d.file(file), encoding: .utf8)
            #expect(text.contains(old), "\(old)")
            try d.write(file, text.replacingOccurrences(of: old, with: new))
            do {
                _ = try damage(d, inputs)
                Issue.record("\(needle): should fail")
            } catch let error as CensusError {
                #expect(error.exitCode == 3, "\(error)")
                #expect(error.description.contains(needle) && error.description.contains(d.path), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: d.file("out/damage_by_asset.csv")))
        }
    }
}
