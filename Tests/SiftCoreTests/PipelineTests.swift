import SiftTestClock
import Synchronization
import Testing

@testable import SiftCore

@Suite("Pipeline")
struct PipelineTests {
    func pipeline(
        providers: [any SearchProvider], synthesizer: any Synthesizer = EchoSynthesizer(),
        observer: any PipelineObserver = NoopPipelineObserver(), configuration: PipelineConfiguration = .init(),
        clock: ManualClock = ManualClock()
    ) -> Pipeline<ManualClock> {
        Pipeline(
            analyzer: WordsAnalyzer(), providers: providers, ranker: KeepOrderRanker(), synthesizer: synthesizer,
            observer: observer, configuration: configuration, clock: clock, logger: quietLogger())
    }

    @Test func emitsTheProtocolInOrderEndingWithOneDone() async {
        let log = EventLog()
        let provider = FixedProvider(name: "kb", hits: [hit("kb://a", "A", passages: ["alpha"]), hit("kb://b", "B", score: 0.5)])
        let outcome = await pipeline(providers: [provider]).run(id: QueryID(), text: "a b") { log.append($0) }
        #expect(outcome == .complete)
        #expect(log.types == [.status, .query, .status, .source, .source, .status, .ranked, .status, .delta, .delta, .metrics, .done])
        let elapsed = log.all.map(\.elapsedMs)
        #expect(elapsed == elapsed.sorted())
        guard case .source(let first) = log.all[3].payload, case .source(let second) = log.all[4].payload else {
            Issue.record("expected sources")
            return
        }
        #expect(first.n == 1 && second.n == 2)
        // Reciprocal rank fusion: 1/(60+1) for the first, 1/(60+2) for the second, over the best.
        #expect(first.score == 1 && second.score == ((61.0 / 62.0) * 1000).rounded() / 1000)
        guard case .metrics(let metrics) = log.all[10].payload else { return }
        #expect(metrics.sources == 2 && metrics.passages == 2)
        #expect(metrics.firstSourceMs != nil && metrics.firstDeltaMs != nil)
    }

    @Test func aSearchEndsAfterRankingWithoutSynthesis() async throws {
        let log = EventLog()
        let provider = FixedProvider(name: "kb", hits: [hit("kb://a", "A", passages: ["alpha"]), hit("kb://b", "B", score: 0.5)])
        let query = try WordsAnalyzer().analyze("a b")
        let outcome = await pipeline(providers: [provider]).run(
            id: QueryID(), query: query, context: QueryContext(synthesize: false)) { log.append($0) }
        #expect(outcome == .complete)
        #expect(log.types == [.status, .query, .status, .source, .source, .status, .ranked, .metrics, .done])
        guard case .metrics(let metrics) = log.all[7].payload else { return }
        #expect(metrics.passages == 2 && metrics.firstDeltaMs == nil && metrics.answered == nil)
    }

    @Test func aFailingProviderBecomesAWarningNotAFailure() async {
        let log = EventLog()
        let observer = RecordingObserver()
        let outcome = await pipeline(
            providers: [FailingProvider(name: "web"), FixedProvider(name: "kb", hits: [hit("kb://a", "A")])],
            observer: observer
        ).run(id: QueryID(), text: "a") { log.append($0) }
        #expect(outcome == .complete)
        let warnings = log.all.compactMap { event -> PipelineEvent.Warning? in
            if case .warning(let warning) = event.payload { return warning }
            return nil
        }
        #expect(warnings.count == 1)
        #expect(warnings.first?.provider == "web" && warnings.first?.code == "provider_unavailable")
        #expect(observer.snapshot.providers == ["web": "unavailable", "kb": "ok"])
    }

    @Test func allProvidersFailingIsATypedErrorThenDone() async {
        let log = EventLog()
        let outcome = await pipeline(providers: [FailingProvider(name: "x"), FailingProvider(name: "y")])
            .run(id: QueryID(), text: "a") { log.append($0) }
        #expect(outcome == .failed)
        #expect(log.types.suffix(3) == [.error, .metrics, .done])
        guard case .error(let error) = log.all[log.all.count - 3].payload else { return }
        #expect(error.code == "providers_failed" && error.retryable)
    }

    @Test func noSourcesIsAClearErrorNotAnEmptyAnswer() async {
        let log = EventLog()
        let outcome = await pipeline(providers: [FixedProvider(name: "kb", hits: [])]).run(id: QueryID(), text: "zzz") {
            log.append($0)
        }
        #expect(outcome == .failed)
        #expect(!log.types.contains(.delta))
        guard let error = log.all.first(where: { $0.type == .error }), case .error(let info) = error.payload else {
            Issue.record("no error event")
            return
        }
        #expect(info.code == "no_sources" && info.message.contains("zzz"))
        #expect(log.types.last == .done)
    }

