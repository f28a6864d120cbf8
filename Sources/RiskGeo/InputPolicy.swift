import CGDAL
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import RiskCore

/// Which inputs the engine may open. Every input path passes `InputPolicy.check` before any
/// reader sees it, so no path, VRT source or driver opens a network connection unless a remote
/// host is listed, and no reader opens the kernel's special files.
///
/// - Local files: regular files and folders, never under `/proc`, `/sys` or `/dev` (after
///   symbolic links are followed), and inside `dataRoot` when one is set (the service confines
///   every request to its data root this way).
/// - Remote locations (`https://host/…`, `/vsicurl/https://host/…`, `s3://bucket/…`,
///   `/vsis3/bucket/…`, …) only for a scheme and host listed in `remote`; with an empty list
///   (the default) every remote path is refused before GDAL sees it.
/// - GDAL connection strings (`PG:`, `WMS:`, `vrt://`, inline XML or JSON) are refused.
/// - Rasters and vectors open through an allow-list of file-format drivers (`rasterDrivers`,
///   `vectorDrivers`); a VRT's sources are checked by the same rules, recursively, before GDAL
///   opens it.
public struct InputPolicy: Sendable, Equatable {
    /// A remote location inputs may come from: a scheme (`https`, `http`, `s3`, `gs`, `az`) and a
    /// host (for `s3`, `gs` and `az`, the bucket or container).
    public struct Remote: Sendable, Hashable {
        public var scheme: String
        public var host: String
        public init(scheme: String, host: String) {
            self.scheme = scheme.lowercased()
            self.host = host.lowercased()
        }
    }

    /// Empty: no network access at all.
    public var remote: Set<Remote>
    /// When set, every local input must resolve inside this folder.
    public var dataRoot: String?

    public init(remote: Set<Remote> = [], dataRoot: String? = nil) {
        self.remote = remote
        self.dataRoot = dataRoot.map { Self.resolved($0) }
    }

    /// The path GDAL opens: a URL becomes the network file system that reads it.
    public static func gdalPath(_ path: String) -> String {
        guard let url = urlParts(path), !path.hasPrefix("/vsi") else { return path }
        let rest = path[path.range(of: "://")!.upperBound...]
        switch url.scheme {
        case "http", "https", "ftp": return "/vsicurl/" + path
        case "s3": return "/vsis3/" + rest
        case "gs": return "/vsigs/" + rest
        case "az": return "/vsiaz/" + rest
        default: return path
        }
    }

    /// Local files only, anywhere but the special file systems.
    public static let localOnly = InputPolicy()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var processPolicy = InputPolicy.localOnly

    /// The policy every reader of this process applies. A run sets it from its manifest's
    /// `remote_inputs`; the default allows no network access.
    public static var current: InputPolicy {
        get { lock.lock(); defer { lock.unlock() }; return processPolicy }
        set { lock.lock(); processPolicy = newValue; lock.unlock() }
    }

    /// File-format drivers rasters may be read with. Excluded on purpose: the drivers that
    /// speak HTTP (WMS, WMTS, WCS, EEDA, DAAS, PLMosaic, OGCAPI, …) and databases.
    public static let rasterDrivers = ["GTiff", "COG", "VRT", "GPKG", "HFA", "AAIGrid", "XYZ", "EHdr", "ENVI",
                                       "netCDF", "GRIB", "PNG", "JPEG", "BMP", "GS7BG", "GSBG", "GSAG", "SAGA",
                                       "USGSDEM", "SRTMHGT", "RST", "ISIS3", "NITF", "PCIDSK", "RMF", "BT"]
    /// File-format drivers vectors may be read with (no OGR_VRT: its sources are not checked).
    public static let vectorDrivers = ["GeoJSON", "GeoJSONSeq", "ESRI Shapefile", "GPKG", "CSV", "FlatGeobuf",
                                       "GML", "KML", "LIBKML", "OpenFileGDB", "MapInfo File", "SQLite", "DXF", "GPX"]

    /// What an allowed path is.
    public enum Access: Equatable, Sendable {
        /// A local file or folder; `resolved` has symbolic links followed.
        case local(resolved: String)
        /// A remote location GDAL reads through a network file system (`/vsicurl/`, `/vsis3/`, …).
        case remote(Remote)
    }

