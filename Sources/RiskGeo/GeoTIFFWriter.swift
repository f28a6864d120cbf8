import CGDAL
import Foundation
import RiskCore

/// How a raster is written.
public struct RasterWriteOptions: Sendable {
    public enum Layout: String, Sendable {
        /// Tiled, compressed GeoTIFF.
        case geoTIFF
        /// Cloud-optimized GeoTIFF (GDAL's COG driver): tiled, with overviews, IFDs first.
        case cog
    }

    public var layout: Layout = .geoTIFF
    /// Stored cell type: `.float32`, `.float64`, or an integer type (`.byte`, `.int16`, `.uint16`,
    /// `.int32`) with a numeric nodata; values are rounded by GDAL on write.
    public var dataType: RasterDataType = .float32
    /// The value written for NaN cells and declared as the band's nodata. NaN by default.
    public var nodata: Double = .nan
    /// The band's unit type, e.g. "persons", "m", "CNY". Required: outputs always state units.
    public var units: String
    /// The band's description, e.g. "population".
    public var bandDescription: String = ""
    /// Bands 2, 3, … of a multi-band raster (band 1 takes `bandDescription` and `units`); every
    /// band shares the type and nodata.
    public var moreBands: [Band] = []

    /// A further band's description and unit type.
    public struct Band: Sendable {
        public var description: String
        public var units: String
        public init(description: String, units: String) {
            self.description = description
            self.units = units
        }
    }
    /// Extra dataset metadata (default domain): provenance, nodata meaning, CRS note.
    public var metadata: [String: String] = [:]
    /// GDAL compression name.
    public var compression: String = "DEFLATE"
    /// How overviews are computed (GDAL's names): "AVERAGE" for values, "MODE" for classes.
    public var overviewResampling: String = "AVERAGE"
    /// The band's colour table (palette interpretation) of a Byte raster: value → RGBA.
    public var colorTable: [PaletteEntry] = []
    /// The band's category names, by value (index 0 names value 0).
    public var categoryNames: [String] = []
    /// Further creation options (GDAL's NAME=VALUE, as `--co` gives them), after the writer's own.
    public var creationOptions: [(String, String)] = []

    /// One colour of a colour table.
    public struct PaletteEntry: Sendable {
        public var value: Int
        public var r: UInt8, g: UInt8, b: UInt8, a: UInt8
        public init(value: Int, r: UInt8, g: UInt8, b: UInt8, a: UInt8 = 255) {
            self.value = value
            (self.r, self.g, self.b, self.a) = (r, g, b, a)
        }
    }

    public init(units: String, layout: Layout = .geoTIFF, dataType: RasterDataType = .float32) {
        self.units = units
        self.layout = layout
        self.dataType = dataType
    }
}

extension RasterWriteOptions {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var given: [(String, String)] = []

    /// Creation options for every raster this process writes (`--co NAME=VALUE`, as GDAL's
    /// tools take them), applied after a writer's own, for the final format (COG or GTiff).
    public static var processCreationOptions: [(String, String)] {
        get { lock.withLock { given } }
        set { lock.withLock { given = newValue } }
    }

    /// What is wrong with `options` as COG creation options (GDAL's own words), or nil.
    public static func cogCreationOptionProblem(_ options: [(String, String)]) -> String? {
        guard !options.isEmpty else { return nil }
        GDALEnvironment.ensureSetUp()
        guard let cog = GDALGetDriverByName("COG") else { return "this GDAL has no COG driver" }
        for (k, v) in options {
            let one = CStringList(options: [(k, v)])
            guard GDALValidateCreationOptions(cog, one.pointer) != 0 else {
                return "the COG driver does not take \(k)=\(v)" + (GDALCall.lastFailure().map { ": \($0)" } ?? "")
            }
        }
        return nil
    }
}

/// Writes `RasterBuffer`s as GeoTIFF or COG with CRS, nodata, units and metadata.
///
/// Files are written under a temporary name in the target folder and renamed when complete, so a
/// failed write never leaves a partial file under the final name.
public enum GeoTIFFWriter {
    public static func write<S: BinaryFloatingPoint & Sendable>(_ buffer: RasterBuffer<S>, grid: GridSpec, to path: String,
                                                              options: RasterWriteOptions) throws(GeoError) {
        guard buffer.width == grid.width, buffer.height == grid.height else {
            throw GeoError.writeFailed(path: path, operation: "write GeoTIFF",
                                       reason: "buffer is \(buffer.width)×\(buffer.height), grid is \(grid.width)×\(grid.height)")
        }
        let stream = try GeoTIFFStream(path: path, grid: grid, options: options)
        try stream.write(buffer.values, window: Window(colOff: 0, rowOff: 0, width: grid.width, height: grid.height))
        try stream.finish()
    }
}

/// A GeoTIFF (one band, or several of one type) written window by window, so a raster larger than memory can be
/// produced tile by tile. It is created under a temporary name and renamed by `finish()`; a
/// stream dropped without `finish()` removes its temporary file. Windows should be written in
/// a fixed order: GDAL lays out compressed blocks in the order they are flushed, so the file's
/// bytes follow the write order.
public final class GeoTIFFStream {
    public let path: String
    let grid: GridSpec
    let options: RasterWriteOptions
    private let tmp: String
    private let stage: String
    private var ds: GDALDatasetH?
    private let bands: [GDALRasterBandH?]

