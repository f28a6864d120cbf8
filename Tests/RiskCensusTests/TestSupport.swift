import Foundation

/// A scratch folder under the temporary directory, removed with everything in it when released.
final class TempDir {
    let path: String

    /// - Parameter create: make the folder now (otherwise the first writer makes it).
    init(_ prefix: String = "census", create: Bool = false) {
        path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
        if create { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ n: String) -> String { path + "/" + n }
}

/// A CSV file's rows as column → text (the engine's tables quote no commas in these tests).
func csvRows(_ path: String) throws -> [[String: String]] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
}

/// The properties of every feature of a GeoJSON FeatureCollection.
func features(_ path: String) throws -> [[String: Any]] {
    let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    return (root["features"] as! [[String: Any]]).map { $0["properties"] as! [String: Any] }
}

/// A JSON file's top-level object.
func jsonObject(_ path: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
}
