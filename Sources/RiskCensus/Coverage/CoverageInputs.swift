import Foundation
import RiskCore
import RiskGeo

/// Demand units and facilities for coverage analyses, read from a population raster (each
/// populated cell a unit at its centre), points or polygons (by centroid), or CSV; positions in
/// the analysis CRS. Errors name the file and the feature or line (exit 3).
public struct DemandUnits: Sendable {
    public var ids: UnitIDs
    public var weights: [Double]
    /// Positions in the analysis CRS; nil when the source has no geometry (OD-matrix use only).
    public var positions: [Position]?
    /// For raster demand, the grid and each unit's cell index, so outputs can draw cells.
    public var grid: GridSpec?
    public var cells: [Int]?
    public var sourceCRS: CRS?
}

/// Demand unit ids: as listed (features, CSV), or `r<row>c<col>` made when asked for the cells
/// of a population raster, where a million small strings would cost more than the analysis.
public struct UnitIDs: RandomAccessCollection, Sendable, ExpressibleByArrayLiteral {
    enum Source: Sendable {
        case listed([String])
        case cells(width: Int, cells: [Int])
    }

    let source: Source

    public init(_ ids: [String]) { source = .listed(ids) }
    public init(arrayLiteral ids: String...) { source = .listed(ids) }
    /// Cell `g` of a grid `width` columns wide is `r<g / width>c<g % width>`.
    public init(cells: [Int], width: Int) { source = .cells(width: width, cells: cells) }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch source {
        case .listed(let a): a.count
        case .cells(_, let c): c.count
        }
    }

    public subscript(i: Int) -> String {
        switch source {
        case .listed(let a): a[i]
        case .cells(let w, let c): "r\(c[i] / w)c\(c[i] % w)"
        }
    }

    /// Appends id i as a CSV field without making a String for raster cells.
    func write(_ i: Int, to b: inout CSVBytes) {
        switch source {
        case .listed(let a): b.text(a[i])
        case .cells(let w, let c):
            b.empty()
            b.raw(0x72)   // r
            b.digits(c[i] / w)
            b.raw(0x63)   // c
            b.digits(c[i] % w)
        }
    }
}

public struct Facilities: Sendable {
    public var ids: [String]
    public var positions: [Position]?
    /// Capacity in persons.
    public var capacity: [Double]
    /// Effective area, m², where known.
    public var area: [Double?]
    public var category: [ShelterCategory]
    public var count: Int { ids.count }
    public var indices: Range<Int> { ids.indices }

    /// 2SFCA measures supply in effective area (m²) when every facility has one, else in persons.
    public var suppliesArea: Bool { !area.isEmpty && area.allSatisfy { $0 != nil } }
    public var accessibilitySupply: [Double] { suppliesArea ? area.map { $0! } : capacity }

    public static let empty = Facilities(ids: [], positions: [], capacity: [], area: [], category: [])

    /// Supply followed by candidates (for siting, where existing supply stays fixed).
    public func appending(_ other: Facilities) -> Facilities {
        var f = self
        f.ids += other.ids
        if let a = positions, let b = other.positions { f.positions = a + b } else { f.positions = nil }
        f.capacity += other.capacity
        f.area += other.area
        f.category += other.category
        return f
    }
}

enum CoverageInputs {
    static let rasterExtensions: Set<String> = ["tif", "tiff", "vrt", "img", "asc", "nc"]

    static func isRaster(_ path: String) -> Bool { rasterExtensions.contains((path as NSString).pathExtension.lowercased()) }

    /// The CRS analyses run in: the one asked for, else a projected demand raster's, else the
    /// UTM zone of the first demand point.
    static func analysisCRS(asked: CRS?, demandPath: String, assumed: CRS) throws -> CRS {
        if let asked { return asked }
        if isRaster(demandPath) {
            let r = try RasterDataset(path: demandPath)
            let grid = try r.georeferencedGrid()
            if try !grid.crs!.isGeographic() { return grid.crs! }
            let c = grid.transform.apply(col: Double(grid.width) / 2, row: Double(grid.height) / 2)
            let ll = try CoordinateTransformer(from: grid.crs!, to: .wgs84).transform(Position(c.x, c.y))
            return CRS.utm(lon: ll.x, lat: ll.y)
        }
        let layer = try VectorDataset(path: demandPath, assumedCRS: assumed).layer(named: nil)
        if let c = layer.crs, try !c.isGeographic() { return c }
        var first: Position?
        try layer.forEachFeature { (f: Feature) throws(GeoError) in
            if first == nil, let p = f.geometry?.positions.first { first = p }
        }
        guard let p = first else { return CRS.utm(lon: 0, lat: 0) }
        let ll = try CoordinateTransformer(from: layer.crs ?? assumed, to: .wgs84).transform(p)
        return CRS.utm(lon: ll.x, lat: ll.y)
    }

