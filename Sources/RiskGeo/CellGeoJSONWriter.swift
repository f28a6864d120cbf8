import Foundation
import RiskCore

/// Streams one RFC 7946 polygon feature per grid cell, a tile at a time: the cells' corners are
/// transformed to WGS 84 once per tile and formatted once, and properties are written straight
/// into the output buffer, so a million cells take about a second rather than a minute through
/// `GeoJSONFileWriter`'s general path. Written under a temporary name and renamed by `finish()`.
/// Tiles can be formatted on several threads (`format`) and appended in order; the writer
/// itself is not Sendable.
public final class CellGeoJSONWriter {
    public var path: String { staged.path }
    private let grid: GridSpec
    private let precision: Int
    private let staged: StagedFile
    private var buffer: ByteBuffer { staged.buffer }
    private var count = 0
    private var finished = false
    private let corners: CellCorners

    public typealias Key = CellField

    /// The properties of one feature.
    public struct Properties: CellProperties {
        let buffer: ByteBuffer
        var first = true

        private mutating func key(_ k: Key) {
            if !first { buffer.append(0x2C) }
            first = false
            k.bytes.withUnsafeBufferPointer { buffer.append($0) }
        }

        public mutating func integer(_ k: Key, _ v: Int) {
            key(k)
            buffer.appendInteger(v)
        }

        /// The Float's shortest round-trip text; null when not finite.
        public mutating func number(_ k: Key, _ v: Float) {
            key(k)
            if v.isFinite { buffer.appendShortest(v) } else { buffer.append("null") }
        }

        public mutating func null(_ k: Key) {
            key(k)
            buffer.append("null")
        }

        public mutating func text(_ k: Key, _ v: CellText) {
            key(k)
            v.json.withUnsafeBufferPointer { buffer.append($0) }
        }
    }

    public init(path: String, grid: GridSpec, precision: Int, foreignMembers: [(name: String, json: String)]) throws(GeoError) {
        guard grid.crs != nil, grid.transform.isAxisAligned else {
            throw GeoError.writeFailed(path: path, operation: "write GeoJSON cells", reason: "the grid needs a CRS and north-up cells")
        }
        guard (0...15).contains(precision) else {
            throw GeoError.writeFailed(path: path, operation: "write GeoJSON", reason: "precision must be 0…15, got \(precision)")
        }
        self.grid = grid
        self.precision = precision
        corners = try CellCorners(grid: grid, path: path)
        staged = try StagedFile(path: path, capacity: 1 << 22)
        buffer.append("{\"type\":\"FeatureCollection\"")
        for m in foreignMembers { buffer.append(",\(JSONText.string(m.name)):\(m.json)") }
        buffer.append(",\"features\":[")
    }

    public var featureCount: Int { count }

    /// A tile's features as bytes, made by `format` on any thread and handed to `append(_:)`
    /// in order. It owns its buffer.
    public struct FormattedCells: @unchecked Sendable {
        let bytes: ByteBuffer
        let count: Int
    }

    /// Formats a feature for each of `cells` (indices into `window`, row-major), in order, with
    /// the id of the cell in the whole grid and the properties `body` writes; `append(_:)`
    /// writes them. Safe to call from several threads at once (each call borrows its own
    /// transformer), so the tiles of a run are formatted on all cores.
    public func format(window: Window, cells: [Int], _ body: (Int, inout Properties) -> Void) throws(GeoError) -> FormattedCells {
        let out = ByteBuffer(capacity: cells.count * 320 + 64)
        guard !cells.isEmpty else { return FormattedCells(bytes: out, count: 0) }
        let (corners, cornerStart) = try formatCorners(window)
        let cw = window.width + 1
        for (k, i) in cells.enumerated() {
            let r = i / window.width, c = i % window.width
            if k > 0 { out.append(0x2C) }
            out.append("{\"type\":\"Feature\",\"id\":")
            out.appendInteger((window.rowOff + r) * grid.width + window.colOff + c)
            out.append(",\"properties\":{")
            var p = Properties(buffer: out)
            body(i, &p)
            out.append("},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[")
            // Counterclockwise from the south-west corner (rows run south in a north-up grid).
            let sw = (r + 1) * cw + c, se = sw + 1, ne = r * cw + c + 1, nw = r * cw + c
            for (k, corner) in [sw, se, ne, nw, sw].enumerated() {
                if k > 0 { out.append(0x2C) }
                out.appendCopy(fromBuffer: corners, offset: cornerStart[corner], count: cornerStart[corner + 1] - cornerStart[corner])
            }
            out.append("]]}}")
        }
        return FormattedCells(bytes: out, count: cells.count)
    }

