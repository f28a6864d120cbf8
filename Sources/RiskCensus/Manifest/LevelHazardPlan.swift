import Foundation
import RiskCore
import RiskGeo

/// A hazard given as levels, resolved: its level count, how its levels are made (a raster, or a
/// derivation from factor layers the run performs first), and how its risk level follows.
extension CensusPlan {
    public struct LevelHazard: Sendable {
        /// Hazard levels: 1 the most severe … `count`.
        public var count: Int
        /// Nil for a levels raster given as it is.
        public var derivation: Derivation?
        /// The risk matrix; nil for the index path (the level's score as H in H·E·V·(1 − C)).
        public var matrix: RiskMatrix?
        /// Breaks of the exposure term E into the matrix's vulnerability levels, ascending.
        public var vulnerabilityBreaks: [Double]
    }

    /// A derivation of hazard levels from factor layers (docs/level-hazards.md).
    public struct Derivation: Sendable {
        public enum Source: Sendable {
            case raster(path: String, band: Int, resampling: Resampling)
            case terrain(path: String, band: Int, derivative: Manifest.TerrainDerivative)
            case distance(path: String, layer: String?)
        }

        public enum Classing: Sendable {
            /// Ascending breaks: k breaks give k + 1 classes, class j holding b_j ≤ x < b_{j+1}.
            case breaks([Double])
            /// Named classes of raster values.
            case table([(name: String, values: [Double])])

            public var count: Int {
                switch self {
                case .breaks(let b): b.count + 1
                case .table(let t): t.count
                }
            }
        }

        public struct Factor: Sendable {
            public var id: String
            /// The manifest key, for messages.
            public var key: String
            public var source: Source
            public var classing: Classing
            /// Weighted overlay: the class scores normalised to [0, 1].
            public var scores: [Double]?
        }

        public var method: Manifest.DerivationMethod
        public var inventory: (path: String, layer: String?)?
        public var holdOut: Double
        public var seed: UInt64
        public var factors: [Factor]
        /// Weighted overlay: the factors' weights, or nil for entropy weights.
        public var weights: [Double]?
        /// How the weights were set, for provenance: `given`, `ahp (CR …)`, `entropy`, or the
        /// inventory method's name.
        public var weighting: String
        public var classification: ClassificationMethod
        public var classificationName: String
        /// The manifest key of the derivation, for messages.
        public var key: String
    }

    /// The derived files of hazard `id` in an output folder.
    public static func derivedFiles(_ id: String) -> (index: String, levels: String, factors: String, validation: String) {
        let s = safeFileName(id)
        return ("\(s)_hazard_index.tif", "\(s)_hazard_level.tif", "\(s)_factors.csv", "\(s)_validation.json")
    }

    /// Resolves `levels` and `risk_matrix` of hazard `key`. `file` checks and records an input
    /// path; `raster` does the same for a raster input.
    static func levelHazard(_ h: Manifest.Hazard, _ levels: Manifest.Levels, key: String,
                            file: (String, String) throws(CensusError) -> String,
                            raster: (Manifest.RasterInput, String, Resampling) throws(CensusError) -> RasterLayer,
                            bad: (String, String) -> CensusError) throws(CensusError) -> (LevelHazard, RasterLayer) {
        let lk = "\(key).levels"
        guard (4...5).contains(levels.count) else { throw bad("\(lk).count", "found \(levels.count); expected 4 or 5 levels, as census hazard grades") }
        guard h.returnPeriods == nil, h.scenario == nil else {
            throw bad(key, "a hazard given as levels has no return_periods or scenario; give one or the other")
        }
        guard h.vulnerability == nil, h.fatality == nil else {
            throw bad(h.vulnerability != nil ? "\(key).vulnerability" : "\(key).fatality",
                      "a hazard given as levels has no damage or fatality curves; its risk comes from risk_matrix or the index path")
        }
        if h.indexReturnPeriod != nil { throw bad("\(key).index_return_period", "a hazard given as levels has no return periods") }
        var level = LevelHazard(count: levels.count, derivation: nil, matrix: nil, vulnerabilityBreaks: [])
        let layer: RasterLayer
        switch (levels.path, levels.derived) {
        case (let p?, nil):
            layer = try raster(Manifest.RasterInput(path: p, band: levels.band, resampling: .nearest), lk, .nearest)
        case (nil, let d?):
            if levels.band != nil { throw bad("\(lk).band", "a derived hazard has no band") }
            let derivation = try derivation(d, key: "\(lk).derived", file: file, raster: raster, bad: bad)
            let ck = "\(lk).derived.classification"
            switch derivation.classification {
            case .percentile(let p) where p.count != levels.count - 1:
                throw bad("\(ck).percentiles", "found \(p.count); expected \(levels.count - 1), one fewer than the levels")
            case .fixed(let t) where t.count != levels.count - 1:
                throw bad("\(ck).thresholds", "found \(t.count); expected \(levels.count - 1), one fewer than the levels")
            default: break
            }
            level.derivation = derivation
            // The run writes the levels on the compute grid before pass 1; the path is set then.
            layer = RasterLayer(key: "\(lk).derived", path: "", band: 1, resampling: .nearest, sampling: .window(col: 0, row: 0))
        default:
            throw bad(lk, "give exactly one of path (a levels raster) or derived")
        }
        if let m = h.riskMatrix {
            let mk = "\(key).risk_matrix"
            do { level.matrix = try RiskMatrix(m.matrix) } catch { throw bad("\(mk).matrix", error.description) }
            guard m.matrix.count == levels.count else {
                throw bad("\(mk).matrix", "has \(m.matrix.count) rows; expected one per hazard level (\(levels.count)), level 1 first")
            }
            let columns = m.matrix[0].count
            guard columns >= 2 else { throw bad("\(mk).matrix", "has 1 column; expected one per vulnerability level (2 or more)") }
            if let b = m.vulnerabilityBreaks {
                guard b.count == columns - 1 else {
                    throw bad("\(mk).vulnerability_breaks", "found \(b.count) breaks; expected \(columns - 1), one fewer than the matrix's columns")
                }
                guard b.allSatisfy({ $0 > 0 && $0 < 1 }), zip(b, b.dropFirst()).allSatisfy({ $0 < $1 }) else {
                    throw bad("\(mk).vulnerability_breaks", "found \(b); expected ascending values between 0 and 1 (the exposure term is normalised to [0, 1])")
                }
                level.vulnerabilityBreaks = b
            } else {
                level.vulnerabilityBreaks = (1..<columns).map { Double($0) / Double(columns) }
            }
        }
        return (level, layer)
    }

