import Foundation
import Testing

/// The layer rules of the design: RiskCore imports no C module, and only RiskGeo imports GDAL,
/// PROJ and GEOS (RiskCensus may use SQLite for its catalog).
@Suite struct LayeringTests {
    private let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    private func imports(of module: String) throws -> Set<String> {
        let dir = sources.appendingPathComponent(module)
        var found = Set<String>()
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".swift") {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                if let i = words.firstIndex(of: "import"), i + 1 < words.count { found.insert(String(words[i + 1])) }
            }
        }
        return found
    }

    /// RiskCore uses no system library; its only C is the bundled kernel loop (CRiskKernel).
    @Test func riskCoreImportsNoSystemCLibrary() throws {
        let found = try imports(of: "RiskCore")
        #expect(found.isDisjoint(with: ["CGDAL", "CPROJ", "CGEOS", "CSQLite3", "Foundation"]), "\(found)")
    }

    @Test func onlyRiskGeoImportsGDALPROJAndGEOS() throws {
        for module in ["RiskCensus", "riskcensus"] {
            let found = try imports(of: module)
            #expect(found.isDisjoint(with: ["CGDAL", "CPROJ", "CGEOS"]), "\(module) imports \(found)")
        }
        #expect(try imports(of: "RiskGeo").isSuperset(of: ["CGDAL", "CPROJ", "CGEOS"]))
    }
}
