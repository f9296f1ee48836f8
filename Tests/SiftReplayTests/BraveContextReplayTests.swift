import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SiftReplay
import Testing

private let key = BraveReplay.Configuration.defaultKey
private let path = BraveReplay.contextPath
private let authorized = fields(["X-Subscription-Token": key, "Accept": "application/json"])
private let today = CalendarDay(year: 2025, month: 6, day: 1)

@Suite("Brave replay: the LLM Context endpoint")
struct BraveContextReplayTests {
    func replay(_ configuration: BraveReplay.Configuration = .init(perSecondLimit: 50, today: today)) -> BraveReplay {
        BraveReplay(configuration: configuration)
    }

    @Test func aValidRequestHasTheDocumentedGroundingAndSources() async throws {
        let brave = replay()
        let response = try await withRouterClient(brave.router()) { client in
            try await client.execute(uri: path + "?q=capital%20of%20australia&maximum_number_of_urls=3", method: .get, headers: authorized)
        }
        #expect(response.status == .ok)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("X-RateLimit-Limit") == "50, 2000")
        #expect(response.header("X-RateLimit-Remaining") == "49, 1999")
        let body = try response.json()
        #expect(body.keys == ["grounding", "sources"])
        #expect(body["grounding"]?["map"] == .array([]))
        let generic = try #require(body["grounding"]?["generic"]?.array)
        #expect(generic.count == 3)
        let first = try #require(generic.first)
        #expect(first.keys == ["url", "title", "snippets"])
        #expect(first["url"]?.string == "https://en.wikipedia.org/wiki/Canberra")
        #expect(first["title"]?.string == "Canberra - Wikipedia")
        let snippets = try #require(first["snippets"]?.array)
        #expect(snippets.first?.string?.hasPrefix("Canberra is the capital city of Australia.") == true)
        #expect(snippets.allSatisfy { !($0.string ?? "").contains("<strong>") }, "plain text, no decorations")

        let source = try #require(body["sources"]?["https://en.wikipedia.org/wiki/Canberra"])
        #expect(source["title"]?.string == "Canberra - Wikipedia")
        #expect(source["hostname"]?.string == "en.wikipedia.org")
        #expect(source["age"] == .array([.string("Saturday, November 2, 2024"), .string("2024-11-02"), .string("211 days ago")]))
        #expect(body["sources"]?.keys == Set(generic.compactMap { $0["url"]?.string }))
        #expect(brave.requestLog.last?.path == path)
    }

    @Test func theBudgetsBoundWhatComesBack() async throws {
        let brave = replay()
        let (perURL, tokens, snippets) = try await withRouterClient(brave.router()) { client in
            (
                try await client.execute(
                    uri: path + "?q=swift%20concurrency&maximum_number_of_snippets_per_url=1&context_threshold_mode=disabled",
                    method: .get, headers: authorized),
                try await client.execute(
                    uri: path + "?q=swift%20concurrency&maximum_number_of_tokens=1024&maximum_number_of_tokens_per_url=512&context_threshold_mode=disabled",
                    method: .get, headers: authorized),
                try await client.execute(
                    uri: path + "?q=swift%20concurrency&maximum_number_of_snippets=3&context_threshold_mode=lenient",
                    method: .get, headers: authorized)
            )
        }
        let oneEach = try #require(try perURL.json()["grounding"]?["generic"]?.array)
        #expect(!oneEach.isEmpty && oneEach.allSatisfy { $0["snippets"]?.array?.count == 1 })

        let budgeted = try #require(try tokens.json()["grounding"]?["generic"]?.array)
        let characters = budgeted.flatMap { $0["snippets"]?.array ?? [] }.compactMap(\.string).map(\.count)
        #expect(!characters.isEmpty && characters.map { ($0 + 3) / 4 }.reduce(0, +) <= 1024)

        let three = try #require(try snippets.json()["grounding"]?["generic"]?.array)
        #expect(three.flatMap { $0["snippets"]?.array ?? [] }.count == 3)
    }

