import FoundationEssentials
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SiftCore
import SiftText

/// Builds Sift's HTTP router: the browser client, the query API, health and metrics.
public struct SiftRoutes: Sendable {
    let runner: any QueryRunning
    let registry: StreamRegistry
    let metrics: SiftMetrics
    let configuration: SiftServerConfiguration
    let readiness: @Sendable () -> Readiness
    /// What `/v1/chat/completions` and `/v1/models` offer, read per request so that a reload applies.
    let chatModels: @Sendable () -> ChatModelCatalog
    /// When these routes were made (Unix seconds): the `created` of `/v1/models`.
    let startedAt = Date().timeIntervalSince1970
    /// Runs and keeps resumable queries (`POST /v1/queries`); run it as a `Service` beside the HTTP server.
    public let queries: QueryService
    /// Reads the page of the MCP tool `sift_fetch`, under the private-address guard; nil makes that tool fail.
    public var pageReader: (any PageFetcher)?
    /// The API keys when they are required (`SIFT_AUTH=required`); nil serves everyone, as before keys.
    let keyGate: KeyGate?

    /// - Parameter clock: The time the query machine runs on (elapsed times, heartbeats, retention).
    /// - Parameter admission: The CPU queue; by default one sized by `configuration`.
    public init(
        runner: any QueryRunning, registry: StreamRegistry, metrics: SiftMetrics,
        configuration: SiftServerConfiguration, clock: ServerClock = .continuous,
        shared: (any SharedQueryStore)? = nil, storeMetrics: StoreMetrics? = nil,
        readiness: @escaping @Sendable () -> Readiness,
        chatModels: (@Sendable () -> ChatModelCatalog)? = nil, keyGate: KeyGate? = nil, admission: AdmissionQueue? = nil
    ) {
        let limits = QueryStore.Limits(
            // Every running query has a log, so the store holds at least as many as may run at once:
            // SIFT_MAX_STREAMS stays the one bound on concurrency.
            retention: configuration.queryRetention, maxQueries: max(configuration.queriesMax, configuration.maxStreams),
            maxBytes: configuration.queriesMaxBytes)
        self.init(
            runner: runner, registry: registry, metrics: metrics, configuration: configuration,
            queryStore: QueryStore(limits: limits, metrics: metrics, clock: clock), shared: shared,
            storeMetrics: storeMetrics, readiness: readiness, chatModels: chatModels, keyGate: keyGate, admission: admission)
    }

    init(
        runner: any QueryRunning, registry: StreamRegistry, metrics: SiftMetrics,
        configuration: SiftServerConfiguration, queryStore: QueryStore, shared: (any SharedQueryStore)? = nil,
        storeMetrics: StoreMetrics? = nil, readiness: @escaping @Sendable () -> Readiness,
        chatModels: (@Sendable () -> ChatModelCatalog)? = nil, keyGate: KeyGate? = nil, admission: AdmissionQueue? = nil
    ) {
        self.keyGate = keyGate
        self.chatModels = chatModels ?? { ChatModelCatalog(configuration) }
        self.runner = runner
        self.registry = registry
        self.metrics = metrics
        self.configuration = configuration
        self.readiness = readiness
        self.queries = QueryService(
            store: queryStore, runner: runner, registry: registry, slowReaderLimit: configuration.streamBuffer,
            logger: Logger(label: "siftd.queries"), shared: shared, storeMetrics: storeMetrics,
            storePollInterval: configuration.storePollInterval, storeGrace: configuration.storeGrace, keyGate: keyGate,
            admission: admission
                ?? AdmissionQueue(
                    concurrency: configuration.queryConcurrency, queueLimit: configuration.queryQueue, metrics: metrics))
    }

