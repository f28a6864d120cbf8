import Foundation
import FuzzSupport
import RiskCore
@testable import RiskGeo

/// GeoJSONFileWriter round trip. Features are derived from the fuzz bytes: geometries of every
/// kind with coordinates that may be NaN, ±infinity, huge, subnormal or on the range edges;
/// properties whose names and texts carry quotes, backslashes, control characters, invalid UTF-8
/// (repaired to U+FFFD, as String(decoding:) does) and astral characters; ids; a precision and a
/// foreign member. The writer must refuse exactly the features with a position outside WGS 84
/// lon/lat, and its file must be valid JSON that JSONSerialization reads back with the same
/// feature count, the same property names and values (text scalar for scalar, numbers exactly),
/// ids, geometry types and coordinates within the rounding. GDAL (VectorDataset) must read the
/// same number of features and the same texts for the text properties it can represent.
/// A JSON value as JSONDecoder reads it. Not JSONSerialization's tree for the comparisons: on
/// Linux it returns some numbers as NSDecimalNumber, whose doubleValue is off by an ulp
/// (-82.95897598823537 reads as -82.95897598823538), and it drops a raw U+FEFF at the start of
/// any string; JSONDecoder reads both exactly.
indirect enum JSONValue: Decodable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }
    var object: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    var text: String? { if case .string(let s) = self { s } else { nil } }
    var double: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }
    var isNull: Bool { if case .null = self { true } else { false } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGeoJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var r = ByteReader(UnsafeBufferPointer(start: data, count: size))
    let precision = r.int(18) // 16, 17: refused
    var members: [(name: String, json: String)] = []
    if r.int(4) == 0 { members.append((text(&r), #"{"k":[1,"\""]}"#)) }
    let options = GeoJSONOptions(precision: precision, foreignMembers: members)
    let path = Scratch.directory + "/out.geojson"
    let writer: GeoJSONFileWriter
    do {
        writer = try GeoJSONFileWriter(path: path, sourceCRS: .wgs84, options: options)
    } catch {
        let reserved = ["type", "features", "crs", "bbox"].contains(members.first?.name ?? "")
        require(!(0...15).contains(precision) || reserved, "writer refused precision \(precision), members \(members.map(\.name)): \(error)")
        return 0
    }
    require((0...15).contains(precision), "writer accepted precision \(precision)")
    var written: [Feature] = []
    for _ in 0..<r.int(6) {
        let f = feature(&r)
        let valid = f.geometry.map { $0.positions.allSatisfy { (-180...180).contains($0.x) && (-90...90).contains($0.y) } } ?? true
        do {
            try writer.append(f)
            require(valid, "wrote a feature with a position outside lon/lat: \(f.geometry!)")
            written.append(f)
        } catch {
            require(!valid, "refused a valid feature: \(error)")
        }
    }
    require(writer.featureCount == written.count, "featureCount \(writer.featureCount) for \(written.count)")
    do { try writer.finish() } catch { fatalError("fuzz invariant: finish failed: \(error)") }

    // Valid JSON for Foundation's parser; read back exactly with JSONDecoder.
    guard let bytes = FileManager.default.contents(atPath: path) else { fatalError("fuzz invariant: no output file") }
    do { _ = try JSONSerialization.jsonObject(with: bytes) } catch {
        fatalError("fuzz invariant: output is not valid JSON (\(error)): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
    let json: JSONValue
    do { json = try JSONDecoder().decode(JSONValue.self, from: bytes) } catch {
        fatalError("fuzz invariant: JSONDecoder cannot read the output (\(error)): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
    guard let root = json.object, root["type"]?.text == "FeatureCollection",
          let features = root["features"]?.array else { fatalError("fuzz invariant: not a FeatureCollection") }
    for m in members { require(root.keys.contains { sameScalars(m.name, $0) }, "foreign member \(m.name.debugDescription) missing") }
    require(features.count == written.count, "read \(features.count) features, wrote \(written.count)")
    for (f, value) in zip(written, features) {
        guard let o = value.object, o["type"]?.text == "Feature", let props = o["properties"]?.object else {
            fatalError("fuzz invariant: feature is not an object with properties: \(value)")
        }
        if let id = f.id { require({ if case .integer(id) = o["id"] { true } else { false } }(), "id \(id) read as \(String(describing: o["id"]))") }
        require(props.count == f.attributes.count, "wrote \(f.attributes.count) properties, read \(props.count): \(Array(props.keys).map(\.debugDescription))")
        for (name, value) in f.attributes {
            guard let key = props.keys.first(where: { sameScalars(name, $0) }) else {
                fatalError("fuzz invariant: property \(name.debugDescription) missing; read \(Array(props.keys).map(\.debugDescription))")
            }
            check(value, props[key]!, name)
        }
        check(f.geometry, o["geometry"], precision)
    }

    // Read back with GDAL, as the engine reads vector inputs.
    gdalReadBack(path, written)
    return 0
}

/// A text from up to 12 fuzz bytes, sometimes built from characters JSON must escape.
func text(_ r: inout ByteReader) -> String {
    switch r.int(8) {
    case 0: return ["", "\"", "\\", "\u{0}", "\u{1f}", "\u{7f}", "\u{2028}", "\u{FEFF}", "😀", "e\u{301}", "\u{E9}", "id", "ID", "type", "features", "bbox", "2024-01-31", "12:30:00", "1e5", "null"][r.int(20)]
    case 1:
        var s = ""
        for _ in 0..<r.int(6) { s += ["\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{8}", "/", "\u{FFFD}", "\u{10FFFF}", "a", " "][r.int(12)] }
        return s
    default: return String(decoding: r.data(max: 12), as: UTF8.self)
    }
}

func double(_ r: inout ByteReader, lon: Bool) -> Double {
    switch r.int(6) {
    case 0: return [.nan, -.nan, .infinity, -.infinity, .greatestFiniteMagnitude, -1e300, 1e-320, -0.0, 0, 180, -180, 90, -90,
                    180.0.nextUp, (-90.0).nextDown, 179.9999995, -89.99999999999999, 1e15, 9.2e18, .ulpOfOne][r.int(20)]
    case 1: return Double(bitPattern: r.uint64())
    default:
        let unit = Double(r.uint64() >> 11) / Double(1 << 53)  // [0, 1)
        return (unit * 2 - 1) * (lon ? 180 : 90)
    }
}

func position(_ r: inout ByteReader) -> Position { Position(double(&r, lon: true), double(&r, lon: false)) }

func positions(_ r: inout ByteReader, min: Int = 0) -> [Position] { (0..<(min + r.int(5))).map { _ in position(&r) } }

func ring(_ r: inout ByteReader) -> Ring {
    var ps = positions(&r, min: 3)
    if r.int(8) != 0 { ps.append(ps[0]) }  // mostly closed
    return ps
}

func polygon(_ r: inout ByteReader) -> Polygon { Polygon(exterior: ring(&r), holes: (0..<r.int(3)).map { _ in ring(&r) }) }

func geometry(_ r: inout ByteReader, depth: Int = 0) -> Geometry {
    switch r.int(depth < 2 ? 7 : 6) {
    case 0: return .point(position(&r))
    case 1: return .lineString(positions(&r))
    case 2: return .polygon(polygon(&r))
    case 3: return .multiPoint(positions(&r))
    case 4: return .multiLineString((0..<r.int(3)).map { _ in positions(&r) })
    case 5: return .multiPolygon((0..<r.int(3)).map { _ in polygon(&r) })
    default: return .collection((0..<r.int(3)).map { _ in geometry(&r, depth: depth + 1) })
    }
}

func feature(_ r: inout ByteReader) -> Feature {
    let id: Int64? = r.int(3) == 0 ? Int64(bitPattern: r.uint64()) : nil
    let g: Geometry? = r.int(5) == 0 ? nil : geometry(&r)
    var attributes = Attributes()
    for _ in 0..<r.int(6) {
        let name = text(&r)
        let value: AttributeValue
        switch r.int(6) {
        case 0: value = .null
        case 1: value = .bool(r.bool())
        case 2: value = .integer(Int64(bitPattern: r.uint64()))
        case 3: value = .real(double(&r, lon: r.bool()))
        default: value = .string(text(&r))
        }
        attributes[name] = value
    }
    return Feature(id: id, geometry: g, attributes: attributes)
}

func check(_ value: AttributeValue, _ read: JSONValue, _ name: String) {
    let what = "property \(name.debugDescription) = \(value)"
    switch value {
    case .null: require(read.isNull, "\(what) read as \(read)")
    case .real(let d) where !d.isFinite: require(read.isNull, "\(what) read as \(read)")
    case .bool(let b): require({ if case .bool(b) = read { true } else { false } }(), "\(what) read as \(read)")
    case .integer(let i): require({ if case .integer(i) = read { true } else { false } }(), "\(what) read as \(read)")
    case .real(let d): require(read.double == d, "\(what) read as \(read)")
    case .string(let s): require(read.text.map { sameScalars(s, $0) } ?? false, "\(what) read as \(read)")
    }
}

func samePositions(_ a: [Position], _ read: JSONValue?, _ tol: Double, ring: Bool = false) -> Bool {
    guard let list = read?.array, list.count == a.count else { return false }
    let b = list.compactMap { $0.array?.compactMap(\.double) }
    guard b.count == a.count, b.allSatisfy({ $0.count == 2 }) else { return false }
    func close(_ p: Position, _ q: [Double]) -> Bool { abs(p.x - q[0]) <= tol && abs(p.y - q[1]) <= tol }
    if zip(a, b).allSatisfy(close) { return true }
    return ring && zip(a.reversed(), b).allSatisfy(close)  // rewound for RFC 7946
}

func check(_ g: Geometry?, _ read: JSONValue?, _ precision: Int) {
    guard let g else { return require(read?.isNull ?? false, "null geometry read as \(String(describing: read))") }
    guard let o = read?.object, o["type"]?.text == g.typeName else {
        fatalError("fuzz invariant: \(g.typeName) read as \(String(describing: read))")
    }
    // Rounded to `precision` decimals: half a unit of the last decimal, plus the binary error.
    let tol = 0.5 * pow(10, -Double(precision)) + 1e-12
    let c = o["coordinates"]
    func polygon(_ p: Polygon, _ read: JSONValue?) -> Bool {
        guard let rings = read?.array, rings.count == 1 + p.holes.count else { return false }
        return zip([p.exterior] + p.holes, rings).allSatisfy { samePositions($0, $1, tol, ring: true) }
    }
    let ok: Bool
    switch g {
    case .point(let p): ok = samePositions([p], c.map { .array([$0]) }, tol)
    case .lineString(let l), .multiPoint(let l): ok = samePositions(l, c, tol)
    case .polygon(let p): ok = polygon(p, c)
    case .multiLineString(let ls): ok = c?.array.map { $0.count == ls.count && zip(ls, $0).allSatisfy { samePositions($0, $1, tol) } } ?? false
    case .multiPolygon(let ps): ok = c?.array.map { $0.count == ps.count && zip(ps, $0).allSatisfy { polygon($0, $1) } } ?? false
    case .collection(let gs):
        guard let list = o["geometries"]?.array, list.count == gs.count else { fatalError("fuzz invariant: collection of \(gs.count) read as \(o)") }
        for (a, b) in zip(gs, list) { check(a, b, precision) }
        ok = true
    }
    require(ok, "\(g) read as \(String(describing: c))")
}

/// A property name as OGR knows it: cut at the first NUL (a C string) and, since OGR field names
/// are case-insensitive, lowercased.
func cName(_ name: String) -> String {
    var v = String.UnicodeScalarView()
    v.append(contentsOf: name.unicodeScalars.prefix { $0 != "\u{0}" })
    return String(v).lowercased()
}

/// GDAL's GeoJSON driver: the feature count, and the text of each property that is text in
/// every feature, when OGR can hold it: a non-empty name that no other name equals as OGR
/// knows names (`cName`), and no NUL in the name or the text.
func gdalReadBack(_ path: String, _ written: [Feature]) {
    let features: [Feature]
    var dateFields = Set<String>()
    do {
        let layer = try VectorDataset(path: path).layer(named: nil)
        // Known issue (README, geojson-date-text): GDAL types text that looks like a date or a
        // time as a date field and VectorDataset reads it back as "2024/01/31"; exempt those
        // fields unless FUZZ_STRICT=1.
        if !strict { dateFields = Set(layer.fields.filter { $0.type == .date || $0.type == .dateTime }.map(\.name)) }
        features = try layer.features()
    } catch {
        // GDAL opens a collection without features only when it can type it; tolerate that alone.
        require(written.isEmpty, "GDAL cannot read the output of \(written.count) features: \(error)")
        return
    }
    require(features.count == written.count, "GDAL read \(features.count) features, wrote \(written.count)")
    var kinds: [String: Set<String>] = [:]
    var folded: [String: Set<String>] = [:]
    for f in written {
        for (name, value) in f.attributes {
            kinds[name, default: []].insert({ if case .string = value { return "string" } else if case .null = value { return "null" } else { return "other" } }())
            folded[cName(name), default: []].insert(name.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: ","))
        }
    }
    for (f, g) in zip(written, features) {
        for (name, value) in f.attributes {
            guard case .string(let s) = value, !name.isEmpty, kinds[name] == ["string"] || kinds[name] == ["string", "null"],
                  folded[cName(name)]?.count == 1, !name.unicodeScalars.contains("\u{0}"), !s.unicodeScalars.contains("\u{0}"),
                  !dateFields.contains(name) else { continue }
            guard let got = g.attributes[name] else {
                fatalError("fuzz invariant: GDAL lost property \(name.debugDescription); fields \(g.attributes.names.map(\.debugDescription))")
            }
            require(got.stringValue.map { sameScalars($0, s) } ?? false, "GDAL read property \(name.debugDescription) = \(s.debugDescription) as \(got)")
        }
    }
}
