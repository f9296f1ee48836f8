import SiftTestClock
import Synchronization
import Testing

@testable import SiftCore

@Suite("Search controls: sites, freshness, providers, max_sources, lang")
struct SearchControlsTests {
    func controls(
        sites: [String]? = nil, freshness: String? = nil, providers: [String]? = nil, maxSources: String? = nil,
        language: String? = nil
    ) throws(QueryError) -> SearchControls {
        try SearchControls(sites: sites, freshness: freshness, providers: providers, maxSources: maxSources, language: language)
    }

    func refusal(_ make: () throws(QueryError) -> SearchControls) -> QueryError? {
        do {
            _ = try make()
            return nil
        } catch {
            return error
        }
    }

    @Test func sitesAreDomainsAndALeadingMinusLeavesOneOut() throws {
        let parsed = try controls(sites: ["docs.python.org", " -Example.COM ", "https://www.rust-lang.org/", "docs.python.org"])
        #expect(parsed.sites.map(\.text) == ["docs.python.org", "-example.com", "rust-lang.org"])
        for bad in ["localhost", "not a domain", "-", "a..b", "exa_mple.com", "-bad-.com"] {
            let error = refusal { () throws(QueryError) in try controls(sites: [bad]) }
            #expect(error?.code == "bad_request", "\(bad)")
            #expect(error?.message.contains("is not a domain") == true)
        }
        let many = (1...21).map { "site\($0).example" }
        #expect(refusal { () throws(QueryError) in try controls(sites: many) }?.message.contains("At most 20") == true)
        #expect(try controls(sites: Array(many.prefix(20))).sites.count == 20)
    }

    @Test func freshnessIsAWordOrADateRange() throws {
        #expect(try controls(freshness: "week").freshness == .week)
        #expect(try controls(freshness: "pd").freshness == .day)
        #expect(try controls(freshness: "2024-01-01to2024-03-31").freshness == .range(from: "2024-01-01", to: "2024-03-31"))
        for bad in ["fortnight", "2024-03-31to2024-01-01", "2024-02-30to2024-03-01", "2024-1-1to2024-2-1", "to"] {
            #expect(refusal { () throws(QueryError) in try controls(freshness: bad) }?.code == "bad_request", "\(bad)")
        }
    }

    @Test func providersMaxSourcesAndLanguageAreChecked() throws {
        let parsed = try controls(providers: ["KB", "brave", "kb"], maxSources: "3", language: "PT-BR")
        #expect(parsed.providers == ["kb", "brave"])
        #expect(parsed.maxSources == 3)
        #expect(parsed.language == "pt-br")
        #expect(refusal { () throws(QueryError) in try controls(providers: ["k b"]) }?.code == "bad_request")
        #expect(refusal { () throws(QueryError) in try controls(maxSources: "0") }?.code == "bad_request")
        #expect(refusal { () throws(QueryError) in try controls(maxSources: "many") }?.code == "bad_request")
        #expect(refusal { () throws(QueryError) in try controls(language: "english!") }?.code == "bad_request")
        #expect(try controls().isEmpty)
    }

    @Test func webAddressesMustMatchTheSitesAndLocalEntriesPass() throws {
        let only = try controls(sites: ["python.org", "-wiki.python.org"])
        #expect(only.allows(url: "https://docs.python.org/3/library/os.html"))
        #expect(only.allows(url: "http://www.python.org/"))
        #expect(!only.allows(url: "https://wiki.python.org/moin/"))
        #expect(!only.allows(url: "https://notpython.org/"))
        #expect(!only.allows(url: "https://evil.example/?python.org"))
        #expect(!only.allows(url: "https://python.org.evil.example/"))
        #expect(only.allows(url: "kb://wordnet/python"))
        let exclude = try controls(sites: ["-pinterest.com"])
        #expect(exclude.allows(url: "https://example.com/a"))
        #expect(!exclude.allows(url: "https://www.pinterest.com/pin/1"))
        #expect(!exclude.allows(url: "https://user@uk.pinterest.com:443/pin"))
    }

    @Test func datesOutsideTheFreshnessAreDroppedAndUnknownDatesKept() throws {
        let week = try controls(freshness: "week")
        #expect(week.allows(published: "2026-12-03T10:00:00", today: "2026-12-07"))
        #expect(!week.allows(published: "2026-11-01", today: "2026-12-07"))
        #expect(week.allows(published: "3 days ago", today: "2026-12-07"))
        #expect(week.allows(published: nil, today: "2026-12-07"))
        let range = try controls(freshness: "2024-01-01to2024-03-31")
        #expect(range.allows(published: "2024-03-31", today: "2026-12-07"))
        #expect(!range.allows(published: "2024-04-01", today: "2026-12-07"))
    }

    @Test func siteOperatorsAreWhatSearchEnginesRead() throws {
        let parsed = try controls(sites: ["a.org", "b.org", "-c.org"])
        #expect(parsed.withSiteOperators("rust traits") == "rust traits (site:a.org OR site:b.org) -site:c.org")
        #expect(try controls(sites: ["a.org"]).withSiteOperators("x") == "x site:a.org")
        #expect(SearchControls().withSiteOperators("x") == "x")
    }

