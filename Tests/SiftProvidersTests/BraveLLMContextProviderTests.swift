import HTTPTypes
import SiftCore
import SiftHTTPClient
import SiftReplay
import Testing

@testable import SiftProviders

@Suite("Brave LLM Context provider (SIFT_BRAVE_MODE=llm-context), against the Brave replay over loopback")
struct BraveLLMContextProviderTests {
    static let today = CalendarDay(year: 2025, month: 6, day: 1)

    func provider(
        port: Int, client: HTTPClient, key: String = BraveReplay.Configuration.defaultKey, cache: ResponseCache? = nil
    ) -> BraveSearchProvider {
        BraveSearchProvider(
            configuration: .init(
                apiKey: key, baseURL: "http://127.0.0.1:\(port)", country: "us", searchLanguage: "en", mode: .llmContext),
            client: client, cache: cache, logger: quiet("test.brave"))
    }

    func asked(_ text: String, _ controls: SearchControls) -> AnalyzedQuery {
        var query = question(text)
        query.controls = controls
        return query
    }

    @Test func asksTheContextEndpointAndTurnsSnippetsIntoPassages() async throws {
        let brave = BraveReplay(configuration: .init(today: Self.today))
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let results = try await provider(port: port, client: client).search(
                    question("capital of australia"), limit: 4)
                #expect(results.hits.count == 4)
                #expect(results.warnings.isEmpty && !results.rateLimited)
                let first = try #require(results.hits.first)
                #expect(first.url == "https://en.wikipedia.org/wiki/Canberra")
                #expect(first.title == "Canberra - Wikipedia")
                // The page's first chunk, and of the others those on the question (the balanced threshold).
                #expect(first.passages.count == 2)
                #expect(first.passages.first?.hasPrefix("Canberra is the capital city of Australia.") == true)
                #expect(first.passages.last?.hasSuffix("the largest inland city in Australia.") == true)
                #expect(first.snippet == first.passages.first)
                #expect(first.published == "2024-11-02")
                #expect(first.collection == "en.wikipedia.org")
                #expect(results.hits.map(\.score) == results.hits.map(\.score).sorted(by: >))

                let seen = try #require(brave.requestLog.last)
                #expect(seen.path == BraveReplay.contextPath)
                #expect(seen.status.code == 200)
                #expect(seen.parameter("q") == "capital of australia")
                #expect(seen.parameter("count") == "20")
                #expect(seen.parameter("maximum_number_of_urls") == "4")
                #expect(seen.parameter("maximum_number_of_tokens") == "8192")
                #expect(seen.parameter("country") == "US" && seen.parameter("search_lang") == "en")
                #expect(seen.parameter("safesearch") == nil && seen.parameter("extra_snippets") == nil)
                #expect(seen.header("X-Subscription-Token") == BraveReplay.Configuration.defaultKey)
            }
        }
    }

    @Test func sitesFreshnessAndLanguageReachTheEndpoint() async throws {
        let brave = BraveReplay(configuration: .init(perSecondLimit: 10, today: Self.today))
        let controls = try SearchControls(
            sites: ["docs.python.org", "-pinterest.com"], freshness: "2024-01-01to2024-06-30", providers: nil,
            maxSources: nil, language: "pt-br")
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let provider = provider(port: port, client: client)
                _ = try await provider.search(asked("python pathlib", controls), limit: 5)
                let seen = try #require(brave.requestLog.last)
                #expect(seen.path == BraveReplay.contextPath && seen.status.code == 200)
                #expect(seen.parameter("q") == "python pathlib site:docs.python.org -site:pinterest.com")
                #expect(seen.parameter("freshness") == "2024-01-01to2024-06-30")
                #expect(seen.parameter("search_lang") == "pt-br")
                _ = try await provider.search(
                    asked("python", try SearchControls(sites: nil, freshness: "day", providers: nil, maxSources: nil, language: "de")),
                    limit: 5)
                #expect(brave.requestLog.last?.parameter("freshness") == "pd")
                #expect(brave.requestLog.last?.parameter("search_lang") == "de")
            }
        }
    }

    @Test func aKeyFromAnotherPlanIsATypedErrorThatNamesTheWayOut() async throws {
        let brave = BraveReplay(configuration: .init(keysWithoutLLMContext: ["answers-plan-key"]))
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let provider = provider(port: port, client: client, key: "answers-plan-key")
                let error = await #expect(throws: ProviderError.self) {
                    _ = try await provider.search(question("swift concurrency"), limit: 3)
                }
                #expect(error?.code == "not_in_plan")
                #expect(error?.message.contains("OPTION_NOT_IN_PLAN") == true)
                #expect(error?.message.contains("SIFT_BRAVE_MODE=web") == true)
                #expect(error?.message.contains("Search plan") == true)
                #expect(brave.requestLog.entries.map(\.status.code) == [400])
                // Asking again would fail the same way: the next query is refused without a request.
                let again = await #expect(throws: ProviderError.self) {
                    _ = try await provider.search(question("tcp congestion control"), limit: 3)
                }
                #expect(again?.code == "not_in_plan")
                #expect(brave.requestLog.count == 1)
            }
        }
    }

    @Test func rateLimitsAreWaitedOutAsForWebSearch() async throws {
        let brave = BraveReplay()
        brave.scenarios.rateLimitNext(1)
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let results = try await provider(port: port, client: client).search(question("swift concurrency"), limit: 3)
                #expect(!results.hits.isEmpty && results.rateLimited)
                #expect(results.warnings.map(\.code) == ["rate_limited"])
                #expect(brave.requestLog.entries.map(\.status.code) == [429, 200])
                #expect(brave.requestLog.entries.allSatisfy { $0.path == BraveReplay.contextPath })
            }
        }
    }

    @Test func aSpentQuotaAndABadKeyAreTheWebSearchErrors() async throws {
        let brave = BraveReplay(configuration: .init(monthlyQuota: 5, monthlyUsed: 5))
        try await withReplayServer(brave.router(), logger: quiet("replay")) { port in
            try await withHTTPClient { client in
                let quota = await #expect(throws: ProviderError.self) {
                    _ = try await provider(port: port, client: client).search(question("swift"), limit: 3)
                }
                #expect(quota?.code == "quota_exhausted")
                let key = await #expect(throws: ProviderError.self) {
                    _ = try await provider(port: port, client: client, key: "wrong").search(question("swift"), limit: 3)
                }
                #expect(key?.code == "invalid_key" && key?.message.contains("SIFT_BRAVE_API_KEY") == true)
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
                #expect(first.hits == second.hits && !first.hits.isEmpty)
                #expect(first.hits.allSatisfy { !$0.passages.isEmpty })
                #expect(brave.requestLog.count == 1)
            }
        }
    }

    @Test func decodesEveryFieldAsOptionalAndSkipsWhatCannotBeRead() throws {
        let body = #"""
            {"grounding":{"generic":[
              {"url":"https://a.example/","title":"A","snippets":["  first chunk  ","{\"table\":[1,2]}",""]},
              {"title":"no url","snippets":["x"]},
              {"url":"https://b.example/","snippets":["{\"k\":1}","prose after a table"]},
              {"url":"https://c.example/","title":"no text","snippets":[]},
              {"url":"https://d.example/","title":7},
              {"url":"https://e.example/","title":"E","snippets":["e"]}
            ],"poi":null,"map":[]},
            "sources":{
              "https://a.example/":{"title":"A","hostname":"a.example","age":["Wednesday, January 15, 2025","2025-01-15","392 days ago"]},
              "https://b.example/":{"title":"B from sources","hostname":"b.example","age":null},
              "https://e.example/":null}}
            """#
        let hits = try BraveSearchProvider.decodeContext(Array(body.utf8))
        #expect(hits.map(\.url) == ["https://a.example/", "https://b.example/", "https://e.example/"])
        #expect(hits[0].passages == ["first chunk", #"{"table":[1,2]}"#])
        #expect(hits[0].published == "2025-01-15" && hits[0].collection == "a.example")
        #expect(hits[1].title == "B from sources" && hits[1].snippet == "prose after a table")
        #expect(hits[1].published == nil)
        #expect(hits[2].collection == nil && hits[2].score < hits[1].score)
        #expect(try BraveSearchProvider.decodeContext(Array("{}".utf8)).isEmpty)
        let long = String(repeating: "word ", count: 100)
        #expect(BraveSearchProvider.teaser([long]).count <= 301)
        #expect(BraveSearchProvider.teaser([long]).hasSuffix("…"))
    }

    @Test func theDocumentedErrorListIsReadToo() {
        let body = #"{"type":"ErrorResponse","errors":[{"id":"x","code":"OPTION_NOT_IN_PLAN","detail":"The option is not subscribed in the plan.","status":400,"meta":{"component":"authentication"}}],"time":1}"#
        let envelope = BraveSearchProvider.errorEnvelope(Array(body.utf8))
        #expect(envelope?.code == "OPTION_NOT_IN_PLAN")
        let web = BraveSearchProvider.failure(status: 400, envelope: envelope, mode: .web)
        #expect(web.code == "not_in_plan" && !web.message.contains("SIFT_BRAVE_MODE"))
    }
}