    @Test func invalidInputFailsBeforeSearching() async {
        let log = EventLog()
        let outcome = await pipeline(providers: [FixedProvider(name: "kb", hits: [hit("kb://a", "A")])])
            .run(id: QueryID(), text: "") { log.append($0) }
        #expect(outcome == .failed)
        #expect(log.types == [.status, .error, .metrics, .done])
    }

    @Test func aHangingProviderTimesOutWithAWarning() async {
        let log = EventLog()
        let configuration = PipelineConfiguration(providerTimeout: .milliseconds(20))
        let clock = ManualClock()
        let pipeline = pipeline(
            providers: [HangingProvider(name: "slow"), FixedProvider(name: "kb", hits: [hit("kb://a", "A")])],
            configuration: configuration, clock: clock)
        async let outcome = pipeline.run(id: QueryID(), text: "a") { log.append($0) }
        let timeout = clock.now.advanced(by: .milliseconds(20))
        await clock.sleeper(until: timeout)
        clock.advance(to: timeout)
        #expect(await outcome == .complete)
        #expect(log.all.contains { event in
            if case .warning(let warning) = event.payload { return warning.code == "provider_timeout" && warning.provider == "slow" }
            return false
        })
    }

    @Test func theSameURLFromTwoProvidersIsOneSourceFoundByBoth() async {
        let log = EventLog()
        _ = await pipeline(
            providers: [FixedProvider(name: "a", hits: [hit("kb://x", "X")]), FixedProvider(name: "b", hits: [hit("kb://x", "X")])]
        ).run(id: QueryID(), text: "x") { log.append($0) }
        let sources = log.all.compactMap { event -> Source? in
            if case .source(let source) = event.payload { return source }
            return nil
        }
        // One source: the second provider updates the one the client already has (same n).
        #expect(Set(sources.map(\.n)) == [1])
        #expect(sources.last?.providers.sorted() == ["a", "b"])
        #expect(log.all.contains { $0.type == .ranked })
    }

    @Test func cancellationEndsWithDoneCancelled() async {
        let log = EventLog()
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let pipeline = pipeline(
            providers: [FixedProvider(name: "kb", hits: [hit("kb://a", "A")])],
            synthesizer: StallingSynthesizer(started: startedSignal))
        let task = Task { await pipeline.run(id: QueryID(), text: "a") { log.append($0) } }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        task.cancel()
        let outcome = await task.value
        #expect(outcome == .cancelled)
        #expect(log.types.filter { $0 == .done }.count == 1)
        #expect(log.types.last == .done)
        #expect(!log.types.contains(.metrics))
    }

    @Test func aFailingSynthesizerIsATypedError() async {
        let log = EventLog()
        let outcome = await pipeline(
            providers: [FixedProvider(name: "kb", hits: [hit("kb://a", "A")])], synthesizer: ThrowingSynthesizer()
        ).run(id: QueryID(), text: "a") { log.append($0) }
        #expect(outcome == .failed)
        #expect(log.all.contains { event in
            if case .error(let info) = event.payload { return info.code == "synthesis_failed" }
            return false
        })
    }

    @Test func theObserverSeesFirstEventsStagesAndTheOutcome() async {
        let observer = RecordingObserver()
        _ = await pipeline(providers: [FixedProvider(name: "kb", hits: [hit("kb://a", "A")])], observer: observer)
            .run(id: QueryID(), text: "a") { _ in }
        let calls = observer.snapshot
        #expect(calls.started == 1)
        #expect(calls.first == [.status, .source, .delta])
        #expect(calls.stages == [.analyzing, .searching, .ranking, .synthesizing])
        #expect(calls.finished == [.complete])
    }
}

@Suite("Pipeline with a pre-analyzed query")
struct PreAnalyzedPipelineTests {
    final class CountingAnalyzer: QueryAnalyzing {
        let calls = Mutex(0)
        func analyze(_ text: String) throws(QueryError) -> AnalyzedQuery {
            calls.withLock { $0 += 1 }
            return try WordsAnalyzer().analyze(text)
        }
    }

    @Test func analysisIsNotRepeated() async throws {
        let analyzer = CountingAnalyzer()
        let observer = RecordingObserver()
        let log = EventLog()
        let pipeline = Pipeline(
            analyzer: analyzer, providers: [FixedProvider(name: "kb", hits: [hit("kb://a", "A")])],
            ranker: KeepOrderRanker(), synthesizer: EchoSynthesizer(), observer: observer, logger: quietLogger())
        let query = try WordsAnalyzer().analyze("a")
        let outcome = await pipeline.run(id: QueryID(), query: query) { log.append($0) }
        #expect(outcome == .complete)
        #expect(analyzer.calls.withLock { $0 } == 0)
        #expect(log.types.prefix(2) == [.status, .query])
        #expect(observer.snapshot.stages == [.searching, .ranking, .synthesizing])
    }
}
