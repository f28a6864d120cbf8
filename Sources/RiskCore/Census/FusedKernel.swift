import CRiskKernel

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
                                for k in 0..<classes { loss += hz.damage[k].impact(value: vv[k], at: intensity) }
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

/// The weighted-sum census in Float32, one fused pass per cell, in C (`Sources/CRiskKernel`):
/// AVX2/FMA eight cells at a time where the CPU has them (checked at run time), a portable loop
/// otherwise. Each curve is a sum of ramps, y(x) = y₀ + Σ_k c_k · max(0, x − x_k), which is the
/// piecewise-linear curve with its end clamps as arithmetic only. Available when every curve has
/// strictly increasing intensities and no normalisation takes a log; results agree with the
/// Double path to Float32 rounding (about 1e-6 relative). Concave and convex curves (most damage
/// curves) are evaluated as the lower or upper envelope of their segment lines instead, which
/// costs two operations a segment rather than three.
final class VectorisedPath: @unchecked Sendable {
    private var ramps: [rk_ramps] = []
    private var allocations: [UnsafeMutableRawPointer] = []

    init?(kernel: CensusKernel, parameters p: CensusKernel.IndexParameters) {
        let norms = p.hazard + p.vulnerability + [p.population, p.value] + (p.capacity.map { [$0] } ?? [])
        guard !norms.contains(where: \.logTransform) else { return nil }
        for hz in kernel.hazards {
            for f in hz.damage {
                // The ramps reproduce MDR = MDD only where PAA is 1 and MDD(x ≤ 0) is 0, which
                // is what a census damage curve starting at (x₀ ≥ 0, 0) gives.
                let xs = f.mdd.xs, ys = f.mdd.ys
                guard f.paa.ys.allSatisfy({ $0 == 1 }), xs[0] >= 0, ys[0] == 0 else { return nil }
                guard zip(xs, xs.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
                var slopes: [Double] = []
                for i in 0..<max(0, xs.count - 1) {
                    let rise: Double = ys[i + 1] - ys[i], run: Double = xs[i + 1] - xs[i]
                    slopes.append(rise / run)
                }
                let concave = zip(slopes, slopes.dropFirst()).allSatisfy { $0 >= $1 }
                let convex = zip(slopes, slopes.dropFirst()).allSatisfy { $0 <= $1 }
                if xs.count >= 2 && (concave || convex) {
                    // Envelope of the segment lines, after clamping x to [x₀, xₙ].
                    var intercepts: [Float] = []
                    for i in slopes.indices { intercepts.append(Float(ys[i] - slopes[i] * xs[i])) }
                    ramps.append(rk_ramps(mode: concave ? 1 : 2, y0: Float(ys[0]), lo: Float(xs[0]), hi: Float(xs[xs.count - 1]),
                                          count: Int32(slopes.count), knots: copy(xs.dropLast().map { Float($0) }),
                                          coefs: copy(slopes.map { Float($0) }), intercepts: copy(intercepts)))
                    continue
                }
                var knots: [Float] = [], coefficients: [Float] = []
                var previous = 0.0
                for i in xs.indices {
                    let slope = i + 1 < xs.count ? slopes[i] : 0
                    if slope != previous {
                        knots.append(Float(xs[i]))
                        coefficients.append(Float(slope - previous))
                    }
                    previous = slope
                }
                ramps.append(rk_ramps(mode: 0, y0: Float(ys[0]), lo: 0, hi: 0, count: Int32(knots.count), knots: copy(knots),
                                      coefs: copy(coefficients), intercepts: copy([Float(0)])))
            }
        }
    }

    deinit { for a in allocations { a.deallocate() } }

    private func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
        p.initialize(from: a, count: a.count)
        allocations.append(UnsafeMutableRawPointer(p))
        return p
    }

