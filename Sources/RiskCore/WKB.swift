/// Well-known binary, the exchange format between `Geometry` values and the C libraries
/// (OGR exports ISO WKB; GEOS reads and writes it).
///
/// Encoding writes 2-D little-endian WKB. Decoding accepts either byte order, ISO Z/M/ZM type codes
/// (1000/2000/3000 offsets) and EWKB flag bits, and drops Z and M.
public enum WKB {
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "invalid WKB at byte \(offset): \(reason)" }
    }

    public static func encode(_ g: Geometry) -> [UInt8] {
        var out: [UInt8] = []
        write(g, into: &out)
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> Geometry {
        var r = Reader(bytes: bytes)
        let g = try r.geometry()
        guard r.offset == bytes.count else {
            throw DecodingError(offset: r.offset, reason: "\(bytes.count - r.offset) trailing bytes")
        }
        return g
    }

    private static func write(_ g: Geometry, into out: inout [UInt8]) {
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        func pts(_ ps: [Position]) { u32(UInt32(ps.count)); for p in ps { f64(p.x); f64(p.y) } }
        func poly(_ p: Polygon) {
            let rings = [p.exterior] + p.holes
            u32(UInt32(rings.count))
            rings.forEach(pts)
        }
        out.append(1)
        switch g {
        case .point(let p): u32(1); f64(p.x); f64(p.y)
        case .lineString(let l): u32(2); pts(l)
        case .polygon(let p): u32(3); poly(p)
        case .multiPoint(let ps):
            u32(4); u32(UInt32(ps.count))
            for p in ps { write(.point(p), into: &out) }
        case .multiLineString(let ls):
            u32(5); u32(UInt32(ls.count))
            for l in ls { write(.lineString(l), into: &out) }
        case .multiPolygon(let ps):
            u32(6); u32(UInt32(ps.count))
            for p in ps { write(.polygon(p), into: &out) }
        case .collection(let gs):
            u32(7); u32(UInt32(gs.count))
            for g in gs { write(g, into: &out) }
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0
        var little = true

        func fail(_ why: String) -> DecodingError { DecodingError(offset: offset, reason: why) }

        mutating func byte() throws(DecodingError) -> UInt8 {
            guard offset < bytes.count else { throw fail("unexpected end") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func u32() throws(DecodingError) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw fail("unexpected end") }
            var v: UInt32 = 0
            for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
            offset += 4
            return little ? v : v.byteSwapped
        }

        mutating func f64() throws(DecodingError) -> Double {
            guard offset + 8 <= bytes.count else { throw fail("unexpected end") }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
            offset += 8
            return Double(bitPattern: little ? v : v.byteSwapped)
        }

        mutating func count() throws(DecodingError) -> Int {
            let n = Int(try u32())
            guard n <= (bytes.count - offset) else { throw fail("count \(n) exceeds the remaining bytes") }
            return n
        }

        mutating func geometry() throws(DecodingError) -> Geometry {
            switch try byte() {
            case 0: little = false
            case 1: little = true
            case let b: throw fail("byte-order mark \(b)")
            }
            var code = try u32()
            var dims = 2
            if code & 0x2000_0000 != 0 { _ = try u32() }  // EWKB SRID
            if code & 0x8000_0000 != 0 { dims += 1 }
            if code & 0x4000_0000 != 0 { dims += 1 }
            code &= 0x0FFF_FFFF
            switch code / 1000 {
            case 1, 2: dims += 1
            case 3: dims += 2
            default: break
            }
            let kind = code % 1000
            let ndims = dims
            func position(_ r: inout Reader) throws(DecodingError) -> Position {
                let x = try r.f64(), y = try r.f64()
                for _ in 2..<ndims { _ = try r.f64() }
                return Position(x, y)
            }
            func positions(_ r: inout Reader) throws(DecodingError) -> [Position] {
                let n = try r.count()
                var ps: [Position] = []
                ps.reserveCapacity(n)
                for _ in 0..<n { ps.append(try position(&r)) }
                return ps
            }
            func polygon(_ r: inout Reader) throws(DecodingError) -> Polygon {
                let n = try r.count()
                var rings: [Ring] = []
                for _ in 0..<n { rings.append(try positions(&r)) }
                return Polygon(exterior: rings.first ?? [], holes: Array(rings.dropFirst()))
            }
            func parts(_ r: inout Reader) throws(DecodingError) -> [Geometry] {
                let n = try r.count()
                var gs: [Geometry] = []
                for _ in 0..<n {
                    let saved = r.little
                    gs.append(try r.geometry())
                    r.little = saved
                }
                return gs
            }
            switch kind {
            case 1: return .point(try position(&self))
            case 2: return .lineString(try positions(&self))
            case 3: return .polygon(try polygon(&self))
            case 4:
                return .multiPoint(try parts(&self).map { g throws(DecodingError) in
                    guard case .point(let p) = g else { throw fail("MultiPoint member is \(g.typeName)") }
                    return p
                })
            case 5:
                return .multiLineString(try parts(&self).map { g throws(DecodingError) in
                    guard case .lineString(let l) = g else { throw fail("MultiLineString member is \(g.typeName)") }
                    return l
                })
            case 6:
                return .multiPolygon(try parts(&self).map { g throws(DecodingError) in
                    guard case .polygon(let p) = g else { throw fail("MultiPolygon member is \(g.typeName)") }
                    return p
                })
            case 7: return .collection(try parts(&self))
            default: throw fail("unsupported geometry type code \(code)")
            }
        }
    }
}
