/// The census per-cell work in one fused pass, for when the normalisations are known (from a
/// previous pass or a previous run): curves, losses, EAL, the index and the level, straight from
/// the input intensities to three outputs, with no intermediate arrays.
///
/// Equal to `CensusKernel.pass1`, then `pass2`, then `Classification.level` (tested), and the
/// code path the kernel benchmark measures.
///
/// - Complexity: O(cells × Σ_h bands_h × classes), memory O(1) beyond the caller's buffers.
public struct FusedKernel: Sendable {
    public let kernel: CensusKernel
    public let parameters: CensusKernel.IndexParameters
    public let breaks: [Double]

    public init(kernel: CensusKernel, parameters: CensusKernel.IndexParameters, breaks: [Double]) {
        precondition(breaks.count == 4, "four break values")
        self.kernel = kernel
        self.parameters = parameters
        self.breaks = breaks
    }

    /// Input pointers for a batch of `count` cells. `intensities[h][b]` points at hazard h, band b.
    public struct Batch: @unchecked Sendable {
        public var count: Int
        public var population: UnsafePointer<Float>
        public var values: [UnsafePointer<Float>]
        public var intensities: [[UnsafePointer<Float>]]
        public var capacity: UnsafePointer<Float>?
        public var eal: UnsafeMutablePointer<Float>
        public var index: UnsafeMutablePointer<Float>
        public var level: UnsafeMutablePointer<UInt8>

        public init(count: Int, population: UnsafePointer<Float>, values: [UnsafePointer<Float>], intensities: [[UnsafePointer<Float>]],
                    capacity: UnsafePointer<Float>?, eal: UnsafeMutablePointer<Float>, index: UnsafeMutablePointer<Float>,
                    level: UnsafeMutablePointer<UInt8>) {
            self.count = count
            self.population = population
            self.values = values
            self.intensities = intensities
            self.capacity = capacity
            self.eal = eal
            self.index = index
            self.level = level
        }
    }

    /// Runs the batch on `threads` workers (64 Ki-cell chunks; results independent of `threads`).
    public func run(_ b: Batch, threads: Int) {
        let hazards = kernel.hazards
        let classes = kernel.classCount
        let p = parameters
        let br = (breaks[0], breaks[1], breaks[2], breaks[3])
        parallelChunks(b.count, threads: threads) { range in
            var r = [Double](repeating: 0, count: hazards.count)
            var v = [Double](repeating: 0, count: classes)
            r.withUnsafeMutableBufferPointer { rr in
                v.withUnsafeMutableBufferPointer { vv in
                    for c in range {
                        var exposed = 0.0
                        for k in 0..<classes {
                            let x = Double(b.values[k][c])
                            vv[k] = x
                            exposed += x
                        }
                        let pop = Double(b.population[c])
                        let e = p.exposureWeights.population * p.population(pop) + p.exposureWeights.value * p.value(exposed)
                        let capTerm = b.capacity.map { 1 - p.capacity!(Double($0[c])) } ?? 1
                        var eal = 0.0
                        for (h, hz) in hazards.enumerated() {
                            var hazardEAL = 0.0, indexLoss = 0.0, indicator = 0.0
                            let bands = hz.bandCount
                            for band in 0..<bands {
                                let intensity = Double(b.intensities[h][band][c])
                                var loss = 0.0
                                for k in 0..<classes { loss += vv[k] * hz.damage[k](intensity) }
                                if intensity.isNaN { loss = .nan }
                                hazardEAL += (hz.ealWeights?[band] ?? 1) * loss
                                if band == hz.indexBand {
                                    indexLoss = loss
                                    indicator = intensity
                                }
                            }
                            if hz.ealWeights != nil { eal += hazardEAL }
                            let ratio = exposed > 0 ? indexLoss / exposed : (indexLoss.isNaN ? .nan : 0)
                            rr[h] = p.hazard[h](indicator) * e * p.vulnerability[h](ratio) * capTerm
                        }
                        let index = p.combination.combine(UnsafeBufferPointer(rr))
                        b.eal[c] = Float(exposed.isNaN ? .nan : eal)
                        b.index[c] = Float(index)
                        let x = Double(Float(index))
                        b.level[c] = x.isNaN ? 0 : x <= br.0 ? 5 : x <= br.1 ? 4 : x <= br.2 ? 3 : x <= br.3 ? 2 : 1
                    }
                }
            }
        }
    }
}
