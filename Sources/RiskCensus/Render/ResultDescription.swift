import Foundation
import RiskCore
import RiskGeo

/// What a finished census folder says about itself in its `provenance.json`, typed: enough to
/// draw its maps without the manifest or re-planning the inputs. Input layers are named by
/// paths relative to the result folder, so rendering works from any working directory.
struct ResultDescription: Decodable {
    struct Engine: Decodable { var version: String }

    struct Grid: Decodable {
        var crs: String
        /// The full definition; `crs` is its EPSG code or name.
        var crsWkt: String?
        var cellSizeM: Double
        var width: Int
        var height: Int
        var origin: [Double]
    }

    struct Layer: Decodable {
        /// Relative to the result folder.
        var path: String
        var band: Int
    }

    struct Hazard: Decodable {
        var id: String
        var units: String
        var returnPeriods: [Double]
        var scenario: Bool
        var indexBand: Int
        /// The intensity layer the index uses (for a hazard given as levels, its levels).
        var indexLayer: Layer
        /// How its levels were made; nil for an intensity hazard without single-hazard levels.
        var levels: Levels?
        var isLevels: Bool { levels?.hazardLevels != nil }
    }

    struct Levels: Decodable {
        /// The number of hazard levels of a hazard given as levels.
        var hazardLevels: Int?
        /// Its single-hazard risk level raster, when it has one.
        var raster: String?
    }

    struct Classification: Decodable {
        var method: String
        var breaks: [Double]
    }

    struct Parameters: Decodable {
        var hazards: [Hazard]
        var capacitySource: String
        var classification: Classification
        /// How the composite levels were made: by breaks of the index, or the comprehensive rule.
        var levelsRule: String?
        var isComprehensive: Bool { levelsRule?.hasPrefix("comprehensive_level") == true }
    }

    struct Census: Decodable {
        var name: String
        var currency: String
        var population: Layer
    }

    /// The run's unit levels, finest first (absent in single-level runs of earlier versions).
    struct Units: Decodable {
        var name: String
        var geojson: String
    }

    var engine: Engine
    var manifestPath: String
    var units: [Units]?

    /// The GeoJSON of the coarsest units, which maps and the viewer outline.
    var outlineFile: String {
        let f = units?.last?.geojson ?? "districts.geojson"
        return f.contains("/") ? "districts.geojson" : f
    }
    var census: Census
    var grid: Grid
    var parameters: Parameters

    /// Reads `folder/provenance.json`.
    static func read(folder: String) throws(CensusError) -> ResultDescription {
        let p = (folder as NSString).appendingPathComponent("provenance.json")
        let data = try InputFile.data(p, what: "provenance.json", sizeFactor: 8) { _ in
            CensusError.badData(file: p, message: "no provenance.json: not the output folder of a finished census run")
        }
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try d.decode(ResultDescription.self, from: data)
        } catch let e as DecodingError {
            throw CensusError.badData(file: p, message: "not the provenance of a census run by this engine version (\(e.keyPath.isEmpty ? "" : e.keyPath + ": ")\(e.summary)); run the census again")
        } catch {
            throw CensusError.badData(file: p, message: "not the provenance of a census run by this engine version; run the census again")
        }
    }

    /// The analysis grid.
    func gridSpec() throws(CensusError) -> GridSpec {
        guard grid.origin.count == 2, grid.cellSizeM > 0, grid.width > 0, grid.height > 0 else {
            throw CensusError.badData(file: "provenance.json", message: "grid: expected origin [x, y], a positive cell size and size")
        }
        let crs: CRS
        do { crs = try CRS.parse(grid.crsWkt.flatMap { $0.isEmpty ? nil : $0 } ?? grid.crs) } catch { throw CensusError.badData(file: "provenance.json", message: "grid.crs: \(error)") }
        return GridSpec(transform: .northUp(west: grid.origin[0], north: grid.origin[1], cellWidth: grid.cellSizeM, cellHeight: grid.cellSizeM),
                        width: grid.width, height: grid.height, crs: crs)
    }
}

/// `file` as a path relative to the folder `dir` (both made absolute from the current directory).
func relativePath(of file: String, from dir: String) -> String {
    func parts(_ p: String) -> [String] {
        let absolute = p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
        return (absolute as NSString).standardizingPath.split(separator: "/").map(String.init)
    }
    let f = parts(file), d = parts(dir)
    var common = 0
    while common < min(f.count, d.count) && f[common] == d[common] { common += 1 }
    return (Array(repeating: "..", count: d.count - common) + f[common...]).joined(separator: "/")
}
