import Foundation
import RiskCore

/// One polygon feature per grid cell in a GeoPackage layer, in WGS 84 as the GeoJSON cells are,
/// with the same properties: rows are made on any thread by `format` and written in tile order
/// by `append`, so the layer does not depend on the threads.
public final class CellLayerWriter: @unchecked Sendable {   // format is thread-safe; append runs on one thread at a time
    private let stream: GeoPackageWriter.FeatureStream
    private let fieldCount: Int
    private let corners: CellCorners
    private let strings: [String]

    /// The most cells (the grid's) for which the layer gets an R-tree spatial index.
    public static let spatialIndexLimit = 250_000

    /// A layer `name` in `package` with `fields` (their `index` is their column) and the
    /// `strings` that `CellText` values index; spatially indexed when the grid has at most
    /// `spatialIndexLimit` cells.
    public init(package: GeoPackageWriter, name: String, grid: GridSpec, fields: [CellField], strings: [String]) throws(GeoError) {
        precondition(fields.map(\.index).sorted() == Array(fields.indices), "fields are indexed 0..<count")
        corners = try CellCorners(grid: grid, path: package.path)
        stream = try package.beginLayer(name, fields: fields.sorted { $0.index < $1.index }.map { FieldDefinition(name: $0.name, type: $0.type) },
                                        crs: .wgs84, geometryType: "Polygon", spatialIndex: grid.cellCount <= Self.spatialIndexLimit)
        fieldCount = fields.count
        self.strings = strings
    }

    public var featureCount: Int { stream.count }

    /// One cell's values, in field order.
    public struct Row: CellProperties {
        var values: [PolygonRows.Value]
        public mutating func integer(_ k: CellField, _ v: Int) { values[k.index] = .integer(Int64(v)) }
        public mutating func number(_ k: CellField, _ v: Float) { values[k.index] = v.isFinite ? .real(Double(v)) : .null }
        public mutating func null(_ k: CellField) { values[k.index] = .null }
        public mutating func text(_ k: CellField, _ v: CellText) { values[k.index] = .text(v.index) }
    }

    /// The rows of `cells` (indices into `window`, row-major), with the values `body` sets.
    public func format(window: Window, cells: [Int], _ body: (Int, inout Row) -> Void) throws(GeoError) -> PolygonRows {
        var rows = PolygonRows(fieldCount: fieldCount, ringSize: 5, strings: strings)
        guard !cells.isEmpty else { return rows }
        let ps = try corners.positions(window)
        let cw = window.width + 1
        rows.values.reserveCapacity(cells.count * fieldCount)
        rows.rings.reserveCapacity(cells.count * 5)
        var row = Row(values: [PolygonRows.Value](repeating: .null, count: fieldCount))
        for i in cells {
            for f in 0..<fieldCount { row.values[f] = .null }
            body(i, &row)
            rows.values += row.values
            let r = i / window.width, c = i % window.width
            // Counterclockwise from the south-west corner, as the GeoJSON cells.
            let sw = (r + 1) * cw + c, se = sw + 1, ne = r * cw + c + 1, nw = r * cw + c
            for k in [sw, se, ne, nw, sw] { rows.rings.append(ps[k]) }
        }
        return rows
    }

    public func append(_ rows: PolygonRows) throws(GeoError) { try stream.append(rows) }
}
