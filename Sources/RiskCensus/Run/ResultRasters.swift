import RiskGeo
import RiskMaps

/// How a census's result rasters are written: Cloud-optimized GeoTIFF with overviews (average
/// for values, mode for classes), and class rasters carry the maps' colours as a colour table
/// and the classes' names as category names, so a GIS shows them as the maps do.
enum ResultRasters {
    /// A raster of values in `units`.
    static func values(units: String) -> RasterWriteOptions {
        RasterWriteOptions(units: units, layout: .cog)
    }

    /// A Byte raster of classes (0 is nodata) coloured and named by `categories`.
    static func classes(units: String, _ categories: [LayerStyle.Category], description: String) -> RasterWriteOptions {
        var o = RasterWriteOptions(units: units, layout: .cog, dataType: .byte)
        o.nodata = 0
        o.overviewResampling = "MODE"
        o.bandDescription = description
        let byte = { (v: Double) in UInt8((v * 255).rounded()) }
        o.colorTable = [.init(value: 0, r: 0, g: 0, b: 0, a: 0)]
            + categories.map { .init(value: $0.value, r: byte($0.color.r), g: byte($0.color.g), b: byte($0.color.b)) }
        var names = [String](repeating: "", count: (categories.map(\.value).max() ?? 0) + 1)
        names[0] = "no data"
        for c in categories { names[c.value] = c.label }
        o.categoryNames = names
        return o
    }
}
