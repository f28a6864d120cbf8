import Foundation

/// What the catalog of an output folder says about its batch, running or finished: the last
/// run, tile jobs by pass and state, timings, failures and outputs.
public struct RunStatus: Sendable, CustomStringConvertible {
    public struct Pass: Sendable {
        public var pass: Int
        public var states: [String: Int]
        public var seconds: Double
        public var cells: Int
    }

    public var folder: String
    public var run: (id: Int64, status: String, started: String, finished: String?, threads: Int, shard: String?, tiles: Int, message: String?)?
    public var passes: [Pass]
    public var failures: [(tile: Int, part: String, error: String)]
    public var outputs: Int
    /// Whether a process holds the folder's run lock now.
    public var running: Bool

    /// Reads `<dir>/catalog.sqlite` without changing it.
    public init(folder dir: String) throws(CensusError) {
        folder = dir
        let path = (dir as NSString).appendingPathComponent("catalog.sqlite")
        try OutputFolder.checkInputs([("DIR", dir)])
        guard FileManager.default.fileExists(atPath: path) else { throw CensusError.badData(file: dir, message: "no catalog.sqlite; no census has run here") }
        do {
            let db = try SQLiteDatabase(path: path)
            defer { db.close() }
            try db.execute("PRAGMA busy_timeout=10000")
            func text(_ v: SQLiteDatabase.Value) -> String? { if case .text(let s) = v { s } else { nil } }
            func int(_ v: SQLiteDatabase.Value) -> Int { if case .integer(let i) = v { Int(i) } else { 0 } }
            func real(_ v: SQLiteDatabase.Value) -> Double { if case .real(let d) = v { d } else if case .integer(let i) = v { Double(i) } else { 0 } }
            if let r = try db.query("SELECT id, status, started, finished, threads, shard, tiles_total, message FROM runs ORDER BY id DESC LIMIT 1").first {
                run = (Int64(int(r[0])), text(r[1]) ?? "", text(r[2]) ?? "", text(r[3]), int(r[4]), text(r[5]), int(r[6]), text(r[7]))
            } else {
                run = nil
            }
            var byPass: [Int: Pass] = [:]
            for r in try db.query("SELECT pass, state, count(*), sum(coalesce(seconds, 0)), sum(CASE WHEN state = 'done' THEN coalesce(cells, 0) ELSE 0 END) FROM tiles GROUP BY pass, state") {
                let p = int(r[0])
                var entry = byPass[p] ?? Pass(pass: p, states: [:], seconds: 0, cells: 0)
                entry.states[text(r[1]) ?? "?"] = int(r[2])
                entry.seconds += real(r[3])
                entry.cells += int(r[4])
                byPass[p] = entry
            }
            passes = byPass.keys.sorted().map { byPass[$0]! }
            failures = try db.query("SELECT tile, part, coalesce(error, '') FROM tiles WHERE state = 'failed' ORDER BY tile, part").map {
                (int($0[0]), text($0[1]) ?? "", text($0[2]) ?? "")
            }
            outputs = run.map { r in (try? db.query("SELECT count(*) FROM outputs WHERE run_id = ?", [.integer(r.id)]).first.map { int($0[0]) }) ?? 0 } ?? 0
        } catch let e where e.code == 1 && e.message.hasPrefix("no such table") {
            throw CensusError.badData(file: path, message: "not a riskcensus run catalog (SQLite: \(e.message))")
        } catch {
            throw CensusError(wrapping: error)
        }
        // The lock is free unless a run holds it.
        let lockPath = (dir as NSString).appendingPathComponent(".riskcensus.lock")
        let fd = open(lockPath, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            running = flock(fd, LOCK_SH | LOCK_NB) != 0
            close(fd)
        } else {
            running = false
        }
    }

    public var description: String {
        var lines = ["\(folder):"]
        if let r = run {
            let state = running ? "running" : (r.status == "running" ? "interrupted (re-run the same command to resume)" : r.status)
            lines.append("  run \(r.id): \(state); started \(r.started)" + (r.finished.map { ", finished \($0)" } ?? "")
                         + ", \(r.threads) threads" + (r.shard.map { ", shard \($0)" } ?? "") + ", \(r.tiles) tiles")
            if let m = r.message, r.status == "failed" { lines.append("  error: " + m.split(separator: "\n").prefix(3).joined(separator: " / ")) }
        }
        for p in passes {
            let total = p.states.values.reduce(0, +)
            let done = p.states["done"] ?? 0
            let states = p.states.keys.sorted().map { "\($0) \(p.states[$0]!)" }.joined(separator: ", ")
            let rate = p.seconds > 0 ? String(format: ", %.0f cells/s per worker", Double(p.cells) / p.seconds) : ""
            lines.append("  pass \(p.pass): \(done)/\(total) tile jobs done (\(states)); \(String(format: "%.1f", p.seconds)) s of work\(rate)")
        }
        for f in failures.prefix(20) { lines.append("  failed: tile \(f.tile) (\(f.part)): \(f.error)") }
        if failures.count > 20 { lines.append("  … \(failures.count - 20) more failed jobs") }
        lines.append("  outputs recorded: \(outputs)")
        return lines.joined(separator: "\n")
    }
}
