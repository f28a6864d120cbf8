import Foundation
import Yams

/// Bounds on a manifest's YAML, checked before and after Yams composes it: the YAML parser
/// recurses once per nesting level, and aliases let a few lines stand for billions of nodes
/// ("billion laughs"). A manifest is a few hundred nodes deep at most a handful of levels, so
/// the bounds sit far above any real one.
enum YAMLBounds {
    static let maxBytes = 1 << 20
    static let maxDepth = 64
    static let maxNodes = 1_000_000
    /// Flow brackets in the whole text, and the depth of a line's indentation and leading
    /// indicators: bounds on how deep the parser can recurse, which do not depend on reading
    /// quotes or comments right (a bundled manifest has 31 brackets).
    static let maxFlowOpeners = 10_000
    static let maxLineDepth = 400
    /// The stack the parser runs on: far more than the bounds above can use.
    static let parserStack = 64 << 20

    /// Size, and bounds on nesting, from the text alone.
    static func checkText(_ text: String, path: String) throws(CensusError) {
        guard text.utf8.count <= maxBytes else {
            throw .manifest(file: path, key: "", message: "\(text.utf8.count) bytes; a manifest is at most \(maxBytes >> 20) MiB")
        }
        var openers = 0, line = 1, lineDepth = 0, atStart = true
        var previous: UInt8 = 0x0A
        for b in text.utf8 {
            if b == 0x0A { line += 1; lineDepth = 0; atStart = true; previous = b; continue }
            if b == 0x5B || b == 0x7B {
                openers += 1
                if openers > maxFlowOpeners {
                    throw .manifest(file: path, key: "", message: "line \(line): more than \(maxFlowOpeners) [ and { in one manifest")
                }
            }
            if atStart {
                // Indentation, and "- ", "? ", ": " indicators before the first other character.
                if b == 0x20 || ((b == 0x2D || b == 0x3F || b == 0x3A) && (previous == 0x20 || previous == 0x0A)) {
                    lineDepth += 1
                    if lineDepth > maxLineDepth {
                        throw .manifest(file: path, key: "", message: "line \(line): nested more than \(maxDepth) levels deep")
                    }
                } else {
                    atStart = false
                }
            }
            previous = b
        }
    }

    /// Composes the YAML on a thread with a large stack, and checks the tree there (a tree too
    /// deep is also released there): Yams' composer recurses once per level.
    static func compose(_ yaml: String, path: String) throws(CensusError) -> Node? {
        final class Outcome: @unchecked Sendable { var result: Result<Node?, CensusError> = .success(nil) }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            do {
                let root = try Yams.compose(yaml: yaml)
                if let root {
                    do throws(CensusError) { try checkNodes(root, path: path) } catch { outcome.result = .failure(error); return }
                }
                outcome.result = .success(root)
            } catch {
                let oneLine = "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                outcome.result = .failure(.manifest(file: path, key: "", message: "not valid YAML: \(oneLine)"))
            }
        }
        thread.stackSize = parserStack
        thread.start()
        done.wait()
        return try outcome.result.get()
    }

    /// The node count and depth with aliases expanded, stopping at the bounds; the error names
    /// the key path where a bound is crossed.
    static func checkNodes(_ root: Node, path: String) throws(CensusError) {
        var count = 0
        var stack: [(node: Node, key: String, depth: Int)] = [(root, "", 0)]
        func shown(_ key: String) -> String { key.count <= 60 ? key : String(key.prefix(60)) + "…" }
        while let (node, key, depth) = stack.popLast() {
            count += 1
            if count > maxNodes {
                throw .manifest(file: path, key: shown(key), message: "more than \(maxNodes) values once YAML aliases are expanded; a manifest is far smaller (nested aliases?)")
            }
            if depth > maxDepth {
                throw .manifest(file: path, key: shown(key), message: "nested more than \(maxDepth) levels deep once YAML aliases are expanded")
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