    /// min-max as u = clamp(a·x + b, 0, 1), then s·u + t; a constant indicator has a = 0, b = 1.
    static func linear(_ n: MinMaxNormalization) -> rk_linear {
        let (a, b): (Double, Double) = n.max > n.min ? (1 / (n.max - n.min), -n.min / (n.max - n.min)) : (0, 1)
        let (s, t): (Float, Float) = n.halfToOne ? (0.5, 0.5) : (1, 0)
        return rk_linear(a: Float(a), b: Float(b), s: s, t: t)
    }

    /// Whether the AVX2/FMA version runs on this CPU.
    static var usesAVX2: Bool { rk_has_avx2() != 0 }

    /// Switches the AVX2 version off, for tests of the portable version. Process-wide.
    static func forcePortable(_ on: Bool) { rk_force_portable(on ? 1 : 0) }

    func run(_ b: FusedKernel.Batch, kernel: CensusKernel, parameters p: CensusKernel.IndexParameters, weights: [Double],
             breaks: [Double], threads: Int) {
        let hz = kernel.hazards
        var offsets: [Int32] = [], flatIntensities: [UnsafePointer<Float>?] = [], flatWeights: [Float] = []
        for (h, hazard) in hz.enumerated() {
            offsets.append(Int32(flatIntensities.count))
            for band in 0..<hazard.bandCount {
                flatIntensities.append(b.intensities[h][band])
                flatWeights.append(Float(hazard.ealWeights?[band] ?? 1))
            }
        }
        let values: [UnsafePointer<Float>?] = b.values.map { $0 }
        let bands = hz.map { Int32($0.bandCount) }, indexBand = hz.map { Int32($0.indexBand) }
        let probabilistic = hz.map { UInt8($0.ealWeights != nil ? 1 : 0) }
        let hazardNorm = p.hazard.map(Self.linear), vulnerabilityNorm = p.vulnerability.map(Self.linear)
        let w = weights.map { Float($0) }
        let none = rk_linear(a: 0, b: 0, s: 0, t: 0)
        // The arrays live until this function returns; the C kernel reads them through pointers.
        values.withUnsafeBufferPointer { vp in flatIntensities.withUnsafeBufferPointer { ip in flatWeights.withUnsafeBufferPointer { ew in
        offsets.withUnsafeBufferPointer { op in bands.withUnsafeBufferPointer { bp in indexBand.withUnsafeBufferPointer { ib in
        probabilistic.withUnsafeBufferPointer { pr in ramps.withUnsafeBufferPointer { rp in hazardNorm.withUnsafeBufferPointer { hn in
        vulnerabilityNorm.withUnsafeBufferPointer { vn in w.withUnsafeBufferPointer { wp in
            let batch = rk_batch(
                count: Int64(b.count), population: b.population, classes: Int32(kernel.classCount), values: vp.baseAddress,
                hazards: Int32(hz.count), bands: bp.baseAddress, band_offset: op.baseAddress, intensities: ip.baseAddress,
                eal_weights: ew.baseAddress, index_band: ib.baseAddress, probabilistic: pr.baseAddress, ramps: rp.baseAddress,
                hazard_norm: hn.baseAddress, vulnerability_norm: vn.baseAddress, weights: wp.baseAddress,
                population_norm: Self.linear(p.population), value_norm: Self.linear(p.value),
                capacity_norm: p.capacity.map(Self.linear) ?? none, capacity: b.capacity,
                population_weight: Float(p.exposureWeights.population), value_weight: Float(p.exposureWeights.value),
                breaks: (Float(breaks[0]), Float(breaks[1]), Float(breaks[2]), Float(breaks[3])),
                eal: b.eal, index: b.index, level: b.level)
            let shared = SendableBatch(batch: batch)
            parallelChunks(b.count, threads: threads) { range in
                var local = shared.batch
                _ = rk_fused_weighted_sum(&local, Int64(range.lowerBound), Int64(range.upperBound))
            }
        } } } } } } } } } } }
    }
}

/// The C batch holds raw pointers; workers only read it and write disjoint cell ranges.
struct SendableBatch: @unchecked Sendable {
    var batch: rk_batch
}