    static func demand(_ path: String, weightField: String, crs: CRS, assumed: CRS, idField: String? = nil) throws -> DemandUnits {
        if isRaster(path) {
            let r = try RasterDataset(path: path)
            let grid = try r.georeferencedGrid()
            let info = try r.band(1)
            // Read in Float32 where that is exact (half the memory of Double), else in Double.
            let exactInFloat = [RasterDataType.byte, .int8, .uint16, .int16, .float32].contains(info.dataType) && info.scale == 1 && info.offset == 0
            let (weights, cells, centres) = exactInFloat ? try populated(r.readBand(1, as: Float.self), grid: grid, path: path)
                : try populated(r.readBand(1, as: Double.self), grid: grid, path: path)
            var positions = centres
            if grid.crs! != crs { try CoordinateTransformer(from: grid.crs!, to: crs).transform(&positions) }
            let ids = UnitIDs(cells: cells, width: grid.width)
            return DemandUnits(ids: ids, weights: weights, positions: positions, grid: grid, cells: cells, sourceCRS: grid.crs)
        }
        let rows = try features(path, assumed: assumed, crs: crs, idField: idField)
        var ids: [String] = [], weights: [Double] = []
        for (k, f) in rows.features.enumerated() {
            let where_ = "\(path): feature \(k + 1)"
            guard let w = f.attributes[weightField]?.doubleValue, w.isFinite else {
                throw CensusError.badData(file: path, message: "feature \(k + 1) (\(rows.ids[k])), field \(weightField): expected a number (the demand weight)")
            }
            guard w >= 0 else { throw CensusError.badData(file: where_, message: "field \(weightField): negative weight \(w)") }
            ids.append(rows.ids[k])
            weights.append(w)
        }
        return DemandUnits(ids: UnitIDs(ids), weights: weights, positions: rows.positions, grid: nil, cells: nil, sourceCRS: rows.crs)
    }

    /// The populated cells of a population raster: weights, cell indices, cell centres, made
    /// on all cores (a run of rows each, written in place) for rasters of millions of cells.
    private static func populated<S: BinaryFloatingPoint & Sendable>(_ values: RasterBuffer<S>, grid: GridSpec, path: String) throws -> ([Double], [Int], [Position]) {
        if let bad = values.values.firstIndex(where: { $0.isFinite && $0 < 0 }) {
            throw CensusError.badData(file: path, message: "cell row \(bad / grid.width), column \(bad % grid.width): negative population \(Double(values.values[bad]))")
        }
        let parts = max(1, min(grid.height, 4 * Workers.limit))
        let rowsPer = (grid.height + parts - 1) / parts
        let ranges = (0..<parts).map { k in min(grid.cellCount, k * rowsPer * grid.width)..<min(grid.cellCount, (k + 1) * rowsPer * grid.width) }
        let counts = ChunkResults<Int>(count: parts)
        let v = values.values
        Workers.forEach(parts) { k in
            counts.put(k, v[ranges[k]].reduce(0) { $0 + ($1.isFinite && $1 > 0 ? 1 : 0) })
        }
        var first = [0]
        for k in 0..<parts { first.append(first[k] + counts.take(k)) }
        let n = first[parts], offsets = first
        return filledInPlace(count: n) { (out: InPlaceColumns<Double, Int, Position>) in
            Workers.forEach(parts) { k in
                var i = offsets[k]
                for g in ranges[k] where v[g].isFinite && v[g] > 0 {
                    let centre = grid.center(col: g % grid.width, row: g / grid.width)
                    out.first[i] = Double(v[g])
                    out.second[i] = g
                    out.third[i] = Position(centre.x, centre.y)
                    i += 1
                }
            }
        }
    }

