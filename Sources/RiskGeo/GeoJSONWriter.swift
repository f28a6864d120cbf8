import Foundation
import RiskCore

/// Options for RFC 7946 GeoJSON output.
public struct GeoJSONOptions: Sendable {
    /// Decimal places of coordinates; 6 decimals is about 0.1 m at the equator.
    public var precision: Int = 6
    /// Extra top-level members, as (name, JSON text). RFC 7946 §6.1 allows such foreign members;
    /// RiskCensus uses them to record the CRS note, units and provenance. `type`, `features`,
    /// `crs` and `bbox` are reserved and refused.
    public var foreignMembers: [(name: String, json: String)] = []

    public init(precision: Int = 6, foreignMembers: [(name: String, json: String)] = []) {
        self.precision = precision
        self.foreignMembers = foreignMembers
    }
}

/// Streams a FeatureCollection to disk as RFC 7946 GeoJSON: coordinates transformed to WGS 84
/// lon/lat, exterior rings counterclockwise and holes clockwise, no `crs` member, coordinates
/// rounded to `precision` decimals. Non-finite property values become `null`.
///
/// The file is written under a temporary name and renamed by `finish()`; a writer released
/// without `finish()` removes its temporary file, so no partial file appears under the final name.
/// Not Sendable.
///
/// - Complexity: O(total positions) time; memory is one feature plus a 1 MiB write buffer.
public final class GeoJSONFileWriter {
    public var path: String { staged.path }
    private let options: GeoJSONOptions
    private let transformer: CoordinateTransformer?
    private let staged: StagedFile
    private var buffer: ByteBuffer { staged.buffer }
    private var count = 0
    private var finished = false

    /// - Parameter sourceCRS: the CRS the features' coordinates are in.
    public init(path: String, sourceCRS: CRS, options: GeoJSONOptions = GeoJSONOptions()) throws(GeoError) {
        self.options = options
        let reserved: Set = ["type", "features", "crs", "bbox"]
        if let bad = options.foreignMembers.first(where: { reserved.contains($0.name) }) {
            throw GeoError.writeFailed(path: path, operation: "write GeoJSON", reason: "member \"\(bad.name)\" is reserved by RFC 7946")
        }
        guard (0...15).contains(options.precision) else {
            throw GeoError.writeFailed(path: path, operation: "write GeoJSON", reason: "precision must be 0…15, got \(options.precision)")
        }
        transformer = sourceCRS.epsg == 4326 ? nil : try CoordinateTransformer(from: sourceCRS, to: .wgs84)
        staged = try StagedFile(path: path, capacity: 1 << 20)
        buffer.append("{\"type\":\"FeatureCollection\"")
        for m in options.foreignMembers { buffer.append(",\(JSONText.string(m.name)):\(m.json)") }
        buffer.append(",\"features\":[")
    }

    public var featureCount: Int { count }

    public func append(_ feature: Feature) throws(GeoError) {
        precondition(!finished, "append after finish")
        var geometry = feature.geometry
        if let g = geometry, let transformer { geometry = try transformer.transform(g) }
        if let g = geometry {
            if let bad = g.positions.first(where: { !(-180...180).contains($0.x) || !(-90...90).contains($0.y) }) {
                throw GeoError.writeFailed(path: path, operation: "write GeoJSON feature \(count)",
                                           reason: "position (\(bad.x), \(bad.y)) is outside WGS 84 lon/lat range")
            }
            geometry = g.rfc7946Oriented
        }
        if count > 0 { buffer.append(0x2C) }
        buffer.append("{\"type\":\"Feature\"")
        if let id = feature.id { buffer.append(",\"id\":\(id)") }
        buffer.append(",\"properties\":{")
        var first = true
        for (name, value) in feature.attributes {
            if !first { buffer.append(0x2C) }
            first = false
            buffer.append(JSONText.string(name))
            buffer.append(0x3A)
            buffer.append(JSONText.value(value))
        }
        buffer.append("},\"geometry\":")
        if let geometry { encode(geometry) } else { buffer.append("null") }
        buffer.append(0x7D)
        count += 1
        if buffer.count > 1 << 20 { try staged.flush() }
    }

    /// Writes the closing brackets and renames the file into place.
    public func finish() throws(GeoError) {
        precondition(!finished, "finish called twice")
        finished = true
        buffer.append("]}\n")
        try staged.finish()
    }

    private func coordinate(_ p: Position) { JSONText.appendCoordinate(p, options.precision, to: buffer) }

    private func positions(_ ps: [Position]) { list(ps, coordinate) }

    private func rings(_ p: Polygon) { list([p.exterior] + p.holes, positions) }

