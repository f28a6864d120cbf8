import Foundation
import Testing
@testable import RiskCensus

@Suite struct NRMLTests {
    private func file(_ text: String) throws -> String {
        let p = NSTemporaryDirectory() + "nrml-\(UUID().uuidString).xml"
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    private let fragility = """
    <?xml version="1.0" encoding="UTF-8"?>
    <nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
      <fragilityModel id="fm" assetCategory="buildings" lossCategory="structural">
        <description>test</description>
        <limitStates>moderate complete</limitStates>
        <fragilityFunction id="RC" format="discrete">
          <imls imt="PGA" noDamageLimit="0.05">0.1 0.2 0.4</imls>
          <poes ls="moderate">0.05 0.4 0.9</poes>
          <poes ls="complete">0.01 0.1 0.5</poes>
        </fragilityFunction>
        <fragilityFunction id="W" format="continuous" shape="logncdf">
          <imls imt="SA(0.3)" noDamageLimit="0.08" minIML="0.05" maxIML="2.0"/>
          <params ls="moderate" mean="0.3" stddev="0.15"/>
          <params ls="complete" mean="0.8" stddev="0.4"/>
        </fragilityFunction>
      </fragilityModel>
    </nrml>
    """

    @Test func readsDiscreteAndContinuousFragility() throws {
        let p = try file(fragility)
        defer { try? FileManager.default.removeItem(atPath: p) }
        let set = try NRML.fragility(p)
        #expect(set.limitStates == ["moderate", "complete"])
        let rc = try #require(set.models["RC"]), w = try #require(set.models["W"])
        #expect(rc.imt == "PGA" && w.imt == "SA(0.3)")
        // Discrete with the (0.05, 0) point prepended: at 0.075 moderate = 0.025.
        #expect(abs(rc.model.functions[0].probabilityOfExceedance(0.075) - 0.025) < 1e-15)
        // Continuous, checked against scipy.stats.lognorm at 0.3 g.
        #expect(abs(w.model.functions[0].probabilityOfExceedance(0.3) - 0.5933575216034501) < 1e-12)
        #expect(w.model.functions[0].probabilityOfExceedance(0.07) == 0)
    }

    @Test func malformedOrIncompleteModelsNameTheLine() throws {
        let broken = try file(fragility.replacingOccurrences(of: "</fragilityModel>", with: ""))
        let missing = try file(fragility.replacingOccurrences(of: "<poes ls=\"complete\">0.01 0.1 0.5</poes>", with: ""))
        let word = try file(fragility.replacingOccurrences(of: "0.05 0.4 0.9", with: "0.05 lots 0.9"))
        defer { for p in [broken, missing, word] { try? FileManager.default.removeItem(atPath: p) } }
        for (p, needle) in [(broken, "malformed NRML"), (missing, "no <poes ls=\"complete\">"), (word, "\"lots\" is not a number")] {
            do {
                _ = try NRML.fragility(p)
                Issue.record("\(needle) should fail")
            } catch {
                #expect(error.exitCode == 3 && error.description.contains(p) && error.description.contains(needle), "\(error)")
                #expect(error.description.contains("line"))
            }
        }
    }

    @Test func readsVulnerabilityAndRefusesNonZeroCoV() throws {
        let text = """
        <nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
          <vulnerabilityModel id="vm" assetCategory="buildings" lossCategory="structural">
            <vulnerabilityFunction id="RC" dist="LN">
              <imls imt="PGA">0.1 0.3 0.6</imls>
              <meanLRs>0.05 0.2 0.5</meanLRs>
              <covLRs>0 0 0</covLRs>
            </vulnerabilityFunction>
          </vulnerabilityModel>
        </nrml>
        """
        let ok = try file(text), cov = try file(text.replacingOccurrences(of: "0 0 0", with: "0 0.3 0"))
        defer { for p in [ok, cov] { try? FileManager.default.removeItem(atPath: p) } }
        let set = try NRML.vulnerability(ok)
        let rc = try #require(set.functions["RC"])
        #expect(rc.imt == "PGA" && abs(rc.lossRatio(0.2) - 0.125) < 1e-15 && rc.lossRatio(0.05) == 0)
        do { _ = try NRML.vulnerability(cov); Issue.record("non-zero covLRs") } catch {
            #expect(error.exitCode == 3 && error.description.contains("covLRs"))
        }
    }
}
