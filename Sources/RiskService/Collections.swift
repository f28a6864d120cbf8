import Foundation
import RiskCensus
import RiskCore
import RiskGeo

/// The feature collections of finished census jobs (OGC API – Features): per job, its units at
/// every level (`<job>-districts`, `<job>-towns`, …), its risk zones (`<job>-zones`), its cells
/// (`<job>-cells`, read from the rasters a page at a time) and, when it ran coverage, its
/// shelters (`<job>-shelters`).
final class CensusCollections: @unchecked Sendable {   // state behind `lock`
    /// A collection: what it is and where it comes from.
    struct Collection: Sendable {
        enum Source: Sendable { case vector(file: String), cells }
        var id: String, job: String, title: String, description: String
        var source: Source
    }

    /// A vector layer held in memory: small files (units, zones, shelters), read once.
    struct VectorLayer: Sendable {
        var features: [(id: String, bounds: Bounds?, json: JSON)]
        var extent: Bounds?
    }

    private let lock = NSLock()
    private var views: [String: CensusView] = [:]
    private var layers: [String: VectorLayer] = [:]

    /// The collections of one finished census job's output folder.
    func collections(job: String, folder: String) -> [Collection] {
        func has(_ f: String) -> Bool { FileManager.default.fileExists(atPath: folder + "/" + f) }
        var out: [Collection] = []
        // `<job>-districts` is always there: districts.geojson, or the coarsest units of a census
        // that names its own levels (tracts within neighbourhoods); every level also by its name.
        let levels = (try? view(job: job, folder: folder).unitLayers) ?? ["districts"]
        if let top = has("districts.geojson") ? "districts" : levels.last, has(top + ".geojson") {
            out.append(Collection(id: "\(job)-districts", job: job, title: "Districts (\(top)) of census job \(job)",
                                  description: "The census's coarsest units (\(top).geojson): population, exposed value, EAL and fatalities (total and per hazard), cells per risk level.",
                                  source: .vector(file: top + ".geojson")))
        }
        for level in levels where level != "districts" && has(level + ".geojson") {
            out.append(Collection(id: "\(job)-\(level)", job: job, title: "\(level) of census job \(job)",
                                  description: "The census's \(level) (\(level).geojson): population, exposed value, EAL and fatalities (total and per hazard), cells per risk level.",
                                  source: .vector(file: level + ".geojson")))
        }
        if has("risk_zones.geojson") {
            out.append(Collection(id: "\(job)-zones", job: job, title: "Risk zones of census job \(job)",
                                  description: "One MultiPolygon per risk level I–V (risk_zones.geojson).", source: .vector(file: "risk_zones.geojson")))
        }
        if has("risk_level.tif") {
            out.append(Collection(id: "\(job)-cells", job: job, title: "Cells of census job \(job)",
                                  description: "Every analysis cell inside the region with a known risk: level, composite index, EAL and fatalities in total and per hazard; read from the run's rasters.",
                                  source: .cells))
        }
        if has("coverage/shelters.geojson") {
            out.append(Collection(id: "\(job)-shelters", job: job, title: "Shelters of census job \(job)",
                                  description: "Shelters with capacity, load and served residents (coverage/shelters.geojson).",
                                  source: .vector(file: "coverage/shelters.geojson")))
        }
        return out
    }

    /// The job's census view if it is open already.
    func openView(job: String) -> CensusView? { lock.withLock { views[job] } }

    /// The job's census view, opened once.
    func view(job: String, folder: String) throws(CensusError) -> CensusView {
        if let v = lock.withLock({ views[job] }) { return v }
        let v = try CensusView(folder: folder)
        lock.withLock { views[job] = v }
        return v
    }

    /// A vector file of a job, read once (GDAL/OGR) and kept as GeoJSON features.
    func layer(job: String, folder: String, file: String) throws(CensusError) -> VectorLayer {
        let key = job + "/" + file
        if let l = lock.withLock({ layers[key] }) { return l }
        let l: VectorLayer
        do throws(GeoError) {
            let layer = try VectorDataset(path: folder + "/" + file).layer(at: 0)
            var features: [(id: String, bounds: Bounds?, json: JSON)] = []
            var extent: Bounds?
            for (k, f) in try layer.features().enumerated() {
                let id = String(f.id ?? Int64(k + 1))
                let bounds = f.geometry?.bounds
                if let b = bounds { extent = extent.map { $0.union(b) } ?? b }
                features.append((id, bounds, GeoJSONText.feature(f, id: id)))
            }
            l = VectorLayer(features: features, extent: extent)
        } catch {
            throw .geo(error)
        }
        lock.withLock { layers[key] = l }
        return l
    }

