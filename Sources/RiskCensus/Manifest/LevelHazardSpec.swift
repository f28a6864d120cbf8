import Foundation
import RiskCore
import RiskGeo

/// The manifest's form of a hazard given as levels (geological hazards, forest fire): a levels
/// raster, or levels derived from factor layers, and the risk matrix that turns a cell's hazard
/// level and vulnerability level into its risk level (docs/level-hazards.md).
extension Manifest {
    /// Hazard levels, 1 the most severe (极高易发) … `count` the least.
    public struct Levels: Codable, Sendable {
        /// 4 or 5 levels.
        public var count: Int
        /// A raster of levels 1…count (nodata or 0: unknown); or `derived`.
        public var path: String?
        public var band: Int?
        public var derived: DerivedHazard?
    }

    /// Levels derived from factor layers: each factor classed, the classes scored by information
    /// value or frequency ratio against an inventory of past events, or by weighted overlay; the
    /// score classed into levels.
    public struct DerivedHazard: Codable, Sendable {
        public var method: DerivationMethod
        /// Past events (points, or polygons by their cells); required for information value and
        /// frequency ratio, and used by every method for the success and prediction rates.
        public var inventory: VectorInput?
        /// The share of inventory events held back from the statistics for the prediction rate
        /// (default 0.3; 0 for none).
        public var holdOut: Double?
        /// The seed of the hold-out draw (default 1).
        public var seed: Int?
        public var factors: [Factor]
        /// Weighted overlay: weights by factor id (≥ 0, summing to 1), or `ahp`, or `entropy`.
        public var weights: [String: Double]?
        public var ahp: AHPMatrix?
        public var entropy: Bool?
        /// How the score is cut into levels (default natural breaks); percentiles and thresholds
        /// number `count − 1`.
        public var classification: ClassificationSpec?
    }

    public enum DerivationMethod: String, Codable, Sendable, CaseIterable, ManifestEnum {
        case informationValue = "information_value", frequencyRatio = "frequency_ratio", weightedOverlay = "weighted_overlay"
    }

    public struct VectorInput: Codable, Sendable {
        public var path: String
        public var layer: String?
    }

    /// One factor layer: a raster as it is, a terrain derivative of a DEM, or the distance to a
    /// vector layer; classed by `breaks` (ascending: k breaks give k + 1 classes) or by a table
    /// of `classes` (categorical values).
    public struct Factor: Codable, Sendable {
        public var id: String
        public var raster: RasterInput?
        public var terrain: TerrainFactor?
        public var distanceTo: VectorInput?
        public var breaks: [Double]?
        public var classes: [FactorClass]?
        /// Weighted overlay: a score per class (any scale; min-max normalised per factor).
        public var scores: [Double]?
    }

    public struct TerrainFactor: Codable, Sendable {
        /// The DEM (a projected CRS in metres).
        public var path: String
        public var band: Int?
        public var derivative: TerrainDerivative
    }

    /// What is taken of the DEM: the elevation itself or one of GDAL's DEM-processing products.
    public enum TerrainDerivative: String, Codable, Sendable, CaseIterable, ManifestEnum {
        case elevation, slope, aspect, roughness, tri, tpi
    }

    public struct FactorClass: Codable, Sendable {
        public var name: String
        /// The raster values of this class.
        public var values: [Double]
    }

    /// A risk matrix: `matrix[h − 1][v − 1]` is the risk level (1 = I … 5 = V) of a cell at hazard
    /// level h and vulnerability level v. The vulnerability level comes from the cell's exposure
    /// term E ∈ [0, 1] (as in the index, normalised over the region), cut by
    /// `vulnerability_breaks` (ascending, one fewer than the matrix's columns; default equal
    /// intervals): level 1 above the last break.
    public struct RiskMatrixSpec: Codable, Sendable {
        public var matrix: [[Int]]
        public var vulnerabilityBreaks: [Double]?
    }
}
