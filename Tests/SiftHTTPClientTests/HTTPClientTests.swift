import Logging
import SiftReplay
import Testing

@_spi(Testing) import SiftHTTPClient

@Suite struct HTTPClientTests {
    @Test func fetchesAPageWithItsHeadAndBody() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let response = try await client.execute(get("\(base)/article"))
                #expect(response.status == 200)
                #expect(response.httpVersion == "1.1")
                #expect(response.url == "\(base)/article")
                #expect(response.headers["content-type"] == "text/html; charset=utf-8")
                #expect(response.attempts == 1)
                let html = try await response.body.text()
                #expect(html.contains("<article>"))
                #expect(html.contains(PageServer.articleSentence))
            }
        }
    }

    @Test func streamsChunksAsTheyArrive() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let response = try await client.execute(get("\(base)/drip?bytes=4&ms=30"))
                var chunks: [[UInt8]] = []
                for try await chunk in response.body {
                    chunks.append(chunk)
                }
                #expect(chunks.count >= 2, "a dripped body arrives in several chunks")
                #expect(chunks.flatMap { $0 } == Array("xxxx".utf8))
            }
        }
    }

    @Test func bytesArriveExactlyAsSent() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let binary = try await client.execute(get("\(base)/binary"))
                #expect(binary.headers["Content-Type"] == "application/octet-stream")
                #expect(try await binary.body.collect(upTo: 1 << 20) == PageServer.binaryBytes)

                let pdf = try await client.execute(get("\(base)/pdf"))
                #expect(pdf.headers["content-type"] == "application/pdf")
                #expect(try await pdf.body.collect(upTo: 1 << 20).starts(with: Array("%PDF-".utf8)))

                let latin1 = try await client.execute(get("\(base)/latin1"))
                #expect(latin1.headers["content-type"] == "text/html; charset=ISO-8859-1")
                let bytes = try await latin1.body.collect(upTo: 1 << 20)
                #expect(bytes.contains(0xE9), "é as one ISO-8859-1 byte, untouched")

                let plain = try await client.execute(get("\(base)/plain"))
                #expect(try await plain.body.text() == PageServer.plainText)
            }
        }
    }

    @Test func followsRedirectsAndKeepsOnlyTheFinalHead() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let relative = try await client.execute(get("\(base)/redirect?to=/plain"))
                #expect(relative.status == 200)
                #expect(relative.url == "\(base)/plain")
                #expect(relative.headers["Location"] == nil)
                #expect(relative.headers["content-type"] == "text/plain; charset=utf-8")
                #expect(try await relative.body.text() == PageServer.plainText)

                let absolute = try await client.execute(get("\(base)/redirect?to=\(base)/article"))
                #expect(absolute.url == "\(base)/article")
                #expect(try await absolute.body.text().contains(PageServer.articleSentence))
            }
        }
    }

    @Test func returnsTheRedirectItselfWhenNotFollowing() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let response = try await client.execute(get("\(base)/redirect?to=/plain") { $0.maxRedirects = 0 })
                #expect(response.status == 302)
                #expect(response.headers["location"] == "/plain")
                #expect(try await response.body.text().contains("moved"))
            }
        }
    }

    @Test func aRedirectLoopFails() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.execute(get("\(base)/redirect-loop") { $0.maxRedirects = 3 })
                }
                #expect(error?.kind == .tooManyRedirects)
                #expect(error?.message.contains("3") == true)
                #expect(error?.curlCode == 47)
            }
        }
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/file", "gopher://127.0.0.1/"])
    func neverFollowsARedirectOutOfHTTP(_ target: String) async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.execute(get("\(base)/redirect?to=\(target)"))
                }
                #expect(error?.kind == .invalidURL)
                #expect(error?.curlCode == 1)  // CURLE_UNSUPPORTED_PROTOCOL
            }
        }
    }

    @Test func decodesGzipTransparently() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let response = try await client.execute(get("\(base)/gzip"))
                #expect(response.headers["Content-Encoding"] == "gzip")
                let wireLength = Int(response.headers["Content-Length"] ?? "") ?? 0
                let text = try await response.body.text()
                #expect(text == PageServer.gzipText)
                #expect(wireLength > 0 && wireLength < text.utf8.count / 10, "the wire carried the compressed form")
            }
        }
    }

    @Test func headAsksForNoBody() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let response = try await client.execute(get("\(base)/plain") { $0.method = .head })
                #expect(response.status == 200)
                #expect(try await response.body.collect(upTo: 1024).isEmpty)
            }
        }
    }

    @Test func postsABodyWithHeaders() async throws {
        try await withPageServer { base, _, _ in
            var configuration = HTTPClient.Configuration()
            configuration.userAgent = "siftd-test/1"
            try await withClient(configuration) { client in
                var request = HTTPRequest(
                    url: "\(base)/echo", method: .post, headers: ["X-Sift-Test": "yes", "Content-Type": "text/plain"],
                    body: Array("hello, server".utf8))
                request.retry = .none
                let echo = try await client.execute(request).body.text()
                #expect(echo.hasPrefix("POST /echo\n"))
                #expect(echo.contains("X-Sift-Test: yes"))
                #expect(echo.contains("User-Agent: siftd-test/1"))
                #expect(echo.hasSuffix("\n\nhello, server"))

                let overridden = try await client.execute(get("\(base)/echo") { $0.headers = ["User-Agent": "custom"] })
                #expect(try await overridden.body.text().contains("User-Agent: custom"))
            }
        }
    }

    @Test func anErrorStatusIsAResponseNotAnError() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let response = try await client.execute(HTTPRequest(url: "\(base)/status/404"))
                #expect(response.status == 404)
                #expect(response.attempts == 1, "4xx is never retried")
                #expect(try await response.body.text() == "status 404\n")
            }
        }
    }

    @Test func aContentLengthOverTheLimitFailsAtOnce() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.execute(get("\(base)/huge?mb=1") { $0.maxBodyBytes = 1000 })
                }
                #expect(error?.kind == .bodyTooLarge)
                #expect(error?.message.contains("1000") == true)
            }
        }
    }

    @Test func aStreamedBodyOverTheLimitFailsWhileReading() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let response = try await client.execute(get("\(base)/endless?ms=0") { $0.maxBodyBytes = 100_000 })
                var received = 0
                let error = await #expect(throws: HTTPClientError.self) {
                    for try await chunk in response.body {
                        received += chunk.count
                    }
                }
                #expect(error?.kind == .bodyTooLarge)
                #expect(received <= 100_000)
            }
        }
    }

    @Test func collectStopsAtItsLimit() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let response = try await client.execute(get("\(base)/binary"))
                let error = await #expect(throws: HTTPClientError.self) {
                    try await response.body.collect(upTo: 100)
                }
                #expect(error?.kind == .bodyTooLarge)
            }
        }
    }

    @Test func aTruncatedBodyFailsTheRead() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let response = try await client.execute(get("\(base)/truncated"))
                #expect(response.status == 200)
                let error = await #expect(throws: HTTPClientError.self) {
                    try await response.body.collect(upTo: 1 << 20)
                }
                #expect(error?.kind == .transport)
                #expect(error?.curlCode == 18)  // CURLE_PARTIAL_FILE
                #expect(error?.message.contains("500") == true, "says how many bytes were missing")
            }
        }
    }

    @Test func theTotalTimeoutEndsASlowResponse() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let started = ContinuousClock.now
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.execute(get("\(base)/slow?ms=3000") { $0.totalTimeout = .milliseconds(200) })
                }
                #expect(error?.kind == .timedOut)
                #expect(ContinuousClock.now - started < .milliseconds(1500))
            }
        }
    }

    @Test func theIdleTimeoutEndsAStalledBody() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let started = ContinuousClock.now
                let error = await #expect(throws: HTTPClientError.self) {
                    let response = try await client.execute(
                        get("\(base)/drip?bytes=3&ms=3000") { $0.idleTimeout = .milliseconds(250) })
                    _ = try await response.body.collect(upTo: 1024)
                }
                #expect(error?.kind == .timedOut)
                #expect(error?.message.contains("idle") == true)
                #expect(ContinuousClock.now - started < .milliseconds(1500))
            }
        }
    }

    @Test(arguments: ["not a url", "ftp://example.org/file", "file:///etc/passwd", "//no-scheme.example/"])
    func refusesURLsItDoesNotFetch(_ url: String) async throws {
        try await withClient { client in
            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(url: url))
            }
            #expect(error?.kind == .invalidURL)
        }
    }

    @Test func refusesAHeaderWithALineBreak() async throws {
        try await withClient { client in
            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(url: "http://127.0.0.1:9/", headers: ["X-Evil": "a\r\nInjected: 1"]))
            }
            #expect(error?.kind == .invalidConfiguration)
        }
    }

    @Test func tlsFailureIsItsOwnKind() async throws {
        try await withPageServer { _, port, _ in
            try await withClient { client in
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.execute(get("https://127.0.0.1:\(port)/plain"))
                }
                #expect(error?.kind == .tls)
            }
        }
    }

    @Test func aRefusedConnectionIsRetriedThenReported() async throws {
        try await withRefusingPort { closedPort in
        try await withClient { client in
            var request = HTTPRequest(url: "http://127.0.0.1:\(closedPort)/")
            request.retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5), maxDelay: .milliseconds(10))
            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(request)
            }
            #expect(error?.kind == .connectFailed)
            #expect(error?.message.contains("127.0.0.1") == true)
            #expect(error?.message.contains("after 3 attempts") == true)
        }
        }
    }

    @Test func aConnectTimeoutIsRetriedThenReported() async throws {
        try await withBlackholePort { port in
            try await withClient { client in
                var request = HTTPRequest(url: "http://127.0.0.1:\(port)/")
                request.connectTimeout = .milliseconds(150)
                request.retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5), maxDelay: .milliseconds(10))
                let started = ContinuousClock.now
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.execute(request)
                }
                #expect(error?.kind == .timedOut)
                #expect(error?.message.contains("connect timeout") == true)
                #expect(error?.message.contains("after 2 attempts") == true)
                #expect(ContinuousClock.now - started >= .milliseconds(300))
            }
        }
    }

    @Test func shutdownFailsTransfersInFlightAndLaterRequests() async throws {
        try await withPageServer { base, _, counters in
            let client = try HTTPClient(logger: .init(label: "test"))
            let response = try await client.execute(get("\(base)/endless"))
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
            client.shutdown()
            let error = await #expect(throws: HTTPClientError.self) {
                while try await iterator.next() != nil {}
            }
            #expect(error?.kind == .shutdown)
            #expect(client.liveTransferCount == 0)
            client.shutdown()  // idempotent
            let later = await #expect(throws: HTTPClientError.self) {
                try await client.execute(get("\(base)/plain"))
            }
            #expect(later?.kind == .shutdown)
            #expect(try await counters.wait { $0.endlessEndedCount == 1 })
        }
    }
}
