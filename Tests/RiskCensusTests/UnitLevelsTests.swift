import Foundation
import Testing
@testable import RiskCensus
import RiskCore
import RiskGeo



/// Units within units: tracts in halves, each level's table adding up to the next.
@Suite struct UnitLevelsTests {
    let hazards = LevelHazardFixture.flood + "\n" + LevelHazardFixture.geological()
    static let derived = "{layer: tracts.geojson, name_field: name, code_field: code, units: tracts, parents: [{units: halves, parent_field: half, name_field: half_name}]}"
    static let layered = "{layer: tracts.geojson, name_field: name, code_field: code, units: tracts, parents: [{units: halves, parent_field: half, layer: halves.geojson, name_field: label, code_field: id}]}"

    private func run(region: String) throws -> (TempDir, CensusResult) {
        let dir = TempDir()
        let manifest = try LevelHazardFixture.write(into: dir.path, hazards: hazards, region: region)
        return (dir, try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 2))
    }

    /// The error planning gives with the tracts naming `parentCodes`; nil when it plans.
    private func planFailure(region: String, parentCodes: [String]) throws -> CensusError? {
        let dir = TempDir()
        let manifest = try LevelHazardFixture.write(into: dir.path, hazards: hazards, region: region)
        try LevelHazardFixture.writeTracts(into: dir.path, parentCodes: parentCodes)
        do {
            _ = try Census(manifestPath: manifest)
            return nil
        } catch {
            return error
        }
    }

    /// Every numeric column of the upper table equals the sum over its children in the lower.
    private func checkAddsUp(lower: [[String: String]], upper: [[String: String]]) {
        for u in upper {
            let children = lower.filter { $0["parent_code"] == u["code"] }
            #expect(!children.isEmpty, "unit \(u["code"]!) has no children")
            for (column, value) in u where !["name", "code", "parent_code", "eal_to_gdp", "fatalities_per_million"].contains(column) {
                guard let total = Double(value) else { continue }
                let sum = children.reduce(0.0) { $0 + (Double($1[column] ?? "") ?? .nan) }
                #expect(abs(sum - total) <= 1e-9 * max(1, abs(total)), "\(u["code"]!).\(column): \(total) vs Σ children \(sum)")
            }
        }
    }

    @Test func derivedParentsAddUp() throws {
        let (dir, result) = try run(region: Self.derived)
        #expect(result.files.contains("tracts.csv") && result.files.contains("halves.geojson") && !result.files.contains("districts.csv"))
        let tracts = try csvRows(dir.file("out/tracts.csv")), halves = try csvRows(dir.file("out/halves.csv"))
        #expect(tracts.count == 4 && halves.count == 2)
        #expect(Set(tracts.map { $0["parent_code"]! }) == ["W", "E"])
        #expect(Set(halves.map { $0["name"]! }) == ["West", "East"])
        checkAddsUp(lower: tracts, upper: halves)
        // The halves' geometry is the union of their tracts: one polygon each, 1 km × 2 km.
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("out/halves.geojson")))) as! [String: Any]
        let features = root["features"] as! [[String: Any]]
        #expect(features.allSatisfy { (($0["geometry"] as? [String: Any])?["type"] as? String) == "Polygon" })
        // The coverage of the run is not asked for here; provenance lists both levels.
        let prov = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("out/provenance.json")))) as! [String: Any]
        #expect((prov["units"] as? [[String: Any]])?.map { $0["name"] as! String } == ["tracts", "halves"])
    }

    @Test func parentsFromTheirOwnLayerAddUp() throws {
        let (dir, _) = try run(region: Self.layered)
        let tracts = try csvRows(dir.file("out/tracts.csv")), halves = try csvRows(dir.file("out/halves.csv"))
        #expect(Set(halves.map { $0["name"]! }) == ["West half", "East half"])
        checkAddsUp(lower: tracts, upper: halves)
        // Population by half, from the fixture: Σ (1 + row + col) over the half's columns.
        let west = (0..<20).flatMap { r in (0..<10).map { LevelHazardFixture.population(col: $0, row: r) } }.reduce(0, +)
        #expect(Double(halves.first { $0["code"] == "W" }!["population"]!)! == west)
    }

    @Test func aParentCodeThatIsNoUnitIsBadData() throws {
        let error = try planFailure(region: Self.layered, parentCodes: ["W", "E", "X", "E"])
        guard case .badData(let file, let message)? = error else { Issue.record("expected bad data, got \(String(describing: error))"); return }
        #expect(file.hasSuffix("tracts.geojson") && message.contains("\"X\"") && message.contains("half") && message.contains("halves.geojson"))
        #expect(error?.exitCode == 3)
    }

    @Test func childrenWithoutAParentCodeJoinTheUnassignedUnit() throws {
        let dir = TempDir()
        let region = "{layer: tracts.geojson, name_field: name, code_field: code, units: tracts, parents: [{units: halves, parent_field: half, name_field: half_name, unassigned: {code: none, name: No half}}]}"
        let manifest = try LevelHazardFixture.write(into: dir.path, hazards: hazards, region: region)
        try LevelHazardFixture.writeTracts(into: dir.path, parentCodes: ["W", "E", "", "E"])
        _ = try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 1)
        let tracts = try csvRows(dir.file("out/tracts.csv")), halves = try csvRows(dir.file("out/halves.csv"))
        #expect(Set(halves.map { $0["code"]! }) == ["W", "E", "none"] && halves.first { $0["code"] == "none" }?["name"] == "No half")
        checkAddsUp(lower: tracts, upper: halves)
        // Without `unassigned`, the empty code is bad data naming the field.
        let strict = try #require(try planFailure(region: Self.derived, parentCodes: ["W", "E", "", "E"]))
        #expect(strict.exitCode == 3 && strict.description.contains("\"half\"") && strict.description.contains("unit 3"))
    }

    @Test func levelNamesAreCheckedInTheManifest() throws {
        for (region, key) in [
            ("{layer: tracts.geojson, name_field: name, units: provenance}", "region.units"),
            ("{layer: tracts.geojson, name_field: name, units: tracts, parents: [{units: tracts, parent_field: half, name_field: half_name}]}", "region.parents[0].units"),
            ("{layer: tracts.geojson, name_field: name, parents: [{units: halves, parent_field: nope, name_field: half_name}]}", "region.parents[0].parent_field"),
            ("{layer: tracts.geojson, name_field: name, parents: [{units: halves, parent_field: half, layer: halves.geojson, name_field: label}]}", "region.parents[0].code_field"),
            ("{layer: tracts.geojson, name_field: name, units: \"../x\"}", "region.units"),
        ] {
            let dir = TempDir()
            let manifest = try LevelHazardFixture.write(into: dir.path, hazards: hazards, region: region)
            do {
                _ = try Census(manifestPath: manifest)
                Issue.record("expected a manifest error for \(region)")
            } catch {
                guard case .manifest(_, let k, _) = error else { Issue.record("expected a manifest error, got \(error)"); continue }
                #expect(k == key, "\(region)")
            }
        }
    }
}
