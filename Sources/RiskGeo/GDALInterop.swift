import CGDAL

/// GDAL's pixel data types (`GDALDataType`) as a Swift value; the raw value is GDAL's name.
public enum RasterDataType: String, Sendable, Codable, CaseIterable {
    case byte = "Byte", int8 = "Int8", uint16 = "UInt16", int16 = "Int16", uint32 = "UInt32", int32 = "Int32"
    case uint64 = "UInt64", int64 = "Int64", float32 = "Float32", float64 = "Float64"
    case cint16 = "CInt16", cint32 = "CInt32", cfloat32 = "CFloat32", cfloat64 = "CFloat64"
    case unknown = "Unknown"

    /// From the C constant (`GDT_Byte` …).
    init(gdal: GDALDataType) {
        self = RasterDataType(rawValue: String(cString: GDALGetDataTypeName(gdal))) ?? .unknown
    }

    /// The C constant, `GDT_Unknown` for `.unknown`.
    var gdal: GDALDataType { GDALGetDataTypeByName(rawValue) }

    public var isComplex: Bool { [.cint16, .cint32, .cfloat32, .cfloat64].contains(self) }
}

/// The resampling methods a warp onto the analysis grid may use (`GDALResampleAlg`).
public enum Resampling: String, Sendable, Codable, CaseIterable {
    /// `GRA_NearestNeighbour`: categorical layers.
    case nearest
    /// `GRA_Bilinear`: continuous fields sampled at finer or similar resolution.
    case bilinear
    /// `GRA_Average`: area-weighted mean of the source cells a target cell covers (intensities, ratios).
    case average
    /// `GRA_Sum`: area-weighted sum, for counts and totals (population, floor area, value); the
    /// total is conserved.
    case sum

    var gdal: GDALResampleAlg {
        switch self {
        case .nearest: GRA_NearestNeighbour
        case .bilinear: GRA_Bilinear
        case .average: GRA_Average
        case .sum: GRA_Sum
        }
    }
}
