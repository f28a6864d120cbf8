import Foundation
import RiskCore
import RiskGeo

/// A finished census, read-only: what the risk is at a point and which cells lie in a box,
/// answered from the run's own output files (`risk_level.tif`, `risk_index.tif`, `eal.tif`,
/// `fatalities.tif`, the unit layers), never by loading a raster whole.
///
/// Safe to share between threads: each query borrows a set of open files from a small pool
/// (GDAL, PROJ and GEOS handles belong to one thread at a time) and returns it.
///
/// ```swift
/// let view = try CensusView(folder: "maps/changzhou")
/// if let r = try view.point(lon: 119.95, lat: 31.78) { print(r.level, r.eal) }
/// ```
public final class CensusView: Sendable {
    /// The run folder.
    public let folder: String
    /// The census's name, from its provenance.
    public let name: String
    /// The analysis grid (its CRS is the grid's, not WGS 84).
    public let grid: GridSpec
    /// The bands of `eal.tif` and `fatalities.tif` after the first (the totals), in band order:
    /// one per hazard with losses, named by the unit tables' columns (`eal_flood`, …).
    public let lossColumns: [String], fatalityColumns: [String]
    /// The unit layers, finest first (`towns`, `districts`), each a GeoJSON file in the folder.
    public let unitLayers: [String]
    /// The census's currency.
    public let currency: String
    /// The grid's extent in WGS 84 longitude/latitude.
    public let extent: Bounds

    private let units: [UnitShape]
    /// The census's shelters (`coverage/shelters.geojson`), WGS 84; empty without coverage.
    private let shelters: [Feature]
    private let pool = HandlePool()

    /// A finest unit as the point query needs it: its name and code, its longitude/latitude
    /// bounds for a quick test, and its geometry for the exact one.
    private struct UnitShape: Sendable {
        var name: String, code: String, bounds: Bounds, geometry: Geometry
    }

