import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiftReplay
import Testing

private let key = BraveReplay.Configuration.defaultKey
private let path = BraveReplay.searchPath
private let authorized = fields(["X-Subscription-Token": key, "Accept": "application/json"])

@Suite struct BraveReplayTests {
    @Test func aValidSearchHasBravesStructureAndDecorations() async throws {
        let brave = BraveReplay(configuration: .init(today: CalendarDay(year: 2025, month: 6, day: 1)))
        try await withRouterClient(brave.router()) { client in
            let response = try await client.execute(
                uri: path + "?q=capital%20of%20australia&count=5", method: .get, headers: authorized)
            #expect(response.status == .ok)
            #expect(response.header("Content-Type") == "application/json")
            let body = try response.json()
            #expect(body["type"]?.string == "search")
            #expect(body["query"]?["original"]?.string == "capital of australia")
            #expect(body["query"]?["altered"] == nil)
            #expect(body["query"]?["more_results_available"]?.bool == true)
            #expect(body["query"]?["spellcheck_off"]?.bool == false)
            #expect(body["web"]?["type"]?.string == "search")
            #expect(body["web"]?["family_friendly"]?.bool == true)

            let results = try #require(body["web"]?["results"]?.array)
            #expect(results.count == 5)
            let first = try #require(results.first)
            #expect(first["type"]?.string == "search_result")
            #expect(first["subtype"]?.string == "generic")
            #expect(first["title"]?.string == "Canberra - Wikipedia")
            #expect(first["url"]?.string == "https://en.wikipedia.org/wiki/Canberra")
            let description = try #require(first["description"]?.string)
            #expect(description.hasPrefix("Canberra is the <strong>capital</strong> city <strong>of Australia</strong>."))
            #expect(first["page_age"]?.string == "2024-11-02T00:00:00")
            #expect(first["age"]?.string == "November 2, 2024")
            #expect(first["language"]?.string == "en")
            #expect(first["family_friendly"]?.bool == true)
            #expect(first["extra_snippets"] == nil, "extra snippets only when asked for")
            #expect(first["meta_url"]?["scheme"]?.string == "https")
            #expect(first["meta_url"]?["netloc"]?.string == "en.wikipedia.org")
            #expect(first["meta_url"]?["hostname"]?.string == "en.wikipedia.org")
            #expect(first["meta_url"]?["path"]?.string == "› wiki › Canberra")
            #expect(first["profile"]?["name"]?.string == "Wikipedia")
            #expect(first["profile"]?["long_name"]?.string == "en.wikipedia.org")

            #expect(body["news"]?["type"]?.string == "news")
            #expect(body["news"]?["results"]?.array?.isEmpty == false)
            let main = try #require(body["mixed"]?["main"]?.array)
            #expect(body["mixed"]?["type"]?.string == "mixed")
            #expect(main.filter { $0["type"]?.string == "web" }.compactMap { $0["index"]?.int } == [0, 1, 2, 3, 4])
            #expect(main.contains { $0["type"]?.string == "news" && $0["all"]?.bool == true })
        }
    }

    @Test func extraSnippetsWhenAskedAndNoDecorationsWhenTurnedOff() async throws {
        let brave = BraveReplay()
        try await withRouterClient(brave.router()) { client in
            let response = try await client.execute(
                uri: path + "?q=swift+concurrency&extra_snippets=1&text_decorations=false&result_filter=web",
                method: .get, headers: authorized)
            #expect(response.status == .ok)
            let body = try response.json()
            let first = try #require(body["web"]?["results"]?[0])
            #expect(first["extra_snippets"]?.array?.isEmpty == false)
            #expect(first["description"]?.string?.contains("<strong>") == false)
            #expect(body["news"] == nil, "result_filter=web leaves news out")
        }
    }

