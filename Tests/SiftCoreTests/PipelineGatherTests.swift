import SiftTestClock
import Synchronization
import Testing

@testable import SiftCore

@Suite("Pipeline: fusion and reading pages")
struct PipelineGatherTests {
    func pipeline(
        providers: [any SearchProvider], fetcher: (any PageFetcher)? = nil,
        observer: any PipelineObserver = NoopPipelineObserver(), configuration: PipelineConfiguration = .init(),
        sourceKey: @escaping @Sendable (String) -> String = { $0 },
        clock: ManualClock = ManualClock()
    ) -> Pipeline<ManualClock> {
        Pipeline(
            analyzer: WordsAnalyzer(), providers: providers, fetcher: fetcher, ranker: KeepOrderRanker(),
            synthesizer: EchoSynthesizer(), observer: observer, configuration: configuration, sourceKey: sourceKey,
            clock: clock, logger: quietLogger())
    }

    func sources(_ log: EventLog) -> [Source] {
        log.all.compactMap { if case .source(let source) = $0.payload { source } else { nil } }
    }

    func fetches(_ log: EventLog) -> [PipelineEvent.Fetch] {
        log.all.compactMap { if case .fetch(let fetch) = $0.payload { fetch } else { nil } }
    }

    @Test func theFirstProviderToAnswerStreamsItsSourcesBeforeTheSlowOneAnswers() async {
        let log = EventLog()
        let fast = ScriptedProvider(name: "fast", hits: [hit("https://a.example/1", "A1")])
        // The slow provider answers only once the fast one's source has left: were sources held until
        // every provider answered, this run would never end.
        let fastSourceSent = log.signal(when: isSource("A1"))
        let slow = ScriptedProvider(name: "slow", hits: [hit("https://b.example/1", "B1")], after: fastSourceSent)
        _ = await pipeline(providers: [slow, fast]).run(id: QueryID(), text: "a") { log.append($0) }
        let found = sources(log)
        #expect(found.map(\.url) == ["https://a.example/1", "https://b.example/1"])
        let order = log.all.filter { $0.type == .source }.compactMap { event -> String? in
            if case .source(let source) = event.payload { source.title } else { nil }
        }
        #expect(order == ["A1", "B1"])
    }

    @Test func theSearchingStatusNamesTheProvidersAsked() async {
        let log = EventLog()
        let a = ScriptedProvider(name: "a", hits: [hit("https://a.example/1", "A1")])
        let b = ScriptedProvider(name: "b", hits: [])
        _ = await pipeline(providers: [a, b]).run(id: QueryID(), text: "a") { log.append($0) }
        let searching = log.all.compactMap { event -> PipelineEvent.Status? in
            if case .status(let status) = event.payload, status.stage == .searching { status } else { nil }
        }
        #expect(searching.map(\.providers) == [["a", "b"]])
        #expect(searching.first?.message == "Searching a, b")
    }

    @Test func duplicatesMergeUnderTheSourceKeyAndFusionRanksAgreement() async {
        let log = EventLog()
        // Both find y; only a finds x (ranked first by a). Fusion puts y, found twice, on top.
        let a = ScriptedProvider(name: "a", hits: [hit("https://x.example/", "X"), hit("https://y.example/p?utm_source=a", "Y")])
        let b = ScriptedProvider(name: "b", hits: [hit("http://y.example/p", "Y")], after: log.signal(when: isSource("Y")))
        let key: @Sendable (String) -> String = { url in
            var key = url.split(separator: "?").first.map(String.init) ?? url
            key = key.replacing("https://", with: "").replacing("http://", with: "")
            return key.hasSuffix("/") ? String(key.dropLast()) : key
        }
        let observer = RecordingObserver()
        _ = await pipeline(providers: [a, b], observer: observer, sourceKey: key).run(id: QueryID(), text: "y") {
            log.append($0)
        }
        let events = sources(log)
        #expect(Set(events.map(\.n)) == [1, 2])
        let y = events.last { $0.n == 2 }
        #expect(y?.providers == ["a", "b"])
        #expect(y?.url == "https://y.example/p?utm_source=a")
        #expect(y?.score == 1)
        guard case .ranked(let ranked) = log.all.first(where: { $0.type == .ranked })?.payload else {
            Issue.record("no ranked event")
            return
        }
        #expect(!ranked.passages.isEmpty)
    }

