import Foundation
import RiskCore

/// Streams one RFC 7946 polygon feature per grid cell, a tile at a time: the cells' corners are
/// transformed to WGS 84 once per tile and formatted once, and properties are written straight
/// into the output buffer, so a million cells take about a second rather than a minute through
/// `GeoJSONFileWriter`'s general path. Written under a temporary name and renamed by `finish()`.
/// Not Sendable.
public final class CellGeoJSONWriter {
    public var path: String { staged.path }
    private let grid: GridSpec
    private let precision: Int
    private let transformer: CoordinateTransformer?
    private let staged: StagedFile
    private var buffer: ByteBuffer { staged.buffer }
    private let corners = ByteBuffer(capacity: 1 << 16)
    private var cornerStart: [Int] = []
    private var count = 0
    private var finished = false

    /// A property name as JSON (`"name":`), made once.
    public struct Key: Sendable {
        let bytes: [UInt8]
        public init(_ name: String) { bytes = Array((JSONText.string(name) + ":").utf8) }
    }

    /// The properties of one feature.
    public struct Properties {
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

        /// A value already encoded as JSON (see `JSONText`).
        public mutating func json(_ k: Key, _ bytes: [UInt8]) {
            key(k)
            bytes.withUnsafeBufferPointer { buffer.append($0) }
        }
    }

    public init(path: String, grid: GridSpec, precision: Int, foreignMembers: [(name: String, json: String)]) throws(GeoError) {
        guard let crs = grid.crs, grid.transform.isAxisAligned else {
            throw GeoError.writeFailed(path: path, operation: "write GeoJSON cells", reason: "the grid needs a CRS and north-up cells")
        }
        guard (0...15).contains(precision) else {
            throw GeoError.writeFailed(path: path, operation: "write GeoJSON", reason: "precision must be 0…15, got \(precision)")
        }
        self.grid = grid
        self.precision = precision
        transformer = crs.epsg == 4326 ? nil : try CoordinateTransformer(from: crs, to: .wgs84)
        staged = try StagedFile(path: path, capacity: 1 << 22)
        buffer.append("{\"type\":\"FeatureCollection\"")
        for m in foreignMembers { buffer.append(",\(JSONText.string(m.name)):\(m.json)") }
        buffer.append(",\"features\":[")
    }

    public var featureCount: Int { count }

    /// Appends a feature for each of `cells` (indices into `window`, row-major), in order, with
    /// the id of the cell in the whole grid and the properties `body` writes.
    public func append(window: Window, cells: [Int], _ body: (Int, inout Properties) -> Void) throws(GeoError) {
        guard !cells.isEmpty else { return }
        try formatCorners(window)
        let cw = window.width + 1
        for i in cells {
            let r = i / window.width, c = i % window.width
            if count > 0 { buffer.append(0x2C) }
            buffer.append("{\"type\":\"Feature\",\"id\":")
            buffer.appendInteger((window.rowOff + r) * grid.width + window.colOff + c)
            buffer.append(",\"properties\":{")
            var p = Properties(buffer: buffer)
            body(i, &p)
            buffer.append("},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[")
            // Counterclockwise from the south-west corner (rows run south in a north-up grid).
            let sw = (r + 1) * cw + c, se = sw + 1, ne = r * cw + c + 1, nw = r * cw + c
            for (k, corner) in [sw, se, ne, nw, sw].enumerated() {
                if k > 0 { buffer.append(0x2C) }
                buffer.appendCopy(fromBuffer: corners, offset: cornerStart[corner], count: cornerStart[corner + 1] - cornerStart[corner])
            }
            buffer.append("]]}}")
            count += 1
        }
        if buffer.count > 1 << 22 { try staged.flush() }
    }

    /// Every corner of the window's cells in WGS 84, formatted as `[lon,lat]` once.
    private func formatCorners(_ w: Window) throws(GeoError) {
        var ps: [Position] = []
        ps.reserveCapacity((w.width + 1) * (w.height + 1))
        for r in 0...w.height {
            for c in 0...w.width {
                let p = grid.transform.apply(col: Double(w.colOff + c), row: Double(w.rowOff + r))
                ps.append(Position(p.x, p.y))
            }
        }
        if let transformer { try transformer.transform(&ps) }
        corners.removeAll()
        cornerStart.removeAll(keepingCapacity: true)
        for p in ps {
            guard (-180...180).contains(p.x), (-90...90).contains(p.y) else {
                throw GeoError.writeFailed(path: path, operation: "write GeoJSON cells", reason: "position (\(p.x), \(p.y)) is outside WGS 84 lon/lat range")
            }
            cornerStart.append(corners.count)
            JSONText.appendCoordinate(p, precision, to: corners)
        }
        cornerStart.append(corners.count)
    }

    public func finish() throws(GeoError) {
        precondition(!finished, "finish called twice")
        finished = true
        buffer.append("]}\n")
        try staged.finish()
    }
}
