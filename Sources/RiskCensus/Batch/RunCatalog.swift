import Foundation

/// The run catalog: a SQLite database in a run's output folder (`catalog.sqlite`) that records
/// the runs, the inputs with size, mtime and sha256, each tile job's state, and the outputs.
/// Every change is one statement or one transaction, in WAL mode, so a process killed at any
/// moment leaves a consistent catalog; a re-run reads it to skip finished tiles.
///
/// Tile jobs are (tile, part): pass 1 has one part for the exposure and one per hazard, pass 2
/// one part (`index`). A job's `key` hashes everything its result depends on (engine, grid,
/// manifest sections, input checksums, upstream keys), so a changed input recomputes exactly
/// the jobs whose key changed.
package final class RunCatalog {
    package let database: SQLiteDatabase

    /// The schema version this code writes; a catalog of another version is refused.
    package static let schemaVersion: Int64 = 2

    package enum TileState: String, Sendable { case pending, running, done, failed }

    package struct TileRecord: Sendable, Equatable {
        package var tile: Int
        package var part: String
        package var pass: Int
        package var key: String
        package var state: TileState
        package var sha256: String?
        package var stats: String?
        package var error: String?
    }

    package init(path: String) throws(SQLiteError) {
        database = try SQLiteDatabase(path: path)
        // Someone else's database is left as it is: no journal mode set, no table added.
        let tables = try database.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").compactMap { row -> String? in
            if case .text(let t) = row.first { return t } else { return nil }
        }
        if !tables.isEmpty && !tables.contains("meta") {
            throw SQLiteError(code: 26, message: "a database of another application (tables \(tables.prefix(5).joined(separator: ", ")))", sql: "", path: path)
        }
        try database.execute("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            PRAGMA busy_timeout=10000;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """)
        let rows = try database.query("SELECT value FROM meta WHERE key = 'schema_version'")
        if let v = rows.first?.first {
            guard v == .text(String(Self.schemaVersion)) else {
                throw SQLiteError(code: 0, message: "catalog schema \(v) is not \(Self.schemaVersion); run with --fresh to start over", sql: "", path: path)
            }
        }
        try database.execute("""
            CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT,
                engine_version TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, status TEXT NOT NULL,
                threads INTEGER, shard TEXT, tiles_total INTEGER, cells_total INTEGER, message TEXT);
            CREATE TABLE IF NOT EXISTS inputs (
                run_id INTEGER NOT NULL REFERENCES runs(id), path TEXT NOT NULL, size INTEGER, mtime REAL,
                sha256 TEXT NOT NULL, PRIMARY KEY (run_id, path));
            CREATE TABLE IF NOT EXISTS tiles (
                tile INTEGER NOT NULL, part TEXT NOT NULL, pass INTEGER NOT NULL, key TEXT NOT NULL,
                state TEXT NOT NULL, worker TEXT, cells INTEGER, seconds REAL, sha256 TEXT, stats TEXT, error TEXT,
                run_id INTEGER, updated TEXT, PRIMARY KEY (tile, part));
            CREATE TABLE IF NOT EXISTS tile_log (
                run_id INTEGER NOT NULL, tile INTEGER NOT NULL, part TEXT NOT NULL, key TEXT NOT NULL,
                event TEXT NOT NULL, seconds REAL, at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS steps (
                name TEXT PRIMARY KEY, key TEXT NOT NULL, state TEXT NOT NULL, run_id INTEGER, detail TEXT);
            CREATE TABLE IF NOT EXISTS outputs (
                run_id INTEGER NOT NULL REFERENCES runs(id), path TEXT NOT NULL, sha256 TEXT NOT NULL,
                key TEXT, PRIMARY KEY (run_id, path));
            INSERT OR IGNORE INTO meta VALUES ('schema_version', '\(Self.schemaVersion)');
            """)
    }

    /// Now in ISO 8601 (UTC, seconds). Foundation's format style, not ISO8601DateFormatter:
    /// the catalog stamps every tile, and a formatter costs an ICU set-up each time.
    package static var now: String { Date().formatted(.iso8601) }

    /// A value of the catalog's key-value table (`manifest_path`, `base_directory`, …).
    package func meta(_ key: String) throws(SQLiteError) -> String? {
        if case .text(let v)? = try database.query("SELECT value FROM meta WHERE key = ?", [.text(key)]).first?.first { return v }
        return nil
    }

    package func setMeta(_ key: String, _ value: String) throws(SQLiteError) {
        try database.query("INSERT OR REPLACE INTO meta VALUES (?, ?)", [.text(key), .text(value)])
    }

    /// Records the start of a run and returns its id.
    package func beginRun(manifestSHA256: String, started: String = RunCatalog.now, threads: Int = 1, shard: String? = nil,
                         tiles: Int = 0, cells: Int = 0) throws(SQLiteError) -> Int64 {
        let rows = try database.query(
            "INSERT INTO runs (started, engine_version, manifest_sha256, status, threads, shard, tiles_total, cells_total) VALUES (?, ?, ?, 'running', ?, ?, ?, ?) RETURNING id",
            [.text(started), .text(EngineInfo.version), .text(manifestSHA256), .integer(Int64(threads)),
             shard.map { .text($0) } ?? .null, .integer(Int64(tiles)), .integer(Int64(cells))])
        guard case .integer(let id)? = rows.first?.first else {
            throw SQLiteError(code: 0, message: "no run id returned", sql: "INSERT INTO runs", path: database.path)
        }
        return id
    }

    package func recordInput(run: Int64, path: String, size: Int64 = 0, mtime: Double = 0, sha256: String) throws(SQLiteError) {
        try database.query("INSERT OR REPLACE INTO inputs VALUES (?, ?, ?, ?, ?)",
                           [.integer(run), .text(path), .integer(size), .real(mtime), .text(sha256)])
    }

    /// The checksum recorded for `path` at this size and mtime by an earlier run, so unchanged
    /// inputs are not read again.
    package func knownChecksum(path: String, size: Int64, mtime: Double) throws(SQLiteError) -> String? {
        let rows = try database.query("SELECT sha256 FROM inputs WHERE path = ? AND size = ? AND mtime = ? ORDER BY run_id DESC LIMIT 1",
                                      [.text(path), .integer(size), .real(mtime)])
        if case .text(let s)? = rows.first?.first { return s }
        return nil
    }

    package func recordOutput(run: Int64, path: String, sha256: String, key: String? = nil) throws(SQLiteError) {
        try database.query("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?)", [.integer(run), .text(path), .text(sha256), key.map { .text($0) } ?? .null])
    }

    package func finishRun(_ run: Int64, status: String, finished: String = RunCatalog.now, message: String? = nil) throws(SQLiteError) {
        try database.query("UPDATE runs SET status = ?, finished = ?, message = ? WHERE id = ?",
                           [.text(status), .text(finished), message.map { .text($0) } ?? .null, .integer(run)])
    }

    /// (id, status) of every run, oldest first.
    package func runs() throws(SQLiteError) -> [(id: Int64, status: String)] {
        try database.query("SELECT id, status FROM runs ORDER BY id").compactMap { row in
            guard case .integer(let id) = row[0], case .text(let s) = row[1] else { return nil }
            return (id, s)
        }
    }

    // MARK: Tiles

    package func tile(_ tile: Int, part: String) throws(SQLiteError) -> TileRecord? {
        try database.query("SELECT tile, part, pass, key, state, sha256, stats, error FROM tiles WHERE tile = ? AND part = ?",
                           [.integer(Int64(tile)), .text(part)]).first.flatMap(Self.record)
    }

    package func tiles(pass: Int? = nil) throws(SQLiteError) -> [TileRecord] {
        let columns = "SELECT tile, part, pass, key, state, sha256, stats, error FROM tiles"
        let rows = if let pass {
            try database.query(columns + " WHERE pass = ? ORDER BY tile, part", [.integer(Int64(pass))])
        } else {
            try database.query(columns + " ORDER BY pass, tile, part")
        }
        return rows.compactMap(Self.record)
    }

    private static func record(_ r: [SQLiteDatabase.Value]) -> TileRecord? {
        guard case .integer(let t) = r[0], case .text(let part) = r[1], case .integer(let pass) = r[2], case .text(let key) = r[3],
              case .text(let s) = r[4], let state = TileState(rawValue: s) else { return nil }
        func text(_ v: SQLiteDatabase.Value) -> String? { if case .text(let x) = v { return x } else { return nil } }
        return TileRecord(tile: Int(t), part: part, pass: Int(pass), key: key, state: state, sha256: text(r[5]), stats: text(r[6]), error: text(r[7]))
    }

    package func markRunning(run: Int64, tile: Int, part: String, pass: Int, key: String, worker: String, cells: Int) throws(SQLiteError) {
        try database.query("""
            INSERT INTO tiles (tile, part, pass, key, state, worker, cells, run_id, updated) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)
            ON CONFLICT (tile, part) DO UPDATE SET pass = excluded.pass, key = excluded.key, state = 'running', worker = excluded.worker,
                cells = excluded.cells, seconds = NULL, sha256 = NULL, stats = NULL, error = NULL, run_id = excluded.run_id, updated = excluded.updated
            """, [.integer(Int64(tile)), .text(part), .integer(Int64(pass)), .text(key), .text(worker), .integer(Int64(cells)), .integer(run), .text(Self.now)])
    }

    /// Marks a job done with its file's checksum and statistics, and logs the completion, in
    /// one transaction.
    package func markDone(run: Int64, tile: Int, part: String, key: String, seconds: Double, sha256: String, stats: String) throws {
        try database.transaction {
            try database.query("UPDATE tiles SET state = 'done', key = ?, seconds = ?, sha256 = ?, stats = ?, error = NULL, run_id = ?, updated = ? WHERE tile = ? AND part = ?",
                               [.text(key), .real(seconds), .text(sha256), .text(stats), .integer(run), .text(Self.now), .integer(Int64(tile)), .text(part)])
            try database.query("INSERT INTO tile_log VALUES (?, ?, ?, ?, 'done', ?, ?)",
                               [.integer(run), .integer(Int64(tile)), .text(part), .text(key), .real(seconds), .text(Self.now)])
        }
    }

    /// Records a job done elsewhere (a shard's tile taken over by `merge`), logged as imported.
    package func importDone(run: Int64, record r: TileRecord, from source: String) throws {
        try database.transaction {
            try database.query("""
                INSERT OR REPLACE INTO tiles (tile, part, pass, key, state, worker, sha256, stats, run_id, updated)
                VALUES (?, ?, ?, ?, 'done', ?, ?, ?, ?, ?)
                """, [.integer(Int64(r.tile)), .text(r.part), .integer(Int64(r.pass)), .text(r.key), .text(source),
                      r.sha256.map { .text($0) } ?? .null, r.stats.map { .text($0) } ?? .null, .integer(run), .text(Self.now)])
            try database.query("INSERT INTO tile_log VALUES (?, ?, ?, ?, 'imported', NULL, ?)",
                               [.integer(run), .integer(Int64(r.tile)), .text(r.part), .text(r.key), .text(Self.now)])
        }
    }

    package func markFailed(run: Int64, tile: Int, part: String, seconds: Double, error: String) throws(SQLiteError) {
        try database.query("UPDATE tiles SET state = 'failed', seconds = ?, error = ?, run_id = ?, updated = ? WHERE tile = ? AND part = ?",
                           [.real(seconds), .text(error), .integer(run), .text(Self.now), .integer(Int64(tile)), .text(part)])
    }

    /// Forgets every job not in `keep` (tiles of a grid that changed).
    package func dropTiles(notIn keep: Set<String>) throws {
        let all = try tiles()
        try database.transaction {
            for r in all where !keep.contains("\(r.tile)/\(r.part)") {
                try database.query("DELETE FROM tiles WHERE tile = ? AND part = ?", [.integer(Int64(r.tile)), .text(r.part)])
            }
        }
    }

    // MARK: Steps (global work: coverage, outputs)

    package func step(_ name: String) throws(SQLiteError) -> (key: String, state: String, detail: String?)? {
        guard let r = try database.query("SELECT key, state, detail FROM steps WHERE name = ?", [.text(name)]).first,
              case .text(let k) = r[0], case .text(let s) = r[1] else { return nil }
        if case .text(let d) = r[2] { return (k, s, d) }
        return (k, s, nil)
    }

    package func setStep(_ name: String, key: String, state: String, run: Int64, detail: String? = nil) throws(SQLiteError) {
        try database.query("INSERT OR REPLACE INTO steps VALUES (?, ?, ?, ?, ?)",
                           [.text(name), .text(key), .text(state), .integer(run), detail.map { .text($0) } ?? .null])
    }
}