    /// Writes features formatted by `format`, after those already written.
    public func append(_ formatted: FormattedCells) throws(GeoError) {
        guard formatted.count > 0 else { return }
        if count > 0 { buffer.append(0x2C) }
        formatted.bytes.withBytes { buffer.append($0) }
        count += formatted.count
        if buffer.count > 1 << 22 { try staged.flush() }
    }

    /// Every corner of the window's cells in WGS 84, formatted as `[lon,lat]` once, with where
    /// each starts in the bytes.
    private func formatCorners(_ w: Window) throws(GeoError) -> (ByteBuffer, [Int]) {
        let ps = try corners.positions(w)
        let out = ByteBuffer(capacity: ps.count * 24)
        var cornerStart: [Int] = []
        cornerStart.reserveCapacity(ps.count + 1)
        for p in ps {
            cornerStart.append(out.count)
            JSONText.appendCoordinate(p, precision, to: out)
        }
        cornerStart.append(out.count)
        return (out, cornerStart)
    }

    public func finish() throws(GeoError) {
        precondition(!finished, "finish called twice")
        finished = true
        buffer.append("]}\n")
        try staged.finish()
    }
}

/// A cell layer's property: its name (and its JSON key, made once), type, and place among the
/// layer's fields.
public struct CellField: Sendable {
    public let name: String
    public let type: FieldType
    public let index: Int
    let bytes: [UInt8]
    public init(_ name: String, type: FieldType = .real, index: Int = 0) {
        self.name = name
        self.type = type
        self.index = index
        bytes = Array((JSONText.string(name) + ":").utf8)
    }
}

/// A text value of cells, shared by many: its JSON, and its place in the layer's strings.
public struct CellText: Sendable {
    public let json: [UInt8]
    public let index: Int
    public init(_ text: String, index: Int) {
        json = Array(JSONText.string(text).utf8)
        self.index = index
    }
}

/// What writes one cell's properties, for a GeoJSON file or a GeoPackage layer alike.
public protocol CellProperties {
    mutating func integer(_ k: CellField, _ v: Int)
    /// Null when not finite.
    mutating func number(_ k: CellField, _ v: Float)
    mutating func null(_ k: CellField)
    mutating func text(_ k: CellField, _ v: CellText)
}

/// The corners of a grid's cells in WGS 84 longitude/latitude, a window at a time, on any
/// thread: each call borrows a transformer from a pool (building one costs PROJ database
/// lookups).
final class CellCorners: Sendable {
    let grid: GridSpec
    let path: String
    private let transformers = Pool<CoordinateTransformer>()

    init(grid: GridSpec, path: String) throws(GeoError) {
        self.grid = grid
        self.path = path
        if let crs = grid.crs, crs.epsg != 4326 { transformers.give(try CoordinateTransformer(from: crs, to: .wgs84)) }   // fails here, not mid-run
    }

    /// (width + 1) × (height + 1) corners, row-major from the window's north-west corner.
    func positions(_ w: Window) throws(GeoError) -> [Position] {
        var ps: [Position] = []
        ps.reserveCapacity((w.width + 1) * (w.height + 1))
        for r in 0...w.height {
            for c in 0...w.width {
                let p = grid.transform.apply(col: Double(w.colOff + c), row: Double(w.rowOff + r))
                ps.append(Position(p.x, p.y))
            }
        }
        if let crs = grid.crs, crs.epsg != 4326 {
            let t: CoordinateTransformer
            if let idle = transformers.take() { t = idle } else { t = try CoordinateTransformer(from: crs, to: .wgs84) }
            defer { transformers.give(t) }
            try t.transform(&ps)
        }
        for p in ps {
            guard (-180...180).contains(p.x), (-90...90).contains(p.y) else {
                throw GeoError.writeFailed(path: path, operation: "write cells", reason: "position (\(p.x), \(p.y)) is outside WGS 84 lon/lat range")
            }
        }
        return ps
    }
}

/// Objects that serve one thread at a time, kept for reuse by whichever thread asks next.
final class Pool<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [T] = []

    func take() -> T? { lock.withLock { idle.popLast() } }
    func give(_ t: T) { lock.withLock { idle.append(t) } }
}
