import FoundationEssentials
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import SiftReplay
import Testing

/// Corpus files (`sift-replay --corpus`): entries matched by a query's words, pages whose
/// body holds what the result list does not.
@Suite struct ReplayCorpusFileTests {
    private let today = CalendarDay(year: 2025, month: 3, day: 1)

    private static let file = """
        {"entries": [
          {"match": ["capital", "zembla"],
           "results": [
             {"title": "Zembla at a glance", "url": "https://atlas.example/places/zembla", "site_name": "Atlas",
              "description": "Geography, history and people of Zembla.",
              "body": ["Its capital is Onhava, on the western coast."], "published": "2024-05-01"},
             {"title": "Travelling in Zembla", "url": "https://trips.example/zembla",
              "description": "Ferries, trains and when to go."}]},
          {"match": ["zembla"],
           "results": [{"title": "Zembla", "url": "https://atlas.example/zembla", "description": "A northern kingdom."}]},
          {"query": "Swift Concurrency",
           "results": [{"title": "Replaced", "url": "https://example.org/replaced", "description": "A file entry wins."}]}
        ]}
        """

    private func corpus() throws -> ReplayCorpus {
        try ReplayCorpus.standard.adding(corpusJSON: Data(Self.file.utf8))
    }

    @Test func wordEntriesAnswerAnyQueryHoldingTheirWords() throws {
        let corpus = try corpus()
        // The file's two, after the built-in prompt-injection pages.
        #expect(corpus.wordEntries.count == ReplayCorpus.standard.wordEntries.count + 2)
        #expect(corpus.search("the Tallowmere Treaty", today: today).entry.documents.count == 3)
        let asked = corpus.search("What is the CAPITAL of Zembla?", today: today).entry
        #expect(asked.documents.map(\.title) == ["Zembla at a glance", "Travelling in Zembla"])
        #expect(asked.documents[0].published == CalendarDay(year: 2024, month: 5, day: 1))
        #expect(asked.documents[1].siteName == "trips.example", "the host names a site without a name")
        // The entry with more matching words wins; fewer words still match on their own.
        #expect(corpus.search("zembla history", today: today).entry.documents.map(\.title) == ["Zembla"])
        // A query without all the words falls through to the generator.
        #expect(corpus.search("capital of australia", today: today).entry.documents.first?.title == "Canberra - Wikipedia")
        #expect(corpus.search("capital cities", today: today).entry.documents.count >= 40)
        #expect(corpus.search("swift concurrency", today: today).entry.documents.map(\.title) == ["Replaced"])
    }

    @Test func theBodyIsOnThePageAndNotInTheResults() async throws {
        let corpus = try corpus()
        let document = try #require(corpus.search("capital zembla", today: today).entry.documents.first)
        #expect(document.body == ["Its capital is Onhava, on the western coast."])
        #expect(!document.snippet.contains("Onhava") && document.extraSnippets.isEmpty)

        let brave = BraveReplay(configuration: .init(perSecondLimit: 100, corpus: corpus, today: today))
        try await withRouterClient(brave.router()) { client in
            let response = try await client.execute(
                uri: BraveReplay.searchPath + "?q=capital%20of%20zembla&extra_snippets=true", method: .get,
                headers: fields(["X-Subscription-Token": BraveReplay.Configuration.defaultKey]))
            #expect(response.status == .ok)
            #expect(response.text.contains("Zembla at a glance"))
            #expect(!response.text.contains("Onhava"), "the decisive fact is only on the page")
        }

        let app = Application(router: PageServer.router(corpus: corpus))
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/atlas.example/places/zembla", method: .get)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("<p>Geography, history and people of Zembla.</p>"))
            #expect(html.contains("<p>Its capital is Onhava, on the western coast.</p>"))
            #expect(try await client.execute(uri: "/trips.example/zembla", method: .get).status == .ok)
        }
    }

    @Test func badFilesAreRefusedWithTheReason() throws {
        let cases: [(String, String)] = [
            ("[]", "not a corpus file"),
            (#"{"entries": [{"results": []}]}"#, "entry 0: give exactly one of query and match"),
            (#"{"entries": [{"match": ["?!"], "results": []}]}"#, "entry 0: match has no words"),
            (#"{"entries": [{"query": "q", "results": [{"title": "t", "url": "nowhere", "description": "d"}]}]}"#,
             "is not an http(s) URL with a host"),
            (#"{"entries": [{"query": "q", "results": [{"title": "t", "url": "https://a.example/", "description": "d", "published": "2024-13-01"}]}]}"#,
             "is not YYYY-MM-DD"),
        ]
        for (json, reason) in cases {
            let error = #expect(throws: ReplayCorpusFileError.self) {
                try ReplayCorpus.standard.adding(corpusJSON: Data(json.utf8))
            }
            #expect(error?.description.contains(reason) == true, "\(json): \(String(describing: error))")
        }
        #expect(throws: ReplayCorpusFileError.self) { try ReplayCorpus.standard.adding(corpusFile: "/nonexistent/corpus.json") }
    }
}
