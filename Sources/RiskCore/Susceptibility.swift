import RealModule

/// Statistical susceptibility of slopes to failure (or of land to fire) from factor classes and an
/// inventory of past events, as census practice assesses geological hazards:
///
/// - frequency ratio FR_j = (N_j / N) / (S_j / S), and
/// - information value I_j = ln FR_j (Yin & Yan 1988),
///
/// where, for class j of a factor, N_j is the number of inventory events in its cells, N all
/// events, S_j its cells and S all cells (cells where a factor is unknown are left out of every
/// count). A cell's score is the sum over its factors' classes. A class with cells but no event
/// has FR 0 and, as ln 0 is not a number, the information value of half an event
/// (ln((½ / N) / (S_j / S))): it stays the lowest of its factor without swamping the sum.
public enum Susceptibility {
    public enum Method: String, Sendable, Codable, CaseIterable {
        case informationValue = "information_value"
        case frequencyRatio = "frequency_ratio"
    }

    /// One factor's class counts and weights.
    public struct ClassStatistics: Sendable, Equatable {
        public var cells: Int
        public var events: Int
        public var frequencyRatio: Double
        public var informationValue: Double
    }

    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// No inventory event lies on a cell where every factor is known.
        case noEvents
        /// Class `class` of factor `factor` has no cell (a class table naming a class the
        /// factor never takes).
        case emptyClass(factor: Int, class: Int)
        /// A cell's class is outside 0..<classCount.
        case classOutOfRange(factor: Int, cell: Int, value: Int32)

        public var description: String {
            switch self {
            case .noEvents: "no inventory event lies where every factor is known"
            case .emptyClass(let f, let c): "factor #\(f + 1), class \(c + 1): no cell falls in it, so its ratio is undefined"
            case .classOutOfRange(let f, let cell, let v): "factor #\(f + 1), cell \(cell): class \(v) is not one of the factor's classes"
            }
        }
    }

    /// Per factor, per class: counts, FR and I. `classes[f][cell]` is the class (0-based) of
    /// factor `f` at `cell`, or -1 where the factor is unknown; `classCounts[f]` the number of
    /// classes of factor `f`; `events` the cell of each inventory event (repeats allowed).
    public static func statistics(classes: [[Int32]], classCounts: [Int], events: [Int]) throws(Problem) -> [[ClassStatistics]] {
        let cellCount = classes.first?.count ?? 0
        let known = knownCells(classes)
        var cells = classCounts.map { [Int](repeating: 0, count: $0) }
        var hits = classCounts.map { [Int](repeating: 0, count: $0) }
        for (f, factor) in classes.enumerated() {
            for i in 0..<cellCount where known[i] {
                let c = Int(factor[i])
                guard c < classCounts[f] else { throw .classOutOfRange(factor: f, cell: i, value: factor[i]) }
                cells[f][c] += 1
            }
        }
        var total = 0
        for e in events where e >= 0 && e < cellCount && known[e] {
            total += 1
            for f in classes.indices { hits[f][Int(classes[f][e])] += 1 }
        }
        guard total > 0 else { throw .noEvents }
        let area = Double(known.reduce(0) { $0 + ($1 ? 1 : 0) })
        var out: [[ClassStatistics]] = []
        for f in classes.indices {
            var row: [ClassStatistics] = []
            for c in 0..<classCounts[f] {
                guard cells[f][c] > 0 else { throw .emptyClass(factor: f, class: c) }
                let areaShare = Double(cells[f][c]) / area
                let fr = (Double(hits[f][c]) / Double(total)) / areaShare
                let iv = Double.log((hits[f][c] > 0 ? Double(hits[f][c]) : 0.5) / Double(total) / areaShare)
                row.append(ClassStatistics(cells: cells[f][c], events: hits[f][c], frequencyRatio: fr, informationValue: iv))
            }
            out.append(row)
        }
        return out
    }

    /// Each cell's score: the sum of its classes' I (or FR); NaN where a factor is unknown.
    public static func score(classes: [[Int32]], statistics: [[ClassStatistics]], method: Method) -> [Float] {
        let known = knownCells(classes)
        return (0..<(classes.first?.count ?? 0)).map { i -> Float in
            guard known[i] else { return .nan }
            var s = 0.0
            for f in classes.indices {
                let st = statistics[f][Int(classes[f][i])]
                s += method == .informationValue ? st.informationValue : st.frequencyRatio
            }
            return Float(s)
        }
    }

    /// The success-rate curve: cells taken from the highest score down, the share of the area
    /// against the share of `events` in it. Cells of equal score are taken together, so the
    /// curve does not depend on the order cells are stored in. Returns the curve's points
    /// (from (0, 0) to (1, 1)) and the area under it (0.5 for a score no better than chance).
    public static func successRate(score: [Float], events: [Int]) -> (points: [(area: Double, events: Double)], auc: Double) {
        var eventsAt = [Int: Int]()
        for e in events where e >= 0 && e < score.count && !score[e].isNaN { eventsAt[e, default: 0] += 1 }
        let cells = score.indices.filter { !score[$0].isNaN }
        let totalEvents = eventsAt.values.reduce(0, +)
        guard !cells.isEmpty, totalEvents > 0 else { return ([(0, 0), (1, 1)], 0.5) }
        let ordered = cells.sorted { score[$0] > score[$1] }
        var points: [(area: Double, events: Double)] = [(0, 0)]
        var takenCells = 0, takenEvents = 0, k = 0
        while k < ordered.count {
            let s = score[ordered[k]]
            while k < ordered.count && score[ordered[k]] == s {
                takenCells += 1
                takenEvents += eventsAt[ordered[k]] ?? 0
                k += 1
            }
            points.append((Double(takenCells) / Double(cells.count), Double(takenEvents) / Double(totalEvents)))
        }
        var auc = 0.0
        for (a, b) in zip(points, points.dropFirst()) { auc += (b.area - a.area) * (a.events + b.events) / 2 }
        return (points, auc)
    }

    /// Events split into a training and a held-out set by a seeded shuffle (SplitMix64), so a
    /// prediction-rate figure is reproducible: `holdOut` of them (rounded down) are held out.
    public static func split(events: [Int], holdOut share: Double, seed: UInt64) -> (training: [Int], heldOut: [Int]) {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var shuffled = events
        if shuffled.count > 1 {
            for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
                shuffled.swapAt(i, Int(next() % UInt64(i + 1)))
            }
        }
        let held = Int((Double(events.count) * min(max(share, 0), 1)).rounded(.down))
        return (Array(shuffled.dropFirst(held)), Array(shuffled.prefix(held)))
    }

    /// The cells where every factor is known (class ≥ 0): the cells every count is over.
    public static func knownCells(_ classes: [[Int32]]) -> [Bool] {
        let n = classes.first?.count ?? 0
        var known = [Bool](repeating: !classes.isEmpty, count: n)
        for factor in classes { for i in 0..<n where factor[i] < 0 { known[i] = false } }
        return known
    }
}