    /// Facilities with their capacities (persons, from `capacity` or from `area_m2` by the
    /// category's m² per person). With `capacityRequired` false (candidates of an uncapacitated
    /// siting model, which never reads them) a site with neither has capacity NaN, unknown.
    static func facilities(_ path: String, defaultCategory: ShelterCategory, crs: CRS, assumed: CRS, idField: String? = nil, capacityRequired: Bool = true,
                           adjust: (ShelterCategory) -> ShelterCategory = { $0 }) throws -> Facilities {
        let rows = try features(path, assumed: assumed, crs: crs, idField: idField)
        var out = Facilities(ids: rows.ids, positions: rows.positions, capacity: [], area: [], category: [])
        for (k, f) in rows.features.enumerated() {
            let label = "feature \(k + 1) (\(rows.ids[k]))"
            func number(_ names: [String]) throws -> Double? {
                for n in names {
                    guard let a = f.attributes[n], !a.isMissing else { continue }
                    guard let v = a.doubleValue, v.isFinite else {
                        throw CensusError.badData(file: path, message: "\(label), field \(n): expected a number")
                    }
                    guard v >= 0 else { throw CensusError.badData(file: path, message: "\(label), field \(n): must be ≥ 0, found \(v)") }
                    return v
                }
                return nil
            }
            var category = adjust(defaultCategory)
            if let name = f.attributes["category"]?.stringValue, !name.isEmpty {
                guard let c = Standards.shelterCategory(name) else {
                    let known = Standards.shelterCategories.map(\.name).joined(separator: ", ")
                    throw CensusError.badData(file: path, message: "\(label), field category: unknown category \"\(name)\" (known: \(known), or their Chinese names)")
                }
                category = adjust(c)
            }
            let area = try number(["area_m2", "effective_area_m2"])
            let given = try number(["capacity"]) ?? area.map({ category.capacity(area: $0) })
            guard let capacity = given ?? (capacityRequired ? nil : .nan) else {
                throw CensusError.badData(file: path, message: "\(label): neither capacity nor area_m2 is given; a capacity is needed for this analysis")
            }
            out.capacity.append(capacity)
            out.area.append(area)
            out.category.append(category)
        }
        return out
    }

    /// Features with ids (`id`, else `name`, else the 1-based feature number) and positions
    /// (points as they are, polygons and lines by centroid) in the analysis CRS.
    static func features(_ path: String, assumed: CRS, crs: CRS, idField: String? = nil) throws -> (features: [Feature], ids: [String], positions: [Position]?, crs: CRS?) {
        // GDAL's CSV driver does not recognise a file of one column (an id list for use with an
        // OD matrix): such a file is read as a table of features without geometry.
        if path.lowercased().hasSuffix(".csv"), let table = try? CSVTable(path: path), table.header.count == 1 {
            let name = table.header[0]
            let features = table.rows.map { Feature(geometry: nil, attributes: Attributes([name: .string($0.fields[0])])) }
            return (features, try ids(of: features, path: path, field: idField), nil, nil)
        }
        let layer = try VectorDataset(path: path, assumedCRS: assumed).layer(named: nil)
        let features = try layer.features()
        let ids = try ids(of: features, path: path, field: idField)
        let geos = GeosContext()
        var positions: [Position] = []
        var missing = 0
        for f in features {
            switch f.geometry {
            case nil: missing += 1
            case .point(let p)?: positions.append(p)
            case let g?: positions.append(try geos.geometry(g).centroid().value().positions.first ?? Position(.nan, .nan))
            }
        }
        guard missing == 0 else {
            guard missing == features.count else { throw CensusError.badData(file: path, message: "\(missing) of \(features.count) features have no geometry") }
            return (features, ids, nil, layer.crs)
        }
        let source = layer.crs ?? assumed
        try CoordinateTransformer(from: source, to: crs).transform(&positions)
        return (features, ids, positions, source)
    }

    /// Ids as text, each once: from `field` when given (every feature must have it), else
    /// from a field called `id`, else `name` (in any case: `ID`, `Name`), else the 1-based
    /// feature number.
    static func ids(of features: [Feature], path: String, field: String? = nil) throws -> [String] {
        let names = features.first?.attributes.names ?? []
        /// The field of that name: exactly, else in another case.
        func find(_ wanted: String) -> String? { names.first { $0 == wanted } ?? names.first { $0.lowercased() == wanted.lowercased() } }
        let key = field.map { find($0) } ?? (find("id") ?? find("name"))
        if let field, key == nil, !features.isEmpty {
            throw CensusError.badData(file: path, message: "id field \"\(field)\" not found (fields: \(names.sorted().joined(separator: ", ")))")
        }
        var ids: [String] = [], seen = Set<String>()
        for (k, f) in features.enumerated() {
            let value = key.flatMap { f.attributes[$0] }
            if field != nil, value?.isMissing ?? true {
                throw CensusError.badData(file: path, message: "feature \(k + 1): the id field \(field!) is empty")
            }
            let id = value.flatMap { $0.isMissing ? nil : $0.stringValue } ?? String(k + 1)
            guard seen.insert(id).inserted else { throw CensusError.badData(file: path, message: "feature \(k + 1): id \"\(id)\" is repeated") }
            ids.append(id)
        }
        return ids
    }
}
