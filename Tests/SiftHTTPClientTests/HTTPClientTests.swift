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
}
