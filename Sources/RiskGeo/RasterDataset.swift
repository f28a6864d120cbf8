import CGDAL
import Foundation
import RiskCore

/// What a raster band declares about its cells.
public struct BandInfo: Sendable, Hashable {
    public var index: Int
    public var dataType: RasterDataType
    /// The file's nodata value, nil when the band declares none.
    public var nodata: Double?
    /// The band's unit type ("m", "persons", …), empty when the file states none.
    public var units: String
    public var description: String
    /// Scale and offset applied on read: value = raw · scale + offset.
    public var scale: Double
    public var offset: Double
    /// GDAL's natural block size, the efficient read unit.
    public var blockWidth: Int
    public var blockHeight: Int
}

/// An open GDAL raster (`GDALDatasetH`), read-only. Not Sendable: one worker owns it at a time.
/// The handle is closed by `close()` or, at the latest, when the object is released.
///
/// ```swift
/// let ds = try RasterDataset(path: "hazard.tif")
/// var buf = RasterBuffer<Float>(width: 256, height: 256)
/// try ds.read(band: 1, window: Window(colOff: 0, rowOff: 0, width: 256, height: 256), into: &buf)
/// ```
public final class RasterDataset {
    public let path: String
    private var handle: GDALDatasetH?
    private var bandInfos: [Int: BandInfo] = [:]