    private static func derivation(_ d: Manifest.DerivedHazard, key: String,
                                   file: (String, String) throws(CensusError) -> String,
                                   raster: (Manifest.RasterInput, String, Resampling) throws(CensusError) -> RasterLayer,
                                   bad: (String, String) -> CensusError) throws(CensusError) -> Derivation {
        guard !d.factors.isEmpty else { throw bad("\(key).factors", "list at least one factor") }
        var factors: [Derivation.Factor] = []
        var ids = Set<String>()
        for (i, f) in d.factors.enumerated() {
            let fk = "\(key).factors[\(i)]"
            guard !f.id.isEmpty, ids.insert(f.id).inserted else { throw bad("\(fk).id", "found \"\(f.id)\"; expected a unique, non-empty factor id") }
            let given = [f.raster != nil, f.terrain != nil, f.distanceTo != nil].filter { $0 }.count
            guard given == 1 else { throw bad(fk, "give exactly one of raster, terrain or distance_to") }
            let source: Derivation.Source
            if let r = f.raster {
                let layer = try raster(r, "\(fk).raster", .nearest)
                guard layer.resampling != .sum else { throw bad("\(fk).raster.resampling", "a factor is a value per place, not a total; use nearest, bilinear or average") }
                source = .raster(path: layer.path, band: layer.band, resampling: layer.resampling)
            } else if let t = f.terrain {
                let layer = try raster(Manifest.RasterInput(path: t.path, band: t.band, resampling: .bilinear), "\(fk).terrain", .bilinear)
                source = .terrain(path: layer.path, band: layer.band, derivative: t.derivative)
            } else {
                let v = f.distanceTo!
                let p = try file(v.path, "\(fk).distance_to.path")
                try checkLayer(p, v.layer, key: "\(fk).distance_to.layer", bad: bad)
                source = .distance(path: p, layer: v.layer)
            }
            let classing: Derivation.Classing
            switch (f.breaks, f.classes) {
            case (let b?, nil):
                guard !b.isEmpty, b.allSatisfy(\.isFinite), zip(b, b.dropFirst()).allSatisfy({ $0 < $1 }) else {
                    throw bad("\(fk).breaks", "found \(b); expected one or more ascending numbers")
                }
                classing = .breaks(b)
            case (nil, let t?):
                guard t.count >= 2 else { throw bad("\(fk).classes", "list two or more classes") }
                var seen: [Double: Int] = [:]
                for (j, c) in t.enumerated() {
                    guard !c.values.isEmpty else { throw bad("\(fk).classes[\(j)].values", "list the raster values of class \(c.name)") }
                    for v in c.values {
                        if let other = seen[v] { throw bad("\(fk).classes[\(j)].values", "value \(v) is in class \(t[other].name) already") }
                        seen[v] = j
                    }
                }
                if case .distance = source { throw bad("\(fk).classes", "a distance is classed by breaks, not a table") }
                if case .terrain = source { throw bad("\(fk).classes", "a terrain derivative is classed by breaks, not a table") }
                classing = .table(t.map { ($0.name, $0.values) })
            default:
                throw bad(fk, "give exactly one of breaks or classes")
            }
            var scores: [Double]?
            if d.method == .weightedOverlay {
                guard let s = f.scores else { throw bad("\(fk).scores", "required for weighted_overlay: one score per class (\(classing.count))") }
                guard s.count == classing.count else { throw bad("\(fk).scores", "found \(s.count) scores; expected one per class (\(classing.count))") }
                guard s.allSatisfy(\.isFinite), let lo = s.min(), let hi = s.max(), hi > lo else {
                    throw bad("\(fk).scores", "found \(s); expected finite scores that are not all equal")
                }
                scores = s.map { ($0 - lo) / (hi - lo) }
            } else if f.scores != nil {
                throw bad("\(fk).scores", "scores are for weighted_overlay; \(d.method.rawValue) weighs classes by the inventory")
            }
            factors.append(Derivation.Factor(id: f.id, key: fk, source: source, classing: classing, scores: scores))
        }
        var inventory: (String, String?)?
        if let inv = d.inventory {
            let p = try file(inv.path, "\(key).inventory.path")
            try checkLayer(p, inv.layer, key: "\(key).inventory.layer", bad: bad)
            inventory = (p, inv.layer)
        } else if d.method != .weightedOverlay {
            throw bad("\(key).inventory", "required for \(d.method.rawValue): the layer of past events its ratios count")
        }
        let holdOut = d.holdOut ?? (inventory == nil ? 0 : 0.3)
        guard holdOut >= 0, holdOut < 1 else { throw bad("\(key).hold_out", "found \(holdOut); expected a share in [0, 1)") }
        var weights: [Double]?
        var weighting = d.method.rawValue
        if d.method == .weightedOverlay {
            weighting = d.ahp != nil ? "ahp" : d.entropy == true ? "entropy" : "given"
            let given = [d.weights != nil, d.ahp != nil, d.entropy == true].filter { $0 }.count
            guard given == 1 else { throw bad(key, "weighted_overlay needs exactly one of weights, ahp or entropy: true") }
            let order = factors.map(\.id)
            if let w = d.weights {
                weights = try givenWeights(w, ids: order, what: "factor", key: "\(key).weights", bad: bad)
            } else if let a = d.ahp {
                let (w, ratio) = try ahpWeights(a, ids: order, what: "factor", key: "\(key).ahp", bad: bad)
                weights = w
                weighting = String(format: "ahp (consistency ratio %.4f)", ratio)
            }
        } else if d.weights != nil || d.ahp != nil || d.entropy != nil {
            throw bad(key, "weights, ahp and entropy are for weighted_overlay; \(d.method.rawValue) weighs classes by the inventory")
        }
        let cs = d.classification ?? Manifest.ClassificationSpec(method: .naturalBreaks)
        return Derivation(method: d.method, inventory: inventory, holdOut: holdOut, seed: UInt64(truncatingIfNeeded: d.seed ?? 1),
                          factors: factors, weights: weights, weighting: weighting, classification: try levelMethod(cs, key: "\(key).classification", bad: bad),
                          classificationName: cs.method.rawValue, key: key)
    }

