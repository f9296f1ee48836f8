import HTTPTypes
import Logging
import SiftCore
import SiftHTTPClient
import SiftReplay
import Testing

@testable import SiftProviders

/// Quiet loggers for servers and clients under test.
func quiet(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .critical
    return logger
}

func question(_ text: String) -> AnalyzedQuery {
    AnalyzedQuery(original: text, normalized: text.lowercased(), kind: .question, terms: text.lowercased().split(separator: " ").map(String.init))
}

/// Runs `body` with a real libcurl client, shut down after.
func withHTTPClient<Result>(
    allowedHosts: [String] = [], _ body: (HTTPClient) async throws -> Result
) async throws -> Result {
    var configuration = HTTPClient.Configuration()
    configuration.allowedHosts = allowedHosts
    let client = try HTTPClient(configuration: configuration, logger: quiet("test.http"))
    defer { client.shutdown() }
    return try await body(client)
}

@Suite("Brave Search provider, against the Brave replay over loopback")
struct BraveProviderTests {
    func provider(
        port: Int, client: HTTPClient, key: String = BraveReplay.Configuration.defaultKey, cache: ResponseCache? = nil
    ) -> BraveSearchProvider {
        BraveSearchProvider(
            configuration: .init(apiKey: key, baseURL: "http://127.0.0.1:\(port)", country: "us", searchLanguage: "en"),
            client: client, cache: cache, logger: quiet("test.brave"))
    }

