import Dispatch

/// The per-cell census computation, fused and vectorised over contiguous cell ranges and run in
/// parallel on row blocks. Buffers belong to the caller; the kernel allocates nothing per cell.
///
/// Pass 1 (per tile): for every hazard h and intensity band r (a return period or a scenario),
/// loss_{h,r} = Σ_k value_k · DR_{h,k}(I_{h,r}) and fatalities_{h,r} = population · FR_h(I_{h,r});
/// probabilistic hazards integrate to EAL and expected annual fatalities with precomputed
/// trapezoid weights, scenario hazards keep the scenario loss. It also emits the index
/// components: the hazard indicator (the intensity at the index band) and the vulnerability
/// indicator (loss ratio at the index band, loss / exposed value).
///
/// Pass 2 (per tile, after global statistics): min-max normalisation, R_h = H·E·V·(1 − C), the
/// combination rule, and the level by the break values.
///
/// NaN in any input of a cell makes that cell's dependent outputs NaN: unknown is never zero.
public struct CensusKernel: Sendable {
    public struct Hazard: Sendable {
        public var id: String
        /// Trapezoid weights per band (EAL = Σ w·loss); nil for a scenario hazard.
        public var ealWeights: [Double]?
        /// Damage function per exposure class, in class order: the impact-engine form of the
        /// class's damage-ratio curve (`ImpactFunction(damageRatio:)`), so the census loss is the
        /// same formula as an event impact.
        public var damage: [ImpactFunction.Compiled]
        /// Fatality rate per person as a function of intensity; nil when none is given.
        public var fatality: CompiledCurve?
        /// The band whose intensity and loss ratio feed the index path.
        public var indexBand: Int

        public init(id: String, ealWeights: [Double]?, damage: [ImpactFunction.Compiled], fatality: CompiledCurve?, indexBand: Int) {
            self.id = id
            self.ealWeights = ealWeights
            self.damage = damage
            self.fatality = fatality
            self.indexBand = indexBand
        }

        public var bandCount: Int { ealWeights?.count ?? 1 }
    }

    public var hazards: [Hazard]
    public var classCount: Int

    public init(hazards: [Hazard], classCount: Int) {
        self.hazards = hazards
        self.classCount = classCount
    }

    /// One tile's inputs, each an array of `count` cells in row-major order.
    public struct Inputs: Sendable {
        public var count: Int
        public var population: [Float]
        /// Exposed value per class (currency), in class order.
        public var values: [[Float]]
        /// Intensity per hazard and band.
        public var intensities: [[[Float]]]

        public init(count: Int, population: [Float], values: [[Float]], intensities: [[[Float]]]) {
            self.count = count
            self.population = population
            self.values = values
            self.intensities = intensities
        }
    }

    /// Pass-1 outputs, one array of `count` cells each.
    public struct Components: Sendable {
        public var exposedValue: [Float]
        /// Per hazard: EAL (probabilistic) or scenario loss, currency.
        public var loss: [[Float]]
        /// Per hazard: expected annual fatalities (probabilistic) or scenario fatalities.
        public var fatalities: [[Float]]
        /// Per hazard: the intensity at the index band.
        public var hazardIndicator: [[Float]]
        /// Per hazard: loss / exposed value at the index band (0 where nothing is exposed).
        public var lossRatio: [[Float]]

        public init(count: Int, hazards: Int) {
            let z = [Float](repeating: .nan, count: count)
            exposedValue = z
            loss = Array(repeating: z, count: hazards)
            fatalities = Array(repeating: z, count: hazards)
            hazardIndicator = Array(repeating: z, count: hazards)
            lossRatio = Array(repeating: z, count: hazards)
        }
    }