    @Test func theFirstProviderCannotTakeTheSlotsOfOnesStillSearching() async {
        let log = EventLog()
        let many = (1...10).map { hit("https://a.example/\($0)", "A\($0)") }
        let fast = ScriptedProvider(name: "fast", hits: many)
        // The slow provider answers after the fast one's share has been sent.
        let slow = ScriptedProvider(
            name: "slow", hits: (1...3).map { hit("https://b.example/\($0)", "B\($0)") }, after: log.signal(when: isSource("A3")))
        let configuration = PipelineConfiguration(maxSources: 6)
        _ = await pipeline(providers: [fast, slow], configuration: configuration).run(id: QueryID(), text: "a") {
            log.append($0)
        }
        let found = sources(log)
        #expect(found.count == 6)
        // Three slots held for the slow provider; the fast one's first three come first.
        #expect(found.prefix(3).map(\.title) == ["A1", "A2", "A3"])
        #expect(found.filter { $0.title.hasPrefix("B") }.count == 3)
    }

    @Test func slotsOfAFailedProviderGoToTheOthersOverflow() async {
        let log = EventLog()
        let fast = ScriptedProvider(name: "fast", hits: (1...8).map { hit("https://a.example/\($0)", "A\($0)") })
        let configuration = PipelineConfiguration(maxSources: 6)
        _ = await pipeline(providers: [fast, FailingProvider(name: "down")], configuration: configuration).run(
            id: QueryID(), text: "a"
        ) { log.append($0) }
        #expect(sources(log).map(\.title) == ["A1", "A2", "A3", "A4", "A5", "A6"])
    }

    @Test func providerWarningsAndRateLimitsReachTheClientAndTheObserver() async {
        let log = EventLog()
        let observer = RecordingObserver()
        let limited = ScriptedProvider(
            name: "brave", hits: [hit("https://a.example/", "A")],
            warnings: [ProviderWarning(code: "rate_limited", message: "Brave asked us to slow down; waited 1 s.")],
            rateLimited: true)
        _ = await pipeline(providers: [limited], observer: observer).run(id: QueryID(), text: "a") { log.append($0) }
        let warning = log.all.compactMap { if case .warning(let w) = $0.payload { w } else { nil } }.first
        #expect(warning?.code == "rate_limited" && warning?.provider == "brave")
        #expect(observer.snapshot.rateLimited == ["brave"])
    }

    @Test func webPagesAreReadAndTheirPassagesRankWithTheSnippets() async {
        let log = EventLog()
        let observer = RecordingObserver()
        let fetcher = TableFetcher([
            "https://a.example/": .page(["Page text about alpha."]),
            "https://b.example/": .fail(FetchFailure(code: "http_status", reason: "HTTP 404")),
            "https://c.example/doc.pdf": .fail(FetchFailure(code: "unsupported", reason: "PDF documents are not read", skipped: true)),
        ])
        let provider = ScriptedProvider(
            name: "web",
            hits: [
                hit("https://a.example/", "A"), hit("https://b.example/", "B"), hit("https://c.example/doc.pdf", "C"),
                hit("kb://local/d", "D", passages: ["local"]),
            ])
        let outcome = await pipeline(providers: [provider], fetcher: fetcher, observer: observer).run(
            id: QueryID(), text: "alpha"
        ) { log.append($0) }
        #expect(outcome == .complete)
        let events = fetches(log)
        #expect(Set(events.filter { $0.state == .started }.map(\.n)) == [1, 2, 3])
        #expect(events.contains { $0.n == 1 && $0.state == .done && $0.bytes == 22 && $0.ms != nil })
        #expect(events.contains { $0.n == 2 && $0.state == .failed && $0.reason == "HTTP 404" })
        #expect(events.contains { $0.n == 3 && $0.state == .skipped && $0.reason == "PDF documents are not read" })
        // Each fetch starts after its source is announced, and all end before ranking.
        let types = log.types
        let ranked = types.firstIndex(of: .ranked) ?? 0
        #expect(types.lastIndex(of: .fetch).map { $0 < ranked } == true)
        #expect(log.all.contains { if case .status(let s) = $0.payload { s.stage == .fetching } else { false } })
        guard case .ranked(let ranking) = log.all[ranked].payload else { return }
        #expect(ranking.passages.first?.text == "Page text about alpha.")
        guard case .metrics(let metrics) = log.all.first(where: { $0.type == .metrics })?.payload else { return }
        #expect(metrics.pages == 1 && metrics.bytes == 22)
        #expect(observer.snapshot.fetches.sorted { $0.rawValue < $1.rawValue } == [.done, .failed, .skipped])
        #expect(observer.snapshot.stages.contains(.fetching))
    }

