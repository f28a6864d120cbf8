import Foundation
import RiskCore
import RiskGeo
import RiskOptimize

/// A census manifest as written in YAML (docs/manifest.md documents every field). Paths are
/// relative to the manifest's folder. Decoding checks types; `CensusPlan` checks everything else.
public struct Manifest: Codable, Sendable {
    public var name: String
    public var region: Region
    public var grid: Grid
    public var currency: String?
    public var hazards: [Hazard]
    public var exposure: Exposure
    public var capacity: RasterInput?
    /// Cells left out of the whole census (non-zero mask values); see docs/cell-size.md.
    public var mask: RasterInput?
    /// Shelter and fire-station coverage run with the census (`coverage/` in the output), on
    /// the exposure population raster at its own resolution: the `coverage` command's options.
    public var coverage: CoverageSpec?
    public var index: Index?
    public var classification: ClassificationSpec?
    public var eal: EAL?
    public var planTargets: PlanTargets?
    public var outputs: Outputs?
    /// Remote locations inputs may be read from. Absent: no input may reach the network.
    public var remoteInputs: RemoteInputs?

    /// The hosts (for `s3`, `gs` and `az`: buckets or containers) and schemes inputs may be read
    /// from over the network; every pair of a listed scheme and a listed host is allowed.
    public struct RemoteInputs: Codable, Sendable {
        public var hosts: [String]
        /// Default: https.
        public var schemes: [String]?

        /// The allowed locations as an input policy's remote set.
        public var locations: Set<InputPolicy.Remote> {
            Set((schemes ?? ["https"]).flatMap { s in hosts.map { InputPolicy.Remote(scheme: s, host: $0) } })
        }
    }

    public struct Region: Codable, Sendable {
        public var layer: String
        public var layerName: String?
        public var nameField: String
        public var codeField: String?
        /// The output name of these units' tables, `<units>.csv` and `<units>.geojson` (default
        /// `districts`).
        public var units: String?
        /// The coarser levels these units nest in, the next coarser first (towns in districts;
        /// tracts in neighbourhoods).
        public var parents: [ParentUnits]?
    }

    /// A coarser level of units: each unit of the level below names its parent by code in
    /// `parent_field`. With a `layer`, the level's units are that layer's polygons (named by its
    /// `name_field`, found by its `code_field`); without one, they are the unions of their
    /// children, named by the children's `name_field`.
    public struct ParentUnits: Codable, Sendable {
        public var units: String
        public var parentField: String
        public var layer: String?
        public var layerName: String?
        public var nameField: String
        public var codeField: String?
        /// The unit that children with an empty parent field join (IBGE's rural tracts belong
        /// to no neighbourhood); without it, an empty parent code is bad data.
        public var unassigned: UnassignedUnit?
    }

    public struct UnassignedUnit: Codable, Sendable {
        public var code: String
        public var name: String
    }

    public struct Grid: Codable, Sendable {
        public var crs: String
        public var cellSize: Double
        public var tileSize: Int?
    }

    public struct RasterInput: Codable, Sendable {
        public var path: String
        public var band: Int?
        public var resampling: Resampling?
    }

    public struct ReturnPeriodLayer: Codable, Sendable {
        public var years: Double
        public var path: String
        public var band: Int?
    }

    /// A curve table: rows of (class, x, y) in a CSV file.
    public struct CurveTable: Codable, Sendable {
        public var csv: String
        public var classColumn: String?
        public var xColumn: String
        public var yColumn: String
    }

    public struct Hazard: Codable, Sendable {
        public var id: String
        public var units: String
        public var resampling: Resampling?
        public var returnPeriods: [ReturnPeriodLayer]?
        public var scenario: RasterInput?
        public var indexReturnPeriod: Double?
        /// Damage ratio vs intensity, one curve per exposure class (by the class column);
        /// required for intensity hazards, absent for a hazard given as levels.
        public var vulnerability: CurveTable?
        /// Fatality rate per person vs intensity; `fatalityClass` picks the rows.
        public var fatality: CurveTable?
        public var fatalityClass: String?
        /// Cells where this hazard does not apply (non-zero mask values), e.g. the sea for a
        /// flood layer that carries the water level there.
        public var mask: RasterInput?
        /// Instead of intensities: hazard levels, from a raster or derived from factor layers.
        public var levels: Levels?
        /// For a hazard given as levels: its risk level by hazard level × vulnerability level.
        public var riskMatrix: RiskMatrixSpec?
    }

    public struct BuildingClass: Codable, Sendable {
        public var name: String
        public var band: Int?
        public var costPerM2: Double
    }

    public struct VectorBuildings: Codable, Sendable {
        public var path: String
        public var layer: String?
        public var classField: String
        public var areaField: String
    }

    public struct Buildings: Codable, Sendable {
        public var raster: RasterInput?
        public var vector: VectorBuildings?
        public var classes: [BuildingClass]
    }

