import ArgumentParser
import Foundation
import RiskCensus
import RiskService

/// `riskcensus serve --data ROOT`: the engine as a web service (OGC API – Processes and – Features).
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the engine over HTTP: OGC API – Processes (census, coverage, impact, damage, losses jobs; risk at a point) and OGC API – Features (finished censuses).",
        discussion: """
        Every path a request names resolves inside --data; jobs and their results live in \
        ROOT/jobs/. Jobs run as child processes of this executable, at most --max-jobs at once. A \
        restart finds every job again; jobs a stopped service was running are started again, and a \
        census resumes from its finished tiles.
        """)

    @Option(help: "The data root: inputs are read and jobs kept only inside it.")
    var data: String

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "Threads each job's engine uses (default: all cores).")
    var workers: Int = Workers.available

    @Option(name: .customLong("max-jobs"), help: "Jobs that run at once; later ones wait in order.")
    var maxJobs = 2

    func validate() throws {
        try checkThreads(workers)
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, found \(port)") }
        guard maxJobs >= 1 else { throw ValidationError("--max-jobs must be at least 1, found \(maxJobs)") }
    }

    func run() throws {
        let service = try CensusService(configuration: ServiceConfiguration(
            root: data, host: host, port: port, workers: workers, maxJobs: maxJobs,
            executable: Self.executablePath, processes: Self.jobProcesses() + ProcessDescription.queries))
        let done = DispatchSemaphore(value: 0)
        let failure = Failure()
        let host = self.host
        Task {
            do {
                try await service.run { port in
                    FileHandle.standardOutput.write(Data("riskcensus serve: listening on http://\(host):\(port)\n".utf8))
                }
            } catch {
                failure.error = error
            }
            done.signal()
        }
        done.wait()
        if let e = failure.error { throw CensusError.run("serve: \(e)") }
    }

    final class Failure: @unchecked Sendable { var error: (any Error)? }

    /// This executable, which the jobs run.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The CLI's commands as processes: `census` is `run`; each input is the command's option of
    /// the same name, described by its own help (the CLI's `--experimental-dump-help`).
    static func jobProcesses() -> [ProcessDescription] {
        let commands: [(id: String, command: String, type: any ParsableCommand.Type)] = [
            ("census", "run", Run.self), ("coverage", "coverage", Coverage.self), ("impact", "impact", Impact.self),
            ("damage", "damage", Damage.self), ("losses", "losses", Losses.self),
        ]
        return commands.map { c in
            let info = (try? JSONSerialization.jsonObject(with: Data(c.type._dumpHelp().utf8))) as? [String: Any] ?? [:]
            let command = info["command"] as? [String: Any] ?? [:]
            var inputs: [ProcessInput] = []
            if c.id == "census" {
                inputs.append(ProcessInput(name: "manifest", title: "The census manifest: a path relative to the data root, or the manifest as a JSON object.",
                                           kind: .manifest, required: true))
            }
            for a in command["arguments"] as? [[String: Any]] ?? [] {
                guard let kind = a["kind"] as? String, kind != "positional",
                      let name = (a["preferredName"] as? [String: Any])?["name"] as? String, !hidden.contains(name) else { continue }
                let names = (a["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                var input = ProcessInput(name: name, title: a["abstract"] as? String ?? "",
                                         kind: kind == "flag" ? .flag : (paths[name] ?? (numbers.contains(name) ? .number : integers.contains(name) ? .integer : .text)),
                                         required: !(a["isOptional"] as? Bool ?? true), defaultValue: a["defaultValue"] as? String)
                if names.contains("no-" + name) {
                    input.negation = "no-" + name
                    input.defaultValue = input.defaultValue.map { $0 == "--" + name ? "true" : "false" }
                }
                inputs.append(input)
            }
            return ProcessDescription(id: c.id, title: c.id == "census" ? "Census" : c.id.capitalized,
                                      description: command["abstract"] as? String ?? "", inputs: inputs, execution: .job(command: c.command))
        }
    }

    /// Options the service sets itself, or that have no meaning for a job.
    static let hidden: Set<String> = ["out", "version", "help", "quiet", "shard", "shards", "fresh", "base-dir", "config", "co"]
    /// Options that name files under the data root.
    static let paths: [String: ProcessInput.Kind] = [
        "demand": .path, "supply": .path, "candidates": .path, "cost-matrix": .path, "roads": .path, "fire-stations": .path,
        "built-up": .path, "districts": .path, "exposures": .path, "hazard": .path, "events": .path, "impact-functions": .path,
        "exposure": .path, "gmf": .path, "sites": .path, "fragility": .path, "consequences": .paths, "vulnerability": .paths,
    ]
    static let integers: Set<String> = ["threads", "p"]
    static let numbers: Set<String> = ["radius", "area-per-person", "min-area", "refuge-rate", "density-threshold", "fire-minutes",
                                       "asset-hazard-distance", "sigma", "seconds"]
}
