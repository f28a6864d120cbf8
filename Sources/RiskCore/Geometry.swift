/// A position: x and y in the CRS of the data it belongs to. For geographic CRSs x is longitude
/// and y latitude, whatever axis order the CRS definition declares.
public struct Position: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// A closed ring: the first and last positions are equal, and there are at least four.
public typealias Ring = [Position]

/// A polygon: one exterior ring and zero or more holes.
public struct Polygon: Sendable, Hashable {
    public var exterior: Ring
    public var holes: [Ring]
    public init(exterior: Ring, holes: [Ring] = []) {
        self.exterior = exterior
        self.holes = holes
    }
}

/// The simple-features geometries the engine reads and writes, as plain values (2-D; Z and M are
/// dropped on read). C geometries (OGR, GEOS) are converted to and from these at the boundary.
public indirect enum Geometry: Sendable, Hashable {
    case point(Position)
    case lineString([Position])
    case polygon(Polygon)
    case multiPoint([Position])
    case multiLineString([[Position]])
    case multiPolygon([Polygon])
    case collection([Geometry])

    /// The GeoJSON / simple-features type name.
    public var typeName: String {
        switch self {
        case .point: "Point"
        case .lineString: "LineString"
        case .polygon: "Polygon"
        case .multiPoint: "MultiPoint"
        case .multiLineString: "MultiLineString"
        case .multiPolygon: "MultiPolygon"
        case .collection: "GeometryCollection"
        }
    }

    /// Every position, in order (rings include their closing position).
    public var positions: [Position] {
        switch self {
        case .point(let p): [p]
        case .lineString(let l), .multiPoint(let l): l
        case .polygon(let p): p.exterior + p.holes.joined()
        case .multiLineString(let ls): Array(ls.joined())
        case .multiPolygon(let ps): ps.flatMap { $0.exterior + $0.holes.joined() }
        case .collection(let gs): gs.flatMap(\.positions)
        }
    }

    /// Bounds of all positions; nil for an empty geometry.
    public var bounds: Bounds? { Bounds(points: positions.lazy.map { (x: $0.x, y: $0.y) }) }

    /// The same geometry with `f` applied to every position.
    public func mapPositions(_ f: (Position) throws -> Position) rethrows -> Geometry {
        func poly(_ p: Polygon) throws -> Polygon {
            Polygon(exterior: try p.exterior.map(f), holes: try p.holes.map { try $0.map(f) })
        }
        switch self {
        case .point(let p): return .point(try f(p))
        case .lineString(let l): return .lineString(try l.map(f))
        case .multiPoint(let l): return .multiPoint(try l.map(f))
        case .polygon(let p): return .polygon(try poly(p))
        case .multiLineString(let ls): return .multiLineString(try ls.map { try $0.map(f) })
        case .multiPolygon(let ps): return .multiPolygon(try ps.map(poly))
        case .collection(let gs): return .collection(try gs.map { try $0.mapPositions(f) })
        }
    }
}

/// Ring orientation by the shoelace formula (planar, in the coordinates given).
public enum RingOrientation {
    /// Twice the signed area: positive for counterclockwise rings (x east, y north).
    ///
    /// - Complexity: O(n).
    public static func signedDoubleArea(_ ring: Ring) -> Double {
        guard ring.count >= 3 else { return 0 }
        var s = 0.0
        for i in 0..<(ring.count - 1) {
            s += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y
        }
        if ring.first != ring.last, let a = ring.last, let b = ring.first {
            s += a.x * b.y - b.x * a.y
        }
        return s
    }

    public static func isCounterClockwise(_ ring: Ring) -> Bool { signedDoubleArea(ring) > 0 }

    /// The ring reversed when needed so that it winds counterclockwise (`ccw == true`) or clockwise.
    public static func oriented(_ ring: Ring, counterClockwise ccw: Bool) -> Ring {
        let a = signedDoubleArea(ring)
        guard a != 0 else { return ring }
        return (a > 0) == ccw ? ring : ring.reversed()
    }
}

extension Polygon {
    /// RFC 7946 §3.1.6 winding: exterior counterclockwise, holes clockwise.
    public var rfc7946Oriented: Polygon {
        Polygon(exterior: RingOrientation.oriented(exterior, counterClockwise: true),
                holes: holes.map { RingOrientation.oriented($0, counterClockwise: false) })
    }
}

extension Geometry {
    /// RFC 7946 winding applied to every polygon.
    public var rfc7946Oriented: Geometry {
        switch self {
        case .polygon(let p): .polygon(p.rfc7946Oriented)
        case .multiPolygon(let ps): .multiPolygon(ps.map(\.rfc7946Oriented))
        case .collection(let gs): .collection(gs.map(\.rfc7946Oriented))
        default: self
        }
    }
}