    /// Opens `path` for reading, as `InputPolicy.current` allows: a local file in one of the
    /// policy's raster formats, or a remote location the policy lists.
    ///
    /// - Throws: `GeoError.refused` for a path the policy refuses, `GeoError.fileNotFound` when a
    ///   local path does not exist, `GeoError.openFailed` when GDAL cannot open it as a raster.
    public init(path: String) throws(GeoError) {
        self.path = path
        try InputPolicy.current.checkDataset(path, raster: true, vector: false)
        let drivers = CStringList(InputPolicy.rasterDrivers)
        handle = try GDALCall.check({ GeoError.openFailed(path: path, kind: "raster", reason: $0) }) {
            GDALOpenEx(InputPolicy.gdalPath(path), UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR),
                       drivers.constPointer, nil, nil)
        }
        if GDALGetRasterCount(handle) < 1 {
            close()
            throw GeoError.openFailed(path: path, kind: "raster", reason: "the file has no raster bands")
        }
    }

    deinit { close() }

    /// Closes the GDAL handle now; later calls on this object fail.
    public func close() {
        if let h = handle { GDALClose(h) }
        handle = nil
    }

    func liveHandle() throws(GeoError) -> GDALDatasetH {
        guard let handle else { throw GeoError.readFailed(path: path, operation: "access", reason: "dataset already closed") }
        return handle
    }

    public var driverName: String {
        guard let handle, let d = GDALGetDatasetDriver(handle) else { return "" }
        return String(cString: GDALGetDriverShortName(d))
    }

    public var width: Int { handle.map { Int(GDALGetRasterXSize($0)) } ?? 0 }
    public var height: Int { handle.map { Int(GDALGetRasterYSize($0)) } ?? 0 }
    public var bandCount: Int { handle.map { Int(GDALGetRasterCount($0)) } ?? 0 }

    /// The file's CRS, nil when it states none.
    public var crs: CRS? {
        guard let handle else { return nil }
        return SpatialReference(borrowing: GDALGetSpatialRef(handle))?.crs
    }

    /// The geotransform, nil when the file has none (GDAL then reports the identity).
    public var transform: GeoTransform? {
        guard let handle else { return nil }
        var c = [Double](repeating: 0, count: 6)
        guard GDALGetGeoTransform(handle, &c) == CE_None else { return nil }
        return GeoTransform(gdal: c)
    }

    /// The grid of this raster. The CRS is nil when the file has none; warping refuses such grids.
    ///
    /// - Throws: `GeoError.invalidData` when the file has no geotransform.
    public func grid() throws(GeoError) -> GridSpec {
        guard let t = transform else {
            throw GeoError.invalidData(path: path, location: "geotransform", reason: "the raster is not georeferenced")
        }
        return GridSpec(transform: t, width: width, height: height, crs: crs)
    }

    /// The grid, requiring a CRS.
    public func georeferencedGrid() throws(GeoError) -> GridSpec {
        let g = try grid()
        guard g.crs != nil else { throw GeoError.missingCRS(path: path) }
        return g
    }

    func bandHandle(_ index: Int) throws(GeoError) -> GDALRasterBandH {
        let h = try liveHandle()
        guard index >= 1 && index <= bandCount, let b = GDALGetRasterBand(h, Int32(index)) else {
            throw GeoError.readFailed(path: path, operation: "band \(index)", reason: "the file has \(bandCount) band(s)")
        }
        return b
    }

    /// What band `index` declares, read from GDAL once per band: a dataset opened read-only does
    /// not change, and a reader of small windows (a point query) asks for it on every read.
    public func band(_ index: Int) throws(GeoError) -> BandInfo {
        if let known = bandInfos[index] { return known }
        let info = try readBandInfo(index)
        bandInfos[index] = info
        return info
    }

    private func readBandInfo(_ index: Int) throws(GeoError) -> BandInfo {
        let b = try bandHandle(index)
        var ok: Int32 = 0
        let nd = GDALGetRasterNoDataValue(b, &ok)
        var scaleOK: Int32 = 0, offsetOK: Int32 = 0
        let scale = GDALGetRasterScale(b, &scaleOK), offset = GDALGetRasterOffset(b, &offsetOK)
        var bw: Int32 = 0, bh: Int32 = 0
        GDALGetBlockSize(b, &bw, &bh)
        return BandInfo(index: index,
                        dataType: RasterDataType(gdal: GDALGetRasterDataType(b)),
                        nodata: ok != 0 ? nd : nil,
                        units: GDALGetRasterUnitType(b).map { String(cString: $0) } ?? "",
                        description: GDALGetDescription(b).map { String(cString: $0) } ?? "",
                        scale: scaleOK != 0 ? scale : 1, offset: offsetOK != 0 ? offset : 0,
                        blockWidth: Int(bw), blockHeight: Int(bh))
    }

    public func bands() throws(GeoError) -> [BandInfo] {
        var out: [BandInfo] = []
        for i in 1...max(1, bandCount) { out.append(try band(i)) }
        return out
    }

    /// A metadata item of the dataset (default domain), nil when absent.
    public func metadata(_ key: String) -> String? {
        guard let handle, let v = GDALGetMetadataItem(handle, key, nil) else { return nil }
        return String(cString: v)
    }

    /// Reads `window` of `band` into `buffer`, which the caller owns and must be the window's size.
    /// The file's nodata becomes NaN and scale/offset are applied, so the buffer holds physical
    /// values with unknown as NaN.
    ///
    /// - Throws: `GeoError.readFailed` when the window is outside the raster, the buffer has the
    ///   wrong size, or GDAL cannot read the data (truncated or corrupt file).
    public func read<S: BinaryFloatingPoint & Sendable>(band index: Int, window: Window, into buffer: inout RasterBuffer<S>) throws(GeoError) {
        let b = try bandHandle(index)
        guard !window.isEmpty, window.colOff >= 0, window.rowOff >= 0, window.colEnd <= width, window.rowEnd <= height else {
            throw GeoError.readFailed(path: path, operation: "read band \(index)",
                                      reason: "\(window) is outside the \(width)×\(height) raster")
        }
        guard buffer.width == window.width, buffer.height == window.height else {
            throw GeoError.readFailed(path: path, operation: "read band \(index)",
                                      reason: "buffer is \(buffer.width)×\(buffer.height), window is \(window.width)×\(window.height)")
        }
        let type: GDALDataType
        switch MemoryLayout<S>.size {
        case 4: type = GDT_Float32
        case 8: type = GDT_Float64
        default: preconditionFailure("RasterBuffer scalar must be Float or Double")
        }
        try GDALCall.checkErr({ GeoError.readFailed(path: path, operation: "read band \(index) \(window)", reason: $0) }) {
            buffer.withUnsafeMutableBufferPointer { ptr in
                GDALRasterIO(b, GF_Read, Int32(window.colOff), Int32(window.rowOff), Int32(window.width), Int32(window.height),
                             ptr.baseAddress, Int32(window.width), Int32(window.height), type, 0, 0)
            }
        }
        let info = try band(index)
        if let nd = info.nodata { buffer.maskNodata(nd) }
        if info.scale != 1 || info.offset != 0 {
            let sc = S(info.scale), off = S(info.offset)
            for i in buffer.values.indices { buffer.values[i] = buffer.values[i] * sc + off }
        }
    }

    /// The smallest and largest valid value of a band (nodata left out), read whole by GDAL;
    /// nil when the band has no valid cell.
    public func minMax(band index: Int) throws(GeoError) -> (min: Double, max: Double)? {
        guard let handle, let band = GDALGetRasterBand(handle, Int32(index)) else {
            throw GeoError.readFailed(path: path, operation: "read band \(index)", reason: "no such band")
        }
        var mm = [0.0, 0.0]
        let err = GDALComputeRasterMinMax(band, 0, &mm)
        guard err == CE_None, mm[0].isFinite, mm[1].isFinite, mm[0] <= mm[1] else { return nil }
        return (mm[0], mm[1])
    }

    /// Every band's value at one cell, in one read (`GDALDatasetRasterIO`): nodata as NaN,
    /// scale and offset applied, as `read` gives them.
    public func readPixel(col: Int, row: Int) throws(GeoError) -> [Float] {
        guard let h = handle else { throw GeoError.readFailed(path: path, operation: "read pixel", reason: "the dataset is closed") }
        guard col >= 0, row >= 0, col < width, row < height else {
            throw GeoError.readFailed(path: path, operation: "read pixel", reason: "cell (\(col), \(row)) is outside the \(width)×\(height) raster")
        }
        let n = bandCount
        var values = [Float](repeating: .nan, count: n)
        try GDALCall.checkErr({ GeoError.readFailed(path: path, operation: "read pixel (\(col), \(row))", reason: $0) }) {
            values.withUnsafeMutableBufferPointer { p in
                GDALDatasetRasterIO(h, GF_Read, Int32(col), Int32(row), 1, 1, p.baseAddress, 1, 1, GDT_Float32, Int32(n), nil, 0, 0, 0)
            }
        }
        for b in 0..<n {
            let info = try band(b + 1)
            if let nd = info.nodata, values[b] == Float(nd) || (nd.isNaN && values[b].isNaN) { values[b] = .nan; continue }
            if info.scale != 1 || info.offset != 0 { values[b] = values[b] * Float(info.scale) + Float(info.offset) }
        }
        return values
    }

    /// Throws `overBudget` unless `copies` buffers of `window` at `bytesPerCell` fit the
    /// memory budget: the check before an allocation whose size the file decides.
    public func requireBudget(window: Window, bytesPerCell: Int, copies: Int = 1, what: String) throws(GeoError) {
        let bytes = MemoryBudget.estimate(count: MemoryBudget.estimate(count: window.width, size: window.height),
                                          size: bytesPerCell * max(1, copies))
        guard bytes <= MemoryBudget.bytes else {
            throw .overBudget(path: path, what: "\(what) (\(window.width) × \(window.height) cells\(copies > 1 ? ", \(copies) copies" : ""))",
                              bytes: bytes, budget: MemoryBudget.bytes)
        }
    }

    /// Reads a whole band.
    public func readBand<S: BinaryFloatingPoint & Sendable>(_ index: Int, as: S.Type = S.self) throws(GeoError) -> RasterBuffer<S> {
        try requireBudget(window: Window(width: width, height: height), bytesPerCell: MemoryLayout<S>.stride, what: "reading the band whole")
        var buf = RasterBuffer<S>(width: width, height: height)
        try read(band: index, window: Window(width: width, height: height), into: &buf)
        return buf
    }
}
