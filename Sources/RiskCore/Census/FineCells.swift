/// Results computed on the compute grid, the analysis grid with each cell split into
/// `factor` × `factor` fine cells, and summed onto the analysis cells.
///
/// Why: a damage curve is not linear, so the loss of an averaged intensity is not the average
/// loss. Computing where hazard and exposure are both known at their own resolution and adding
/// up losses, not intensities, gives the same totals at any analysis cell size, and a hazard
/// value on a fine cell with nothing exposed (the sea) reaches no asset next to it
/// (docs/cell-size.md).
///
/// Arrays are row-major: `width × height` analysis cells, `(width·factor) × (height·factor)`
/// fine cells. Sums run in Double. A fine cell whose exposure is unknown (NaN, or masked out of
/// the census) adds nothing; an analysis cell none of whose fine cells is known is NaN.
public struct FineCells: Sendable {
    public let width: Int
    public let height: Int
    public let factor: Int

    public init(width: Int, height: Int, factor: Int) {
        precondition(width >= 0 && height >= 0 && factor >= 1, "bad fine-cell block")
        self.width = width
        self.height = height
        self.factor = factor
    }

    public var count: Int { width * height }
    public var fineWidth: Int { width * factor }
    public var fineCount: Int { count * factor * factor }

    /// Calls `body(cell, fine)` for every fine cell, cell by cell.
    @inline(__always)
    func forEach(_ body: (Int, Int) -> Void) {
        let f = factor, fw = fineWidth
        for r in 0..<height {
            for c in 0..<width {
                let cell = r * width + c
                let base = r * f * fw + c * f
                for j in 0..<f {
                    let row = base + j * fw
                    for i in 0..<f { body(cell, row + i) }
                }
            }
        }
    }

    /// Σ of the known fine values of each cell; NaN where none is known.
    public func sum(_ fine: [Float]) -> [Float] {
        precondition(fine.count == fineCount, "fine array of the wrong size")
        if factor == 1 { return fine }
        var total = [Double](repeating: 0, count: count)
        var known = [Bool](repeating: false, count: count)
        fine.withUnsafeBufferPointer { v in
            forEach { cell, i in
                let x = v[i]
                if !x.isNaN {
                    total[cell] += Double(x)
                    known[cell] = true
                }
            }
        }
        return (0..<count).map { known[$0] ? Float(total[$0]) : .nan }
    }

    /// One hazard's fine-cell results, as `CensusKernel.pass1` gives them.
    public struct HazardFine {
        public var exposedValue: [Float]
        public var population: [Float]
        public var loss: [Float]
        public var fatalities: [Float]
        /// The intensity at the index band.
        public var intensity: [Float]
        public var lossRatio: [Float]
        /// Fine cells the hazard's mask leaves out (no hazard there); nil without a mask.
        public var masked: [Bool]?

        public init(exposedValue: [Float], population: [Float], loss: [Float], fatalities: [Float], intensity: [Float],
                    lossRatio: [Float], masked: [Bool]?) {
            self.exposedValue = exposedValue
            self.population = population
            self.loss = loss
            self.fatalities = fatalities
            self.intensity = intensity
            self.lossRatio = lossRatio
            self.masked = masked
        }
    }

    /// One hazard's results per analysis cell.
    public struct HazardCells: Sendable {
        public var loss: [Float]
        public var fatalities: [Float]
        /// Exposure-weighted mean intensity (by exposed value, else by population, else plain).
        public var indicator: [Float]
        /// Σ loss at the index band / Σ exposed value.
        public var lossRatio: [Float]
        /// A level hazard's population per hazard level (level 1 first); empty otherwise.
        public var levelPopulation: [[Float]]

        public init(loss: [Float], fatalities: [Float], indicator: [Float], lossRatio: [Float], levelPopulation: [[Float]] = []) {
            self.loss = loss
            self.fatalities = fatalities
            self.indicator = indicator
            self.lossRatio = lossRatio
            self.levelPopulation = levelPopulation
        }
    }

