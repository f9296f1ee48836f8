import SiftReplay
import Testing

@_spi(Testing) import SiftHTTPClient

@Suite struct RetryTests {
    private static let quick = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))

    @Test func aGetIsRetriedThrough503s() async throws {
        try await withPageServer { base, _, counters in
            try await withClient { client in
                var request = HTTPRequest(url: "\(base)/flaky?fail=2&key=get")
                request.retry = Self.quick
                let response = try await client.execute(request)
                #expect(response.status == 200)
                #expect(response.attempts == 3)
                #expect(try await response.body.text() == "ok after 3 attempts\n")
                #expect(counters.flakyAttempts(key: "get") == 3)
            }
        }
    }

    @Test func theLast5xxIsReturnedWhenAttemptsRunOut() async throws {
        try await withPageServer { base, _, counters in
            try await withClient { client in
                var request = HTTPRequest(url: "\(base)/flaky?fail=5&key=out")
                request.retry = Self.quick
                let response = try await client.execute(request)
                #expect(response.status == 503)
                #expect(response.attempts == 3)
                #expect(try await response.body.text() == "failure 3 of 5\n")
                #expect(counters.flakyAttempts(key: "out") == 3)
            }
        }
    }

    @Test func aPostIsNeverRetried() async throws {
        try await withPageServer { base, _, counters in
            try await withClient { client in
                var request = HTTPRequest(url: "\(base)/flaky?fail=1&key=post", method: .post, body: Array("q".utf8))
                request.retry = Self.quick
                let response = try await client.execute(request)
                #expect(response.status == 503)
                #expect(response.attempts == 1)
                #expect(counters.flakyAttempts(key: "post") == 1)
            }
        }
    }

    @Test func a4xxIsNeverRetried() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                var request = HTTPRequest(url: "\(base)/status/429")
                request.retry = Self.quick
                let response = try await client.execute(request)
                #expect(response.status == 429)
                #expect(response.attempts == 1)
            }
        }
    }
}
