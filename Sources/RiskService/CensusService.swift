import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RiskCensus
import RiskCore
import RiskGeo

/// How the service runs: where its data lives, where it listens, and how much it does at once.
public struct ServiceConfiguration: Sendable {
    /// Every path a request names resolves inside this folder; jobs live in `ROOT/jobs/`.
    public var root: String
    public var host: String
    public var port: Int
    /// Threads each job's engine uses.
    public var workers: Int
    /// Jobs that run at once; later ones wait in order.
    public var maxJobs: Int
    /// The `riskcensus` executable jobs run.
    public var executable: String
    /// The processes offered: the CLI's commands as jobs, and the synchronous queries.
    public var processes: [ProcessDescription]

    public init(root: String, host: String = "127.0.0.1", port: Int = 8080, workers: Int = 1, maxJobs: Int = 2,
                executable: String, processes: [ProcessDescription]) {
        self.root = root
        self.host = host
        self.port = port
        self.workers = max(1, workers)
        self.maxJobs = max(1, maxJobs)
        self.executable = executable
        self.processes = processes
    }
}

/// `riskcensus serve`: the engine over HTTP, as OGC API – Processes (jobs and queries) and OGC
/// API – Features (the results of finished census jobs).
public final class CensusService: Sendable {
    /// The largest request body accepted (an inline manifest fits many times over).
    public static let maxBody = 1 << 20

    let config: ServiceConfiguration
    let jobs: JobManager
    let collections = CensusCollections()

