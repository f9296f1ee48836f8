import FoundationEssentials
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SiftCore

/// Builds Sift's HTTP router: the browser client, the query API, health and metrics.
public struct SiftRoutes: Sendable {
    let runner: any QueryRunning
    let registry: StreamRegistry
    let metrics: SiftMetrics
    let configuration: SiftServerConfiguration
    let readiness: @Sendable () -> Readiness
    /// Runs and keeps resumable queries (`POST /v1/queries`); run it as a `Service` beside the HTTP server.
    public let queries: QueryService

    public init(
        runner: any QueryRunning, registry: StreamRegistry, metrics: SiftMetrics,
        configuration: SiftServerConfiguration, readiness: @escaping @Sendable () -> Readiness
    ) {
        let limits = QueryStore.Limits(
            retention: configuration.queryRetention, maxQueries: configuration.queriesMax,
            maxBytes: configuration.queriesMaxBytes)
        self.init(
            runner: runner, registry: registry, metrics: metrics, configuration: configuration,
            queryStore: QueryStore(limits: limits, metrics: metrics), readiness: readiness)
    }

    init(
        runner: any QueryRunning, registry: StreamRegistry, metrics: SiftMetrics,
        configuration: SiftServerConfiguration, queryStore: QueryStore, readiness: @escaping @Sendable () -> Readiness
    ) {
        self.runner = runner
        self.registry = registry
        self.metrics = metrics
        self.configuration = configuration
        self.readiness = readiness
        self.queries = QueryService(
            store: queryStore, runner: runner, registry: registry, logger: Logger(label: "siftd.queries"))
    }

    /// The router with every route and middleware.
    public func router() -> Router<SiftRequestContext> {
        let router = Router(context: SiftRequestContext.self)
        router.middlewares.add(RequestMiddleware(metrics: metrics))
        BrowserClient.addRoutes(to: router)
        router.get("/healthz") { _, context in
            Response.json(["status": "ok", "version": configuration.version], status: .ok, id: context.requestID)
        }
        router.get("/readyz") { _, context in
            let state = readiness()
            return Response.json(state, status: state.ready ? .ok : .serviceUnavailable, id: context.requestID)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        router.get("/v1/answer/stream") { request, context in
            stream(request, context: context)
        }
        router.post("/v1/answer") { request, context in
            try await answer(request, context: context)
        }
        addQueryRoutes(to: router)
        return router
    }

    // MARK: GET /v1/answer/stream

    func stream(_ request: Request, context: SiftRequestContext) -> Response {
        let id = context.requestID
        let bytes = QueryString.parameter("q", in: request.uri.query) ?? []
        let wantsEvents = request.headers[.accept]?.contains("text/event-stream") ?? false
        let prepared: PreparedQuery
        do throws(QueryError) {
            let options = try QueryOptions.parse(query: request.uri.query)
            if registry.activeCount >= registry.capacity { throw QueryError.overloaded(limit: registry.capacity) as QueryError }
            prepared = try runner.prepare(
                QueryRequest(bytes: bytes, session: options.session, models: options.models, merge: options.merge))
        } catch {
            // EventSource cannot read an error body, so it gets the error as events; other clients get JSON.
            if wantsEvents { return eventResponse(id: id, body: failureStream(error)) }
            return .error(error, id: id)
        }
        let stream = AnswerStream(
            id: id, query: prepared, runner: runner, registry: registry, metrics: metrics,
            bufferCapacity: configuration.streamBuffer, heartbeat: configuration.heartbeat, logger: context.logger)
        let body = ResponseBody { writer in
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                try await stream.write(to: &writer)
            }
            try await writer.finish(nil)
        }
        return eventResponse(id: id, body: body, session: prepared.context.session)
    }