    /// Sums one hazard's fine results onto the analysis cells.
    ///
    /// - Loss: Σ over fine cells with known exposure; a fine cell with value exposed and an
    ///   unknown loss (intensity NaN) makes the cell's loss unknown, one with nothing exposed
    ///   adds 0 whatever its intensity. Fatalities likewise over known population.
    /// - A masked fine cell adds 0 loss and 0 fatalities, keeps its exposure in the loss
    ///   ratio's denominator and is left out of the intensity mean; a cell masked whole has
    ///   intensity 0.
    public func hazard(_ h: HazardFine) -> HazardCells {
        precondition([h.exposedValue, h.population, h.loss, h.fatalities, h.intensity, h.lossRatio].allSatisfy { $0.count == fineCount },
                     "fine arrays of the wrong size")
        if factor == 1 { return single(h) }
        var out = HazardCells(loss: .init(repeating: .nan, count: count), fatalities: .init(repeating: .nan, count: count),
                              indicator: .init(repeating: .nan, count: count), lossRatio: .init(repeating: .nan, count: count))
        // Per cell: loss, known value, exposure, loss-ratio numerator, fatalities, known people,
        // intensity sums by value, by population and plain, with their weights, and the
        // number of masked and unmasked fine cells.
        struct Acc {
            var loss = 0.0, lossUnknown = false, valueKnown = false, exposed = 0.0, ratioNum = 0.0, ratioUnknown = false
            var deaths = 0.0, deathsUnknown = false, peopleKnown = false
            var iv = 0.0, wv = 0.0, ip = 0.0, wp = 0.0, iu = 0.0, nu = 0.0, masked = 0, open = 0
        }
        let f2 = factor * factor
        h.exposedValue.withUnsafeBufferPointer { ev in
        h.population.withUnsafeBufferPointer { pop in
        h.loss.withUnsafeBufferPointer { loss in
        h.fatalities.withUnsafeBufferPointer { fat in
        h.intensity.withUnsafeBufferPointer { inten in
        h.lossRatio.withUnsafeBufferPointer { lr in
            var acc = Acc()
            var seen = 0
            forEach { cell, i in
                let isMasked = h.masked?[i] ?? false
                let e = Double(ev[i]), p = Double(pop[i])
                if !e.isNaN {
                    acc.valueKnown = true
                    acc.exposed += e
                    if !isMasked && e != 0 {
                        let l = Double(loss[i]), r = Double(lr[i])
                        if l.isNaN { acc.lossUnknown = true } else { acc.loss += l }
                        if r.isNaN { acc.ratioUnknown = true } else { acc.ratioNum += r * e }
                    }
                }
                if !p.isNaN {
                    acc.peopleKnown = true
                    if !isMasked && p != 0 {
                        let d = Double(fat[i])
                        if d.isNaN { acc.deathsUnknown = true } else { acc.deaths += d }
                    }
                }
                if isMasked {
                    acc.masked += 1
                } else {
                    acc.open += 1
                    let x = Double(inten[i])
                    if !x.isNaN {
                        if !e.isNaN && e > 0 { acc.iv += x * e; acc.wv += e }
                        if !p.isNaN && p > 0 { acc.ip += x * p; acc.wp += p }
                        acc.iu += x
                        acc.nu += 1
                    }
                }
                seen += 1
                if seen == f2 {
                    if acc.valueKnown {
                        out.loss[cell] = acc.lossUnknown ? .nan : Float(acc.loss)
                        out.lossRatio[cell] = acc.ratioUnknown ? .nan : Float(acc.exposed > 0 ? acc.ratioNum / acc.exposed : 0)
                    }
                    if acc.peopleKnown { out.fatalities[cell] = acc.deathsUnknown ? .nan : Float(acc.deaths) }
                    if acc.open == 0 {
                        out.indicator[cell] = 0
                    } else if acc.wv > 0 {
                        out.indicator[cell] = Float(acc.iv / acc.wv)
                    } else if acc.wp > 0 {
                        out.indicator[cell] = Float(acc.ip / acc.wp)
                    } else if acc.nu > 0 {
                        out.indicator[cell] = Float(acc.iu / acc.nu)
                    }
                    acc = Acc()
                    seen = 0
                }
            }
        }}}}}}
        return out
    }

    /// `hazard` when each cell is its own fine cell: the same rules, one cell at a time.
    private func single(_ h: HazardFine) -> HazardCells {
        let n = count
        var out = HazardCells(loss: h.loss, fatalities: h.fatalities, indicator: h.intensity, lossRatio: h.lossRatio)
        h.exposedValue.withUnsafeBufferPointer { ev in
        h.population.withUnsafeBufferPointer { pop in
        out.loss.withUnsafeMutableBufferPointer { loss in
        out.fatalities.withUnsafeMutableBufferPointer { fat in
        out.indicator.withUnsafeMutableBufferPointer { ind in
        out.lossRatio.withUnsafeMutableBufferPointer { lr in
            for i in 0..<n {
                let masked = h.masked?[i] ?? false
                let e = ev[i], p = pop[i]
                if e.isNaN {
                    loss[i] = .nan
                    lr[i] = .nan
                } else if masked || e == 0 {
                    loss[i] = 0
                    lr[i] = 0
                }
                if p.isNaN { fat[i] = .nan } else if masked || p == 0 { fat[i] = 0 }
                if masked { ind[i] = 0 }
            }
        }}}}}}
        return out
    }
}

extension FineCells {
    /// A level hazard's fine cells (levels 1…`count`, NaN unknown or masked) on the analysis
    /// cells: each cell's level is the one most of its known fine cells have (a tie goes to the
    /// more severe, lower level), NaN where none is known; and, per level, the population of the
    /// fine cells at that level. Residents per level are so counted where the levels are known,
    /// whatever the analysis cell size; a cell's level is a majority, which the cell size does
    /// change (docs/level-hazards.md).
    public func levels(_ level: [Float], population: [Float], count: Int) -> (level: [Float], population: [[Float]]) {
        precondition(level.count == fineCount && population.count == fineCount, "fine arrays of the wrong size")
        var mode = [Float](repeating: .nan, count: self.count)
        var pops = [[Double]](repeating: [Double](repeating: 0, count: self.count), count: count)
        var known = [[Bool]](repeating: [Bool](repeating: false, count: self.count), count: count)
        var tally = [Int](repeating: 0, count: count)
        var current = -1
        func close(_ cell: Int) {
            var best = -1, most = 0
            for l in 0..<count where tally[l] > most { best = l; most = tally[l] }
            if best >= 0 { mode[cell] = Float(best + 1) }
            for l in 0..<count { tally[l] = 0 }
        }
        forEach { cell, i in
            if cell != current {
                if current >= 0 { close(current) }
                current = cell
            }
            let v = level[i]
            guard !v.isNaN else { return }
            let l = Int(v) - 1
            tally[l] += 1
            let p = population[i]
            if !p.isNaN {
                pops[l][cell] += Double(p)
                known[l][cell] = true
            }
        }
        if current >= 0 { close(current) }
        return (mode, (0..<count).map { l in (0..<self.count).map { c in Float(pops[l][c]) } })
    }
}
