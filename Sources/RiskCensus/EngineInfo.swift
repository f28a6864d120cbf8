@_exported import RiskCore
@_exported import RiskGeo

/// The engine's identity, recorded in every output's provenance.
public enum EngineInfo {
    /// Semantic version of RiskCensus.
    public static let version = "0.1.0"

    /// Versions of the C libraries the engine runs against, for provenance.
    public static var libraries: [String: String] {
        ["gdal": GDALEnvironment.gdalVersion, "geos": GeosContext.version, "sqlite": SQLiteDatabase.version]
    }
}
