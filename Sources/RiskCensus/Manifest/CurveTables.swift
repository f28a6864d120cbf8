import Foundation
import RiskCore

/// Reads curve tables (CSV with a header row) named by a manifest.
enum CurveTables {
    /// Curves by class from `table`, for the requested classes (or the single `fixedClass`).
    ///
    /// - Throws: `.manifest` when a column or a class the manifest names is absent (exit 2),
    ///   `.badData` when a value is not a number or a curve is not monotone in [0, 1] (exit 3).
    static func load(_ table: Manifest.CurveTable, key: String, base: String, classes: [String],
                     monotone: Bool = true, range: ClosedRange<Double>? = 0...1) throws(CensusError) -> [String: PiecewiseLinearCurve] {
        let path = resolve(table.csv, base: base)
        try checkInput(path, key: "\(key).csv")
        let t = try CSVTable(path: path)
        let header = t.header
        func column(_ name: String, _ k: String) throws(CensusError) -> Int {
            guard let i = header.firstIndex(of: name) else {
                throw .manifest(file: path, key: "\(key).\(k)", message: "column \"\(name)\" not in \(path) (\(t.headerDescription))")
            }
            try t.unique(name)
            return i
        }
        let xi = try column(table.xColumn, "x_column"), yi = try column(table.yColumn, "y_column")
        let ci = try table.classColumn.map { c throws(CensusError) in try column(c, "class_column") }
        var points: [String: [(Double, Double)]] = [:]
        for row in t.rows {
            let x = try t.number(row, xi), y = try t.number(row, yi)
            points[ci.map { row.fields[$0] } ?? "", default: []].append((x, y))
        }
        var out: [String: PiecewiseLinearCurve] = [:]
        for cls in classes {
            guard let pts = points[ci == nil ? "" : cls] else {
                throw .manifest(file: path, key: key, message: "no rows for class \"\(cls)\" in \(path)")
            }
            do {
                out[cls] = try PiecewiseLinearCurve(xs: pts.map(\.0), ys: pts.map(\.1), monotone: monotone, range: range)
            } catch {
                throw .badData(file: path, message: "curve for class \"\(cls)\": \(error.description)")
            }
        }
        return out
    }
}

/// `s` with every character but letters, digits, '-' and '_' replaced by '_', for file names
/// made from ids (hazard ids in tile and map file names).
func safeFileName(_ s: String) -> String {
    String(s.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "_" })
}

/// A manifest path made absolute against the manifest's folder; a remote location or a
/// connection string is left as written, for the input rules to judge.
func resolve(_ path: String, base: String) -> String {
    if path.hasPrefix("/") || InputPolicy.remoteLocation(path) != nil { return path }
    if InputPolicy.connectionPrefixEnd(path) != nil, !FileManager.default.fileExists(atPath: (base as NSString).appendingPathComponent(path)) {
        return path
    }
    return (base as NSString).appendingPathComponent(path)
}

/// A file a manifest key names: it exists (exit 2 naming the key) and the input rules allow it
/// (exit 2 naming the key and why).
func checkInput(_ path: String, key: String) throws(CensusError) {
    do throws(GeoError) {
        try InputPolicy.current.check(path)
    } catch {
        if case .fileNotFound = error { throw .missingFile(key: key, path: path) }
        throw .usage("manifest key \(key): \(error.description)")
    }
}
