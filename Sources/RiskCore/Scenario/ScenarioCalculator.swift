import Dispatch

/// OpenQuake's scenario damage and scenario risk over a portfolio and ground-motion fields
/// (METHODS §6.2): each asset takes the nearest site by great-circle distance within the cut-off
/// (the others are dropped), and its results are means over all events of the fields, an event
/// with no row at the asset's site counting as no ground motion.
///
/// Work runs in fixed chunks of assets on several threads and is combined in chunk order, so the
/// thread count does not change a bit of the result.
public struct ScenarioCalculator: Sendable {
    public let portfolio: Portfolio
    public let gmf: GroundMotionFields
    /// The site of each asset; nil when no site lies within the cut-off.
    public let siteOfAsset: [Int?]
    public var threads: Int

    static let chunk = 256

    public init(portfolio: Portfolio, gmf: GroundMotionFields, maxDistanceKm: Double, threads: Int = 1) {
        self.portfolio = portfolio
        self.gmf = gmf
        self.threads = max(1, threads)
        let locator = SiteLocator(sites: gmf.sites)
        siteOfAsset = portfolio.assets.map { locator.nearest(to: $0.location, maxKm: maxDistanceKm) }
    }

    /// Indices of the assets with no site within the cut-off.
    public var droppedAssets: [Int] { siteOfAsset.indices.filter { siteOfAsset[$0] == nil } }

    /// Mean buildings per damage state [no_damage, ds₁ … dsₙ] of each asset (nil for a dropped
    /// one). `models[a]` is asset a's fragility model and the index of its IMT in `gmf.imts`.
    ///
    /// - Complexity: O(Σ_assets rows at the asset's site × limit states).
    public func damage(models: [(imt: Int, model: FragilityModel)]) -> [[Double]?] {
        precondition(models.count == portfolio.assets.count, "one model per asset")
        let events = gmf.eventIDs.count
        return perAsset { a in
            guard let s = siteOfAsset[a] else { return nil }
            let (m, model) = models[a]
            var sums = [Double](repeating: 0, count: model.limitStates.count + 1)
            for r in gmf.siteStart[s]..<gmf.siteStart[s + 1] {
                model.addDamageFractions(gmf.values[r * gmf.imts.count + m], to: &sums)
            }
            return ScenarioDamage.buildings(number: portfolio.assets[a].number, fractionSums: sums, events: events)
        }
    }

    /// Scenario losses of one loss type.
    public struct Losses: Sendable {
        /// Mean loss over events per asset (nil for a dropped asset).
        public var byAsset: [Double?]
        /// Total loss of each event over the assets, in `gmf.eventIDs` order.
        public var byEvent: [Double]
    }

    /// Losses of one loss type: loss = loss ratio(gmv) × exposed value per asset and event.
    /// `functions[a]` is asset a's vulnerability function and the index of its IMT.
    ///
    /// - Complexity: O(Σ_assets rows at the asset's site).
    public func losses(functions: [(imt: Int, function: VulnerabilityFunction)], values: [Double]) -> Losses {
        precondition(functions.count == portfolio.assets.count && values.count == functions.count, "one function and value per asset")
        let events = gmf.eventIDs.count
        let n = portfolio.assets.count
        let chunks = (n + Self.chunk - 1) / Self.chunk
        let store = ChunkResults<([Double?], [Double])>(count: chunks)
        let work: @Sendable (Int) -> Void = { k in
            var byEvent = [Double](repeating: 0, count: events)
            var byAsset: [Double?] = []
            for a in k * Self.chunk..<min(n, (k + 1) * Self.chunk) {
                guard let s = siteOfAsset[a] else { byAsset.append(nil); continue }
                let (m, f) = functions[a]
                var sum = 0.0
                for r in gmf.siteStart[s]..<gmf.siteStart[s + 1] {
                    let loss = f.lossRatio(gmf.values[r * gmf.imts.count + m]) * values[a]
                    byEvent[gmf.rowEvent[r]] += loss
                    sum += loss
                }
                byAsset.append(events > 0 ? sum / Double(events) : 0)
            }
            store.put(k, (byAsset, byEvent))
        }
        run(chunks, work)
        var out = Losses(byAsset: [], byEvent: [Double](repeating: 0, count: events))
        for k in 0..<chunks {
            let (a, e) = store.take(k)
            out.byAsset += a
            for i in 0..<events { out.byEvent[i] += e[i] }
        }
        return out
    }

    private func perAsset<T: Sendable>(_ body: @escaping @Sendable (Int) -> T) -> [T] {
        let n = portfolio.assets.count
        let chunks = (n + Self.chunk - 1) / Self.chunk
        let store = ChunkResults<[T]>(count: chunks)
        run(chunks) { k in store.put(k, (k * Self.chunk..<min(n, (k + 1) * Self.chunk)).map(body)) }
        return (0..<chunks).flatMap { store.take($0) }
    }

    private func run(_ chunks: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let workers = max(1, min(threads, chunks))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var k = w
            while k < chunks {
                body(k)
                k += workers
            }
        }
    }
}
