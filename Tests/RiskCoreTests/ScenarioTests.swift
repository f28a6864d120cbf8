import Testing
@testable import RiskCore

/// OpenQuake's published fragility and vulnerability rules (METHODS §6.2), with reference values
/// from scipy.stats.lognorm (shape σ, scale as below).
@Suite struct ScenarioTests {
    /// mean 0.3 g, stddev 0.15 g: σ = √ln(1.25) = 0.47238, scale = 0.09/√0.1125 = 0.26833.
    let continuous = FragilityFunction.continuous(mean: 0.3, stddev: 0.15, minIML: 0.05, maxIML: 2.0, noDamageLimit: nil)

    @Test func continuousFragilityMatchesTheLognormalCDF() {
        for (x, reference) in [(0.3, 0.5933575216034501), (0.1, 0.01833127533762437)] {
            #expect(abs(continuous.probabilityOfExceedance(x) - reference) < 1e-12, "x = \(x)")
        }
        // Clipped to [minIML, maxIML] before the CDF.
        #expect(abs(continuous.probabilityOfExceedance(0.01) - 0.0001876636997997499) < 1e-12)
        #expect(abs(continuous.probabilityOfExceedance(3.0) - 0.999989419411284) < 1e-12)
        // A noDamageLimit gives 0 at or below it; a limit of 0 is ignored.
        let limited = FragilityFunction.continuous(mean: 0.3, stddev: 0.15, minIML: 0.05, maxIML: 2.0, noDamageLimit: 0.08)
        #expect(limited.probabilityOfExceedance(0.07) == 0)
        #expect(abs(limited.probabilityOfExceedance(0.1) - 0.01833127533762437) < 1e-12)
        let zeroLimit = FragilityFunction.continuous(mean: 0.3, stddev: 0.15, minIML: 0.05, maxIML: 2.0, noDamageLimit: 0)
        #expect(zeroLimit.probabilityOfExceedance(0.01) == continuous.probabilityOfExceedance(0.01))
    }

    @Test func discreteFragilityPrependsTheNoDamageLimit() {
        let f = FragilityFunction.discrete(imls: [0.1, 0.2, 0.4], poes: [0.05, 0.4, 0.9], noDamageLimit: 0.05)
        #expect(f.probabilityOfExceedance(0.04) == 0)
        #expect(abs(f.probabilityOfExceedance(0.075) - 0.025) < 1e-15)   // from (0.05, 0) to (0.1, 0.05)
        #expect(abs(f.probabilityOfExceedance(0.15) - 0.225) < 1e-15)
        #expect(f.probabilityOfExceedance(0.5) == 0.9)                    // clamped at the last IML
        let noLimit = FragilityFunction.discrete(imls: [0.1, 0.2], poes: [0.05, 0.4], noDamageLimit: nil)
        #expect(noLimit.probabilityOfExceedance(0.01) == 0.05)            // numpy interp clamps below
    }

    @Test func damageFractionsAreDifferencesWithCrossingCurvesZeroed() {
        // Two limit states whose curves cross above 0.3: P(LS2) > P(LS1) there.
        let m = FragilityModel(limitStates: ["moderate", "complete"], functions: [
            .discrete(imls: [0.1, 0.5], poes: [0.2, 0.6], noDamageLimit: nil),
            .discrete(imls: [0.1, 0.5], poes: [0.1, 0.8], noDamageLimit: nil),
        ])
        let low = m.damageFractions(0.1)
        #expect(abs(low[0] - 0.8) < 1e-15 && abs(low[1] - 0.1) < 1e-15 && abs(low[2] - 0.1) < 1e-15)
        let high = m.damageFractions(0.5)   // moderate − complete = −0.2 → 0
        #expect(abs(high[0] - 0.4) < 1e-15 && high[1] == 0 && abs(high[2] - 0.8) < 1e-15)
    }

    @Test func vulnerabilityIsZeroBelowTheFirstIMLAndClampedAbove() {
        let v = VulnerabilityFunction(imt: "PGA", imls: [0.1, 0.3, 0.6], lossRatios: [0.05, 0.2, 0.5])
        #expect(v.lossRatio(0.05) == 0)
        #expect(abs(v.lossRatio(0.2) - 0.125) < 1e-15)
        #expect(v.lossRatio(1.0) == 0.5)
    }

    @Test func greatCircleDistanceAndNearestSite() {
        // One degree of latitude on a 6,371 km sphere: π/180 · 6371 km.
        #expect(abs(GreatCircle.distanceKm(Position(0, 0), Position(0, 1)) - 111.19492664455873) < 1e-9)
        // At 60°N a degree of longitude is half as long, so the site 0.9° east is nearer than the
        // one 0.6° north, although it is farther in degrees.
        let sites = [Position(10, 60.6), Position(10.9, 60)]
        #expect(GreatCircle.nearest(to: Position(10, 60), sites: sites, maxKm: 100) == 1)
        #expect(GreatCircle.nearest(to: Position(10, 60), sites: sites, maxKm: 40) == nil)
    }
}

