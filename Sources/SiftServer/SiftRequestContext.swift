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
struct RequestMiddleware: RouterMiddleware {
    typealias Context = SiftRequestContext
    let metrics: SiftMetrics
    let routes: RouteTable

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            var response = try await next(request, context)
            if response.headers[.requestID] == nil { response.headers[.requestID] = context.requestID.rawValue }
            metrics.recordHTTPRequest(route: context.endpointPath ?? "unmatched", status: Int(response.status.code))
            return response
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            let response = routes.unmatched(request, id: context.requestID)
            metrics.recordHTTPRequest(route: context.endpointPath ?? "unmatched", status: Int(response.status.code))
            return response
        } catch let error as any HTTPResponseError {
            metrics.recordHTTPRequest(route: context.endpointPath ?? "unmatched", status: Int(error.status.code))
            throw error
        } catch {
            metrics.recordHTTPRequest(route: context.endpointPath ?? "unmatched", status: 500)
            throw error
        }
    }
}