    func eventResponse(id: QueryID, body: ResponseBody, session: String? = nil) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", .accelBuffering: "no",
            .requestID: id.rawValue,
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
    }

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

        var names: [String] {
            switch self {
            case .list(let names): names
            case .text(let text): text.split(separator: ",").map(String.init)
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
                throw .badRequest("The request body is larger than \(configuration.maxBodyBytes) bytes.")
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
            } else {
                let decoded: AnswerRequest
                do {
                    decoded = try JSONDecoder().decode(AnswerRequest.self, from: Data(raw))
                } catch {
                    throw .badRequest(
                        #"The body must be JSON like {"q": "what is photosynthesis"} (optionally with "session", "models" and "merge"), or pass ?q= in the URL."#
                    )
                }
                bytes = (decoded.q ?? decoded.query).map { Array($0.utf8) }
                let fromBody = try QueryOptions(
                    session: decoded.session, models: decoded.models.map { $0.names.joined(separator: ",") },
                    merge: decoded.merge.map { $0 ? "true" : "false" })
                options.session = fromBody.session ?? options.session
                options.models = fromBody.models ?? options.models
                if decoded.merge != nil { options.merge = fromBody.merge }
            }
        }
        guard let bytes else {
            throw .badRequest(#"Missing the question: send {"q": "…"} or ?q=…"#)
        }
        return QueryRequest(bytes: bytes, session: options.session, models: options.models, merge: options.merge)
    }

    func answer(_ request: Request, context: SiftRequestContext) async throws -> Response {
        let id = context.requestID
        let asked: QueryRequest
        do {
            asked = try await readQueryRequest(request, acceptsForm: false)
        } catch {
            return .error(error, id: id)
        }
        let prepared: PreparedQuery
        do {
            prepared = try runner.prepare(asked)
        } catch {
            return .error(error, id: id)
        }
        var initial = AnswerDocument(id: id)
        initial.session = prepared.context.session
        let collected = LockedValue(initial)
        let outcome = await runner.run(id: id, prepared: prepared) { event in
            collected.withLock { $0.add(event) }
        }
        let document = collected.withLock { document -> AnswerDocument in
            document.outcome = outcome
            return document
        }
        if let error = document.error {
            return .json(document, status: .init(code: error.httpStatus), id: id)
        }
        return .json(document, status: .ok, id: id)
    }
}

/// The one-shot answer document of `POST /v1/answer`.
struct AnswerDocument: Encodable, Sendable {
    var id: QueryID
    var outcome: PipelineEvent.Outcome = .failed
    /// Pass it as `session` to ask a follow-up.
    var session: String?
    var query: PipelineEvent.QueryInfo?
    var answer = ""
    /// In compare mode, each model's own answer and how its lane ended.
    var lanes: [LaneDocument] = []
    var sources: [Source] = []
    var passages: [Passage] = []
    var warnings: [PipelineEvent.Warning] = []
    var metrics: PipelineEvent.Metrics?
    var error: PipelineEvent.ErrorInfo?

    init(id: QueryID) { self.id = id }

    mutating func add(_ event: PipelineEvent) {
        switch event.payload {
        case .query(let info): query = info
        case .source(let source):
            // A source already announced comes again when another provider also found it.
            if let known = sources.firstIndex(where: { $0.n == source.n }) {
                sources[known] = source
            } else {
                sources.append(source)
            }
        case .ranked(let ranked): passages = ranked.passages
        case .delta(let delta):
            if let model = delta.model {
                lane(model) { $0.answer += delta.text }
            } else {
                answer += delta.text
            }
        case .lane(let event):
            lane(event.model) { lane in
                lane.state = event.state
                lane.tokens = event.tokens ?? lane.tokens
                lane.firstTokenMs = event.firstTokenMs ?? lane.firstTokenMs
                lane.tokensPerSecond = event.tokensPerSecond ?? lane.tokensPerSecond
                lane.reason = event.reason ?? lane.reason
            }
        case .warning(let warning): warnings.append(warning)
        case .metrics(let value): metrics = value
        case .error(let info): error = info
        case .done(let done): outcome = done.outcome
        case .status, .fetch: break
        }
    }

    private mutating func lane(_ model: String, _ change: (inout LaneDocument) -> Void) {
        if let index = lanes.firstIndex(where: { $0.model == model }) {
            change(&lanes[index])
        } else {
            var lane = LaneDocument(model: model)
            change(&lane)
            lanes.append(lane)
        }
    }
}

/// One compare-mode lane in the answer document.
struct LaneDocument: Encodable, Sendable, Equatable {
    var model: String
    var state: PipelineEvent.Lane.State = .started
    var answer = ""
    var tokens: Int?
    var firstTokenMs: Double?
    var tokensPerSecond: Double?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case model, state, answer, tokens
        case firstTokenMs = "first_token_ms"
        case tokensPerSecond = "tokens_per_second"
        case reason
    }
}