    /// Checks one input path. `what` names it in messages (a manifest key or an option).
    ///
    /// - Throws: `GeoError.refused` (exit 2) for a remote path whose host is not listed, a
    ///   connection string, a special file or a path outside the data root;
    ///   `GeoError.fileNotFound` for a local path that does not exist.
    @discardableResult
    public func check(_ path: String) throws(GeoError) -> Access {
        if let remote = Self.remoteLocation(path) {
            guard !self.remote.isEmpty else {
                throw .refused(path: path, reason: "a remote location (\(remote.scheme)://\(remote.host)); remote inputs are off: list the host under remote_inputs.hosts in the manifest to read it")
            }
            guard self.remote.contains(remote) else {
                throw .refused(path: path, reason: "\(remote.scheme)://\(remote.host) is not among the remote inputs the manifest allows (\(self.remote.map { "\($0.scheme)://\($0.host)" }.sorted().joined(separator: ", ")))")
            }
            return .remote(remote)
        }
        let local = try Self.localFile(path)
        // GDAL's in-process memory files (the library's own intermediates) are no one's input.
        if local.hasPrefix("/vsimem/") { return .local(resolved: local) }
        if !FileManager.default.fileExists(atPath: local) { throw .fileNotFound(path: path) }
        let resolved = Self.resolved(local)
        for special in ["/proc", "/sys", "/dev"] where resolved == special || resolved.hasPrefix(special + "/") {
            throw .refused(path: path, reason: "\(special) holds the system's special files, not input data")
        }
        var info = stat()
        if stat(resolved, &info) == 0 {
            let type = info.st_mode & S_IFMT
            if type != S_IFREG && type != S_IFDIR {
                throw .refused(path: path, reason: "not a regular file (a device, pipe or socket)")
            }
        }
        if let root = dataRoot, !(resolved == root || resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/")) {
            throw .refused(path: path, reason: "outside the data root \(root)")
        }
        return .local(resolved: resolved)
    }

    /// Checks a path and, for GDAL, the format: the driver must be on the allow-list for `kind`,
    /// and a VRT's sources must pass the same checks. Returns the driver's short name.
    @discardableResult
    public func checkDataset(_ path: String, raster: Bool, vector: Bool) throws(GeoError) -> String {
        try checkDataset(path, raster: raster, vector: vector, depth: 0)
    }

    private func checkDataset(_ path: String, raster: Bool, vector: Bool, depth: Int) throws(GeoError) -> String {
        let access = try check(path)
        if case .remote = access { return "" }
        let allowed = CStringList(Self.drivers(raster: raster, vector: vector))
        GDALEnvironment.ensureSetUp()
        let flags = UInt32((raster ? GDAL_OF_RASTER : 0) | (vector ? GDAL_OF_VECTOR : 0))
        guard let driver = GDALIdentifyDriverEx(path, flags, allowed.constPointer, nil) else {
            let other = GDALIdentifyDriverEx(path, flags, nil, nil)
            CPLErrorReset()
            if let service = Self.serviceDescription(path) {
                throw .openFailed(path: path, kind: Self.kindName(raster: raster, vector: vector),
                                  reason: "a \(service) service description: a remote source, which inputs may not be")
            }
            guard let other else { return "" }  // GDAL does not recognise it; opening it says so.
            throw .openFailed(path: path, kind: Self.kindName(raster: raster, vector: vector),
                              reason: "the \(String(cString: GDALGetDriverShortName(other))) format is not accepted as input (it may read remote sources or other files)")
        }
        let name = String(cString: GDALGetDriverShortName(driver))
        if name == "VRT" { try checkVRTSources(path, depth: depth) }
        return name
    }

    /// The kind of web service an XML file describes for GDAL (whose drivers for them are not
    /// registered), from its first bytes; nil for anything else.
    static func serviceDescription(_ path: String) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        let head = String(decoding: (try? h.read(upToCount: 1024)) ?? Data(), as: UTF8.self).lowercased()
        let kinds = [("<gdal_wms", "WMS"), ("<gdal_wmts", "WMTS"), ("<wcs_gdal", "WCS"), ("<gdal_wcs", "WCS"), ("<wms_capabilities", "WMS"),
                     ("<wmt_ms_capabilities", "WMS"), ("<capabilities", "OGC"), ("<wfs_capabilities", "WFS")]
        return kinds.first { head.contains($0.0) }?.1
    }