    /// Checks the data root and finds the jobs an earlier service left there.
    public init(configuration: ServiceConfiguration) throws(CensusError) {
        var c = configuration
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: c.root, isDirectory: &isDir), isDir.boolValue else {
            throw .input(name: "data", message: "\(c.root): no such folder; give the folder the service reads and keeps its jobs in")
        }
        guard let resolved = realpath(c.root, nil) else { throw .input(name: "data", message: "\(c.root): the folder cannot be resolved") }
        c.root = String(cString: resolved)
        free(resolved)
        config = c
        do {
            jobs = try JobManager(root: c.root, executable: c.executable, maxJobs: c.maxJobs)
        } catch {
            throw .input(name: "data", message: "\(c.root): cannot keep jobs in \(c.root)/jobs: \(error)")
        }
    }

    /// Serves until SIGTERM or SIGINT; `started` is called with the bound port once listening.
    public func run(started: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        // Inputs the service itself opens (manifests it checks, results it serves) stay inside
        // the root: the policy is the process's, so it is set here, by the process that serves.
        InputPolicy.current = InputPolicy(dataRoot: config.root)
        await jobs.resumeInterrupted()
        var logger = Logger(label: "riskcensus.serve")
        logger.logLevel = .warning
        let app = Application(router: router(), configuration: .init(address: .hostname(config.host, port: config.port), serverName: "riskcensus"),
                              onServerRunning: { channel in started(channel.localAddress?.port ?? 0) }, logger: logger)
        try await app.runService()
        await jobs.stopAll()
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ProblemMiddleware())
        router.get("/") { req, _ in self.landing(req) }
        router.get("/conformance") { _, _ in Self.json(.object([("conformsTo", .array(Self.conformance.map { .string($0) }))])) }
        router.get("/api") { req, _ in
            Self.json(OpenAPIDocument.make(self.config.processes, base: self.base(req), examples: await self.examples()),
                      type: "application/vnd.oai.openapi+json;version=3.0")
        }
        router.get("/processes") { req, _ in self.processList(req) }
        router.get("/processes/:processId") { req, ctx in try self.processDescription(req, try ctx.parameters.require("processId")) }
        router.post("/processes/:processId/execution") { req, ctx in try await self.execute(req, try ctx.parameters.require("processId")) }
        router.get("/jobs") { req, _ in await self.jobList(req) }
        router.get("/jobs/:jobId") { req, ctx in try await self.jobStatus(req, try ctx.parameters.require("jobId")) }
        router.delete("/jobs/:jobId") { req, ctx in try await self.dismiss(req, try ctx.parameters.require("jobId")) }
        router.get("/jobs/:jobId/results") { req, ctx in try await self.results(req, try ctx.parameters.require("jobId")) }
        router.get("/jobs/:jobId/files/**") { req, ctx in
            try await self.file(try ctx.parameters.require("jobId"), ctx.parameters.getCatchAll().joined(separator: "/"))
        }
        router.get("/collections") { req, _ in await self.collectionList(req) }
        router.get("/collections/:collectionId") { req, ctx in try await self.collection(req, try ctx.parameters.require("collectionId")) }
        router.get("/collections/:collectionId/items") { req, ctx in try await self.items(req, try ctx.parameters.require("collectionId")) }
        router.get("/collections/:collectionId/items/:featureId") { req, ctx in
            try await self.item(req, try ctx.parameters.require("collectionId"), try ctx.parameters.require("featureId"))
        }
        return router
    }

    static let conformance = [
        "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
        "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/ogc-process-description",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/job-list",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/dismiss",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/oas30",
    ]

    // MARK: - Responses

    static func json(_ value: JSON, status: HTTPResponse.Status = .ok, type: String = "application/json", extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = type
        var body = NIOCore.ByteBuffer()
        body.reserveCapacity(512)
        value.write(to: &body)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// The service's own address as the client reached it, for absolute links.
    func base(_ req: Request) -> String {
        let host = req.head.authority ?? "\(config.host):\(config.port)"
        return "http://" + host
    }

    static func link(_ href: String, _ rel: String, _ type: String = "application/json", title: String? = nil) -> JSON {
        var m: [(String, JSON)] = [("href", .string(href)), ("rel", .string(rel)), ("type", .string(type))]
        if let title { m.append(("title", .string(title))) }
        return .object(m)
    }

    func landing(_ req: Request) -> Response {
        let b = base(req)
        return Self.json(.object([
            ("title", .string("riskcensus")),
            ("description", .string("Natural-disaster risk census engine (riskcensus \(EngineInfo.version)): census jobs and queries (OGC API – Processes) and the results of finished censuses (OGC API – Features).")),
            ("links", .array([
                Self.link(b + "/", "self", title: "this document"),
                Self.link(b + "/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0", title: "the API definition"),
                Self.link(b + "/conformance", "conformance", title: "conformance classes"),
                Self.link(b + "/collections", "data", title: "feature collections of finished censuses"),
                Self.link(b + "/processes", "http://www.opengis.net/def/rel/ogc/1.0/processes", title: "processes"),
                Self.link(b + "/jobs", "http://www.opengis.net/def/rel/ogc/1.0/job-list", title: "jobs"),
            ])),
        ]))
    }

    /// A finished census's job, districts collection and first district, for the API document.
    func examples() async -> OpenAPIDocument.Examples {
        var ex = OpenAPIDocument.Examples()
        ex.jobId = await jobs.list().last?.id
        if let c = await allCollections().first {
            ex.collectionId = c.id
            if case .vector(let file) = c.source {
                ex.featureId = (try? collections.layer(job: c.job, folder: await jobs.outputFolder(c.job), file: file))?.features.first?.id
            }
        }
        return ex
    }

    // MARK: - Processes

    func process(_ id: String) throws(ServiceProblem) -> ProcessDescription {
        guard let p = config.processes.first(where: { $0.id == id }) else { throw .noSuchProcess(id) }
        return p
    }

    func processSummary(_ p: ProcessDescription, base b: String) -> [(String, JSON)] {
        [("id", .string(p.id)), ("title", .string(p.title)), ("description", .string(p.description)), ("version", .string(EngineInfo.version)),
         ("jobControlOptions", .array([.string(p.isJob ? "async-execute" : "sync-execute")])),
         ("outputTransmission", .array([.string("value"), .string("reference")])),
         ("links", .array([Self.link(b + "/processes/" + p.id, "self", title: "process description")]))]
    }

    func processList(_ req: Request) -> Response {
        let b = base(req)
        return Self.json(.object([("processes", .array(config.processes.map { .object(processSummary($0, base: b)) })),
                                  ("links", .array([Self.link(b + "/processes", "self")]))]))
    }

    func processDescription(_ req: Request, _ id: String) throws -> Response {
        let p = try process(id)
        var doc = processSummary(p, base: base(req))
        doc.append(("inputs", .object(p.inputs.map { ($0.name, OpenAPIDocument.inputDescription($0)) })))
        doc.append(("outputs", .object(OpenAPIDocument.outputs(p))))
        return Self.json(.object(doc))
    }

    /// `POST /processes/{id}/execution`: a job (201 with its Location) for the CLI's commands,
    /// the answer itself for the queries.
    func execute(_ req: Request, _ id: String) async throws -> Response {
        let p = try process(id)
        var request = req
        let body = try await request.collectBody(upTo: Self.maxBody)
        guard let doc = JSON.parse(Data(buffer: body)) else {
            throw ServiceProblem.badRequest("the request body is not JSON; expected {\"inputs\": {…}}")
        }
        guard case .object = doc else { throw ServiceProblem.badRequest("the request body is not a JSON object; expected {\"inputs\": {…}}") }
        let inputs: [(String, JSON)]
        switch doc["inputs"] {
        case .object(let members)?: inputs = members
        case nil: inputs = []
        default: throw ServiceProblem.badInput("inputs", "expected an object of input values")
        }
        let given = try Inputs(process: p, values: inputs)
        switch p.execution {
        case .job(let command):
            let record = try await jobs.submit(process: p.id, command: command) { dir in
                try self.arguments(p, given, jobFolder: dir)
            }
            let location = base(req) + "/jobs/" + record.id
            var headers = HTTPFields()
            headers[.location] = location
            headers[HTTPField.Name("Preference-Applied")!] = "respond-async"
            return Self.json(await statusInfo(record, base: base(req)), status: .created, extra: headers)
        case .riskAtPoint:
            return Self.json(try await riskAtPoint(given))
        case .coverageOfArea:
            return Self.json(try await coverageOfArea(given))
        }
    }

    /// The engine's arguments for a job's inputs, after its command; paths made absolute under
    /// the root, an inline manifest written into the job's folder and checked first.
    func arguments(_ p: ProcessDescription, _ given: Inputs, jobFolder: String) throws -> [String] {
        var args: [String] = []
        for input in p.inputs {
            guard let value = given.values[input.name] else { continue }
            switch input.kind {
            case .manifest:
                let manifest: String
                if case .object = value {
                    manifest = jobFolder + "/manifest.json"
                    try checkManifest { () throws(CensusError) in
                        _ = try Census(manifestText: value.text, savedAs: manifest, baseDirectory: self.config.root)
                    }
                    args += [manifest, "--base-dir", config.root]
                } else {
                    manifest = try confined(value.stringValue ?? "", input: input.name)
                    args.append(manifest)
                    try checkManifest { () throws(CensusError) in _ = try Census(manifestPath: manifest) }
                }
            case .flag:
                if value == .bool(true) { args.append("--" + input.name) } else if let no = input.negation { args.append("--" + no) }
            case .path:
                args.append("--\(input.name)=" + (try confined(value.stringValue ?? "", input: input.name)))
            case .paths:
                let parts = (value.stringValue ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                args.append("--\(input.name)=" + (try parts.map { try confined($0, input: input.name) }.joined(separator: ",")))
            case .text, .number, .integer, .geometry:
                args.append("--\(input.name)=" + (value.stringValue ?? value.text))
            }
        }
        if p.inputs.contains(where: { $0.name == "threads" }), given.values["threads"] == nil { args.append("--threads=\(config.workers)") }
        if p.id == "census" { args.append("--quiet") }
        return args
    }

    /// Validates a census manifest (`validate` makes the census from it) as `riskcensus validate`
    /// does, so a bad one is refused with the CLI's message before a job exists. A manifest may
    /// not open remote inputs here.
    func checkManifest(_ validate: () throws(CensusError) -> Void) throws {
        let policy = InputPolicy.current
        defer { InputPolicy.current = policy }
        do {
            try validate()
        } catch {
            throw ServiceProblem.engine(error, input: "manifest")
        }
        if !InputPolicy.current.remote.isEmpty {
            throw ServiceProblem.badInput("manifest", "remote_inputs: the service reads inputs only from files under its data root")
        }
    }

    /// A path a request names: relative to the data root (or absolute inside it), existing, and
    /// inside the root once symbolic links are followed.
    func confined(_ value: String, input: String) throws(ServiceProblem) -> String {
        guard !value.isEmpty else { throw .badInput(input, "expected a path under the data root, found an empty value") }
        guard !value.utf8.contains(0), InputPolicy.remoteLocation(value) == nil, !value.hasPrefix("/vsi"), InputPolicy.connectionPrefixEnd(value) == nil || value.hasPrefix("/") else {
            throw .badInput(input, "\(value) is not a file under the data root (remote locations and connection strings are not read)")
        }
        let path = value.hasPrefix("/") ? value : config.root + "/" + value
        guard let r = realpath(path, nil) else { throw .badInput(input, "\(value): no such file under the data root") }
        let resolved = String(cString: r)
        free(r)
        guard resolved == config.root || resolved.hasPrefix(config.root + "/") else {
            throw .badInput(input, "\(value) is outside the data root")
        }
        return resolved
    }

    func riskAtPoint(_ given: Inputs) async throws -> JSON {
        let job = given.values["job"]?.stringValue ?? ""
        let view = try await finishedCensus(job, input: "job")
        guard let lon = given.values["lon"]?.numberValue, let lat = given.values["lat"]?.numberValue else {
            throw ServiceProblem.badInput("lon", "expected numbers lon and lat")
        }
        guard (-180...180).contains(lon) else { throw ServiceProblem.badInput("lon", "expected a longitude from −180 to 180, found \(lon)") }
        guard (-90...90).contains(lat) else { throw ServiceProblem.badInput("lat", "expected a latitude from −90 to 90, found \(lat)") }
        // Outside the census's grid nothing is known: every value is null (not an error, as a
        // client querying a map cannot know the grid's edge).
        let r = try view.point(lon: lon, lat: lat)
        var m: [(String, JSON)] = [("job", .string(job)), ("lon", .number(lon)), ("lat", .number(lat)),
                                   ("inside_grid", .bool(r != nil)), ("cell", r.map { .number(Double($0.cell)) } ?? .null),
                                   ("level", r?.level.map { .number(Double($0)) } ?? .null),
                                   ("level_name", r?.level.map { .string(Classification.levelNames[$0 - 1]) } ?? .null),
                                   ("risk_index", .number(r?.riskIndex)), ("eal", .number(r?.eal)), ("fatalities", .number(r?.fatalities)),
                                   ("unit", r?.unit.map { .string($0.name) } ?? .null), ("unit_code", r?.unit.map { .string($0.code) } ?? .null),
                                   ("currency", .string(view.currency))]
        for c in view.lossColumns { m.append((c, .number(r?.hazardLoss[c] ?? nil))) }
        for c in view.fatalityColumns { m.append((c, .number(r?.hazardFatalities[c] ?? nil))) }
        return .object(m)
    }

    /// Sums of a finished census over a GeoJSON polygon: cells by level, losses, residents
    /// covered and served, and the shelters inside with their load.
    func coverageOfArea(_ given: Inputs) async throws -> JSON {
        let job = given.values["job"]?.stringValue ?? ""
        let view = try await finishedCensus(job, input: "job")
        let polygon: Geometry
        do {
            polygon = try GeoJSONGeometry.parse(given.values["area"]?.text ?? "", what: "area")
        } catch {
            throw ServiceProblem.badInput("area", error.description)
        }
        let a: CensusView.AreaSummary
        do {
            a = try view.area(polygon)
        } catch {
            throw ServiceProblem.engine(error, input: "area")
        }
        var m: [(String, JSON)] = [("job", .string(job)), ("cells", .number(Double(a.cells))),
                                   ("cells_by_level", .object(zip(Classification.levelNames, a.levelCells).map { ($0.0, .number(Double($0.1))) })),
                                   ("eal", .number(a.eal)), ("fatalities", .number(a.fatalities)), ("currency", .string(view.currency))]
        for (c, v) in zip(view.lossColumns, a.hazardLoss) { m.append((c, .number(v))) }
        for (c, v) in zip(view.fatalityColumns, a.hazardFatalities) { m.append((c, .number(v))) }
        m += [("residents", .number(a.residents)), ("residents_covered", .number(a.covered)), ("residents_served", .number(a.served)),
              ("residents_not_served", a.residents.flatMap { r in a.served.map { .number(max(0, r - $0)) } } ?? .null)]
        let capacity = a.shelters.reduce(0.0) { $0 + ($1.attributes["capacity"]?.doubleValue ?? 0) }
        let assigned = a.shelters.reduce(0.0) { $0 + ($1.attributes["assigned"]?.doubleValue ?? 0) }
        m += [("shelters", .number(Double(a.shelters.count))), ("shelter_capacity", .number(capacity)), ("shelter_load", .number(assigned)),
              ("shelter_list", .array(a.shelters.enumerated().map { k, f in GeoJSONText.feature(f, id: f.attributes["id"]?.stringValue ?? String(k + 1)) }))]
        return .object(m)
    }

    /// A successful census job's view, or the problem that says why there is none.
    func finishedCensus(_ job: String, input: String) async throws -> CensusView {
        // Views are opened only for successful census jobs and forgotten on dismissal, so an open
        // one answers without asking the job manager (an actor hop per query).
        if let v = collections.openView(job: job) { return v }
        guard let r = await jobs.record(job) else { throw ServiceProblem.badInput(input, "no job \(job)") }
        guard r.process == "census", r.status == .successful else {
            throw ServiceProblem.badInput(input, "job \(job) is a \(r.process) job that is \(r.status.rawValue); a finished census job is needed")
        }
        return try collections.view(job: job, folder: await jobs.outputFolder(job))
    }

    // MARK: - Jobs

    func statusInfo(_ r: JobRecord, base b: String) async -> JSON {
        var m: [(String, JSON)] = [("jobID", .string(r.id)), ("processID", .string(r.process)), ("type", .string("process")),
                                   ("status", .string(r.status.rawValue)), ("message", .string(r.message)),
                                   ("created", .string(JobManager.timestamp(r.created))), ("updated", .string(JobManager.timestamp(r.updated)))]
        if let s = r.started { m.append(("started", .string(JobManager.timestamp(s)))) }
        if let f = r.finished { m.append(("finished", .string(JobManager.timestamp(f)))) }
        if let p = await jobs.progress(r.id) { m.append(("progress", .number(Double(p)))) }
        var links = [Self.link(b + "/jobs/" + r.id, "self", title: "job status")]
        if r.status == .successful {
            links.append(Self.link(b + "/jobs/" + r.id + "/results", "http://www.opengis.net/def/rel/ogc/1.0/results", title: "results"))
        }
        m.append(("links", .array(links)))
        return .object(m)
    }

    func jobList(_ req: Request) async -> Response {
        let b = base(req)
        var items: [JSON] = []
        for r in await jobs.list() { items.append(await statusInfo(r, base: b)) }
        return Self.json(.object([("jobs", .array(items)), ("links", .array([Self.link(b + "/jobs", "self")]))]))
    }

    func jobRecord(_ id: String) async throws -> JobRecord {
        guard let r = await jobs.record(id) else { throw ServiceProblem.noSuchJob(id) }
        return r
    }

    func jobStatus(_ req: Request, _ id: String) async throws -> Response {
        Self.json(await statusInfo(try await jobRecord(id), base: base(req)))
    }

    func dismiss(_ req: Request, _ id: String) async throws -> Response {
        guard let r = try await jobs.dismiss(id) else { throw ServiceProblem.noSuchJob(id) }
        collections.forget(job: id)
        return Self.json(await statusInfo(r, base: base(req)))
    }

    /// A finished job's outputs, each by reference (`/jobs/{id}/files/…`).
    func results(_ req: Request, _ id: String) async throws -> Response {
        let r = try await jobRecord(id)
        guard r.status == .successful else {
            throw ServiceProblem(.notFound, type: ServiceProblem.ogc + "result-not-ready", title: "Result not ready",
                                 detail: "job \(id) is \(r.status.rawValue)" + (r.status == .failed ? ": \(r.message)" : ""))
        }
        let out = await jobs.outputFolder(id)
        var files: [String] = []
        if let walker = FileManager.default.enumerator(atPath: out) {
            while let f = walker.nextObject() as? String {
                var isDir: ObjCBool = false
                let skip = f.hasPrefix("tiles") || f.hasPrefix(".") || f.hasSuffix(".sqlite")
                if !skip, FileManager.default.fileExists(atPath: out + "/" + f, isDirectory: &isDir), !isDir.boolValue { files.append(f) }
            }
        }
        let b = base(req)
        return Self.json(.object(files.sorted().map { f in
            (f, .object([("href", .string(b + "/jobs/\(id)/files/" + f)), ("type", .string(Self.mediaType(f)))]))
        }))
    }

    static func mediaType(_ file: String) -> String {
        switch (file as NSString).pathExtension {
        case "geojson": "application/geo+json"
        case "json": "application/json"
        case "csv": "text/csv"
        case "tif": "image/tiff; application=geotiff"
        case "png": "image/png"
        case "svg": "image/svg+xml"
        case "html": "text/html"
        default: "application/octet-stream"
        }
    }

    /// One file of a finished job's output folder; nothing outside it.
    func file(_ id: String, _ relative: String) async throws -> Response {
        let r = try await jobRecord(id)
        guard r.status == .successful else { throw ServiceProblem.noSuchJob(id) }
        let out = await jobs.outputFolder(id)
        guard let p = realpath(out + "/" + relative, nil) else {
            throw ServiceProblem(.notFound, type: "urn:riskcensus:problem:no-such-file", title: "No such file", detail: "job \(id) has no file \(relative)")
        }
        let resolved = String(cString: p)
        free(p)
        var isDir: ObjCBool = false
        guard resolved.hasPrefix(out + "/"), FileManager.default.fileExists(atPath: resolved, isDirectory: &isDir), !isDir.boolValue,
              let data = FileManager.default.contents(atPath: resolved) else {
            throw ServiceProblem(.notFound, type: "urn:riskcensus:problem:no-such-file", title: "No such file", detail: "job \(id) has no file \(relative)")
        }
        var headers = HTTPFields()
        headers[.contentType] = Self.mediaType(resolved)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: NIOCore.ByteBuffer(bytes: data)))
    }

    // MARK: - Features

    /// Every collection of every successful census job, in job order.
    func allCollections() async -> [CensusCollections.Collection] {
        var out: [CensusCollections.Collection] = []
        for r in await jobs.list() where r.process == "census" && r.status == .successful {
            out += collections.collections(job: r.id, folder: await jobs.outputFolder(r.id))
        }
        return out
    }

    func findCollection(_ id: String) async throws -> CensusCollections.Collection {
        for r in await jobs.list() where r.process == "census" && r.status == .successful && id.hasPrefix(r.id + "-") {
            if let c = collections.collections(job: r.id, folder: await jobs.outputFolder(r.id)).first(where: { $0.id == id }) { return c }
        }
        throw ServiceProblem.noSuchCollection(id)
    }

    static let crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

    func collectionJSON(_ c: CensusCollections.Collection, base b: String) async throws -> JSON {
        let folder = await jobs.outputFolder(c.job)
        let extent: Bounds?
        switch c.source {
        case .cells: extent = try collections.view(job: c.job, folder: folder).extent
        case .vector(let file): extent = try collections.layer(job: c.job, folder: folder, file: file).extent
        }
        var m: [(String, JSON)] = [("id", .string(c.id)), ("title", .string(c.title)), ("description", .string(c.description)),
                                   ("itemType", .string("feature")), ("crs", .array([.string(Self.crs84)]))]
        if let e = extent {
            m.append(("extent", .object([("spatial", .object([("bbox", .array([.array([e.minX, e.minY, e.maxX, e.maxY].map { .number($0) })])),
                                                               ("crs", .string(Self.crs84))]))])))
        }
        m.append(("links", .array([Self.link(b + "/collections/" + c.id, "self"),
                                   Self.link(b + "/collections/" + c.id + "/items", "items", "application/geo+json", title: "the features")])))
        return .object(m)
    }

    func collectionList(_ req: Request) async -> Response {
        let b = base(req)
        var items: [JSON] = []
        for c in await allCollections() {
            // A job whose files cannot be read is left out of the list (its items say why).
            if let j = try? await collectionJSON(c, base: b) { items.append(j) }
        }
        return Self.json(.object([("collections", .array(items)), ("links", .array([Self.link(b + "/collections", "self")]))]))
    }

    func collection(_ req: Request, _ id: String) async throws -> Response {
        Self.json(try await collectionJSON(try await findCollection(id), base: base(req)))
    }

    /// `bbox`, `limit` and `offset` of an items request.
    struct Paging {
        var bbox: Bounds?
        var limit = 10
        var offset = 0
        static let maxLimit = 10_000

        init(_ req: Request) throws(ServiceProblem) {
            let q = req.uri.queryParameters
            if let text = q["bbox"] {
                let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 4 || parts.count == 6, parts.allSatisfy({ $0?.isFinite == true }) else {
                    throw .badInput("bbox", "expected minLon,minLat,maxLon,maxLat (4 numbers, WGS 84), found \(text)")
                }
                let v = parts.map { $0! }
                let (x0, y0, x1, y1) = v.count == 4 ? (v[0], v[1], v[2], v[3]) : (v[0], v[1], v[3], v[4])
                guard x0 <= x1, y0 <= y1, (-90...90).contains(y0), (-90...90).contains(y1) else {
                    throw .badInput("bbox", "expected minLon ≤ maxLon and −90 ≤ minLat ≤ maxLat ≤ 90, found \(text)")
                }
                bbox = Bounds(minX: x0, minY: y0, maxX: x1, maxY: y1)
            }
            if let text = q["limit"] {
                guard let n = Int(text), (1...Self.maxLimit).contains(n) else {
                    throw .badInput("limit", "expected an integer from 1 to \(Self.maxLimit), found \(text)")
                }
                limit = n
            }
            if let text = q["offset"] {
                guard let n = Int(text), n >= 0 else { throw .badInput("offset", "expected an integer ≥ 0, found \(text)") }
                offset = n
            }
        }

        func query(offset o: Int) -> String {
            var parts = ["limit=\(limit)", "offset=\(o)"]
            if let b = bbox { parts.insert("bbox=\(b.minX),\(b.minY),\(b.maxX),\(b.maxY)", at: 0) }
            return parts.joined(separator: "&")
        }
    }

    func items(_ req: Request, _ id: String) async throws -> Response {
        let c = try await findCollection(id)
        let paging = try Paging(req)
        let folder = await jobs.outputFolder(c.job)
        let features: [JSON], more: Bool
        var matched: Int?
        switch c.source {
        case .cells:
            let view = try collections.view(job: c.job, folder: folder)
            let page = try view.cells(in: paging.bbox ?? view.extent, limit: paging.limit, offset: paging.offset)
            features = GeoJSONText.cells(page.cells, view: view)
            more = page.more
        case .vector(let file):
            let layer = try collections.layer(job: c.job, folder: folder, file: file)
            // Features whose bounds meet the box (a point's bounds have no size).
            let hits = layer.features.filter { f in
                guard let b = paging.bbox else { return true }
                guard let fb = f.bounds else { return false }
                return fb.minX <= b.maxX && fb.maxX >= b.minX && fb.minY <= b.maxY && fb.maxY >= b.minY
            }
            matched = hits.count
            features = hits.dropFirst(paging.offset).prefix(paging.limit).map(\.json)
            more = paging.offset + features.count < hits.count
        }
        let b = base(req) + "/collections/" + id + "/items"
        var links = [Self.link(b + "?" + paging.query(offset: paging.offset), "self", "application/geo+json"),
                     Self.link(base(req) + "/collections/" + id, "collection")]
        if more { links.append(Self.link(b + "?" + paging.query(offset: paging.offset + features.count), "next", "application/geo+json")) }
        var m: [(String, JSON)] = [("type", .string("FeatureCollection")), ("features", .array(features))]
        if let matched { m.append(("numberMatched", .number(Double(matched)))) }
        m += [("numberReturned", .number(Double(features.count))), ("timeStamp", .string(JobManager.timestamp(Date()))),
              ("links", .array(links))]
        return Self.json(.object(m), type: "application/geo+json")
    }

    func item(_ req: Request, _ id: String, _ featureId: String) async throws -> Response {
        let c = try await findCollection(id)
        let folder = await jobs.outputFolder(c.job)
        let missing = ServiceProblem(.notFound, type: "urn:riskcensus:problem:no-such-feature", title: "No such feature",
                                     detail: "collection \(id) has no feature \(featureId)")
        var feature: JSON
        switch c.source {
        case .cells:
            let view = try collections.view(job: c.job, folder: folder)
            guard let n = Int(featureId), let cell = try view.cell(id: n) else { throw missing }
            feature = GeoJSONText.cells([cell], view: view, links: [
                Self.link(base(req) + "/collections/\(id)/items/\(featureId)", "self", "application/geo+json"),
                Self.link(base(req) + "/collections/" + id, "collection")])[0]
        case .vector(let file):
            guard let f = try collections.layer(job: c.job, folder: folder, file: file).features.first(where: { $0.id == featureId }) else { throw missing }
            feature = f.json
        }
        if case .object(var members) = feature {
            members.append(("links", .array([Self.link(base(req) + "/collections/\(id)/items/\(featureId)", "self", "application/geo+json"),
                                             Self.link(base(req) + "/collections/" + id, "collection")])))
            feature = .object(members)
        }
        return Self.json(feature, type: "application/geo+json")
    }
}

