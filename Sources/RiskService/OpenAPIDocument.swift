import Foundation
import RiskCensus

/// The service's OpenAPI 3.0 document (`GET /api`), made from the same process descriptions the
/// service executes, so the two cannot drift apart.
enum OpenAPIDocument {
    /// Example values of the path parameters (a job and a collection that exist), so that a
    /// client generating requests from the document reaches real resources.
    struct Examples: Sendable {
        var processId = "census", jobId: String?, collectionId: String?, featureId: String?
    }

    static func make(_ processes: [ProcessDescription], base: String, examples: Examples = Examples()) -> JSON {
        .object([
            ("openapi", .string("3.0.3")),
            ("info", .object([("title", .string("riskcensus")), ("version", .string(EngineInfo.version)),
                              ("description", .string("Natural-disaster risk census engine: OGC API – Processes (census jobs, coverage, impact, damage, losses; risk at a point) and OGC API – Features (the results of finished census jobs)."))])),
            ("servers", .array([.object([("url", .string(base))])])),
            ("paths", .object(paths(examples))),
            ("components", .object([("schemas", .object(schemas(processes)))])),
        ])
    }

    // MARK: - Pieces

    static func ref(_ name: String) -> JSON { .object([("$ref", .string("#/components/schemas/" + name))]) }

    static func content(_ type: String, _ schema: JSON) -> JSON { .object([(type, .object([("schema", schema)]))]) }

    static func response(_ description: String, _ type: String = "application/json", _ schema: JSON = ref("Object")) -> JSON {
        .object([("description", .string(description)), ("content", content(type, schema))])
    }

    // Computed, not stored: a global holding indirect enum values is a leak to LeakSanitizer.
    static var problem: JSON { response("A problem (RFC 7807).", "application/problem+json", ref("Problem")) }

    static func parameter(_ name: String, in place: String, _ schema: JSON, required: Bool, _ description: String) -> JSON {
        .object([("name", .string(name)), ("in", .string(place)), ("required", .bool(required)), ("description", .string(description)),
                 ("schema", schema)])
    }

    static var string: JSON { .object([("type", .string("string"))]) }

    static func pathParameter(_ name: String, _ description: String, example: String? = nil) -> JSON {
        guard case .object(var members) = parameter(name, in: "path", .object([("type", .string("string")), ("pattern", .string("^[^/]+$"))]),
                                                    required: true, description) else { return .null }
        if let example { members.append(("example", .string(example))) }
        return .object(members)
    }

    static func operation(_ id: String, _ summary: String, parameters: [JSON] = [], body: JSON? = nil, responses: [(String, JSON)]) -> JSON {
        var m: [(String, JSON)] = [("operationId", .string(id)), ("summary", .string(summary))]
        if !parameters.isEmpty { m.append(("parameters", .array(parameters))) }
        if let body { m.append(("requestBody", body)) }
        m.append(("responses", .object(responses + [("400", problem), ("404", problem), ("500", problem)].filter { r in !responses.contains { $0.0 == r.0 } })))
        return .object(m)
    }

