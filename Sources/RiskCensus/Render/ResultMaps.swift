import Foundation
import RiskCore
import RiskGeo
import RiskMaps

/// The printed maps of a census result folder, each as PNG (150 dpi) and SVG beside the other
/// outputs: risk levels I–V with district outlines (`map_risk_levels`), EAL per cell on a log
/// colour scale (`map_eal`), each hazard's main layer (`map_hazard_<id>`: the index return
/// period, or the scenario), and shelter coverage (`map_coverage`, when the run has a coverage
/// section). Maps are drawn in the analysis CRS, north up, with ColorBrewer sequential schemes.
package struct ResultMaps {
    package let folder: String
    let result: ResultDescription
    let grid: GridSpec

    /// Reads the folder's typed provenance; the manifest is not read and the inputs are not
    /// planned again, so this works from any working directory.
    package init(folder: String) throws(CensusError) {
        self.folder = folder
        result = try ResultDescription.read(folder: folder)
        grid = try result.gridSpec()
    }

    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// An input layer the provenance names relative to the folder.
    func input(_ l: ResultDescription.Layer) throws -> (RasterDataset, Int) {
        let p = l.path.hasPrefix("/") || InputPolicy.remoteLocation(l.path) != nil ? l.path : path(l.path)
        do throws(GeoError) {
            try InputPolicy.current.check(p)
        } catch {
            // A provenance that names a remote or special input is not followed.
            if case .fileNotFound = error {
                throw CensusError.badData(file: path("provenance.json"), message: "the input \(l.path) it names is not found from the result folder")
            }
            throw CensusError.badData(file: path("provenance.json"), message: "names the input \(error.description)")
        }
        return (try RasterDataset(path: p), l.band)
    }

    /// Renders every map in both formats and returns the file names written.
    @discardableResult
    package func renderAll() throws(CensusError) -> [String] {
        try CensusError.mapping {
            var files: [String] = []
            let name = result.census.name
            let extent = grid.bounds(of: Window(colOff: 0, rowOff: 0, width: grid.width, height: grid.height))
            let districts = try readLayer(path(result.outlineFile))
            let source = "RiskCensus \(result.engine.version) · census \"\(name)\" (\(result.manifestPath)) · \(Classes.number(grid.transform.pixelWidth)) m cells, \(grid.crs?.description ?? "")"
                + " · inputs, checksums and parameters in provenance.json"
            func draw(_ name: String, _ figure: MapFigure, _ content: (MapFrame) throws -> Void) throws {
                for format in [Canvas.Format.png, .svg] {
                    try figure.render(to: path("\(name).\(format.rawValue)"), format: format, content: content)
                    files.append("\(name).\(format.rawValue)")
                }
            }
            func outlines(_ f: MapFrame) { Self.outline(districts, on: f) }

            // Risk levels.
            let levels: RasterBuffer<Double> = try Self.readGridBand(path("risk_level.tif"), grid: grid)
            let breaks = result.parameters.classification.breaks
            let levelColors = levels.values.map { v -> Color? in v >= 1 && v <= 5 ? LevelStyle.color(Int(v)) : nil }
            let names = Classification.levelNames
            let fmt = { (v: Double) in String(format: "%.3g", v) }
            var levelItems: [(LegendSection.Swatch, String)] = []
            for l in 1...5 {
                let range: String
                if breaks.count == 4 && !result.parameters.isComprehensive {
                    range = l == 1 ? "> \(fmt(breaks[3]))" : (l == 5 ? "≤ \(fmt(breaks[0]))" : "\(fmt(breaks[4 - l])) – \(fmt(breaks[5 - l]))")
                } else {
                    range = ""
                }
                levelItems.append((.box(LevelStyle.color(l)), "\(names[l - 1])\(l == 1 ? " highest" : l == 5 ? " lowest" : "")  \(range)"))
            }
            let method = result.parameters.classification.method
            try draw("map_risk_levels", MapFigure(
                title: "Composite risk level, \(name)",
                subtitle: result.parameters.isComprehensive
                    ? "Highest single-hazard level, raised one where two or more hazards are at II or above (\(result.parameters.hazards.count) hazards)"
                    : "Hazard × exposure × vulnerability\(result.parameters.capacitySource != "none" ? " × (1 − capacity)" : ""), \(result.parameters.hazards.map(\.id).joined(separator: ", ")); levels by \(method.replacingOccurrences(of: "_", with: " ")) of the index",
                source: source, extent: extent,
                legend: [LegendSection(title: result.parameters.isComprehensive ? "Risk level" : "Risk level (index range)", items: levelItems),
                         Self.boundaries])) { f in
                f.raster(grid, colors: levelColors)
                outlines(f)
            }

            // EAL per cell, log scale.
            let eal: RasterBuffer<Double> = try Self.readGridBand(path("eal.tif"), grid: grid)
            let positive = eal.values.filter { $0 > 0 }
            let top = Int((log10(positive.max() ?? 1)).rounded(.up))
            let ealClasses = Classes.logarithmic(lo: top - 6, count: 7, colors: Palette.ylOrRd7, unit: "")
            let zero = Palette.greys5[0]
            try draw("map_eal", MapFigure(
                title: "Expected annual loss per cell, \(name)",
                subtitle: "Sum over the probabilistic hazards (\(result.parameters.hazards.filter { !$0.scenario && !$0.isLevels }.map(\.id).joined(separator: ", "))), \(result.census.currency) per year, log colour scale",
                source: source, extent: extent,
                legend: [LegendSection(title: "EAL (\(result.census.currency)/year)", items: [(.box(zero), "0")] + zip(ealClasses.colors, ealClasses.labels).map { (.box($0), $1) }),
                         Self.boundaries])) { f in
                f.raster(grid, colors: eal.values.map { $0.isNaN ? nil : ($0 <= 0 ? zero : ealClasses.color($0)) })
                outlines(f)
            }

            // Each hazard's main layer.
            let palettes = [Palette.blues7, Palette.purples7, Palette.ylOrBr7]
            for (k, h) in result.parameters.hazards.enumerated() {
                if let count = h.levels?.hazardLevels {
                    try levelMaps(h, count: count, name: name, extent: extent, source: source, districts: districts, draw: draw)
                    continue
                }
                let (ds, band) = try input(h.indexLayer)
                let values = try RasterWarp.warp(ds, band: band, onto: grid, resampling: .average).values
                let hi = values.filter { !$0.isNaN }.max() ?? 0
                let step = MapFrame.niceLength(max(hi, 1e-9) / 6)
                let classes = Classes(bounds: (1...6).map { Double($0) * step }, colors: palettes[k % palettes.count])
                let when = h.scenario ? "scenario" : "\(Classes.number(h.returnPeriods[h.indexBand]))-year return period"
                try draw("map_hazard_\(safeFileName(h.id))", MapFigure(
                    title: "\(Self.display(h.id)) hazard, \(name)",
                    subtitle: "\(h.units), \(when) (the layer the index uses), averaged onto the \(Classes.number(grid.transform.pixelWidth)) m grid",
                    source: source + " · layer \(h.indexLayer.path)", extent: extent,
                    legend: [LegendSection(title: h.units, classes: classes),
                             Self.boundaries])) { f in
                    f.raster(grid, colors: values.map { $0.isNaN ? nil : classes.color($0) })
                    outlines(f)
                }
            }

            for h in result.parameters.hazards {
                try riskLevelMap(h, name: name, extent: extent, source: source, districts: districts, draw: draw)
            }

            if FileManager.default.fileExists(atPath: path("coverage/summary.json")) {
                try coverageMap(grid: grid, extent: extent, districts: districts, source: source, draw: draw)
            }
            let single = result.parameters.hazards.compactMap { h in
                h.levels?.raster.map { (id: "risk_level_\(safeFileName(h.id))", file: $0, label: "\(Self.display(h.id)) risk level") }
            }
            files += try Viewer.write(into: folder, title: "Census of \(name): risk levels, districts and shelters", breaks: breaks, units: result.outlineFile,
                                      levelRasters: [(id: "risk_level", file: "risk_level.tif", label: "Risk levels I–V")] + single)
            return files
        }
    }

    /// Names of hazard levels 1…count, as census susceptibility grades (极高/高/中/低; five levels
    /// add 较低). In English: the maps' font has no CJK glyphs.
    static func hazardLevelNames(_ count: Int) -> [String] {
        count == 4 ? ["1 very high", "2 high", "3 medium", "4 low"] : ["1 very high", "2 high", "3 medium", "4 low", "5 very low"]
    }

    /// A hazard given as levels: its hazard levels at their own resolution (`map_hazard_<id>`).
    func levelMaps(_ h: ResultDescription.Hazard, count: Int, name: String, extent: Bounds, source: String,
                   districts: [Geometry], draw: (String, MapFigure, (MapFrame) throws -> Void) throws -> Void) throws {
        let (ds, band) = try input(h.indexLayer)
        let own = try ds.georeferencedGrid()
        let sameCRS = own.crs.map { c in grid.crs.map { (try? c.isEquivalent(to: $0)) ?? false } ?? false } ?? false
        let (levelGrid, values): (GridSpec, [Double]) = sameCRS && own.transform.isAxisAligned
            ? (own, (try ds.readBand(band) as RasterBuffer<Double>).values)
            : (grid, try RasterWarp.warp(ds, band: band, onto: grid, resampling: .nearest).values)
        let colors = Array(Palette.ylOrRd5.suffix(count).reversed())
        let labels = Self.hazardLevelNames(count)
        try draw("map_hazard_\(safeFileName(h.id))", MapFigure(
            title: "\(Self.display(h.id)) hazard levels, \(name)",
            subtitle: "\(h.units); level 1 the most severe, at the levels' own \(Classes.number(levelGrid.transform.pixelWidth)) m cells",
            source: source + " · layer \(h.indexLayer.path)", extent: extent,
            legend: [LegendSection(title: "Hazard level", items: zip(colors, labels).map { (.box($0), $1) }), Self.boundaries])) { f in
            f.raster(levelGrid, colors: values.map { v in v >= 1 && v <= Double(count) ? colors[Int(v) - 1] : nil })
            Self.outline(districts, on: f)
        }
    }

    /// A hazard's single-hazard risk levels I–V (`map_risk_level_<id>`), when it has them.
    func riskLevelMap(_ h: ResultDescription.Hazard, name: String, extent: Bounds, source: String, districts: [Geometry],
                      draw: (String, MapFigure, (MapFrame) throws -> Void) throws -> Void) throws {
        guard let file = h.levels?.raster, FileManager.default.fileExists(atPath: path(file)) else { return }
        // Only a file of this folder, as the run wrote it.
        guard !file.contains("/") else { throw CensusError.badData(file: path("provenance.json"), message: "levels.raster \(file) is not a file of this folder") }
        let risk: RasterBuffer<Double> = try Self.readGridBand(path(file), grid: grid)
        let names = Classification.levelNames
        try draw("map_risk_level_\(safeFileName(h.id))", MapFigure(
            title: "\(Self.display(h.id)) risk level, \(name)",
            subtitle: h.isLevels ? "Single-hazard risk level I–V from the hazard level and the cells' vulnerability"
                : "Single-hazard risk level I–V: breaks of the hazard's risk H·E·V",
            source: source + " · \(file)", extent: extent,
            legend: [LegendSection(title: "Risk level", items: (1...5).map { l in (.box(LevelStyle.color(l)), "\(names[l - 1])\(l == 1 ? " highest" : l == 5 ? " lowest" : "")") }),
                     Self.boundaries])) { f in
            f.raster(grid, colors: risk.values.map { v in v >= 1 && v <= 5 ? LevelStyle.color(Int(v)) : nil })
            Self.outline(districts, on: f)
        }
    }


    /// A hazard id as a map title says it: `forest_fire` → "Forest fire".
    static func display(_ id: String) -> String {
        let words = id.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// District boundaries, as every map draws them, and their legend entry.
    static func outline(_ districts: [Geometry], on f: MapFrame) {
        for g in districts { f.geometry(g, fill: nil, stroke: boundaryColor, lineWidth: 0.6) }
    }

    static let boundaryColor = Color(0.15, 0.15, 0.15)
    static let boundaries = LegendSection(title: "Boundaries", items: [(.outline(boundaryColor), "Unit")])

    /// Geometries of a vector file in the grid's CRS.
    func readLayer(_ file: String) throws -> [Geometry] {
        let layer = try VectorDataset(path: file).layer(named: nil)
        let t = try CoordinateTransformer(from: try layer.requireCRS(), to: grid.crs!)
        var out: [Geometry] = []
        try layer.forEachFeature { (f: Feature) throws(GeoError) in if let g = f.geometry { out.append(try t.transform(g)) } }
        return out
    }

    /// Served and unserved population (cells inside the blind zones are unserved), shelters
    /// sized and coloured by load ratio (nearest residents over capacity), blind zones outlined.
    func coverageMap(grid: GridSpec, extent: Bounds, districts: [Geometry], source: String,
                     draw: (String, MapFigure, (MapFrame) throws -> Void) throws -> Void) throws {
        let summary = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("coverage/summary.json"))))) as? [String: Any] ?? [:]
        let (populationLayer, band) = try input(result.census.population)
        let population = try RasterWarp.warp(populationLayer, band: band, onto: grid, resampling: .sum).values
        let blind = try readLayer(path("coverage/blind_zones.geojson"))
        let inBlind = blind.isEmpty ? [Double](repeating: 0, count: grid.cellCount)
            : try Rasterize.burn(blind, values: blind.map { _ in 1 }, crs: grid.crs!, onto: grid, fill: 0).values
        let bounds = [100.0, 1_000, 5_000, 20_000]
        let labels = ["≤ 100", "100 – 1k", "1k – 5k", "5k – 20k", "> 20k"]   // "1k" where Classes.number writes 1000
        // Blue against orange: told apart with any colour vision.
        let served = Classes(bounds: bounds, colors: Palette.blues5, labels: labels)
        let unserved = Classes(bounds: bounds, colors: Palette.oranges5, labels: labels)
        let colors = (0..<grid.cellCount).map { i -> Color? in
            let p = population[i]
            guard !p.isNaN, p > 0 else { return nil }
            return inBlind[i] > 0 ? unserved.color(p) : served.color(p)
        }
        // Shelters.
        let shelterLayer = try VectorDataset(path: path("coverage/shelters.geojson")).layer(named: nil)
        let t = try CoordinateTransformer(from: try shelterLayer.requireCRS(), to: grid.crs!)
        var shelters: [(Position, Double, Double)] = []   // position, capacity, load ratio
        try shelterLayer.forEachFeature { (f: Feature) throws(GeoError) in
            guard case .point(let p)? = f.geometry else { return }
            let cap = f.attributes["capacity"]?.doubleValue ?? 0, load = f.attributes["nearest_load"]?.doubleValue ?? 0
            shelters.append((try t.transform(p), cap, cap > 0 ? load / cap : (load > 0 ? .infinity : 0)))
        }
        /// Area grows with the load ratio, up to 4.
        func radius(_ ratio: Double) -> Double { 1.5 + 3.5 * min(ratio, 4).squareRoot() }
        func loadColor(_ r: Double) -> Color { Palette.blueOrangeRed[r <= 0.8 ? 0 : (r <= 1 ? 1 : 2)] }
        let rate = (summary["coverage_rate"] as? Double).map { String(format: "%.1f %%", 100 * $0) } ?? "?"
        let over = (summary["overflowing_facilities"] as? Double).map { String(Int($0)) } ?? "?"
        let radiusText = ((summary["standard"] as? [String: Any])?["radius"] as? Double).map { Classes.number($0) + " m" } ?? "their radius"
        try draw("map_coverage", MapFigure(
            title: "Shelter coverage, \(result.census.name)",
            subtitle: "\(rate) of the population within \(radiusText) of a shelter; \(over) of \(shelters.count) shelters would overflow with their nearest residents",
            source: source + " · coverage/summary.json", extent: extent,
            legend: [LegendSection(title: "Served population (per cell)", classes: served),
                     LegendSection(title: "Unserved (blind zones)", classes: unserved),
                     LegendSection(title: "Shelter load ratio", items: [
                        (.circle(loadColor(0.5), radius: radius(0.5)), "50 %"), (.circle(loadColor(0.9), radius: radius(0.9)), "80 – 100 %"),
                        (.circle(loadColor(2), radius: radius(2)), "200 % (overflow)"),
                        (.circle(loadColor(4), radius: radius(4)), "≥ 400 %")])])) { f in
            f.raster(grid, colors: colors)
            for g in blind { f.geometry(g, fill: nil, stroke: Color(hex: "#a63603"), lineWidth: 0.4) }
            Self.outline(districts, on: f)
            // Large circles first, so small ones stay visible on top.
            for s in shelters.sorted(by: { ($0.2, $0.1) > ($1.2, $1.1) }) {
                f.circle(at: s.0, radius: radius(s.2), fill: loadColor(s.2).withAlpha(0.85), stroke: Color(0.1, 0.1, 0.1), lineWidth: 0.3)
            }
        }
    }

    /// Band 1 of a result raster, which must have the provenance's grid size (a folder that
    /// mixes the files of two runs is refused, not drawn).
    static func readGridBand(_ path: String, grid: GridSpec) throws -> RasterBuffer<Double> {
        let ds = try RasterDataset(path: path)
        guard ds.width == grid.width, ds.height == grid.height else {
            throw CensusError.badData(file: path, message: "\(ds.width) × \(ds.height) cells, but provenance.json describes a \(grid.width) × \(grid.height) grid; the folder mixes runs: run the census again")
        }
        return try ds.readBand(1)
    }
}