    public init(path: String, grid: GridSpec, options: RasterWriteOptions) throws(GeoError) {
        self.path = path
        self.grid = grid
        self.options = options
        let fail = { (op: String) in { (msg: String) in GeoError.writeFailed(path: path, operation: op, reason: msg) } }
        guard let crs = grid.crs else { throw GeoError.writeFailed(path: path, operation: "write GeoTIFF", reason: "the grid has no CRS") }
        let isFloat = [.float32, .float64].contains(options.dataType)
        guard isFloat || [.byte, .int16, .uint16, .int32].contains(options.dataType) else {
            throw GeoError.writeFailed(path: path, operation: "write GeoTIFF", reason: "unsupported output type \(options.dataType.rawValue)")
        }
        guard isFloat || !options.nodata.isNaN else {
            throw GeoError.writeFailed(path: path, operation: "write GeoTIFF", reason: "an integer output needs a numeric nodata value")
        }
        let srs = try SpatialReference(crs)
        let tmp = temporaryPath(for: path), stage = options.layout == .cog ? tmp + ".stage.tif" : tmp
        self.tmp = tmp
        self.stage = stage
        let gtiff = try GDALCall.check(fail("find driver")) { GDALGetDriverByName("GTiff") }
        // A COG's stage is tiled and uncompressed: the COG driver compresses it once, with its overviews.
        let createOptions = CStringList(options: [("TILED", "YES"), ("BLOCKXSIZE", "256"), ("BLOCKYSIZE", "256"), ("BIGTIFF", "IF_SAFER")]
            + (options.layout == .cog ? [] : [
                ("COMPRESS", options.compression), ("PREDICTOR", isFloat ? "3" : "2"),
                // Blocks are compressed on every core; GDAL writes them in order, so the bytes do not change.
                ("NUM_THREADS", "ALL_CPUS"),
            ] + options.creationOptions + RasterWriteOptions.processCreationOptions)
            + (options.moreBands.isEmpty ? [] : [("INTERLEAVE", "BAND")]))
        let count = 1 + options.moreBands.count
        let ds = try GDALCall.check(fail("create")) {
            GDALCreate(gtiff, stage, Int32(grid.width), Int32(grid.height), Int32(count), options.dataType.gdal, createOptions.pointer)
        }
        self.ds = ds
        bands = (1...count).map { GDALGetRasterBand(ds, Int32($0)) }
        do {
            var coeffs = grid.transform.gdalCoefficients
            try GDALCall.checkErr(fail("set geotransform")) { GDALSetGeoTransform(ds, &coeffs) }
            try GDALCall.checkErr(fail("set CRS")) { GDALSetSpatialRef(ds, srs.handle) }
            for (k, v) in options.metadata.sorted(by: { $0.key < $1.key }) {
                try GDALCall.checkErr(fail("set metadata \(k)")) { GDALSetMetadataItem(ds, k, v, nil) }
            }
            let described = [RasterWriteOptions.Band(description: options.bandDescription, units: options.units)] + options.moreBands
            for (band, b) in zip(bands, described) {
                try GDALCall.checkErr(fail("set nodata")) { GDALSetRasterNoDataValue(band, options.nodata) }
                try GDALCall.checkErr(fail("set units")) { GDALSetRasterUnitType(band, b.units) }
                if !b.description.isEmpty { GDALSetDescription(band, b.description) }
            }
            if !options.colorTable.isEmpty {
                let table = GDALCreateColorTable(GPI_RGB)
                defer { GDALDestroyColorTable(table) }
                for e in options.colorTable {
                    var c = GDALColorEntry(c1: Int16(e.r), c2: Int16(e.g), c3: Int16(e.b), c4: Int16(e.a))
                    GDALSetColorEntry(table, Int32(e.value), &c)
                }
                try GDALCall.checkErr(fail("set colour table")) { GDALSetRasterColorTable(bands[0], table) }
            }
        } catch {
            discard()
            throw error
        }
    }

    deinit { discard() }

    private func discard() {
        if let ds { GDALClose(ds) }
        ds = nil
        unlinkIfPresent(stage)
        unlinkIfPresent(tmp)
    }

    /// Writes `values` (row-major, the window's size) into the window of `band` (1-based); NaN
    /// becomes the nodata value of an integer output.
    public func write<S: BinaryFloatingPoint & Sendable>(_ values: [S], window w: Window, band number: Int = 1) throws(GeoError) {
        precondition(values.count == w.cellCount, "values do not match the window")
        precondition(bands.indices.contains(number - 1), "no band \(number)")
        guard ds != nil else { throw GeoError.writeFailed(path: path, operation: "write pixels", reason: "the stream is finished") }
        guard w.cellCount > 0 else { return }
        var staged = values
        if !options.nodata.isNaN {
            let nd = S(options.nodata)
            for i in staged.indices where staged[i].isNaN { staged[i] = nd }
        }
        let bufferType = MemoryLayout<S>.size == 4 ? GDT_Float32 : GDT_Float64
        let band = bands[number - 1]
        try GDALCall.checkErr({ GeoError.writeFailed(path: path, operation: "write pixels", reason: $0) }) {
            staged.withUnsafeMutableBufferPointer { p in
                GDALRasterIO(band, GF_Write, Int32(w.colOff), Int32(w.rowOff), Int32(w.width), Int32(w.height), p.baseAddress,
                             Int32(w.width), Int32(w.height), bufferType, 0, 0)
            }
        }
    }

