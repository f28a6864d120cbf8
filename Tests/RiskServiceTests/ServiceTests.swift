import Foundation
import NIOCore
import Testing
@testable import RiskService

/// A scratch folder, removed when released.
final class ScratchRoot {
    let path: String
    init() {
        let p = NSTemporaryDirectory() + "service-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        let resolved = realpath(p, nil)!
        path = String(cString: resolved)
        free(resolved)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct JSONValueTests {
    @Test func parsedJSONIsWrittenBackWithItsValues() throws {
        let text = #"{"b":[1,2.5,true,null,"x\"y\n"],"a":{"c":-0.001}}"#
        let v = try #require(JSON.parse(Data(text.utf8)))
        // Members come out sorted by name; numbers, booleans, null and escapes survive.
        #expect(v.text == #"{"a":{"c":-0.001},"b":[1,2.5,true,null,"x\"y\n"]}"#)
        #expect(JSON.parse(Data("{not json".utf8)) == nil)
        #expect(JSON.number(Double?.none) == .null && JSON.number(.nan).text == "null")
        // 0 and 1 stay numbers, false and true booleans, at any depth and at the top level.
        let mixed = #"{"z":[0,1,false,true,{},[],"長江"],"y":{"x":[[null]]},"n":1e300}"#
        #expect(JSON.parse(Data(mixed.utf8))?.text == #"{"n":1e+300,"y":{"x":[[null]]},"z":[0,1,false,true,{},[],"長江"]}"#
                || JSON.parse(Data(mixed.utf8))?.text == #"{"n":1e300,"y":{"x":[[null]]},"z":[0,1,false,true,{},[],"長江"]}"#)
        for (text, want) in [("true", "true"), ("0", "0"), ("1", "1"), ("false", "false"), ("null", "null"), (#""s""#, #""s""#), ("-2.5", "-2.5")] {
            #expect(JSON.parse(Data(text.utf8))?.text == want, "\(text)")
        }
        // Responses are written straight into a byte buffer: the same bytes as the text.
        let response: JSON = .object([("a\"b", .array([.number(1), .number(0.1), .number(.nan), .bool(false), .null])),
                                      ("长江", .string("tab\there")), ("raw", .raw("[1,2]")), ("plain", .string("x"))])
        var buffer = ByteBuffer()
        response.write(to: &buffer)
        #expect(String(buffer: buffer) == response.text)
        #expect(response.text == #"{"a\"b":[1,0.1,null,false,null],"长江":"tab\there","raw":[1,2],"plain":"x"}"#)
    }
}

@Suite struct InputsTests {
    let coverage = ProcessDescription(id: "coverage", title: "Coverage", description: "", inputs: [
        ProcessInput(name: "demand", title: "Demand", kind: .path, required: true),
        ProcessInput(name: "radius", title: "Radius", kind: .number, required: false),
        ProcessInput(name: "p", title: "Sites", kind: .integer, required: false),
        ProcessInput(name: "capacitated", title: "Capacitated", kind: .flag, required: false),
        ProcessInput(name: "category", title: "Category", kind: .text, required: false),
    ], execution: .job(command: "coverage"))

    private func problem(_ values: [(String, JSON)]) -> ServiceProblem? {
        do { _ = try Inputs(process: coverage, values: values); return nil } catch { return error }
    }

    @Test func goodInputsAreTakenWithTheirKinds() throws {
        let i = try Inputs(process: coverage, values: [("demand", .string("pop.tif")), ("radius", .string("1500")),
                                                      ("p", .object([("value", .number(3))])), ("capacitated", .bool(true)), ("category", .number(2))])
        #expect(i.values["radius"] == .number(1500) && i.values["p"] == .number(3) && i.values["category"] == .string("2"))
    }

    @Test func badInputsAreNamed() {
        #expect(problem([("demand", .string("a")), ("radius", .string("far"))])?.input == "radius")
        #expect(problem([("demand", .string("a")), ("p", .number(2.5))])?.input == "p")
        #expect(problem([("demand", .string("a")), ("capacitated", .string("yes"))])?.input == "capacitated")
        #expect(problem([("demand", .number(1))])?.input == "demand")
        let unknown = problem([("demand", .string("a")), ("radios", .number(1))])
        #expect(unknown?.input == "radios" && unknown?.detail.contains("it takes demand, radius") == true)
        let missing = problem([("radius", .number(1))])
        #expect(missing?.input == "demand" && missing?.status == .badRequest)
    }
}

@Suite struct ConfinementTests {
    @Test func pathsResolveInsideTheRootOnly() throws {
        let root = ScratchRoot(), outside = ScratchRoot()
        FileManager.default.createFile(atPath: root.path + "/pop.tif", contents: Data("x".utf8))
        FileManager.default.createFile(atPath: outside.path + "/secret.csv", contents: Data("x".utf8))
        try FileManager.default.createSymbolicLink(atPath: root.path + "/link.csv", withDestinationPath: outside.path + "/secret.csv")
        let service = try CensusService(configuration: ServiceConfiguration(root: root.path, executable: "/bin/true", processes: []))
        #expect(try service.confined("pop.tif", input: "demand") == root.path + "/pop.tif")
        #expect(try service.confined(root.path + "/pop.tif", input: "demand") == root.path + "/pop.tif")
        for (value, words) in [("../" + (outside.path as NSString).lastPathComponent + "/secret.csv", "outside the data root"),
                               ("link.csv", "outside the data root"), (outside.path + "/secret.csv", "outside the data root"),
                               ("missing.tif", "no such file"), ("https://example.org/pop.tif", "remote"), ("/vsicurl/http://x/y.tif", "remote"),
                               ("PG:dbname=x", "connection strings"), ("", "empty")] {
            do {
                _ = try service.confined(value, input: "demand")
                Issue.record("\(value) was accepted")
            } catch {
                #expect(error.input == "demand" && error.status == .badRequest)
                #expect(error.detail.contains(words), "\(value): \(error.detail)")
            }
        }
    }

    @Test func theOpenAPIDocumentListsEveryRouteWithProblems() throws {
        let doc = OpenAPIDocument.make(ProcessDescription.queries, base: "http://127.0.0.1:1")
        guard case .object(let paths)? = doc["paths"] else { Issue.record("no paths"); return }
        #expect(Set(paths.map(\.0)) == ["/", "/conformance", "/api", "/processes", "/processes/{processId}", "/processes/{processId}/execution",
                                         "/jobs", "/jobs/{jobId}", "/jobs/{jobId}/results", "/collections", "/collections/{collectionId}",
                                         "/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"])
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, op) in operations {
                #expect(op["responses"]?["400"] != nil && op["responses"]?["404"] != nil, "\(method) \(path)")
            }
        }
    }
}

