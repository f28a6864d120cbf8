/// Scenario damage and consequences for one asset with OpenQuake's semantics (METHODS §6.2):
/// damage-state fractions per event from the fragility model, averaged over events; expected
/// buildings per damaged state = number × mean fraction; no_damage = number − Σ damaged states;
/// a consequence = Σ_damaged states (buildings in state × coefficient) × Q / number, where Q is
/// the quantity the consequence's name calls for.
public enum ScenarioDamage {
    /// Mean buildings per state [no_damage, ds₁ … dsₙ] over `events` events (default: one per
    /// intensity), from the events' intensities at the asset; events beyond the intensities
    /// given had no ground motion there.
    ///
    /// - Complexity: O(intensities × limit states).
    public static func buildings(number: Double, model: FragilityModel, intensities: [Double], events: Int? = nil) -> [Double] {
        var sums = [Double](repeating: 0, count: model.limitStates.count + 1)
        for x in intensities { model.addDamageFractions(x, to: &sums) }
        return buildings(number: number, fractionSums: sums, events: events ?? intensities.count)
    }

    /// Mean buildings per state from the per-state sums of damage fractions over the events with
    /// ground motion: damaged states = number × sum / events, no_damage the remainder.
    public static func buildings(number: Double, fractionSums sums: [Double], events: Int) -> [Double] {
        guard events > 0 else { return [number] + [Double](repeating: 0, count: sums.count - 1) }
        var out = [0.0]
        for k in 1..<sums.count { out.append(number * sums[k] / Double(events)) }
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