    /// Opens a run folder that holds a finished census.
    ///
    /// - Throws: `CensusError.missingFile` when the folder lacks `provenance.json` or one of the
    ///   rasters (the run did not finish), `CensusError.badData` when a file cannot be read.
    public init(folder: String) throws(CensusError) {
        self.folder = folder
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        for f in ["provenance.json", "risk_level.tif", "risk_index.tif", "eal.tif", "fatalities.tif"]
            where !FileManager.default.fileExists(atPath: path(f)) {
            throw .missingFile(key: "census", path: path(f) + " (the census has not finished, or was made by an earlier engine)")
        }
        let prov: [String: Any]
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path("provenance.json")))
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw CensusError.badData(file: path("provenance.json"), message: "not a JSON object")
            }
            prov = object
        } catch let e as CensusError {
            throw e
        } catch {
            throw .badData(file: path("provenance.json"), message: "\(error)")
        }
        let census = prov["census"] as? [String: Any] ?? [:]
        name = census["name"] as? String ?? ""
        currency = census["currency"] as? String ?? ""
        unitLayers = (prov["units"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? ["districts"]
        do throws(GeoError) {
            let eal = try RasterDataset(path: path("eal.tif"))
            let fatal = try RasterDataset(path: path("fatalities.tif"))
            grid = try eal.georeferencedGrid()
            lossColumns = try eal.bands().dropFirst().map(\.description)
            fatalityColumns = try fatal.bands().dropFirst().map(\.description)
            let toWGS = try CoordinateTransformer(from: grid.crs!, to: .wgs84)
            let b = grid.bounds()
            var corners = [Position(b.minX, b.minY), Position(b.maxX, b.minY), Position(b.maxX, b.maxY), Position(b.minX, b.maxY)]
            try toWGS.transform(&corners)
            extent = Bounds(points: corners.map { (x: $0.x, y: $0.y) })!
            let layer = try VectorDataset(path: path(unitLayers[0] + ".geojson")).layer(at: 0)
            let shelterFile = path("coverage/shelters.geojson")
            shelters = FileManager.default.fileExists(atPath: shelterFile) ? try VectorDataset(path: shelterFile).layer(at: 0).features() : []
            units = try layer.features().compactMap { f -> UnitShape? in
                guard let g = f.geometry, let bounds = g.bounds else { return nil }
                return UnitShape(name: f.attributes["name"]?.stringValue ?? "", code: f.attributes["code"]?.stringValue ?? "", bounds: bounds, geometry: g)
            }
        } catch {
            throw .geo(error)
        }
    }

    // MARK: - Points

    /// The census's answer at one place.
    public struct PointRisk: Sendable, Equatable {
        /// The analysis cell: its number (row × width + column), column and row.
        public var cell: Int, col: Int, row: Int
        /// Level 1 (I, highest) … 5 (V); nil where the risk is unknown or outside the region.
        public var level: Int?
        public var riskIndex: Double?
        /// Expected annual loss and fatalities of the cell over the probabilistic hazards.
        public var eal: Double?, fatalities: Double?
        /// Per hazard with losses, by `lossColumns` / `fatalityColumns`.
        public var hazardLoss: [String: Double?], hazardFatalities: [String: Double?]
        /// The finest unit the point lies in (name and code); nil outside every unit.
        public var unit: (name: String, code: String)?

        public static func == (a: PointRisk, b: PointRisk) -> Bool {
            a.cell == b.cell && a.level == b.level && a.riskIndex == b.riskIndex && a.eal == b.eal && a.fatalities == b.fatalities
                && a.hazardLoss == b.hazardLoss && a.hazardFatalities == b.hazardFatalities && a.unit?.name == b.unit?.name && a.unit?.code == b.unit?.code
        }
    }

    /// The risk at a WGS 84 longitude/latitude; nil outside the analysis grid.
    public func point(lon: Double, lat: Double) throws(CensusError) -> PointRisk? {
        guard lon.isFinite, lat.isFinite, (-180...180).contains(lon), (-90...90).contains(lat) else { return nil }
        return try pool.with(self) { h throws(GeoError) -> PointRisk? in
            let p = try h.toGrid.transform(Position(lon, lat))
            guard let (col, row) = grid.cell(containing: p.x, p.y) else { return nil }
            // One read per raster, every band at once.
            let level = try h.level.readPixel(col: col, row: row)[0], index = try h.index.readPixel(col: col, row: row)[0]
            let eal = try h.eal.readPixel(col: col, row: row), fatalities = try h.fatalities.readPixel(col: col, row: row)
            var r = PointRisk(cell: row * grid.width + col, col: col, row: row, level: Self.known(level).map { Int($0) }, riskIndex: Self.known(index),
                              eal: Self.known(eal[0]), fatalities: Self.known(fatalities[0]), hazardLoss: [:], hazardFatalities: [:], unit: nil)
            for (k, c) in lossColumns.enumerated() { r.hazardLoss[c] = Self.known(eal[k + 1]) }
            for (k, c) in fatalityColumns.enumerated() { r.hazardFatalities[c] = Self.known(fatalities[k + 1]) }
            r.unit = try unit(lon: lon, lat: lat, h)
            return r
        }
    }

    /// The first finest unit (in file order) whose shape holds the point, edges included.
    private func unit(lon: Double, lat: Double, _ h: Handles) throws(GeoError) -> (name: String, code: String)? {
        let point = try h.geos.point(x: lon, y: lat)
        for (k, u) in units.enumerated() where u.bounds.contains(x: lon, y: lat) {
            if try h.preparedUnit(k, u.geometry).intersects(point) { return (u.name, u.code) }
        }
        return nil
    }

    // MARK: - Cells

    /// One analysis cell as a feature: its square in longitude/latitude and its values.
    public struct Cell: Sendable {
        public var id: Int, col: Int, row: Int
        /// The cell's corners in WGS 84, counter-clockwise from the lower left, closed.
        public var ring: [Position]
        public var level: Int?
        public var riskIndex: Double?
        public var eal: Double?, fatalities: Double?
        /// Per hazard with losses, in `lossColumns` / `fatalityColumns` order.
        public var hazardLoss: [Double?], hazardFatalities: [Double?]

        init(id: Int, col: Int, row: Int, ring: [Position], values v: Values, at i: Int) {
            self.id = id
            self.col = col
            self.row = row
            self.ring = ring
            level = CensusView.known(v.level[i]).map { Int($0) }
            riskIndex = CensusView.known(v.index[i])
            eal = CensusView.known(v.eal[0][i])
            fatalities = CensusView.known(v.fatalities[0][i])
            hazardLoss = v.eal.dropFirst().map { CensusView.known($0[i]) }
            hazardFatalities = v.fatalities.dropFirst().map { CensusView.known($0[i]) }
        }
    }

    /// A page of cells.
    public struct CellPage: Sendable {
        public var cells: [Cell]
        /// Whether cells beyond this page match.
        public var more: Bool
    }

    /// The cells inside the region that intersect a WGS 84 box, row by row from the north-west,
    /// skipping `offset` of them and returning at most `limit`. Rows are read in strips, and the
    /// reading stops once the page is full, so a box over the whole province costs no more than
    /// the strips the page needs.
    public func cells(in box: Bounds, limit: Int, offset: Int = 0) throws(CensusError) -> CellPage {
        try pool.with(self) { h throws(GeoError) -> CellPage in
            guard let window = try gridWindow(of: box, h) else { return CellPage(cells: [], more: false) }
            var out: [Cell] = []
            var skipped = 0
            let strip = 64
            var row = window.rowOff
            while row < window.rowEnd {
                let w = Window(colOff: window.colOff, rowOff: row, width: window.width, height: min(strip, window.rowEnd - row))
                let v = try h.read(w)
                var picked: [Int] = []
                var more = false
                for i in 0..<w.cellCount where !v.level[i].isNaN || !v.index[i].isNaN {
                    if skipped < offset { skipped += 1; continue }
                    if out.count + picked.count == limit { more = true; break }
                    picked.append(i)
                }
                let rings = try self.rings(of: picked, in: w, h)
                for (k, i) in picked.enumerated() {
                    let col = w.colOff + i % w.width, r = w.rowOff + i / w.width
                    out.append(Cell(id: r * grid.width + col, col: col, row: r, ring: rings[k], values: v, at: i))
                }
                if more { return CellPage(cells: out, more: true) }
                row += strip
            }
            return CellPage(cells: out, more: false)
        }
    }

    /// One cell by its number; nil when there is no such cell or it lies outside the region.
    public func cell(id: Int) throws(CensusError) -> Cell? {
        guard id >= 0, id < grid.cellCount else { return nil }
        let col = id % grid.width, row = id / grid.width
        return try pool.with(self) { h throws(GeoError) -> Cell? in
            let w = Window(colOff: col, rowOff: row, width: 1, height: 1)
            let v = try h.read(w)
            guard !v.level[0].isNaN || !v.index[0].isNaN else { return nil }
            return Cell(id: id, col: col, row: row, ring: try rings(of: [0], in: w, h)[0], values: v, at: 0)
        }
    }

    /// The grid window a WGS 84 box covers (its edges densified, as a projected box is not a
    /// rectangle in longitude/latitude); nil when they do not meet.
    private func gridWindow(of box: Bounds, _ h: Handles) throws(GeoError) -> Window? {
        guard let clipped = box.intersection(extent) else { return nil }
        var edge: [Position] = []
        let steps = 8
        for s in 0...steps {
            let t = Double(s) / Double(steps)
            let x = clipped.minX + t * clipped.width, y = clipped.minY + t * clipped.height
            edge += [Position(x, clipped.minY), Position(x, clipped.maxY), Position(clipped.minX, y), Position(clipped.maxX, y)]
        }
        try h.toGrid.transform(&edge)
        guard let b = Bounds(points: edge.map { (x: $0.x, y: $0.y) }), let inGrid = b.intersection(grid.bounds()) else { return nil }
        let w = grid.window(for: inGrid)
        return w.isEmpty ? nil : w
    }

    /// The WGS 84 squares of cells `picked` (indices into window `w`): the window's corner
    /// lattice is transformed once, each cell taking its four corners from it.
    private func rings(of picked: [Int], in w: Window, _ h: Handles) throws(GeoError) -> [[Position]] {
        guard !picked.isEmpty else { return [] }
        let t = grid.transform
        let firstRow = picked.map { $0 / w.width }.min()!, lastRow = picked.map { $0 / w.width }.max()!
        let cols = w.width + 1
        var corners: [Position] = []
        corners.reserveCapacity(cols * (lastRow - firstRow + 2))
        for r in firstRow...(lastRow + 1) {
            let y = t.originY + Double(w.rowOff + r) * t.pixelHeight
            for c in 0..<cols { corners.append(Position(t.originX + Double(w.colOff + c) * t.pixelWidth, y)) }
        }
        try h.toWGS.transform(&corners)
        // With north up (pixel height < 0), row r's top edge is lattice row r: lower left is
        // (c, r + 1), then lower right, upper right, upper left, closed (RFC 7946 §3.1.6).
        let northUp = t.pixelHeight < 0
        return picked.map { i in
            let r = i / w.width - firstRow, c = i % w.width
            func at(_ rr: Int, _ cc: Int) -> Position { corners[rr * cols + cc] }
            let (lower, upper) = northUp ? (r + 1, r) : (r, r + 1)
            return [at(lower, c), at(lower, c + 1), at(upper, c + 1), at(upper, c), at(lower, c)]
        }
    }

    // MARK: - Areas

    /// What a census says about an area: its cells' levels and losses and, when the census ran
    /// coverage, its residents and shelters.
    public struct AreaSummary: Sendable {
        /// Analysis cells whose centre lies in the area and inside the region, with a known risk.
        public var cells = 0
        /// Cells per level I…V.
        public var levelCells = [Int](repeating: 0, count: 5)
        public var eal = 0.0, fatalities = 0.0
        /// Per hazard with losses, by `lossColumns` / `fatalityColumns`.
        public var hazardLoss: [Double] = [], hazardFatalities: [Double] = []
        /// Residents in the area, those within reach of a shelter and those the exact
        /// capacitated assignment serves (`coverage/residents.tif`); nil without coverage.
        public var residents: Double?, covered: Double?, served: Double?
        /// Shelters inside the area, with their properties as `coverage/shelters.geojson` has
        /// them (id, category, capacity, assigned, nearest_load, overflow).
        public var shelters: [Feature] = []
    }

    /// The largest area window summed at once (cells), so one request cannot ask for the
    /// whole of a very large grid.
    public static let maxAreaCells = 16_000_000

    /// Sums the census over a WGS 84 polygon: the cells whose centre it contains (the engine's
    /// rule), and the shelters inside it.
    ///
    /// - Throws: `CensusError.input` (`area`) for a geometry that is not a polygon, and
    ///   `CensusError.geo` (invalid data) for one that covers more than `maxAreaCells` cells.
    public func area(_ polygon: Geometry) throws(CensusError) -> AreaSummary {
        switch polygon {
        case .polygon, .multiPolygon: break
        default: throw .input(name: "area", message: "expected a Polygon or MultiPolygon, found a \(polygon.typeName)")
        }
        return try pool.with(self) { h throws(GeoError) -> AreaSummary in
            var out = AreaSummary()
            out.hazardLoss = [Double](repeating: 0, count: lossColumns.count)
            out.hazardFatalities = [Double](repeating: 0, count: fatalityColumns.count)
            let projected = try h.toGrid.transform(polygon)
            guard let b = projected.bounds, let inGrid = b.intersection(grid.bounds()) else { return out }
            let w = grid.window(for: inGrid)
            guard !w.isEmpty else { return out }
            guard w.cellCount <= Self.maxAreaCells else {
                throw .invalidData(path: "area", location: "polygon", reason: "it covers \(w.cellCount) cells of the grid; at most \(Self.maxAreaCells) are summed at once")
            }
            let mask = try Rasterize.burn([projected], values: [1], crs: grid.crs!, onto: grid.subgrid(w), fill: 0)
            let v = try h.read(w)
            for i in 0..<w.cellCount where mask.values[i] == 1 && (!v.level[i].isNaN || !v.index[i].isNaN) {
                out.cells += 1
                if !v.level[i].isNaN { out.levelCells[Int(v.level[i]) - 1] += 1 }
                if !v.eal[0][i].isNaN { out.eal += Double(v.eal[0][i]) }
                if !v.fatalities[0][i].isNaN { out.fatalities += Double(v.fatalities[0][i]) }
                for k in out.hazardLoss.indices where !v.eal[k + 1][i].isNaN { out.hazardLoss[k] += Double(v.eal[k + 1][i]) }
                for k in out.hazardFatalities.indices where !v.fatalities[k + 1][i].isNaN { out.hazardFatalities[k] += Double(v.fatalities[k + 1][i]) }
            }
            if let residents = h.residents {
                var sums = [0.0, 0.0, 0.0]
                for band in 1...3 {
                    var buf = RasterBuffer<Float>(width: w.width, height: w.height)
                    try residents.read(band: band, window: w, into: &buf)
                    for i in 0..<w.cellCount where mask.values[i] == 1 && !buf.values[i].isNaN { sums[band - 1] += Double(buf.values[i]) }
                }
                (out.residents, out.covered, out.served) = (sums[0], sums[1], sums[2])
            }
            if !shelters.isEmpty {
                let inside = try h.geos.geometry(polygon).prepared()
                for s in shelters {
                    guard case .point(let p)? = s.geometry else { continue }
                    if try inside.contains(x: p.x, y: p.y) { out.shelters.append(s) }
                }
            }
            return out
        }
    }

    // MARK: - Open files

    /// A raster value as the queries give it: nil where the raster holds NaN (unknown).
    private static func known(_ x: Float) -> Double? { x.isNaN ? nil : Double(x) }

    /// The values of a window as the rasters hold them (Float32, NaN unknown): level, index, and
    /// every band of the loss rasters.
    struct Values {
        var level: [Float], index: [Float], eal: [[Float]], fatalities: [[Float]]
    }

    /// One thread's open files and coordinate machinery.
    final class Handles {
        let level: RasterDataset, index: RasterDataset, eal: RasterDataset, fatalities: RasterDataset
        let ealBands: Int, fatalityBands: Int
        let toGrid: CoordinateTransformer, toWGS: CoordinateTransformer
        let geos = GeosContext()
        /// `coverage/residents.tif`, when the census ran coverage.
        let residents: RasterDataset?
        private var prepared: [Int: GeosPreparedGeometry] = [:]

        /// Unit k's shape, prepared on first use by this handle set.
        func preparedUnit(_ k: Int, _ g: Geometry) throws(GeoError) -> GeosPreparedGeometry {
            if let p = prepared[k] { return p }
            let p = try geos.geometry(g).prepared()
            prepared[k] = p
            return p
        }

        init(_ view: CensusView) throws(GeoError) {
            func path(_ name: String) -> String { (view.folder as NSString).appendingPathComponent(name) }
            level = try RasterDataset(path: path("risk_level.tif"))
            index = try RasterDataset(path: path("risk_index.tif"))
            eal = try RasterDataset(path: path("eal.tif"))
            fatalities = try RasterDataset(path: path("fatalities.tif"))
            ealBands = 1 + view.lossColumns.count
            fatalityBands = 1 + view.fatalityColumns.count
            toGrid = try CoordinateTransformer(from: .wgs84, to: view.grid.crs!)
            toWGS = try CoordinateTransformer(from: view.grid.crs!, to: .wgs84)
            let residentsFile = path("coverage/residents.tif")
            residents = FileManager.default.fileExists(atPath: residentsFile) ? try RasterDataset(path: residentsFile) : nil
        }

        func read(_ w: Window) throws(GeoError) -> Values {
            func band(_ ds: RasterDataset, _ b: Int) throws(GeoError) -> [Float] {
                var buf = RasterBuffer<Float>(width: w.width, height: w.height)
                try ds.read(band: b, window: w, into: &buf)
                return buf.values
            }
            return Values(level: try band(level, 1), index: try band(index, 1),
                          eal: try (1...ealBands).map { b throws(GeoError) in try band(eal, b) },
                          fatalities: try (1...fatalityBands).map { b throws(GeoError) in try band(fatalities, b) })
        }
    }

    /// Open handle sets, handed to one query at a time; as many exist as queries ran at once.
    final class HandlePool: @unchecked Sendable {
        private let lock = NSLock()
        private var idle: [Handles] = []

        func with<T>(_ view: CensusView, _ body: (Handles) throws(GeoError) -> T) throws(CensusError) -> T {
            let h: Handles
            if let reused = lock.withLock({ idle.popLast() }) {
                h = reused
            } else {
                do throws(GeoError) { h = try Handles(view) } catch { throw .geo(error) }
            }
            defer { lock.withLock { idle.append(h) } }
            do { return try body(h) } catch { throw .geo(error) }
        }
    }
}
