import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A replay of a SearXNG instance's search API (`GET|POST /search`, and `/` which
/// redirects there), built from https://docs.searxng.org/dev/search_api.html and the
/// SearXNG sources: allowed output formats (`403` otherwise), the bot-detecting limiter
/// (`429`), parameter errors (`400 {"error": ...}`), paging by `pageno`, and JSON results
/// with engines, positions, scores and `unresponsive_engines`.
///
/// ```swift
/// let searxng = SearXNGReplay(configuration: .init(limiter: true))
/// try await withReplayServer(searxng.router()) { port in
///     // GET http://127.0.0.1:\(port)/search?q=swift&format=json
/// }
/// ```
public final class SearXNGReplay: ReplayRoutes {
    /// How the replay behaves.
    public let configuration: Configuration
    /// Every request the replay saw, with the status it answered.
    public let requestLog: ReplayRequestLog
    /// Faults and latency to inject.
    public let scenarios: ReplayScenarios

    private let now: @Sendable () -> ReplayInstant
    private let botDetection: Mutex<SearXNGBotDetection>

    /// The output formats SearXNG knows; an unknown `format` falls back to html.
    static let outputFormats: Set<String> = ["html", "csv", "json", "rss"]

    /// A replay whose limiter windows are measured on `clock` (a manual clock in tests).
    public init<C: Clock>(configuration: Configuration = Configuration(), clock: C) where C.Duration == Duration {
        self.configuration = configuration
        self.requestLog = ReplayRequestLog(capacity: configuration.requestLogCapacity)
        self.scenarios = ReplayScenarios()
        self.now = ReplayInstant.timeline(of: clock)
        self.botDetection = Mutex(SearXNGBotDetection(ipLimit: configuration.ipLimit))
    }