/// Census risk levels from levels, by lookup: a single hazard's level from a matrix of hazard
/// level against vulnerability (or exposure) level, and the comprehensive level from the
/// single-hazard levels. Levels count from 1, the highest risk (I), down.
public struct RiskMatrix: Sendable, Equatable {
    /// `levels[h - 1][v - 1]`: the risk level for hazard level h and vulnerability level v.
    public let levels: [[Int]]
    /// The number of risk levels the matrix gives (4 or 5 in census specs).
    public let riskLevels: Int

    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case notRectangular(row: Int, found: Int, expected: Int)
        case empty
        case levelOutOfRange(row: Int, column: Int, value: Int, levels: Int)

        public var description: String {
            switch self {
            case .empty: "the matrix has no rows"
            case .notRectangular(let r, let f, let e): "row \(r + 1) has \(f) entries; expected \(e), as the first row"
            case .levelOutOfRange(let r, let c, let v, let n): "row \(r + 1), column \(c + 1): level \(v) is not 1…\(n)"
            }
        }
    }

    public init(_ levels: [[Int]], riskLevels: Int = 5) throws(Problem) {
        guard let width = levels.first?.count, width > 0 else { throw .empty }
        for (r, row) in levels.enumerated() {
            guard row.count == width else { throw .notRectangular(row: r, found: row.count, expected: width) }
            for (c, v) in row.enumerated() where !(1...riskLevels).contains(v) {
                throw .levelOutOfRange(row: r, column: c, value: v, levels: riskLevels)
            }
        }
        self.levels = levels
        self.riskLevels = riskLevels
    }

    public var hazardLevels: Int { levels.count }
    public var vulnerabilityLevels: Int { levels[0].count }

    /// The risk level; nil when either level is unknown or outside the matrix.
    public func level(hazard h: Int?, vulnerability v: Int?) -> Int? {
        guard let h, let v, (1...hazardLevels).contains(h), (1...vulnerabilityLevels).contains(v) else { return nil }
        return levels[h - 1][v - 1]
    }

    /// The comprehensive level of a cell or unit from its single-hazard levels: the highest
    /// (lowest-numbered) one, raised one level more when `raiseAt` or more hazards are at
    /// `atOrAbove` or higher (../shared/METHODS.md §1.2: two hazards at level II or above).
    /// Unknown levels are left out; nil when every level is unknown.
    public static func comprehensive(_ levels: [Int?], atOrAbove: Int = 2, raiseAt: Int = 2) -> Int? {
        let known = levels.compactMap { $0 }
        guard let top = known.min() else { return nil }
        let severe = known.filter { $0 <= atOrAbove }.count
        return severe >= raiseAt ? max(1, top - 1) : top
    }
}