    @Test func pagesAreCountedInUnitsOfCountAndAreDeterministic() async throws {
        let configuration = BraveReplay.Configuration(perSecondLimit: 100, today: CalendarDay(year: 2025, month: 1, day: 1))
        let uri0 = path + "?q=history%20of%20the%20bicycle&count=7&offset=0"
        let uri1 = path + "?q=history%20of%20the%20bicycle&count=7&offset=1"
        let (first, second, again) = try await withRouterClient(BraveReplay(configuration: configuration).router()) {
            client in
            (
                try await client.execute(uri: uri0, method: .get, headers: authorized).json(),
                try await client.execute(uri: uri1, method: .get, headers: authorized).json(),
                try await client.execute(uri: uri0, method: .get, headers: authorized).json()
            )
        }
        let otherServer = try await withRouterClient(BraveReplay(configuration: configuration).router()) { client in
            try await client.execute(uri: uri0, method: .get, headers: authorized).json()
        }
        let urls0 = first["web"]?["results"]?.array?.compactMap { $0["url"]?.string } ?? []
        let urls1 = second["web"]?["results"]?.array?.compactMap { $0["url"]?.string } ?? []
        #expect(urls0.count == 7 && urls1.count == 7)
        #expect(Set(urls0).isDisjoint(with: urls1))
        #expect(first == again)
        #expect(first == otherServer, "the same query gives the same results on another server")
        #expect(first["web"]?["results"]?[0]?["description"]?.string?.contains("bicycle</strong>") == true)
    }

    @Test func theSpellCheckerAltersKnownMisspellingsUnlessTurnedOff() async throws {
        let brave = BraveReplay(configuration: .init(perSecondLimit: 10))
        try await withRouterClient(brave.router()) { client in
            let corrected = try await client.execute(
                uri: path + "?q=capitol%20of%20australia", method: .get, headers: authorized
            ).json()
            #expect(corrected["query"]?["altered"]?.string == "capital of australia")
            #expect(corrected["web"]?["results"]?[0]?["title"]?.string == "Canberra - Wikipedia")
            let literal = try await client.execute(
                uri: path + "?q=capitol%20of%20australia&spellcheck=0", method: .get, headers: authorized
            ).json()
            #expect(literal["query"]?["altered"] == nil)
            #expect(literal["query"]?["spellcheck_off"]?.bool == true)
        }
    }

    @Test func resultURLsPointAtThePageServerWhenConfigured() async throws {
        let brave = BraveReplay(configuration: .init(pagesBaseURL: "http://127.0.0.1:8092/"))
        let body = try await withRouterClient(brave.router()) { client in
            try await client.execute(uri: path + "?q=tcp%20congestion%20control", method: .get, headers: authorized).json()
        }
        let first = try #require(body["web"]?["results"]?[0])
        #expect(first["url"]?.string == "http://127.0.0.1:8092/en.wikipedia.org/wiki/TCP_congestion_control")
        #expect(first["meta_url"]?["netloc"]?.string == "127.0.0.1:8092")
        #expect(first["meta_url"]?["hostname"]?.string == "127.0.0.1")
    }