@Suite struct ScenarioDamageTests {
    /// Two limit states, discrete: at 0.1 g P = (0.2, 0.1), at 0.5 g P = (0.6, 0.8) (crossing).
    let model = FragilityModel(limitStates: ["moderate", "complete"], functions: [
        .discrete(imls: [0.1, 0.5], poes: [0.2, 0.6], noDamageLimit: nil),
        .discrete(imls: [0.1, 0.5], poes: [0.1, 0.8], noDamageLimit: nil),
    ])

    @Test func meanBuildingsOverEventsByHand() {
        // Fractions: 0.1 g → (0.8, 0.1, 0.1); 0.5 g → (0.4, 0 [−0.2 zeroed], 0.8).
        // Means over the two events: moderate 0.05, complete 0.45; 10 buildings → 0.5 and 4.5,
        // no_damage = 10 − 5 = 5 (not 10 × 0.6 = 6: the zeroed negative fraction is not given back).
        let b = ScenarioDamage.buildings(number: 10, model: model, intensities: [0.1, 0.5])
        #expect(abs(b[1] - 0.5) < 1e-12 && abs(b[2] - 4.5) < 1e-12 && abs(b[0] - 5) < 1e-12)
    }

    @Test func consequencesUseTheQuantityTheirNameCallsFor() {
        #expect(ScenarioDamage.Quantity(consequence: "losses_structural") == .value)
        #expect(ScenarioDamage.Quantity(consequence: "collapsed") == .number)
        #expect(ScenarioDamage.Quantity(consequence: "fatalities") == .occupants)
        #expect(ScenarioDamage.Quantity(consequence: "homeless") == .residents)
        #expect(ScenarioDamage.Quantity(consequence: "something") == nil)
        // Occupants: the chosen period, else the mean of the declared periods (a missing one is 0).
        let asset = Asset(id: "a", taxonomy: "W", location: Position(0, 0), occupants: ["day": 30.0, "night": 50, "transit": 10])
        let declared = Portfolio(assets: [asset])
        #expect(declared.occupants(asset, time: "night") == 50 && declared.occupants(asset, time: nil) == 30)
        let twoPeriods = Portfolio(assets: [asset], occupancyPeriods: ["night", "day"])
        #expect(twoPeriods.occupants(asset, time: nil) == 40)
        let sparse = Asset(id: "b", taxonomy: "W", location: Position(0, 0), occupants: ["night": 9])
        #expect(Portfolio(assets: [asset, sparse]).occupants(sparse, time: nil) == 3)
        // 0.5 moderate and 4.5 complete buildings of 10, coefficients 0.1 and 0.9, value 2,000,000:
        // (0.5·0.1 + 4.5·0.9) · 2e6 / 10 = 4.1 · 2e5 = 820,000.
        let b = [5.0, 0.5, 4.5]
        #expect(abs(ScenarioDamage.consequence(buildings: b, coefficients: [0.1, 0.9], quantity: 2e6, number: 10) - 820_000) < 1e-6)
    }
}

@Suite struct SiteAssignmentTests {
    /// The latitude-band search gives exactly the brute-force nearest site, ties and cut-off included.
    @Test func locatorAgreesWithBruteForce() {
        var rng = SystemRandomNumberGenerator()
        var sites: [Position] = []
        for _ in 0..<400 { sites.append(Position(Double.random(in: 119...121, using: &rng), Double.random(in: 30...32, using: &rng))) }
        sites.append(sites[17])   // an exact duplicate: the lower index must win
        let locator = SiteLocator(sites: sites)
        for _ in 0..<2000 {
            let p = Position(Double.random(in: 118.8...121.2, using: &rng), Double.random(in: 29.8...32.2, using: &rng))
            for km in [3.0, 15, 500] {
                #expect(locator.nearest(to: p, maxKm: km) == GreatCircle.nearest(to: p, sites: sites, maxKm: km))
            }
        }
        #expect(locator.nearest(to: sites[17], maxKm: 1) == 17)
    }

    @Test func imtNamesAreCanonical() {
        #expect(IMT.canonical("SA(0.30)") == "SA(0.3)" && IMT.canonical("SA(1)") == "SA(1.0)" && IMT.canonical("PGA") == "PGA")
        #expect(IMT.canonical("PGX") == nil && IMT.canonical("SA(x)") == nil && IMT.canonical("SA()") == nil)
    }
}