    /// Flushes, closes and renames the file into place (through the COG driver for that layout).
    public func finish() throws(GeoError) {
        let fail = { [path] (op: String) in { (msg: String) in GeoError.writeFailed(path: path, operation: op, reason: msg) } }
        guard let ds else { throw GeoError.writeFailed(path: path, operation: "finish", reason: "the stream is finished") }
        do throws(GeoError) {
            try GDALCall.checkState(fail("flush")) { GDALFlushCache(ds) }
            GDALClose(ds)
            self.ds = nil
            if options.layout == .cog {
                let cog = try GDALCall.check(fail("find driver")) { GDALGetDriverByName("COG") }
                let src = try GDALCall.check(fail("reopen staged raster")) { GDALOpen(stage, GA_ReadOnly) }
                defer { GDALClose(src) }
                // DEFLATE at libdeflate's level 1: on the census's rasters a third faster than the
                // default level 6 and within 1 % of its size (`--co LEVEL=…` overrides).
                let copyOptions = CStringList(options: [
                    ("COMPRESS", options.compression), ("PREDICTOR", "YES"), ("BLOCKSIZE", "256"),
                ] + (options.compression == "DEFLATE" ? [("LEVEL", "1")] : []) + [
                    ("BIGTIFF", "IF_SAFER"), ("OVERVIEWS", "IGNORE_EXISTING"), ("OVERVIEW_RESAMPLING", options.overviewResampling),
                    ("OVERVIEW_COUNT", String(Self.overviewCount(width: grid.width, height: grid.height))),
                    ("NUM_THREADS", "ALL_CPUS"),
                ] + options.creationOptions + RasterWriteOptions.processCreationOptions)
                // The COG driver stages the overviews in a temporary file, ZSTD-compressed at
                // level 9 by default: a tenth of a census's CPU. They are read back once, so
                // they stay uncompressed (a user's --config COG_TMP_COMPRESSION still wins).
                let ownTemporary = CPLGetConfigOption("COG_TMP_COMPRESSION", nil) == nil
                if ownTemporary { CPLSetThreadLocalConfigOption("COG_TMP_COMPRESSION", "NONE") }
                defer { if ownTemporary { CPLSetThreadLocalConfigOption("COG_TMP_COMPRESSION", nil) } }
                let out = try GDALCall.check(fail("write COG")) { GDALCreateCopy(cog, tmp, src, 0, copyOptions.pointer, nil, nil) }
                try GDALCall.checkState(fail("close COG")) { GDALClose(out) }
                unlinkIfPresent(stage)
            }
            if !options.categoryNames.isEmpty {
                // TIFF has no place for category names: GDAL keeps them in tmp.aux.xml, which
                // moves with the file.
                let names = CStringList(options.categoryNames)
                let written = try GDALCall.check(fail("reopen for category names")) { GDALOpen(tmp, GA_ReadOnly) }
                let set = GDALSetRasterCategoryNames(GDALGetRasterBand(written, 1), names.pointer)
                GDALClose(written)
                guard set == CE_None else { throw fail("set category names")(GDALCall.lastFailure() ?? "CPLErr \(set.rawValue)") }
                guard VSIRename(tmp + ".aux.xml", path + ".aux.xml") == 0 else {
                    throw fail("rename from temporary file")(String(cString: strerror(errno)))
                }
            }
            // VSIRename: a plain rename for files, and a move within GDAL's in-memory files.
            guard VSIRename(tmp, path) == 0 else {
                throw GeoError.writeFailed(path: path, operation: "rename from temporary file", reason: String(cString: strerror(errno)))
            }
        } catch {
            discard()
            throw error
        }
    }
}

extension GeoTIFFStream {
    /// Overview levels (each half the last) until the raster fits one 256-cell block, and at
    /// least one above 128 cells, so small rasters have an overview to display at coarse zoom.
    static func overviewCount(width: Int, height: Int) -> Int {
        var n = 0, side = max(width, height)
        while side > 256 || (n == 0 && side > 128) {
            side = (side + 1) / 2
            n += 1
        }
        return n
    }
}

/// `name.tmp-PID` beside the final path, so the rename is atomic on the same file system.
func temporaryPath(for path: String) -> String {
    "\(path).tmp-\(getpid())"
}

func unlinkIfPresent(_ path: String) {
    if path.hasPrefix("/vsimem/") {
        VSIUnlink(path)
    } else if path.fileExists {
        unlink(path)
    }
}
