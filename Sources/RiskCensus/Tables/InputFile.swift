import Foundation
import RiskCore
import RiskGeo

/// Reads a local input file whole (tables, NRML, manifests) after the checks every input passes:
/// `InputPolicy.current` (no special files, no remote paths, inside the data root) and the
/// memory budget, which the file's size times `sizeFactor` (its parsed form) must fit.
/// `maxBytes` bounds a manifest (exit 2 when it is larger).
enum InputFile {
    static func data(_ path: String, what: String, sizeFactor: Int = 1, maxBytes: Int? = nil,
                     missing: (String) -> CensusError) throws(CensusError) -> Data {
        if let remote = InputPolicy.remoteLocation(path) {
            throw .geo(.refused(path: path, reason: "a remote location (\(remote.scheme)://\(remote.host)); \(what) is read from a local file"))
        }
        let access: InputPolicy.Access
        do throws(GeoError) {
            access = try InputPolicy.current.check(path)
        } catch {
            if case .fileNotFound = error { throw missing(path) }
            throw .geo(error)
        }
        guard case .local(let resolved) = access else {
            throw .geo(.refused(path: path, reason: "\(what) must be a local file"))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: resolved)[.size] as? Int) ?? 0
        if let maxBytes, size > maxBytes {
            throw .manifest(file: path, key: "", message: "\(size) bytes; \(what) is at most \(MemoryBudget.describe(maxBytes))")
        }
        guard MemoryBudget.allows(count: size, size: sizeFactor) else {
            throw .geo(.overBudget(path: path, what: "reading \(what) (\(MemoryBudget.describe(size)))",
                                   bytes: MemoryBudget.estimate(count: size, size: sizeFactor), budget: MemoryBudget.bytes))
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: resolved, isDirectory: &isDir), isDir.boolValue {
            if maxBytes != nil { throw .manifest(file: path, key: "", message: "a folder, expected \(what) as a file") }
            throw .badData(file: path, message: "a folder, expected \(what) as a file")
        }
        // FoundationEssentials leaks a 4 KiB buffer reading an empty file.
        if size == 0 { return Data() }
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw .badData(file: path, message: "cannot read \(what)")
        }
        return data
    }

    /// The file as UTF-8 text.
    static func text(_ path: String, what: String, sizeFactor: Int = 1, maxBytes: Int? = nil,
                     missing: (String) -> CensusError) throws(CensusError) -> String {
        let data = try data(path, what: what, sizeFactor: sizeFactor, maxBytes: maxBytes, missing: missing)
        guard let text = String(data: data, encoding: .utf8) else {
            // A manifest (bounded by maxBytes) is usage; any other table is bad input.
            if maxBytes != nil { throw .manifest(file: path, key: "", message: "\(what) is not UTF-8 text") }
            throw .badData(file: path, message: "\(what) is not UTF-8 text")
        }
        return text
    }
}
