import SiftCore
import SiftHTTPClient
import SiftReplay
import Testing

@testable import SiftProviders

@Suite("Web page fetcher, against the page server over loopback")
struct WebPageFetcherTests {
    /// Runs `body` with a fetcher allowed to read the loopback page server, and its base URL.
    func withFetcher(
        cache: ResponseCache? = nil, configuration: WebPageFetcher.Configuration = .init(),
        allow: [String] = ["127.0.0.1"],
        _ body: @Sendable (WebPageFetcher, String) async throws -> Void
    ) async throws {
        try await withReplayServer(PageServer.router(), logger: quiet("pages")) { port in
            try await withHTTPClient(allowedHosts: allow) { client in
                let fetcher = WebPageFetcher(configuration: configuration, client: client, cache: cache, logger: quiet("fetch"))
                try await body(fetcher, "http://127.0.0.1:\(port)")
            }
        }
    }

    func failure(_ body: () async throws -> FetchedPage) async -> FetchFailure? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? FetchFailure
        }
    }

    @Test func readsTheArticleAndDropsTheBoilerplate() async throws {
        try await withFetcher { fetcher, base in
            #expect(fetcher.canFetch(base + "/article") && !fetcher.canFetch("kb://wordnet/Canberra"))
            let page = try await fetcher.fetch(base + "/article")
            let text = page.passages.joined(separator: " ")
            #expect(text.contains(PageServer.articleSentence))
            #expect(!text.contains("cookies") && !text.contains("Random article") && !text.contains("tracking code"))
            #expect(page.title.contains("Murray River") && page.bytes > 0 && !page.cached)
        }
    }

    @Test func decodesTheCharsetFromTheHeaderOrTheMetaTag() async throws {
        try await withFetcher { fetcher, base in
            let latin1 = try await fetcher.fetch(base + "/latin1")
            #expect(latin1.passages.joined().contains(PageServer.accentedText))
            let meta = try await fetcher.fetch(base + "/meta-charset")
            #expect(meta.passages.joined().contains("“" + PageServer.accentedText + "” €10…"))
            let plain = try await fetcher.fetch(base + "/plain")
            #expect(plain.passages.joined(separator: " ").contains("Plain text from the page server."))
        }
    }

    @Test func skipsPDFsAndBinariesWithAReason() async throws {
        try await withFetcher { fetcher, base in
            let pdf = await failure { try await fetcher.fetch(base + "/pdf") }
            #expect(pdf?.skipped == true && pdf?.reason.contains("PDF") == true)
            let binary = await failure { try await fetcher.fetch(base + "/binary") }
            #expect(binary?.skipped == true && binary?.reason.contains("binary") == true)
        }
    }

    @Test func failsHTTPErrorsRedirectLoopsAndSlowPagesWithReasons() async throws {
        let configuration = WebPageFetcher.Configuration(timeout: .seconds(2), idleTimeout: .seconds(2))
        try await withFetcher(configuration: configuration) { fetcher, base in
            let missing = await failure { try await fetcher.fetch(base + "/status/404") }
            #expect(missing == FetchFailure(code: "http_status", reason: "HTTP 404"))
            let loop = await failure { try await fetcher.fetch(base + "/redirect-loop") }
            #expect(loop?.code == "redirects")
            let slow = await failure { try await fetcher.fetch(base + "/slow?ms=6000") }
            #expect(slow?.code == "timeout")
        }
    }

    @Test func readsAnEndlessPageUpToTheCapAndHangsUp() async throws {
        let counters = PageServer.Counters()
        try await withReplayServer(PageServer.router(counters: counters), logger: quiet("pages")) { port in
            try await withHTTPClient(allowedHosts: ["127.0.0.1"]) { client in
                // Deadlines far off, so that the cap ends the read even on a loaded machine (a 4 s deadline
                // cut it at 224 KiB once, while four builds shared two cores).
                let fetcher = WebPageFetcher(
                    configuration: .init(maxBytes: 256 << 10, timeout: .seconds(60), idleTimeout: .seconds(30)),
                    client: client, cache: nil, logger: quiet("fetch"))
                let outcome: Result<FetchedPage, any Error>
                do {
                    outcome = .success(try await fetcher.fetch("http://127.0.0.1:\(port)/endless"))
                } catch {
                    outcome = .failure(error)
                }
                // Whatever the bytes are, no more than the cap were taken, and the server saw the client go.
                if case .success(let page) = outcome { #expect(page.bytes == 256 << 10) }
                let ended = try await counters.wait(upTo: .seconds(3)) { $0.endlessEndedCount == 1 }
                #expect(ended)
            }
        }
    }

    @Test func readsAHugePageOnlyUpToTheCap() async throws {
        // The huge page is binary-looking bytes, so cap a text page instead: /huge is skipped as binary
        // after its first bytes, without downloading the rest.
        try await withFetcher(configuration: .init(maxBytes: 64 << 10)) { fetcher, base in
            let clock = ContinuousClock()
            let start = clock.now
            let huge = await failure { try await fetcher.fetch(base + "/huge?mb=64") }
            #expect(huge?.skipped == true)
            #expect(start.duration(to: clock.now) < .seconds(2))
        }
    }

    @Test func refusesPrivateAddressesUnlessAllowed() async throws {
        try await withFetcher(allow: []) { fetcher, base in
            let blocked = await failure { try await fetcher.fetch(base + "/article") }
            #expect(blocked?.code == "blocked")
            #expect(blocked?.reason.contains("SIFT_FETCH_ALLOW_HOSTS") == true, "\(blocked?.reason ?? "")")
        }
    }

    @Test func aPageReadTwiceComesFromTheCache() async throws {
        let directory = try TemporaryDirectory()
        let cache = try ResponseCache(configuration: .init(directory: directory.path), logger: quiet("cache"))
        try await withFetcher(cache: cache) { fetcher, base in
            let first = try await fetcher.fetch(base + "/article")
            let second = try await fetcher.fetch(base + "/article")
            #expect(!first.cached && second.cached)
            #expect(first.passages == second.passages && first.title == second.title)
        }
    }
}
