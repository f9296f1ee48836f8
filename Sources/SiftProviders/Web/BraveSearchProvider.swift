import FoundationEssentials
import Logging
import SiftCore
import SiftHTTPClient

/// Brave Search as a ``SearchProvider`` named `brave`: web search (`GET /res/v1/web/search`),
/// or in ``Mode/llmContext`` Brave's LLM Context endpoint (`GET /res/v1/llm/context`), whose
/// snippets, extracted from the pages themselves, become the hits' passages (see
/// `BraveSearchProvider+LLMContext.swift`).
///
/// Polite by construction: requests are paced by the `X-RateLimit-*` windows Brave
/// reports (a 1-request-a-second plan gets one request a second, queued, not a 429
/// storm); a 429 `RATE_LIMITED` is waited out and retried once, with a `warning`; a
/// spent monthly quota and an invalid key are clear errors that are never retried.
/// Responses are cached (without the key) so a repeated query makes no call.
public struct BraveSearchProvider: SearchProvider {
    /// A web search: it waits on its upstream.
    public var isRemote: Bool { true }
    /// Which Brave endpoint answers (`SIFT_BRAVE_MODE`).
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// Web search: results with a description and extra snippets; Sift reads their pages.
        case web
        /// LLM Context (Brave's Search plan): results with snippets extracted from the pages,
        /// so that fewer pages need reading.
        case llmContext = "llm-context"
    }

    /// What to ask Brave, and how.
    public struct Configuration: Sendable {
        /// The subscription token (`SIFT_BRAVE_API_KEY` or the `brave-api-key` credential).
        public var apiKey: String
        /// Endpoint base (`SIFT_BRAVE_URL`), for a replay server or a proxy.
        public var baseURL: String
        /// Two-letter country the results come from (`country`); nil lets Brave choose.
        public var country: String?
        /// Language of the results (`search_lang`); nil lets Brave choose.
        public var searchLanguage: String?
        /// `off`, `moderate` or `strict`.
        public var safeSearch: String
        /// `pd`, `pw`, `pm`, `py` or a `YYYY-MM-DDtoYYYY-MM-DD` range; nil for any time.
        public var freshness: String?
        /// Ask for up to five extra snippets per result (`extra_snippets`; some plans only).
        public var extraSnippets: Bool
        /// Result kinds to return (`result_filter`).
        public var resultFilter: String
        /// How long a response is kept in the cache.
        public var cacheTTL: Duration
        /// Time allowed for one request.
        public var timeout: Duration
        /// The endpoint asked: web search, or LLM Context.
        public var mode: Mode
        /// LLM Context's `maximum_number_of_tokens` (1024–32768; Brave's default 8192): the
        /// approximate size of all the snippets of one answer together.
        public var contextTokens: Int
        /// LLM Context's `context_threshold_mode` (`strict`, `balanced`, `lenient`, `disabled`);
        /// nil leaves Brave's default, `balanced`.
        public var contextThreshold: String?

        public init(
            apiKey: String, baseURL: String = "https://api.search.brave.com", country: String? = nil,
            searchLanguage: String? = nil, safeSearch: String = "moderate", freshness: String? = nil,
            extraSnippets: Bool = true, resultFilter: String = "web", cacheTTL: Duration = .seconds(3600),
            timeout: Duration = .seconds(4), mode: Mode = .web, contextTokens: Int = 8192, contextThreshold: String? = nil
        ) {
            self.apiKey = apiKey
            self.baseURL = baseURL
            self.country = country
            self.searchLanguage = searchLanguage
            self.safeSearch = safeSearch
            self.freshness = freshness
            self.extraSnippets = extraSnippets
            self.resultFilter = resultFilter
            self.cacheTTL = cacheTTL
            self.timeout = timeout
            self.mode = mode
            self.contextTokens = contextTokens
            self.contextThreshold = contextThreshold
        }
    }

    public let name = "brave"
    public let configuration: Configuration
    private let client: HTTPClient
    private let cache: (any ResponseCaching)?
    private let limiter: UpstreamRateLimiter<ContinuousClock>
    private let logger: Logger
    /// The most a rate limit is waited out before the provider gives up with a warning.
    private let maxWait: Duration
    /// Set once Brave said the key's plan lacks the endpoint: later queries fail at once.
    private let planRefusal = PlanRefusal()

    public init(
        configuration: Configuration, client: HTTPClient, cache: (any ResponseCaching)?, logger: Logger,
        maxWait: Duration = .seconds(3)
    ) {
        self.configuration = configuration
        self.client = client
        self.cache = cache
        self.limiter = UpstreamRateLimiter(clock: ContinuousClock())
        self.logger = logger
        self.maxWait = maxWait
    }

    /// The request URL for `text` (without the key, which travels in a header).
    func url(for text: String, count: Int, offset: Int = 0, controls: SearchControls = .init()) -> String {
        var query = QueryString()
        query.add("q", text)
        query.add("count", String(min(20, max(1, count))))
        if offset > 0 { query.add("offset", String(min(9, offset))) }
        query.add("country", configuration.country)
        query.add("search_lang", controls.language.map(Self.braveLanguage) ?? configuration.searchLanguage)
        query.add("safesearch", configuration.safeSearch)
        query.add("freshness", controls.freshness.map(Self.braveFreshness) ?? configuration.freshness)
        query.add("extra_snippets", configuration.extraSnippets ? "true" : nil)
        query.add("result_filter", configuration.resultFilter)
        return trimmingTrailingSlashes(configuration.baseURL) + "/res/v1/web/search?" + query.encoded
    }

    /// Brave's `freshness`: `pd`, `pw`, `pm`, `py`, or `YYYY-MM-DDtoYYYY-MM-DD`.
    static func braveFreshness(_ freshness: SearchControls.Freshness) -> String {
        switch freshness {
        case .day: "pd"
        case .week: "pw"
        case .month: "pm"
        case .year: "py"
        case .range(let from, let to): "\(from)to\(to)"
        }
    }

    /// Brave's `search_lang` codes are mostly two letters; a few keep a region (`pt-br`, `zh-hans`).
    static func braveLanguage(_ language: String) -> String {
        ["pt-br", "pt-pt", "zh-hans", "zh-hant", "en-gb"].contains(language) ? language : String(language.prefix(2))
    }

    public func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        // Brave caps a query at 400 characters and 50 words; the site operators go after the question's words.
        let words = query.original.split(whereSeparator: \.isWhitespace)
        let operators = query.controls.withSiteOperators("").split(separator: " ")
        let text = String(
            query.controls.withSiteOperators(words.prefix(max(1, 50 - operators.count)).joined(separator: " ")).prefix(400))
        let url =
            switch configuration.mode {
            case .web: url(for: text, count: limit, controls: query.controls)
            case .llmContext: contextURL(for: text, count: limit, controls: query.controls)
            }
        if let refused = planRefusal.error { throw refused }
        if let cached = await cache?.get(url, namespace: "search") {
            if let hits = try? decodeHits(cached.body) { return SearchResults(hits: Array(hits.prefix(limit))) }
        }
        var warnings: [ProviderWarning] = []
        var rateLimited = false
        for attempt in 1...2 {
            let waited = try await acquire()
            if waited > .milliseconds(50) {
                rateLimited = true
                logger.debug("brave: paced by its rate limit", metadata: ["waited_ms": "\(milliseconds(waited))"])
            }
            let (status, headers, body) = try await send(url)
            switch status {
            case 200..<300:
                let hits = try decodeOrThrow(body)
                await cache?.put(url, namespace: "search", meta: "application/json", body: body, ttl: configuration.cacheTTL)
                return SearchResults(hits: Array(hits.prefix(limit)), warnings: warnings, rateLimited: rateLimited)
            case 429:
                let error = Self.errorEnvelope(body)
                if error?.code == "QUOTA_LIMITED" || error?.code == "USAGE_LIMIT_EXCEEDED" {
                    throw quotaError(error, windows: Self.windows(headers))
                }
                rateLimited = true
                let wait = Self.retryAfter(headers) ?? .seconds(1)
                await limiter.rateLimited(retryAfter: wait)
                guard attempt == 1, wait <= maxWait else {
                    throw ProviderError(
                        code: "rate_limited",
                        message: "Brave is rate limiting this key (HTTP 429 RATE_LIMITED) and asked for a \(Self.seconds(wait)) wait; going on without it. A plan with a higher rate limit avoids this.")
                }
                warnings.append(
                    ProviderWarning(
                        code: "rate_limited",
                        message: "Brave's rate limit for this plan was reached (HTTP 429); waited \(Self.seconds(wait)) and tried again."))
            default:
                let failure = Self.failure(status: status, envelope: Self.errorEnvelope(body), mode: configuration.mode)
                if failure.code == "not_in_plan" { planRefusal.record(failure) }
                throw failure
            }
        }
        throw ProviderError(code: "rate_limited", message: "Brave kept answering HTTP 429 RATE_LIMITED; going on without it.")
    }

    /// Waits for the rate limiter, turning a spent quota into a clear error.
    private func acquire() async throws -> Duration {
        do {
            return try await limiter.acquire()
        } catch let quota as UpstreamRateLimiter<ContinuousClock>.QuotaExhausted {
            throw ProviderError(
                code: "quota_exhausted",
                message: "The Brave Search monthly quota of \(quota.limit) requests is used up; it resets in \(Self.span(quota.resetsIn)). Until then Sift answers from its other sources.")
        }
    }

    /// Sends one request, recording the windows the answer reports.
    private func send(_ url: String) async throws -> (Int, HTTPHeaders, [UInt8]) {
        var request = HTTPRequest(url: url)
        request.headers = [
            "Accept": "application/json", "Accept-Encoding": "gzip", "X-Subscription-Token": configuration.apiKey,
        ]
        request.totalTimeout = configuration.timeout
        request.connectTimeout = min(configuration.timeout, .seconds(3))
        do {
            Spending.meter?.upstreamRequest(provider: "brave")
            let response = try await client.execute(request)
            await limiter.update(Self.windows(response.headers))
            let body = try await response.body.collect(upTo: 4 << 20)
            return (response.status, response.headers, body)
        } catch let error as HTTPClientError {
            await limiter.update([])
            if error.kind == .queuedTooLong {
                throw ProviderError(
                    code: "timeout",
                    message: "Brave was not asked: \(error.message); raise SIFT_BRAVE_CONNECTIONS if the plan allows more requests in flight")
            }
            throw ProviderError(code: error.kind == .timedOut ? "timeout" : "unavailable", message: "Brave could not be reached: \(error.message)")
        } catch {
            await limiter.update([])
            throw error
        }
    }

    private func quotaError(_ envelope: BraveErrorEnvelope.Body?, windows: [RateLimitWindow]) -> ProviderError {
        let quota = windows.first(where: \.isQuota)
        let limit = quota.map { " of \($0.limit) requests" } ?? ""
        let reset = quota.map { " It resets in \(Self.span(.seconds($0.reset)))." } ?? ""
        return ProviderError(
            code: "quota_exhausted",
            message: "The Brave Search monthly quota\(limit) is used up (HTTP 429 \(envelope?.code ?? "QUOTA_LIMITED")).\(reset) Until then Sift answers from its other sources.")
    }

    static func windows(_ headers: HTTPHeaders) -> [RateLimitWindow] {
        RateLimitWindow.parse(
            limit: headers["X-RateLimit-Limit"], remaining: headers["X-RateLimit-Remaining"],
            reset: headers["X-RateLimit-Reset"], policy: headers["X-RateLimit-Policy"])
    }

    /// `Retry-After` in seconds, else the reset of the shortest exhausted window.
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        if let value = headers["Retry-After"], let seconds = Int(value.trimmingSpaces()) { return .seconds(max(1, seconds)) }
        let windows = windows(headers)
        if let spent = windows.first(where: { !$0.isQuota && $0.remaining == 0 }) { return .seconds(max(1, spent.reset)) }
        return nil
    }

    /// The typed error for a non-success answer.
    static func failure(status: Int, envelope: BraveErrorEnvelope.Body?, mode: Mode = .web) -> ProviderError {
        let detail = envelope?.detail.map { " (\($0))" } ?? ""
        switch envelope?.code {
        case "OPTION_NOT_IN_PLAN":
            // The key is valid, but its plan lacks what was asked: every retry would fail the same way.
            if mode == .llmContext {
                return ProviderError(
                    code: "not_in_plan",
                    message: "This Brave API key's plan does not include the LLM Context endpoint (HTTP \(status) OPTION_NOT_IN_PLAN). Set SIFT_BRAVE_MODE=web to use web search with this key, or use a key on Brave's Search plan, then reload siftd. Until then Sift answers from its other sources.")
            }
            return ProviderError(
                code: "not_in_plan",
                message: "This Brave API key's plan does not include what was asked (HTTP \(status) OPTION_NOT_IN_PLAN)\(detail). Use a key on Brave's Search plan, then reload siftd.")
        case "SUBSCRIPTION_NOT_FOUND":
            return ProviderError(
                code: "invalid_key",
                message: "Brave found no subscription for the API key (HTTP \(status) SUBSCRIPTION_NOT_FOUND). Subscribe the key to a plan, or check SIFT_BRAVE_API_KEY, then reload siftd.")
        case "SUBSCRIPTION_TOKEN_INVALID":
            return ProviderError(
                code: "invalid_key",
                message: "Brave rejected the API key (HTTP \(status) SUBSCRIPTION_TOKEN_INVALID). Check SIFT_BRAVE_API_KEY or the brave-api-key credential, then reload siftd; the request is not retried.")
        case "VALIDATION":
            let problems = envelope?.meta?.errors?.compactMap { issue -> String? in
                guard let message = issue.msg else { return nil }
                return ([issue.loc?.last].compactMap { $0 } + [message]).joined(separator: ": ")
            } ?? []
            if envelope?.meta?.errors?.contains(where: { $0.loc?.last == "x-subscription-token" }) == true {
                return ProviderError(
                    code: "invalid_key",
                    message: "Brave needs an API key (HTTP \(status)): set SIFT_BRAVE_API_KEY or the brave-api-key credential.")
            }
            let list = problems.isEmpty ? detail : " (\(problems.joined(separator: "; ")))"
            return ProviderError(code: "bad_request", message: "Brave refused the request as invalid (HTTP \(status) VALIDATION)\(list).")
        default:
            if status == 401 || status == 403 {
                return ProviderError(
                    code: "invalid_key",
                    message: "Brave refused access (HTTP \(status)\(envelope?.code.map { " \($0)" } ?? ""))\(detail). Check the API key and its plan.")
            }
            if status >= 500 {
                return ProviderError(code: "unavailable", message: "Brave answered HTTP \(status)\(detail); going on without it.")
            }
            return ProviderError(
                code: "http_\(status)", message: "Brave answered HTTP \(status)\(envelope?.code.map { " \($0)" } ?? "")\(detail).")
        }
    }

    static func errorEnvelope(_ body: [UInt8]) -> BraveErrorEnvelope.Body? {
        let envelope = try? JSONDecoder().decode(BraveErrorEnvelope.self, from: Data(body))
        return envelope?.error ?? envelope?.errors?.first
    }

    /// Hits from a successful answer of the configured endpoint.
    func decodeHits(_ body: [UInt8]) throws -> [SearchHit] {
        switch configuration.mode {
        case .web: try Self.decode(body)
        case .llmContext: try Self.decodeContext(body)
        }
    }

    func decodeOrThrow(_ body: [UInt8]) throws -> [SearchHit] {
        do {
            return try decodeHits(body)
        } catch {
            throw ProviderError(code: "bad_response", message: "Brave's answer could not be read as search results: \(error)")
        }
    }

    /// Hits from a web search response: titles and snippets without their `<strong>` decorations.
    static func decode(_ body: [UInt8]) throws -> [SearchHit] {
        let response = try JSONDecoder().decode(BraveSearchResponse.self, from: Data(body))
        let results = response.web?.results ?? []
        let count = Double(max(1, results.count))
        return results.enumerated().compactMap { rank, result in
            guard let url = result.url, !url.isEmpty else { return nil }
            let title = stripDecorations(result.title ?? "")
            return SearchHit(
                url: url, title: title.isEmpty ? url : title, snippet: stripDecorations(result.description ?? ""),
                score: (count - Double(rank)) / count, published: result.page_age ?? result.age,
                passages: (result.extra_snippets ?? []).map(stripDecorations).filter { !$0.isEmpty },
                collection: result.profile?.name ?? result.meta_url?.hostname)
        }
    }

    /// Removes Brave's `<strong>` highlight tags and decodes the few entities it uses.
    /// Brave's highlighting tags removed, then its few entities decoded (each once: `&amp;lt;`
    /// is `&lt;`). Works on UTF-8 bytes in two linear passes (the first-source path decodes
    /// every title and snippet; Character-level `replacing`, ten times over, showed in profiles).
    static func stripDecorations(_ text: String) -> String {
        var utf8 = Array(text.utf8)
        guard utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }) else { return text }
        utf8 = replacingEach(in: utf8, start: UInt8(ascii: "<"), Self.decorationTags)
        utf8 = replacingEach(in: utf8, start: UInt8(ascii: "&"), Self.entities)
        return String(decoding: utf8, as: UTF8.self)
    }

    private static let decorationTags: [([UInt8], [UInt8])] =
        ["<strong>", "</strong>", "<b>", "</b>"].map { (Array($0.utf8), []) }
    private static let entities: [([UInt8], [UInt8])] =
        [("&quot;", "\""), ("&#x27;", "'"), ("&#39;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")]
        .map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// `bytes` with every occurrence of a pattern (each starting with `start`) replaced, left to right.
    private static func replacingEach(in bytes: [UInt8], start: UInt8, _ patterns: [([UInt8], [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        scan: while index < bytes.count {
            let byte = bytes[index]
            if byte == start {
                for (pattern, replacement) in patterns
                where index + pattern.count <= bytes.count && bytes[index..<index + pattern.count].elementsEqual(pattern) {
                    out.append(contentsOf: replacement)
                    index += pattern.count
                    continue scan
                }
            }
            out.append(byte)
            index += 1
        }
        return out
    }

    static func seconds(_ duration: Duration) -> String {
        let ms = milliseconds(duration)
        return ms < 10_000 ? "\((ms / 100).rounded() / 10) s" : "\(Int(ms / 1000)) s"
    }

    /// A human span: "3 days 4 hours", "12 minutes".
    static func span(_ duration: Duration) -> String {
        let total = max(0, Int(duration.components.seconds))
        let days = total / 86_400, hours = total % 86_400 / 3600, minutes = total % 3600 / 60
        if days > 0 { return "\(days) day\(days == 1 ? "" : "s") \(hours) hour\(hours == 1 ? "" : "s")" }
        if hours > 0 { return "\(hours) hour\(hours == 1 ? "" : "s") \(minutes) minute\(minutes == 1 ? "" : "s")" }
        return "\(max(1, minutes)) minute\(minutes == 1 ? "" : "s")"
    }
}

/// The parts of a Brave web search response Sift reads; every field optional, since
/// Brave omits what it has not got.
struct BraveSearchResponse: Decodable {
    struct Web: Decodable {
        var results: [Result]?
    }
    struct Result: Decodable {
        var title: String?
        var url: String?
        var description: String?
        var age: String?
        var page_age: String?
        var extra_snippets: [String]?
        var profile: Profile?
        var meta_url: MetaURL?
    }
    struct Profile: Decodable {
        var name: String?
    }
    struct MetaURL: Decodable {
        var hostname: String?
    }
    var web: Web?
}

/// `{"type":"ErrorResponse","error":{"status":..,"code":..,"detail":..,"meta":{..}}}`, as Brave
/// answers; its API reference shows the same body as a list under `errors`, which is read too.
struct BraveErrorEnvelope: Decodable {
    struct Body: Decodable {
        var status: Int?
        var code: String?
        var detail: String?
        var meta: Meta?
    }
    struct Meta: Decodable {
        var errors: [Issue]?
        var quota_limit: Int?
        var quota_current: Int?
    }
    struct Issue: Decodable {
        var loc: [String]?
        var msg: String?
    }
    var error: Body?
    var errors: [Body]?
}