    /// Pass 1 over all cells of a tile, on `threads` workers.
    ///
    /// - Complexity: O(cells × Σ_h bands_h × classes).
    public func pass1(_ input: Inputs, into out: inout Components, threads: Int) {
        let n = input.count
        precondition(input.population.count == n && input.values.count == classCount, "inputs do not match the kernel")
        let hz = hazards
        let classes = classCount
        let sink = UnsafeSink(out: &out)
        defer { sink.finish(into: &out) }
        // Structure of arrays over a chunk: each curve is evaluated for the chunk's cells in one
        // batch, then the sums run per cell in the order of the formula above, so every value
        // is the one the per-cell form gives, bit for bit.
        parallelChunks(n, threads: threads) { range in
            let m = range.count, c0 = range.lowerBound
            // Per chunk: each class's values and the population as Double, each curve's values
            // for the band, and the running sums.
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: m * (2 * classes + 7))
            defer { scratch.deallocate() }
            let value = scratch, ratio = value + m * classes, population = ratio + m * classes
            let fatalityRate = population + m, eal = fatalityRate + m, eaf = eal + m, indexLoss = eaf + m, spare = indexLoss + m
            let exposed = spare + m
            var knownValue = [Bool](repeating: true, count: m)
            exposed.update(repeating: 0, count: m)
            for k in 0..<classes {
                input.values[k].withUnsafeBufferPointer { v in
                    for j in 0..<m {
                        let x = Double(v[c0 + j])
                        value[k * m + j] = x
                        if x.isNaN { knownValue[j] = false } else { exposed[j] += x }
                    }
                }
            }
            input.population.withUnsafeBufferPointer { p in
                for j in 0..<m { population[j] = Double(p[c0 + j]) }
            }
            let exposedOut = sink.exposedValue.baseAddress! + c0
            for j in 0..<m { exposedOut[j] = knownValue[j] ? Float(exposed[j]) : .nan }
            for (h, hazard) in hz.enumerated() {
                eal.update(repeating: 0, count: m)
                eaf.update(repeating: 0, count: m)
                indexLoss.update(repeating: 0, count: m)
                let hasFatality = hazard.fatality != nil
                for b in 0..<hazard.bandCount {
                    let w = hazard.ealWeights?[b] ?? 1
                    input.intensities[h][b].withUnsafeBufferPointer { all in
                        let intensity = all.baseAddress! + c0
                        for k in 0..<classes {
                            hazard.damage[k].mdr(intensity, count: m, into: ratio + k * m, scratch: spare)
                        }
                        if let f = hazard.fatality { f.evaluate(intensity, count: m, into: fatalityRate) }
                        let indicator = b == hazard.indexBand ? sink.hazardIndicator[h].baseAddress! + c0 : nil
                        for j in 0..<m {
                            var loss = 0.0
                            for k in 0..<classes {
                                let v = value[k * m + j]
                                if v != 0 { loss += ratio[k * m + j] * v }
                            }
                            let x = intensity[j]
                            if x.isNaN { loss = .nan }
                            let fat = hasFatality ? population[j] * fatalityRate[j] : 0
                            eal[j] += w * loss
                            eaf[j] += w * fat
                            if let indicator {
                                indexLoss[j] = loss
                                indicator[j] = x
                            }
                        }
                    }
                }
                let lossOut = sink.loss[h].baseAddress! + c0, fatalitiesOut = sink.fatalities[h].baseAddress! + c0
                let ratioOut = sink.lossRatio[h].baseAddress! + c0
                for j in 0..<m {
                    lossOut[j] = knownValue[j] ? Float(eal[j]) : .nan
                    fatalitiesOut[j] = Float(eaf[j])
                    ratioOut[j] = knownValue[j]
                        ? Float(exposed[j] > 0 ? indexLoss[j] / exposed[j] : (indexLoss[j].isNaN ? .nan : 0)) : .nan
                }
            }
        }
    }

    /// Normalisations for pass 2, from the whole region's statistics.
    public struct IndexParameters: Sendable {
        public var hazard: [MinMaxNormalization]
        public var vulnerability: [MinMaxNormalization]
        public var population: MinMaxNormalization
        public var value: MinMaxNormalization
        /// Weights of the two exposure indicators (population, value), summing to 1.
        public var exposureWeights: (population: Double, value: Double)
        public var capacity: MinMaxNormalization?
        public var combination: CombinationRule

        public init(hazard: [MinMaxNormalization], vulnerability: [MinMaxNormalization], population: MinMaxNormalization,
                    value: MinMaxNormalization, exposureWeights: (population: Double, value: Double),
                    capacity: MinMaxNormalization?, combination: CombinationRule) {
            self.hazard = hazard
            self.vulnerability = vulnerability
            self.population = population
            self.value = value
            self.exposureWeights = exposureWeights
            self.capacity = capacity
            self.combination = combination
        }
    }

    /// Pass 2: per-hazard risk R_h = H·E·V·(1 − C), combined, for `count` cells. Outputs the
    /// combined index and each hazard's R_h.
    public func pass2(population: [Float], components: Components, capacity: [Float]?, parameters p: IndexParameters,
                      index: inout [Float], perHazard: inout [[Float]], threads: Int) {
        let n = population.count
        let hzCount = hazards.count
        precondition(index.count == n && perHazard.count == hzCount && perHazard.allSatisfy { $0.count == n },
                     "pass-2 outputs must be sized by the caller")
        let sink = UnsafeIndexSink(index: &index, perHazard: &perHazard)
        defer { sink.finish(index: &index, perHazard: &perHazard) }
        parallelChunks(n, threads: threads) { range in
            var r = [Double](repeating: 0, count: hzCount)
            for c in range {
                let e = p.exposureWeights.population * p.population(Double(population[c]))
                    + p.exposureWeights.value * p.value(Double(components.exposedValue[c]))
                let capacityTerm = capacity.map { 1 - p.capacity!(Double($0[c])) } ?? 1
                for h in 0..<hzCount {
                    let hh = p.hazard[h](Double(components.hazardIndicator[h][c]))
                    let vv = p.vulnerability[h](Double(components.lossRatio[h][c]))
                    r[h] = hh * e * vv * capacityTerm
                    sink.perHazard[h][c] = Float(r[h])
                }
                sink.index[c] = Float(r.withUnsafeBufferPointer { p.combination.combine($0) })
            }
        }
    }
}

