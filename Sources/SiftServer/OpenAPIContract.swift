import HTTPTypes
import Hummingbird
import NIOCore
import SiftCore

/// The contract of the HTTP API: docs/openapi.json (OpenAPI 3.1), served at `GET /openapi.json`.
///
/// The contract is written by hand and checked against the server, not the other way round
/// (docs/architecture.md says why): `OpenAPIContractTests` compares its paths with the router's
/// routes, and tests/system/test_openapi.py fuzzes a live siftd with schemathesis against it.
/// `scripts/gen-openapi-swift.py` copies the file into ``json`` (OpenAPIContract+JSON.swift).
enum OpenAPIContract {
    /// The bytes served, made once.
    static let body = ByteBuffer(string: json)

    static func response() -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: body))
    }
}

/// The routes a router serves, by method and path, for the answers to requests that match none:
/// a path served with other methods is a 405 with `Allow`, any other a 404, both in the JSON error
/// envelope. Filled once the router has every route (``SiftRoutes/router()``).
final class RouteTable: Sendable {
    private let routes = LockedValue<[(method: HTTPRequest.Method, path: [Substring])]>([])

    /// Keeps `routes` (the router's own list, `Router.routes`).
    func set(_ routes: [(method: HTTPRequest.Method, path: String)]) {
        let split = routes.map { (method: $0.method, path: $0.path.split(separator: "/", omittingEmptySubsequences: true)) }
        self.routes.withLock { $0 = split }
    }

    /// The methods served at `path` (a request's path, without the query), in a stable order.
    func methods(at path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let found = routes.withLock { routes in
            routes.filter { route in
                route.path.count == segments.count
                    && zip(route.path, segments).allSatisfy { pattern, segment in
                        (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern.hasPrefix(":") || pattern == segment
                    }
            }.map(\.method.rawValue)
        }
        return Set(found).sorted().compactMap { HTTPRequest.Method($0) }
    }

    /// The pattern of the route serving `method` at `path` (`/v1/queries/:id/events`), if any.
    func route(of method: HTTPRequest.Method, at path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.withLock { routes in
            routes.first { route in
                route.method == method && route.path.count == segments.count
                    && zip(route.path, segments).allSatisfy { pattern, segment in
                        (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern.hasPrefix(":") || pattern == segment
                    }
            }.map { "/" + $0.path.joined(separator: "/") }
        }
    }

    /// The answer to a request no route matched.
    func unmatched(_ request: Request, id: QueryID) -> Response {
        let allowed = methods(at: request.uri.path)
        guard !allowed.isEmpty else {
            let error = APIErrorBody.Inner(
                code: "not_found", message: "There is nothing at \(request.uri.path.prefix(200)); GET /openapi.json lists every path.",
                stage: "accepting", retryable: false)
            return .json(["error": error], status: .notFound, id: id)
        }
        // HEAD is answered wherever GET is (``RequestMiddleware``).
        let names = (allowed.contains(.get) ? allowed + [.head] : allowed).map(\.rawValue).joined(separator: ", ")
        let error = APIErrorBody.Inner(
            code: "method_not_allowed",
            message: "\(request.uri.path.prefix(200)) does not answer \(request.method.rawValue.prefix(20)); it answers \(names).",
            stage: "accepting", retryable: false)
        var response = Response.json(["error": error], status: .methodNotAllowed, id: id)
        response.headers[.allow] = names
        return response
    }
}