    private func list<T>(_ items: [T], _ body: (T) -> Void) {
        buffer.append(0x5B)
        for (i, x) in items.enumerated() {
            if i > 0 { buffer.append(0x2C) }
            body(x)
        }
        buffer.append(0x5D)
    }

    private func encode(_ g: Geometry) {
        buffer.append("{\"type\":\"\(g.typeName)\",")
        buffer.append(g.typeName == "GeometryCollection" ? "\"geometries\":" : "\"coordinates\":")
        switch g {
        case .point(let p): coordinate(p)
        case .lineString(let l), .multiPoint(let l): positions(l)
        case .polygon(let p): rings(p)
        case .multiLineString(let ls): list(ls, positions)
        case .multiPolygon(let ps): list(ps, rings)
        case .collection(let gs): list(gs, encode)
        }
        buffer.append(0x7D)
    }
}

extension GeoJSONFileWriter {
    /// Writes all `features` to `path` in one call.
    public static func write(_ features: [Feature], from crs: CRS, to path: String,
                             options: GeoJSONOptions = GeoJSONOptions()) throws(GeoError) {
        let w = try GeoJSONFileWriter(path: path, sourceCRS: crs, options: options)
        for f in features { try w.append(f) }
        try w.finish()
    }
}

/// JSON text for the values GeoJSON output needs, built without Foundation's encoders so that
/// output is byte-stable and fast.
public enum JSONText {
    /// A JSON string literal with the escapes RFC 8259 requires.
    public static func string(_ s: String) -> String {
        // Most names and values need no escape: copied as they are.
        if !needsEscape(s) { return "\"" + s + "\"" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// Whether `s` holds a character a JSON string must escape (a control character, `"` or `\`).
    public static func needsEscape(_ s: String) -> Bool {
        s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C })
    }

    /// A number with at most `decimals` decimals, trailing zeros dropped, no exponent, and "-0"
    /// written as "0". Non-finite values are written as `null`.
    public static func fixed(_ v: Double, _ decimals: Int) -> String {
        let b = ByteBuffer(capacity: 32)
        appendFixed(v, decimals, to: b)
        return String(decoding: b.bytes, as: UTF8.self)
    }

    /// `fixed(v, decimals)` appended to `buffer`.
    public static func appendFixed(_ v: Double, _ decimals: Int, to buffer: ByteBuffer) {
        guard v.isFinite else { return buffer.append("null") }
        if !buffer.appendFixed(v, decimals: decimals) { buffer.append(String(format: "%.\(decimals)f", v)) }
    }

    /// `[x,y]`, each with `fixed(_, decimals)`.
    public static func appendCoordinate(_ p: Position, _ decimals: Int, to buffer: ByteBuffer) {
        buffer.append(0x5B)
        appendFixed(p.x, decimals, to: buffer)
        buffer.append(0x2C)
        appendFixed(p.y, decimals, to: buffer)
        buffer.append(0x5D)
    }

    /// A number in Swift's shortest round-trip form; non-finite values are `null`.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    public static func value(_ v: AttributeValue) -> String {
        switch v {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .real(let d): number(d)
        case .string(let s): string(s)
        }
    }
}

/// A file written from a buffer under a temporary name beside `path` and renamed into place by
/// `finish()`; released unfinished, it removes the temporary file, so no partial file ever
/// appears under the final name. Not Sendable.
final class StagedFile {
    let path: String
    private let tmp: String
    private let file: FileHandle
    let buffer: ByteBuffer
    private var finished = false

    init(path: String, capacity: Int) throws(GeoError) {
        self.path = path
        tmp = temporaryPath(for: path)
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let fh = FileHandle(forWritingAtPath: tmp) else {
            throw GeoError.writeFailed(path: path, operation: "create", reason: String(cString: strerror(errno)))
        }
        file = fh
        buffer = ByteBuffer(capacity: capacity)
    }

    deinit {
        if !finished {
            try? file.close()
            unlinkIfPresent(tmp)
        }
    }

    /// Writes the buffer out and empties it.
    func flush() throws(GeoError) {
        do {
            try buffer.withBytes { try file.write(contentsOf: Data(buffer: $0)) }
        } catch {
            throw GeoError.writeFailed(path: path, operation: "write", reason: "\(error)")
        }
        buffer.removeAll()
    }

    /// Flushes, closes and renames the file into place.
    func finish() throws(GeoError) {
        precondition(!finished, "finish called twice")
        try flush()
        do {
            try file.synchronize()
            try file.close()
        } catch {
            throw GeoError.writeFailed(path: path, operation: "close", reason: "\(error)")
        }
        finished = true
        guard rename(tmp, path) == 0 else {
            unlinkIfPresent(tmp)
            throw GeoError.writeFailed(path: path, operation: "rename from temporary file", reason: String(cString: strerror(errno)))
        }
    }
}
