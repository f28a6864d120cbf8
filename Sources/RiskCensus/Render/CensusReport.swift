import Foundation
import RiskCore
import RiskGeo
import RiskMaps

/// `report.html` and `report.pdf` of a census result folder: what a manager is handed. It
/// holds the setting (region, grid, hazards and their sources, modelled layers flagged), the
/// maps, the unit tables with levels and EAL, the plan targets with pass or fail, the shelter
/// figures as planners use them, every warning of the run, and the provenance in short.
///
/// Every figure of a table is the result file's own text, kept in the cell's `data-value`, so a
/// reader (or a test) can check the report against `<units>.csv`, `plan_targets.json` and
/// `coverage/districts.csv`. The PDF is the HTML printed by headless Chromium.
package struct CensusReport {
    package let folder: String
    let result: ResultDescription

    package init(folder: String) throws(CensusError) {
        self.folder = folder
        result = try ResultDescription.read(folder: folder)
    }

    private func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    private func json(_ name: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: path(name)) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Writes `report.html`; returns its name.
    @discardableResult
    package func writeHTML() throws -> String {
        try AtomicFile.write(html(), to: path("report.html"))
        return "report.html"
    }

    /// The page: plain HTML and CSS, no script, so it prints as it shows.
    func html() throws -> String {
        let name = result.census.name
        let provenance = json("provenance.json") ?? [:]
        var s = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Census report: \(esc(name))</title>
        <style>
          body { font: 11pt/1.4 "DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", Arial, sans-serif; margin: 2em; color: #222; }
          h1 { font-size: 20pt; margin-bottom: 0.2em; } h2 { font-size: 14pt; border-bottom: 1px solid #999; margin-top: 1.6em; }
          table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 9pt; }
          th, td { border: 1px solid #bbb; padding: 2px 6px; } td.n { text-align: right; } th { background: #eee; }
          .pass { color: #1a7f37; font-weight: bold; } .fail { color: #b00020; font-weight: bold; }
          .modelled { background: #fff3cd; padding: 0 4px; border-radius: 3px; font-size: 8pt; }
          figure { margin: 0.5em 0; page-break-inside: avoid; } figure img { max-width: 100%; border: 1px solid #ccc; }
          .warning { color: #8a4b00; } section { page-break-inside: auto; }
          @media print { h2 { page-break-after: avoid; } }
        </style>
        </head>
        <body>
        <h1>Natural-disaster risk census: \(esc(name))</h1>
        <p>RiskCensus \(esc(result.engine.version)) · manifest <code>\(esc(result.manifestPath))</code></p>

        """
        s += setting(provenance)
        s += maps()
        s += unitTables()
        s += planTargets()
        s += shelters()
        s += warnings(provenance)
        s += provenanceSection(provenance)
        return s + "</body>\n</html>\n"
    }

    // MARK: Sections

    private func setting(_ provenance: [String: Any]) -> String {
        let g = result.grid
        var s = "<section id=\"setting\">\n<h2>Setting</h2>\n<table>\n"
        s += row(["Region", esc(result.census.name)])
        s += row(["Analysis grid", "\(g.width) × \(g.height) cells of \(Classes.number(g.cellSizeM)) m, \(esc(g.crs))"])
        s += row(["Currency", esc(result.census.currency)])
        s += row(["Population", "<code>\(esc(result.census.population.path))</code>" + modelledFlag(result.census.population.path)])
        s += row(["Levels", result.parameters.isComprehensive ? "highest single-hazard level, raised one where two or more hazards are at II or above"
                    : "\(esc(result.parameters.classification.method.replacingOccurrences(of: "_", with: " "))) of the composite index"])
        s += "</table>\n<table>\n<tr><th>Hazard</th><th>Units</th><th>Kind</th><th>Source (the layer the index uses)</th></tr>\n"
        for h in result.parameters.hazards {
            let kind = h.isLevels ? "hazard levels" : h.scenario ? "scenario" : "return periods " + h.returnPeriods.map { Classes.number($0) }.joined(separator: ", ") + " years"
            s += "<tr><td>\(esc(h.id))</td><td>\(esc(h.units))</td><td>\(esc(kind))</td><td><code>\(esc(h.indexLayer.path))</code>\(modelledFlag(h.indexLayer.path))</td></tr>\n"
        }
        return s + "</table>\n</section>\n"
    }

    /// "modelled" when the layer describes itself as modelled or synthetic (its DESCRIPTION or
    /// SOURCE metadata), as the bundled datasets' modelled layers do.
    private func modelledFlag(_ layer: String) -> String {
        let p = layer.hasPrefix("/") ? layer : path(layer)
        guard (try? InputPolicy.current.check(p)) != nil, let ds = try? RasterDataset(path: p) else { return "" }
        let text = [ds.metadata("DESCRIPTION"), ds.metadata("SOURCE"), try? ds.band(1).description].compactMap { $0 }.joined(separator: " ").lowercased()
        return text.contains("modelled") || text.contains("modeled") || text.contains("synthetic") ? " <span class=\"modelled\">modelled</span>" : ""
    }

    private func maps() -> String {
        let names = ["map_risk_levels": "Composite risk level", "map_eal": "Expected annual loss per cell", "map_coverage": "Shelter coverage"]
        var files = ["map_risk_levels.png", "map_eal.png"]
        files += result.parameters.hazards.map { "map_hazard_\(safeFileName($0.id)).png" }
        files += result.parameters.hazards.map { "map_risk_level_\(safeFileName($0.id)).png" }
        files.append("map_coverage.png")
        var s = "<section id=\"maps\">\n<h2>Maps</h2>\n"
        for f in files where FileManager.default.fileExists(atPath: path(f)) {
            let base = (f as NSString).deletingPathExtension
            s += "<figure><img src=\"\(esc(f))\" alt=\"\(esc(names[base] ?? base))\"><figcaption>\(esc(names[base] ?? base.replacingOccurrences(of: "_", with: " ")))</figcaption></figure>\n"
        }
        return s + "</section>\n"
    }

    /// Each unit level's table: the result CSV's own figures.
    private func unitTables() -> String {
        var s = "<section id=\"units\">\n<h2>Units: risk levels and losses</h2>\n"
        let levels = (result.units ?? [.init(name: "districts", geojson: "districts.geojson")]).map(\.name).reversed()
        let columns: [(String, String)] = [("name", "Unit"), ("code", "Code"), ("population", "Population"), ("eal", "EAL (\(result.census.currency)/yr)"),
                                           ("eal_to_gdp", "EAL / GDP"), ("expected_fatalities", "Deaths/yr"),
                                           ("cells_level_1", "I 高"), ("cells_level_2", "II 较高"), ("cells_level_3", "III 中"),
                                           ("cells_level_4", "IV 较低"), ("cells_level_5", "V 低")]
        for level in levels {
            guard let table = try? CSVTable(path: path("\(level).csv")) else { continue }
            let present = columns.filter { table.index($0.0) != nil }
            s += "<h3>\(esc(level))</h3>\n<p>Cells per level I–V; EAL summed over the probabilistic hazards.</p>\n"
            s += "<table class=\"units\" data-file=\"\(esc(level)).csv\">\n<tr>" + present.map { "<th data-column=\"\(esc($0.0))\">\(esc($0.1))</th>" }.joined() + "</tr>\n"
            for r in table.rows {
                s += "<tr>" + present.map { c in
                    let v = r.fields[table.index(c.0)!]
                    return c.0 == "name" || c.0 == "code" ? "<td data-value=\"\(esc(v))\">\(esc(v))</td>" : number(v, share: c.0 == "eal_to_gdp")
                }.joined() + "</tr>\n"
            }
            s += "</table>\n"
        }
        return s + "</section>\n"
    }

    private func planTargets() -> String {
        var s = "<section id=\"targets\">\n<h2>Plan targets</h2>\n"
        guard let doc = json("plan_targets.json"), let targets = doc["targets"] as? [[String: Any]], !targets.isEmpty else {
            return s + "<p>The manifest sets no plan targets.</p>\n</section>\n"
        }
        s += "<table id=\"plan-targets\">\n<tr><th>Target</th><th>Value</th><th>Threshold</th><th>Result</th></tr>\n"
        for t in targets {
            let pass = t["pass"] as? Bool ?? false
            s += "<tr data-id=\"\(esc(t["id"] as? String ?? ""))\"><td>\(esc(t["description"] as? String ?? ""))</td>"
                + number(jsonNumber(t["value"])) + "<td class=\"n\">\(esc(t["comparison"] as? String ?? "")) \(esc(jsonNumber(t["threshold"])))</td>"
                + "<td class=\"\(pass ? "pass" : "fail")\" data-pass=\"\(pass)\">\(pass ? "pass" : "fail")</td></tr>\n"
        }
        return s + "</table>\n</section>\n"
    }

    /// Residents needing shelter, places and area short per unit, and the blind zones.
    private func shelters() -> String {
        var s = "<section id=\"shelters\">\n<h2>Emergency shelters</h2>\n"
        guard let summary = json("coverage/summary.json") else { return s + "<p>The census has no coverage section.</p>\n</section>\n" }
        let rate = (summary["coverage_rate"] as? Double).map { String(format: "%.1f %%", 100 * $0) } ?? "?"
        s += "<p>\(rate) of residents live within reach of a shelter; \(esc(jsonNumber(summary["overflowing_facilities"]))) of \(esc(jsonNumber(summary["n_supply"]))) shelters would overflow with their nearest residents.</p>\n"
        let columns: [(String, String)] = [("name", "Unit"), ("population", "Residents needing shelter"), ("covered", "Within reach"),
                                           ("coverage_rate", "Coverage"), ("capacity", "Places"), ("deficit_persons", "Places short"),
                                           ("area_m2", "Shelter area (m²)"), ("deficit_m2", "Area short (m²)"), ("blind_zone_km2", "Blind zones (km²)")]
        let levels = (result.units ?? [.init(name: "districts", geojson: "districts.geojson")]).map(\.name).reversed()
        for level in levels {
            guard let table = try? CSVTable(path: path("coverage/\(level).csv")) else { continue }
            let present = columns.filter { table.index($0.0) != nil }
            s += "<h3>\(esc(level))</h3>\n<table class=\"shelters\" data-file=\"coverage/\(esc(level)).csv\">\n<tr>"
                + present.map { "<th data-column=\"\(esc($0.0))\">\(esc($0.1))</th>" }.joined() + "</tr>\n"
            for r in table.rows {
                s += "<tr>" + present.map { c in
                    let v = r.fields[table.index(c.0)!]
                    return c.0 == "name" ? "<td data-value=\"\(esc(v))\">\(esc(v))</td>" : number(v, share: c.0.hasSuffix("_rate"))
                }.joined() + "</tr>\n"
            }
            s += "</table>\n"
        }
        if let blind = try? VectorDataset(path: path("coverage/blind_zones.geojson")).layer(named: nil) {
            var population = 0.0, area = 0.0, count = 0
            try? blind.forEachFeature { (f: Feature) throws(GeoError) in
                population += f.attributes["population"]?.doubleValue ?? 0
                area += f.attributes["area_km2"]?.doubleValue ?? 0
                count += 1
            }
            s += "<p id=\"blind-zones\" data-population=\"\(JSONText.number(population))\" data-area-km2=\"\(JSONText.number(area))\">Blind zones: \(count) area(s), "
                + "\(Classes.number(area)) km², \(Classes.number(population)) residents beyond reach of any shelter (<code>coverage/blind_zones.geojson</code>).</p>\n"
        }
        return s + "</section>\n"
    }

    private func warnings(_ provenance: [String: Any]) -> String {
        var s = "<section id=\"warnings\">\n<h2>Warnings</h2>\n"
        let list = (provenance["warnings"] as? [Any] ?? []).map { w -> String in
            if let t = w as? String { return t }
            if let o = w as? [String: Any] { return (o["message"] as? String) ?? (o.map { "\($0.key): \($0.value)" }.sorted().joined(separator: "; ")) }
            return "\(w)"
        }
        guard !list.isEmpty else { return s + "<p>The run recorded no warnings.</p>\n</section>\n" }
        s += "<ul>\n" + list.map { "<li class=\"warning\">\(esc($0))</li>\n" }.joined() + "</ul>\n"
        return s + "</section>\n"
    }

    private func provenanceSection(_ provenance: [String: Any]) -> String {
        var s = "<section id=\"provenance\">\n<h2>Provenance</h2>\n<table>\n"
        s += row(["Engine", "RiskCensus \(esc(result.engine.version))"])
        if let libraries = (provenance["engine"] as? [String: Any])?["libraries"] as? [String: Any] {
            s += row(["Libraries", libraries.keys.sorted().map { "\(esc($0)) \(esc("\(libraries[$0]!)"))" }.joined(separator: ", ")])
        }
        s += row(["Manifest", "<code>\(esc(result.manifestPath))</code>"])
        s += row(["Full record", "<code>provenance.json</code> (every input with its SHA-256, every parameter)"])
        s += "</table>\n<table>\n<tr><th>Input</th><th>SHA-256 (first 16)</th></tr>\n"
        let inputs = provenance["inputs_sha256"] as? [String: Any] ?? [:]
        for k in inputs.keys.sorted() {
            s += "<tr><td><code>\(esc(k))</code></td><td><code>\(esc(String((inputs[k] as? String ?? "").prefix(16))))</code></td></tr>\n"
        }
        return s + "</table>\n</section>\n"
    }

    // MARK: Pieces

    private func row(_ cells: [String]) -> String { "<tr><th>\(cells[0])</th><td>\(cells[1])</td></tr>\n" }

    /// A number cell: the file's text in `data-value`, shown rounded for reading (a share as a
    /// percentage).
    private func number(_ text: String, share: Bool = false) -> String {
        guard let v = Double(text) else { return "<td class=\"n\" data-value=\"\(esc(text))\">\(esc(text))</td>" }
        let shown: String
        if share {
            shown = String(format: abs(100 * v) >= 1 || v == 0 ? "%.1f %%" : "%.2g %%", 100 * v)
        } else if v == v.rounded() || abs(v) >= 1000 {
            shown = Self.grouped(v)
        } else {
            shown = abs(v) >= 1 ? String(format: "%.2f", v) : String(format: "%.3g", v)
        }
        return "<td class=\"n\" data-value=\"\(esc(text))\">\(shown)</td>"
    }

    /// 1234567.8 → "1,234,568".
    static func grouped(_ v: Double) -> String {
        let digits = String(Int64(v.rounded()).magnitude)
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + String(out.reversed())
    }

    private func jsonNumber(_ any: Any?) -> String {
        guard let n = any as? NSNumber else { return "" }
        return JSONText.number(n.doubleValue)
    }

    // MARK: PDF

    /// Where headless Chromium is: `RISKCENSUS_CHROMIUM`, or Debian's package.
    static var chromium: String? {
        let candidates = [ProcessInfo.processInfo.environment["RISKCENSUS_CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Prints `report.html` to `report.pdf` with headless Chromium (written under a temporary
    /// name, renamed when Chromium succeeded); returns its name. Chromium runs with a throw-away
    /// profile (nothing is written to the user's) and with its background networking, DNS and
    /// crash reporting off; the page is a local file. It still asks the kernel for a route (a UDP
    /// connect to a public address that sends nothing), which is why printing is asked for
    /// (`render --pdf`) rather than done by every render.
    @discardableResult
    package func printPDF(timeout: TimeInterval = 120) throws -> String {
        guard let chromium = Self.chromium else {
            throw CensusError.run("report.pdf needs Chromium (Debian's chromium package; make census installs it), or RISKCENSUS_CHROMIUM naming it; report.html is written")
        }
        let pdf = path("report.pdf"), tmp = pdf + ".tmp-\(getpid())"
        let page = URL(fileURLWithPath: path("report.html")).standardizedFileURL.absoluteString
        let profile = NSTemporaryDirectory() + "riskcensus-chromium-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=\(profile)",
                       "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
                       "--no-default-browser-check", "--disable-domain-reliability", "--no-pings", "--dns-prefetch-disable",
                       "--disable-breakpad", "--disable-crash-reporter", "--host-resolver-rules=MAP * ~NOTFOUND",
                       "--disable-features=AsyncDns,NetworkTimeServiceQuerying,MediaRouter,OptimizationHints,Translate",
                       "--no-pdf-header-footer", "--print-to-pdf=\(tmp)", page]
        p.environment = ProcessInfo.processInfo.environment.merging(["HOME": profile]) { _, new in new }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        let size = (try? FileManager.default.attributesOfItem(atPath: tmp)[.size] as? Int) ?? 0
        guard p.terminationStatus == 0, size > 0 else {
            unlink(tmp)
            throw CensusError.run("\(pdf): Chromium (\(chromium)) did not print the report (exit \(p.terminationStatus))")
        }
        guard rename(tmp, pdf) == 0 else {
            unlink(tmp)
            throw CensusError.run("\(pdf): rename failed: \(String(cString: strerror(errno)))")
        }
        return "report.pdf"
    }
}

/// Text as HTML.
func esc(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