    @Test func searchesWithTheDocumentedParametersAndStripsDecorations() async throws {
        let brave = BraveReplay()
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let results = try await provider(port: port, client: client).search(
                    question("what is the capital of australia"), limit: 5)
                #expect(!results.hits.isEmpty && results.hits.count <= 5)
                #expect(results.warnings.isEmpty && !results.rateLimited)
                for hit in results.hits {
                    #expect(!hit.title.contains("<strong>") && !hit.snippet.contains("<strong>"))
                    #expect(hit.url.hasPrefix("http"))
                }
                let seen = try #require(brave.requestLog.last)
                #expect(seen.parameter("q") == "what is the capital of australia")
                #expect(seen.parameter("count") == "5")
                #expect(seen.parameter("country") == "us" && seen.parameter("search_lang") == "en")
                #expect(seen.parameter("safesearch") == "moderate" && seen.parameter("extra_snippets") == "true")
                #expect(seen.parameter("result_filter") == "web")
                #expect(seen.header("X-Subscription-Token") == BraveReplay.Configuration.defaultKey)
                #expect(seen.header("Accept-Encoding")?.contains("gzip") == true)
                #expect(seen.status.code == 200)
            }
        }
    }

    @Test func aSecondQueryWithinTheSecondWaitsForTheWindowInsteadOfFailing() async throws {
        let brave = BraveReplay()
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let provider = provider(port: port, client: client)
                _ = try await provider.search(question("swift concurrency"), limit: 3)
                let clock = ContinuousClock()
                let start = clock.now
                let second = try await provider.search(question("tcp congestion control"), limit: 3)
                #expect(start.duration(to: clock.now) > .milliseconds(300))
                #expect(!second.hits.isEmpty && second.rateLimited)
                // Paced, so Brave never had to refuse one.
                #expect(brave.requestLog.entries.allSatisfy { $0.status.code == 200 })
            }
        }
    }

    @Test func a429IsWaitedOutAndRetriedOnceWithAWarning() async throws {
        let brave = BraveReplay()
        brave.scenarios.rateLimitNext(1)
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let results = try await provider(port: port, client: client).search(question("swift concurrency"), limit: 3)
                #expect(!results.hits.isEmpty)
                #expect(results.rateLimited)
                #expect(results.warnings.map(\.code) == ["rate_limited"])
                #expect(brave.requestLog.entries.map(\.status.code) == [429, 200])
            }
        }
    }

    @Test func twoRefusalsInARowFailTheProviderWithoutAStorm() async throws {
        let brave = BraveReplay()
        brave.scenarios.rateLimitNext(5)
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                await #expect {
                    _ = try await provider(port: port, client: client).search(question("swift concurrency"), limit: 3)
                } throws: { error in
                    (error as? ProviderError)?.code == "rate_limited"
                }
                #expect(brave.requestLog.count == 2)
            }
        }
    }

    @Test func anInvalidKeyIsAClearErrorThatIsNeverRetried() async throws {
        let brave = BraveReplay()
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let error = await #expect(throws: ProviderError.self) {
                    _ = try await provider(port: port, client: client, key: "wrong").search(question("swift"), limit: 3)
                }
                #expect(error?.code == "invalid_key")
                #expect(error?.message.contains("SIFT_BRAVE_API_KEY") == true)
                #expect(error?.message.contains("SUBSCRIPTION_TOKEN_INVALID") == true)
                #expect(brave.requestLog.count == 1)
            }
        }
    }

    @Test func aSpentMonthlyQuotaSaysWhenItResets() async throws {
        let brave = BraveReplay(
            configuration: .init(monthlyQuota: 10, monthlyUsed: 10, monthlyRemaining: .seconds(3 * 86_400 + 7200)))
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let provider = provider(port: port, client: client)
                let error = await #expect(throws: ProviderError.self) {
                    _ = try await provider.search(question("swift"), limit: 3)
                }
                #expect(error?.code == "quota_exhausted")
                #expect(error?.message.contains("resets in 3 days") == true, "\(error?.message ?? "")")
                // The next query knows without asking.
                let again = await #expect(throws: ProviderError.self) {
                    _ = try await provider.search(question("tcp"), limit: 3)
                }
                #expect(again?.code == "quota_exhausted")
                #expect(brave.requestLog.count == 1)
            }
        }
    }

    @Test func aRepeatedQueryIsServedFromTheCache() async throws {
        let brave = BraveReplay()
        let directory = try TemporaryDirectory()
        let cache = try ResponseCache(configuration: .init(directory: directory.path), logger: quiet("cache"))
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let provider = provider(port: port, client: client, cache: cache)
                let first = try await provider.search(question("swift concurrency"), limit: 3)
                let second = try await provider.search(question("swift concurrency"), limit: 3)
                #expect(first.hits == second.hits)
                #expect(brave.requestLog.count == 1)
            }
        }
    }

    @Test func decodesEveryFieldAsOptional() throws {
        let hits = try BraveSearchProvider.decode(
            Array(#"{"type":"search","web":{"results":[{"url":"https://a.example/"},{"title":"no url"},{"url":"https://b.example/","title":"<strong>B</strong> &amp; co","description":"x <strong>y</strong>"}]}}"#.utf8))
        #expect(hits.map(\.url) == ["https://a.example/", "https://b.example/"])
        #expect(hits[0].title == "https://a.example/" && hits[0].snippet.isEmpty)
        #expect(hits[1].title == "B & co" && hits[1].snippet == "x y")
        #expect(try BraveSearchProvider.decode(Array(#"{"type":"search"}"#.utf8)).isEmpty)
    }
}

@Suite("Rate-limit windows")
struct RateLimitWindowTests {
    @Test func parsesBravesCommaSeparatedWindows() {
        let windows = RateLimitWindow.parse(
            limit: "1, 15000", remaining: "0, 14999", reset: "1, 1419704", policy: "1;w=1, 15000;w=2592000")
        #expect(windows == [
            RateLimitWindow(limit: 1, remaining: 0, reset: 1, length: 1),
            RateLimitWindow(limit: 15000, remaining: 14999, reset: 1_419_704, length: 2_592_000),
        ])
        #expect(!windows[0].isQuota && windows[1].isQuota)
        #expect(RateLimitWindow.parse(limit: "1, 2", remaining: "0", reset: "1, 2").isEmpty)
        #expect(RateLimitWindow.parse(limit: nil, remaining: nil, reset: nil).isEmpty)
        #expect(RateLimitWindow.parse(limit: "x", remaining: "1", reset: "1").isEmpty)
    }
}

@Suite("SearXNG provider, against the SearXNG replay over loopback")
struct SearXNGProviderTests {
    func provider(port: Int, client: HTTPClient, timeRange: String? = nil) -> SearXNGProvider {
        SearXNGProvider(
            configuration: .init(baseURL: "http://127.0.0.1:\(port)/", timeRange: timeRange), client: client, cache: nil,
            logger: quiet("test.searxng"))
    }

