import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import RiskCore

/// Readers for GEM's NRML 0.5 fragility and vulnerability models, so users can bring OpenQuake's
/// package models. Errors name the file, the element and the line.
package enum NRML {
    /// A parsed fragility model: limit states and, per taxonomy (function id), the IMT and the
    /// limit-state functions.
    package struct FragilitySet: Sendable {
        /// The loss type the damage refers to (`lossCategory`, default structural).
        package var lossCategory: String
        package var limitStates: [String]
        package var models: [String: (imt: String, model: FragilityModel)]
    }

    package struct VulnerabilitySet: Sendable {
        package var lossCategory: String
        package var functions: [String: VulnerabilityFunction]
    }

    /// A small DOM: element name, attributes, text, children, and its line for messages.
    final class Node {
        let name: String
        let attributes: [String: String]
        let line: Int
        var text = ""
        var children: [Node] = []
        init(name: String, attributes: [String: String], line: Int) {
            self.name = name
            self.attributes = attributes
            self.line = line
        }
        func child(_ n: String) -> Node? { children.first { $0.name == n } }
        func all(_ n: String) -> [Node] { children.filter { $0.name == n } }
    }

    /// NRML nests a handful of elements; deeper documents are refused while parsing (a tree
    /// 100,000 elements deep would overflow the stack when released).
    static let maxDepth = 64

    final class Builder: NSObject, XMLParserDelegate {
        var stack: [Node] = []
        var root: Node?
        var tooDeep: Int?
        weak var parser: XMLParser?
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if stack.count >= NRML.maxDepth {
                tooDeep = parser.lineNumber
                parser.abortParsing()
                return
            }
            let local = name.split(separator: ":").last.map(String.init) ?? name
            let n = Node(name: local, attributes: attributes, line: parser.lineNumber)
            stack.last?.children.append(n)
            if root == nil { root = n }
            stack.append(n)
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }
    }

    static func parse(_ path: String) throws(CensusError) -> Node {
        let data = try InputFile.data(path, what: "the NRML file", sizeFactor: 16) { .geo(.fileNotFound(path: $0)) }
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        // NRML is UTF-8; FoundationXML traps on a name that is not (rather than failing the parse).
        guard String(data: data, encoding: .utf8) != nil else {
            throw .badData(file: path, message: "not UTF-8 text; NRML files are UTF-8 XML")
        }
        // NRML has no processing instruction besides the XML declaration (FoundationXML reads a
        // null pointer for one without data, `<?pi?>`).
        let body = data.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
        let declaration = body.starts(with: Data("<?xml ".utf8)) || body.starts(with: Data("<?xml\t".utf8))
        var from = body.startIndex
        if declaration, let end = body.range(of: Data("?>".utf8))?.upperBound { from = end }
        if body[from...].range(of: Data("<?".utf8)) != nil {
            throw .badData(file: path, message: "a processing instruction (<?…?>) after the XML declaration; NRML files have none")
        }
        // NRML has no DTD: a DOCTYPE can only declare entities, which are never expanded.
        if data.prefix(4096).range(of: Data("<!DOCTYPE".utf8)) != nil || data.prefix(4096).range(of: Data("<!doctype".utf8)) != nil {
            throw .badData(file: path, message: "a DOCTYPE declaration; NRML files have none (entities are not expanded)")
        }
        let b = Builder()
        parser.delegate = b
        let parsed = parser.parse()
        if let line = b.tooDeep {
            throw .badData(file: path, message: "line \(line): elements nested more than \(NRML.maxDepth) deep; not NRML")
        }
        if parsed, let open = b.stack.last {
            throw .badData(file: path, message: "line \(parser.lineNumber): malformed NRML: <\(open.name)> (line \(open.line)) is not closed")
        }
        guard parsed, let root = b.root else {
            let e = parser.parserError.map { "\($0.localizedDescription)" } ?? "malformed XML"
            throw .badData(file: path, message: "line \(parser.lineNumber): malformed NRML: \(e)")
        }
        return root
    }

    static func numbers(_ s: String, _ path: String, _ node: Node) throws(CensusError) -> [Double] {
        var out: [Double] = []
        for token in s.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "," }) {
            guard let v = Double(token), v.isFinite else {
                throw .badData(file: path, message: "line \(node.line), <\(node.name)>: \"\(token)\" is not a number")
            }
            out.append(v)
        }
        return out
    }

    static func attribute(_ node: Node, _ key: String, _ path: String) throws(CensusError) -> String {
        guard let v = node.attributes[key] else {
            throw .badData(file: path, message: "line \(node.line), <\(node.name)>: missing attribute \(key)")
        }
        return v
    }

    static func number(_ node: Node, _ key: String, _ path: String) throws(CensusError) -> Double {
        let s = try attribute(node, key, path)
        guard let v = Double(s), v.isFinite else {
            throw .badData(file: path, message: "line \(node.line), <\(node.name)> \(key)=\"\(s)\" is not a number")
        }
        return v
    }

    /// The canonical IMT of an `<imls>` element, or an error naming the function.
    static func imtAttribute(_ imls: Node, _ path: String, function id: String) throws(CensusError) -> String {
        let raw = try attribute(imls, "imt", path)
        guard let imt = IMT.canonical(raw) else {
            throw .badData(file: path, message: "line \(imls.line), function \(id): unknown IMT \"\(raw)\" (expected PGA, PGV, SA(T), MMI, …)")
        }
        return imt
    }

    /// Reads a `fragilityModel` (discrete and continuous `logncdf` functions).
    package static func fragility(_ path: String) throws(CensusError) -> FragilitySet {
        let root = try parse(path)
        guard let model = root.name == "fragilityModel" ? root : root.child("fragilityModel") else {
            throw .badData(file: path, message: "no <fragilityModel> element")
        }
        guard let lsNode = model.child("limitStates") else {
            throw .badData(file: path, message: "line \(model.line), <fragilityModel>: no <limitStates>")
        }
        let states = lsNode.text.split(whereSeparator: \.isWhitespace).map(String.init)
        var models: [String: (imt: String, model: FragilityModel)] = [:]
        for f in model.all("fragilityFunction") {
            let id = try attribute(f, "id", path)
            guard let imls = f.child("imls") else { throw .badData(file: path, message: "line \(f.line), fragilityFunction \(id): no <imls>") }
            let imt = try imtAttribute(imls, path, function: id)
            let ndl = try imls.attributes["noDamageLimit"].map { _ throws(CensusError) in try number(imls, "noDamageLimit", path) }
            var functions: [FragilityFunction] = []
            switch f.attributes["format"] {
            case "discrete":
                let x = try numbers(imls.text, path, imls)
                for ls in states {
                    guard let p = f.all("poes").first(where: { $0.attributes["ls"] == ls }) else {
                        throw .badData(file: path, message: "line \(f.line), fragilityFunction \(id): no <poes ls=\"\(ls)\">")
                    }
                    let y = try numbers(p.text, path, p)
                    guard y.count == x.count else {
                        throw .badData(file: path, message: "line \(p.line), fragilityFunction \(id): \(y.count) poes for \(x.count) imls")
                    }
                    guard zip(x, x.dropFirst()).allSatisfy({ $0 < $1 }) else {
                        throw .badData(file: path, message: "line \(imls.line), fragilityFunction \(id): imls must increase")
                    }
                    guard y.allSatisfy({ (0...1).contains($0) }) else {
                        throw .badData(file: path, message: "line \(p.line), fragilityFunction \(id): poes must lie in [0, 1]")
                    }
                    functions.append(.discrete(imls: x, poes: y, noDamageLimit: ndl))
                }
            case "continuous":
                guard f.attributes["shape"] ?? "logncdf" == "logncdf" else {
                    throw .badData(file: path, message: "line \(f.line), fragilityFunction \(id): only shape=\"logncdf\" is supported")
                }
                let lo = try number(imls, "minIML", path), hi = try number(imls, "maxIML", path)
                for ls in states {
                    guard let p = f.all("params").first(where: { $0.attributes["ls"] == ls }) else {
                        throw .badData(file: path, message: "line \(f.line), fragilityFunction \(id): no <params ls=\"\(ls)\">")
                    }
                    let mean = try number(p, "mean", path), sd = try number(p, "stddev", path)
                    guard mean > 0, sd >= 0 else {
                        throw .badData(file: path, message: "line \(p.line), fragilityFunction \(id): mean must be > 0 and stddev ≥ 0")
                    }
                    functions.append(.continuous(mean: mean, stddev: sd, minIML: lo, maxIML: hi, noDamageLimit: ndl))
                }
            case let other:
                throw .badData(file: path, message: "line \(f.line), fragilityFunction \(id): unknown format \"\(other ?? "")\"")
            }
            models[id] = (imt, FragilityModel(limitStates: states, functions: functions))
        }
        return FragilitySet(lossCategory: model.attributes["lossCategory"] ?? "structural", limitStates: states, models: models)
    }

    /// Reads a `vulnerabilityModel` with discrete loss-ratio tables. A non-zero coefficient of
    /// variation is refused until sampling is supported.
    package static func vulnerability(_ path: String) throws(CensusError) -> VulnerabilitySet {
        let root = try parse(path)
        guard let model = root.name == "vulnerabilityModel" ? root : root.child("vulnerabilityModel") else {
            throw .badData(file: path, message: "no <vulnerabilityModel> element")
        }
        var functions: [String: VulnerabilityFunction] = [:]
        for f in model.all("vulnerabilityFunction") {
            let id = try attribute(f, "id", path)
            guard let imls = f.child("imls"), let means = f.child("meanLRs") else {
                throw .badData(file: path, message: "line \(f.line), vulnerabilityFunction \(id): needs <imls> and <meanLRs>")
            }
            let x = try numbers(imls.text, path, imls), y = try numbers(means.text, path, means)
            guard x.count == y.count, !x.isEmpty else {
                throw .badData(file: path, message: "line \(means.line), vulnerabilityFunction \(id): \(y.count) loss ratios for \(x.count) imls")
            }
            guard zip(x, x.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw .badData(file: path, message: "line \(imls.line), vulnerabilityFunction \(id): imls must increase")
            }
            if let k = y.firstIndex(where: { !(0...1).contains($0) }) {
                throw .badData(file: path, message: "line \(means.line), vulnerabilityFunction \(id): mean loss ratio \(k + 1) is \(y[k]); expected a ratio in [0, 1]")
            }
            if let k = x.firstIndex(where: { $0 < 0 }) {
                throw .badData(file: path, message: "line \(imls.line), vulnerabilityFunction \(id): iml \(k + 1) is \(x[k]); expected an intensity ≥ 0")
            }
            if let cov = f.child("covLRs"), try numbers(cov.text, path, cov).contains(where: { $0 != 0 }) {
                throw .badData(file: path, message: "line \(cov.line), vulnerabilityFunction \(id): non-zero covLRs need loss sampling, which is not supported yet; set them to 0")
            }
            functions[id] = VulnerabilityFunction(imt: try imtAttribute(imls, path, function: id), imls: x, lossRatios: y)
        }
        return VulnerabilitySet(lossCategory: model.attributes["lossCategory"] ?? "structural", functions: functions)
    }
}
