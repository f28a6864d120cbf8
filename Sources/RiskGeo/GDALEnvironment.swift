import CGDAL
import Foundation

/// GDAL's process-wide set-up, done once: drivers registered, GDAL's own stderr printing replaced by
/// the quiet handler (RiskGeo turns every error into a `GeoError` instead), and the configuration
/// options the engine relies on.
///
/// GDAL's error state is per thread; `GDALCall.check` reads it in the same synchronous call that
/// set it.
public enum GDALEnvironment {
    private static let setUp: Void = {
        // The drivers that speak HTTP or to databases are never registered: inputs are files
        // (see InputPolicy, which also refuses remote paths unless a manifest lists the host).
        CPLSetErrorHandler(riskcensus_quiet_error_handler())
        CPLSetConfigOption("GDAL_SKIP", networkDrivers.joined(separator: " "))
        GDALAllRegister()
        CPLSetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")
        // No credential look-ups on cloud metadata servers, no Python in VRT pixel functions,
        // and no PROJ grid downloads.
        CPLSetConfigOption("CPL_AWS_AUTODETECT_EC2", "NO")
        CPLSetConfigOption("CPL_GCE_CHECK_LOCAL_FILES", "NO")
        CPLSetConfigOption("GDAL_VRT_ENABLE_PYTHON", "NO")
        CPLSetConfigOption("PROJ_NETWORK", "OFF")
        // GeoPackages record a fixed time as their contents' last change, so written files
        // depend on their contents only (outputs are byte-identical between runs).
        CPLSetConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z")
        setenv("PROJ_NETWORK", "OFF", 1)
        // GeoJSON output is written by RiskGeo; GDAL's reader must accept large files, and keep
        // texts that look like dates ("2021-05-01", a code or a name) as the texts they are.
        CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "0")
        CPLSetConfigOption("OGR_GEOJSON_DATE_AS_STRING", "YES")
        // GDAL's block cache defaults to 5 % of RAM; the engine reads each block once, so a
        // small cache keeps memory bounded. GDAL_CACHEMAX in the environment still wins.
        if getenv("GDAL_CACHEMAX") == nil { GDALSetCacheMax64(256 << 20) }
    }()

    /// Drivers that open network connections; GDAL_SKIP keeps them unregistered. (Names a GDAL
    /// build lacks are ignored.)
    static let networkDrivers = ["WMS", "WMTS", "WCS", "HTTP", "DAAS", "EEDA", "EEDAI", "PLMOSAIC", "PLSCENES",
                                 "OGCAPI", "NGW", "Elasticsearch", "CouchDB", "Carto", "WFS", "CSW", "OAPIF",
                                 "AmigoCloud", "PostgreSQL", "PostGISRaster", "MySQL", "ODBC", "MSSQLSpatial",
                                 "HANA", "MongoDBv3", "GNMDatabase", "GeoRaster", "OCI", "TileDB", "STACIT", "STACTA",
                                 "ESRIC", "SENTINEL2", "OGR_GMT", "XLS"]

    /// Configuration options the engine fixes for its input rules and reproducible outputs; a
    /// user's `--config` may not change them.
    public static let fixedOptions: Set<String> = ["GDAL_SKIP", "GDAL_DISABLE_READDIR_ON_OPEN", "CPL_AWS_AUTODETECT_EC2", "CPL_GCE_CHECK_LOCAL_FILES",
                                                   "GDAL_VRT_ENABLE_PYTHON", "PROJ_NETWORK", "OGR_CURRENT_DATE", "OGR_GEOJSON_DATE_AS_STRING"]

    /// Sets a GDAL configuration option for the process (`--config KEY VALUE`, as GDAL's tools
    /// take it), after the engine's own set-up. Returns what is wrong with it, or nil.
    public static func setConfigOption(_ key: String, _ value: String) -> String? {
        ensureSetUp()
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            return "\(key) is not a GDAL configuration option name (letters, digits and _)"
        }
        guard !fixedOptions.contains(key.uppercased()) else {
            return "\(key) is fixed by the engine (inputs are local files, outputs reproducible); it cannot be set"
        }
        CPLSetConfigOption(key, value)
        return nil
    }

    /// The drivers of this GDAL build the engine can use, with what each does: raster or vector,
    /// read, and write (create or copy). Network drivers are not registered.
    public static func drivers() -> [(name: String, longName: String, raster: Bool, vector: Bool, write: Bool)] {
        ensureSetUp()
        return (0..<GDALGetDriverCount()).compactMap { i in
            guard let d = GDALGetDriver(i) else { return nil }
            func item(_ k: String) -> Bool { GDALGetMetadataItem(d, k, nil).map { String(cString: $0) == "YES" } ?? false }
            return (String(cString: GDALGetDriverShortName(d)), String(cString: GDALGetDriverLongName(d)),
                    item("DCAP_RASTER"), item("DCAP_VECTOR"), item("DCAP_CREATE") || item("DCAP_CREATECOPY"))
        }
    }

    /// Idempotent; every RiskGeo entry point calls it.
    public static func ensureSetUp() { _ = setUp }

    /// Sets GDAL's block cache (process-wide) unless GDAL_CACHEMAX is set: a batch sizes it by
    /// its tiles, so memory follows the tile size rather than the rasters' size.
    public static func setCacheLimit(bytes: Int) {
        ensureSetUp()
        if getenv("GDAL_CACHEMAX") == nil { GDALSetCacheMax64(GIntBig(bytes)) }
    }

    /// The GDAL release the process runs against, e.g. "3.6.2".
    public static var gdalVersion: String {
        ensureSetUp()
        return String(cString: GDALVersionInfo("RELEASE_NAME"))
    }
}

