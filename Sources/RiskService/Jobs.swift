import Foundation
import RiskCensus

/// A job as the service keeps it, in `ROOT/jobs/<id>/job.json`: enough to report it, to find
/// its results after a restart, and to start it again.
struct JobRecord: Codable, Sendable {
    enum Status: String, Codable, Sendable {
        case accepted, running, successful, failed, dismissed
    }

    var id: String
    var process: String
    var status: Status
    var created: Date
    var started: Date?
    var finished: Date?
    var updated: Date
    var message: String
    /// The engine's command line after the executable: command, arguments, `--out`.
    var arguments: [String]
    /// How many times the job was started (a restart of the service starts it again).
    var attempts: Int

    var isFinal: Bool { [.successful, .failed, .dismissed].contains(status) }
}

/// The service's jobs: each runs the engine's own command in a child process (so a job that
/// fails or is cancelled cannot take the service with it, and runs at a lower priority than the
/// queries), at most `maxJobs` at once, the rest queued in order.
///
/// A restart finds every job again from its `job.json`. Jobs the stopped service had accepted or
/// was running are started again: a census resumes from its run catalog, keeping every tile it
/// had finished.
actor JobManager {
    let root: String
    let executable: String
    let maxJobs: Int
    private var jobs: [String: JobRecord] = [:]
    private var order: [String] = []
    private var queue: [String] = []
    private var children: [String: Process] = [:]
    private var cancelling: Set<String> = []
    /// Set when the service stops: its running jobs stay `running` on disk, to be resumed.
    private var stopping = false

    var jobsFolder: String { root + "/jobs" }
    func folder(_ id: String) -> String { jobsFolder + "/" + id }
    func outputFolder(_ id: String) -> String { folder(id) + "/out" }

    init(root: String, executable: String, maxJobs: Int) throws {
        self.root = root
        self.executable = executable
        self.maxJobs = max(1, maxJobs)
        try FileManager.default.createDirectory(atPath: root + "/jobs", withIntermediateDirectories: true)
        var found: [JobRecord] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: root + "/jobs") {
            let path = root + "/jobs/" + name + "/job.json"
            guard let data = FileManager.default.contents(atPath: path),
                  let record = try? Self.decoder.decode(JobRecord.self, from: data), record.id == name else { continue }
            found.append(record)
        }
        found.sort { ($0.created, $0.id) < ($1.created, $1.id) }
        for r in found {
            jobs[r.id] = r
            order.append(r.id)
        }
    }

    /// Starts again the jobs a stopped service left accepted or running.
    func resumeInterrupted() {
        for id in order where jobs[id]?.status == .accepted || jobs[id]?.status == .running {
            jobs[id]!.status = .accepted
            jobs[id]!.message = "queued again after the service restarted; a census resumes from its finished tiles"
            save(id)
            queue.append(id)
        }
        startQueued()
    }

    /// A time in RFC 3339 UTC to the millisecond (`2026-12-05T22:06:36.123Z`), so jobs submitted
    /// within one second keep their order. Written from `gmtime_r`: Foundation's ISO 8601
    /// formatter builds an ICU formatter on each use, which dominated a page of cells.
    static func timestamp(_ d: Date) -> String {
        let seconds = d.timeIntervalSince1970
        var t = time_t(seconds.rounded(.down))
        let ms = min(999, Int(((seconds - Double(t)) * 1000).rounded(.down)))
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ms), 3))Z"
    }

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = f.date(from: text) ?? ISO8601DateFormatter().date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a time: \(text)"))
            }
            return date
        }
        return d
    }()

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(timestamp(date))
        }
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }()

    /// Creates the job's folder and record and queues it. `prepare` writes what the job needs into
    /// its folder (an inline manifest) and returns the arguments that follow the command.
    func submit(process: String, command: String, prepare: (String) throws -> [String]) throws -> JobRecord {
        let id = UUID().uuidString.lowercased()
        let dir = folder(id)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let arguments: [String]
        do {
            arguments = [command] + (try prepare(dir)) + ["--out", outputFolder(id)]
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
        let now = Date()
        jobs[id] = JobRecord(id: id, process: process, status: .accepted, created: now, updated: now, message: "queued",
                             arguments: arguments, attempts: 0)
        order.append(id)
        save(id)
        queue.append(id)
        startQueued()
        return jobs[id]!
    }

    func record(_ id: String) -> JobRecord? { jobs[id] }

    func list() -> [JobRecord] { order.compactMap { jobs[$0] } }

    /// Dismisses a job: a queued one is taken off the queue, a running one is stopped (its child
    /// gets SIGTERM), and a finished one's results are removed. The record stays, as dismissed.
    func dismiss(_ id: String) throws -> JobRecord? {
        guard var r = jobs[id] else { return nil }
        switch r.status {
        case .dismissed:
            return r
        case .accepted:
            queue.removeAll { $0 == id }
        case .running:
            cancelling.insert(id)
            children[id]?.terminate()
        case .successful, .failed:
            break
        }
        if r.status != .running {
            try? FileManager.default.removeItem(atPath: outputFolder(id))
        }
        r.status = .dismissed
        r.message = "dismissed"
        r.finished = r.finished ?? Date()
        r.updated = Date()
        jobs[id] = r
        save(id)
        return r
    }

    private func save(_ id: String) {
        guard let r = jobs[id], let data = try? Self.encoder.encode(r) else { return }
        let path = folder(id) + "/job.json"
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    private func startQueued() {
        while children.count < maxJobs, !queue.isEmpty {
            let id = queue.removeFirst()
            guard var r = jobs[id], r.status == .accepted else { continue }
            let p = Process()
            // At a lower priority than the service's own threads, so queries stay quick.
            p.executableURL = URL(fileURLWithPath: "/usr/bin/nice")
            p.arguments = ["-n", "10", executable] + r.arguments
            var env = ProcessInfo.processInfo.environment
            env["RISKCENSUS_DATA_ROOT"] = root
            p.environment = env
            p.standardInput = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            let log = folder(id) + "/log.txt"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            p.standardError = FileHandle(forWritingAtPath: log)
            p.terminationHandler = { [weak self] child in
                let status = child.terminationStatus, reason = child.terminationReason
                Task { await self?.ended(id, status: status, signalled: reason == .uncaughtSignal) }
            }
            do {
                try p.run()
            } catch {
                r.status = .failed
                r.message = "the engine could not be started: \(error)"
                r.finished = Date()
                r.updated = Date()
                jobs[id] = r
                save(id)
                continue
            }
            children[id] = p
            r.status = .running
            r.started = Date()
            r.updated = Date()
            r.attempts += 1
            r.message = "running"
            jobs[id] = r
            save(id)
        }
    }

    private func ended(_ id: String, status: Int32, signalled: Bool) {
        children[id] = nil
        guard !stopping, var r = jobs[id] else { return }
        if cancelling.remove(id) != nil || r.status == .dismissed {
            try? FileManager.default.removeItem(atPath: outputFolder(id))
            r.status = .dismissed
            r.message = "dismissed while running; its results were removed"
        } else if status == 0 && !signalled {
            r.status = .successful
            r.message = "finished"
        } else {
            r.status = .failed
            r.message = Self.engineError(in: folder(id) + "/log.txt") ?? (signalled ? "the engine was stopped by signal \(status)" : "the engine exited with status \(status)")
        }
        r.finished = Date()
        r.updated = Date()
        jobs[id] = r
        save(id)
        startQueued()
    }

    /// The engine's error message from a job's log: the CLI's own words, without its prefix.
    static func engineError(in log: String) -> String? {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n").reversed() {
            for prefix in ["riskcensus: error: ", "Error: "] where line.hasPrefix(prefix) {
                return String(line.dropFirst(prefix.count))
            }
        }
        return nil
    }

    /// The share of a census's work done, from its run catalog (0–100); nil for other processes
    /// or before the run has a catalog.
    func progress(_ id: String) -> Int? {
        guard let r = jobs[id] else { return nil }
        switch r.status {
        case .successful: return 100
        case .accepted: return 0
        case .failed, .dismissed: return nil
        case .running:
            guard r.process == "census", let s = try? RunStatus(folder: outputFolder(id)) else { return nil }
            func share(_ pass: Int) -> Double {
                guard let p = s.passes.first(where: { $0.pass == pass }) else { return 0 }
                let total = p.states.values.reduce(0, +)
                return total > 0 ? Double(p.states["done"] ?? 0) / Double(total) : 0
            }
            return min(99, Int(5 + 60 * share(1) + 30 * share(2)))
        }
    }

    /// Stops every child (the service is shutting down) and waits for them to exit (SIGKILL after
    /// 20 s), so that none still holds its run folder when the service starts again; their
    /// records stay `running`, so the next start resumes them.
    func stopAll() async {
        stopping = true
        queue.removeAll()
        let running = Array(children.values)
        for p in running { p.terminate() }
        for _ in 0..<200 where running.contains(where: \.isRunning) {
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        for p in running where p.isRunning { kill(p.processIdentifier, SIGKILL) }
    }
}
