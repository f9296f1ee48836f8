import Logging
import SiftCore
import SiftHTTPClient
import SiftProviders
import SiftServer

/// The parts of the web side that live as long as the process: the libcurl clients (one
/// pool each: the pages, with the 4-per-host politeness cap, and each search API, sized to
/// the requests its plan allows in flight) and the response cache. A reload keeps them
/// (changing `fetch_allow_hosts`, the pool sizes, the CA file or the cache settings needs a restart).
struct WebTransport {
    /// Pages (the pipeline's reader and `sift_fetch`): at most 4 connections per host.
    let client: HTTPClient
    /// Brave's pool.
    let braveClient: HTTPClient
    /// SearXNG's pool.
    let searxngClient: HTTPClient
    let cache: (any ResponseCaching)?

    /// Every client, for the service group.
    var clients: [HTTPClient] { [client, braveClient, searxngClient] }

    /// `sharedCache` (the PostgreSQL store) replaces the SQLite file when the cache is on.
    init(
        _ settings: WebConfiguration, cacheDirectory: String, sharedCache: (any ResponseCaching)? = nil,
        metrics: SiftMetrics, logger: Logger
    ) throws {
        let observer = PoolMetrics(metrics: metrics)
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.userAgent = "siftd/\(siftVersion)"
        clientConfiguration.allowedHosts = settings.fetchAllowHosts
        clientConfiguration.name = "pages"
        clientConfiguration.observer = observer
        client = try HTTPClient(configuration: clientConfiguration, logger: logger)
        braveClient = try HTTPClient(
            configuration: Self.apiPool("brave", connections: settings.braveConnections, caFile: settings.caFile, observer: observer),
            logger: logger)
        searxngClient = try HTTPClient(
            configuration: Self.apiPool(
                "searxng", connections: settings.searxngConnections, caFile: settings.caFile, observer: observer),
            logger: logger)

        if settings.cacheEnabled, let sharedCache {
            cache = sharedCache
        } else if settings.cacheEnabled {
            do {
                cache = try ResponseCache(
                    configuration: .init(directory: cacheDirectory, maxBytes: settings.cacheMaxBytes), observer: metrics,
                    logger: logger)
            } catch {
                logger.warning(
                    "the response cache could not be opened; going on without it",
                    metadata: ["directory": "\(cacheDirectory)", "error": "\(error)"])
                cache = nil
            }
        } else {
            cache = nil
        }
    }

    /// An API upstream's pool: `connections` to its one host, the private-address guard
    /// off (the operator chose the URL), `caFile` trusted.
    static func apiPool(
        _ name: String, connections: Int, caFile: String?, observer: any HTTPClientObserver
    ) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.userAgent = "siftd/\(siftVersion)"
        configuration.name = name
        configuration.maxConnectionsPerHost = connections
        configuration.maxTotalConnections = connections
        configuration.caFile = caFile
        configuration.observer = observer
        return configuration
    }
}

/// Reports the pools' connection waits to the metrics.
struct PoolMetrics: HTTPClientObserver {
    let metrics: SiftMetrics

    func connectionWait(pool: String, waited: Duration) {
        metrics.recordConnectionWait(pool: pool, waited: waited)
    }

    func queuedTooLong(pool: String) {
        metrics.recordQueueTimeout(pool: pool)
    }
}

/// The web providers built from the configuration (rebuilt on reload): those that
/// have what they need (a Brave key, a SearXNG URL), and the page reader.
struct WebSetup {
    /// Characters of page text a hit from Brave's LLM Context holds that make reading its page
    /// unnecessary (about 125 tokens: a paragraph Brave chose from the page for the question).
    static let llmContextEnoughText = 500

    let cache: (any ResponseCaching)?
    let providers: [any SearchProvider]
    let fetcher: (any PageFetcher)?
    /// ``PipelineConfiguration/enoughProviderText``: set when Brave answers with page text.
    let enoughProviderText: Int?
    private let settings: WebConfiguration

    init(_ settings: WebConfiguration, transport: WebTransport, logger: Logger) {
        self.settings = settings
        let cache = transport.cache
        self.cache = cache

        var providers: [any SearchProvider] = []
        if let key = settings.braveAPIKey {
            let configuration = BraveSearchProvider.Configuration(
                apiKey: key, baseURL: settings.braveURL, country: settings.braveCountry,
                searchLanguage: settings.searchLanguage, safeSearch: settings.safeSearch, cacheTTL: settings.cacheTTL,
                mode: settings.braveMode)
            providers.append(
                BraveSearchProvider(configuration: configuration, client: transport.braveClient, cache: cache, logger: logger))
        }
        if let url = settings.searxngURL {
            let safeSearch = ["off": 0, "moderate": 1, "strict": 2][settings.safeSearch] ?? 1
            let configuration = SearXNGProvider.Configuration(
                baseURL: url, language: settings.searchLanguage, safeSearch: safeSearch, cacheTTL: settings.cacheTTL)
            providers.append(
                SearXNGProvider(configuration: configuration, client: transport.searxngClient, cache: cache, logger: logger))
        }
        self.providers = providers
        enoughProviderText =
            settings.braveAPIKey != nil && settings.braveMode == .llmContext ? Self.llmContextEnoughText : nil
        if providers.isEmpty || settings.maxPages == 0 {
            fetcher = nil
        } else {
            fetcher = WebPageFetcher(
                configuration: .init(cacheTTL: settings.cacheTTL), client: transport.client, cache: cache, logger: logger)
        }
        logger.info(
            "web search",
            metadata: [
                "providers": "\(providers.map(\.name).joined(separator: ","))",
                "brave_mode": "\(settings.braveMode.rawValue)",
                "pages_per_query": "\(fetcher == nil ? 0 : settings.maxPages)", "cache": "\(cache == nil ? "off" : "on")",
            ])
    }

    /// Component states for `/readyz`.
    func describe() -> [String: String] {
        var states: [String: String] = [:]
        if settings.braveAPIKey != nil { states["brave"] = "configured, \(settings.braveURL), \(settings.braveMode.rawValue)" }
        if let url = settings.searxngURL { states["searxng"] = "configured, \(url)" }
        if let cache = cache as? ResponseCache {
            let usage = cache.usage
            states["cache"] = "\(usage.entries) entries, \(usage.bytes >> 10) KiB"
        } else if cache != nil {
            states["cache"] = "shared (the database's sift_cache)"
        }
        return states
    }
}
