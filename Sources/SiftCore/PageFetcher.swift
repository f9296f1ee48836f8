/// Reads the page behind a source: fetches it and turns it into passages of text.
public protocol PageFetcher: Sendable {
    /// Whether `url` is something this fetcher reads (web pages; not `kb://` documents).
    func canFetch(_ url: String) -> Bool
    /// Fetches `url` and returns its readable text as passages.
    ///
    /// Throws ``FetchFailure`` for a page that cannot be read (or is deliberately skipped);
    /// a failed page never fails the query. Cancellation stops the transfer.
    func fetch(_ url: String) async throws -> FetchedPage
}

/// The readable content of one fetched page.
public struct FetchedPage: Sendable, Equatable {
    /// The URL the content came from, after redirects.
    public var url: String
    /// The page's own title, when it has one.
    public var title: String
    /// Passages of readable text, in reading order.
    public var passages: [String]
    /// Bytes received (before decoding); from the cache, the bytes the cached copy holds.
    public var bytes: Int
    /// Whether the page came from the local cache rather than the network.
    public var cached: Bool

    public init(url: String, title: String, passages: [String], bytes: Int, cached: Bool = false) {
        self.url = url
        self.title = title
        self.passages = passages
        self.bytes = bytes
        self.cached = cached
    }
}

/// Why a page was not read.
public struct FetchFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable machine code: `timeout`, `http_status`, `blocked`, `too_large`, `unreadable`,
    /// `unsupported` (a PDF, an image), `network`, `deadline`, `cancelled`.
    public var code: String
    /// A short reason for the client (`"HTTP 404"`, `"PDF documents are not read"`).
    public var reason: String
    /// True when the page was left alone on purpose (its type is not read), not failed.
    public var skipped: Bool

    public init(code: String, reason: String, skipped: Bool = false) {
        self.code = code
        self.reason = reason
        self.skipped = skipped
    }

    public var description: String { "\(code): \(reason)" }
}
