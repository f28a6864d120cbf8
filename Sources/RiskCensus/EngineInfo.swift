import Foundation
@_exported import RiskCore
@_exported import RiskGeo

/// The engine's identity, recorded in every output's provenance.
public enum EngineInfo {
    /// Semantic version of RiskCensus.
    public static let version = "0.1.0"

    /// sha256 of the running executable: tile results are reused only by the same build, so
    /// a changed engine (even at the same version, as during development) recomputes them.
    public static let buildID: String = {
        guard let h = FileHandle(forReadingAtPath: "/proc/self/exe") else { return "unknown" }
        defer { try? h.close() }
        var s = SHA256()
        while let chunk = try? h.read(upToCount: 1 << 22), !chunk.isEmpty { s.update(chunk) }
        return s.finalize()
    }()

    /// Versions of the C libraries the engine runs against, for provenance.
    public static var libraries: [String: String] {
        ["gdal": GDALEnvironment.gdalVersion, "geos": GeosContext.version, "sqlite": SQLiteDatabase.version]
    }
}