    /// The router with every route and middleware.
    public func router() -> Router<SiftRequestContext> {
        let router = Router(context: SiftRequestContext.self, options: .autoGenerateHeadEndpoints)
        let table = RouteTable()
        router.middlewares.add(
            RequestMiddleware(metrics: metrics, routes: table, requestGuard: RequestGuard(configuration: configuration)))
        if let keyGate { router.middlewares.add(KeyAuthMiddleware(gate: keyGate)) }
        router.middlewares.add(StreamHeadMiddleware())
        BrowserClient.addRoutes(to: router)
        router.get("/healthz") { _, context in
            Response.json(["status": "ok", "version": configuration.version], status: .ok, id: context.requestID)
        }
        router.get("/readyz") { _, context in
            let state = readiness()
            return Response.json(state, status: state.ready ? .ok : .serviceUnavailable, id: context.requestID)
        }
        router.get("/openapi.json") { _, _ in OpenAPIContract.response() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        router.get("/v1/answer/stream") { request, context in
            await stream(request, context: context)
        }
        router.post("/v1/answer") { request, context in
            try await answer(request, context: context)
        }
        addQueryRoutes(to: router)
        addMCPRoutes(to: router)
        addChatRoutes(to: router)
        // Last, once every route is in: the answers to requests that match none (405 or 404).
        table.set(router.routes.map { (method: $0.method, path: $0.path.description) })
        return router
    }

    // MARK: GET /v1/answer/stream

    /// Admits the query into the ``QueryService`` (taking its stream slot) before any response
    /// head exists, so a refusal is a plain 429 or 503; then the body reads the query's log.
    /// The query is not resumable: when this reader goes away, it is cancelled.
    func stream(_ request: Request, context: SiftRequestContext) async -> Response {
        let id = context.requestID
        let bytes = QueryString.parameter("q", in: request.uri.query) ?? []
        let wantsEvents = request.headers[.accept]?.contains(text: "text/event-stream") ?? false
        let log: QueryLog
        do throws(QueryError) {
            let options = try QueryOptions.parse(query: request.uri.query)
            // A cheap early refusal (a full registry is heard before a refused model); `admit` decides.
            try queries.checkCapacity()
            let prepared = try await runner.prepare(
                QueryRequest(
                    bytes: bytes, session: options.session, models: options.models, merge: options.merge,
                    controls: options.controls))
            log = try await queries.admit(id: id, prepared: prepared, resumable: false, owner: context.client, caller: context.apiKey)
        } catch {
            // EventSource cannot read an error body, so a rejected question reaches it as events; other
            // clients, and every client refused for capacity or shutdown, get the status and JSON.
            if wantsEvents && !error.isAdmissionRefusal { return eventResponse(id: id, body: failureStream(error)) }
            return .error(error, id: id)
        }
        let reader = QueryLogReader(
            log: log, lastEventID: 0, metrics: metrics, heartbeat: configuration.heartbeat, logger: context.logger,
            clock: queries.store.clock)
        let body = ResponseBody { writer in
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                try await reader.write(to: &writer)
            }
            try await writer.finish(nil)
        }
        return eventResponse(id: id, body: body, session: log.session)
    }

