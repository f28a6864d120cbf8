import Foundation
import RiskCore
import RiskGeo
import RiskOptimize

/// The shape of a manifest, read off the `Manifest` types themselves: every key each mapping
/// accepts, whether it is required, and what its value must be. The strict reader checks a
/// YAML file against it before decoding, and `docs/manifest.schema.json` is generated from it,
/// so neither can drift from the types.
indirect enum SchemaNode: Equatable, Sendable {
    case object([Field])
    case array(SchemaNode)
    /// A mapping with free keys (hazard ids, for instance), each value of one shape.
    case map(SchemaNode)
    case string, number, integer, boolean
    /// Text from a fixed list.
    case enumeration([String])

    struct Field: Equatable, Sendable {
        var name: String
        var node: SchemaNode
        var required: Bool
    }

    /// The manifest's schema, recorded each time it is asked for (once per manifest read). It is not
    /// kept in a global: Swift stores an enum's case in its pointer's spare bits, so a graph
    /// held only by a global enum looks unreachable to LeakSanitizer at exit.
    static var manifest: SchemaNode {
        let recorder = SchemaRecorder()
        _ = try! Manifest(from: recorder)   // the recorder never throws
        return recorder.box.node
    }

    /// What a value of this shape is, in a message.
    var expectation: String {
        switch self {
        case .object: "a mapping"
        case .array: "a list"
        case .map: "a mapping"
        case .string: "text"
        case .number: "a number"
        case .integer: "an integer"
        case .boolean: "true or false"
        case .enumeration(let names): "one of " + names.joined(separator: ", ")
        }
    }
}

/// A manifest value that is one of a fixed list of words (`resampling: sum`).
protocol ManifestEnum: Decodable {
    static var manifestNames: [String] { get }
    init?(manifestName: String)
}

extension ManifestEnum where Self: CaseIterable & RawRepresentable, RawValue == String {
    static var manifestNames: [String] { allCases.map(\.rawValue) }
    init?(manifestName: String) { self.init(rawValue: manifestName) }
}

extension Resampling: ManifestEnum {}
extension SitingModel: ManifestEnum {}

extension ExceedanceIntegration.Tail: ManifestEnum {
    static var manifestNames: [String] { ["none", "flat"] }
    init?(manifestName: String) { self.init(rawValue: manifestName) }
}

extension ExceedanceIntegration.Probability: ManifestEnum {
    static var manifestNames: [String] { ["reciprocal", "poisson"] }
    init?(manifestName: String) { self.init(rawValue: manifestName) }
}

/// A mapping with free text keys (`index.weights`): the recorder notes the value's shape.
protocol FreeKeyedMap {
    static var valueType: any Decodable.Type { get }
    static var empty: Self { get }
}

extension Dictionary: FreeKeyedMap where Key == String, Value: Decodable {
    static var valueType: any Decodable.Type { Value.self }
    static var empty: Self { [:] }
}

// MARK: - The recorder

/// A Decoder that answers every request with a placeholder and notes what was asked for: each
/// keyed container's keys (required or not) and each value's type. Decoding `Manifest` with it
/// walks every type the manifest can hold.
private final class SchemaRecorder: Decoder {
    final class Box { var node: SchemaNode = .object([]) }
    let box = Box()
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let fields = FieldList()
        box.node = .object([])
        let c = KeyedDecodingContainer(RecordingKeyed<Key>(fields: fields, box: box))
        return c
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { RecordingUnkeyed(box: box) }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { RecordingSingle(box: box) }

    final class FieldList { var fields: [SchemaNode.Field] = [] }

    /// Decodes `type` with a fresh recorder and returns the placeholder and its shape.
    static func record<T: Decodable>(_ type: T.Type) -> (T, SchemaNode) {
        if let e = type as? any ManifestEnum.Type {
            return (e.init(manifestName: e.manifestNames[0])! as! T, .enumeration(e.manifestNames))
        }
        if let m = type as? any FreeKeyedMap.Type {
            return (m.empty as! T, .map(shape(of: m.valueType)))
        }
        switch type {
        case is String.Type: return ("" as! T, .string)
        case is Double.Type: return (0.0 as! T, .number)
        case is Float.Type: return (Float(0) as! T, .number)
        case is Int.Type: return (0 as! T, .integer)
        case is Bool.Type: return (false as! T, .boolean)
        default:
            let r = SchemaRecorder()
            let value = try! T(from: r)
            return (value, r.box.node)
        }
    }

