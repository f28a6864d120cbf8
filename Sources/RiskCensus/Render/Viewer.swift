import Foundation

/// The browser viewer of a result folder: `index.html`, `viewer-data.js` (the run's GeoJSON
/// layers as one script, so the page works from `file://` where a page may not fetch files)
/// and `leaflet/` (Debian's libjs-leaflet, copied). No network is needed: there is no tile
/// base map, only the run's layers, with toggles, a legend and popups.
///
/// For tests and scripts the page reports its state in `#rc-status`: `data-ready="1"` once the
/// layers are drawn, `data-features` (JSON: features drawn per layer) and `data-errors` (script
/// errors and console errors seen).
package enum Viewer {
    /// Where Debian's libjs-leaflet installs Leaflet.
    package static let leafletSource = "/usr/share/javascript/leaflet"

    /// The layers, with `units` the GeoJSON of the units shown as districts.
    static func layers(units: String) -> [(name: String, file: String)] {
        [("risk_zones", "risk_zones.geojson"), ("districts", units),
         ("shelters", "coverage/shelters.geojson"), ("blind_zones", "coverage/blind_zones.geojson")]
    }

    /// Writes the viewer into `folder` and returns the files written (relative paths).
    @discardableResult
    package static func write(into folder: String, title: String, breaks: [Double], units: String = "districts.geojson") throws -> [String] {
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
        var script = "// The layers of a RiskCensus run, for index.html (GeoJSON, RFC 7946).\nwindow.RISKCENSUS = {\"title\": \(JSONText.string(title)), \"breaks\": ["
            + breaks.map(JSONText.number).joined(separator: ",") + "], \"layers\": {}};\n"
        for (name, file) in layers(units: units) {
            guard let data = fm.contents(atPath: path(file)) else { continue }
            script += "window.RISKCENSUS.layers.\(name) = " + String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) + ";\n"
        }
        try AtomicFile.write(script, to: path("viewer-data.js"))
        try AtomicFile.write(page(title: title), to: path("index.html"))
        return files + ["viewer-data.js", "index.html"]
    }

    static func page(title: String) -> String {
        let escaped = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escaped)</title>
        <link rel="stylesheet" href="leaflet/leaflet.css">
        <style>
          html, body { height: 100%; margin: 0; font: 13px/1.35 "DejaVu Sans", Arial, sans-serif; }
          #map { position: absolute; top: 40px; bottom: 0; left: 0; right: 0; background: #f4f4f1; }
          header { height: 40px; display: flex; align-items: center; padding: 0 12px; border-bottom: 1px solid #ccc; }
          header h1 { font-size: 16px; margin: 0; }
          .legend { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px; box-shadow: 0 0 4px rgba(0,0,0,0.3); }
          .legend i { display: inline-block; width: 14px; height: 10px; margin-right: 6px; border: 1px solid #777; vertical-align: middle; }
          .legend b { display: block; margin: 2px 0 3px; }
          table.figures td { padding: 1px 6px 1px 0; } table.figures td:last-child { text-align: right; }
        </style>
        </head>
        <body>
        <header><h1 id="title"></h1></header>
        <div id="map"></div>
        <div id="rc-status" data-ready="0" data-errors="0" data-features="{}" hidden></div>
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
          // Risk levels: ColorBrewer YlOrRd, level 1 (I, highest) darkest.
          var levelColours = ['#bd0026', '#f03b20', '#fd8d3c', '#fecc5c', '#ffffb2'], names = ['I', 'II', 'III', 'IV', 'V'];
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
          var data = RC.layers;
          if (data.risk_zones) add('risk_zones', 'Risk levels I–V', L.geoJSON(data.risk_zones, {
            style: function (f) { return { fillColor: levelColours[f.properties.level - 1], fillOpacity: 0.8, color: levelColours[f.properties.level - 1], weight: 0.5 }; },
            onEachFeature: function (f, l) { l.bindPopup('<b>Level ' + esc(f.properties.level_name) + '</b><br>' + fmt(f.properties.cells) + ' cells'); }
          }), true);
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
              html += '<div><i style="background:' + levelColours[k] + '"></i>' + names[k] + (k === 0 ? ' highest' : k === 4 ? ' lowest' : '') + ' ' + range + '</div>';
            }
            if (data.shelters) html += '<b style="margin-top:6px">Shelter load</b><div><i style="background:#2c7bb6;border-radius:6px"></i>≤ 80 %</div>'
              + '<div><i style="background:#fdae61;border-radius:6px"></i>80 – 100 %</div><div><i style="background:#d7191c;border-radius:6px"></i>&gt; 100 %</div>';
            d.innerHTML = html;
            return d;
          };
          legend.addTo(map);
          if (bounds) map.fitBounds(bounds, { padding: [10, 10] }); else map.setView([0, 0], 2);
          status.setAttribute('data-features', JSON.stringify(counts));
          status.setAttribute('data-ready', '1');
        })();
        </script>
        </body>
        </html>

        """
    }
}
