import Foundation
import Testing

/// The rendered maps and the browser viewer of a Changzhou run, the viewer opened in headless
/// Chromium (Debian's `chromium`, installed by `make test`).
@Suite struct ViewerTests {
    /// Runs a program to completion (killed after `timeout`), its output captured in files.
    private func run(_ executable: String, _ args: [String], in directory: String = repositoryRoot,
                     timeout: TimeInterval = 180) throws -> (status: Int32, stdout: String, stderr: String) {
        let base = NSTemporaryDirectory() + "run-" + UUID().uuidString
        FileManager.default.createFile(atPath: base + ".out", contents: nil)
        FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        p.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        p.standardError = FileHandle(forWritingAtPath: base + ".err")
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        // An empty file is not read: Foundation's reader leaks its buffer on one (seen with
        // LeakSanitizer).
        let read = { (n: String) -> String in
            let size = (try? FileManager.default.attributesOfItem(atPath: base + n)[.size] as? Int) ?? 0
            return size == 0 ? "" : ((try? String(contentsOfFile: base + n, encoding: .utf8)) ?? "")
        }
        return (p.terminationStatus, read(".out"), read(".err"))
    }

    private func featureCount(_ path: String) throws -> Int {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        return (root["features"] as! [Any]).count
    }

    @Test func mapsAndViewerRenderInAHeadlessBrowser() throws {
        let dir = NSTemporaryDirectory() + "viewer-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let binary = try binaryPath()
        let census = try run(binary, ["run", repositoryRoot + "/datasets/changzhou/census.yaml", "--out", dir, "--threads", "2", "--quiet"])
        #expect(census.status == 0, "\(census.stderr)")
        // From another working directory: render reads the folder's typed provenance, whose
        // input paths are relative to the folder, and never the manifest.
        let render = try run(binary, ["render", dir.hasPrefix("/") ? dir : repositoryRoot + "/" + dir, "--pdf"], in: NSTemporaryDirectory())
        #expect(render.status == 0, "\(render.stderr)")
        for name in ["map_risk_levels", "map_eal", "map_hazard_flood", "map_hazard_wind", "map_hazard_earthquake", "map_coverage"] {
            for ext in ["png", "svg"] {
                let size = (try? FileManager.default.attributesOfItem(atPath: "\(dir)/\(name).\(ext)")[.size] as? Int) ?? 0
                #expect(size > 20_000, "\(name).\(ext) is \(size) bytes")
            }
        }
        let chromium = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "headless Chromium is needed (Debian's chromium; make test installs it)")
        let page = "file://\(dir)/index.html"
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--virtual-time-budget=8000", "--window-size=1200,900"]
        let dom = try run(chromium, flags + ["--dump-dom", page])
        #expect(dom.status == 0, "\(dom.stderr.suffix(500))")
        // The page's own report: drawn, no script or console errors, every feature drawn.
        let status = try #require(dom.stdout.range(of: "<div id=\"rc-status\"[^>]*>", options: .regularExpression).map { String(dom.stdout[$0]) })
        func attribute(_ name: String) -> String? {
            guard let r = status.range(of: "\(name)=\"([^\"]*)\"", options: .regularExpression) else { return nil }
            return String(status[r]).split(separator: "\"", maxSplits: 2)[1].replacingOccurrences(of: "&quot;", with: "\"")
        }
        #expect(attribute("data-ready") == "1")
        #expect(attribute("data-errors") == "0")
        // The levels come as tiles (a GDAL-made pyramid beside the page); nothing was left out.
        #expect(Int(attribute("data-tiles") ?? "0") ?? 0 > 0, "no level tiles loaded")
        #expect(attribute("data-omitted") == "[]")
        let tileCount = FileManager.default.enumerator(atPath: dir + "/viewer")?.allObjects.filter { ($0 as? String)?.hasSuffix(".png") == true }.count ?? 0
        #expect(tileCount > 5)
        let drawn = try JSONSerialization.jsonObject(with: Data((attribute("data-features") ?? "{}").utf8)) as! [String: Int]
        #expect(drawn["risk_zones"] == (try featureCount("\(dir)/risk_zones.geojson")))
        #expect(drawn["districts"] == 6)
        #expect(drawn["shelters"] == (try featureCount("\(dir)/coverage/shelters.geojson")) && drawn["shelters"] == 300)
        #expect(drawn["blind_zones"] == 1)
        // Hostile names in the data are text in the popups, never markup: a district named
        // <img src=x onerror=…> shows as those characters and runs nothing.
        let districts = dir + "/districts.geojson"
        let hostile = "<img src=x onerror=\\\"document.body.setAttribute('data-pwned','1')\\\">"
        var text = try String(contentsOfFile: districts, encoding: .utf8)
        let firstName = try #require(text.range(of: #""name":"[^"]*""#, options: .regularExpression))
        text.replaceSubrange(firstName, with: "\"name\":\"\(hostile)\"")
        try text.write(toFile: districts, atomically: true, encoding: .utf8)
        #expect(try run(binary, ["render", dir]).status == 0)
        let popups = try run(chromium, flags + ["--dump-dom", page + "#popups"])
        #expect(popups.status == 0)
        #expect(popups.stdout.range(of: #"<body[^>]*data-pwned"#, options: .regularExpression) == nil, "script from a district name ran")
        let shown = try #require(popups.stdout.range(of: #"<div id="rc-popups"[^>]*>.*?</div>\s*<script"#, options: .regularExpression).map { String(popups.stdout[$0]) })
        #expect(shown.contains("&lt;img src=x onerror=") && !shown.contains("<img"))
        try checkReport(dir: dir, chromium: chromium, flags: flags)
        let shot = dir + "/viewer.png"
        let screenshot = try run(chromium, flags + ["--screenshot=\(shot)", page])
        #expect(screenshot.status == 0)
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        let be = { (o: Int) in png[o..<o + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(png.count > 50_000 && be(16) == 1200 && be(20) == 900)
    }

    /// report.html holds every section, its figures are the result tables' own, its images
    /// exist and it loads without errors; report.pdf is a PDF of it.
    private func checkReport(dir: String, chromium: String, flags: [String]) throws {
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        for section in ["setting", "maps", "units", "targets", "shelters", "warnings", "provenance"] {
            #expect(html.contains("<section id=\"\(section)\">"), "report.html lacks the \(section) section")
        }
        for hazard in ["flood", "wind", "earthquake", "geological", "forest_fire"] { #expect(html.contains("<td>\(hazard)</td>")) }
        // Every image it shows is a file of the folder.
        let images = html.matches(of: /<img src="([^"]+)"/).map { String($0.1) }
        #expect(images.count >= 4)
        for image in images { #expect(FileManager.default.fileExists(atPath: dir + "/" + image), "report.html shows a missing \(image)") }
        // The unit tables' figures are the CSV's, row by row and column by column.
        for (file, tableClass) in [("districts.csv", "units"), ("towns.csv", "units"), ("coverage/districts.csv", "shelters")] {
            let csv = try String(contentsOfFile: dir + "/" + file, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = csv[0]
            let table = try #require(html.firstRange(of: "<table class=\"\(tableClass)\" data-file=\"\(file)\">").map { html[$0.lowerBound...] }.map { $0[..<($0.firstRange(of: "</table>")?.lowerBound ?? $0.endIndex)] })
            let columns = table.matches(of: /<th data-column="([^"]+)">/).map { String($0.1) }
            let rows = table.components(separatedBy: "<tr>").dropFirst(2).map { $0.matches(of: /data-value="([^"]*)"/).map { String($0.1) } }
            #expect(rows.count == csv.count - 1, "\(file): \(rows.count) rows in the report, \(csv.count - 1) in the table")
            #expect(columns.count >= 5)
            for (r, row) in rows.enumerated() where r + 1 < csv.count && !csv[r + 1].contains(where: { $0.hasPrefix("\"") }) {
                for (c, column) in columns.enumerated() {
                    guard let k = header.firstIndex(of: column), c < row.count else { continue }
                    #expect(row[c].replacingOccurrences(of: "&amp;", with: "&") == csv[r + 1][k], "\(file) row \(r + 1) \(column)")
                }
            }
        }
        // The plan targets as plan_targets.json says them.
        let targets = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/plan_targets.json"))) as! [String: Any]
        for t in targets["targets"] as! [[String: Any]] {
            let id = t["id"] as! String, pass = t["pass"] as! Bool
            #expect(html.contains("<tr data-id=\"\(id)\">"))
            #expect(html.range(of: "<tr data-id=\"\(id)\">[^\n]*data-pass=\"\(pass)\"", options: .regularExpression) != nil, "\(id) pass/fail")
        }
        let pdf = try Data(contentsOf: URL(fileURLWithPath: dir + "/report.pdf"))
        #expect(pdf.count > 100_000 && pdf.prefix(5) == Data("%PDF-".utf8))
        let loaded = try run(chromium, flags + ["--dump-dom", "file://\(dir)/report.html"])
        #expect(loaded.status == 0 && loaded.stdout.contains("<section id=\"provenance\">"))
    }
}
