import Foundation
import RiskCore
import RiskGeo
import RiskMaps

/// `riskcensus impact`: a probabilistic event set (one raster band per event) against point
/// exposures, with CLIMADA's `ImpactCalc` semantics (`ImpactEngine`, METHODS §6.1).
///
/// Inputs are checked before any work: the events CSV must have one row per band, every `impf`
/// must have a function, function intensities must not decrease. Bad input is a
/// `CensusError.badData` naming the file and the line (exit 3).
public struct ImpactJob: Sendable {
    public var exposuresPath: String
    public var exposuresCRS: CRS = .wgs84
    public var hazardPath: String
    public var eventsPath: String
    public var functionsPath: String
    public var returnPeriods: [Double] = [5, 10, 25, 50, 100, 250]
    public var writeMatrix = false
    /// Workers over event chunks; the output does not depend on it.
    public var threads = Workers.available

    public init(exposuresPath: String, hazardPath: String, eventsPath: String, functionsPath: String) {
        self.exposuresPath = exposuresPath
        self.hazardPath = hazardPath
        self.eventsPath = eventsPath
        self.functionsPath = functionsPath
    }

    public struct Event: Sendable { public var id: String; public var frequency: Double; public var name: String }

    public struct Output: Sendable {
        public var result: ImpactEngine.Result
        public var events: [Event]
        public var exposures: [ImpactEngine.Exposure]
        public var exceedance: [(returnPeriod: Double, impact: Double)]
        /// Exposures outside the hazard grid: they contribute nothing.
        public var unassignedIDs: [String]
        /// Exposures whose cell is nodata in at least one event, and the (exposure, event) pairs
        /// left out for that reason.
        public var unknownHazardIDs: [String]
        public var unknownPairs: Int
    }

