@testable import SiftReplay
import Testing

@Suite struct ReplayCorpusTests {
    private let today = CalendarDay(year: 2025, month: 3, day: 1)

    @Test func generatedResultsAreDeterministicAndMentionTheQuery() {
        let first = ReplayCorpus.standard.search("Rust  Borrow checker", today: today)
        let second = ReplayCorpus.standard.search("rust borrow checker", today: today)
        #expect(first.entry == second.entry)
        #expect(first.entry.documents.count >= 40)
        #expect(first.entry.documents.allSatisfy { $0.snippet.lowercased().contains("rust borrow checker") })
        #expect(Set(first.entry.documents.map(\.url)).count == first.entry.documents.count, "no duplicate URLs")
        #expect(ReplayCorpus.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
    }

    @Test func aCorpusWithoutTheGeneratorFindsNothingUnknown() {
        var corpus = ReplayCorpus.standard
        corpus.generatesUnknownQueries = false
        #expect(corpus.search("unknown thing", today: today).entry.documents.isEmpty)
        #expect(corpus.search("Swift Concurrency", today: today).entry.documents.count == 9)
    }

    @Test func urlsMoveToThePageServer() {
        let document = ReplayDocument(
            title: "t", url: "https://example.org/a/b?c=d#frag", siteName: "s", snippet: "x")
        #expect(document.url(servedFrom: nil) == "https://example.org/a/b?c=d#frag")
        #expect(document.url(servedFrom: "http://127.0.0.1:9/") == "http://127.0.0.1:9/example.org/a/b?c=d")
        let parts = document.urlParts
        #expect(parts.scheme == "https" && parts.host == "example.org" && parts.path == "/a/b")
        #expect(parts.query == "c=d" && parts.fragment == "frag")
        let script = ReplayDocument(title: "t", url: "javascript:alert(1)", siteName: "s", snippet: "x")
        #expect(script.url(servedFrom: "http://127.0.0.1:9") == "javascript:alert(1)")
    }

    @Test func decorationsWrapQueryWordsAndJoinRuns() {
        let terms = ReplayCorpus.terms(of: "TCP congestion")
        #expect(
            BraveReplay.decorate("TCP congestion control: tcp, TCPs.", terms: terms)
                == "<strong>TCP congestion</strong> control: <strong>tcp</strong>, TCPs.")
        #expect(BraveReplay.decorate("nothing here", terms: terms) == "nothing here")
    }

    @Test func calendarDaysRoundTrip() {
        for days in [-1, 0, 1, 59, 60, 365, 11_016, 19_782, 20_000] {
            #expect(CalendarDay(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CalendarDay(daysSinceEpoch: 19_782).iso == "2024-02-29")
        #expect(CalendarDay(iso: "2024-02-30") == nil)
        #expect(CalendarDay(iso: "2022-04-01")?.longForm == "April 1, 2022")
    }

    @Test func formDecoding() {
        let parameters = ReplayHTTP.decodeForm("q=a+b%26c&empty=&flag&bad=%zz&utf=%C3%A9")
        #expect(parameters.map(\.name) == ["q", "empty", "flag", "bad", "utf"])
        #expect(parameters.map(\.value) == ["a b&c", "", "", "%zz", "é"])
        #expect(ReplayHTTP.acceptsGzip("deflate, gzip;q=0.5"))
        #expect(!ReplayHTTP.acceptsGzip("gzip;q=0"))
        #expect(!ReplayHTTP.acceptsGzip(nil))
    }
}