    private static func kindName(raster: Bool, vector: Bool) -> String {
        raster && vector ? "raster or vector" : raster ? "raster" : "vector"
    }

    static func drivers(raster: Bool, vector: Bool) -> [String] {
        var out: [String] = []
        if raster { out += rasterDrivers }
        if vector { out += vectorDrivers.filter { !out.contains($0) } }
        return out
    }

    /// Reads a VRT's XML (Foundation's parser, which expands no external entity) and checks every
    /// file it names: sources, warped and pansharpened datasets, raw bands, overviews. A source
    /// that does not exist is left to GDAL, which fails the reads that need it.
    private func checkVRTSources(_ path: String, depth: Int) throws(GeoError) {
        guard depth < 8 else {
            throw .invalidData(path: path, location: "VRT sources", reason: "more than 8 VRTs nested in one another")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .readFailed(path: path, operation: "read VRT", reason: "cannot read the file")
        }
        let sources = VRTSources(data: data)
        guard sources.parsed else {
            throw .invalidData(path: path, location: "VRT", reason: "not well-formed XML")
        }
        if sources.pythonCode {
            throw .invalidData(path: path, location: "VRT pixel function", reason: "Python pixel functions are not run")
        }
        let base = (path as NSString).deletingLastPathComponent
        for (index, source) in sources.files.enumerated() {
            let plain = !source.name.hasPrefix("/") && !source.name.hasPrefix("<") && !source.name.hasPrefix("{") && !source.name.contains(":")
            let file = source.relative && plain ? (base.isEmpty ? source.name : base + "/" + source.name) : source.name
            do {
                _ = try checkDataset(file, raster: true, vector: false, depth: depth + 1)
            } catch {
                switch error {
                case .refused(_, let reason):
                    throw .invalidData(path: path, location: "VRT source #\(index + 1) \(source.name.prefix(200))", reason: reason)
                case .invalidData(let inner, let location, let reason) where inner != path:
                    // Name the chain from the file the caller gave.
                    throw .invalidData(path: path, location: "VRT source #\(index + 1) \(source.name.prefix(200))", reason: "\(inner): \(location): \(reason)")
                case .fileNotFound:
                    continue  // GDAL reports it when a read needs the source (a run then retries that tile)
                default:
                    throw error
                }
            }
        }
    }

    // MARK: - Path forms

    /// Local wrappers GDAL reads through without the network.
    private static let localWrappers: Set<String> = ["vsizip", "vsigzip", "vsitar", "vsi7z", "vsirar", "vsisubfile"]
    /// Network file systems and the scheme their location is given as.
    private static let networkFileSystems: [String: String] = [
        "vsicurl": "", "vsicurl_streaming": "",
        "vsis3": "s3", "vsis3_streaming": "s3", "vsigs": "gs", "vsigs_streaming": "gs",
        "vsiaz": "az", "vsiaz_streaming": "az", "vsiadls": "az", "vsioss": "oss", "vsioss_streaming": "oss",
        "vsiswift": "swift", "vsiswift_streaming": "swift", "vsihdfs": "hdfs", "vsiwebhdfs": "webhdfs",
    ]

    /// The remote location a path names, nil for a local path.
    public static func remoteLocation(_ path: String) -> Remote? {
        if let url = urlParts(path) { return url.scheme == "file" ? nil : url }
        var rest = Substring(path)
        while rest.hasPrefix("/vsi") {
            let name = rest.dropFirst().prefix { $0 != "/" }
            rest = rest.dropFirst(name.count + 2)
            if rest.hasPrefix("{") { rest = rest.dropFirst() }
            if let scheme = networkFileSystems[String(name)] {
                if scheme.isEmpty { return urlParts(String(rest)) ?? Remote(scheme: "http", host: String(rest.prefix { $0 != "/" })) }
                return Remote(scheme: scheme, host: String(rest.prefix { $0 != "/" }))
            }
        }
        if path.contains("://") || path.dropFirst().range(of: "/vsi", options: .caseInsensitive) != nil {
            // A nested remote path (/vsizip/{/vsicurl/…}) found anywhere after the start.
            if let r = path.dropFirst().range(of: "/vsi", options: .caseInsensitive),
               let inner = remoteLocation(String(path[r.lowerBound...])) {
                return inner
            }
            if let r = path.range(of: "://") {
                let start = path[..<r.lowerBound].lastIndex { !$0.isLetter } .map { path.index(after: $0) } ?? path.startIndex
                if let url = urlParts(String(path[start...])) { return url }
            }
        }
        return nil
    }

