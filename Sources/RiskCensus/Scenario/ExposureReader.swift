import Foundation
import RiskCore
import RiskGeo

/// Reads a scenario exposure: GEM's NRML 0.4/0.5 `exposureModel` (assets inline or in CSV files
/// it names, cost types `per_asset`, `aggregated` or `per_area`, `exposureFields` renaming CSV
/// columns, occupancies by period, `residents`), or a bare CSV
/// `id,lon,lat,taxonomy,number,<cost types>,<periods>[,residents]` whose costs are totals per
/// asset (METHODS §6.2). Values come out as totals per asset; occupants as given (per asset).
///
/// Errors name the file, the line and the field (exit 3).
package enum ExposureReader {
    /// Cost-type columns a bare CSV may carry.
    static let costNames = ["structural", "nonstructural", "contents", "business_interruption"]
    static let periodNames = ["day", "night", "transit"]

    package static func read(_ path: String) throws(CensusError) -> Portfolio {
        do throws(GeoError) { try InputPolicy.current.check(path) } catch { throw .geo(error) }
        let head = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: path)).read(upToCount: 512)).flatMap { $0 }
        let start = head.flatMap { String(data: $0, encoding: .utf8) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return start.hasPrefix("<") ? try nrml(path) : try bareCSV(path)
    }

    // MARK: Bare CSV

    static func bareCSV(_ path: String) throws(CensusError) -> Portfolio {
        let t = try CSVTable(path: path)
        let costs = costNames.filter { t.index($0) != nil }
        let periods = periodNames.filter { t.index($0) != nil }
        let assets = try csvAssets(t, rename: [:], costs: costs.map { ($0, CostRule.aggregated) }, periods: periods, areaPerAsset: false)
        return try checked(Portfolio(assets: assets, occupancyPeriods: periods), path: path, lines: t.rows.map(\.line))
    }

    enum CostRule: String { case perAsset = "per_asset", aggregated, perArea = "per_area" }

    /// Assets from CSV rows; `rename` maps OpenQuake's field names to the file's column names.
    static func csvAssets(_ t: CSVTable, rename: [String: String], costs: [(String, CostRule)], periods: [String],
                          areaPerAsset: Bool, periodsRequired: Bool = false) throws(CensusError) -> [Asset] {
        func col(_ oq: String) throws(CensusError) -> Int { try t.column(rename[oq] ?? oq) }
        func optional(_ oq: String) -> Int? { t.index(rename[oq] ?? oq) }
        let (ii, xi, yi, ti) = (try col("id"), try col("lon"), try col("lat"), try col("taxonomy"))
        let ni = optional("number"), ai = optional("area"), ri = optional("residents")
        let ci = try costs.map { c throws(CensusError) in (c.0, c.1, try col(c.0)) }
        let pi = periodsRequired ? try periods.map { p throws(CensusError) in (p, try col(p)) } : periods.compactMap { p in optional(p).map { (p, $0) } }
        var out: [Asset] = []
        out.reserveCapacity(t.rows.count)
        for r in t.rows {
            func num(_ i: Int) throws(CensusError) -> Double {
                let v = try t.number(r, i)
                guard v >= 0 else { throw .badData(file: t.path, message: "line \(r.line), column \(t.header[i]): must be ≥ 0, found \(v)") }
                return v
            }
            let number = try ni.map { i throws(CensusError) in try num(i) } ?? 1
            let area = try ai.map { i throws(CensusError) in try num(i) }
            var values: [String: Double] = [:]
            for (name, rule, i) in ci {
                values[name] = try total(try num(i), rule: rule, number: number, area: area, areaPerAsset: areaPerAsset,
                                         where: "\(t.path): line \(r.line), column \(t.header[i])")
            }
            var occupants: [String: Double] = [:]
            for (p, i) in pi where !r.fields[i].isEmpty { occupants[p] = try num(i) }
            let residents = try ri.flatMap { i throws(CensusError) in r.fields[i].isEmpty ? nil : try num(i) }
            let lon = try t.number(r, xi), lat = try t.number(r, yi)
            guard (-180...180).contains(lon), (-90...90).contains(lat) else {
                throw .badData(file: t.path, message: "line \(r.line): lon/lat \(lon), \(lat) are not WGS84 degrees")
            }
            out.append(Asset(id: r.fields[ii], taxonomy: r.fields[ti], location: Position(lon, lat), number: number,
                             values: values, occupants: occupants, residents: residents))
        }
        return out
    }

    /// A cost as a total for the asset, by its cost type's rule.
    static func total(_ v: Double, rule: CostRule, number: Double, area: Double?, areaPerAsset: Bool, where loc: String) throws(CensusError) -> Double {
        switch rule {
        case .aggregated: return v
        case .perAsset: return v * number
        case .perArea:
            guard let area else { throw .badData(file: loc, message: "a per_area cost needs the asset's area") }
            return v * area * (areaPerAsset ? number : 1)
        }
    }

    /// Ids must be unique and taxonomies non-empty.
    static func checked(_ p: Portfolio, path: String, lines: [Int]) throws(CensusError) -> Portfolio {
        var seen = Set<String>()
        for (a, line) in zip(p.assets, lines) {
            guard !a.id.isEmpty, seen.insert(a.id).inserted else {
                throw .badData(file: path, message: "line \(line): asset id \"\(a.id)\" is empty or repeated")
            }
            guard !a.taxonomy.isEmpty else { throw .badData(file: path, message: "line \(line), asset \(a.id): empty taxonomy") }
        }
        return p
    }

    // MARK: NRML

    static func nrml(_ path: String) throws(CensusError) -> Portfolio {
        let root = try NRML.parse(path)
        guard let model = root.name == "exposureModel" ? root : root.child("exposureModel") else {
            throw .badData(file: path, message: "no <exposureModel> element")
        }
        var costs: [(String, CostRule)] = []
        var areaPerAsset = false
        if let conv = model.child("conversions") {
            if let area = conv.child("area") { areaPerAsset = area.attributes["type"] == "per_asset" }
            for c in conv.child("costTypes")?.all("costType") ?? [] {
                let name = try NRML.attribute(c, "name", path), type = try NRML.attribute(c, "type", path)
                guard let rule = CostRule(rawValue: type) else {
                    throw .badData(file: path, message: "line \(c.line), costType \(name): type \"\(type)\" is not per_asset, aggregated or per_area")
                }
                costs.append((name, rule))
            }
        }
        var rename: [String: String] = [:]
        for f in model.child("exposureFields")?.all("field") ?? [] {
            rename[try NRML.attribute(f, "oq", path)] = try NRML.attribute(f, "input", path)
        }
        let declared = model.child("occupancyPeriods").map { $0.text.split(whereSeparator: \.isWhitespace).map(String.init) }
        guard let assetsNode = model.child("assets") else {
            throw .badData(file: path, message: "line \(model.line), <exposureModel>: no <assets>")
        }
        let inline = assetsNode.all("asset")
        if !inline.isEmpty {
            let assets = try inline.map { a throws(CensusError) in try inlineAsset(a, path: path, costs: costs, areaPerAsset: areaPerAsset) }
            return try checked(Portfolio(assets: assets, occupancyPeriods: declared.flatMap { $0.isEmpty ? nil : $0 }),
                               path: path, lines: inline.map(\.line))
        }
        let files = assetsNode.text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !files.isEmpty else { throw .badData(file: path, message: "line \(assetsNode.line), <assets>: neither <asset> elements nor CSV file names") }
        var assets: [Asset] = [], lines: [Int] = []
        let periods = declared ?? periodNames
        for f in files {
            let csv = resolve(f, base: (path as NSString).deletingLastPathComponent)
            do throws(GeoError) {
                try InputPolicy.current.check(csv)
            } catch {
                if case .fileNotFound = error { throw .badData(file: path, message: "line \(assetsNode.line), <assets>: CSV file not found: \(csv)") }
                throw .badData(file: path, message: "line \(assetsNode.line), <assets>: \(error.description)")
            }
            let t = try CSVTable(path: csv)
            assets += try csvAssets(t, rename: rename, costs: costs, periods: periods, areaPerAsset: areaPerAsset,
                                    periodsRequired: declared != nil)
            lines += t.rows.map(\.line)
        }
        let portfolio = Portfolio(assets: assets, occupancyPeriods: declared.flatMap { $0.isEmpty ? nil : $0 })
        return try checked(portfolio, path: files.count == 1 ? resolve(files[0], base: (path as NSString).deletingLastPathComponent) : path, lines: lines)
    }

    static func inlineAsset(_ a: NRML.Node, path: String, costs: [(String, CostRule)], areaPerAsset: Bool) throws(CensusError) -> Asset {
        let id = try NRML.attribute(a, "id", path)
        func nonNegative(_ n: NRML.Node, _ key: String) throws(CensusError) -> Double {
            let v = try NRML.number(n, key, path)
            guard v >= 0 else { throw .badData(file: path, message: "line \(n.line), asset \(id): \(key) must be ≥ 0, found \(v)") }
            return v
        }
        let number = a.attributes["number"] == nil ? 1 : try nonNegative(a, "number")
        let area = a.attributes["area"] == nil ? nil : try nonNegative(a, "area")
        guard let loc = a.child("location") else { throw .badData(file: path, message: "line \(a.line), asset \(id): no <location>") }
        let lon = try NRML.number(loc, "lon", path), lat = try NRML.number(loc, "lat", path)
        guard (-180...180).contains(lon), (-90...90).contains(lat) else {
            throw .badData(file: path, message: "line \(loc.line), asset \(id): lon/lat \(lon), \(lat) are not WGS84 degrees")
        }
        var values: [String: Double] = [:]
        for c in a.child("costs")?.all("cost") ?? [] {
            let type = try NRML.attribute(c, "type", path)
            guard let rule = costs.first(where: { $0.0 == type })?.1 else {
                throw .badData(file: path, message: "line \(c.line), asset \(id): cost type \"\(type)\" is not declared in <costTypes>")
            }
            values[type] = try total(try nonNegative(c, "value"), rule: rule, number: number, area: area, areaPerAsset: areaPerAsset,
                                     where: "\(path): line \(c.line), asset \(id)")
        }
        var occupants: [String: Double] = [:]
        for o in a.child("occupancies")?.all("occupancy") ?? [] {
            occupants[try NRML.attribute(o, "period", path)] = try nonNegative(o, "occupants")
        }
        let residents = a.attributes["residents"] == nil ? nil : try nonNegative(a, "residents")
        return Asset(id: id, taxonomy: try NRML.attribute(a, "taxonomy", path), location: Position(lon, lat), number: number,
                     values: values, occupants: occupants, residents: residents)
    }
}
