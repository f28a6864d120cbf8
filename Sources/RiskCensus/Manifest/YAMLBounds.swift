import Yams

/// Bounds on a manifest's YAML, checked before and after Yams composes it: the YAML parser
/// recurses once per nesting level, and aliases let a few lines stand for billions of nodes
/// ("billion laughs"). A manifest is a few hundred nodes deep at most a handful of levels, so
/// the bounds sit far above any real one.
enum YAMLBounds {
    static let maxBytes = 4 << 20
    static let maxDepth = 64
    static let maxNodes = 1_000_000

    /// Size and nesting, from the text alone: flow brackets outside quotes and comments, and
    /// the indentation of block lines.
    static func checkText(_ text: String, path: String) throws(CensusError) {
        guard text.utf8.count <= maxBytes else {
            throw .manifest(file: path, key: "", message: "\(text.utf8.count) bytes; a manifest is at most \(maxBytes >> 20) MiB")
        }
        var depth = 0, line = 1
        var quote: UInt8? = nil, comment = false, lineStart = true, indent = 0
        for b in text.utf8 {
            if b == 0x0A { line += 1; comment = false; lineStart = true; indent = 0; if quote == 0x27 { quote = nil }; continue }
            if lineStart {
                if b == 0x20 || b == 0x2D {  // spaces and "- " sequence entries both nest
                    indent += 1
                    if indent > maxDepth * 4 { throw tooDeep(path, line) }
                    continue
                }
                lineStart = false
            }
            if comment { continue }
            if let q = quote {
                if b == q { quote = nil }
                continue
            }
            switch b {
            case 0x22, 0x27: quote = b
            case 0x23: comment = true
            case 0x5B, 0x7B:
                depth += 1
                if depth > maxDepth { throw tooDeep(path, line) }
            case 0x5D, 0x7D: depth = max(0, depth - 1)
            default: break
            }
        }
    }

    private static func tooDeep(_ path: String, _ line: Int) -> CensusError {
        .manifest(file: path, key: "", message: "line \(line): nested more than \(maxDepth) levels deep")
    }

    /// The node count and depth with aliases expanded, stopping at the bounds; the error names
    /// the key path where a bound is crossed.
    static func checkNodes(_ root: Node, path: String) throws(CensusError) {
        var count = 0
        var stack: [(node: Node, key: String, depth: Int)] = [(root, "", 0)]
        while let (node, key, depth) = stack.popLast() {
            count += 1
            if count > maxNodes {
                throw .manifest(file: path, key: key, message: "more than \(maxNodes) values once YAML aliases are expanded; a manifest is far smaller (nested aliases?)")
            }
            if depth > maxDepth {
                throw .manifest(file: path, key: key, message: "nested more than \(maxDepth) levels deep once YAML aliases are expanded")
            }
            switch node {
            case .scalar: break
            case .sequence(let s):
                for (i, v) in s.enumerated().reversed() { stack.append((v, key + "[\(i)]", depth + 1)) }
            case .mapping(let m):
                for (k, v) in m.reversed() {
                    let name = k.scalar?.string ?? "?"
                    stack.append((v, key.isEmpty ? name : key + "." + name, depth + 1))
                }
            }
        }
    }
}