    static func paths(_ ex: Examples) -> [(String, JSON)] {
        let processId = pathParameter("processId", "A process id (GET /processes).", example: ex.processId)
        let jobId = pathParameter("jobId", "A job id (GET /jobs).", example: ex.jobId)
        let collectionId = pathParameter("collectionId", "A collection id (GET /collections).", example: ex.collectionId)
        let featureId = pathParameter("featureId", "A feature id.", example: ex.featureId)
        let items: [JSON] = [
            collectionId,
            parameter("bbox", in: "query", .object([("type", .string("array")), ("minItems", .number(4)), ("maxItems", .number(4)),
                                                     ("items", .object([("type", .string("number"))]))]), required: false,
                      "minLon,minLat,maxLon,maxLat in WGS 84 (CRS84)."),
            parameter("limit", in: "query", .object([("type", .string("integer")), ("minimum", .number(1)), ("maximum", .number(10_000)), ("default", .number(10))]),
                      required: false, "Features per page."),
            parameter("offset", in: "query", .object([("type", .string("integer")), ("minimum", .number(0)), ("default", .number(0))]),
                      required: false, "Features skipped (the next link carries it)."),
        ]
        let geojson = response("GeoJSON (RFC 7946).", "application/geo+json")
        return [
            ("/", .object([("get", operation("landing", "Landing page", responses: [("200", response("Links to the API, conformance, collections, processes and jobs."))]))])),
            ("/conformance", .object([("get", operation("conformance", "Conformance classes", responses: [("200", response("The conformance classes."))]))])),
            ("/api", .object([("get", operation("api", "This document", responses: [("200", response("OpenAPI 3.0.", "application/vnd.oai.openapi+json;version=3.0"))]))])),
            ("/processes", .object([("get", operation("processes", "The processes", responses: [("200", response("Process summaries."))]))])),
            ("/processes/{processId}", .object([("get", operation("process", "A process's description", parameters: [processId],
                                                                   responses: [("200", response("The process with its inputs and outputs."))]))])),
            ("/processes/{processId}/execution", .object([("post", operation(
                "execute", "Execute a process: a job (201, Location) for census, coverage, impact, damage and losses; the answer for risk-at-point",
                parameters: [processId, parameter("Prefer", in: "header", .object([("type", .string("string")), ("enum", .array([.string("respond-async")]))]),
                                                  required: false, "respond-async (jobs are asynchronous in any case).")],
                body: .object([("required", .bool(true)), ("content", content("application/json", ref("Execute")))]),
                responses: [("200", response("A synchronous process's answer.")), ("201", response("The job's status; its URL in Location.")),
                            ("413", problem)]))])),
            ("/jobs", .object([("get", operation("jobs", "The jobs", responses: [("200", response("Job status documents."))]))])),
            ("/jobs/{jobId}", .object([
                ("get", operation("job", "A job's status", parameters: [jobId], responses: [("200", response("Status and progress."))])),
                ("delete", operation("dismiss", "Dismiss a job: stop it, or remove its results", parameters: [jobId],
                                     responses: [("200", response("The job, dismissed."))])),
            ])),
            ("/jobs/{jobId}/results", .object([("get", operation("results", "A finished job's outputs, by reference", parameters: [jobId],
                                                                  responses: [("200", response("Output files with their links."))]))])),
            ("/collections", .object([("get", operation("collections", "Feature collections of the finished censuses",
                                                         responses: [("200", response("The collections."))]))])),
            ("/collections/{collectionId}", .object([("get", operation("collection", "A collection", parameters: [collectionId],
                                                                        responses: [("200", response("The collection."))]))])),
            ("/collections/{collectionId}/items", .object([("get", operation("items", "Features of a collection", parameters: items,
                                                                              responses: [("200", geojson)]))])),
            ("/collections/{collectionId}/items/{featureId}", .object([("get", operation("item", "One feature", parameters: [collectionId, featureId],
                                                                                          responses: [("200", geojson)]))])),
        ]
    }

    static func schemas(_ processes: [ProcessDescription]) -> [(String, JSON)] {
        [
            ("Object", .object([("type", .string("object"))])),
            ("Problem", .object([("type", .string("object")), ("required", .array([.string("type"), .string("title"), .string("status"), .string("detail")])),
                                 ("properties", .object([("type", string), ("title", string), ("status", .object([("type", .string("integer"))])),
                                                         ("detail", string), ("input", string)]))])),
            ("Execute", .object([("type", .string("object")),
                                 ("properties", .object([("inputs", .object([("type", .string("object")),
                                                                             ("description", .string("Input values by id; see each process's description."))]))]))])),
        ]
    }

    /// An input as OGC API – Processes describes it: title and a JSON schema.
    static func inputDescription(_ i: ProcessInput) -> JSON {
        let schema: JSON
        switch i.kind {
        case .flag: schema = .object([("type", .string("boolean"))] + (i.defaultValue.map { [("default", .bool($0 == "true"))] } ?? []))
        case .number: schema = .object([("type", .string("number"))] + (i.defaultValue.flatMap(Double.init).map { [("default", .number($0))] } ?? []))
        case .integer: schema = .object([("type", .string("integer"))] + (i.defaultValue.flatMap(Double.init).map { [("default", .number($0))] } ?? []))
        case .text: schema = .object([("type", .string("string"))] + (i.defaultValue.map { [("default", .string($0))] } ?? []))
        case .path, .paths: schema = .object([("type", .string("string")), ("description", .string("A path relative to the data root."))])
        case .manifest:
            schema = .object([("oneOf", .array([.object([("type", .string("string")), ("description", .string("A manifest file relative to the data root."))]),
                                                .object([("type", .string("object")), ("description", .string("The manifest itself (docs/manifest.schema.json); relative paths in it are taken from the data root."))])]))])
        case .geometry: schema = .object([("type", .string("object")), ("description", .string("A GeoJSON geometry in WGS 84."))])
        }
        return .object([("title", .string(i.title)), ("minOccurs", .number(i.required ? 1 : 0)), ("maxOccurs", .number(1)), ("schema", schema)])
    }

    static func outputs(_ p: ProcessDescription) -> [(String, JSON)] {
        switch p.execution {
        case .job: [("files", .object([("title", .string("The command's output files, by reference.")), ("schema", .object([("type", .string("object"))]))]))]
        case .riskAtPoint, .coverageOfArea: [("result", .object([("title", .string("The answer.")), ("schema", .object([("type", .string("object"))]))]))]
        }
    }
}
