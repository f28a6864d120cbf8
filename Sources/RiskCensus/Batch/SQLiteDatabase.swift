import CSQLite3

/// An error from SQLite, with the result code, SQLite's message and the SQL that caused it.
package struct SQLiteError: Error, Sendable, CustomStringConvertible {
    package var code: Int32
    package var message: String
    package var sql: String
    package var path: String
    /// One line: the statement's first line only.
    package var description: String {
        if isDamagedFile {
            return "\(path): not a run catalog this engine can read (SQLite: \(message)); it was not made by riskcensus or is damaged: move it away, or choose another output folder"
        }
        let statement = sql.split(whereSeparator: \.isNewline).first.map { String($0.prefix(80)) } ?? ""
        return "\(path): SQLite error \(code): \(message)\(statement.isEmpty ? "" : " (in: \(statement))")"
    }

    /// SQLITE_CORRUPT or SQLITE_NOTADB: the file is not a database, or a damaged one.
    package var isDamagedFile: Bool { code == 11 || code == 26 }
}

/// A SQLite database connection (`sqlite3*`), used for the run catalog. Not Sendable: a
/// connection belongs to one worker. Opening and closing are explicit; `deinit` closes a
/// connection that is still open.
package final class SQLiteDatabase {
    package let path: String
    private var db: OpaquePointer?

    /// The SQLite library version, e.g. "3.40.1".
    package static var version: String { String(cString: sqlite3_libversion()) }

    /// Opens (creating if needed) the database at `path`; `readOnly` opens an existing one
    /// without changing it.
    package init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        self.path = path
        var handle: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let rc = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let msg = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(handle)
            throw SQLiteError(code: rc, message: msg, sql: "open", path: path)
        }
        db = handle
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit { close() }

    package func close() {
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    private func error(_ rc: Int32, _ sql: String) -> SQLiteError {
        SQLiteError(code: rc, message: db.map { String(cString: sqlite3_errmsg($0)) } ?? "closed", sql: sql, path: path)
    }

    /// Runs one or more statements without results.
    package func execute(_ sql: String) throws(SQLiteError) {
        guard let db else { throw error(SQLITE_MISUSE, sql) }
        let rc = sqlite3_exec(db, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, sql) }
    }

    /// A value bound to or read from a statement.
    package enum Value: Sendable, Equatable {
        case null, integer(Int64), real(Double), text(String)
    }

    /// Runs one statement with bound parameters (`?`) and returns its rows.
    @discardableResult
    package func query(_ sql: String, _ params: [Value] = []) throws(SQLiteError) -> [[Value]] {
        guard let db else { throw error(SQLITE_MISUSE, sql) }
        var stmt: OpaquePointer?
        var rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, sql) }
        defer { sqlite3_finalize(stmt) }
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            switch p {
            case .null: rc = sqlite3_bind_null(stmt, idx)
            case .integer(let v): rc = sqlite3_bind_int64(stmt, idx, v)
            case .real(let v): rc = sqlite3_bind_double(stmt, idx, v)
            case .text(let s): rc = sqlite3_bind_text(stmt, idx, s, -1, riskcensus_sqlite_transient())
            }
            guard rc == SQLITE_OK else { throw error(rc, sql) }
        }
        var rows: [[Value]] = []
        while true {
            rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error(rc, sql) }
            rows.append((0..<sqlite3_column_count(stmt)).map { c in
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: .integer(sqlite3_column_int64(stmt, c))
                case SQLITE_FLOAT: .real(sqlite3_column_double(stmt, c))
                case SQLITE_NULL: .null
                default: .text(String(cString: sqlite3_column_text(stmt, c)))
                }
            })
        }
        return rows
    }

    /// Runs `body` in a transaction, committed when it returns and rolled back when it throws.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let r = try body()
            try execute("COMMIT")
            return r
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
