import RiskGeo

/// Errors of a census job, each naming the manifest key and/or the file. `exitCode` follows the
/// documented contract: 2 for an invalid manifest or a missing file, 3 for a file that exists but
/// cannot be read or holds bad values, 1 for a failure in the run.
public enum CensusError: Error, Sendable, CustomStringConvertible {
    case manifest(file: String, key: String, message: String)
    case missingFile(key: String, path: String)
    case badData(file: String, message: String)
    case geo(GeoError)
    case run(String)
    /// A command-line option or folder that cannot be used (exit 2), the option first.
    case usage(String)
    /// The run was cancelled through its `CancellationFlag`; what finished is kept.
    case cancelled
    /// A caller's input is wrong: `name` is the library's name for it (`out`, `shard`, `crs`),
    /// which a command line words as its flag (`--out`) and a service as its input.
    case input(name: String, message: String)

    public var exitCode: Int32 {
        switch self {
        case .manifest, .usage, .input: 2
        // A file named on the command line (an option) that does not exist is bad input.
        case .missingFile(let key, _): key.hasPrefix("--") ? 3 : 2
        case .badData: 3
        case .geo(let g): g.exitCode
        case .run, .cancelled: 1
        }
    }

    public var description: String {
        switch self {
        case .manifest(let f, let k, let m): k.isEmpty ? "\(f): \(m)" : "\(f): \(k): \(m)"
        case .missingFile(let k, let p): k.hasPrefix("--") ? "\(p): file not found (\(k))" : "manifest key \(k): file not found: \(p)"
        case .badData(let f, let m): "\(f): \(m)"
        case .geo(let g): g.description
        case .run(let m): m
        case .usage(let m): m
        case .cancelled: "the run was cancelled; running it again resumes from the tiles it finished"
        case .input(let name, let m): "\(name): \(m)"
        }
    }
}

extension CensusError {
    /// Any error as a census error: census errors as they are, GDAL/PROJ/GEOS errors as `.geo`,
    /// anything else as `.run`.
    init(wrapping error: any Error) {
        switch error {
        case let e as CensusError: self = e
        case let e as GeoError: self = .geo(e)
        case let e as SQLiteError where e.isDamagedFile: self = .badData(file: e.path, message: e.description.dropFirst(e.path.count + 2).description)
        default: self = .run(SystemErrorText.describe(error))
        }
    }

    /// Runs `body`, passing census errors through and turning GDAL/PROJ/GEOS errors into `.geo`
    /// (their own exit codes) and anything else into `.run`.
    static func mapping<T>(_ body: () throws -> T) throws(CensusError) -> T {
        do {
            return try body()
        } catch {
            throw CensusError(wrapping: error)
        }
    }
}
