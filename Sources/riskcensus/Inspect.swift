import ArgumentParser
import Foundation
import RiskGeo

/// `riskcensus inspect PATH [--json]`: a brief gdalinfo/ogrinfo.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a raster or vector file: driver, CRS, size or features, bounds, bands or fields, nodata.")

    @Argument(help: "A raster or vector file GDAL can open.")
    var path: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @OptionGroup var memory: MemoryOption
    @OptionGroup var gdal: GDALOptions

    func run() throws {
        try gdal.apply()
        let d = try DatasetInspector.describe(path)
        if json {
            let enc = JSONEncoder()
            enc.keyEncodingStrategy = .convertToSnakeCase
            enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try enc.encode(d), as: UTF8.self))
        } else {
            print(Self.text(d))
        }
    }

    static func text(_ d: DatasetDescription) -> String {
        func num(_ v: Double) -> String { v.rounded() == v && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.6g", v) }
        func bounds(_ b: [Double]?) -> String {
            guard let b, b.count == 4 else { return "none" }
            return "[\(b.map { String(format: "%.6f", $0) }.joined(separator: ", "))]"
        }
        let crs = d.crs.epsg.map { "\(d.crs.name) (EPSG:\($0))" } ?? d.crs.name
        var lines = ["\(d.path): \(d.kind), driver \(d.driver)", "  CRS:    \(crs)"]
        if d.kind == "raster" {
            let px = d.pixelSize.map { " pixels \(num($0[0])) × \(num(abs($0[1])))" } ?? ""
            lines.append("  Size:   \(d.width ?? 0) × \(d.height ?? 0), \(d.bandCount ?? 0) band(s)\(px)")
            lines.append("  Bounds: \(bounds(d.bounds))")
            for b in d.bands ?? [] {
                let nd = b.nodata.map { $0.isNaN ? "NaN" : num($0) } ?? "none"
                let name = b.description.isEmpty ? "" : " \(b.description)"
                lines.append("  Band \(b.index)\(name): \(b.type), nodata \(nd)\(b.units.isEmpty ? "" : ", units \(b.units)")")
            }
        } else {
            lines.append("  Bounds: \(bounds(d.bounds))")
            for l in d.layers ?? [] {
                lines.append("  Layer \(l.name): \(l.featureCount) feature(s), \(l.geometryType)")
                lines.append("    Fields: " + (l.fields.isEmpty ? "none" : l.fields.map { "\($0.name) (\($0.type))" }.joined(separator: ", ")))
            }
        }
        return lines.joined(separator: "\n")
    }
}
