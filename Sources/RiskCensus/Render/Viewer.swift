import Foundation
import RiskCore
import RiskGeo
import RiskMaps

/// The browser viewer of a result folder: `index.html`, `viewer-data.js` (the run's small
/// GeoJSON layers as one script, so the page works from `file://` where a page may not fetch
/// files), `viewer/` (the level rasters as pyramids of PNG tiles, made with GDAL) and `leaflet/`
/// (Debian's libjs-leaflet, copied). No network is needed: there is no base map, only the run's
/// layers, with toggles, a legend and popups.
///
/// It scales with the grid: the levels are drawn from tiles at any grid size, and a vector
/// layer is embedded only up to `layerLimit` bytes; beyond that the page says what it left out
/// and where to find it (census.gpkg opens in a GIS).
///
/// For tests and scripts the page reports its state in `#rc-status`: `data-ready="1"` once the
/// layers are drawn (`data-ready-ms`: when, in ms since navigation), `data-features` (JSON:
/// features drawn per layer), `data-tiles` (tiles loaded; `data-tiles-ms` when every tile in view
/// of the levels had loaded), `data-omitted` (JSON: layers left out) and `data-errors` (script
/// errors and console errors seen).
package enum Viewer {
    /// Where Debian's libjs-leaflet installs Leaflet.
    package static let leafletSource = "/usr/share/javascript/leaflet"
    /// The largest GeoJSON file embedded in the page, and the most for all of them together: a
    /// browser parses about 50 MB/s of script.
    package static let layerLimit = 8 << 20, totalLimit = 24 << 20

    /// The layers, with `units` the GeoJSON of the units shown as districts.
    static func layers(units: String) -> [(name: String, file: String)] {
        [("risk_zones", "risk_zones.geojson"), ("districts", units),
         ("shelters", "coverage/shelters.geojson"), ("blind_zones", "coverage/blind_zones.geojson")]
    }

    /// The levels' colours (RGBA by level), as the maps draw them.
    static var levelColours: [Int: [UInt8]] {
        Dictionary(uniqueKeysWithValues: (1...5).map { l in
            let c = LevelStyle.color(l)
            return (l, [c.r, c.g, c.b].map { UInt8(($0 * 255).rounded()) } + [255])
        })
    }

    /// The tile folder beside index.html.
    static let tileFolder = "viewer"

    /// Writes the viewer into `folder` and returns the files written (relative paths; the tile
    /// folder as one entry). `levelRasters` are the level rasters to tile: (id, file, label).
    @discardableResult
    package static func write(into folder: String, title: String, breaks: [Double], units: String = "districts.geojson",
                              levelRasters: [(id: String, file: String, label: String)] = [("risk_level", "risk_level.tif", "Risk levels I–V")]) throws -> [String] {
        func path(_ n: String) -> String { (folder as NSString).appendingPathComponent(n) }
        let fm = FileManager.default
        guard fm.fileExists(atPath: leafletSource + "/leaflet.js") else {
            throw CensusError.run("\(leafletSource)/leaflet.js not found: install Debian's libjs-leaflet (make deps does)")
        }
        var files: [String] = []
        try? fm.createDirectory(atPath: path("leaflet/images"), withIntermediateDirectories: true)
        for f in ["leaflet.js", "leaflet.css"] + ["layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"].map({ "images/" + $0 }) {
            let source = leafletSource + "/" + f
            guard let data = fm.contents(atPath: (source as NSString).resolvingSymlinksInPath) else { continue }
            try AtomicFile.write(chunks: [Array(data)], to: path("leaflet/" + f))
            files.append("leaflet/" + f)
        }
        let tiles = try writeTiles(into: folder, rasters: levelRasters)
        if !tiles.isEmpty { files.append(tileFolder + "/") }
        let levels = (1...5).map { "{\"colour\": \(JSONText.string(LevelStyle.color($0).hex)), \"name\": \(JSONText.string(LevelStyle.label($0)))}" }
        var script = "// The layers of a RiskCensus run, for index.html (GeoJSON, RFC 7946).\nwindow.RISKCENSUS = {\"title\": \(JSONText.string(title)), \"breaks\": ["
            + breaks.map(JSONText.number).joined(separator: ",") + "], \"levels\": [" + levels.joined(separator: ", ") + "], \"tiles\": ["
            + tiles.map { t in
                "{\"id\": \(JSONText.string(t.id)), \"label\": \(JSONText.string(t.label)), \"url\": \(JSONText.string("\(tileFolder)/\(t.id)/{z}/{x}/{y}.png")), "
                    + "\"minZoom\": \(t.summary.minZoom), \"maxZoom\": \(t.summary.maxZoom), \"bounds\": [" + t.summary.bounds.map(JSONText.number).joined(separator: ",") + "]}"
            }.joined(separator: ", ") + "], \"omitted\": [], \"layers\": {}};\n"
        var total = 0
        for (name, file) in layers(units: units) {
            let size = (try? fm.attributesOfItem(atPath: path(file))[.size] as? Int) ?? -1
            guard size >= 0 else { continue }
            guard size <= layerLimit && total + size <= totalLimit else {
                script += "window.RISKCENSUS.omitted.push({\"name\": \(JSONText.string(name)), \"file\": \(JSONText.string(file)), \"bytes\": \(size)});\n"
                continue
            }
            guard let data = fm.contents(atPath: path(file)) else { continue }
            total += size
            script += "window.RISKCENSUS.layers.\(name) = " + String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) + ";\n"
        }
        try AtomicFile.write(script, to: path("viewer-data.js"))
        try AtomicFile.write(page(title: title), to: path("index.html"))
        return files + ["viewer-data.js", "index.html"]
    }

    /// Each level raster's tile pyramid in `viewer/<id>/`, made in a temporary folder that
    /// replaces the last render's (a folder the viewer made: it holds the marker file).
    static func writeTiles(into folder: String, rasters: [(id: String, file: String, label: String)]) throws -> [(id: String, label: String, summary: TilePyramid.Summary)] {
        let fm = FileManager.default
        let final = (folder as NSString).appendingPathComponent(tileFolder), staged = final + ".tmp-\(getpid())"
        let marker = ".riskcensus-viewer-tiles"
        try? fm.removeItem(atPath: staged)
        try fm.createDirectory(atPath: staged, withIntermediateDirectories: true)
        var made: [(id: String, label: String, summary: TilePyramid.Summary)] = []
        do {
            for r in rasters {
                let source = (folder as NSString).appendingPathComponent(r.file)
                guard fm.fileExists(atPath: source) else { continue }
                let dir = (staged as NSString).appendingPathComponent(r.id)
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                made.append((r.id, r.label, try TilePyramid.write(source: source, to: dir, colours: levelColours)))
            }
            try AtomicFile.write("tiles made by riskcensus render; replaced by the next render\n", to: (staged as NSString).appendingPathComponent(marker))
        } catch {
            try? fm.removeItem(atPath: staged)
            throw error
        }
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: final, isDirectory: &isDir) {
            guard isDir.boolValue, fm.fileExists(atPath: (final as NSString).appendingPathComponent(marker)) else {
                try? fm.removeItem(atPath: staged)
                throw CensusError.run("\(final) exists and is not a tile folder this viewer made; move it away to render the viewer")
            }
            let old = final + ".old-\(getpid())"
            try fm.moveItem(atPath: final, toPath: old)
            try fm.moveItem(atPath: staged, toPath: final)
            try? fm.removeItem(atPath: old)
        } else {
            try fm.moveItem(atPath: staged, toPath: final)
        }
        return made
    }

    static func page(title: String) -> String {
        let escaped = esc(title)
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escaped)</title>
        <link rel="stylesheet" href="leaflet/leaflet.css">
        <style>
          html, body { height: 100%; margin: 0; font: 13px/1.35 "DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", Arial, sans-serif; }
          #map { position: absolute; top: 40px; bottom: 0; left: 0; right: 0; background: #f4f4f1; }
          header { height: 40px; display: flex; align-items: center; padding: 0 12px; border-bottom: 1px solid #ccc; }
          header h1 { font-size: 16px; margin: 0; }
          .legend { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px; box-shadow: 0 0 4px rgba(0,0,0,0.3); }
          .legend i { display: inline-block; width: 14px; height: 10px; margin-right: 6px; border: 1px solid #777; vertical-align: middle; }
          .legend b { display: block; margin: 2px 0 3px; }
          table.figures td { padding: 1px 6px 1px 0; } table.figures td:last-child { text-align: right; }
          .omitted { position: absolute; z-index: 1000; left: 60px; top: 48px; right: 260px; background: #fff3cd; border: 1px solid #d4a72c;
                     padding: 4px 8px; border-radius: 4px; }
        </style>
        </head>
        <body>
        <header><h1 id="title"></h1></header>
        <div id="map"></div>
        <div id="rc-status" data-ready="0" data-errors="0" data-features="{}" data-tiles="0" data-omitted="[]" hidden></div>
        <div id="rc-omitted" class="omitted" hidden></div>
        <div id="rc-popups" hidden></div>
        <script>
          // Script and console errors are counted for tests (#rc-status).
          (function () {
            var status = document.getElementById('rc-status');
            function bump() { status.setAttribute('data-errors', String(Number(status.getAttribute('data-errors')) + 1)); }
            window.addEventListener('error', bump);
            var original = console.error;
            console.error = function () { bump(); return original.apply(console, arguments); };
          })();
        </script>
        <script src="leaflet/leaflet.js"></script>
        <script src="viewer-data.js"></script>
        <script>
        (function () {
          var RC = window.RISKCENSUS, status = document.getElementById('rc-status');
          document.getElementById('title').textContent = RC.title;
          document.title = RC.title;
          var map = L.map('map', { zoomSnap: 0.25, attributionControl: true });
          map.attributionControl.setPrefix('Leaflet').addAttribution('RiskCensus run; inputs and parameters in provenance.json');
          // Risk levels: the run's palette (ColorBrewer YlOrRd, level 1, I, highest, darkest).
          var levelColours = RC.levels.map(function (l) { return l.colour; }), names = RC.levels.map(function (l) { return l.name; });
          // Every value from the data is text to the popups, never markup: a district called
          // <img onerror=…> shows as those characters.
          function esc(v) {
            return String(v).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
          }
          function fmt(v) {
            if (typeof v !== 'number') return esc(v);
            return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en') : String(Number(v.toPrecision(3)));
          }
          function table(props, keys) {
            return '<table class="figures">' + keys.filter(function (k) { return k in props; }).map(function (k) {
              return '<tr><td>' + esc(k.replace(/_/g, ' ')) + '</td><td>' + fmt(props[k]) + '</td></tr>'; }).join('') + '</table>';
          }
          var overlays = {}, counts = {}, bounds = null;
          // index.html#popups writes every popup's content into #rc-popups as well, so a test (or
          // a reviewer) can read what the popups show without clicking each feature.
          var popups = location.hash === '#popups' ? document.getElementById('rc-popups') : null;
          function add(name, label, layer, on) {
            overlays[label] = layer;
            if (popups) layer.eachLayer(function (l) {
              var p = l.getPopup && l.getPopup();
              if (p) { var d = document.createElement('div'); d.innerHTML = p.getContent(); popups.appendChild(d); }
            });
            counts[name] = layer.getLayers().length;
            if (on) layer.addTo(map);
            var b = layer.getBounds && layer.getLayers().length ? layer.getBounds() : null;
            if (b && b.isValid()) bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
          }
          var data = RC.layers, tilesLoaded = 0;
          // The level rasters as tiles: drawn at any grid size.
          RC.tiles.forEach(function (t, i) {
            var b = L.latLngBounds([t.bounds[1], t.bounds[0]], [t.bounds[3], t.bounds[2]]);
            var layer = L.tileLayer(t.url, { minZoom: 0, maxZoom: t.maxZoom + 4, maxNativeZoom: t.maxZoom, minNativeZoom: t.minZoom, bounds: b,
                                             opacity: 0.85, attribution: 'RiskCensus levels' });
            layer.on('tileload', function () { tilesLoaded += 1; status.setAttribute('data-tiles', String(tilesLoaded)); });
            // When every tile in view has loaded: the page is drawn (ms since navigation start).
            if (i === 0) layer.on('load', function () { status.setAttribute('data-tiles-ms', String(Math.round(performance.now()))); });
            overlays[t.label] = layer;
            if (i === 0) { layer.addTo(map); bounds = bounds ? bounds.extend(b) : b; }
          });
          // What the page left out, and where it is.
          if (RC.omitted.length) {
            var note = document.getElementById('rc-omitted');
            note.hidden = false;
            note.textContent = 'Left out of this page (too large for a browser): ' + RC.omitted.map(function (o) {
              return o.name + ' (' + o.file + ', ' + (o.bytes / 1048576).toFixed(1) + ' MB)'; }).join('; ')
              + '. Open census.gpkg in a GIS for every layer.';
          }
          status.setAttribute('data-omitted', JSON.stringify(RC.omitted.map(function (o) { return o.name; })));
          if (data.risk_zones) add('risk_zones', 'Risk zones (polygons)', L.geoJSON(data.risk_zones, {
            style: function (f) { return { fillColor: levelColours[f.properties.level - 1], fillOpacity: 0.8, color: levelColours[f.properties.level - 1], weight: 0.5 }; },
            onEachFeature: function (f, l) { l.bindPopup('<b>Level ' + esc(f.properties.level_name) + '</b><br>' + fmt(f.properties.cells) + ' cells'); }
          }), RC.tiles.length === 0);
          if (data.blind_zones) add('blind_zones', 'Shelter blind zones', L.geoJSON(data.blind_zones, {
            style: function () { return { color: '#a63603', weight: 1, fillColor: '#fd8d3c', fillOpacity: 0.25, dashArray: '3 2' }; },
            onEachFeature: function (f, l) { l.bindPopup('<b>Blind zone</b>' + table(f.properties, ['population', 'cells', 'area_km2'])); }
          }), false);
          if (data.districts) add('districts', 'Districts', L.geoJSON(data.districts, {
            style: function () { return { color: '#222', weight: 1.2, fill: true, fillOpacity: 0 }; },
            onEachFeature: function (f, l) {
              l.bindPopup('<b>' + esc(f.properties.name) + '</b> ' + esc(f.properties.code || '') + table(f.properties, ['population', 'exposed_value', 'gdp', 'eal', 'eal_to_gdp',
                'expected_fatalities', 'cells_level_1', 'cells_level_2', 'cells_level_3', 'cells_level_4', 'cells_level_5', 'unknown_cells']));
            }
          }), true);
          if (data.shelters) add('shelters', 'Shelters (load ratio)', L.geoJSON(data.shelters, {
            pointToLayer: function (f, latlng) {
              var p = f.properties, r = p.capacity > 0 ? p.nearest_load / p.capacity : 0;
              var colour = r <= 0.8 ? '#2c7bb6' : (r <= 1 ? '#fdae61' : '#d7191c');
              return L.circleMarker(latlng, { radius: 3 + 6 * Math.sqrt(Math.min(1, p.capacity / 100000)), color: '#222', weight: 0.6, fillColor: colour, fillOpacity: 0.85 });
            },
            onEachFeature: function (f, l) {
              var p = f.properties;
              l.bindPopup('<b>' + esc(p.id) + '</b> (' + esc(p.category) + ')' + table(p, ['capacity', 'assigned', 'nearest_load', 'overflow'])
                + (p.capacity > 0 ? 'load ratio ' + fmt(p.nearest_load / p.capacity) : ''));
            }
          }), true);
          L.control.layers(null, overlays, { collapsed: false }).addTo(map);
          L.control.scale({ imperial: false }).addTo(map);
          var legend = L.control({ position: 'bottomright' });
          legend.onAdd = function () {
            var d = L.DomUtil.create('div', 'legend'), b = RC.breaks, html = '<b>Risk level (index)</b>';
            for (var k = 0; k < 5; k++) {
              var range = b.length === 4 ? (k === 0 ? '&gt; ' + fmt(b[3]) : (k === 4 ? '≤ ' + fmt(b[0]) : fmt(b[3 - k]) + ' – ' + fmt(b[4 - k]))) : '';
              html += '<div><i style="background:' + levelColours[k] + '"></i>' + esc(names[k]) + ' ' + range + '</div>';
            }
            if (data.shelters) html += '<b style="margin-top:6px">Shelter load</b><div><i style="background:#2c7bb6;border-radius:6px"></i>≤ 80 %</div>'
              + '<div><i style="background:#fdae61;border-radius:6px"></i>80 – 100 %</div><div><i style="background:#d7191c;border-radius:6px"></i>&gt; 100 %</div>';
            d.innerHTML = html;
            return d;
          };
          legend.addTo(map);
          if (bounds) map.fitBounds(bounds, { padding: [10, 10] }); else map.setView([0, 0], 2);
          status.setAttribute('data-features', JSON.stringify(counts));
          status.setAttribute('data-ready-ms', String(Math.round(performance.now())));
          status.setAttribute('data-ready', '1');
        })();
        </script>
        </body>
        </html>

        """
    }
}
