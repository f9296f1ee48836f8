import HTTPTypes

/// An LLM Context request's parameters after validation (`GET /res/v1/llm/context`).
///
/// Documented (https://api-dashboard.search.brave.com/documentation/services/llm-context and
/// its API reference, "LLM Context GET"): `q` as for web search (required, 1–400 characters,
/// at most 50 words); `country` and `search_lang` the web search's enumerations (defaults US,
/// en); `count` 1–50, default 20 (results considered); `maximum_number_of_urls` 1–50, default
/// 20; `maximum_number_of_tokens` 1024–32768, default 8192; `maximum_number_of_snippets` 1–100,
/// default 50; `maximum_number_of_tokens_per_url` 512–8192, default 4096;
/// `maximum_number_of_snippets_per_url` 1–100, default 50; `context_threshold_mode` one of
/// disabled, strict, lenient, balanced (default balanced); `freshness` as for web search;
/// `enable_local` a boolean; `goggles` a string or a list; the `Accept` and `Cache-Control`
/// headers as for web search.
///
/// Guessed: the validation messages (pydantic's, as for web search), that `spellcheck` is read
/// as for web search (Brave's MCP server sends it; the reference does not list it), and that
/// unknown parameters such as `safesearch` are ignored, as FastAPI does. Goggles and
/// `enable_local` are accepted and have no effect: the corpus has no local results.
struct BraveContextRequest: Sendable, Equatable {
    /// `context_threshold_mode`: how relevant a snippet must be to go into the context.
    enum Threshold: String, Sendable, CaseIterable {
        case disabled, strict, lenient, balanced
    }

    var q: String
    var country = "US"
    var searchLang = "en"
    var count = 20
    var maximumURLs = 20
    var maximumTokens = 8192
    var maximumSnippets = 50
    var maximumTokensPerURL = 4096
    var maximumSnippetsPerURL = 50
    var threshold = Threshold.balanced
    var freshness: BraveSearchRequest.Freshness?
    var enableLocal: Bool?
    var goggles: [String] = []
    var spellcheck = true

    /// Validates the query `parameters` and the request `headers`; the issues come in the order
    /// Brave's validator would list them (query first, then headers).
    static func parse(_ parameters: [ReplayParameter], headers: HTTPFields) -> Result<BraveContextRequest, BraveIssues> {
        var reader = BraveParameterReader(parameters)
        var request = BraveContextRequest(q: reader.query())
        if let country = reader.choice("country", BraveSearchRequest.countries, caseInsensitive: true) {
            request.country = country
        }
        if let language = reader.choice("search_lang", BraveSearchRequest.searchLanguages, caseInsensitive: false) {
            request.searchLang = language
        }
        if let value = reader.integer("count", in: 1...50) { request.count = value }
        if let value = reader.integer("maximum_number_of_urls", in: 1...50) { request.maximumURLs = value }
        if let value = reader.integer("maximum_number_of_tokens", in: 1024...32_768) { request.maximumTokens = value }
        if let value = reader.integer("maximum_number_of_snippets", in: 1...100) { request.maximumSnippets = value }
        if let value = reader.integer("maximum_number_of_tokens_per_url", in: 512...8192) {
            request.maximumTokensPerURL = value
        }
        if let value = reader.integer("maximum_number_of_snippets_per_url", in: 1...100) {
            request.maximumSnippetsPerURL = value
        }
        if let value = reader.choice(
            "context_threshold_mode", Threshold.allCases.map(\.rawValue), caseInsensitive: false)
        {
            request.threshold = Threshold(rawValue: value) ?? .balanced
        }
        request.freshness = reader.freshness()
        request.enableLocal = reader.boolean("enable_local")
        if let value = reader.boolean("spellcheck") { request.spellcheck = value }
        request.goggles = parameters.filter { $0.name == "goggles" }.map(\.value)
        reader.checkHeaders(headers)
        return reader.issues.isEmpty ? .success(request) : .failure(BraveIssues(issues: reader.issues))
    }

    /// Whether a page published on `day` passes the freshness filter, seen from `today`.
    func isFresh(_ day: CalendarDay?, today: CalendarDay) -> Bool {
        var probe = BraveSearchRequest(q: q)
        probe.freshness = freshness
        return probe.isFresh(day, today: today)
    }
}
