import RiskCore
/// Errors from RiskGeo. Every case names the file (or CRS, or operation) it concerns, so the CLI can
/// print it in one line. Failures of bad input are kept apart from failures of the library or the
/// machine: `isBadInput` decides exit code 3 versus 1.
public enum GeoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// GDAL could not open the file as the kind of data asked for ("raster", "vector", "dataset").
    case openFailed(path: String, kind: String, reason: String)
    /// A read from an opened file failed (truncated or corrupt data, bad window, bad band).
    case readFailed(path: String, operation: String, reason: String)
    /// The file, layer or band holds values the engine cannot use.
    case invalidData(path: String, location: String, reason: String)
    /// The data has no coordinate reference system and none was stated for it.
    case missingCRS(path: String)
    /// A CRS definition could not be resolved by PROJ/GDAL.
    case invalidCRS(definition: String, reason: String)
    /// Coordinates could not be transformed between two CRSs.
    case transformFailed(from: String, to: String, reason: String)
    /// A geometry operation failed in GEOS.
    case geometryFailed(operation: String, reason: String)
    /// Writing an output failed; nothing was left under the final name.
    case writeFailed(path: String, operation: String, reason: String)
    /// The input policy refuses the path: a remote location not allowed, a connection string, a
    /// special file, a path outside the data root (see `InputPolicy`).
    case refused(path: String, reason: String)
    /// Reading the input would take more memory than the budget allows.
    case overBudget(path: String, what: String, bytes: Int, budget: Int)

    /// True when the cause is the input data rather than the library or the machine (exit 3, not 1).
    public var isBadInput: Bool {
        switch self {
        case .fileNotFound, .openFailed, .readFailed, .invalidData, .missingCRS, .invalidCRS, .overBudget: true
        case .transformFailed, .geometryFailed, .writeFailed, .refused: false
        }
    }

    /// The file the error concerns, when it concerns one.
    public var path: String? {
        switch self {
        case .fileNotFound(let p), .openFailed(let p, _, _), .readFailed(let p, _, _), .invalidData(let p, _, _),
             .missingCRS(let p), .writeFailed(let p, _, _), .refused(let p, _), .overBudget(let p, _, _, _): p
        case .invalidCRS, .transformFailed, .geometryFailed: nil
        }
    }

    /// The documented exit code: 2 for a path the input policy refuses, 3 for bad input data, 1 for
    /// a failure of the library or the machine.
    public var exitCode: Int32 {
        if case .refused = self { return 2 }
        return isBadInput ? 3 : 1
    }

    public var description: String {
        switch self {
        case .fileNotFound(let p): "\(p): file not found"
        case .openFailed(let p, let kind, let r): "\(p): cannot open as \(kind): \(r)"
        case .readFailed(let p, let op, let r): "\(p): \(op) failed: \(r)"
        case .invalidData(let p, let loc, let r): "\(p): \(loc): \(r)"
        case .missingCRS(let p): "\(p): no coordinate reference system in the file and none was given; state the CRS explicitly"
        case .invalidCRS(let d, let r): "invalid CRS \(d.prefix(80)): \(r)"
        case .transformFailed(let a, let b, let r): "cannot transform coordinates from \(a) to \(b): \(r)"
        case .geometryFailed(let op, let r): "GEOS \(op) failed: \(r)"
        case .writeFailed(let p, let op, let r): "\(p): \(op) failed: \(r)"
        case .refused(let p, let r): "\(p): refused as an input: \(r)"
        case .overBudget(let p, let what, let bytes, let budget):
            "\(p): \(what) needs \(MemoryBudget.describe(bytes)), over the memory budget of \(MemoryBudget.describe(budget)) (--max-memory)"
        }
    }
}