    /// Forgets what was read of a job (its results were removed).
    func forget(job: String) {
        lock.withLock {
            views[job] = nil
            layers = layers.filter { !$0.key.hasPrefix(job + "/") }
        }
    }
}

/// GeoJSON values of the library's features and cells (RFC 7946: WGS 84 longitude/latitude).
enum GeoJSONText {
    static func feature(_ f: Feature, id: String) -> JSON {
        // Values as the engine's GeoJSON writer words them.
        var props: [(String, JSON)] = []
        for (name, value) in f.attributes { props.append((name, .raw(JSONText.value(value)))) }
        return .object([("type", .string("Feature")), ("id", Int(id).map { .number(Double($0)) } ?? .string(id)),
                        ("geometry", f.geometry.map(geometry) ?? .null), ("properties", .object(props))])
    }

    static func position(_ p: Position) -> JSON { .array([.number(p.x), .number(p.y)]) }
    static func positions(_ ps: [Position]) -> JSON { .array(ps.map(position)) }
    static func polygon(_ p: Polygon) -> JSON { .array(([p.exterior] + p.holes).map(positions)) }

    static func geometry(_ g: Geometry) -> JSON {
        switch g {
        case .point(let p): return .object([("type", .string("Point")), ("coordinates", position(p))])
        case .lineString(let ps): return .object([("type", .string("LineString")), ("coordinates", positions(ps))])
        case .polygon(let p): return .object([("type", .string("Polygon")), ("coordinates", polygon(p))])
        case .multiPoint(let ps): return .object([("type", .string("MultiPoint")), ("coordinates", positions(ps))])
        case .multiLineString(let ls): return .object([("type", .string("MultiLineString")), ("coordinates", .array(ls.map(positions)))])
        case .multiPolygon(let ps): return .object([("type", .string("MultiPolygon")), ("coordinates", .array(ps.map(polygon)))])
        case .collection(let gs): return .object([("type", .string("GeometryCollection")), ("geometries", .array(gs.map(geometry)))])
        }
    }

    /// Cells as features: their squares and their values, named as the unit tables name them.
    /// Written straight to bytes, as pages of cells are the service's busiest answer: values in
    /// Float32's shortest form (the rasters' type), coordinates to 1e-7 degrees (1 cm).
    static func cells(_ cells: [CensusView.Cell], view: CensusView, links: [JSON] = []) -> [JSON] {
        let keys = (view.lossColumns + view.fatalityColumns).map { "," + JSONText.string($0) + ":" }
        let b = RiskCore.ByteBuffer(capacity: 1024)
        return cells.map { c in
            b.removeAll()
            b.append("{\"type\":\"Feature\",\"id\":")
            b.appendInteger(c.id)
            b.append(",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[")
            for (k, p) in c.ring.enumerated() {
                b.append(k > 0 ? ",[" : "[")
                b.appendFixed(p.x, decimals: 7)
                b.append(0x2C)
                b.appendFixed(p.y, decimals: 7)
                b.append(0x5D)
            }
            b.append("]]},\"properties\":{\"cell\":")
            b.appendInteger(c.id)
            b.append(",\"row\":")
            b.appendInteger(c.row)
            b.append(",\"col\":")
            b.appendInteger(c.col)
            b.append(",\"level\":")
            if let l = c.level { b.appendInteger(l) } else { b.append("null") }
            b.append(",\"level_name\":")
            if let l = c.level { b.append("\"" + Classification.levelNames[l - 1] + "\"") } else { b.append("null") }
            b.append(",\"risk_index\":")
            value(c.riskIndex, b)
            b.append(",\"eal\":")
            value(c.eal, b)
            b.append(",\"fatalities\":")
            value(c.fatalities, b)
            for (k, v) in (c.hazardLoss + c.hazardFatalities).enumerated() {
                b.append(keys[k])
                value(v, b)
            }
            b.append("}")
            if !links.isEmpty { b.append(",\"links\":" + JSON.array(links).text) }
            b.append("}")
            return .raw(b.withBytes { String(decoding: $0, as: UTF8.self) })
        }
    }

    /// A raster value (Float32 widened to Double) in Float's shortest round-trip form.
    static func value(_ v: Double?, _ b: RiskCore.ByteBuffer) {
        guard let v, v.isFinite else { return b.append("null") }
        b.appendShortest(Float(v))
    }
}
