import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A replay of the Brave Search API's web search (`GET /res/v1/web/search`) and LLM Context
/// (`GET /res/v1/llm/context`) endpoints, built from their documentation and from real
/// responses seen in the wild: authentication, plans, validation, the per-second and monthly
/// rate limits with their headers, the error envelopes, gzip, and deterministic results from
/// a ``ReplayCorpus``.
///
/// ```swift
/// let brave = BraveReplay(configuration: .init(validKeys: ["k"]))
/// try await withReplayServer(brave.router()) { port in
///     // GET http://127.0.0.1:\(port)/res/v1/web/search?q=swift with X-Subscription-Token: k
/// }
/// ```
///
/// The order a request is judged in: a missing token is a `422 VALIDATION` (with any
/// parameter errors beside it), an unknown token `422 SUBSCRIPTION_TOKEN_INVALID` (Brave
/// checks the key before the parameters), then any injected fault, then the per-second
/// window (`429 RATE_LIMITED`), the monthly quota (`429 QUOTA_LIMITED`), then the
/// parameters (`422 VALIDATION`), then the results. Every response to a known key carries
/// the four `X-RateLimit-*` headers (but an injected server error, which stands for a proxy
/// failing in front of Brave); only successful searches are counted.
///
/// LLM Context is judged the same way, with one step more: right after the key, a key whose
/// plan lacks the endpoint (``Configuration/keysWithoutLLMContext``) gets `400
/// OPTION_NOT_IN_PLAN` ("The option is not subscribed in the plan.", `meta.component`
/// `authentication`), the body Brave's API reference documents for this endpoint and that
/// users report for keys of another plan. Both endpoints share a key's rate-limit windows, as
/// one subscription does. Guessed: that the plan is checked before the parameters and the
/// rate limiter (it comes from the authentication component), so that the refusal carries no
/// rate-limit headers and is not counted. See ``BraveContextRequest`` and
/// ``contextResponse(for:)`` for the parameters and how the context is chosen.
///
/// Not modelled: `POST` requests, `Api-Version`, goggles, the other endpoints (news,
/// images, local, summarizer), and location headers, which are accepted and ignored.
public final class BraveReplay: ReplayRoutes {
    /// The path of the web search endpoint.
    public static let searchPath = "/res/v1/web/search"
    /// The path of the LLM Context endpoint.
    public static let contextPath = "/res/v1/llm/context"

    /// The endpoints the replay answers.
    enum Endpoint: Sendable {
        case webSearch
        case llmContext
    }

    /// How the replay behaves.
    public let configuration: Configuration
    /// Every request the replay saw, with the status it answered.
    public let requestLog: ReplayRequestLog
    /// Faults and latency to inject.
    public let scenarios: ReplayScenarios
    /// The replay's own time per request (served at `GET /_replay/timings`).
    public let timings = ReplayTimings()

    private let now: @Sendable () -> ReplayInstant
    private let limiters: Mutex<[String: BraveRateLimiter<ReplayInstant>]>

    /// A replay whose rate-limit windows are measured on `clock` (a manual clock in tests).
    public init<C: Clock>(configuration: Configuration = Configuration(), clock: C) where C.Duration == Duration {
        self.configuration = configuration
        self.requestLog = ReplayRequestLog(capacity: configuration.requestLogCapacity)
        self.scenarios = ReplayScenarios()
        self.now = ReplayInstant.timeline(of: clock)
        self.limiters = Mutex([:])
    }

