import Foundation
import Testing
@testable import RiskCensus

@Suite struct RunCatalogTests {
    private func tempPath() -> String { NSTemporaryDirectory() + "catalog-\(UUID().uuidString).sqlite" }

    @Test func runsInputsAndOutputsPersistAcrossReopen() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let c = try RunCatalog(path: path)
            let run = try c.beginRun(manifestSHA256: "abc", started: "2026-11-22T10:00:00Z")
            try c.recordInput(run: run, path: "datasets/olinda/olinda_dem_utm25s.tif", sha256: "6954")
            try c.recordOutput(run: run, path: "maps/risk.tif", sha256: "ff")
            try c.finishRun(run, status: "ok", finished: "2026-11-22T10:05:00Z")
            _ = try c.beginRun(manifestSHA256: "abc", started: "2026-11-22T11:00:00Z")
            c.database.close()
        }
        let c = try RunCatalog(path: path)
        let runs = try c.runs()
        #expect(runs.map(\.status) == ["ok", "running"])
        #expect(try c.database.query("SELECT sha256 FROM inputs WHERE run_id = ?", [.integer(runs[0].id)]) == [[.text("6954")]])
        #expect(try c.database.query("SELECT engine_version FROM runs LIMIT 1") == [[.text(EngineInfo.version)]])
    }

    @Test func aCatalogOfAnotherSchemaIsRefused() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let db = try SQLiteDatabase(path: path)
            try db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '99');")
            db.close()
        }
        #expect(throws: SQLiteError.self) { try RunCatalog(path: path) }
    }

    @Test func transactionsRollBackOnError() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try SQLiteDatabase(path: path)
        try db.execute("CREATE TABLE t (x INTEGER)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.query("INSERT INTO t VALUES (?)", [.integer(1)])
                throw Boom()
            }
        }
        #expect(try db.query("SELECT count(*) FROM t") == [[.integer(0)]])
        #expect(throws: SQLiteError.self) { try db.execute("SELECT * FROM missing_table") }
    }

    @Test func libraryVersionsAreRecordedForProvenance() {
        let libs = EngineInfo.libraries
        #expect(libs["gdal"]?.hasPrefix("3.") == true)
        #expect(libs["sqlite"]?.hasPrefix("3.") == true)
        #expect(libs["geos"]?.isEmpty == false)
    }
}