/// Splits 0..<n into contiguous chunks of about 64 Ki cells and runs them on `threads` workers.
/// Chunk boundaries depend on n only, so results never depend on the thread count.
public func parallelChunks(_ n: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let chunk = 1 << 16
    let count = (n + chunk - 1) / chunk
    guard count > 0 else { return }
    if threads <= 1 || count == 1 || Workers.limit == 1 {
        for i in 0..<count { body(i * chunk..<min(n, (i + 1) * chunk)) }
        return
    }
    let workers = min(threads, count, Workers.limit)
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        var i = w
        while i < count {
            body(i * chunk..<min(n, (i + 1) * chunk))
            i += workers
        }
    }
}

/// Raw output pointers for pass 1. Workers write disjoint cell ranges, which is what makes the
/// unchecked sendability sound.
final class UnsafeSink: @unchecked Sendable {
    let exposedValue: UnsafeMutableBufferPointer<Float>
    let loss: [UnsafeMutableBufferPointer<Float>]
    let fatalities: [UnsafeMutableBufferPointer<Float>]
    let hazardIndicator: [UnsafeMutableBufferPointer<Float>]
    let lossRatio: [UnsafeMutableBufferPointer<Float>]

    init(out: inout CensusKernel.Components) {
        func copy(_ a: [Float]) -> UnsafeMutableBufferPointer<Float> {
            let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: a.count)
            _ = p.initialize(from: a)
            return p
        }
        exposedValue = copy(out.exposedValue)
        loss = out.loss.map(copy)
        fatalities = out.fatalities.map(copy)
        hazardIndicator = out.hazardIndicator.map(copy)
        lossRatio = out.lossRatio.map(copy)
    }

    func finish(into out: inout CensusKernel.Components) {
        func take(_ p: UnsafeMutableBufferPointer<Float>) -> [Float] {
            defer { p.deallocate() }
            return Array(p)
        }
        out.exposedValue = take(exposedValue)
        out.loss = loss.map(take)
        out.fatalities = fatalities.map(take)
        out.hazardIndicator = hazardIndicator.map(take)
        out.lossRatio = lossRatio.map(take)
    }
}

final class UnsafeIndexSink: @unchecked Sendable {
    let index: UnsafeMutableBufferPointer<Float>
    let perHazard: [UnsafeMutableBufferPointer<Float>]

    init(index: inout [Float], perHazard: inout [[Float]]) {
        func copy(_ a: [Float]) -> UnsafeMutableBufferPointer<Float> {
            let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: a.count)
            _ = p.initialize(from: a)
            return p
        }
        self.index = copy(index)
        self.perHazard = perHazard.map(copy)
    }

    func finish(index: inout [Float], perHazard: inout [[Float]]) {
        func take(_ p: UnsafeMutableBufferPointer<Float>) -> [Float] {
            defer { p.deallocate() }
            return Array(p)
        }
        index = take(self.index)
        perHazard = self.perHazard.map(take)
    }
}