    /// A replay whose rate-limit windows are measured in real time.
    public convenience init(configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, clock: ContinuousClock())
    }

    /// Adds `GET /res/v1/web/search` and `GET /res/v1/llm/context` (under `prefix`, if given) to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>, prefix: String = "") {
        router.get(RouterPath(prefix + Self.searchPath)) { request, _ in
            await self.respond(to: request)
        }
        router.get(RouterPath(prefix + Self.contextPath)) { request, _ in
            await self.respond(to: request, endpoint: .llmContext)
        }
        router.get(RouterPath(prefix + "/_replay/timings")) { request, _ in
            ReplayHTTP.response(
                status: .ok, contentType: "application/json", body: ReplayHTTP.json(self.timings.summary),
                compression: .never, request: request)
        }
        router.post(RouterPath(prefix + "/_replay/timings/reset")) { request, _ in
            self.timings.reset()
            return ReplayHTTP.response(
                status: .ok, contentType: "application/json", body: ReplayHTTP.json(self.timings.summary),
                compression: .never, request: request)
        }
    }

    /// Searches counted against `key` this month.
    public func monthlyUsage(key: String) -> Int {
        let instant = now()
        return limiters.withLock { $0[key]?.currentMonthUsage(at: instant) ?? configuration.monthlyUsed }
    }

    /// Answers one web search request.
    public func respond(to request: Request) async -> Response {
        await respond(to: request, endpoint: .webSearch)
    }

    /// Answers one request to `endpoint`.
    func respond(to request: Request, endpoint: Endpoint) async -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        let received = now()
        let parameters = ReplayHTTP.queryParameters(of: request)
        let response = answer(request, parameters: parameters, at: received, endpoint: endpoint)
        let answered = clock.now
        let latency = scenarios.latency
        if latency > .zero {
            try? await Task.sleep(for: latency)
        }
        timings.record(work: start.duration(to: answered), late: answered.duration(to: clock.now) - latency)
        requestLog.append(
            RecordedRequest(
                method: request.method, path: request.uri.path, parameters: parameters, headers: request.headers,
                status: response.status, receivedAt: received.offset))
        return response
    }

    private func answer(
        _ request: Request, parameters: [ReplayParameter], at instant: ReplayInstant, endpoint: Endpoint
    ) -> Response {
        // The validated request, as the body it will be answered with.
        let validation: Result<@Sendable () -> ByteBuffer, BraveIssues> =
            switch endpoint {
            case .webSearch:
                BraveSearchRequest.parse(parameters, headers: request.headers).map { search in
                    { @Sendable in ReplayHTTP.json(self.searchResponse(for: search)) }
                }
            case .llmContext:
                BraveContextRequest.parse(parameters, headers: request.headers).map { context in
                    { @Sendable in ReplayHTTP.json(self.contextResponse(for: context)) }
                }
            }
        guard let token = request.headers[ReplayHTTP.subscriptionToken] else {
            var issues = validation.issues
            issues.append(BraveValidationIssue(type: "missing", loc: ["header", "x-subscription-token"], msg: "Field required"))
            return error(422, "VALIDATION", "Unable to validate request parameter(s)", meta: .validation(issues), request: request)
        }
        guard configuration.validKeys.contains(token) || configuration.keysWithoutLLMContext.contains(token) else {
            return error(
                422, "SUBSCRIPTION_TOKEN_INVALID", "The provided subscription token is invalid.",
                meta: .component("authentication"), request: request)
        }
        if endpoint == .llmContext, configuration.keysWithoutLLMContext.contains(token) {
            return error(
                400, "OPTION_NOT_IN_PLAN", "The option is not subscribed in the plan.",
                meta: .component("authentication"), request: request)
        }

        if let fault = scenarios.takeFault() {
            switch fault.kind {
            case .rateLimited:
                let (headers, meta) = limiters.withLock { limiters in
                    let limiter = limiters[token] ?? makeLimiter(at: instant)
                    limiters[token] = limiter
                    var headers = limiter.headers(at: instant)
                    headers.remaining = "0, \(limiter.monthRemaining(at: instant))"
                    return (headers, limitMeta(limiter, at: instant))
                }
                return error(
                    429, "RATE_LIMITED", "Request rate limit exceeded for plan.", meta: .limits(meta),
                    headers: rateLimitFields(headers), request: request)
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

        let makeBody = try? validation.get()
        let (verdict, headers, meta) = limiters.withLock { limiters in
            var limiter = limiters[token] ?? makeLimiter(at: instant)
            let verdict = limiter.admit(at: instant, billable: makeBody != nil)
            limiters[token] = limiter
            return (verdict, limiter.headers(at: instant), limitMeta(limiter, at: instant))
        }
        let fields = rateLimitFields(headers)
        switch verdict {
        case .rateLimited:
            return error(
                429, "RATE_LIMITED", "Request rate limit exceeded for plan.", meta: .limits(meta), headers: fields,
                request: request)
        case .quotaExceeded:
            return error(
                429, "QUOTA_LIMITED", "Request quota limit exceeded for plan.", meta: .limits(meta), headers: fields,
                request: request)
        case .allowed:
            break
        }
        guard let makeBody else {
            return error(
                422, "VALIDATION", "Unable to validate request parameter(s)", meta: .validation(validation.issues),
                headers: fields, request: request)
        }
        return ReplayHTTP.response(
            status: .ok, contentType: "application/json", headers: fields, body: makeBody(),
            compression: configuration.compression, request: request)
    }

    private func makeLimiter(at instant: ReplayInstant) -> BraveRateLimiter<ReplayInstant> {
        BraveRateLimiter(
            perSecond: configuration.perSecondLimit, monthlyQuota: configuration.monthlyQuota,
            monthUsed: configuration.monthlyUsed, monthWindow: configuration.monthlyWindow,
            monthRemaining: configuration.monthlyRemaining, now: instant)
    }

    private func limitMeta(_ limiter: BraveRateLimiter<ReplayInstant>, at instant: ReplayInstant) -> BraveLimitMeta {
        BraveLimitMeta(
            plan: configuration.plan, rate_limit: limiter.perSecond, rate_current: limiter.currentRate(at: instant),
            quota_limit: limiter.monthlyQuota, quota_current: limiter.currentMonthUsage(at: instant))
    }

    private func rateLimitFields(_ headers: BraveRateLimiter<ReplayInstant>.Headers) -> HTTPFields {
        var fields = HTTPFields()
        fields[ReplayHTTP.rateLimitLimit] = headers.limit
        fields[ReplayHTTP.rateLimitPolicy] = headers.policy
        fields[ReplayHTTP.rateLimitRemaining] = headers.remaining
        fields[ReplayHTTP.rateLimitReset] = headers.reset
        return fields
    }

    private func error(
        _ status: Int, _ code: String, _ detail: String, meta: BraveErrorMeta, headers: HTTPFields = [:],
        request: Request
    ) -> Response {
        let envelope = BraveErrorEnvelope(
            error: BraveError(id: UUID().uuidString.lowercased(), status: status, code: code, detail: detail, meta: meta),
            time: Int(Date().timeIntervalSince1970))
        return ReplayHTTP.response(
            status: HTTPResponse.Status(code: status), contentType: "application/json", headers: headers,
            body: ReplayHTTP.json(envelope), compression: configuration.compression, request: request)
    }
}

extension Result where Failure == BraveIssues {
    fileprivate var issues: [BraveValidationIssue] {
        if case .failure(let failure) = self { return failure.issues }
        return []
    }
}
