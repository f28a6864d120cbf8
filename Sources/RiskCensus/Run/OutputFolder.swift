import Foundation
import RiskGeo

/// The checks a command makes before it reads or writes anything: its input paths pass the
/// input rules (`InputPolicy`), named by option; its output folder is local, not under
/// `/proc`, `/sys` or `/dev`, not a file, and holds no input under a name the command writes.
package enum OutputFolder {
    /// Refuses (exit 2) a path the input rules refuse, naming its option. A missing file is
    /// left to the reader, which reports it (exit 3).
    package static func checkInputs(_ inputs: [(option: String, path: String?)]) throws(CensusError) {
        for (option, path) in inputs {
            guard let path else { continue }
            do throws(GeoError) {
                try InputPolicy.current.check(path)
            } catch {
                if case .fileNotFound = error { continue }
                throw .input(name: option, message: error.description)
            }
        }
    }

    /// Refuses an output folder that is remote, special or a file, and one where an output named
    /// in `writes` would overwrite an input (exit 2, before anything is written).
    package static func check(_ out: String, option: String = "out", writes names: [String], inputs: [String]) throws(CensusError) {
        if InputPolicy.remoteLocation(out) != nil || out.hasPrefix("/vsi") || out.contains("://") {
            throw .input(name: option, message: "\(out): outputs are written to a local folder, not a remote location")
        }
        // As written (dots removed, links not followed), and as resolved.
        let given = URL(fileURLWithPath: out.hasPrefix("/") ? out : FileManager.default.currentDirectoryPath + "/" + out).standardized.path
        for special in ["/proc", "/sys", "/dev"] {
            guard [given, resolvedAsFarAsItExists(out)].contains(where: { $0 == special || $0.hasPrefix(special + "/") }) else { continue }
            throw .input(name: option, message: "\(out): \(special) holds the system's special files; choose a folder for the outputs")
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir), !isDir.boolValue {
            throw .input(name: option, message: "\(out) is a file; give a folder for the outputs")
        }
        let inputSet = Set(inputs.filter { FileManager.default.fileExists(atPath: $0) }.map(resolvedAsFarAsItExists))
        for name in names where inputSet.contains(resolvedAsFarAsItExists((out as NSString).appendingPathComponent(name))) {
            throw .input(name: option, message: "\(out) holds the input \(name), which the output of that name would overwrite; choose another output folder")
        }
    }

    /// The absolute path with symbolic links followed for the part that exists.
    static func resolvedAsFarAsItExists(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var head = (absolute as NSString).standardizingPath
        var tail: [String] = []
        while !head.isEmpty, head != "/", !FileManager.default.fileExists(atPath: head) {
            tail.insert((head as NSString).lastPathComponent, at: 0)
            head = (head as NSString).deletingLastPathComponent
        }
        let real = URL(fileURLWithPath: head).resolvingSymlinksInPath().path
        return tail.isEmpty ? real : (real as NSString).appendingPathComponent(tail.joined(separator: "/"))
    }

    /// What `impact` writes.
    package static let impactOutputs = ["at_event.csv", "eai_exp.csv", "eai_exp.geojson", "eai_exp.qml", "eai_exp.sld", "exceedance.csv",
                                        "impact_matrix.csv", "summary.json"]
    /// What `damage` and `losses` write.
    package static let scenarioOutputs = ["damage_by_asset.csv", "damage_total.csv", "consequences_by_asset.csv", "consequences_total.csv",
                                         "losses_by_asset.csv", "losses_by_event.csv", "losses_by_taxonomy.csv", "losses_total.csv", "summary.json"]
    /// What `coverage` writes.
    package static let coverageOutputs = ["blind_zones.geojson", "coverage_cells.geojson", "demand.csv", "districts.csv", "fire_stations.csv",
                                         "residents.tif", "shelters.geojson", "siting.csv", "siting.geojson", "summary.json", "supply.csv"]
        + CoverageOutputs.styledFiles.flatMap { f in [".qml", ".sld"].map { ((f as NSString).deletingPathExtension) + $0 } }
}
