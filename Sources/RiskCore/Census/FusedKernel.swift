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
    private let vectorised: VectorisedPath?

    public init(kernel: CensusKernel, parameters: CensusKernel.IndexParameters, breaks: [Double]) {
        precondition(breaks.count == 4, "four break values")
        self.kernel = kernel
        self.parameters = parameters
        self.breaks = breaks
        vectorised = VectorisedPath(kernel: kernel, parameters: parameters)
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
    /// The weighted-sum rule with ramp-representable curves and linear normalisations takes the
    /// vectorised path; everything else the per-cell Double path.
    public func run(_ b: Batch, threads: Int) {
        if case .weightedSum(let w) = parameters.combination, let v = vectorised {
            v.run(b, kernel: kernel, parameters: parameters, weights: w, breaks: breaks, threads: threads)
            return
        }
        runPerCell(b, threads: threads)
    }

    func runPerCell(_ b: Batch, threads: Int) {
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

/// The weighted-sum census in Float32 over blocks of 1,024 cells, structure of arrays, in loops the
/// compiler vectorises: each curve is evaluated as a sum of ramps,
/// y(x) = y₀ + Σ_k c_k · max(0, x − x_k), which is the piecewise-linear curve with its end clamps
/// written as arithmetic only (no table lookups or branches). Available when every curve has
/// strictly increasing intensities and no normalisation takes a log; results agree with the
/// Double paths to Float32 rounding (about 1e-6 relative).
final class VectorisedPath: @unchecked Sendable {
    struct Ramps: @unchecked Sendable {
        var y0: Float
        var knots: UnsafeMutablePointer<Float>
        var coefficients: UnsafeMutablePointer<Float>
        var count: Int
    }
    let ramps: [Ramps]   // [hazard × class]
    private var allocations: [UnsafeMutableRawPointer] = []

    init?(kernel: CensusKernel, parameters p: CensusKernel.IndexParameters) {
        let norms = p.hazard + p.vulnerability + [p.population, p.value] + (p.capacity.map { [$0] } ?? [])
        guard !norms.contains(where: \.logTransform) else { return nil }
        var out: [Ramps] = []
        for hz in kernel.hazards {
            for c in hz.damage {
                let xs = c.xs, ys = c.ys
                guard zip(xs, xs.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
                var knots: [Float] = [], coefficients: [Float] = []
                var previous = 0.0
                for i in xs.indices {
                    let slope = i + 1 < xs.count ? (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) : 0
                    if slope != previous {
                        knots.append(Float(xs[i]))
                        coefficients.append(Float(slope - previous))
                    }
                    previous = slope
                }
                let k = UnsafeMutablePointer<Float>.allocate(capacity: max(1, knots.count))
                k.initialize(from: knots, count: knots.count)
                let cf = UnsafeMutablePointer<Float>.allocate(capacity: max(1, coefficients.count))
                cf.initialize(from: coefficients, count: coefficients.count)
                allocations += [UnsafeMutableRawPointer(k), UnsafeMutableRawPointer(cf)]
                out.append(Ramps(y0: Float(ys[0]), knots: k, coefficients: cf, count: knots.count))
            }
        }
        ramps = out
    }

    deinit { for a in allocations { a.deallocate() } }

    /// min-max in Float32 without branches: u = clamp(a·x + b, 0, 1), then s·u + t. A constant
    /// indicator has a = 0, b = 1 (NaN still gives NaN, as 0·NaN is NaN); [0.5, 1] has s = t = ½.
    struct Linear {
        var a: Float, b: Float, s: Float, t: Float
        init(_ n: MinMaxNormalization) {
            if n.max > n.min {
                a = Float(1 / (n.max - n.min))
                b = Float(-n.min / (n.max - n.min))
            } else {
                a = 0
                b = 1
            }
            (s, t) = n.halfToOne ? (0.5, 0.5) : (1, 0)
        }
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            var u = a * x + b
            u = u < 0 ? 0 : u
            u = u > 1 ? 1 : u
            return s * u + t
        }
    }

    func run(_ b: FusedKernel.Batch, kernel: CensusKernel, parameters p: CensusKernel.IndexParameters, weights: [Double],
             breaks: [Double], threads: Int) {
        let hazards = kernel.hazards
        let classes = kernel.classCount
        let hN = p.hazard.map(Linear.init), vN = p.vulnerability.map(Linear.init)
        let popN = Linear(p.population), valN = Linear(p.value), capN = p.capacity.map(Linear.init)
        let pw = Float(p.exposureWeights.population), vw = Float(p.exposureWeights.value)
        let (b0, b1, b2, b3) = (Float(breaks[0]), Float(breaks[1]), Float(breaks[2]), Float(breaks[3]))
        let ramps = self.ramps
        parallelChunks(b.count, threads: threads) { range in
            let block = 1024
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: block * 9)
            defer { scratch.deallocate() }
            let exposed = scratch, expo = scratch + block, risk = scratch + 2 * block, eal = scratch + 3 * block
            let hazardEAL = scratch + 4 * block, indexLoss = scratch + 5 * block, indicator = scratch + 6 * block
            let loss = scratch + 7 * block, damage = scratch + 8 * block
            var s = range.lowerBound
            while s < range.upperBound {
                let m = Swift.min(block, range.upperBound - s)
                for j in 0..<m { exposed[j] = 0; risk[j] = 0; eal[j] = 0 }
                for k in 0..<classes {
                    let v = b.values[k] + s
                    for j in 0..<m { exposed[j] += v[j] }
                }
                let pop = b.population + s
                for j in 0..<m { expo[j] = pw * popN(pop[j]) + vw * valN(exposed[j]) }
                if let cap = b.capacity, let cn = capN {
                    let c = cap + s
                    for j in 0..<m { expo[j] *= 1 - cn(c[j]) }
                }
                for (h, hz) in hazards.enumerated() {
                    for j in 0..<m { hazardEAL[j] = 0; indexLoss[j] = 0; indicator[j] = 0 }
                    for band in 0..<hz.bandCount {
                        let x = b.intensities[h][band] + s
                        for j in 0..<m { loss[j] = x[j] * 0 }
                        for k in 0..<classes {
                            let r = ramps[h * classes + k]
                            let v = b.values[k] + s
                            // x·0 is 0, or NaN for unknown intensity, which then carries through.
                            for j in 0..<m { damage[j] = r.y0 + x[j] * 0 }
                            for q in 0..<r.count {
                                let knot = r.knots[q], c = r.coefficients[q]
                                for j in 0..<m {
                                    let t = x[j] - knot
                                    damage[j] += c * (t > 0 ? t : 0)
                                }
                            }
                            for j in 0..<m { loss[j] += v[j] * damage[j] }
                        }
                        let w = Float(hz.ealWeights?[band] ?? 1)
                        for j in 0..<m { hazardEAL[j] += w * loss[j] }
                        if band == hz.indexBand {
                            for j in 0..<m { indexLoss[j] = loss[j]; indicator[j] = x[j] }
                        }
                    }
                    if hz.ealWeights != nil { for j in 0..<m { eal[j] += hazardEAL[j] } }
                    let wh = Float(weights[h]), hn = hN[h], vn = vN[h]
                    for j in 0..<m {
                        let e = exposed[j], l = indexLoss[j]
                        let ratio = e > 0 ? l / e : (l.isNaN ? l : 0)
                        risk[j] += wh * (hn(indicator[j]) * expo[j] * vn(ratio))
                    }
                }
                let ep = b.eal + s, ip = b.index + s, lp = b.level + s
                for j in 0..<m {
                    ep[j] = exposed[j].isNaN ? .nan : eal[j]
                    let x = risk[j]
                    ip[j] = x
                    let above: UInt8 = (x > b0 ? 1 : 0) &+ (x > b1 ? 1 : 0) &+ (x > b2 ? 1 : 0) &+ (x > b3 ? 1 : 0)
                    lp[j] = x.isNaN ? 0 : 5 &- above
                }
                s += m
            }
        }
    }
}