    /// URL schemes that reach the network.
    private static let networkSchemes: Set<String> = ["http", "https", "ftp", "ftps", "s3", "gs", "az", "abfs", "abfss",
                                                       "oss", "swift", "hdfs", "webhdfs", "file"]

    private static func urlParts(_ s: String) -> Remote? {
        guard let r = s.range(of: "://") else { return nil }
        let scheme = s[..<r.lowerBound].lowercased()
        guard networkSchemes.contains(scheme) else { return nil }
        var host = s[r.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        if let colon = host.lastIndex(of: ":"), !host.hasPrefix("[") { host = host[..<colon] }
        return Remote(scheme: String(scheme), host: String(host))
    }

    /// The local file a path reads: the path itself, or the archive under local `/vsi` wrappers.
    /// Connection strings and other `/vsi` handlers are refused.
    static func localFile(_ path: String) throws(GeoError) -> String {
        guard !path.isEmpty else { throw .refused(path: path, reason: "an empty path") }
        if path.contains("\0") { throw .refused(path: path.replacingOccurrences(of: "\0", with: "\\0"), reason: "a path with a NUL byte") }
        if path.hasPrefix("<") || path.hasPrefix("{") {
            throw .refused(path: String(path.prefix(40)), reason: "inline XML or JSON is not accepted as an input; give a file")
        }
        var rest = Substring(path)
        var wrapped = false
        while rest.hasPrefix("/vsi") {
            let name = String(rest.dropFirst().prefix { $0 != "/" })
            if name == "vsimem" { return path }  // in-process memory, only reachable from the library
            guard localWrappers.contains(name) else {
                throw .refused(path: path, reason: "/\(name)/ is not a local file system GDAL may read inputs through")
            }
            rest = rest.dropFirst(name.count + 2)
            if rest.hasPrefix("{") {
                rest = rest.dropFirst()
                if let close = rest.firstIndex(of: "}") { rest = rest[..<close] }
            }
            wrapped = true
        }
        if !wrapped, !FileManager.default.fileExists(atPath: path), let colon = connectionPrefixEnd(path) {
            throw .refused(path: path, reason: "a GDAL connection string (\(path[..<colon]):), not a file: remote and database sources are not read; give a file path")
        }
        guard wrapped else { return path }
        // The archive: the longest leading part of the path that is a file.
        var candidate = String(rest)
        while !candidate.isEmpty, candidate != "/" {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue { return candidate }
            candidate = (candidate as NSString).deletingLastPathComponent
        }
        return String(rest)
    }

    /// The end of a GDAL connection-string prefix (`PG:`, `WMS:`, `NETCDF:`, `vrt://`): a name of
    /// two or more letters, digits or underscores, then a colon; nil for anything else.
    public static func connectionPrefixEnd(_ path: String) -> String.Index? {
        guard let colon = path.firstIndex(of: ":") else { return nil }
        let name = path[..<colon]
        guard name.count > 1, name.first!.isLetter, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { return nil }
        return colon
    }

    /// The absolute path with symbolic links followed (as far as it exists).
    static func resolved(_ path: String) -> String {
        if let r = realpath(path, nil) {
            defer { free(r) }
            return String(cString: r)
        }
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

/// The files a VRT names, read with Foundation's XML parser.
private final class VRTSources: NSObject, XMLParserDelegate {
    struct Source { var name: String; var relative: Bool }
    private(set) var files: [Source] = []
    private(set) var pythonCode = false
    private(set) var parsed = false
    private var text: String?
    private var relative = false
    private static let fileElements: Set<String> = ["SourceFilename", "SourceDataset"]

    init(data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = self
        parsed = parser.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if Self.fileElements.contains(name) {
            text = ""
            relative = attributes["relativeToVRT"] == "1" || attributes["relativetoVRT"] == "1"
        }
        if name == "PixelFunctionLanguage" { text = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if Self.fileElements.contains(name), let t = text {
            files.append(Source(name: t.trimmingCharacters(in: .whitespacesAndNewlines), relative: relative))
            text = nil
        } else if name == "PixelFunctionLanguage", let t = text {
            if t.trimmingCharacters(in: .whitespaces).lowercased() == "python" { pythonCode = true }
            text = nil
        }
    }
}