    /// A replay whose limiter windows are measured in real time.
    public convenience init(configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, clock: ContinuousClock())
    }

    /// Adds `/search` and `/` (GET and POST) and `/healthz` (under `prefix`, if given) to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>, prefix: String = "") {
        let root = prefix.isEmpty ? "/" : prefix
        for path in [prefix + "/search", root] {
            router.get(RouterPath(path)) { request, _ in await self.respond(to: request, prefix: prefix) }
            router.post(RouterPath(path)) { request, _ in await self.respond(to: request, prefix: prefix) }
        }
        router.get(RouterPath(prefix + "/healthz")) { request, _ in await self.respond(to: request, prefix: prefix) }
    }

    /// Answers one request to `/search`, `/` or `/healthz` (paths relative to `prefix`).
    public func respond(to request: Request, prefix: String = "") async -> Response {
        var request = request
        let received = now()
        var parameters: [ReplayParameter] = []
        if request.method == .post,
            (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/x-www-form-urlencoded"),
            let body = try? await request.collectBody(upTo: 1 << 20)
        {
            parameters = ReplayHTTP.decodeForm(String(buffer: body))
        }
        // SearXNG reads form fields first and fills in what is missing from the URL's query.
        let formNames = Set(parameters.map(\.name))
        parameters += ReplayHTTP.queryParameters(of: request).filter { !formNames.contains($0.name) }

        var path = request.uri.path
        if !prefix.isEmpty, path.hasPrefix(prefix) { path = String(path.dropFirst(prefix.count)) }
        if path.isEmpty { path = "/" }
        var response = answer(request, path: path, prefix: prefix, parameters: parameters, at: received)
        for (name, value) in Self.defaultHeaders { response.headers[name] = value }
        let latency = scenarios.latency
        if latency > .zero {
            try? await Task.sleep(for: latency)
        }
        requestLog.append(
            RecordedRequest(
                method: request.method, path: request.uri.path, parameters: parameters, headers: request.headers,
                status: response.status, receivedAt: received.offset))
        return response
    }

    /// `server.default_http_headers` of SearXNG's settings.yml.
    static let defaultHeaders: [(HTTPField.Name, String)] = [
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("X-Download-Options")!, "noopen"),
        (HTTPField.Name("X-Robots-Tag")!, "noindex, nofollow"),
        (HTTPField.Name("Referrer-Policy")!, "no-referrer"),
    ]

    private func answer(
        _ request: Request, path: String, prefix: String, parameters: [ReplayParameter], at instant: ReplayInstant
    ) -> Response {
        let form = Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        var format = form["format"] ?? "html"
        if !Self.outputFormats.contains(format) { format = "html" }

        if configuration.limiter {
            let blocked = botDetection.withLock { $0.check(path: path, format: format, headers: request.headers, at: instant) }
            if blocked != nil { return tooManyRequests(request) }
        }
        if path == "/healthz" {
            return text(.ok, "OK", contentType: "text/plain; charset=utf-8", request: request)
        }
        if path == "/" {
            guard let q = form["q"], !q.isEmpty else { return indexPage(request) }
            var headers = HTTPFields()
            headers[.location] = prefix + "/search" + (request.uri.query.map { "?" + $0 } ?? "")
            return ReplayHTTP.response(
                status: .permanentRedirect, contentType: "text/html; charset=utf-8", headers: headers,
                body: ByteBuffer(string: "<!doctype html>\n<title>Redirecting...</title>\n"),
                compression: configuration.compression, request: request)
        }

        if let fault = scenarios.takeFault() {
            switch fault.kind {
            case .rateLimited:
                return tooManyRequests(request)
            case .status(let status):
                return ReplayHTTP.response(
                    status: status, contentType: "text/html", body: ReplayHTTP.gatewayErrorPage(status),
                    compression: configuration.compression, request: request)
            case .stall(let duration):
                return ReplayHTTP.stalledResponse(duration)
            case .reset:
                return ReplayHTTP.resetResponse()
            }
        }

        guard configuration.formats.contains(format) else { return forbidden(request) }
        guard let q = form["q"], !q.isEmpty else {
            if format == "html" { return indexPage(request) }
            return parameterError("No query", format: format, request: request)
        }
        let search: SearXNGSearch
        switch SearXNGSearch.parse(q: q, form: form) {
        case .success(let parsed): search = parsed
        case .failure(let failure): return parameterError(failure.message, format: format, request: request)
        }
        let body = searchResponse(for: search)
        switch format {
        case "json":
            return ReplayHTTP.response(
                status: .ok, contentType: "application/json", body: ReplayHTTP.json(body),
                compression: configuration.compression, request: request)
        case "csv":
            var headers = HTTPFields()
            headers[.contentDisposition] = "attachment;Filename=searx_-_\(q).csv"
            return ReplayHTTP.response(
                status: .ok, contentType: "application/csv", headers: headers, body: ByteBuffer(string: Self.csv(body)),
                compression: configuration.compression, request: request)
        case "rss":
            return text(.ok, Self.rss(body), contentType: "text/xml; charset=utf-8", request: request)
        default:
            return text(.ok, Self.html(body), contentType: "text/html; charset=utf-8", request: request)
        }
    }

    private func text(_ status: HTTPResponse.Status, _ body: String, contentType: String, request: Request) -> Response {
        ReplayHTTP.response(
            status: status, contentType: contentType, body: ByteBuffer(string: body),
            compression: configuration.compression, request: request)
    }

    /// The limiter's answer: flask's `make_response(('Too Many Requests', 429))`.
    private func tooManyRequests(_ request: Request) -> Response {
        text(.tooManyRequests, "Too Many Requests", contentType: "text/html; charset=utf-8", request: request)
    }

    /// `flask.abort(403)`: Werkzeug's default Forbidden page.
    private func forbidden(_ request: Request) -> Response {
        text(
            .forbidden,
            "<!doctype html>\n<html lang=en>\n<title>403 Forbidden</title>\n<h1>Forbidden</h1>\n<p>You don&#39;t have the permission to access the requested resource. It is either read-protected or not readable by the server.</p>\n",
            contentType: "text/html; charset=utf-8", request: request)
    }

    /// `index_error(format, message), 400`.
    private func parameterError(_ message: String, format: String, request: Request) -> Response {
        switch format {
        case "json":
            return ReplayHTTP.response(
                status: .badRequest, contentType: "application/json", body: ReplayHTTP.json(["error": message]),
                compression: configuration.compression, request: request)
        case "csv":
            return text(.badRequest, "", contentType: "application/csv", request: request)
        default:
            return text(
                .badRequest, "<!doctype html>\n<title>SearXNG</title>\n<p class=\"error\">\(ReplayHTTP.escapeHTML(message))</p>\n",
                contentType: "text/html; charset=utf-8", request: request)
        }
    }

    private func indexPage(_ request: Request) -> Response {
        text(
            .ok,
            "<!doctype html>\n<title>SearXNG</title>\n<form method=\"post\" action=\"search\"><input name=\"q\"></form>\n",
            contentType: "text/html; charset=utf-8", request: request)
    }
}
