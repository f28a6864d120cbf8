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
    private let flat: FlatTables

    public init(kernel: CensusKernel, parameters: CensusKernel.IndexParameters, breaks: [Double]) {
        precondition(breaks.count == 4, "four break values")
        self.kernel = kernel
        self.parameters = parameters
        self.breaks = breaks
        flat = FlatTables(kernel)
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
    /// The weighted-sum combination takes a blocked fast path; the others the per-cell path.
    public func run(_ b: Batch, threads: Int) {
        if case .weightedSum(let w) = parameters.combination {
            runBlocked(b, weights: w, threads: threads)
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

/// Curves and their lookup tables in flat memory, so the blocked path reads them without array
/// bounds checks or reference counting. Freed with the kernel.
final class FlatTables: @unchecked Sendable {
    struct Curve {
        var x0: Double, x1: Double, y0: Double, y1: Double, scale: Double
        var table: UnsafeMutablePointer<Int32>
        var xs: UnsafeMutablePointer<Double>, ys: UnsafeMutablePointer<Double>, slopes: UnsafeMutablePointer<Double>
        var single: Bool
    }
    /// [hazard × class] row-major.
    let curves: UnsafeMutablePointer<Curve>
    let count: Int
    private var allocations: [UnsafeMutableRawPointer] = []

    init(_ k: CensusKernel) {
        count = k.hazards.count * k.classCount
        curves = .allocate(capacity: max(1, count))
        for (h, hz) in k.hazards.enumerated() {
            for (c, curve) in hz.damage.enumerated() {
                func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
                    let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
                    p.initialize(from: a, count: a.count)
                    allocations.append(UnsafeMutableRawPointer(p))
                    return p
                }
                (curves + h * k.classCount + c).initialize(to: Curve(
                    x0: curve.x0, x1: curve.x1, y0: curve.y0, y1: curve.y1, scale: curve.scale,
                    table: copy(curve.table), xs: copy(curve.xs), ys: copy(curve.ys), slopes: copy(curve.slopes),
                    single: curve.xs.count == 1))
            }
        }
    }

    deinit {
        for a in allocations { a.deallocate() }
        curves.deallocate()
    }
}

extension FlatTables.Curve {
    /// Same value as `CompiledCurve.callAsFunction`.
    @inline(__always)
    func evaluate(_ x: Double) -> Double {
        if x > x0 {
            if x >= x1 { return y1 }
            var j = Int(table[Int((x - x0) * scale)])
            while xs[j + 1] <= x { j += 1 }
            return ys[j] + (x - xs[j]) * slopes[j]
        }
        if x.isNaN { return .nan }
        if x < x0 || single { return y0 }
        var j = 0
        while xs[j + 1] <= x { j += 1 }   // x == x0: the right-most point at x0
        return ys[j]
    }
}

extension MinMaxNormalization {
    /// Same value as `callAsFunction` for a non-log normalisation, written for the blocked path.
    @inline(__always)
    func linear(_ x: Double, _ invSpan: Double) -> Double {
        if x.isNaN { return .nan }
        var u = invSpan > 0 ? (x - min) * invSpan : 1
        u = u < 0 ? 0 : (u > 1 ? 1 : u)
        return halfToOne ? 0.5 + 0.5 * u : u
    }
}

extension FusedKernel {
    /// The weighted-sum path: cells in blocks of 256, hazard by hazard, with the curves and
    /// normalisations read from flat memory. Per-cell arithmetic is the same as the per-cell
    /// path, in the same order, so the results are identical.
    func runBlocked(_ b: Batch, weights: [Double], threads: Int) {
        let hazards = kernel.hazards
        let classes = kernel.classCount
        let p = parameters
        let br = (breaks[0], breaks[1], breaks[2], breaks[3])
        let flat = self.flat
        func inv(_ n: MinMaxNormalization) -> Double { n.max > n.min ? 1 / (n.max - n.min) : 0 }
        let hInv = p.hazard.map(inv), vInv = p.vulnerability.map(inv)
        parallelChunks(b.count, threads: threads) { range in
            let block = 512
            let buffers = UnsafeMutablePointer<Double>.allocate(capacity: block * 7)
            defer { buffers.deallocate() }
            let exposed = buffers, expo = buffers + block, risk = buffers + 2 * block, eal = buffers + 3 * block
            let hazardEAL = buffers + 4 * block, indexLoss = buffers + 5 * block, indicator = buffers + 6 * block
            let values = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: max(1, classes))
            defer { values.deallocate() }
            for k in 0..<classes { values[k] = b.values[k] }
            let population = b.population
            var start = range.lowerBound
            while start < range.upperBound {
                let m = min(block, range.upperBound - start)
                for j in 0..<m {
                    var e = 0.0
                    for k in 0..<classes { e += Double(values[k][start + j]) }
                    exposed[j] = e
                    risk[j] = 0
                    eal[j] = 0
                }
                let pw = p.exposureWeights.population, vw = p.exposureWeights.value
                for j in 0..<m {
                    expo[j] = pw * p.population(Double(population[start + j])) + vw * p.value(exposed[j])
                }
                if let cap = b.capacity, let cn = p.capacity {
                    for j in 0..<m { expo[j] *= 1 - cn(Double(cap[start + j])) }
                }
                for (h, hz) in hazards.enumerated() {
                    for j in 0..<m { hazardEAL[j] = 0; indexLoss[j] = 0; indicator[j] = 0 }
                    for band in 0..<hz.bandCount {
                        let ip = b.intensities[h][band] + start
                        let w = hz.ealWeights?[band] ?? 1
                        let isIndex = band == hz.indexBand
                        if classes == 1 {
                            let curve = flat.curves[h * classes]
                            let v0 = values[0] + start
                            for j in 0..<m {
                                let x = Double(ip[j])
                                var loss = Double(v0[j]) * curve.evaluate(x)
                                if x.isNaN { loss = .nan }
                                hazardEAL[j] += w * loss
                                if isIndex { indexLoss[j] = loss; indicator[j] = x }
                            }
                        } else {
                            for j in 0..<m {
                                let x = Double(ip[j])
                                var loss = 0.0
                                for k in 0..<classes { loss += Double(values[k][start + j]) * flat.curves[h * classes + k].evaluate(x) }
                                if x.isNaN { loss = .nan }
                                hazardEAL[j] += w * loss
                                if isIndex { indexLoss[j] = loss; indicator[j] = x }
                            }
                        }
                    }
                    let weight = weights[h], hn = p.hazard[h], vn = p.vulnerability[h], hi = hInv[h], vi = vInv[h]
                    let probabilistic = hz.ealWeights != nil
                    let linear = !hn.logTransform && !vn.logTransform
                    for j in 0..<m {
                        if probabilistic { eal[j] += hazardEAL[j] }
                        let e = exposed[j], l = indexLoss[j]
                        let ratio = e > 0 ? l / e : (l.isNaN ? .nan : 0)
                        let hh = linear ? hn.linear(indicator[j], hi) : hn(indicator[j])
                        let vv = linear ? vn.linear(ratio, vi) : vn(ratio)
                        risk[j] += weight * (hh * expo[j] * vv)
                    }
                }
                for j in 0..<m {
                    let c = start + j
                    b.eal[c] = Float(exposed[j].isNaN ? .nan : eal[j])
                    let f = Float(risk[j])
                    b.index[c] = f
                    let x = Double(f)
                    b.level[c] = x.isNaN ? 0 : x <= br.0 ? 5 : x <= br.1 ? 4 : x <= br.2 ? 3 : x <= br.3 ? 2 : 1
                }
                start += m
            }
        }
    }
}
