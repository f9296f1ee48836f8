/// One result from a search provider, before it is numbered as a ``Source``.
public struct SearchHit: Sendable, Equatable {
    /// Where the result lives: a web URL, or a stable `kb://` URI for the local knowledge base.
    public var url: String
    /// The document title (a dictionary headword, a page title).
    public var title: String
    /// A short plain-text excerpt to show the user.
    public var snippet: String
    /// The provider's own score; higher is better. Only comparable within one provider.
    public var score: Double
    /// Publication date as the provider gave it, when known.
    public var published: String?
    /// Passages of readable text the provider already has (the knowledge base has the whole text).
    public var passages: [String]
    /// A short label for the collection the hit comes from ("WordNet", "Linux kernel docs").
    public var collection: String?

    public init(
        url: String, title: String, snippet: String, score: Double, published: String? = nil,
        passages: [String] = [], collection: String? = nil
    ) {
        self.url = url
        self.title = title
        self.snippet = snippet
        self.score = score
        self.published = published
        self.passages = passages
        self.collection = collection
    }
}

/// What one provider found for a query, and what the client should hear about it.
public struct SearchResults: Sendable, Equatable {
    /// Hits, best first.
    public var hits: [SearchHit]
    /// Degradations that did not fail the search (an engine that did not answer, a
    /// rate limit that was waited out); each becomes a `warning` event.
    public var warnings: [ProviderWarning]
    /// Whether the provider had to wait for, or retry after, its upstream's rate limit.
    public var rateLimited: Bool

    public init(hits: [SearchHit], warnings: [ProviderWarning] = [], rateLimited: Bool = false) {
        self.hits = hits
        self.warnings = warnings
        self.rateLimited = rateLimited
    }
}

/// Something a provider wants the client to know while it still answers.
public struct ProviderWarning: Sendable, Equatable {
    /// Stable machine code (`rate_limited`, `engine_unresponsive`...).
    public var code: String
    /// What happened, in words a user can act on.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// A search backend: the local knowledge base, Brave, SearXNG.
public protocol SearchProvider: Sendable {
    /// Short stable name used in events, logs and metric labels (`kb`, `brave`, `searxng`).
    var name: String { get }
    /// Searches for `query`, returning at most `limit` hits, best first.
    ///
    /// Throwing fails this provider only; the pipeline carries on with the others.
    func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults
    /// Whether a search mostly waits on a remote upstream (a web search API) rather than computing here:
    /// a query steps out of its CPU slot (``Admission``) while such providers answer. False by default.
    var isRemote: Bool { get }
}

extension SearchProvider {
    public var isRemote: Bool { false }
}

/// A provider failure that should reach the client as a `warning` with a code.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    /// Stable machine code (`timeout`, `rate_limited`, `unavailable`...).
    public var code: String
    /// What happened and what the operator can do.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