    @Test(arguments: [
        ("", "missing", ["query", "q"], "Field required"),
        ("q=", "string_too_short", ["query", "q"], "String should have at least 1 character"),
        ("q=" + String(repeating: "a", count: 401), "string_too_long", ["query", "q"],
         "String should have at most 400 characters"),
        ("q=" + Array(repeating: "w", count: 51).joined(separator: "+"), "value_error", ["query", "q"],
         "Value error, the query can have at most 50 words"),
        ("q=x&count=21", "less_than_equal", ["query", "count"], "Input should be less than or equal to 20"),
        ("q=x&count=0", "greater_than_equal", ["query", "count"], "Input should be greater than or equal to 1"),
        ("q=x&count=ten", "int_parsing", ["query", "count"],
         "Input should be a valid integer, unable to parse string as an integer"),
        ("q=x&offset=10", "less_than_equal", ["query", "offset"], "Input should be less than or equal to 9"),
        ("q=x&safesearch=high", "enum", ["query", "safesearch"], "Input should be 'off', 'moderate' or 'strict'"),
        ("q=x&freshness=pz", "value_error", ["query", "freshness"],
         "Value error, freshness should be pd, pw, pm, py or a range YYYY-MM-DDtoYYYY-MM-DD"),
        ("q=x&spellcheck=maybe", "bool_parsing", ["query", "spellcheck"],
         "Input should be a valid boolean, unable to interpret input"),
    ])
    func invalidParametersAreA422ValidationEnvelope(query: String, type: String, loc: [String], msg: String) async throws {
        let brave = BraveReplay()
        let response = try await withRouterClient(brave.router()) { client in
            try await client.execute(uri: path + "?" + query, method: .get, headers: authorized)
        }
        #expect(response.status == .unprocessableContent)
        let body = try response.json()
        #expect(body["type"]?.string == "ErrorResponse")
        #expect(body["time"]?.number != nil)
        let error = try #require(body["error"])
        #expect(isUUID(error["id"]?.string ?? ""))
        #expect(error["status"]?.int == 422)
        #expect(error["code"]?.string == "VALIDATION")
        #expect(error["detail"]?.string == "Unable to validate request parameter(s)")
        let issue = try #require(error["meta"]?["errors"]?[0])
        #expect(issue["type"]?.string == type)
        #expect(issue["loc"] == .array(loc.map { .string($0) }))
        #expect(issue["msg"]?.string == msg)
        #expect(response.header("X-RateLimit-Remaining") == "1, 2000", "a rejected request is not counted")
    }

    @Test func anUnsupportedLanguageListsTheAllowedOnes() async throws {
        let response = try await withRouterClient(BraveReplay().router()) { client in
            try await client.execute(uri: path + "?q=x&search_lang=zh-CN", method: .get, headers: authorized)
        }
        let issue = try #require(try response.json()["error"]?["meta"]?["errors"]?[0])
        #expect(issue["type"]?.string == "enum")
        #expect(issue["msg"]?.string?.hasPrefix("Input should be 'ar', 'eu', 'bn', 'bg', 'ca', 'zh-hans', 'zh-hant'") == true)
        #expect(issue["msg"]?.string?.hasSuffix("'uk' or 'vi'") == true)
    }

    @Test func aCacheControlOtherThanNoCacheIsRejected() async throws {
        let headers = changing(authorized, "Cache-Control", to: "max-age=0")
        let response = try await withRouterClient(BraveReplay().router()) { client in
            try await client.execute(uri: path + "?q=x", method: .get, headers: headers)
        }
        #expect(response.status == .unprocessableContent)
        let issue = try #require(try response.json()["error"]?["meta"]?["errors"]?[0])
        #expect(issue["loc"] == .array([.string("header"), .string("cache-control")]))
        #expect(issue["msg"]?.string == "Input should be 'no-cache'")
    }

    @Test func aMissingTokenIsAValidationErrorBesideTheOthers() async throws {
        let (alone, withMissingQuery) = try await withRouterClient(BraveReplay().router()) { client in
            (
                try await client.execute(uri: path + "?q=x", method: .get),
                try await client.execute(uri: path, method: .get)
            )
        }
        #expect(alone.status == .unprocessableContent)
        let error = try #require(try alone.json()["error"])
        #expect(error["code"]?.string == "VALIDATION")
        #expect(error["meta"]?["errors"]?[0]?["loc"] == .array([.string("header"), .string("x-subscription-token")]))
        #expect(error["meta"]?["errors"]?[0]?["type"]?.string == "missing")
        #expect(alone.header("X-RateLimit-Limit") == nil, "no plan, no rate-limit headers")
        let both = try withMissingQuery.json()["error"]?["meta"]?["errors"]?.array ?? []
        #expect(both.compactMap { $0["loc"]?[1]?.string } == ["q", "x-subscription-token"])
    }

