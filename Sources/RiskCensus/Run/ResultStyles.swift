import Foundation
import RiskCore
import RiskGeo
import RiskMaps

/// The styles of a census's result layers, made from the maps' palettes (`LevelStyle`,
/// `Palette`): written as `.qml` (QGIS) and `.sld` beside every GeoJSON and GeoTIFF, and into
/// `census.gpkg`'s `layer_styles`, so a GIS shows the results as the maps do.
struct ResultStyles {
    let folder: String
    let plan: CensusPlan
    /// The composite index's level breaks (empty for the comprehensive level).
    let breaks: [Double]
    /// The largest value of band 1 of result rasters the run has tallied, by file; the others
    /// are read back (GDAL's exact min/max).
    var maxima: [String: Double] = [:]

    private func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// The style of result file `file` (relative to the folder), or nil for a file without one.
    func style(for file: String) throws -> LayerStyle? {
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        if file == "risk_level.tif" || (file.hasPrefix("risk_level_") && file.hasSuffix(".tif")) {
            return LayerStyle(name: name, geometry: .raster, rule: .categories(LevelStyle.riskLevels))
        }
        for h in plan.hazards where h.levels?.derivation != nil {
            let f = CensusPlan.derivedFiles(h.id)
            if file == f.levels { return LayerStyle(name: name, geometry: .raster, rule: .categories(LevelStyle.hazardLevels(h.levels!.count))) }
            if file == f.index { return try linear(file, name: name, colors: Palette.purples7, unit: "") }
        }
        switch file {
        case "eal.tif": return try logarithmic(file, name: name, unit: plan.currency + "/yr")
        case "fatalities.tif": return try logarithmic(file, name: name, unit: "persons/yr")
        case "risk_index.tif":
            guard breaks.count == 4 else { return try linear(file, name: name, colors: Palette.ylOrRd5, unit: "") }
            return LayerStyle(name: name, geometry: .raster, rule: .classes(Classes(bounds: breaks, colors: Palette.ylOrRd5)))
        case "risk_zones.geojson", "risk_cells.geojson":
            return LayerStyle(name: name, geometry: .polygon, field: "level", rule: .categories(LevelStyle.riskLevels), opacity: 1)
        case _ where file.hasPrefix("coverage/"):
            return Self.coverageStyle(String(file.dropFirst("coverage/".count)))
        default:
            break
        }
        if plan.region.levelNames.contains(where: { "\($0).geojson" == file }) {
            // Units by their EAL, on the EAL map's log scale.
            var top = 0.0
            let layer = try VectorDataset(path: path(file)).layer(named: nil)
            try layer.forEachFeature { (f: Feature) throws(GeoError) in top = max(top, f.attributes["eal"]?.doubleValue ?? 0) }
            return LayerStyle(name: name, geometry: .polygon, field: "eal",
                              rule: .classes(Self.logClasses(top: top, unit: plan.currency + "/yr")), opacity: 0.7)
        }
        return nil
    }

    /// The style of a coverage output (`shelters.geojson`, …, by its name in the coverage
    /// folder), for the census's `coverage/` and the `coverage` command alike.
    static func coverageStyle(_ name: String) -> LayerStyle? {
        let base = (name as NSString).deletingPathExtension
        switch name {
        case "residents.tif":
            return LayerStyle(name: base, geometry: .raster, rule: .classes(residentClasses))
        case "shelters.geojson":
            // Blue, orange, red: room to spare, overflowing by up to a thousand, by more.
            return LayerStyle(name: base, geometry: .point, field: "overflow",
                              rule: .classes(Classes(bounds: [0, 1000], colors: Palette.blueOrangeRed,
                                                     labels: ["no overflow", "overflow ≤ 1,000 persons", "overflow > 1,000 persons"])))
        case "blind_zones.geojson":
            return LayerStyle(name: base, geometry: .polygon, rule: .single(fill: Color(hex: "#fd8d3c", alpha: 0.3), stroke: Color(hex: "#a63603")), opacity: 0.3)
        case "siting.geojson":
            return LayerStyle(name: base, geometry: .point, field: "selected",
                              rule: .categories([.init(value: 1, color: Color(hex: "#1a9850"), label: "selected"),
                                                 .init(value: 0, color: Color(hex: "#bababa"), label: "candidate")]))
        case "coverage_cells.geojson":
            return LayerStyle(name: base, geometry: .polygon, field: "covered",
                              rule: .categories([.init(value: 1, color: Palette.blues5[3], label: "within reach of a shelter"),
                                                 .init(value: 0, color: Palette.oranges5[3], label: "beyond reach (blind zone)")]), opacity: 0.7)
        default:
            return nil
        }
    }

    /// Writes `<name>.qml` and `<name>.sld` beside each file of `folder` that `style` styles;
    /// returns the files written.
    static func writeSidecars(in folder: String, files: [String], style: (String) throws -> LayerStyle?) throws -> (files: [String], styles: [String: LayerStyle]) {
        var written: [String] = [], styles: [String: LayerStyle] = [:]
        for file in files where file.hasSuffix(".tif") || file.hasSuffix(".geojson") {
            let path = (folder as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path), let s = try style(file) else { continue }
            styles[file] = s
            let base = (file as NSString).deletingPathExtension
            try AtomicFile.write(s.qml, to: (folder as NSString).appendingPathComponent(base + ".qml"))
            try AtomicFile.write(s.sld, to: (folder as NSString).appendingPathComponent(base + ".sld"))
            written += [base + ".qml", base + ".sld"]
        }
        return (written, styles)
    }

    /// Served residents per cell, as the coverage map classes them.
    static let residentClasses = Classes(bounds: [100, 1_000, 5_000, 20_000], colors: Palette.blues5,
                                         labels: ["≤ 100", "100 – 1k", "1k – 5k", "5k – 20k", "> 20k"].map { $0 + " persons" })

    /// Seven classes at powers of ten up to the largest value, as the EAL map draws them.
    static func logClasses(top: Double, unit: String) -> Classes {
        let e = Int(log10(max(top, 1e-9)).rounded(.up))
        return Classes.logarithmic(lo: e - 6, count: 7, colors: Palette.ylOrRd7, unit: unit)
    }

    private func logarithmic(_ file: String, name: String, unit: String) throws -> LayerStyle {
        let top = try maxima[file] ?? RasterDataset(path: path(file)).minMax(band: 1)?.max ?? 1
        return LayerStyle(name: name, geometry: .raster, rule: .classes(Self.logClasses(top: top, unit: unit)))
    }

    /// Equal classes over the band's range, one per colour.
    private func linear(_ file: String, name: String, colors: [Color], unit: String) throws -> LayerStyle {
        let (lo, hi) = try RasterDataset(path: path(file)).minMax(band: 1) ?? (0, 1)
        let step = hi > lo ? (hi - lo) / Double(colors.count) : 1
        return LayerStyle(name: name, geometry: .raster, rule: .classes(Classes(bounds: (1..<colors.count).map { lo + Double($0) * step }, colors: colors)))
    }

    /// Writes `<name>.qml` and `<name>.sld` beside each of `files` that has a style; returns
    /// the files written and the styles by file.
    func writeSidecars(for files: [String]) throws -> (files: [String], styles: [String: LayerStyle]) {
        try Self.writeSidecars(in: folder, files: files) { try style(for: $0) }
    }
}