    public func run(outputDirectory out: String?) throws(CensusError) -> Output {
        try CensusError.mapping {
            let functions = try Self.readFunctions(functionsPath)
            let events = try Self.readEvents(eventsPath)
            let hazard = try RasterDataset(path: hazardPath)
            let grid = try hazard.georeferencedGrid()
            guard hazard.bandCount == events.count else {
                throw CensusError.badData(file: eventsPath, message: "\(events.count) events but \(hazardPath) has \(hazard.bandCount) bands; give one row per band, in band order")
            }
            var (exposures, lonlat) = try Self.readExposures(exposuresPath, crs: exposuresCRS, functions: functions)
            // Centroids: the hazard cell containing each point (in the hazard's CRS).
            let t = try CoordinateTransformer(from: exposuresCRS, to: grid.crs!)
            var cells: [Int: Int] = [:]       // grid cell index → centroid row
            var cellOf: [Int] = []
            var projected = lonlat
            try t.transform(&projected)
            for (j, p) in projected.enumerated() {
                guard let cell = grid.cell(containing: p.x, p.y) else { continue }
                let g = cell.row * grid.width + cell.col
                if cells[g] == nil { cells[g] = cellOf.count; cellOf.append(g) }
                exposures[j].centroid = cells[g]
            }
            // Events in chunks of 16, in parallel, each worker with its own GDAL handle, reading
            // only the window that holds the exposures. A nodata cell makes that event's
            // intensity unknown there: the exposure contributes nothing for that event and is
            // reported. Chunk results are combined in chunk order, so the thread count does not
            // change a bit of the output.
            let unassignedIDs = exposures.filter { $0.centroid == nil }.map(\.id)
            let index = ImpactEngine.CentroidIndex(exposures: exposures, centroids: cellOf.count)
            let window = Self.window(of: cellOf, gridWidth: grid.width)
            try hazard.requireBudget(window: window, bytesPerCell: 8, copies: max(1, min(threads, events.count)),
                                     what: "the window over the exposures, one per worker")
            let engine = ImpactEngine(functions: functions)
            let chunkSize = 16
            let chunks = (events.count + chunkSize - 1) / chunkSize
            let frequencies = events.map(\.frequency)
            let store = ChunkStore(count: chunks)
            let snapshot = (exposures, cellOf, hazardPath, writeMatrix)
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, chunks))) { worker in
                do {
                    let ds = try RasterDataset(path: snapshot.2)
                    var buffer = RasterBuffer<Double>(width: window.width, height: window.height)
                    var k = worker
                    while k < chunks {
                        let first = k * chunkSize, count = min(chunkSize, events.count - first)
                        var intensity = [Double](repeating: 0, count: count * snapshot.1.count)
                        var unknown: [(Int, Int)] = []
                        for e in 0..<count {
                            try ds.read(band: first + e + 1, window: window, into: &buffer)
                            for (c, g) in snapshot.1.enumerated() {
                                let v = buffer.values[(g / grid.width - window.rowOff) * window.width + g % grid.width - window.colOff]
                                if v.isNaN { unknown.append((first + e, c)) }
                                intensity[e * snapshot.1.count + c] = v.isNaN ? 0 : v
                            }
                        }
                        let r = engine.run(chunk: .init(firstEvent: first, count: count, intensity: intensity), exposures: snapshot.0,
                                           index: index, frequencies: frequencies, keepMatrix: snapshot.3)
                        store.put(k, r, unknown: unknown)
                        k += threads
                    }
                } catch {
                    store.fail(error)
                }
            }
            if let e = store.error { throw e }
            var atEvent = [Double](), eai = [Double](repeating: 0, count: exposures.count)
            var matrix: [(event: Int, exposure: Int, impact: Double)]? = writeMatrix ? [] : nil
            var unknownPairs: [(Int, Int)] = []
            for k in 0..<chunks {
                let r = store.results[k]!
                atEvent += r.atEvent
                for (j, v) in zip(r.touched, r.eai) { eai[j] += v }
                matrix? += r.matrix ?? []
                unknownPairs += store.unknown[k]
            }
            var aai = 0.0
            for e in events.indices { aai += frequencies[e] * atEvent[e] }
            var unknownExposures = Set<Int>()
            for (_, c) in unknownPairs { for m in index.start[c]..<index.start[c + 1] { unknownExposures.insert(index.members[m]) } }
            let result = ImpactEngine.Result(atEvent: atEvent, eaiExp: eai, aaiAgg: aai, matrix: matrix,
                                             unassigned: unassignedIDs.count)
            let curve = ImpactEngine.exceedance(atEvent: result.atEvent, frequencies: events.map(\.frequency), returnPeriods: returnPeriods)
            let output = Output(result: result, events: events, exposures: exposures,
                                exceedance: Array(zip(returnPeriods, curve)).map { (returnPeriod: $0.0, impact: $0.1) },
                                unassignedIDs: unassignedIDs,
                                unknownHazardIDs: unknownExposures.sorted().map { exposures[$0].id },
                                unknownPairs: unknownPairs.reduce(0) { n, p in n + index.start[p.1 + 1] - index.start[p.1] })
            if let out { try write(output, lonlat: lonlat, to: out) }
            return output
        }
    }

    /// The smallest window of the hazard grid holding all used cells.
    static func window(of cells: [Int], gridWidth: Int) -> Window {
        guard !cells.isEmpty else { return Window(colOff: 0, rowOff: 0, width: 1, height: 1) }
        var c0 = Int.max, c1 = Int.min, r0 = Int.max, r1 = Int.min
        for g in cells {
            c0 = min(c0, g % gridWidth); c1 = max(c1, g % gridWidth)
            r0 = min(r0, g / gridWidth); r1 = max(r1, g / gridWidth)
        }
        return Window(colOff: c0, rowOff: r0, width: c1 - c0 + 1, height: r1 - r0 + 1)
    }

    // MARK: Inputs

    static func readFunctions(_ path: String) throws -> [ImpactFunction] {
        let t = try CSVTable(path: path)
        let (ci, ii, mi, pi) = (try t.column("id"), try t.column("intensity"), try t.column("mdd"), try t.column("paa"))
        var order: [String] = []
        var points: [String: [(Double, Double, Double, Int)]] = [:]
        for r in t.rows {
            let id = r.fields[ci]
            if points[id] == nil { order.append(id) }
            points[id, default: []].append((try t.number(r, ii), try t.number(r, mi), try t.number(r, pi), r.line))
        }
        return try order.map { id in
            let p = points[id]!
            do {
                return try ImpactFunction(id: id, intensity: p.map(\.0), mdd: p.map(\.1), paa: p.map(\.2))
            } catch let error as PiecewiseLinearCurve.Problem {
                let line: Int = {
                    switch error {
                    case .xDecreasing(let i), .notFinite(let i), .yDecreasing(let i): return p[i].3
                    case .outOfRange(let i, _, _): return p[i].3
                    default: return p[0].3
                    }
                }()
                throw CensusError.badData(file: path, message: "impact function \(id), line \(line): \(error.description)")
            }
        }
    }

    static func readEvents(_ path: String) throws -> [Event] {
        let t = try CSVTable(path: path)
        let (ei, fi) = (try t.column("event_id"), try t.column("frequency"))
        let ni = t.index("name")
        return try t.rows.map { r in
            let f = try t.number(r, fi)
            guard f >= 0 else { throw CensusError.badData(file: path, message: "line \(r.line), frequency: must be ≥ 0, found \(f)") }
            return Event(id: r.fields[ei], frequency: f, name: ni.map { r.fields[$0] } ?? "")
        }
    }

    static func readExposures(_ path: String, crs: CRS, functions: [ImpactFunction]) throws -> ([ImpactEngine.Exposure], [Position]) {
        let layer = try VectorDataset(path: path, assumedCRS: crs).layer(named: nil)
        let index = Dictionary(uniqueKeysWithValues: functions.enumerated().map { ($1.id, $0) })
        var out: [ImpactEngine.Exposure] = []
        var positions: [Position] = []
        var rowOfID: [String: String] = [:]
        let geographic = (try? crs.isGeographic()) ?? false
        try layer.forEachFeature { (f: Feature) throws(GeoError) in
            let row = "feature \(f.id ?? Int64(out.count + 1))"
            guard case .point(let p)? = f.geometry else {
                throw GeoError.invalidData(path: path, location: row, reason: "expected a point (lon/lat columns or a Point geometry)")
            }
            guard p.x.isFinite, p.y.isFinite, !geographic || ((-180...180).contains(p.x) && (-90...90).contains(p.y)) else {
                throw GeoError.invalidData(path: path, location: row, reason: "position (\(p.x), \(p.y)) is not a longitude and latitude in degrees")
            }
            if let id = f.attributes["id"]?.stringValue {
                if let first = rowOfID[id] {
                    throw GeoError.invalidData(path: path, location: row, reason: "id \"\(id.prefix(64))\" is already the id of \(first); ids must be unique")
                }
                rowOfID[id] = row
            }
            func num(_ k: String, required: Bool) throws(GeoError) -> Double? {
                guard let a = f.attributes[k], !a.isMissing else {
                    if required { throw GeoError.invalidData(path: path, location: "\(row), field \(k)", reason: "missing") }
                    return nil
                }
                guard let v = a.doubleValue, v.isFinite else {
                    throw GeoError.invalidData(path: path, location: "\(row), field \(k)", reason: "expected a number")
                }
                // Values, deductibles and covers are amounts: a negative one would make a negative loss.
                guard v >= 0 else { throw GeoError.invalidData(path: path, location: "\(row), field \(k)", reason: "found \(v); expected a number ≥ 0") }
                return v
            }
            let impf = f.attributes["impf"]?.stringValue ?? ""
            guard let fi = index[impf] ?? index[impf.hasSuffix(".0") ? String(impf.dropLast(2)) : impf] else {
                throw GeoError.invalidData(path: path, location: "\(row), field impf", reason: "impact function \"\(impf)\" is not in the impact-functions file")
            }
            out.append(ImpactEngine.Exposure(id: f.attributes["id"]?.stringValue ?? String(out.count + 1), value: try num("value", required: true)!,
                                             function: fi, deductible: try num("deductible", required: false),
                                             cover: try num("cover", required: false), centroid: nil))
            positions.append(p)
        }
        guard !out.isEmpty else { throw GeoError.invalidData(path: path, location: "exposures", reason: "no exposure rows") }
        return (out, positions)
    }

    // MARK: Outputs

    func write(_ o: Output, lonlat: [Position], to out: String) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        func path(_ n: String) -> String { (out as NSString).appendingPathComponent(n) }
        let r = o.result
        let summary: JSONValue = .object([
            "aai_agg": .number(r.aaiAgg), "n_events": .number(Double(o.events.count)), "n_exposures": .number(Double(o.exposures.count)),
            "total_value": .number(o.exposures.reduce(0) { $0 + $1.value }), "unassigned": .number(Double(r.unassigned)),
            "unassigned_ids": .array(o.unassignedIDs.prefix(1000).map { .string($0) }),
            "unknown_hazard_exposures": .number(Double(o.unknownHazardIDs.count)),
            "unknown_hazard_ids": .array(o.unknownHazardIDs.prefix(1000).map { .string($0) }),
            "unknown_hazard_pairs": .number(Double(o.unknownPairs)),
            "semantics": .string("CLIMADA ImpactCalc: MDR = interp(I, mdd) * interp(I, paa), I > 0 only; deductible and cover as CLIMADA applies them"),
            "engine": .string("riskcensus " + EngineInfo.version),
            "inputs": .object([exposuresPath, hazardPath, eventsPath, functionsPath].reduce(into: [String: JSONValue]()) {
                $0[$1] = .string((try? AtomicFile.sha256(of: $1)) ?? "") }),
        ])
        try AtomicFile.write(summary.indented() + "\n", to: path("summary.json"))
        var at = "event_id,at_event\n"
        for (e, v) in zip(o.events, r.atEvent) { at += CSVText.row([e.id, JSONText.number(v)]) }
        try AtomicFile.write(at, to: path("at_event.csv"))
        var eai = "id,eai_exp\n"
        for (x, v) in zip(o.exposures, r.eaiExp) { eai += CSVText.row([x.id, JSONText.number(v)]) }
        try AtomicFile.write(eai, to: path("eai_exp.csv"))
        var ex = "return_period,impact\n"
        for p in o.exceedance { ex += CSVText.row([JSONText.number(p.returnPeriod), JSONText.number(p.impact)]) }
        try AtomicFile.write(ex, to: path("exceedance.csv"))
        let w = try GeoJSONFileWriter(path: path("eai_exp.geojson"), sourceCRS: exposuresCRS)
        for (j, x) in o.exposures.enumerated() {
            var a = Attributes()
            a["id"] = .string(x.id)
            a["value"] = .real(x.value)
            a["eai_exp"] = .real(r.eaiExp[j])
            a["assigned"] = .bool(x.centroid != nil)
            try w.append(Feature(geometry: .point(lonlat[j]), attributes: a))
        }
        try w.finish()
        // Exposures by their expected annual impact, on the EAL map's log scale.
        let style = LayerStyle(name: "eai_exp", geometry: .point, field: "eai_exp",
                               rule: .classes(ResultStyles.logClasses(top: r.eaiExp.filter(\.isFinite).max() ?? 1, unit: "per year")))
        _ = try ResultStyles.writeSidecars(in: out, files: ["eai_exp.geojson"]) { _ in style }
        if let m = r.matrix {
            var s = "event_id,id,impact\n"
            for (e, j, v) in m { s += CSVText.row([o.events[e].id, o.exposures[j].id, JSONText.number(v)]) }
            try AtomicFile.write(s, to: path("impact_matrix.csv"))
        }
    }
}

/// Collects chunk results from workers; each chunk index is written by exactly one worker.
final class ChunkStore: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var results: [ImpactEngine.ChunkResult?]
    private(set) var unknown: [[(Int, Int)]]
    private(set) var error: (any Error)?

    init(count: Int) {
        results = Array(repeating: nil, count: count)
        unknown = Array(repeating: [], count: count)
    }

    func put(_ k: Int, _ r: ImpactEngine.ChunkResult, unknown u: [(Int, Int)]) {
        lock.lock(); defer { lock.unlock() }
        results[k] = r
        unknown[k] = u
    }

    func fail(_ e: any Error) {
        lock.lock(); defer { lock.unlock() }
        if error == nil { error = e }
    }
}
