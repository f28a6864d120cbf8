import Foundation
import Hummingbird
import NIOCore
import RiskCensus
import RiskGeo

/// An RFC 7807 problem document: every error the service answers with. Bad input is 400 and
/// names the input; the detail of an engine error is the CLI's own message.
public struct ServiceProblem: Error, Sendable {
    public var status: HTTPResponse.Status
    /// A URI naming the kind of problem: OGC's exception types where the standard has one.
    public var type: String
    public var title: String
    public var detail: String
    /// The request input the problem is about, when there is one.
    public var input: String?

    public init(_ status: HTTPResponse.Status, type: String, title: String, detail: String, input: String? = nil) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.input = input
    }

    static let ogc = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"

    static func badInput(_ input: String, _ detail: String) -> ServiceProblem {
        ServiceProblem(.badRequest, type: "urn:riskcensus:problem:invalid-input", title: "Invalid input", detail: "\(input): \(detail)", input: input)
    }

    static func badRequest(_ detail: String) -> ServiceProblem {
        ServiceProblem(.badRequest, type: "urn:riskcensus:problem:bad-request", title: "Bad request", detail: detail)
    }

    static func noSuchProcess(_ id: String) -> ServiceProblem {
        ServiceProblem(.notFound, type: ogc + "no-such-process", title: "No such process", detail: "no process \(id); GET /processes lists them")
    }

    static func noSuchJob(_ id: String) -> ServiceProblem {
        ServiceProblem(.notFound, type: ogc + "no-such-job", title: "No such job", detail: "no job \(id); GET /jobs lists them")
    }

    static func noSuchCollection(_ id: String) -> ServiceProblem {
        ServiceProblem(.notFound, type: "urn:riskcensus:problem:no-such-collection", title: "No such collection",
                       detail: "no collection \(id); GET /collections lists them")
    }

    /// An engine error: input problems (the CLI's exit codes 2 and 3) are the client's, the rest
    /// the service's. The detail is the CLI's wording.
    static func engine(_ error: CensusError, input: String? = nil) -> ServiceProblem {
        if case .input(let name, let message) = error { return .badInput(input ?? name, message) }
        let clients = error.exitCode == 2 || error.exitCode == 3
        return ServiceProblem(clients ? .badRequest : .internalServerError,
                              type: clients ? "urn:riskcensus:problem:invalid-input" : "urn:riskcensus:problem:engine-error",
                              title: clients ? "Invalid input" : "Engine error", detail: (input.map { "\($0): " } ?? "") + error.description, input: input)
    }

    var json: JSON {
        var members: [(String, JSON)] = [("type", .string(type)), ("title", .string(title)), ("status", .number(Double(status.code))),
                                         ("detail", .string(detail))]
        if let input { members.append(("input", .string(input))) }
        return .object(members)
    }

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: NIOCore.ByteBuffer(string: json.text)))
    }
}

/// Turns whatever a handler throws, and requests no route matches, into problem documents.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Whichever layer refuses a large body (NIO while collecting it, or Hummingbird), it says so alike.
    static var tooLarge: String { "the request body is larger than the service accepts (\(CensusService.maxBody / 1024) KiB)" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let p as ServiceProblem {
            return p.response
        } catch let e as CensusError {
            return ServiceProblem.engine(e).response
        } catch let e as GeoError {
            return ServiceProblem.engine(.geo(e)).response
        } catch is NIOTooManyBytesError {
            return ServiceProblem(.contentTooLarge, type: "urn:riskcensus:problem:http-413", title: HTTPResponse.Status.contentTooLarge.reasonPhrase,
                                  detail: Self.tooLarge).response
        } catch let e as HTTPError {
            let detail: String
            switch e.status {
            case .notFound: detail = "no resource at \(request.uri.path); GET / lists what the service offers"
            case .contentTooLarge: detail = Self.tooLarge
            case .methodNotAllowed: detail = "\(request.method) is not allowed on \(request.uri.path)"
            default: detail = e.body ?? e.status.reasonPhrase
            }
            return ServiceProblem(e.status, type: "urn:riskcensus:problem:http-\(e.status.code)", title: e.status.reasonPhrase, detail: detail).response
        } catch {
            return ServiceProblem(.internalServerError, type: "urn:riskcensus:problem:internal", title: "Internal error", detail: "\(error)").response
        }
    }
}