    @Test func calendarDatesCountDaysAcrossLeapYears() throws {
        let a = try #require(CalendarDate("2024-02-28"))
        let b = try #require(CalendarDate("2024-03-01"))
        #expect(a.days(to: b) == 2)
        #expect(CalendarDate(daysSinceEpoch: 0).text == "1970-01-01")
        #expect(CalendarDate(daysSinceEpoch: b.ordinal).text == "2024-03-01")
        #expect(CalendarDate("2023-02-29") == nil)
    }

    // MARK: In the pipeline

    func run(
        _ providers: [any SearchProvider], controls: SearchControls, fetcher: (any PageFetcher)? = nil,
        configuration: PipelineConfiguration = .init()
    ) async -> EventLog {
        let log = EventLog()
        let pipeline = Pipeline(
            analyzer: WordsAnalyzer(), providers: providers, fetcher: fetcher, ranker: KeepOrderRanker(),
            synthesizer: EchoSynthesizer(), observer: NoopPipelineObserver(), configuration: configuration,
            sourceKey: { $0 }, clock: ManualClock(), logger: quietLogger())
        let query = AnalyzedQuery(original: "q", normalized: "q", kind: .keywords, terms: ["q"])
        await pipeline.run(id: QueryID(), query: query, context: QueryContext(controls: controls)) { log.append($0) }
        return log
    }

    func sources(_ log: EventLog) -> [String] {
        log.all.compactMap { if case .source(let source) = $0.payload { source.url } else { nil } }
    }

    /// Records the controls each search was asked with.
    final class Recorder: SearchProvider {
        let name: String
        let hits: [SearchHit]
        let asked = Mutex<[SearchControls]>([])
        init(_ name: String, _ hits: [SearchHit]) {
            self.name = name
            self.hits = hits
        }
        func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
            asked.withLock { $0.append(query.controls) }
            return SearchResults(hits: Array(hits.prefix(limit)))
        }
    }

    @Test func onlyTheProvidersAskedForSearchAndTheyHearTheControls() async throws {
        let kb = Recorder("kb", [hit("kb://wordnet/q", "Q")])
        let brave = Recorder("brave", [hit("https://a.example/q", "A")])
        let asked = try controls(providers: ["brave"], language: "de")
        let log = await run([kb, brave], controls: asked)
        #expect(kb.asked.withLock { $0.isEmpty })
        #expect(brave.asked.withLock { $0 } == [asked])
        #expect(sources(log) == ["https://a.example/q"])
    }

    @Test func webResultsOffTheSitesOrTooOldAreDroppedAndMaxSourcesCaps() async throws {
        var old = hit("https://docs.example/old", "Old")
        old.published = "2001-01-01"
        let web = Recorder(
            "brave",
            [
                hit("https://docs.example/a", "A"), hit("https://other.example/b", "B"), old,
                hit("https://docs.example/c", "C"), hit("https://docs.example/d", "D"),
            ])
        let kb = Recorder("kb", [hit("kb://gcide/q", "Q")])
        let log = await run([web, kb], controls: try controls(sites: ["docs.example"], freshness: "year", maxSources: "3"))
        let found = sources(log)
        #expect(found.count == 3)
        #expect(!found.contains("https://other.example/b"))
        #expect(!found.contains("https://docs.example/old"))
    }

    /// Serves every page from another host, as a redirect would.
    struct RedirectingFetcher: PageFetcher {
        func canFetch(_ url: String) -> Bool { url.hasPrefix("http") }
        func fetch(_ url: String) async throws -> FetchedPage {
            FetchedPage(url: "https://elsewhere.example/landing", title: "Elsewhere", passages: ["elsewhere"], bytes: 9)
        }
    }

    @Test func aPageRedirectedOffTheSitesIsNotRead() async throws {
        let web = Recorder("brave", [hit("https://docs.example/a", "A")])
        let log = await run([web], controls: try controls(sites: ["docs.example"]), fetcher: RedirectingFetcher())
        let fetches = log.all.compactMap { if case .fetch(let fetch) = $0.payload { fetch } else { nil } }
        #expect(fetches.last?.state == .skipped)
        #expect(fetches.last?.reason?.contains("outside the sites asked for") == true)
    }

    @Test func aPipelineRefusesProvidersItLacksAndMoreSourcesThanItsCap() throws {
        let pipeline = Pipeline(
            analyzer: WordsAnalyzer(), providers: [Recorder("kb", [])], ranker: KeepOrderRanker(),
            synthesizer: EchoSynthesizer(), observer: NoopPipelineObserver(), configuration: .init(maxSources: 10),
            sourceKey: { $0 }, clock: ManualClock(), logger: quietLogger())
        let unknown = refusal { () throws(QueryError) in
            let asked = try controls(providers: ["brave"])
            try pipeline.check(asked)
            return asked
        }
        #expect(unknown?.message.contains("may name kb") == true)
        let tooMany = refusal { () throws(QueryError) in
            let asked = try controls(maxSources: "11")
            try pipeline.check(asked)
            return asked
        }
        #expect(tooMany?.message.contains("at most 10") == true)
    }
}
