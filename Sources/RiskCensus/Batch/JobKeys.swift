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
    private let hazardBase: [String]

    init(plan: CensusPlan, checksums: [String: String]) throws {
        self.plan = plan
        self.checksums = checksums
        let m = plan.manifest
        let grid = plan.grid
        let gridText = "\(grid.crs?.description ?? "")|\(grid.transform.gdalCoefficients)|\(grid.width)x\(grid.height)"
        func section<T: Encodable>(_ name: String, _ value: T?) throws -> String {
            guard let value else { return "\(name)=null" }
            let e = JSONEncoder()
            e.keyEncodingStrategy = .convertToSnakeCase
            e.outputFormatting = [.sortedKeys]
            let data = try e.encode(value)
            // The checksums of the files the section names.
            var files: [String] = []
            func walk(_ v: Any) {
                if let s = v as? String {
                    let r = resolve(s, base: plan.base)
                    if let c = checksums[r] { files.append("\(s)=\(c)") }
                } else if let a = v as? [Any] {
                    a.forEach(walk)
                } else if let d = v as? [String: Any] {
                    d.keys.sorted().forEach { walk(d[$0]!) }
                }
            }
            walk(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
            return "\(name)=" + String(decoding: data, as: UTF8.self) + "|files=" + files.joined(separator: ",")
        }
        let regionFile = "region-file=" + (checksums[plan.regionPath] ?? "")
        exposureBase = Self.hash(["exposure", EngineInfo.version, EngineInfo.buildID, gridText, try section("region", m.region), regionFile,
                                  try section("exposure", m.exposure), try section("capacity", m.capacity)])
        hazardBase = try m.hazards.map { h in
            Self.hash(["hazard", try section("hazard", h), try section("eal", m.eal)])
        }
    }

    static func hash(_ parts: [String]) -> String {
        var s = SHA256()
        for p in parts {
            s.update(Array(p.utf8))
            s.update([0])
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

    /// Any global step: its name, the engine and grid, and the given parts.
    func step(_ name: String, _ parts: [String]) -> String {
        Self.hash([name, EngineInfo.version, exposureBase] + parts)
    }

    /// The manifest sections as JSON (for the output step's key).
    func manifestText() throws -> String {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(plan.manifest), as: UTF8.self)
    }
}