    @Test func theStrictThresholdKeepsOnlyChunksOnTheQuestion() async throws {
        let brave = replay()
        let (strict, disabled) = try await withRouterClient(brave.router()) { client in
            (
                try await client.execute(
                    uri: path + "?q=capital%20of%20australia&context_threshold_mode=strict", method: .get, headers: authorized),
                try await client.execute(
                    uri: path + "?q=capital%20of%20australia&context_threshold_mode=disabled", method: .get, headers: authorized)
            )
        }
        let kept = try #require(try strict.json()["grounding"]?["generic"]?.array).flatMap { $0["snippets"]?.array ?? [] }
        let all = try #require(try disabled.json()["grounding"]?["generic"]?.array).flatMap { $0["snippets"]?.array ?? [] }
        #expect(kept.count < all.count)
        for snippet in kept.compactMap(\.string) {
            let lower = snippet.lowercased()
            #expect(lower.contains("capital") || lower.contains("australia"), "\(snippet)")
        }
    }

    @Test func freshnessFiltersByTheDocumentsDates() async throws {
        let brave = replay()
        let response = try await withRouterClient(brave.router()) { client in
            try await client.execute(
                uri: path + "?q=capital%20of%20australia&freshness=2024-06-01to2024-12-31", method: .get, headers: authorized)
        }
        let sources = try #require(try response.json()["sources"])
        #expect(!sources.keys.isEmpty)
        for url in sources.keys {
            let day = try #require(sources[url]?["age"]?[1]?.string)
            #expect(day >= "2024-06-01" && day <= "2024-12-31")
        }
    }

    @Test(arguments: [
        ("q=x&maximum_number_of_tokens=512", "greater_than_equal", "maximum_number_of_tokens",
         "Input should be greater than or equal to 1024"),
        ("q=x&maximum_number_of_tokens=40000", "less_than_equal", "maximum_number_of_tokens",
         "Input should be less than or equal to 32768"),
        ("q=x&count=51", "less_than_equal", "count", "Input should be less than or equal to 50"),
        ("q=x&maximum_number_of_urls=0", "greater_than_equal", "maximum_number_of_urls",
         "Input should be greater than or equal to 1"),
        ("q=x&maximum_number_of_tokens_per_url=9000", "less_than_equal", "maximum_number_of_tokens_per_url",
         "Input should be less than or equal to 8192"),
        ("q=x&maximum_number_of_snippets=101", "less_than_equal", "maximum_number_of_snippets",
         "Input should be less than or equal to 100"),
        ("q=x&maximum_number_of_snippets_per_url=many", "int_parsing", "maximum_number_of_snippets_per_url",
         "Input should be a valid integer, unable to parse string as an integer"),
        ("q=x&context_threshold_mode=loose", "enum", "context_threshold_mode",
         "Input should be 'disabled', 'strict', 'lenient' or 'balanced'"),
        ("q=x&enable_local=perhaps", "bool_parsing", "enable_local",
         "Input should be a valid boolean, unable to interpret input"),
        ("q=x&freshness=lastweek", "value_error", "freshness",
         "Value error, freshness should be pd, pw, pm, py or a range YYYY-MM-DDtoYYYY-MM-DD"),
        ("q=", "string_too_short", "q", "String should have at least 1 character"),
    ])
    func invalidParametersAreA422ValidationEnvelope(query: String, type: String, name: String, msg: String) async throws {
        let response = try await withRouterClient(replay().router()) { client in
            try await client.execute(uri: path + "?" + query, method: .get, headers: authorized)
        }
        #expect(response.status == .unprocessableContent)
        let error = try #require(try response.json()["error"])
        #expect(error["code"]?.string == "VALIDATION" && error["status"]?.int == 422)
        let issue = try #require(error["meta"]?["errors"]?[0])
        #expect(issue["type"]?.string == type)
        #expect(issue["loc"] == .array([.string("query"), .string(name)]))
        #expect(issue["msg"]?.string == msg)
        #expect(response.header("X-RateLimit-Remaining") == "50, 2000", "a rejected request is not counted")
    }

