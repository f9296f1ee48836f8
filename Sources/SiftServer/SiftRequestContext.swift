import HTTPTypes
import Hummingbird
import Logging
import SiftCore

/// Request context carrying the query id that ties a request to its events and logs.
public struct SiftRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The id sent back as `X-Request-Id`; a query started by this request uses it.
    public var requestID: QueryID
    /// Who is asking, for fair shares and per-client bounds: `key:NAME` once a request's API key is
    /// checked, else `addr:IP` (the peer's address; behind a proxy, the proxy's).
    public var client: String
    /// The API key the request came with, once checked (`SIFT_AUTH=required`); nil when keys are off.
    public var apiKey: APIKeyRecord?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = QueryID()
        self.client = "addr:" + (source.channel.remoteAddress?.ipAddress ?? "unknown")
        self.logger[metadataKey: "query_id"] = "\(requestID)"
    }
}

/// Sets `X-Request-Id` on every response (unless the route set it: a resumable query's events carry the
/// query's id), counts requests by route and status, and answers a request no route matched with a typed
/// JSON error: 405 `method_not_allowed` with `Allow` when the path is served with other methods, else 404
/// `not_found` (Hummingbird's own answer is a bare 404 in both cases).
///
/// Before routing, the ``RequestGuard`` refuses a Host not allowed (421), a foreign browser origin (403),
/// a form or text body on a JSON route (415) and a declared body over the cap (413). HEAD is answered
/// wherever GET is: by the router, as GET without the body (`RouterOptions.autoGenerateHeadEndpoints`),
/// and by ``StreamHeadMiddleware`` on the event-stream routes with the stream's head alone.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = SiftRequestContext
    let metrics: SiftMetrics
    let routes: RouteTable
    var requestGuard: RequestGuard

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            try requestGuard.check(request)
        } catch {
            metrics.recordRejection(error.reason)
            var response = Response.connectionError(
                status: error.status, code: error.code, message: error.message, id: context.requestID.rawValue)
            // An unread body (413) is not worth reading: the connection closes after the answer.
            if error.status == .contentTooLarge { response.headers[.connection] = "close" }
            metrics.recordHTTPRequest(route: "refused", status: Int(error.status.code))
            return response
        }
        do {
            var response = try await next(request, context)
            if response.headers[.requestID] == nil { response.headers[.requestID] = context.requestID.rawValue }
            // A refusal on the way (a key's 401, 403 or 429) has a JSON body; a HEAD answer has none.
            if request.method == .head, response.body.contentLength != 0 { Self.dropBody(&response) }
            if response.status == .contentTooLarge { response.headers[.connection] = "close" }
            metrics.recordHTTPRequest(route: context.endpointPath ?? "unmatched", status: Int(response.status.code))
            return response
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            var response = routes.unmatched(request, id: context.requestID)
            metrics.recordHTTPRequest(route: context.endpointPath ?? "unmatched", status: Int(response.status.code))
            if request.method == .head { Self.dropBody(&response) }
            return response
        } catch let error as any HTTPResponseError {
            metrics.recordHTTPRequest(route: context.endpointPath ?? "unmatched", status: Int(error.status.code))
            throw error
        } catch {
            metrics.recordHTTPRequest(route: context.endpointPath ?? "unmatched", status: 500)
            throw error
        }
    }

    /// A HEAD answer: the GET answer's head, its `Content-Length` kept when known, and no body.
    private static func dropBody(_ response: inout Response) {
        let length = response.body.contentLength
        response.body = ResponseBody()
        if let length { response.headers[.contentLength] = "\(length)" }
    }
}

/// HEAD on the event-stream routes: the stream's head alone, without starting or reading a query (the
/// router would run GET's handler for it). It sits after the key check, so that a HEAD needs the same
/// key its GET does.
struct StreamHeadMiddleware: RouterMiddleware {
    typealias Context = SiftRequestContext

    /// Whether GET `route` answers with an event stream: HEAD gets its head without a query.
    static func isStreamRoute(_ route: String) -> Bool {
        route == "/v1/answer/stream" || (route.hasPrefix("/v1/queries/") && route.hasSuffix("/events"))
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .head, let route = context.endpointPath, Self.isStreamRoute(route) else {
            return try await next(request, context)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
                .requestID: context.requestID.rawValue,
            ])
    }
}
