/// The run catalog: a SQLite database in a run's output folder that records the run, its inputs
/// with checksums, and its outputs. The census run (a later layer) adds per-tile state to it so a
/// killed run can resume.
public final class RunCatalog {
    public let database: SQLiteDatabase

    /// The schema version this code writes; a catalog of another version is refused.
    public static let schemaVersion: Int64 = 1

    public init(path: String) throws(SQLiteError) {
        database = try SQLiteDatabase(path: path)
        try database.execute("""
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT,
                engine_version TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, status TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS inputs (
                run_id INTEGER NOT NULL REFERENCES runs(id), path TEXT NOT NULL, sha256 TEXT NOT NULL,
                PRIMARY KEY (run_id, path));
            CREATE TABLE IF NOT EXISTS outputs (
                run_id INTEGER NOT NULL REFERENCES runs(id), path TEXT NOT NULL, sha256 TEXT NOT NULL,
                PRIMARY KEY (run_id, path));
            """)
        let rows = try database.query("SELECT value FROM meta WHERE key = 'schema_version'")
        if let v = rows.first?.first {
            guard v == .text(String(Self.schemaVersion)) else {
                throw SQLiteError(code: 0, message: "catalog schema \(v) is not \(Self.schemaVersion)", sql: "", path: path)
            }
        } else {
            try database.query("INSERT INTO meta VALUES ('schema_version', ?)", [.text(String(Self.schemaVersion))])
        }
    }

    /// Records the start of a run and returns its id.
    public func beginRun(manifestSHA256: String, started: String) throws(SQLiteError) -> Int64 {
        let rows = try database.query(
            "INSERT INTO runs (started, engine_version, manifest_sha256, status) VALUES (?, ?, ?, 'running') RETURNING id",
            [.text(started), .text(EngineInfo.version), .text(manifestSHA256)])
        guard case .integer(let id)? = rows.first?.first else {
            throw SQLiteError(code: 0, message: "no run id returned", sql: "INSERT INTO runs", path: database.path)
        }
        return id
    }

    public func recordInput(run: Int64, path: String, sha256: String) throws(SQLiteError) {
        try database.query("INSERT OR REPLACE INTO inputs VALUES (?, ?, ?)", [.integer(run), .text(path), .text(sha256)])
    }

    public func recordOutput(run: Int64, path: String, sha256: String) throws(SQLiteError) {
        try database.query("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)", [.integer(run), .text(path), .text(sha256)])
    }

    public func finishRun(_ run: Int64, status: String, finished: String) throws(SQLiteError) {
        try database.query("UPDATE runs SET status = ?, finished = ? WHERE id = ?", [.text(status), .text(finished), .integer(run)])
    }

    /// (id, status) of every run, oldest first.
    public func runs() throws(SQLiteError) -> [(id: Int64, status: String)] {
        try database.query("SELECT id, status FROM runs ORDER BY id").compactMap { row in
            guard case .integer(let id) = row[0], case .text(let s) = row[1] else { return nil }
            return (id, s)
        }
    }
}