    @Test func theDocumentedOptionalParametersAreAccepted() async throws {
        let response = try await withRouterClient(replay().router()) { client in
            try await client.execute(
                uri: path
                    + "?q=swift&country=de&search_lang=de&count=50&maximum_number_of_urls=50&maximum_number_of_tokens=32768"
                    + "&maximum_number_of_snippets=100&maximum_number_of_tokens_per_url=8192&maximum_number_of_snippets_per_url=100"
                    + "&context_threshold_mode=lenient&freshness=py&enable_local=false&goggles=%24discard&safesearch=strict",
                method: .get, headers: authorized)
        }
        #expect(response.status == .ok)
    }

    @Test func aKeyFromAnotherPlanGetsOptionNotInPlanAndStillSearchesTheWeb() async throws {
        let other = fields(["X-Subscription-Token": "answers-key"])
        let brave = replay(.init(keysWithoutLLMContext: ["answers-key"], today: today))
        let (context, invalid, web) = try await withRouterClient(brave.router()) { client in
            (
                try await client.execute(uri: path + "?q=swift", method: .get, headers: other),
                try await client.execute(uri: path + "?maximum_number_of_tokens=1", method: .get, headers: other),
                try await client.execute(uri: BraveReplay.searchPath + "?q=swift", method: .get, headers: other)
            )
        }
        for response in [context, invalid] {
            #expect(response.status == .badRequest)
            let body = try response.json()
            #expect(body["type"]?.string == "ErrorResponse")
            let error = try #require(body["error"])
            #expect(error["code"]?.string == "OPTION_NOT_IN_PLAN")
            #expect(error["detail"]?.string == "The option is not subscribed in the plan.")
            #expect(error["status"]?.int == 400)
            #expect(error["meta"]?["component"]?.string == "authentication")
            #expect(isUUID(error["id"]?.string ?? ""))
            #expect(response.header("X-RateLimit-Limit") == nil)
        }
        #expect(web.status == .ok)
        #expect(brave.monthlyUsage(key: "answers-key") == 1, "only the web search was counted")
    }

    @Test func keysAndRateLimitsAreJudgedAsForWebSearch() async throws {
        let clock = ManualReplayClock()
        let brave = BraveReplay(configuration: .init(perSecondLimit: 1, monthlyQuota: 10), clock: clock)
        try await withRouterClient(brave.router()) { client in
            let missing = try await client.execute(uri: path + "?q=x", method: .get)
            #expect(missing.status == .unprocessableContent)
            #expect(try missing.json()["error"]?["meta"]?["errors"]?[0]?["loc"]?[1]?.string == "x-subscription-token")
            let wrong = try await client.execute(uri: path + "?q=x", method: .get, headers: fields(["X-Subscription-Token": "no"]))
            #expect(try wrong.json()["error"]?["code"]?.string == "SUBSCRIPTION_TOKEN_INVALID")

            let first = try await client.execute(uri: path + "?q=x", method: .get, headers: authorized)
            #expect(first.status == .ok)
            // One subscription: the web search shares the LLM Context's window.
            let web = try await client.execute(uri: BraveReplay.searchPath + "?q=x", method: .get, headers: authorized)
            #expect(web.status == .tooManyRequests)
            let second = try await client.execute(uri: path + "?q=x", method: .get, headers: authorized)
            #expect(second.status == .tooManyRequests)
            #expect(try second.json()["error"]?["code"]?.string == "RATE_LIMITED")
            #expect(second.header("X-RateLimit-Remaining") == "0, 9")
            clock.advance(by: .seconds(1))
            let third = try await client.execute(uri: path + "?q=x", method: .get, headers: authorized)
            #expect(third.status == .ok)
        }
    }

    @Test func pageURLsPointAtThePageServerWhenOneIsConfigured() async throws {
        let brave = replay(.init(perSecondLimit: 50, pagesBaseURL: "http://127.0.0.1:8093", today: today))
        let response = try await withRouterClient(brave.router()) { client in
            try await client.execute(uri: path + "?q=capital%20of%20australia", method: .get, headers: authorized)
        }
        let body = try response.json()
        let url = try #require(body["grounding"]?["generic"]?[0]?["url"]?.string)
        #expect(url == "http://127.0.0.1:8093/en.wikipedia.org/wiki/Canberra")
        #expect(body["sources"]?[url]?["hostname"]?.string == "127.0.0.1")
    }
}
