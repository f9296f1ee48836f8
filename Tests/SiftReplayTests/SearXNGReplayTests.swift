import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiftReplay
import Testing

/// Headers a browser sends, which pass SearXNG's bot detection.
private let browser = fields([
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.5",
    "Accept-Encoding": "gzip, deflate",
])

@Suite struct SearXNGReplayTests {
    @Test func aJSONSearchHasSearXNGsStructure() async throws {
        let searxng = SearXNGReplay(configuration: .init(today: CalendarDay(year: 2025, month: 6, day: 1)))
        let response = try await withRouterClient(searxng.router()) { client in
            try await client.execute(uri: "/search?q=swift%20concurrency&format=json", method: .get)
        }
        #expect(response.status == .ok)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("X-Content-Type-Options") == "nosniff")
        let body = try response.json()
        #expect(
            body.keys == [
                "query", "number_of_results", "results", "answers", "corrections", "infoboxes", "suggestions",
                "unresponsive_engines",
            ])
        #expect(body["query"]?.string == "swift concurrency")
        #expect(body["number_of_results"]?.int == 0)
        #expect(body["answers"] == .array([]))
        #expect(body["unresponsive_engines"] == .array([]))
        #expect(body["suggestions"]?.array?.isEmpty == false)
        let results = try #require(body["results"]?.array)
        #expect(results.count == 9)
        var scores: [Double] = []
        for result in results {
            let engines = result["engines"]?.array?.compactMap(\.string) ?? []
            #expect(!engines.isEmpty)
            #expect(result["engine"]?.string == engines.first)
            #expect(result["positions"]?.array?.count == engines.count)
            #expect(result["category"]?.string == "general")
            #expect(result["template"]?.string == "default.html")
            #expect(result["parsed_url"]?.array?.count == 6)
            #expect(result["title"]?.string?.isEmpty == false)
            #expect(result["content"]?.string?.isEmpty == false)
            #expect(result["content"]?.string?.contains("<strong>") == false, "SearXNG content is plain text")
            #expect(result.keys.contains("publishedDate"))
            scores.append(result["score"]?.number ?? -1)
        }
        #expect(scores == scores.sorted(by: >))
        let documentation = try #require(
            results.first { $0["url"]?.string == "https://docs.swift.org/swift-book/documentation/the-swift-programming-language/concurrency/" })
        #expect(documentation["parsed_url"] == .array(["https", "docs.swift.org", "/swift-book/documentation/the-swift-programming-language/concurrency/", "", "", ""].map { .string($0) }))
        #expect(documentation["publishedDate"]?.string == "2025-06-09T00:00:00")
    }

    @Test func jsonIsForbiddenWhenNotAnAllowedFormat() async throws {
        let searxng = SearXNGReplay(configuration: .init(formats: ["html"]))
        let (json, unknown, html) = try await withRouterClient(searxng.router()) { client in
            (
                try await client.execute(uri: "/search?q=x&format=json", method: .get),
                try await client.execute(uri: "/search?q=x&format=xml", method: .get),
                try await client.execute(uri: "/search?q=x", method: .get)
            )
        }
        #expect(json.status == .forbidden)
        #expect(json.header("Content-Type") == "text/html; charset=utf-8")
        #expect(json.text.contains("<h1>Forbidden</h1>"))
        #expect(unknown.status == .ok, "an unknown format falls back to html")
        #expect(html.status == .ok)
        #expect(html.header("Content-Type") == "text/html; charset=utf-8")
    }

    @Test(arguments: ["Accept-Language", "Accept-Encoding", "Accept", "User-Agent"])
    func theLimiterRejectsARequestWithoutABrowserHeader(missing: String) async throws {
        let headers = changing(browser, missing, to: nil)
        let searxng = SearXNGReplay(configuration: .init(limiter: true))
        let response = try await withRouterClient(searxng.router()) { client in
            try await client.execute(uri: "/search?q=x&format=json", method: .get, headers: headers)
        }
        #expect(response.status == .tooManyRequests)
        #expect(response.text == "Too Many Requests")
    }

    @Test func theLimiterLetsBrowsersThroughAndStopsLibrariesAndBots() async throws {
        let searxng = SearXNGReplay(configuration: .init(limiter: true, ipLimit: false))
        let curl = changing(browser, "User-Agent", to: "curl/8.5.0")
        let closing = changing(browser, "Connection", to: "close")
        let brotliOnly = changing(browser, "Accept-Encoding", to: "br")
        let jsonOnly = changing(browser, "Accept", to: "application/json")
        let statuses = try await withRouterClient(searxng.router()) { client in
            var statuses: [HTTPResponse.Status] = []
            for headers in [browser, curl, closing, brotliOnly, jsonOnly] {
                statuses.append(try await client.execute(uri: "/search?q=x&format=json", method: .get, headers: headers).status)
            }
            statuses.append(try await client.execute(uri: "/healthz", method: .get).status)
            return statuses
        }
        #expect(statuses == [.ok, .tooManyRequests, .tooManyRequests, .tooManyRequests, .tooManyRequests, .ok])
    }

    @Test func theLimiterAllowsFourAPIRequestsAnHour() async throws {
        let clock = ManualReplayClock()
        let searxng = SearXNGReplay(configuration: .init(limiter: true), clock: clock)
        let statuses = try await withRouterClient(searxng.router()) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 {
                clock.advance(by: .seconds(2))
                statuses.append(try await client.execute(uri: "/search?q=x&format=json", method: .get, headers: browser).status)
            }
            statuses.append(try await client.execute(uri: "/search?q=x", method: .get, headers: browser).status)
            clock.advance(by: .seconds(3_600))
            statuses.append(try await client.execute(uri: "/search?q=x&format=json", method: .get, headers: browser).status)
            return statuses
        }
        #expect(statuses == [.ok, .ok, .ok, .ok, .tooManyRequests, .ok, .ok])
    }

    @Test func unresponsiveEnginesAreReportedSortedAndContributeNothing() async throws {
        let searxng = SearXNGReplay(
            configuration: .init(unresponsiveEngines: [.init("google", "CAPTCHA"), .init("brave", "timeout")]))
        let body = try await withRouterClient(searxng.router()) { client in
            try await client.execute(uri: "/search?q=tcp%20congestion%20control&format=json", method: .get).json()
        }
        #expect(
            body["unresponsive_engines"]
                == .array([.array([.string("brave"), .string("timeout")]), .array([.string("google"), .string("CAPTCHA")])]))
        let engines = Set(body["results"]?.array?.flatMap { $0["engines"]?.array?.compactMap(\.string) ?? [] } ?? [])
        #expect(!engines.isEmpty)
        #expect(engines.isDisjoint(with: ["google", "brave"]))
    }

    @Test func numberOfResultsCanBeLeftOut() async throws {
        let searxng = SearXNGReplay(configuration: .init(omitNumberOfResults: true))
        let body = try await withRouterClient(searxng.router()) { client in
            try await client.execute(uri: "/search?q=x&format=json", method: .get).json()
        }
        #expect(body["number_of_results"] == nil)
        #expect(body["results"]?.array?.isEmpty == false)
    }

    @Test func pagesAreTenResultsByPageno() async throws {
        let searxng = SearXNGReplay()
        let pages = try await withRouterClient(searxng.router()) { client in
            var pages: [JSON] = []
            for page in ["1", "2", "40"] {
                pages.append(
                    try await client.execute(uri: "/search?q=origami+cranes&format=json&pageno=" + page, method: .get)
                        .json())
            }
            return pages
        }
        let urls = pages.map { $0["results"]?.array?.compactMap { $0["url"]?.string } ?? [] }
        #expect(urls[0].count == 10 && urls[1].count == 10)
        #expect(Set(urls[0]).isDisjoint(with: urls[1]))
        #expect(urls[2].isEmpty, "past the last page there are no results, and no error")
    }

    @Test(arguments: [
        ("pageno=0", "Invalid value 0 for parameter pageno"),
        ("pageno=two", "Invalid value two for parameter pageno"),
        ("pageno=", "Empty pageno parameter"),
        ("safesearch=3", "Invalid value 3 for parameter safesearch"),
        ("time_range=decade", "Invalid value decade for parameter time_range"),
        ("language=English", "Invalid value English for parameter language"),
    ])
    func badParametersAreA400WithTheMessage(parameter: String, message: String) async throws {
        let response = try await withRouterClient(SearXNGReplay().router()) { client in
            try await client.execute(uri: "/search?q=x&format=json&" + parameter, method: .get)
        }
        #expect(response.status == .badRequest)
        #expect(try response.json() == .object(["error": .string(message)]))
    }

    @Test func aMissingQueryIsA400InJSON() async throws {
        let response = try await withRouterClient(SearXNGReplay().router()) { client in
            try await client.execute(uri: "/search?format=json", method: .get)
        }
        #expect(response.status == .badRequest)
        #expect(try response.json() == .object(["error": .string("No query")]))
    }

    @Test func aFormPostSearchesAndTheRootRedirects() async throws {
        let searxng = SearXNGReplay()
        let form = fields(["Content-Type": "application/x-www-form-urlencoded"])
        let (post, get, redirect) = try await withRouterClient(searxng.router()) { client in
            (
                try await client.execute(
                    uri: "/search", method: .post, headers: form,
                    body: ByteBuffer(string: "q=capital+of+australia&format=json")),
                try await client.execute(uri: "/search?q=capital+of+australia&format=json", method: .get),
                try await client.execute(uri: "/?q=capital+of+australia&format=json", method: .get)
            )
        }
        #expect(post.status == .ok)
        #expect(try post.json() == (try get.json()))
        #expect(try post.json()["infoboxes"]?[0]?["infobox"]?.string == "Canberra")
        #expect(searxng.requestLog.entries.first?.parameter("q") == "capital of australia")
        #expect(redirect.status == .permanentRedirect)
        #expect(redirect.header("Location") == "/search?q=capital+of+australia&format=json")
    }

    @Test func timeRangeKeepsOnlyRecentDatedPages() async throws {
        let searxng = SearXNGReplay(configuration: .init(today: CalendarDay(year: 2024, month: 11, day: 20)))
        let body = try await withRouterClient(searxng.router()) { client in
            try await client.execute(uri: "/search?q=capital+of+australia&format=json&time_range=month", method: .get)
                .json()
        }
        #expect(body["results"]?.array?.compactMap { $0["url"]?.string } == ["https://en.wikipedia.org/wiki/Canberra"])
    }

    @Test func injectedFaults() async throws {
        let searxng = SearXNGReplay()
        searxng.scenarios.rateLimitNext(1)
        searxng.scenarios.failNext(1, status: .serviceUnavailable)
        let statuses = try await withRouterClient(searxng.router()) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                statuses.append(try await client.execute(uri: "/search?q=x&format=json", method: .get).status)
            }
            return statuses
        }
        #expect(statuses == [.tooManyRequests, .serviceUnavailable, .ok])
    }
}