    public struct Infrastructure: Codable, Sendable {
        public var id: String
        public var path: String
        public var layer: String?
        /// Length per cell × cost per km, or value to the containing cell.
        public var kind: InfrastructureKind
        public var costPerKm: Double?
        public var costPerKmField: String?
        public var value: Double?
        public var valueField: String?
        /// The class whose curves (in each hazard's vulnerability table) apply to this layer.
        public var curveClass: String
    }

    public struct Exposure: Codable, Sendable {
        public var population: RasterInput
        public var gdp: RasterInput?
        public var buildings: Buildings
        public var infrastructure: [Infrastructure]?
    }

    public struct AHPMatrix: Codable, Sendable {
        public var order: [String]
        public var matrix: [[Double]]
    }

    public struct Index: Codable, Sendable {
        public var weights: [String: Double]?
        public var ahp: AHPMatrix?
        public var combination: Combination?
        public var rescale: Rescale?
        public var logExposure: Bool?
        public var exposureWeights: ExposureWeights?
    }

    public struct ExposureWeights: Codable, Sendable {
        public var population: Double
        public var value: Double
    }

    public struct ClassificationSpec: Codable, Sendable {
        public var method: ClassificationName
        public var percentiles: [Double]?
        public var thresholds: [Double]?
    }

    public struct EAL: Codable, Sendable {
        public var zeroDamageReturnPeriod: Double?
        public var tail: ExceedanceIntegration.Tail?
        public var probability: ExceedanceIntegration.Probability?
    }

    public struct PlanTargets: Codable, Sendable {
        public var annualLossToGdpMax: Double?
        public var annualDeathsPerMillionMax: Double?
    }

    public struct Outputs: Codable, Sendable {
        public var precision: Int?
        public var cells: Bool?
        public var cellsGeojson: Bool?
        public var zones: Bool?
    }

    public enum InfrastructureKind: String, Codable, Sendable, CaseIterable, ManifestEnum { case lines, points }
    public enum Combination: String, Codable, Sendable, CaseIterable, ManifestEnum {
        case weightedSum = "weighted_sum", max, inform, comprehensiveLevel = "comprehensive_level"
    }
    public enum Rescale: String, Codable, Sendable, CaseIterable, ManifestEnum {
        case unit, halfToOne = "half_to_one"
    }
    public enum ClassificationName: String, Codable, Sendable, CaseIterable, ManifestEnum {
        case naturalBreaks = "natural_breaks", quantile, percentile, fixed
    }
    public enum ShelterCost: String, Codable, Sendable, CaseIterable, ManifestEnum { case network, euclidean }
    public enum Accessibility: String, Codable, Sendable, CaseIterable, ManifestEnum {
        case twoStep = "2sfca", gaussian = "g2sfca"
    }

    /// Decodes YAML text. Keys are snake_case in the file.
    ///
    /// - Throws: `CensusError.manifest` naming the key path that is missing or has the wrong type.
    public static func decode(yaml: String, path: String) throws(CensusError) -> Manifest {
        // The strict reader checks keys, kinds and enumerations against the schema (with lines);
        // JSONDecoder then builds the typed value from its tree.
        let tree = try StrictManifest.tree(yaml: yaml, path: path)
        do {
            let data = try JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys])
            return try JSONDecoder().decode(Manifest.self, from: data)
        } catch let e as DecodingError {
            throw CensusError.manifest(file: path, key: e.keyPath, message: e.summary)
        } catch {
            throw CensusError.manifest(file: path, key: "", message: "cannot decode: \(error)")
        }
    }

    /// The manifest's JSON Schema (draft 2020-12), generated from these types:
    /// `docs/manifest.schema.json` holds it, and a test keeps the two the same.
    public static var jsonSchema: String { SchemaNode.jsonSchemaDocument() }

    /// Reads and decodes a manifest file.
    public static func load(_ path: String) throws(CensusError) -> Manifest {
        let text = try InputFile.text(path, what: "the manifest", maxBytes: YAMLBounds.maxBytes) { _ in
            CensusError.manifest(file: path, key: "", message: "manifest file not found")
        }
        return try decode(yaml: text, path: path)
    }
}

extension DecodingError {
    /// "hazards[1].units" style path of the failing key.
    var keyPath: String {
        let (path, key): ([any CodingKey], String?) = {
            switch self {
            case .keyNotFound(let k, let c): return (c.codingPath, k.stringValue)
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return (c.codingPath, nil)
            @unknown default: return ([], nil)
            }
        }()
        var s = ""
        for k in path {
            if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + ManifestKeys.snake(k.stringValue) }
        }
        if let key { s += (s.isEmpty ? "" : ".") + ManifestKeys.snake(key) }
        return s
    }

    var summary: String {
        switch self {
        case .keyNotFound: "required key is missing"
        case .typeMismatch(let t, _): "expected \(t == Double.self ? "a number" : t == String.self ? "text" : t == Int.self ? "an integer" : "\(t)")"
        case .valueNotFound(let t, _): "expected a value of type \(t)"
        case .dataCorrupted(let c): c.debugDescription
        @unknown default: "invalid value"
        }
    }
}
