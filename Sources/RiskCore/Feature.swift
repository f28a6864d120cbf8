/// A typed attribute value as read from a vector layer or written to GeoJSON.
public enum AttributeValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case real(Double)
    case string(String)

    /// No value: null, or empty text (how a CSV, read as text, leaves a field blank).
    public var isMissing: Bool {
        switch self {
        case .null: true
        case .string(let s): s.allSatisfy(\.isWhitespace)
        default: false
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .real(let d): d
        case .bool(let b): b ? 1 : 0
        case .string(let s): s.split(whereSeparator: \.isWhitespace).count == 1 ? Double(s.split(whereSeparator: \.isWhitespace)[0]) : nil
        case .null: nil
        }
    }

    public var stringValue: String? {
        switch self {
        case .string(let s): s
        case .integer(let i): String(i)
        case .real(let d): String(d)
        case .bool(let b): String(b)
        case .null: nil
        }
    }
}

/// The declared type of a vector field.
public enum FieldType: String, Sendable, Hashable, Codable {
    case integer, real, string, date, dateTime = "datetime", bool, binary, list, other
}

/// A vector field's name and declared type.
public struct FieldDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var type: FieldType
    public init(name: String, type: FieldType) {
        self.name = name
        self.type = type
    }
}

/// Attributes in a fixed field order, so written files are deterministic.
public struct Attributes: Sendable, Hashable, Sequence {
    public private(set) var names: [String] = []
    private var storage: [String: AttributeValue] = [:]

    public init() {}

    public init(_ pairs: KeyValuePairs<String, AttributeValue>) {
        for (k, v) in pairs { self[k] = v }
    }

    /// Reading a missing name gives nil; setting a new name appends it to the order.
    public subscript(name: String) -> AttributeValue? {
        get { storage[name] }
        set {
            if let v = newValue {
                if storage.updateValue(v, forKey: name) == nil { names.append(name) }
            } else if storage.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    public var count: Int { names.count }

    public func makeIterator() -> some IteratorProtocol<(name: String, value: AttributeValue)> {
        names.lazy.map { (name: $0, value: storage[$0]!) }.makeIterator()
    }
}

/// One vector feature as a value: an optional id, an optional geometry and typed attributes.
public struct Feature: Sendable, Hashable {
    public var id: Int64?
    public var geometry: Geometry?
    public var attributes: Attributes

    public init(id: Int64? = nil, geometry: Geometry?, attributes: Attributes = Attributes()) {
        self.id = id
        self.geometry = geometry
        self.attributes = attributes
    }
}
