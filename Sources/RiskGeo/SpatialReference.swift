import CGDAL
import Foundation
import RiskCore

/// An owning wrapper of an OGR spatial reference (`OGRSpatialReferenceH`), used to resolve CRS
/// definitions into `CRS` values with WKT, EPSG code and name. Not Sendable: one owner at a time.
final class SpatialReference {
    let handle: OGRSpatialReferenceH

    private init(handle: OGRSpatialReferenceH) {
        self.handle = handle
        // The engine's axis order is always x = easting/longitude, y = northing/latitude.
        OSRSetAxisMappingStrategy(handle, OAMS_TRADITIONAL_GIS_ORDER)
    }

    deinit { OSRDestroySpatialReference(handle) }

    /// From a `CRS` value: its WKT when present, otherwise its EPSG code. Parsing a definition
    /// looks PROJ's database up; a run makes the same few CRSs for every tile, so each is parsed
    /// once and cloned after that.
    convenience init(_ crs: CRS) throws(GeoError) {
        if let clone = ParsedCRSCache.shared.clone(crs) {
            self.init(handle: clone)
            return
        }
        let parsed: SpatialReference
        if !crs.wkt.isEmpty {
            parsed = try SpatialReference(definition: crs.wkt)
        } else if let code = crs.epsg {
            parsed = try SpatialReference(definition: "EPSG:\(code)")
        } else {
            throw GeoError.invalidCRS(definition: crs.name, reason: "neither WKT nor an EPSG code")
        }
        ParsedCRSCache.shared.keep(crs, OSRClone(parsed.handle))
        self.init(handle: OSRClone(parsed.handle))
    }

    /// From any definition OSRSetFromUserInput accepts: "EPSG:4549", WKT, PROJJSON, a PROJ string.
    convenience init(definition: String) throws(GeoError) {
        GDALEnvironment.ensureSetUp()
        guard let h = OSRNewSpatialReference(nil) else {
            throw GeoError.invalidCRS(definition: definition, reason: "out of memory")
        }
        let srs = SpatialReference(handle: h)
        let err = try GDALCall.check({ GeoError.invalidCRS(definition: definition, reason: $0) }) {
            OSRSetFromUserInput(h, definition)
        }
        guard err == OGRERR_NONE else {
            throw GeoError.invalidCRS(definition: definition, reason: "not a CRS definition GDAL recognises (OGRErr \(err))")
        }
        self.init(handle: OSRClone(srs.handle))
    }

    /// Borrows a handle owned by a dataset or layer and clones it.
    convenience init?(borrowing h: OGRSpatialReferenceH?) {
        guard let h, let clone = OSRClone(h) else { return nil }
        self.init(handle: clone)
    }

    /// The WKT2:2019 definition.
    var wkt: String {
        var out: UnsafeMutablePointer<CChar>?
        let opts = CStringList(["FORMAT=WKT2_2019"])
        guard OSRExportToWktEx(handle, &out, opts.constPointer) == OGRERR_NONE, let out else { return "" }
        defer { VSIFree(out) }
        return String(cString: out)
    }

    var name: String {
        guard let n = OSRGetName(handle) else { return "" }
        return String(cString: n)
    }

    /// The EPSG code: the authority code the definition carries, else a unique 100 %-confidence
    /// match from the EPSG database, else nil.
    var epsg: Int? {
        if let auth = OSRGetAuthorityName(handle, nil), String(cString: auth) == "EPSG",
           let code = OSRGetAuthorityCode(handle, nil) {
            return Int(String(cString: code))
        }
        // OSRFindMatches searches PROJ's database (about 0.3 s for a projected CRS); a run asks
        // for the same few definitions many times.
        let key = wkt
        if let known = EPSGMatchCache.shared.get(key) { return known }
        let found = findEPSGMatch()
        EPSGMatchCache.shared.set(key, found)
        return found
    }

