import Foundation
import Yams

/// Reads a manifest's YAML strictly against `SchemaNode.manifest`: a key the schema does not
/// know, a key given twice, a required key left out and a value of the wrong kind are each an
/// error naming the key path, the line and what was expected (the nearest known key for a
/// misspelling). Text values keep the file's spelling (`code: 0601` stays "0601"). The result
/// is a JSON-ready tree for the decoder.
enum StrictManifest {
    static func tree(yaml: String, path: String) throws(CensusError) -> Any {
        try YAMLBounds.checkText(yaml, path: path)
        let root = try YAMLBounds.compose(yaml, path: path)
        guard let root, case .mapping = root else {
            throw CensusError.manifest(file: path, key: "", message: "expected a YAML mapping at the top level")
        }
        return try Reader(path: path).value(root, SchemaNode.manifest, at: "")
    }

    /// A number written in decimal: 12, -0.5, 1e3, .5.
    static func isDecimal(_ s: String) -> Bool {
        s.wholeMatch(of: /[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?/) != nil
    }

    private struct Reader {
        let path: String

        func fail(_ key: String, _ node: Node?, _ message: String) -> CensusError {
            let line = node?.mark.map { "line \($0.line): " } ?? ""
            return .manifest(file: path, key: key, message: line + message)
        }

        /// A scalar as written, quoted so that it reads as found text in a message.
        func found(_ node: Node) -> String {
            switch node {
            case .scalar(let s): "found \"\(s.string)\""
            case .mapping: "found a mapping"
            case .sequence: "found a list"
            }
        }

        func isNull(_ node: Node) -> Bool {
            guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
            return ["", "~", "null", "Null", "NULL"].contains(s.string)
        }

        /// Calls `body` with each entry of a mapping in file order, with its key path; a key that
        /// is not text or is given twice is an error when it is reached.
        func forEachEntry(_ node: Node, at key: String,
                          _ body: (_ name: String, _ path: String, _ key: Node, _ value: Node) throws(CensusError) -> Void) throws(CensusError) {
            guard case .mapping(let mapping) = node else { throw fail(key, node, "expected a mapping, \(found(node))") }
            var seen: [String: Int] = [:]
            for (k, v) in mapping {
                guard case .scalar(let ks) = k else { throw fail(key, k, "a key must be text, \(found(k))") }
                let name = ks.string
                let here = key.isEmpty ? name : "\(key).\(name)"
                if let first = seen[name] { throw fail(here, k, "the key is given twice (first on line \(first)); remove one") }
                seen[name] = ks.mark?.line ?? 0
                try body(name, here, k, v)
            }
        }

        func value(_ node: Node, _ schema: SchemaNode, at key: String) throws(CensusError) -> Any {
            switch schema {
            case .object(let fields):
                var out: [String: Any] = [:]
                var given = Set<String>()
                try forEachEntry(node, at: key) { name, here, k, v throws(CensusError) in
                    given.insert(name)
                    guard let field = fields.first(where: { $0.name == name }) else {
                        let hint = ManifestKeys.nearest(to: name, in: fields.map(\.name)).map { "; did you mean \($0)?" }
                            ?? "; expected one of " + fields.map(\.name).joined(separator: ", ")
                        throw fail(here, k, "unknown key\(hint)")
                    }
                    if isNull(v) {
                        if field.required { throw fail(here, v, "required key has no value; expected \(field.node.expectation)") }
                        return
                    }
                    out[camel(name)] = try value(v, field.node, at: here)
                }
                for f in fields where f.required && !given.contains(f.name) {
                    let here = key.isEmpty ? f.name : "\(key).\(f.name)"
                    throw fail(here, node, "required key is missing; expected \(f.node.expectation)")
                }
                return out
            case .map(let element):
                var out: [String: Any] = [:]
                try forEachEntry(node, at: key) { name, here, _, v throws(CensusError) in out[name] = try value(v, element, at: here) }
                return out
            case .array(let element):
                guard case .sequence(let sequence) = node else { throw fail(key, node, "expected a list, \(found(node))") }
                var out: [Any] = []
                for (i, v) in sequence.enumerated() { out.append(try value(v, element, at: "\(key)[\(i)]")) }
                return out
            case .string:
                guard case .scalar(let s) = node else { throw fail(key, node, "expected text, \(found(node))") }
                return s.string
            case .enumeration(let names):
                guard case .scalar(let s) = node, names.contains(s.string) else {
                    throw fail(key, node, "\(found(node)); expected one of \(names.joined(separator: ", "))")
                }
                return s.string
            case .number:
                // Decimal notation only: YAML 1.1 would read 1:40 as 100 and 0x10 as 16.
                guard case .scalar(let s) = node, s.style == .plain || s.style == .any, StrictManifest.isDecimal(s.string),
                      let d = Double.construct(from: s) else {
                    throw fail(key, node, "expected a number, \(found(node))")
                }
                guard d.isFinite else { throw fail(key, node, "expected a finite number, \(found(node))") }
                return d
            case .integer:
                guard case .scalar(let s) = node, s.style == .plain || s.style == .any,
                      s.string.wholeMatch(of: /[+-]?[0-9]+/) != nil, let i = Int.construct(from: s) else {
                    throw fail(key, node, "expected an integer, \(found(node))")
                }
                return i
            case .boolean:
                guard case .scalar(let s) = node, s.style == .plain || s.style == .any, let b = Bool.construct(from: s) else {
                    throw fail(key, node, "expected true or false, \(found(node))")
                }
                return b
            }
        }

        /// The decoder's spelling of a file key (`zero_damage_return_period` →
        /// `zeroDamageReturnPeriod`), so that the tree decodes without key conversion and free
        /// keys (hazard ids in `index.weights`) are never converted.
        func camel(_ s: String) -> String {
            var out = "", upper = false
            for ch in s {
                if ch == "_" { upper = true; continue }
                out += upper ? ch.uppercased() : String(ch)
                upper = false
            }
            return out
        }
    }
}
