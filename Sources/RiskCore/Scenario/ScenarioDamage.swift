/// Scenario damage and consequences for one asset with OpenQuake's semantics (METHODS §6.2):
/// damage-state fractions per event from the fragility model, averaged over events; expected
/// buildings per damaged state = number × mean fraction; no_damage = number − Σ damaged states;
/// a consequence = Σ_damaged states (buildings in state × coefficient) × Q / number, where Q is
/// the quantity the consequence's name calls for.
public enum ScenarioDamage {
    /// Mean buildings per state [no_damage, ds₁ … dsₙ] over the events' intensities at the asset.
    ///
    /// - Complexity: O(events × limit states).
    public static func buildings(number: Double, model: FragilityModel, intensities: [Double]) -> [Double] {
        let n = model.limitStates.count
        guard !intensities.isEmpty else { return [number] + [Double](repeating: 0, count: n) }
        var mean = [Double](repeating: 0, count: n + 1)
        for x in intensities {
            let f = model.damageFractions(x)
            for k in 0...n { mean[k] += f[k] }
        }
        var out = [0.0]
        for k in 1...n { out.append(number * mean[k] / Double(intensities.count)) }
        out[0] = number - out.dropFirst().reduce(0, +)
        return out
    }

    /// The quantity a consequence multiplies, by its name (METHODS §6.2).
    public enum Quantity: Sendable, Equatable {
        /// `losses*`: the asset's value for that loss type.
        case value
        /// `collapsed`, `non_operational`: the number of buildings.
        case number
        /// `fatalities`, `injured`: occupants at the chosen time, or the mean over the periods.
        case occupants
        /// `homeless`: the residents field (never averaged over periods).
        case residents

        public init?(consequence name: String) {
            if name.hasPrefix("losses") { self = .value; return }
            switch name {
            case "collapsed", "non_operational": self = .number
            case "fatalities", "injured": self = .occupants
            case "homeless": self = .residents
            default: return nil
            }
        }
    }

    /// Occupants at `time` ("day", "night", "transit"), or with no time the mean over the
    /// periods given.
    public static func occupants(_ byPeriod: [String: Double], time: String?) -> Double? {
        if let time { return byPeriod[time] }
        guard !byPeriod.isEmpty else { return nil }
        return byPeriod.values.reduce(0, +) / Double(byPeriod.count)
    }

    /// Σ_k buildings[k] · coefficient[k] · Q / number over the damaged states (index 1…n of
    /// `buildings`, one coefficient per limit state).
    public static func consequence(buildings: [Double], coefficients: [Double], quantity q: Double, number: Double) -> Double {
        precondition(coefficients.count == buildings.count - 1, "one coefficient per limit state")
        guard number > 0 else { return 0 }
        var s = 0.0
        for k in coefficients.indices { s += buildings[k + 1] * coefficients[k] }
        return s * q / number
    }
}