    @Test func asksForTheTimeRangeWhenOneIsSet() async throws {
        let searxng = SearXNGReplay()
        try await withReplayServer(searxng.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                _ = try await provider(port: port, client: client, timeRange: "year").search(question("swift concurrency"), limit: 5)
                #expect(searxng.requestLog.last?.parameter("time_range") == "year")
            }
        }
    }

    @Test func searchesAndReportsUnresponsiveEnginesAsWarnings() async throws {
        let searxng = SearXNGReplay(
            configuration: .init(
                limiter: true, unresponsiveEngines: [.init("google", "timeout")], omitNumberOfResults: true))
        try await withReplayServer(searxng.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let results = try await provider(port: port, client: client).search(question("swift concurrency"), limit: 5)
                #expect(!results.hits.isEmpty && results.hits.count <= 5)
                #expect(results.warnings.map(\.code) == ["engine_unresponsive"])
                #expect(results.warnings.first?.message.contains("google") == true)
                let seen = try #require(searxng.requestLog.last)
                #expect(seen.parameter("format") == "json" && seen.parameter("pageno") == "1")
                #expect(seen.parameter("categories") == "general" && seen.parameter("time_range") == nil)
                #expect(seen.parameter("safesearch") == "1" && seen.parameter("language") == "en")
                #expect(seen.header("Accept-Language") != nil && seen.header("Accept-Encoding") != nil)
            }
        }
    }

    @Test func a403NamesTheSettingToChange() async throws {
        let searxng = SearXNGReplay(configuration: .init(formats: ["html"]))
        try await withReplayServer(searxng.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let error = await #expect(throws: ProviderError.self) {
                    _ = try await provider(port: port, client: client).search(question("swift"), limit: 5)
                }
                #expect(error?.code == "format_disabled")
                #expect(error?.message.contains("search.formats") == true)
            }
        }
    }

    @Test func theLimitersRefusalIsExplained() async throws {
        let searxng = SearXNGReplay(configuration: .init(limiter: true))
        searxng.scenarios.rateLimitNext(1)
        try await withReplayServer(searxng.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let error = await #expect(throws: ProviderError.self) {
                    _ = try await provider(port: port, client: client).search(question("swift"), limit: 5)
                }
                #expect(error?.code == "rate_limited" && error?.message.contains("limiter") == true)
            }
        }
    }
}

@Suite("Per-request search controls reach Brave and SearXNG as their own parameters")
struct SearchControlsProviderTests {
    func asked(_ text: String, _ controls: SearchControls) -> AnalyzedQuery {
        var query = question(text)
        query.controls = controls
        return query
    }

    @Test func braveGetsSiteOperatorsFreshnessAndLanguage() async throws {
        let brave = BraveReplay()
        let controls = try SearchControls(
            sites: ["docs.python.org", "-pinterest.com"], freshness: "2024-01-01to2024-06-30", providers: nil,
            maxSources: nil, language: "de")
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let provider = BraveSearchProvider(
                    configuration: .init(
                        apiKey: BraveReplay.Configuration.defaultKey, baseURL: "http://127.0.0.1:\(port)", searchLanguage: "en"),
                    client: client, cache: nil, logger: quiet("test.brave"))
                _ = try await provider.search(asked("python pathlib", controls), limit: 5)
                let seen = try #require(brave.requestLog.last)
                #expect(seen.parameter("q") == "python pathlib site:docs.python.org -site:pinterest.com")
                #expect(seen.parameter("freshness") == "2024-01-01to2024-06-30")
                #expect(seen.parameter("search_lang") == "de")
                _ = try await provider.search(
                    asked("python", try SearchControls(sites: nil, freshness: "week", providers: nil, maxSources: nil, language: nil)),
                    limit: 5)
                #expect(brave.requestLog.last?.parameter("freshness") == "pw")
                #expect(brave.requestLog.last?.parameter("search_lang") == "en")
            }
        }
    }

    @Test func searxngGetsSiteOperatorsTimeRangeAndLanguage() async throws {
        let searxng = SearXNGReplay()
        let controls = try SearchControls(
            sites: ["a.example", "b.example"], freshness: "month", providers: nil, maxSources: nil, language: "fr")
        try await withReplayServer(searxng.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let provider = SearXNGProvider(
                    configuration: .init(baseURL: "http://127.0.0.1:\(port)/"), client: client, cache: nil,
                    logger: quiet("test.searxng"))
                _ = try await provider.search(asked("swift actors", controls), limit: 5)
                let seen = try #require(searxng.requestLog.last)
                #expect(seen.parameter("q") == "swift actors (site:a.example OR site:b.example)")
                #expect(seen.parameter("time_range") == "month")
                #expect(seen.parameter("language") == "fr")
            }
        }
    }
}
