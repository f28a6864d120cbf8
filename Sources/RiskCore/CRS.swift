/// A coordinate reference system as the engine carries it: the WKT that defines it, plus the EPSG
/// code and a display name where they are known.
///
/// RiskCore never interprets the WKT; RiskGeo resolves and compares CRSs through PROJ and GDAL.
/// A missing CRS is represented by `nil` at the call site, never by a default to EPSG:4326.
public struct CRS: Sendable, Hashable, CustomStringConvertible {
    /// The full definition (WKT2 or WKT1 as the source gave it). Empty only for `epsg`-only values.
    public var wkt: String
    /// The EPSG code when the CRS is, or is identified as, an EPSG CRS.
    public var epsg: Int?
    /// A short human name, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 120E".
    public var name: String

    public init(wkt: String, epsg: Int? = nil, name: String = "") {
        self.wkt = wkt
        self.epsg = epsg
        self.name = name
    }

    /// A CRS known only by its EPSG code; RiskGeo fills in the WKT when it resolves it.
    public static func epsg(_ code: Int, name: String = "") -> CRS {
        CRS(wkt: "", epsg: code, name: name)
    }

    /// WGS 84 geographic, the only CRS RFC 7946 GeoJSON allows. Axis order in the engine is always lon, lat.
    public static let wgs84 = CRS.epsg(4326, name: "WGS 84")

    /// "EPSG:4549" when the code is known, otherwise the name.
    public var description: String {
        if let epsg { return "EPSG:\(epsg)" }
        return name.isEmpty ? "custom CRS" : name
    }
}