    /// The classification of a derived index into levels; its percentiles or thresholds are
    /// counted when the level count is known (at derivation).
    private static func levelMethod(_ cs: Manifest.ClassificationSpec, key: String, bad: (String, String) -> CensusError) throws(CensusError) -> ClassificationMethod {
        switch cs.method {
        case .naturalBreaks: return .naturalBreaks
        case .quantile: return .quantile
        case .percentile:
            guard let p = cs.percentiles, zip(p, p.dropFirst()).allSatisfy({ $0 < $1 }), p.allSatisfy({ $0 > 0 && $0 < 100 }) else {
                throw bad("\(key).percentiles", "ascending percentiles between 0 and 100, one fewer than the levels")
            }
            return .percentile(p)
        case .fixed:
            guard let t = cs.thresholds, zip(t, t.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw bad("\(key).thresholds", "ascending thresholds, one fewer than the levels")
            }
            return .fixed(t)
        }
    }

    private static func checkLayer(_ path: String, _ layer: String?, key: String, bad: (String, String) -> CensusError) throws(CensusError) {
        try CensusError.mapping {
            let ds = try VectorDataset(path: path)
            if let name = layer, !ds.layerNames.contains(name) {
                throw bad(key, "no layer \"\(name)\" in \(path) (layers: \(ds.layerNames.joined(separator: ", ")))")
            }
            _ = try ds.layer(named: layer).requireCRS()
        }
    }
}