    private static func shape(of type: any Decodable.Type) -> SchemaNode {
        func open<T: Decodable>(_ t: T.Type) -> SchemaNode { record(t).1 }
        return open(type)
    }
}

private struct RecordingKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let fields: SchemaRecorder.FieldList
    let box: SchemaRecorder.Box
    var codingPath: [any CodingKey] = []
    var allKeys: [Key] { [] }

    private func note(_ key: Key, _ node: SchemaNode, required: Bool) {
        fields.fields.append(.init(name: ManifestKeys.snake(key.stringValue), node: node, required: required))
        box.node = .object(fields.fields)
    }

    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let (value, node) = SchemaRecorder.record(type)
        note(key, node, required: true)
        return value
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        let (value, node) = SchemaRecorder.record(type)
        note(key, node, required: false)
        return value
    }

    // The primitive overloads, so that they are noted as their own types rather than through a
    // default that would lose whether they were optional.
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { note(key, .boolean, required: true); return false }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { note(key, .string, required: true); return "" }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { note(key, .number, required: true); return 0 }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { note(key, .integer, required: true); return 0 }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { note(key, .boolean, required: false); return false }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { note(key, .string, required: false); return "" }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { note(key, .number, required: false); return 0 }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { note(key, .integer, required: false); return 0 }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        preconditionFailure("manifest types use synthesized decoding")
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        preconditionFailure("manifest types use synthesized decoding")
    }
    func superDecoder() throws -> any Decoder { preconditionFailure("manifest types use synthesized decoding") }
    func superDecoder(forKey key: Key) throws -> any Decoder { preconditionFailure("manifest types use synthesized decoding") }
}

/// A list: one element is decoded, and its shape is the list's.
private struct RecordingUnkeyed: UnkeyedDecodingContainer {
    let box: SchemaRecorder.Box
    var codingPath: [any CodingKey] = []
    var count: Int? { 1 }
    var isAtEnd: Bool { currentIndex > 0 }
    var currentIndex = 0

    mutating func decodeNil() throws -> Bool { false }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, node) = SchemaRecorder.record(type)
        box.node = .array(node)
        currentIndex += 1
        return value
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        preconditionFailure("manifest types use synthesized decoding")
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { preconditionFailure("manifest types use synthesized decoding") }
    mutating func superDecoder() throws -> any Decoder { preconditionFailure("manifest types use synthesized decoding") }
}

/// A single value: a raw-value enum or a wrapper decodes through it.
private struct RecordingSingle: SingleValueDecodingContainer {
    let box: SchemaRecorder.Box
    var codingPath: [any CodingKey] = []
    func decodeNil() -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, node) = SchemaRecorder.record(type)
        box.node = node
        return value
    }
}

// MARK: - JSON Schema

extension SchemaNode {
    /// The schema as a JSON Schema (draft 2020-12) document, with sorted keys and two-space
    /// indentation: `docs/manifest.schema.json`.
    static func jsonSchemaDocument() -> String {
        var root = manifest.jsonSchema()
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["title"] = "RiskCensus census manifest"
        root["description"] = "A census manifest (docs/manifest.md). Generated from the Manifest types by `riskcensus schema`; do not edit."
        let data = try! JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    func jsonSchema() -> [String: Any] {
        switch self {
        case .object(let fields):
            var properties: [String: Any] = [:]
            for f in fields { properties[f.name] = f.node.jsonSchema() }
            var o: [String: Any] = ["type": "object", "properties": properties, "additionalProperties": false]
            let required = fields.filter(\.required).map(\.name)
            if !required.isEmpty { o["required"] = required }
            return o
        case .array(let element): return ["type": "array", "items": element.jsonSchema()]
        case .map(let value): return ["type": "object", "additionalProperties": value.jsonSchema()]
        case .string: return ["type": "string"]
        case .number: return ["type": "number"]
        case .integer: return ["type": "integer"]
        case .boolean: return ["type": "boolean"]
        case .enumeration(let names): return ["type": "string", "enum": names]
        }
    }
}

/// Key spelling shared by the recorder, the strict reader and the error messages.
enum ManifestKeys {
    /// `zeroDamageReturnPeriod` → `zero_damage_return_period` (the file's spelling).
    static func snake(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }

    /// The known key closest to `key` by edit distance, when it is close enough to be a slip.
    static func nearest(to key: String, in known: [String]) -> String? {
        let scored = known.map { ($0, distance(key.lowercased(), $0)) }.min { $0.1 < $1.1 }
        guard let (best, d) = scored else { return nil }
        return d <= max(2, key.count / 3) ? best : nil
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
