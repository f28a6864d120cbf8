import Foundation
import Testing

/// The layers of the design (../shared/DESIGN.md) as a table of allowed imports: every Swift
/// file of every module, in every subfolder, may import only what its module's row lists.
/// RiskCore imports no C module and no Foundation; only RiskGeo reaches GDAL, PROJ and GEOS.
@Suite struct LayeringTests {
    private let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// The standard library and toolchain modules any module may use (RiskCore excepted).
    static let system: Set<String> = ["Foundation", "FoundationXML", "Dispatch", "Glibc", "Darwin", "Synchronization"]

    /// Module → the project and package modules it may import.
    static let allowed: [String: Set<String>] = [
        "RiskCore": ["RealModule", "Dispatch", "Glibc", "Darwin", "Synchronization"],
        "RiskGeo": system.union(["RiskCore", "CGDAL", "CPROJ", "CGEOS"]),
        "RiskOptimize": system.union(["RiskCore", "CGLPK"]),
        "RiskMaps": system.union(["RiskCore", "CCairo"]),
        "RiskCensus": system.union(["RiskCore", "RiskGeo", "RiskOptimize", "RiskMaps", "CSQLite3", "CCrypto", "CXXHash", "Yams"]),
        // The service speaks HTTP through Hummingbird (and the NIO types it hands out) and works
        // through the library; it reaches no C library itself.
        "RiskService": system.union(["RiskCensus", "RiskGeo", "RiskCore", "Hummingbird", "NIOCore", "HTTPTypes", "Logging"]),
        "riskcensus": system.union(["RiskCensus", "RiskGeo", "RiskCore", "RiskMaps", "RiskOptimize", "RiskService", "ArgumentParser"]),
    ]

    /// Every `import X` (with or without attributes such as `@testable` or `public`) of every
    /// Swift file under `Sources/<module>`, recursively, with the file it is in.
    private func imports(of module: String) throws -> [(file: String, module: String)] {
        let dir = sources.appendingPathComponent(module)
        guard let walker = FileManager.default.enumerator(atPath: dir.path) else { return [] }
        var found: [(String, String)] = []
        while let name = walker.nextObject() as? String {
            guard name.hasSuffix(".swift") else { continue }
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
                      words[..<i].allSatisfy({ $0.hasPrefix("@") || ["public", "internal", "private", "fileprivate", "package"].contains($0) })
                else { continue }
                // `import struct Foo.Bar` names its kind first.
                var target = words[i + 1]
                if ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"].contains(target), i + 2 < words.count {
                    target = words[i + 2]
                }
                found.append((name, String(target.split(separator: ".").first ?? target)))
            }
        }
        return found
    }

    @Test func everyModuleImportsOnlyWhatItsLayerAllows() throws {
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path)
            .filter { !$0.hasPrefix("C") && !$0.hasPrefix(".") }
        #expect(Set(modules) == Set(Self.allowed.keys), "a module without a row in the table: \(modules)")
        for module in modules {
            for (file, imported) in try imports(of: module) {
                #expect(Self.allowed[module]?.contains(imported) == true, "Sources/\(module)/\(file) imports \(imported)")
            }
        }
    }

    @Test func theWalkFindsImportsInSubfolders() throws {
        // RiskCore keeps its census maths in Census/, which imports nothing but the standard
        // library; RiskCensus's Run/ imports RiskGeo: a walk that missed subfolders would not see it.
        #expect(try imports(of: "RiskCensus").contains { $0.file.hasPrefix("Run/") && $0.module == "RiskGeo" })
    }
}
