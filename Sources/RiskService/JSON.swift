import Foundation
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

    public static func == (a: JSON, b: JSON) -> Bool { a.text == b.text }

    /// An optional number: `null` when absent.
    static func number(_ v: Double?) -> JSON { v.map { .number($0) } ?? .null }

    /// The JSON text.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let v): out += JSONText.number(v)
        case .string(let s): out += JSONText.string(s)
        case .array(let items):
            out += "["
            for (k, v) in items.enumerated() {
                if k > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (k, (name, v)) in members.enumerated() {
                if k > 0 { out += "," }
                out += JSONText.string(name)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }

    /// A member of an object, nil for anything else or a missing name.
    subscript(_ name: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == name }?.1
    }

    var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    var numberValue: Double? { if case .number(let v) = self { v } else { nil } }

    /// Parses JSON text (top-level scalars allowed); nil when it is not JSON. Object members
    /// come out sorted by name.
    static func parse(_ data: Data) -> JSON? {
        try? JSONDecoder().decode(JSON.self, from: data)
    }
}

extension JSON: Decodable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            self = .object(try object.allKeys.sorted { $0.stringValue < $1.stringValue }.map { ($0.stringValue, try object.decode(JSON.self, forKey: $0)) })
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var items: [JSON] = []
            while !array.isAtEnd { items.append(try array.decode(JSON.self)) }
            self = .array(items)
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let v = try? c.decode(Double.self) {
            self = .number(v)
        } else {
            self = .string(try c.decode(String.self))
        }
    }
}
