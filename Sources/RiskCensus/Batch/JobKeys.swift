import Foundation
import RiskCore

/// The keys of a run's jobs: a sha256 over everything a result depends on. A job whose key is
/// unchanged since it was done is skipped; one whose key changed is recomputed. Keys cover the
/// engine version, the grid and the tile window, the manifest sections the job reads, and the
/// content checksums of the files those sections name, so touching one hazard file recomputes
/// that hazard's tiles, then pass 2 and the outputs, and nothing else.
struct JobKeys: Sendable {
    let plan: CensusPlan
    /// sha256 of every input file, by resolved path.
    let checksums: [String: String]
    private let exposureBase: String
    /// The engine build and the grid, which every job depends on.
    private let engineAndGrid: String
    private let hazardBase: [String]
    /// The region's section and file.
    private let regionBase: String

    init(plan: CensusPlan, checksums: [String: String]) throws {
        self.plan = plan
        self.checksums = checksums
        let m = plan.sections
        let grid = plan.grid
        let gridText = "\(grid.crs?.description ?? "")|\(grid.transform.gdalCoefficients)|\(grid.width)x\(grid.height)|refinement=\(plan.refinement)"
        let regionFile = "region-file=" + (checksums[plan.region.path] ?? "")
        engineAndGrid = Self.hash([EngineInfo.version, EngineInfo.buildID, gridText])
        regionBase = Self.hash([try Self.section("region", m.region, plan: plan, checksums: checksums), regionFile])
        exposureBase = Self.hash(["exposure", engineAndGrid,
                                  try Self.section("region", m.region, plan: plan, checksums: checksums), regionFile,
                                  try Self.section("exposure", m.exposure, plan: plan, checksums: checksums),
                                  try Self.section("capacity", m.capacity, plan: plan, checksums: checksums),
                                  try Self.section("mask", m.mask, plan: plan, checksums: checksums)])
        hazardBase = try m.hazards.map { h in
            Self.hash(["hazard", try Self.section("hazard", h, plan: plan, checksums: checksums),
                       try Self.section("eal", m.eal, plan: plan, checksums: checksums)])
        }
    }

    /// A manifest section (sorted JSON, as the plan recorded it), followed by the checksums of
    /// the files it names (strings that resolve to an input file).
    static func section(_ name: String, _ json: String, plan: CensusPlan, checksums: [String: String]) throws -> String {
        guard json != "null" else { return "\(name)=null" }
        let data = Data(json.utf8)
        var files: [String] = []
        func walk(_ v: Any) {
            if let s = v as? String {
                if let c = checksums[resolve(s, base: plan.base)] { files.append("\(s)=\(c)") }
            } else if let a = v as? [Any] {
                a.forEach(walk)
            } else if let d = v as? [String: Any] {
                d.keys.sorted().forEach { walk(d[$0]!) }
            }
        }
        walk(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
        return "\(name)=" + String(decoding: data, as: UTF8.self) + "|files=" + files.joined(separator: ",")
    }

    /// The coverage step: its section, the population it reads, and the files both name.
    func coverage() throws -> String {
        step("coverage", [try Self.section("coverage", plan.sections.coverage, plan: plan, checksums: checksums),
                          try Self.section("population", plan.sections.population, plan: plan, checksums: checksums),
                          try Self.section("region", plan.sections.region, plan: plan, checksums: checksums)])
    }

    static func hash(_ parts: [String]) -> String {
        var s = SHA256()
        for p in parts {
            var p = p
            p.withUTF8 { s.update(UnsafeRawBufferPointer($0)) }
            withUnsafeBytes(of: 0 as UInt8) { s.update($0) }
        }
        return s.finalize()
    }

    static func windowText(_ w: Window) -> String { "\(w.colOff),\(w.rowOff),\(w.width),\(w.height)" }

    func exposure(_ tile: Window) -> String { Self.hash([exposureBase, Self.windowText(tile)]) }

    func hazard(_ h: Int, _ tile: Window) -> String { Self.hash([hazardBase[h], exposure(tile)]) }

    /// Pass 2 of a tile: its pass-1 keys, the region-wide normalisation and the capacity source.
    func index(_ tile: Window, parameters: String, capacity: String) -> String {
        Self.hash(["index", exposure(tile)] + plan.hazards.indices.map { hazard($0, tile) } + [parameters, capacity])
    }

    /// The derivation of hazard `h`'s levels: its section with its files, the region and the
    /// compute grid it is made on (the grid's part of every key).
    func derivation(_ h: Int) -> String {
        Self.hash(["derive", engineAndGrid, hazardBase[h], regionBase])
    }

    /// Any global step: its name, the engine and grid, and the given parts.
    func step(_ name: String, _ parts: [String]) -> String {
        Self.hash([name, engineAndGrid] + parts)
    }

}
