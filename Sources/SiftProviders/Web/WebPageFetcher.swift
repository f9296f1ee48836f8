import Logging
import SiftCore
import SiftHTTPClient
import SiftText

/// Reads web pages for the pipeline over the libcurl client: fetches a result URL,
/// refusing private and internal addresses (the SSRF guard, with
/// `SIFT_FETCH_ALLOW_HOSTS` as the exemption list), decodes its charset, keeps the
/// readable main text and splits it into passages.
///
/// PDFs, images and other binaries are skipped with a reason as soon as the
/// headers or the first bytes give them away, without downloading the rest. A page
/// larger than ``Configuration/maxBytes`` is read up to that size and the rest is
/// dropped. Bodies are cached (as received, decoded) so a repeated query reads
/// from the cache.
public struct WebPageFetcher: PageFetcher {
    /// Limits for one page.
    public struct Configuration: Sendable {
        /// The most bytes read from one page; the rest is not downloaded.
        public var maxBytes: Int
        /// Redirects followed.
        public var maxRedirects: Int
        /// Time allowed to connect.
        public var connectTimeout: Duration
        /// Time allowed for the whole page.
        public var timeout: Duration
        /// A page that sends nothing for this long is given up.
        public var idleTimeout: Duration
        /// How long a page is kept in the cache.
        public var cacheTTL: Duration
        /// Passages kept per page.
        public var maxPassages: Int

        public init(
            maxBytes: Int = 2 << 20, maxRedirects: Int = 5, connectTimeout: Duration = .seconds(2),
            timeout: Duration = .seconds(4), idleTimeout: Duration = .seconds(3), cacheTTL: Duration = .seconds(86_400),
            maxPassages: Int = 40
        ) {
            self.maxBytes = maxBytes
            self.maxRedirects = maxRedirects
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.idleTimeout = idleTimeout
            self.cacheTTL = cacheTTL
            self.maxPassages = maxPassages
        }
    }

    public let configuration: Configuration
    private let client: HTTPClient
    private let cache: (any ResponseCaching)?
    private let logger: Logger

    public init(configuration: Configuration = .init(), client: HTTPClient, cache: (any ResponseCaching)?, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.cache = cache
        self.logger = logger
    }

    public func canFetch(_ url: String) -> Bool {
        URLNormalizer.isHTTP(url)
    }

    public func fetch(_ url: String) async throws -> FetchedPage {
        if let cached = await cache?.get(url, namespace: "page") {
            let meta = cached.meta.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let contentType = meta.first.flatMap { $0.isEmpty ? nil : $0 }
            let finalURL = meta.count > 1 && !meta[1].isEmpty ? meta[1] : url
            var page = try read(cached.body, contentType: contentType, url: finalURL)
            page.cached = true
            return page
        }
        var request = HTTPRequest(url: url)
        request.headers = [
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,*/*;q=0.1",
            "Accept-Language": "en;q=1.0, *;q=0.5",
        ]
        request.guardsPrivateAddresses = true
        request.maxRedirects = configuration.maxRedirects
        request.connectTimeout = configuration.connectTimeout
        request.totalTimeout = configuration.timeout
        request.idleTimeout = configuration.idleTimeout
        let response: HTTPResponse
        do {
            response = try await client.execute(request)
        } catch let error as HTTPClientError {
            throw Self.failure(error)
        }
        guard (200..<300).contains(response.status) else {
            throw FetchFailure(code: "http_status", reason: "HTTP \(response.status)")
        }
        let contentType = response.headers["Content-Type"]
        // The label alone can rule a page out before a byte of it is read.
        if let labelled = ContentKind(label: contentType), let reason = Self.skipReason(labelled) {
            throw FetchFailure(code: "unsupported", reason: reason, skipped: true)
        }
        var body: [UInt8] = []
        var sniffed = false
        do {
            for try await chunk in response.body {
                let room = configuration.maxBytes - body.count
                body.append(contentsOf: chunk.prefix(room))
                if !sniffed, body.count >= 512 || chunk.count >= room {
                    sniffed = true
                    if let reason = Self.skipReason(ContentKind(contentType: contentType, prefix: Array(body.prefix(ContentKind.sniffLimit)))) {
                        throw FetchFailure(code: "unsupported", reason: reason, skipped: true)
                    }
                }
                if body.count >= configuration.maxBytes {
                    logger.debug("page cut at the size cap", metadata: ["bytes": "\(body.count)"])
                    break
                }
            }
        } catch let error as HTTPClientError {
            // What arrived before a cut connection is still worth reading.
            guard body.count >= 512, error.kind != .cancelled else { throw Self.failure(error) }
            logger.debug("page cut short; reading what arrived", metadata: ["bytes": "\(body.count)", "error": "\(error.message)"])
        }
        let page = try read(body, contentType: contentType, url: response.url)
        await cache?.put(url, namespace: "page", meta: (contentType ?? "") + "\n" + response.url, body: body, ttl: configuration.cacheTTL)
        return page
    }

    /// Decodes and extracts `body`; throws when nothing readable is in it.
    func read(_ body: [UInt8], contentType: String?, url: String) throws -> FetchedPage {
        let kind = ContentKind(contentType: contentType, prefix: Array(body.prefix(ContentKind.sniffLimit)))
        if let reason = Self.skipReason(kind) {
            throw FetchFailure(code: "unsupported", reason: reason, skipped: true)
        }
        let decoded = TextDecoding.decode(body, contentType: contentType, isHTML: kind.isHTML)
        let document: ReadableDocument
        switch kind {
        case .html, .xhtml:
            document = HTMLTextExtractor().extract(decoded.text)
        case .markdown:
            document = MarkdownParser.markdown(decoded.text)
        default:
            document = MarkdownParser.plainText(decoded.text)
        }
        let splitter = PassageSplitter(minWords: 30, maxWords: 120)
        let passages = splitter.split(document).map(\.text).filter { !$0.isEmpty }.prefix(configuration.maxPassages)
        guard !passages.isEmpty else {
            throw FetchFailure(code: "unreadable", reason: body.isEmpty ? "The page was empty" : "No readable text on the page")
        }
        return FetchedPage(url: url, title: document.title, passages: Array(passages), bytes: body.count)
    }

    /// Why `kind` is not read: PDFs, binaries, and structured data.
    static func skipReason(_ kind: ContentKind) -> String? {
        switch kind {
        case .json, .xml: "structured data (\(kind.mediaType)) is not read"
        default: kind.skipReason
        }
    }

    /// The fetch failure for a client error, in words for the `fetch` event.
    static func failure(_ error: HTTPClientError) -> FetchFailure {
        switch error.kind {
        case .blockedAddress: FetchFailure(code: "blocked", reason: error.message)
        case .timedOut: FetchFailure(code: "timeout", reason: "Timed out: \(error.message)")
        case .queuedTooLong: FetchFailure(code: "timeout", reason: "Not fetched in time: \(error.message)")
        case .tooManyRedirects: FetchFailure(code: "redirects", reason: "Too many redirects")
        case .bodyTooLarge: FetchFailure(code: "too_large", reason: error.message)
        case .cancelled: FetchFailure(code: "cancelled", reason: "Stopped before the page arrived")
        case .invalidURL: FetchFailure(code: "invalid_url", reason: error.message)
        default: FetchFailure(code: "network", reason: error.message)
        }
    }
}