    func eventResponse(id: QueryID, body: ResponseBody, session: String? = nil) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", .accelBuffering: "no",
            .requestID: id.rawValue,
            // Watching for the reader's hang-up reads the connection, so a request pipelined after the stream
            // could not be answered: the connection closes when the stream ends (SiftHTTPServer).
            .connection: "close",
        ]
        if let session { headers[.siftSession] = session }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// A complete stream for a query rejected before it started: `error`, then `done`.
    private func failureStream(_ error: QueryError) -> ResponseBody {
        let encoder = EventEncoder()
        var buffer = ByteBuffer()
        let events = [
            PipelineEvent(elapsedMs: 0, payload: .error(.init(error))),
            PipelineEvent(elapsedMs: 0, payload: .done(.init(outcome: .failed))),
        ]
        for (index, event) in events.enumerated() {
            encoder.frame(event, id: index + 1, into: &buffer)
            metrics.recordEventSent(event.type)
        }
        return ResponseBody(byteBuffer: buffer)
    }

    // MARK: POST /v1/answer

    struct AnswerRequest: Decodable {
        var q: String?
        var query: String?
        var session: String?
        /// A JSON list of names, or a comma list in one string.
        var models: ModelList?
        var merge: Bool?
        var sites: ModelList?
        var freshness: String?
        var providers: ModelList?
        var maxSources: Int?
        var lang: String?

        enum CodingKeys: String, CodingKey {
            case q, query, session, models, merge, sites, freshness, providers, lang
            case maxSources = "max_sources"
        }
    }

    /// A JSON list of names, or a comma list in one string.
    enum ModelList: Decodable {
        case list([String])
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([String].self) {
                self = .list(list)
            } else {
                self = .text(try container.decode(String.self))
            }
        }

        /// The items: a comma string's, split at the commas (empty items are ignored later), or a JSON
        /// list's as they are, where each must be one item: an empty one, or one with a comma, is refused
        /// (schemathesis found `"models": [""]` accepted, and `["a,b"]` became two models).
        func items(of field: String) throws(QueryError) -> [String] {
            switch self {
            case .text(let text):
                return text.split(separator: ",").map(String.init)
            case .list(let names):
                for name in names where name.contains(",") || name.allSatisfy({ $0 == " " || $0 == "\t" }) {
                    throw .badRequest(
                        "Each item of `\(field)` must be one name, not “\(name.prefix(40))”: send [\"a\", \"b\"] or \"a,b\".")
                }
                return names
            }
        }
    }

    /// The question and options of a POST body (JSON; a form too when `acceptsForm`), or of `?q=…` in the URL,
    /// validated as far as can be without the runner.
    func readQueryRequest(_ request: Request, acceptsForm: Bool) async throws(QueryError) -> QueryRequest {
        var bytes = QueryString.parameter("q", in: request.uri.query)
        var options = try QueryOptions.parse(query: request.uri.query)
        if bytes == nil {
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: configuration.maxBodyBytes)
            } catch {
                throw .bodyTooLarge(limit: configuration.maxBodyBytes)
            }
            let raw = Array(body.readableBytesView)
            guard let text = String(validating: raw, as: UTF8.self) else { throw .invalidEncoding }
            let isForm = request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
            if acceptsForm && isForm {
                bytes = QueryString.parameter("q", in: text) ?? QueryString.parameter("query", in: text)
                let fromBody = try QueryOptions.parse(query: text)
                options.session = fromBody.session ?? options.session
                options.models = fromBody.models ?? options.models
                if QueryString.parameter("merge", in: text) != nil { options.merge = fromBody.merge }
                if !fromBody.controls.isEmpty { options.controls = fromBody.controls }
            } else {
                let decoded: AnswerRequest
                do {
                    decoded = try JSONDecoder().decode(AnswerRequest.self, from: Data(raw))
                } catch {
                    throw .badRequest(
                        #"The body must be JSON like {"q": "what is photosynthesis"} (optionally with "session", "models", "merge", "sites", "freshness", "providers", "max_sources" and "lang"), or pass ?q= in the URL."#
                    )
                }
                bytes = (decoded.q ?? decoded.query).map { Array($0.utf8) }
                let fromBody = try QueryOptions(
                    session: decoded.session, models: try decoded.models?.items(of: "models").joined(separator: ","),
                    merge: decoded.merge.map { $0 ? "true" : "false" })
                options.session = fromBody.session ?? options.session
                options.models = fromBody.models ?? options.models
                if decoded.merge != nil { options.merge = fromBody.merge }
                let controls = try SearchControls(
                    sites: try decoded.sites?.items(of: "sites"), freshness: decoded.freshness,
                    providers: try decoded.providers?.items(of: "providers"),
                    maxSources: decoded.maxSources.map(String.init), language: decoded.lang)
                if !controls.isEmpty { options.controls = controls }
            }
        }
        guard let bytes else {
            throw .badRequest(#"Missing the question: send {"q": "…"} or ?q=…"#)
        }
        return QueryRequest(
            bytes: bytes, session: options.session, models: options.models, merge: options.merge, controls: options.controls)
    }

    func answer(_ request: Request, context: SiftRequestContext) async throws -> Response {
        let id = context.requestID
        let asked: QueryRequest
        do {
            asked = try await readQueryRequest(request, acceptsForm: false)
        } catch {
            return .error(error, id: id)
        }
        let log: QueryLog
        do throws(QueryError) {
            try queries.checkCapacity()
            log = try await queries.admit(id: id, prepared: try await runner.prepare(asked), resumable: false, owner: context.client, caller: context.apiKey)
        } catch {
            return .error(error, id: id)
        }
        // The answer is a fold over the query's log; leaving it early (the task cancelled) cancels the query.
        let document = try await AnswerDocument.fold(log)
        if let error = document.error {
            return .json(document, status: .init(code: HTTPStatusMapping.status(ofCode: error.code)), id: id)
        }
        return .json(document, status: .ok, id: id)
    }
}
