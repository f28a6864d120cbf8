import Foundation
import RiskCore

/// Reads OpenQuake-style ground-motion fields and their sites, joined by site id, never by row
/// order (METHODS §6.2).
///
/// - Sites CSV: `lon,lat` with `sid`, `site_id` or `custom_site_id`. Without an id column the
///   sites are a coordinate list, and like OpenQuake's site collection they are numbered in
///   (lon, lat) order, which is what a GMF `sid` then indexes.
/// - GMF CSV: `eid` (or `event_id`), `sid`/`site_id` or `custom_site_id`, and `gmv_<IMT>`
///   columns. Events are the distinct event ids of the file; results are means over them.
///   Values are rounded to float32, as OpenQuake stores them.
///
/// Errors name the file, the line and the column (exit 3).
package enum GroundMotionReader {
    package static func read(gmf gmfPath: String, sites sitesPath: String) throws(CensusError) -> GroundMotionFields {
        let st = try CSVTable(path: sitesPath)
        let xi = try st.column("lon"), yi = try st.column("lat")
        var positions: [Position] = []
        for r in st.rows {
            let lon = try st.number(r, xi), lat = try st.number(r, yi)
            guard (-180...180).contains(lon), (-90...90).contains(lat) else {
                throw .badData(file: sitesPath, message: "line \(r.line): lon/lat \(lon), \(lat) are not WGS84 degrees")
            }
            positions.append(Position(lon, lat))
        }
        let gt = try CSVTable(path: gmfPath)
        let ei = try gt.column("eid", "event_id")
        let gmfSite = try gt.column("sid", "site_id", "custom_site_id")
        let byCustom = gt.header[gmfSite] == "custom_site_id"
        // The sites' ids in the GMF's id space.
        var siteIDs: [String]
        var order = Array(positions.indices)
        if byCustom {
            guard let c = st.index("custom_site_id") else {
                throw .badData(file: sitesPath, message: "\(gmfPath) joins by custom_site_id, but this file has no custom_site_id column")
            }
            siteIDs = st.rows.map { $0.fields[c] }
        } else if let c = st.index("sid") ?? st.index("site_id") {
            siteIDs = st.rows.map { $0.fields[c] }
        } else {
            order.sort { (positions[$0].x, positions[$0].y, $0) < (positions[$1].x, positions[$1].y, $1) }
            siteIDs = Array(repeating: "", count: positions.count)
            for (k, i) in order.enumerated() { siteIDs[i] = String(k) }
        }
        var siteIndex: [String: Int] = [:]
        for (i, id) in siteIDs.enumerated() {
            guard siteIndex.updateValue(i, forKey: canonicalID(id)) == nil else {
                throw .badData(file: sitesPath, message: "line \(st.rows[i].line): site id \"\(id)\" is repeated")
            }
        }
        // IMT columns.
        var imts: [String] = [], imtColumns: [Int] = []
        for (i, h) in gt.header.enumerated() where h.hasPrefix("gmv_") {
            let name = String(h.dropFirst(4))
            guard let c = IMT.canonical(name) else {
                throw .badData(file: gmfPath, message: "column \(h): unknown IMT \"\(name)\" (expected PGA, PGV, SA(T), MMI, …)")
            }
            guard !imts.contains(c) else { throw .badData(file: gmfPath, message: "column \(h): IMT \(c) appears twice") }
            imts.append(c)
            imtColumns.append(i)
        }
        guard !imts.isEmpty else { throw .badData(file: gmfPath, message: "no gmv_<IMT> column (columns: \(gt.header.joined(separator: ", ")))") }
        // Rows.
        var eventIndex: [String: Int] = [:], eventIDs: [String] = []
        var rows: [(site: Int, event: Int, values: [Double])] = []
        rows.reserveCapacity(gt.rows.count)
        var seen = Set<Int>()
        for r in gt.rows {
            let sid = canonicalID(r.fields[gmfSite])
            guard let s = siteIndex[sid] else {
                throw .badData(file: gmfPath, message: "line \(r.line): site \(gt.header[gmfSite]) \"\(r.fields[gmfSite])\" is not in \(sitesPath)")
            }
            let eid = canonicalID(r.fields[ei])
            guard !eid.isEmpty else { throw .badData(file: gmfPath, message: "line \(r.line): empty event id") }
            let e: Int
            if let k = eventIndex[eid] { e = k } else { e = eventIDs.count; eventIndex[eid] = e; eventIDs.append(eid) }
            guard seen.insert(e * positions.count + s).inserted else {
                throw .badData(file: gmfPath, message: "line \(r.line): a second row for event \(eid) at site \(sid)")
            }
            var values: [Double] = []
            for c in imtColumns {
                let v = try gt.number(r, c)
                guard v >= 0 else { throw .badData(file: gmfPath, message: "line \(r.line), column \(gt.header[c]): ground motion must be ≥ 0, found \(v)") }
                // OpenQuake holds ground-motion values as float32; so do we, so that a value
                // written on a curve's IML falls on the same side of it as in OpenQuake.
                guard Float(v).isFinite else {
                    throw .badData(file: gmfPath, message: "line \(r.line), column \(gt.header[c]): \(v) is beyond the float32 range ground motion is held in")
                }
                values.append(Double(Float(v)))
            }
            rows.append((s, e, values))
        }
        // Events in id order (numeric when every id is an integer).
        let numeric = eventIDs.allSatisfy { Int($0) != nil }
        let sorted = eventIDs.indices.sorted { numeric ? Int(eventIDs[$0])! < Int(eventIDs[$1])! : eventIDs[$0] < eventIDs[$1] }
        var rank = [Int](repeating: 0, count: eventIDs.count)
        for (k, i) in sorted.enumerated() { rank[i] = k }
        rows = rows.map { ($0.site, rank[$0.event], $0.values) }
        return GroundMotionFields(siteIDs: siteIDs, sites: positions, eventIDs: sorted.map { eventIDs[$0] }, imts: imts, rows: rows)
    }

    /// "7" and "7.0" are the same id (pandas writes integer columns with NaN as floats).
    static func canonicalID(_ s: String) -> String {
        if s.hasSuffix(".0"), Int(s.dropLast(2)) != nil { return String(s.dropLast(2)) }
        return s
    }
}