    @Test func pagesStillLoadingAtTheDeadlineAreGivenUpAndTheAnswerGoesOn() async {
        let log = EventLog()
        let fetcher = TableFetcher(["https://slow.example/": .hang, "https://ok.example/": .page(["quick page"])])
        let provider = ScriptedProvider(
            name: "web", hits: [hit("https://slow.example/", "Slow"), hit("https://ok.example/", "OK")])
        let configuration = PipelineConfiguration(pageTimeout: .seconds(30), fetchDeadline: .milliseconds(100))
        let clock = ManualClock()
        let start = clock.now
        let pipeline = pipeline(providers: [provider], fetcher: fetcher, configuration: configuration, clock: clock)
        async let outcome = pipeline.run(id: QueryID(), text: "page") { log.append($0) }
        // The reading deadline, 100 ms after the last provider answered (at the start, on this clock).
        let deadline = start.advanced(by: .milliseconds(100))
        await clock.sleeper(until: deadline)
        clock.advance(to: deadline)
        #expect(await outcome == .complete)
        // Far less than the 30 s page timeout: the 100 ms deadline ended the wait.
        #expect(start.duration(to: clock.now) < .seconds(20))
        let events = fetches(log)
        #expect(events.contains { $0.n == 1 && $0.state == .failed && ($0.reason ?? "").contains("deadline") })
        #expect(events.contains { $0.n == 2 && $0.state == .done })
        #expect(log.types.contains(.delta) && log.types.last == .done)
    }

    @Test func onlyMaxPagesAreReadAndNoMoreThanTheConcurrencyAtOnce() async {
        let log = EventLog()
        let urls = (1...8).map { "https://p.example/\($0)" }
        let fetcher = TableFetcher(Dictionary(uniqueKeysWithValues: urls.map { ($0, TableFetcher.Behaviour.page(["text \($0)"])) }))
        let provider = ScriptedProvider(name: "web", hits: urls.map { hit($0, $0) })
        let configuration = PipelineConfiguration(maxPages: 3, fetchConcurrency: 2)
        _ = await pipeline(providers: [provider], fetcher: fetcher, configuration: configuration).run(
            id: QueryID(), text: "text"
        ) { log.append($0) }
        #expect(fetcher.fetched.withLock { $0.count } == 3)
        // Never more than two started and unfinished at once.
        var open = 0
        var most = 0
        for fetch in fetches(log) {
            if fetch.state == .started { open += 1 } else { open -= 1 }
            most = max(most, open)
        }
        #expect(most <= 2 && open == 0)
    }

    @Test func aHitHoldingEnoughOfItsPageIsNotReadAndLeavesItsPageToAnother() async {
        let log = EventLog()
        let urls = (1...4).map { "https://p.example/\($0)" }
        let fetcher = TableFetcher(Dictionary(uniqueKeysWithValues: urls.map { ($0, TableFetcher.Behaviour.page(["page \($0)"])) }))
        // 1 and 3 come with 60 characters of their page's text; 2 with 59; 4 with none.
        let held = [String(repeating: "a", count: 30), String(repeating: "b", count: 30)]
        let provider = ScriptedProvider(
            name: "web",
            hits: [
                hit(urls[0], "One", passages: held), hit(urls[1], "Two", passages: [String(repeating: "c", count: 59)]),
                hit(urls[2], "Three", passages: held), hit(urls[3], "Four"),
            ])
        let configuration = PipelineConfiguration(maxPages: 2, enoughProviderText: 60)
        _ = await pipeline(providers: [provider], fetcher: fetcher, configuration: configuration).run(
            id: QueryID(), text: "page"
        ) { log.append($0) }
        #expect(Set(fetcher.fetched.withLock { $0 }) == [urls[1], urls[3]])
        #expect(Set(fetches(log).filter { $0.state == .done }.map(\.n)) == [2, 4])
        #expect(log.types.last == .done)
    }

    @Test func withoutAThresholdEveryPageIsReadWhateverItsHitHolds() {
        let long = hit("https://p.example/", "P", passages: [String(repeating: "x", count: 10_000)])
        #expect(PipelineConfiguration().needsReading(long))
        #expect(!PipelineConfiguration(enoughProviderText: 500).needsReading(long))
        #expect(PipelineConfiguration(enoughProviderText: 500).needsReading(hit("https://p.example/", "P")))
    }

    @Test func cancellingWhilePagesLoadEndsWithDoneCancelled() async {
        let log = EventLog()
        let fetcher = TableFetcher(["https://slow.example/": .hang])
        let provider = ScriptedProvider(name: "web", hits: [hit("https://slow.example/", "Slow")])
        let pipeline = pipeline(providers: [provider], fetcher: fetcher)
        let task = Task { await pipeline.run(id: QueryID(), text: "slow") { log.append($0) } }
        await log.wait { $0.type == .fetch }
        task.cancel()
        #expect(await task.value == .cancelled)
        #expect(log.types.last == .done)
        #expect(log.types.filter { $0 == .done }.count == 1)
    }
}
