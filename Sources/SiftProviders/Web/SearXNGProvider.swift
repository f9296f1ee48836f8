import FoundationEssentials
import Logging
import SiftCore
import SiftHTTPClient

/// A SearXNG instance (`/search?format=json`) as a ``SearchProvider`` named `searxng`.
///
/// Always sends `Accept-Language` and `Accept-Encoding`, which SearXNG's bot detection
/// requires, and turns its two classic refusals into errors that say which setting to
/// change: 403 (the `json` format is not enabled) and 429 (the limiter). Engines that
/// did not answer become warnings.
public struct SearXNGProvider: SearchProvider {
    /// A web search: it waits on its upstream.
    public var isRemote: Bool { true }
    /// What to ask SearXNG.
    public struct Configuration: Sendable {
        /// The instance's base URL (`SIFT_SEARXNG_URL`).
        public var baseURL: String
        /// Comma list of categories (`categories`).
        public var categories: String
        /// Search language (`language`), e.g. `en`, `en-US`, or `auto`.
        public var language: String
        /// `day`, `month` or `year`; nil for any time (`time_range`).
        public var timeRange: String?
        /// 0 (off), 1 (moderate) or 2 (strict) (`safesearch`).
        public var safeSearch: Int
        /// How long a response is kept in the cache.
        public var cacheTTL: Duration
        /// Time allowed for one request (SearXNG waits for its engines, often 2 to 3 s).
        public var timeout: Duration

        public init(
            baseURL: String, categories: String = "general", language: String = "en", timeRange: String? = nil,
            safeSearch: Int = 1, cacheTTL: Duration = .seconds(3600), timeout: Duration = .seconds(4)
        ) {
            self.baseURL = baseURL
            self.categories = categories
            self.language = language
            self.timeRange = timeRange
            self.safeSearch = safeSearch
            self.cacheTTL = cacheTTL
            self.timeout = timeout
        }
    }

    public let name = "searxng"
    public let configuration: Configuration
    private let client: HTTPClient
    private let cache: (any ResponseCaching)?
    private let logger: Logger

    public init(configuration: Configuration, client: HTTPClient, cache: (any ResponseCaching)?, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.cache = cache
        self.logger = logger
    }

    func url(for text: String, page: Int = 1, controls: SearchControls = .init()) -> String {
        var query = QueryString()
        query.add("q", controls.withSiteOperators(text))
        query.add("format", "json")
        query.add("categories", configuration.categories)
        query.add("language", controls.language ?? configuration.language)
        query.add("pageno", String(max(1, page)))
        // SearXNG knows day, week, month and year; a date range is applied to the results instead.
        let range: String? =
            switch controls.freshness {
            case .day: "day"
            case .week: "week"
            case .month: "month"
            case .year: "year"
            case .range, nil: configuration.timeRange
            }
        query.add("time_range", range)
        query.add("safesearch", String(configuration.safeSearch))
        return trimmingTrailingSlashes(configuration.baseURL) + "/search?" + query.encoded
    }

    public func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        let url = url(for: query.original, controls: query.controls)
        if let cached = await cache?.get(url, namespace: "search"), let decoded = try? Self.decode(cached.body) {
            return SearchResults(hits: Array(decoded.hits.prefix(limit)))
        }
        var request = HTTPRequest(url: url)
        let language = configuration.language == "auto" ? "en" : configuration.language
        request.headers = [
            // The limiter's bot detection wants text/html among the accepted types.
            "Accept": "application/json, text/html;q=0.9", "Accept-Language": "\(language),en;q=0.8", "Accept-Encoding": "gzip, deflate",
        ]
        request.totalTimeout = configuration.timeout
        request.connectTimeout = min(configuration.timeout, .seconds(3))
        let status: Int
        let body: [UInt8]
        do {
            Spending.meter?.upstreamRequest(provider: "searxng")
            let response = try await client.execute(request)
            status = response.status
            body = try await response.body.collect(upTo: 4 << 20)
        } catch let error as HTTPClientError where error.kind == .queuedTooLong {
            throw ProviderError(
                code: "timeout",
                message: "SearXNG at \(configuration.baseURL) was not asked: \(error.message); raise SIFT_SEARXNG_CONNECTIONS to allow more requests in flight")
        } catch let error as HTTPClientError {
            throw ProviderError(
                code: error.kind == .timedOut ? "timeout" : "unavailable",
                message: "SearXNG at \(configuration.baseURL) could not be reached: \(error.message)")
        }
        switch status {
        case 200..<300:
            let decoded: (hits: [SearchHit], unresponsive: [(String, String)])
            do {
                decoded = try Self.decode(body)
            } catch {
                throw ProviderError(
                    code: "bad_response",
                    message: "SearXNG's answer is not the JSON search format (\(error)); is \(configuration.baseURL) a SearXNG instance?")
            }
            await cache?.put(url, namespace: "search", meta: "application/json", body: body, ttl: configuration.cacheTTL)
            let warnings = decoded.unresponsive.map { engine, reason in
                ProviderWarning(
                    code: "engine_unresponsive", message: "SearXNG's \(engine) engine did not answer (\(reason)); results may be thinner.")
            }
            return SearchResults(hits: Array(decoded.hits.prefix(limit)), warnings: warnings)
        case 403:
            throw ProviderError(
                code: "format_disabled",
                message: "SearXNG at \(configuration.baseURL) refused format=json (HTTP 403). Add json to search.formats in its settings.yml (search: formats: [html, json]) and restart SearXNG.")
        case 429:
            throw ProviderError(
                code: "rate_limited",
                message: "SearXNG's limiter refused the request (HTTP 429). On your own instance, set server.limiter: false in settings.yml, or add siftd's address to pass_ip in limiter.toml.")
        default:
            throw ProviderError(
                code: status >= 500 ? "unavailable" : "http_\(status)",
                message: "SearXNG at \(configuration.baseURL) answered HTTP \(status); going on without it.")
        }
    }

    /// Hits and unresponsive engines from a `format=json` answer.
    static func decode(_ body: [UInt8]) throws -> (hits: [SearchHit], unresponsive: [(String, String)]) {
        let response = try JSONDecoder().decode(SearXNGResponse.self, from: Data(body))
        let results = response.results ?? []
        let count = Double(max(1, results.count))
        let hits = results.enumerated().compactMap { rank, result -> SearchHit? in
            guard let url = result.url, !url.isEmpty else { return nil }
            let engines = result.engines ?? result.engine.map { [$0] } ?? []
            let title = result.title ?? ""
            return SearchHit(
                url: url, title: title.isEmpty ? url : title, snippet: result.content ?? "",
                score: result.score ?? (count - Double(rank)) / count, published: result.publishedDate,
                collection: engines.isEmpty ? nil : engines.joined(separator: ", "))
        }
        let unresponsive = (response.unresponsive_engines ?? []).compactMap { pair -> (String, String)? in
            guard let engine = pair.first else { return nil }
            return (engine, pair.dropFirst().first ?? "no reason given")
        }
        return (hits, unresponsive)
    }
}

/// The parts of a SearXNG JSON answer Sift reads; everything optional
/// (`number_of_results` in particular is often absent or 0).
struct SearXNGResponse: Decodable {
    struct Result: Decodable {
        var url: String?
        var title: String?
        var content: String?
        var engine: String?
        var engines: [String]?
        var score: Double?
        var publishedDate: String?
    }
    var results: [Result]?
    var number_of_results: Double?
    var unresponsive_engines: [[String]]?
}
