import Foundation
@_exported import RiskCore
@_exported import RiskGeo

/// The engine's identity, recorded in every output's provenance.
public enum EngineInfo {
    /// Semantic version of RiskCensus.
    public static let version = "0.1.0"

    /// sha256 of the running executable: tile results are reused only by the same build, so
    /// a changed engine (even at the same version, as during development) recomputes them.
    /// A lazy static: hashed once per process, on first use.
    public static let buildID: String = (try? SHA256.hex(ofFile: "/proc/self/exe")) ?? "unknown"

    /// Versions of the C libraries the engine runs against, for provenance.
    public static var libraries: [String: String] {
        ["gdal": GDALEnvironment.gdalVersion, "geos": GeosContext.version, "sqlite": SQLiteDatabase.version]
    }
}