    @Test func anUnknownTokenIsRejectedBeforeTheParametersAreChecked() async throws {
        let wrong = fields(["X-Subscription-Token": "not-a-key"])
        let (response, withoutQuery) = try await withRouterClient(BraveReplay().router()) { client in
            (
                try await client.execute(uri: path + "?q=x", method: .get, headers: wrong),
                try await client.execute(uri: path, method: .get, headers: wrong)
            )
        }
        for response in [response, withoutQuery] {
            #expect(response.status == .unprocessableContent)
            let error = try #require(try response.json()["error"])
            #expect(error["code"]?.string == "SUBSCRIPTION_TOKEN_INVALID")
            #expect(error["detail"]?.string == "The provided subscription token is invalid.")
            #expect(error["meta"]?["component"]?.string == "authentication")
            #expect(error["status"]?.int == 422)
        }
    }

    @Test func rateLimitHeadersCountDownOnConsecutiveRequests() async throws {
        let clock = ManualReplayClock()
        let brave = BraveReplay(
            configuration: .init(perSecondLimit: 2, monthlyQuota: 10, monthlyUsed: 3), clock: clock)
        try await withRouterClient(brave.router()) { client in
            func search(_ query: String = "q=x") async throws -> TestResponse {
                try await client.execute(uri: path + "?" + query, method: .get, headers: authorized)
            }
            let first = try await search()
            #expect(first.status == .ok)
            #expect(first.header("X-RateLimit-Limit") == "2, 10")
            #expect(first.header("X-RateLimit-Policy") == "2;w=1, 10;w=2592000")
            #expect(first.header("X-RateLimit-Remaining") == "1, 6")
            #expect(first.header("X-RateLimit-Reset") == "1, 2592000")

            clock.advance(by: .milliseconds(250))
            let second = try await search()
            #expect(second.status == .ok)
            #expect(second.header("X-RateLimit-Remaining") == "0, 5")
            #expect(second.header("X-RateLimit-Reset") == "1, 2592000")

            let third = try await search()
            #expect(third.status == .tooManyRequests)
            #expect(third.header("X-RateLimit-Remaining") == "0, 5")
            let error = try #require(try third.json()["error"])
            #expect(error["code"]?.string == "RATE_LIMITED")
            #expect(error["detail"]?.string == "Request rate limit exceeded for plan.")
            #expect(error["status"]?.int == 429)
            let meta = try #require(error["meta"])
            #expect(meta["plan"]?.string == "Free")
            #expect(meta["rate_limit"]?.int == 2)
            #expect(meta["rate_current"]?.int == 2)
            #expect(meta["quota_limit"]?.int == 10)
            #expect(meta["quota_current"]?.int == 5)
            #expect(meta["org_rate_limit"] == .null)
            #expect(meta["component"]?.string == "rate_limiter")

            clock.advance(by: .seconds(1))
            let fourth = try await search()
            #expect(fourth.status == .ok)
            #expect(fourth.header("X-RateLimit-Remaining") == "1, 4")
            #expect(fourth.header("X-RateLimit-Reset") == "1, 2591999")

            let invalid = try await search("q=x&count=99")
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.header("X-RateLimit-Remaining") == "1, 4", "a rejected request is not counted")
            #expect(brave.monthlyUsage(key: key) == 6)
        }
    }

    @Test func overOneRequestASecondIsA429UntilTheWindowResets() async throws {
        let clock = ManualReplayClock()
        let brave = BraveReplay(configuration: .init(), clock: clock)
        let statuses = try await withRouterClient(brave.router()) { client in
            var statuses: [HTTPResponse.Status] = []
            for step in [Duration.zero, .milliseconds(10), .milliseconds(980), .milliseconds(10)] {
                clock.advance(by: step)
                statuses.append(try await client.execute(uri: path + "?q=x", method: .get, headers: authorized).status)
            }
            return statuses
        }
        #expect(statuses == [.ok, .tooManyRequests, .tooManyRequests, .ok])
        #expect(brave.requestLog.entries.map(\.status) == statuses)
    }

    @Test func aSpentMonthlyQuotaIsQuotaLimitedUntilTheMonthRollsOver() async throws {
        let clock = ManualReplayClock()
        let brave = BraveReplay(
            configuration: .init(perSecondLimit: 100, monthlyQuota: 3, monthlyUsed: 2, monthlyRemaining: .seconds(60)),
            clock: clock)
        try await withRouterClient(brave.router()) { client in
            let last = try await client.execute(uri: path + "?q=x", method: .get, headers: authorized)
            #expect(last.status == .ok)
            #expect(last.header("X-RateLimit-Remaining") == "99, 0")
            #expect(last.header("X-RateLimit-Reset") == "1, 60")

            let spent = try await client.execute(uri: path + "?q=x", method: .get, headers: authorized)
            #expect(spent.status == .tooManyRequests)
            let error = try #require(try spent.json()["error"])
            #expect(error["code"]?.string == "QUOTA_LIMITED")
            #expect(error["detail"]?.string == "Request quota limit exceeded for plan.")
            #expect(error["meta"]?["quota_current"]?.int == 3)
            #expect(error["meta"]?["quota_limit"]?.int == 3)

            clock.advance(by: .seconds(60))
            let nextMonth = try await client.execute(uri: path + "?q=x", method: .get, headers: authorized)
            #expect(nextMonth.status == .ok)
            #expect(nextMonth.header("X-RateLimit-Remaining") == "99, 2")
            #expect(nextMonth.header("X-RateLimit-Reset") == "1, 2592000")
        }
    }

    @Test func aZeroMonthlyQuotaIsUncapped() async throws {
        let brave = BraveReplay(configuration: .init(perSecondLimit: 50, monthlyQuota: 0, monthlyUsed: 1_000_000))
        let response = try await withRouterClient(brave.router()) { client in
            try await client.execute(uri: path + "?q=x", method: .get, headers: authorized)
        }
        #expect(response.status == .ok)
        #expect(response.header("X-RateLimit-Policy") == "50;w=1, 0;w=2592000")
        #expect(response.header("X-RateLimit-Remaining") == "49, 0")
    }

    @Test func bodiesAreGzippedWhenTheClientAsksAndPlainOtherwise() async throws {
        let gzipHeaders = changing(authorized, "Accept-Encoding", to: "gzip, deflate")
        let refusing = changing(authorized, "Accept-Encoding", to: "gzip;q=0, identity")
        let brave = BraveReplay(configuration: .init(perSecondLimit: 10))
        try await withRouterClient(brave.router()) { client in
            let gzipped = try await client.execute(uri: path + "?q=swift", method: .get, headers: gzipHeaders)
            #expect(gzipped.status == .ok)
            #expect(gzipped.header("Content-Encoding") == "gzip")
            #expect(gzipped.header("Vary") == "Accept-Encoding")
            #expect(gzipped.body.readableBytesView.starts(with: [0x1f, 0x8b]))
            let unzipped = try JSON.parse(try gzipped.gunzipped())
            #expect(unzipped["type"]?.string == "search")

            for headers in [authorized, refusing] {
                let plain = try await client.execute(uri: path + "?q=swift", method: .get, headers: headers)
                #expect(plain.header("Content-Encoding") == nil)
                #expect(try plain.json()["type"]?.string == "search")
            }

            let error = try await client.execute(uri: path + "?q=", method: .get, headers: gzipHeaders)
            #expect(error.header("Content-Encoding") == "gzip", "errors are compressed too")
            #expect(try JSON.parse(try error.gunzipped())["error"]?["code"]?.string == "VALIDATION")
        }
        let never = BraveReplay(configuration: .init(compression: .never))
        let plain = try await withRouterClient(never.router()) { client in
            try await client.execute(uri: path + "?q=swift", method: .get, headers: gzipHeaders)
        }
        #expect(plain.header("Content-Encoding") == nil)
    }

    @Test func gzipOverARealConnection() async throws {
        let headers = changing(authorized, "Accept-Encoding", to: "gzip")
        let response = try await Application(router: BraveReplay().router()).test(.live) { client in
            try await client.execute(uri: path + "?q=tcp+congestion+control", method: .get, headers: headers)
        }
        #expect(response.status == .ok)
        #expect(response.header("Content-Encoding") == "gzip")
        #expect(response.header("X-RateLimit-Remaining") == "0, 1999")
        #expect(try JSON.parse(try response.gunzipped())["web"]?["results"]?.array?.count == 8)
    }

    @Test func injectedFaultsComeFirstAndInOrder() async throws {
        let brave = BraveReplay(configuration: .init(perSecondLimit: 100))
        brave.scenarios.rateLimitNext(2)
        brave.scenarios.failNext(1, status: .badGateway)
        let responses = try await withRouterClient(brave.router()) { client in
            var responses: [TestResponse] = []
            for _ in 0..<4 {
                responses.append(try await client.execute(uri: path + "?q=x", method: .get, headers: authorized))
            }
            return responses
        }
        #expect(responses.map(\.status) == [.tooManyRequests, .tooManyRequests, .badGateway, .ok])
        #expect(try responses[0].json()["error"]?["code"]?.string == "RATE_LIMITED")
        #expect(responses[0].header("X-RateLimit-Remaining") == "0, 2000")
        #expect(responses[2].text.contains("502 Bad Gateway"))
        #expect(brave.scenarios.pendingFaults == 0)
    }

    @Test func addedLatencyDelaysTheResponse() async throws {
        let brave = BraveReplay()
        brave.scenarios.latency = .milliseconds(80)
        let clock = ContinuousClock()
        let start = clock.now
        let response = try await withRouterClient(brave.router()) { client in
            try await client.execute(uri: path + "?q=x", method: .get, headers: authorized)
        }
        #expect(response.status == .ok)
        #expect(clock.now - start >= .milliseconds(80))
    }

    @Test func theRequestLogRecordsWhatTheServerSaw() async throws {
        let brave = BraveReplay()
        let headers = changing(authorized, "User-Agent", to: "sift-test")
        _ = try await withRouterClient(brave.router()) { client in
            try await client.execute(uri: path + "?q=a%26b+c&count=3&country=de", method: .get, headers: headers)
        }
        let entry = try #require(brave.requestLog.last)
        #expect(entry.method == .get)
        #expect(entry.path == path)
        #expect(entry.parameter("q") == "a&b c")
        #expect(entry.parameter("count") == "3")
        #expect(entry.parameters.map(\.name) == ["q", "count", "country"])
        #expect(entry.header("x-subscription-token") == key)
        #expect(entry.header("User-Agent") == "sift-test")
        #expect(entry.status == .ok)
        brave.requestLog.removeAll()
        #expect(brave.requestLog.count == 0)
    }

    @Test func theHostileCorpusCarriesMarkupAndScriptURLs() async throws {
        let body = try await withRouterClient(BraveReplay().router()) { client in
            try await client.execute(uri: path + "?q=xss&extra_snippets=true", method: .get, headers: authorized).json()
        }
        let results = try #require(body["web"]?["results"]?.array)
        let titles = results.compactMap { $0["title"]?.string }
        #expect(titles.contains { $0.contains("<script>alert(1)</script>") })
        #expect(titles.contains { $0.contains("<img src=x onerror=alert(1)>") })
        #expect(results.contains { $0["url"]?.string?.hasPrefix("javascript:") == true })
        #expect(results.contains { $0["description"]?.string?.contains("<script>alert(document.cookie)</script>") == true })
    }
}
