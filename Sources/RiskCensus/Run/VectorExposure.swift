import Foundation
import RiskCore
import RiskGeo

/// The census's vector exposure (infrastructure lines and points, building footprints), read
/// once and projected into the grid's CRS once per run, then shared by every tile: building a
/// PROJ transformation per tile and layer cost more than the tile's arithmetic.
struct VectorExposure: Sendable {
    enum Shape: Sendable {
        /// Lines in grid coordinates; `amount` is the cost per km.
        case lines([[Position]])
        /// A point; `amount` is its value.
        case point(Position)
        /// A footprint polygon (or a point-like one) spread by area; `amount` is its value.
        case footprint(Geometry)
    }

    struct Item: Sendable {
        var classIndex: Int
        var amount: Double
        var bounds: Bounds
        var shape: Shape
    }

    var features: [Item] = []
    /// The exposure classes that come from vector layers.
    var classes: [Int] = []

    static func load(_ plan: CensusPlan) throws -> VectorExposure {
        var out = VectorExposure()
        let gridCRS = plan.grid.crs!
        var buildingsByClass: [String: (index: Int, cost: Double)] = [:]
        func bounds(_ g: Geometry) -> Bounds? {
            g.bounds.map { b in
                // A point or a horizontal line still meets the cells it lies on.
                Bounds(minX: b.minX, minY: b.minY, maxX: max(b.maxX, b.minX), maxY: max(b.maxY, b.minY))
            }
        }
        for (k, c) in plan.classes.enumerated() {
            switch c.source {
            case .buildingVector(let name, let cost):
                buildingsByClass[name] = (k, cost)
                out.classes.append(k)
            case .lines(let spec), .points(let spec):
                out.classes.append(k)
                var lines = false
                if case .lines = c.source { lines = true }
                let layer = try VectorDataset(path: spec.path).layer(named: spec.layer)
                let t = try CoordinateTransformer(from: try layer.requireCRS(), to: gridCRS)
                try layer.forEachFeature { (f: Feature) throws(GeoError) in
                    guard let g = f.geometry else { return }
                    let projected = try t.transform(g)
                    guard let b = bounds(projected) else { return }
                    if lines {
                        let costPerKm = try number(f, spec.field, spec.constant, spec.path)
                        switch projected {
                        case .lineString(let l): out.features.append(Item(classIndex: k, amount: costPerKm, bounds: b, shape: .lines([l])))
                        case .multiLineString(let ls): out.features.append(Item(classIndex: k, amount: costPerKm, bounds: b, shape: .lines(ls)))
                        default:
                            throw GeoError.invalidData(path: spec.path, location: "feature \(f.id ?? -1)", reason: "expected a line, found \(projected.typeName)")
                        }
                    } else {
                        let value = try number(f, spec.field, spec.constant, spec.path)
                        guard let p = projected.positions.first else { return }
                        out.features.append(Item(classIndex: k, amount: value, bounds: b, shape: .point(p)))
                    }
                }
            case .buildingBand: break
            }
        }
        if let v = plan.footprints {
            let path = v.path
            let layer = try VectorDataset(path: path).layer(named: v.layer)
            let t = try CoordinateTransformer(from: try layer.requireCRS(), to: gridCRS)
            try layer.forEachFeature { (f: Feature) throws(GeoError) in
                guard let g = f.geometry else { return }
                guard let cls = f.attributes[v.classField]?.stringValue, let (k, c) = buildingsByClass[cls] else {
                    throw GeoError.invalidData(path: path, location: "feature \(f.id ?? -1), field \(v.classField)",
                                               reason: "structure class \"\(f.attributes[v.classField]?.stringValue ?? "null")\" is not a class of the manifest")
                }
                guard let area = f.attributes[v.areaField]?.doubleValue, area >= 0 else {
                    throw GeoError.invalidData(path: path, location: "feature \(f.id ?? -1), field \(v.areaField)", reason: "floor area must be a number ≥ 0")
                }
                let projected = try t.transform(g)
                guard let b = bounds(projected) else { return }
                switch projected {
                case .point(let p):
                    out.features.append(Item(classIndex: k, amount: area * c, bounds: b, shape: .point(p)))
                case .polygon, .multiPolygon:
                    out.features.append(Item(classIndex: k, amount: area * c, bounds: b, shape: .footprint(projected)))
                default:
                    throw GeoError.invalidData(path: path, location: "feature \(f.id ?? -1)", reason: "expected a point or a footprint polygon")
                }
            }
        }
        return out
    }

    private static func number(_ f: Feature, _ field: String?, _ constant: Double?, _ path: String) throws(GeoError) -> Double {
        if let field {
            guard let v = f.attributes[field]?.doubleValue, v.isFinite, v >= 0 else {
                throw GeoError.invalidData(path: path, location: "feature \(f.id ?? -1), field \(field)", reason: "expected a number ≥ 0")
            }
            return v
        }
        return constant ?? 0
    }
}

extension Bounds {
    /// True when the two share any point, edges included.
    func intersects(_ o: Bounds) -> Bool {
        minX <= o.maxX && o.minX <= maxX && minY <= o.maxY && o.minY <= maxY
    }
}