    private func findEPSGMatch() -> Int? {
        var count: Int32 = 0
        var confidences: UnsafeMutablePointer<Int32>?
        guard let matches = OSRFindMatches(handle, nil, &count, &confidences) else { return nil }
        defer {
            OSRFreeSRSArray(matches)
            VSIFree(confidences)
        }
        var found: Int?
        for i in 0..<Int(count) where confidences?[i] == 100 {
            guard let m = matches[i], let auth = OSRGetAuthorityName(m, nil), String(cString: auth) == "EPSG",
                  let code = OSRGetAuthorityCode(m, nil) else { continue }
            if found != nil { return nil }
            found = Int(String(cString: code))
        }
        return found
    }

    var isGeographic: Bool { OSRIsGeographic(handle) != 0 }
    var isProjected: Bool { OSRIsProjected(handle) != 0 }

    /// Linear units of a projected CRS in metres per unit (1 for metres).
    var linearUnitsInMetres: Double { OSRGetLinearUnits(handle, nil) }

    func isSame(_ other: SpatialReference) -> Bool { OSRIsSame(handle, other.handle) != 0 }

    /// The resolved value.
    var crs: CRS { CRS(wkt: wkt, epsg: epsg, name: name) }
}

extension CRS {
    /// This CRS with its WKT, EPSG code and name filled in by GDAL/PROJ.
    ///
    /// - Throws: `GeoError.invalidCRS` when the definition is not one PROJ knows.
    public func resolved() throws(GeoError) -> CRS {
        try SpatialReference(self).crs
    }

    /// Parses a user definition such as "EPSG:4549", a WKT string or a PROJ string.
    public static func parse(_ definition: String) throws(GeoError) -> CRS {
        try SpatialReference(definition: definition).crs
    }

    /// True for a geographic (lon/lat) CRS, whose units are not metres.
    public func isGeographic() throws(GeoError) -> Bool {
        try SpatialReference(self).isGeographic
    }

    /// The length of one unit of a projected CRS in metres; nil when the CRS is not projected
    /// (geographic degrees, geocentric, engineering).
    public func projectedUnitInMetres() throws(GeoError) -> Double? {
        let s = try SpatialReference(self)
        return s.isProjected ? s.linearUnitsInMetres : nil
    }

    /// The WGS84 UTM zone containing a lon/lat point: a metric CRS for analyses whose inputs
    /// are all lon/lat.
    public static func utm(lon: Double, lat: Double) -> CRS {
        let zone = min(60, max(1, Int(((lon + 180) / 6).rounded(.down)) + 1))
        return .epsg((lat >= 0 ? 32600 : 32700) + zone)
    }

    /// True when both describe the same CRS (GDAL's `OSRIsSame`, axis order ignored).
    public func isEquivalent(to other: CRS) throws(GeoError) -> Bool {
        try SpatialReference(self).isSame(SpatialReference(other))
    }
}

/// EPSG matches found for a WKT definition, by definition.
enum EPSGMatchCache {
    static let shared = LockedCache<String, Int?>()
}

/// One parsed spatial reference per CRS, cloned under a lock (an OGR spatial reference is not
/// safe to read from two threads at once). The prototypes live as long as the process.
final class ParsedCRSCache: @unchecked Sendable {
    static let shared = ParsedCRSCache()
    private let lock = NSLock()
    private var prototypes: [CRS: OGRSpatialReferenceH] = [:]

    func clone(_ crs: CRS) -> OGRSpatialReferenceH? {
        lock.lock()
        defer { lock.unlock() }
        return prototypes[crs].flatMap { OSRClone($0) }
    }

    func keep(_ crs: CRS, _ h: OGRSpatialReferenceH?) {
        guard let h else { return }
        lock.lock()
        defer { lock.unlock() }
        if prototypes[crs] == nil { prototypes[crs] = h } else { OSRDestroySpatialReference(h) }
    }
}