/// The single indirection through which RiskGeo checks C calls against GDAL's error state.
enum GDALCall {
    /// The last error GDAL recorded on this thread, if it is a failure.
    static func lastFailure() -> String? {
        let type = CPLGetLastErrorType()
        guard type == CE_Failure || type == CE_Fatal else { return nil }
        let msg = String(cString: CPLGetLastErrorMsg())
        return msg.isEmpty ? "GDAL error \(CPLGetLastErrorNo())" : msg
    }

    /// Runs `body` with a clean error state and returns its result. The call failed when it returns
    /// nil or GDAL recorded a failure; `makeError` turns GDAL's message into the caller's error.
    static func check<T>(_ makeError: (String) -> GeoError, _ body: () -> T?) throws(GeoError) -> T {
        GDALEnvironment.ensureSetUp()
        CPLErrorReset()
        let result = body()
        if let msg = lastFailure() { throw makeError(msg) }
        guard let result else { throw makeError("no result and no GDAL message") }
        return result
    }

    /// Like `check` for calls whose only failure signal is the error state (GDAL 3.6's
    /// `GDALClose` and `GDALFlushCache` return nothing).
    static func checkState(_ makeError: (String) -> GeoError, _ body: () -> Void) throws(GeoError) {
        GDALEnvironment.ensureSetUp()
        CPLErrorReset()
        body()
        if let msg = lastFailure() { throw makeError(msg) }
    }

    /// Like `check` for calls that return a `CPLErr`.
    static func checkErr(_ makeError: (String) -> GeoError, _ body: () -> CPLErr) throws(GeoError) {
        GDALEnvironment.ensureSetUp()
        CPLErrorReset()
        let err = body()
        if let msg = lastFailure() { throw makeError(msg) }
        if err != CE_None && err != CE_Warning { throw makeError("GDAL returned error code \(err.rawValue)") }
    }
}

extension String {
    /// The path as given, for messages.
    var fileExists: Bool { FileManager.default.fileExists(atPath: self) }
}

/// A NULL-terminated `char**` list built from Swift strings with CSL, freed by `deinit`.
final class CStringList {
    private(set) var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

    init(_ items: [String] = []) {
        for s in items { pointer = CSLAddString(pointer, s) }
    }

    init(options: [(String, String)]) {
        for (k, v) in options { pointer = CSLSetNameValue(pointer, k, v) }
    }

    deinit { CSLDestroy(pointer) }

    /// The same list typed as `const char* const*`, as most GDAL option parameters are.
    var constPointer: UnsafePointer<UnsafePointer<CChar>?>? {
        pointer.map { UnsafeRawPointer($0).assumingMemoryBound(to: UnsafePointer<CChar>?.self) }
    }
}
