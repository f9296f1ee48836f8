import SiftTestClock
import Synchronization
import Testing

@testable import SiftCore

@Suite("Pipeline synthesis outputs and sessions")
struct PipelineSynthesisTests {
    func pipeline(
        providers: [any SearchProvider], synthesizer: any Synthesizer, clock: ManualClock = ManualClock()
    ) -> Pipeline<ManualClock> {
        Pipeline(
            analyzer: WordsAnalyzer(), providers: providers, ranker: KeepOrderRanker(), synthesizer: synthesizer,
            clock: clock, logger: quietLogger())
    }

    @Test func lanesWarningsAndTheSummaryBecomeEventsAndMetrics() async throws {
        let synthesizer = ScriptedSynthesizer([
            .lane(.init(model: "a", state: .started)),
            .text("lane text ", model: "a"),
            .lane(.init(model: "a", state: .done, tokens: 2, firstTokenMs: 3, tokensPerSecond: 40)),
            .warning(.init(code: "citation_removed", message: "Removed [9].", model: "a")),
            .text("merged [1]", model: nil),
            .finished(SynthesisSummary(synthesizer: "a merged", tokens: 17, tokensPerSecond: 42.5)),
        ])
        let log = EventLog()
        let provider = FixedProvider(name: "kb", hits: [hit("kb://a", "A", passages: ["alpha"])])
        let outcome = await pipeline(providers: [provider], synthesizer: synthesizer).run(id: QueryID(), text: "a") {
            log.append($0)
        }
        #expect(outcome == .complete)
        let tail = Array(log.types.suffix(8))
        #expect(tail == [.status, .lane, .delta, .lane, .warning, .delta, .metrics, .done])
        let deltas = log.all.compactMap { event -> PipelineEvent.Delta? in
            if case .delta(let delta) = event.payload { return delta }
            return nil
        }
        #expect(deltas == [.init(text: "lane text ", model: "a"), .init(text: "merged [1]", model: nil)])
        guard case .metrics(let metrics) = log.all[log.all.count - 2].payload else {
            Issue.record("expected metrics before done")
            return
        }
        // The model's own count beats the estimate; the rate and the writer are reported.
        #expect(metrics.tokens == 17)
        #expect(metrics.synthesizer == "a merged")
        #expect(metrics.tokensPerSecond == 42.5)
    }

    @Test func anAbstainingSynthesizerMakesANoAnswerWarningAndAnsweredFalse() async throws {
        let synthesizer = ScriptedSynthesizer([
            .text("The sources found do not answer this question.", model: nil),
            .finished(SynthesisSummary(synthesizer: "extractive", answered: false)),
        ])
        let log = EventLog()
        let provider = FixedProvider(name: "kb", hits: [hit("kb://a", "A", passages: ["alpha"])])
        let outcome = await pipeline(providers: [provider], synthesizer: synthesizer).run(id: QueryID(), text: "a") {
            log.append($0)
        }
        #expect(outcome == .complete)
        #expect(Array(log.types.suffix(4)) == [.delta, .warning, .metrics, .done])
        guard case .warning(let warning) = log.all[log.all.count - 3].payload,
            case .metrics(let metrics) = log.all[log.all.count - 2].payload
        else {
            Issue.record("expected a warning, then metrics")
            return
        }
        #expect(warning.code == "no_answer")
        #expect(metrics.answered == false)
    }

    @Test func anAnsweringSynthesizerReportsAnsweredTrue() async throws {
        let synthesizer = ScriptedSynthesizer([
            .text("alpha [1]", model: nil), .finished(SynthesisSummary(synthesizer: "extractive")),
        ])
        let log = EventLog()
        let provider = FixedProvider(name: "kb", hits: [hit("kb://a", "A", passages: ["alpha"])])
        await pipeline(providers: [provider], synthesizer: synthesizer).run(id: QueryID(), text: "a") { log.append($0) }
        guard case .metrics(let metrics) = log.all[log.all.count - 2].payload else {
            Issue.record("expected metrics before done")
            return
        }
        #expect(metrics.answered == true)
        #expect(!log.types.contains(.warning))
    }

    @Test func theSynthesizerIsAskedWithTheSessionAndTheQuestionAsAsked() async throws {
        let synthesizer = ScriptedSynthesizer([.text("ok", model: nil)])
        let earlier = ConversationTurn(
            question: "capital of australia", answer: "Canberra [1].",
            sources: [Source(n: 1, url: "kb://canberra", title: "Canberra", snippet: "capital", providers: ["kb"], score: 1)],
            passages: [Passage(n: 1, sourceN: 1, score: 1, text: "Canberra is the capital of Australia.")])
        let context = QueryContext(
            session: "s1", question: "its population?", history: [earlier], carriedTerms: "australia",
            models: ["m1", "m2"], merge: false)
        let log = EventLog()
        let query = try WordsAnalyzer().analyze("its population australia")
        let provider = FixedProvider(name: "kb", hits: [hit("kb://pop", "Population", passages: ["26 million"])])
        let outcome = await pipeline(providers: [provider], synthesizer: synthesizer).run(
            id: QueryID(), query: query, context: context
        ) { log.append($0) }
        #expect(outcome == .complete)
        let request = try #require(synthesizer.requests.withLock { $0.first })
        #expect(request.question == "its population?")
        #expect(request.history == [earlier])
        #expect(request.models == ["m1", "m2"])
        #expect(request.merge == false)
        // The query event names the session and what was carried, and shows the question as asked.
        guard case .query(let info) = log.all[1].payload else {
            Issue.record("expected the query event second")
            return
        }
        #expect(info.session == "s1")
        #expect(info.context == "australia")
        #expect(info.original == "its population?")
        // The earlier answer's source takes part again, found by the `session` provider.
        let sources = log.all.compactMap { event -> Source? in
            if case .source(let source) = event.payload { return source }
            return nil
        }
        #expect(sources.contains { $0.url == "kb://canberra" && $0.providers == ["session"] })
        #expect(request.passages.contains { $0.text == "Canberra is the capital of Australia." })
    }
}