/// The job manager runs the engine's command in a child process; a stand-in engine (a shell
/// script) shows the life of a job without a census.
@Suite struct JobManagerTests {
    /// A stand-in for `riskcensus`: `ok` exits 0 after writing a file into --out, `fail` prints
    /// the CLI's error line and exits 3, `slow` sleeps until stopped.
    static func engine(in dir: String) throws -> String {
        let path = dir + "/engine.sh"
        try """
        #!/bin/sh
        out=""; prev=""
        for a in "$@"; do [ "$prev" = "--out" ] && out="$a"; prev="$a"; done
        case "$1" in
          ok) mkdir -p "$out" && echo done > "$out/result.txt"; echo "$@" >> "$(dirname "$out")/calls.txt"; exit 0;;
          fail) echo "riskcensus: error: demand.csv: row 3: weight: expected a number, found 'x'" >&2; exit 3;;
          slow) mkdir -p "$out"; echo started > "$(dirname "$out")/started.txt"; exec sleep 30;;
        esac
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    func wait(_ jobs: JobManager, _ id: String, until done: (JobRecord) -> Bool) async throws -> JobRecord {
        for _ in 0..<200 {
            if let r = await jobs.record(id), done(r) { return r }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return try #require(await jobs.record(id))
    }

    @Test func jobsSucceedFailAndAreDismissed() async throws {
        let root = ScratchRoot()
        let jobs = try JobManager(root: root.path, executable: try Self.engine(in: root.path), maxJobs: 2)
        let ok = try await jobs.submit(process: "census", command: "ok") { _ in ["--threads=1"] }
        let fail = try await jobs.submit(process: "coverage", command: "fail") { _ in [] }
        let okDone = try await wait(jobs, ok.id) { $0.isFinal }
        #expect(okDone.status == .successful && okDone.attempts == 1)
        #expect(FileManager.default.fileExists(atPath: root.path + "/jobs/\(ok.id)/out/result.txt"))
        let failed = try await wait(jobs, fail.id) { $0.isFinal }
        // The job's message is the engine's own, without the CLI's prefix.
        #expect(failed.status == .failed && failed.message == "demand.csv: row 3: weight: expected a number, found 'x'")

        let slow = try await jobs.submit(process: "census", command: "slow") { _ in [] }
        _ = try await wait(jobs, slow.id) { _ in FileManager.default.fileExists(atPath: root.path + "/jobs/\(slow.id)/started.txt") }
        let dismissed = try #require(try await jobs.dismiss(slow.id))
        #expect(dismissed.status == .dismissed)
        let after = try await wait(jobs, slow.id) { _ in !FileManager.default.fileExists(atPath: root.path + "/jobs/\(slow.id)/out") }
        #expect(after.status == .dismissed)
        // Dismissing a finished job removes its results; its record stays.
        #expect(try await jobs.dismiss(ok.id)?.status == .dismissed)
        #expect(!FileManager.default.fileExists(atPath: root.path + "/jobs/\(ok.id)/out"))
        #expect(try await jobs.dismiss("no-such-job") == nil)
    }

    @Test func aRestartFindsFinishedJobsAndStartsInterruptedOnesAgain() async throws {
        let root = ScratchRoot()
        let engine = try Self.engine(in: root.path)
        var finishedId = "", interruptedId = ""
        do {
            let jobs = try JobManager(root: root.path, executable: engine, maxJobs: 1)
            finishedId = try await jobs.submit(process: "census", command: "ok") { _ in [] }.id
            _ = try await wait(jobs, finishedId) { $0.isFinal }
            interruptedId = try await jobs.submit(process: "census", command: "ok") { _ in [] }.id
            _ = try await wait(jobs, interruptedId) { $0.isFinal }
        }
        // As if the service had stopped while the second job ran.
        let file = root.path + "/jobs/\(interruptedId)/job.json"
        var record = try JobManager.decoder.decode(JobRecord.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        record.status = .running
        try JobManager.encoder.encode(record).write(to: URL(fileURLWithPath: file))

        let restarted = try JobManager(root: root.path, executable: engine, maxJobs: 1)
        #expect(await restarted.list().map(\.id) == [finishedId, interruptedId])
        #expect(await restarted.record(finishedId)?.status == .successful)
        await restarted.resumeInterrupted()
        let resumed = try await wait(restarted, interruptedId) { $0.isFinal }
        #expect(resumed.status == .successful && resumed.attempts == 2)
    }
}
