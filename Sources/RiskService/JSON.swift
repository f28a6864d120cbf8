import Foundation
import NIOCore
import RiskGeo

/// A JSON value the service writes: objects keep their members in the order given, numbers that
/// are not finite become `null`. Built as values, so handlers pass them between tasks.
public indirect enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])
    /// JSON text made elsewhere (a page of cells written straight to text), inserted as it is.
    case raw(String)

    public static func == (a: JSON, b: JSON) -> Bool { a.text == b.text }

    /// An optional number: `null` when absent.
    static func number(_ v: Double?) -> JSON { v.map { .number($0) } ?? .null }

    /// The JSON text.
    public var text: String {
        var out = ByteBuffer()
        write(to: &out)
        return String(buffer: out)
    }

    /// The JSON text appended to a buffer (a response's body), without intermediate strings: a
    /// key or a plain string goes in as it is.
    func write(to out: inout ByteBuffer) {
        switch self {
        case .null: out.writeStaticString("null")
        case .bool(let b): out.writeStaticString(b ? "true" : "false")
        case .number(let v): out.writeString(JSONText.number(v))
        case .string(let s): Self.write(string: s, to: &out)
        case .raw(let text): out.writeString(text)
        case .array(let items):
            out.writeInteger(UInt8(ascii: "["))
            for (k, v) in items.enumerated() {
                if k > 0 { out.writeInteger(UInt8(ascii: ",")) }
                v.write(to: &out)
            }
            out.writeInteger(UInt8(ascii: "]"))
        case .object(let members):
            out.writeInteger(UInt8(ascii: "{"))
            for (k, (name, v)) in members.enumerated() {
                if k > 0 { out.writeInteger(UInt8(ascii: ",")) }
                Self.write(string: name, to: &out)
                out.writeInteger(UInt8(ascii: ":"))
                v.write(to: &out)
            }
            out.writeInteger(UInt8(ascii: "}"))
        }
    }

    private static func write(string s: String, to out: inout ByteBuffer) {
        guard !JSONText.needsEscape(s) else {
            out.writeString(JSONText.string(s))
            return
        }
        out.writeInteger(UInt8(ascii: "\""))
        out.writeString(s)
        out.writeInteger(UInt8(ascii: "\""))
    }

    /// A member of an object, nil for anything else or a missing name.
    subscript(_ name: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == name }?.1
    }

    var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    var numberValue: Double? { if case .number(let v) = self { v } else { nil } }

    /// Parses JSON text (top-level scalars allowed) with Foundation's JSONSerialization; nil
    /// when it is not JSON. Object members come out sorted by name.
    static func parse(_ data: Data) -> JSON? {
        guard let any = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        return from(any)
    }

    /// Foundation's values as JSON. The common types are told apart by their exact type, not by
    /// `as?` casts: on Linux each cast of an `Any` goes through the runtime's bridging search,
    /// which cost a point query ten times the parse itself.
    private static func from(_ any: Any) -> JSON? {
        let type = ObjectIdentifier(Swift.type(of: any))
        if type == ObjectIdentifier(String.self) { return .string(any as! String) }
        if type == ObjectIdentifier([String: Any].self) {
            let d = any as! [String: Any]
            var out: [(String, JSON)] = []
            out.reserveCapacity(d.count)
            for (k, v) in d.sorted(by: { $0.key < $1.key }) {
                guard let j = from(v) else { return nil }
                out.append((k, j))
            }
            return .object(out)
        }
        if type == ObjectIdentifier([Any].self) {
            let a = any as! [Any]
            var out: [JSON] = []
            out.reserveCapacity(a.count)
            for v in a {
                guard let j = from(v) else { return nil }
                out.append(j)
            }
            return .array(out)
        }
        if let n = any as? NSNumber { return isBoolean(n) ? .bool(n.boolValue) : .number(n.doubleValue) }
        if any is NSNull { return .null }
        if let b = any as? Bool { return .bool(b) }
        if let s = any as? String { return .string(s) }
        if let a = any as? [Any] { return from(a) }
        if let d = any as? [String: Any] { return from(d) }
        return nil
    }

    /// Whether Foundation parsed `true`/`false` (an NSNumber of type `c`), not 0 or 1.
    private static func isBoolean(_ n: NSNumber) -> Bool {
        n.objCType.pointee == CChar(UInt8(ascii: "c"))
    }
}