/// A request's input values, checked against the process's inputs: none unknown, every required
/// one given, each of its kind.
struct Inputs: Sendable {
    var values: [String: JSON] = [:]

    init(process p: ProcessDescription, values given: [(String, JSON)]) throws(ServiceProblem) {
        for (name, raw) in given {
            guard let input = p.inputs.first(where: { $0.name == name }) else {
                throw .badInput(name, "process \(p.id) has no input \(name); it takes \(p.inputs.map(\.name).joined(separator: ", "))")
            }
            // A qualified value ({"value": …}) is taken as its value.
            var value = raw
            if input.kind != .manifest && input.kind != .geometry, case .object(let m) = raw, m.count == 1, m[0].0 == "value" { value = m[0].1 }
            switch input.kind {
            case .flag:
                guard case .bool = value else { throw .badInput(name, "expected true or false, found \(value.text.prefix(80))") }
            case .number, .integer:
                let n: Double? = value.numberValue ?? value.stringValue.flatMap(Double.init)
                guard let n, n.isFinite, input.kind == .number || n == n.rounded() else {
                    throw .badInput(name, "expected \(input.kind == .integer ? "an integer" : "a number"), found \(value.text.prefix(80))")
                }
                value = .number(n)
            case .text:
                if let n = value.numberValue { value = .string(JSONText.number(n)) }
                guard let text = value.stringValue, !text.utf8.contains(0) else { throw .badInput(name, "expected text, found \(value.text.prefix(80))") }
            case .path, .paths:
                if case .array(let items) = value, items.allSatisfy({ $0.stringValue != nil }) {
                    value = .string(items.compactMap(\.stringValue).joined(separator: ","))
                }
                guard value.stringValue != nil else { throw .badInput(name, "expected a path under the data root, found \(value.text.prefix(80))") }
            case .manifest:
                switch value {
                case .string, .object: break
                default: throw .badInput(name, "expected a path under the data root or the manifest as a JSON object, found \(value.text.prefix(80))")
                }
            case .geometry:
                guard case .object = value, value["type"]?.stringValue != nil else {
                    throw .badInput(name, "expected a GeoJSON geometry object, found \(value.text.prefix(80))")
                }
            }
            values[name] = value
        }
        for input in p.inputs where input.required && values[input.name] == nil {
            throw .badInput(input.name, "process \(p.id) needs the input \(input.name) (\(input.title))")
        }
    }
}
