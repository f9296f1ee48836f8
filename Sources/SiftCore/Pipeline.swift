import Logging

/// Answers one question: analyze, search (providers in parallel), rank, synthesize,
/// reporting every step as a ``PipelineEvent`` through `emit`.
///
/// The pipeline knows no transport. It is generic over its clock so tests can
/// drive time; ``Pipeline/init(analyzer:providers:ranker:synthesizer:observer:configuration:logger:)``
/// uses the continuous clock.
public struct Pipeline<C: Clock>: Sendable where C.Duration == Duration {
    public let analyzer: any QueryAnalyzing
    public let providers: [any SearchProvider]
    public let fetcher: (any PageFetcher)?
    public let ranker: any PassageRanking
    public let synthesizer: any Synthesizer
    public let observer: any PipelineObserver
    public let configuration: PipelineConfiguration
    public let clock: C
    public let logger: Logger
    /// The key under which hits from different providers are the same source.
    let sourceKey: @Sendable (String) -> String

    /// A pipeline over `providers`, reading pages with `fetcher` when there is one.
    ///
    /// `sourceKey` maps a result URL to the key that merges duplicates across
    /// providers (scheme, `www.`, trailing slash and tracking parameters removed);
    /// the default uses the URL as it is.
    public init(
        analyzer: any QueryAnalyzing, providers: [any SearchProvider], fetcher: (any PageFetcher)? = nil,
        ranker: any PassageRanking, synthesizer: any Synthesizer,
        observer: any PipelineObserver = NoopPipelineObserver(), configuration: PipelineConfiguration = .init(),
        sourceKey: @escaping @Sendable (String) -> String = { $0 }, clock: C, logger: Logger
    ) {
        self.analyzer = analyzer
        self.providers = providers
        self.fetcher = fetcher
        self.sourceKey = sourceKey
        self.ranker = ranker
        self.synthesizer = synthesizer
        self.observer = observer
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Providers must be among this pipeline's, and at most `maxSources` sources may be asked for.
    public func check(_ controls: SearchControls) throws(QueryError) {
        if let asked = controls.providers {
            let names = providers.map(\.name)
            if let unknown = asked.first(where: { !names.contains($0) }) {
                throw QueryError.badRequest(
                    "The provider “\(unknown)” is not configured here; `providers` may name \(names.joined(separator: ", ")).")
            }
        }
        if let maxSources = controls.maxSources, maxSources > configuration.maxSources {
            throw QueryError.badRequest(
                "`max_sources` may be at most \(configuration.maxSources) here (the operator's SIFT_MAX_SOURCES); \(maxSources) was asked.")
        }
    }

    /// Runs the query `text` under `id`. Every run emits exactly one `done`, last.
    ///
    /// `emit` is awaited for each event in order. Cancelling the calling task
    /// stops the work and ends the stream with `done{outcome: cancelled}`.
    @discardableResult
    public func run(
        id: QueryID, text: String, emit: @escaping @Sendable (PipelineEvent) async -> Void
    ) async -> PipelineEvent.Outcome {
        await run(id: id, input: .text(text), emit: emit)
    }

    /// Runs a query that was already analyzed (a transport validates input
    /// before it opens a stream); analysis is not repeated.
    @discardableResult
    public func run(
        id: QueryID, query: AnalyzedQuery, emit: @escaping @Sendable (PipelineEvent) async -> Void
    ) async -> PipelineEvent.Outcome {
        await run(id: id, input: .analyzed(query), context: QueryContext(), emit: emit)
    }

    /// Runs an analyzed query in its session `context` (earlier turns, requested models).
    @discardableResult
    public func run(
        id: QueryID, query: AnalyzedQuery, context: QueryContext,
        emit: @escaping @Sendable (PipelineEvent) async -> Void
    ) async -> PipelineEvent.Outcome {
        await run(id: id, input: .analyzed(query), context: context, emit: emit)
    }

    private enum Input {
        case text(String)
        case analyzed(AnalyzedQuery)
    }

    private func run(
        id: QueryID, input: Input, context: QueryContext = .init(), emit: @escaping @Sendable (PipelineEvent) async -> Void
    ) async -> PipelineEvent.Outcome {
        var run = Run(id: id, start: clock.now, clock: clock, observer: observer, emit: emit)
        var logger = self.logger
        logger[metadataKey: "query_id"] = "\(id)"
        observer.queryStarted(id)
        await run.send(.status(.init(stage: .analyzing, message: "Reading the question")))

        let outcome: PipelineEvent.Outcome
        do {
            try await answer(input, context: context, run: &run, logger: logger)
            outcome = .complete
        } catch let error as QueryError {
            logger.notice(
                "query failed", metadata: ["stage": "\(error.stage.rawValue)", "code": "\(error.code)"])
            await run.send(.error(.init(error)))
            // Nothing matched: the question goes unanswered, as an abstention would say.
            if error.code == QueryError.noSources("").code { run.answered = false }
            outcome = .failed
        } catch {
            outcome = .cancelled
        }
        // The answer is written: the turn goes to the next query before the last events, whose recording may
        // wait on a shared store (a session's turn is stored with `done`).
        Admission.ticket?.leave()
        if outcome != .cancelled {
            await run.send(.metrics(run.metrics()))
        }
        await run.send(.done(.init(outcome: outcome)))
        let total = run.elapsed()
        observer.queryFinished(id, outcome: outcome, duration: total)
        logger.info(
            "query finished",
            metadata: [
                "outcome": "\(outcome.rawValue)", "duration_ms": "\(milliseconds(total))",
                "sources": "\(run.sources)", "synthesizer": "\(run.synthesizer ?? "none")",
            ])
        return outcome
    }

    private func answer(_ input: Input, context: QueryContext, run: inout Run, logger: Logger) async throws {
        // The first status is out: now wait for a CPU slot, behind the queries already computing.
        try await Admission.ticket?.enter(resuming: false)
        // Analyze, unless the caller already did.
        var stageStart = clock.now
        var analyzed: AnalyzedQuery
        switch input {
        case .analyzed(let query):
            analyzed = query
        case .text(let text):
            do {
                analyzed = try analyzer.analyze(text)
            } catch {
                observer.stageCompleted(run.id, stage: .analyzing, duration: stageStart.duration(to: clock.now))
                throw error
            }
            observer.stageCompleted(run.id, stage: .analyzing, duration: stageStart.duration(to: clock.now))
        }
        var info = PipelineEvent.QueryInfo(
            id: run.id, analyzed: analyzed, session: context.session, context: context.carriedTerms)
        if let question = context.question { info.original = question }
        await run.send(.query(info))
        logger.debug("query analyzed", metadata: ["kind": "\(analyzed.kind.rawValue)", "terms": "\(analyzed.terms)"])

        // Search, streaming each source as its provider answers, and read web pages
        // as soon as their results are known.
        try Task.checkCancellation()
        analyzed.controls = context.controls
        var providers = self.providers
        if let asked = context.controls.providers { providers = providers.filter { asked.contains($0.name) } }
        if let previous = context.history.last, !previous.sources.isEmpty {
            // A follow-up starts from the sources the previous answer stood on.
            providers.append(EarlierTurnProvider(turn: previous))
        }
        let gathered: [GatheredSource]
        let waitsOnNetwork =
            providers.contains(where: \.isRemote) || (fetcher != nil && providers.contains { $0 is EarlierTurnProvider })
        if let ticket = Admission.ticket, waitsOnNetwork {
            // Web searches and page reads (a follow-up's earlier web sources included) wait on the network: out
            // of the slot meanwhile, then back ahead of new queries. A failure ends the query without taking a
            // slot again.
            ticket.leave()
            gathered = try await gather(analyzed, providers: providers, run: &run, logger: logger)
            try await ticket.enter(resuming: true)
        } else {
            gathered = try await gather(analyzed, providers: providers, run: &run, logger: logger)
        }
        let sources = gathered.map(\.source)

        // Rank.
        try Task.checkCancellation()
        stageStart = clock.now
        await run.send(.status(.init(stage: .ranking, message: "Ranking passages from \(sources.count) sources")))
        var candidates: [CandidatePassage] = []
        for item in gathered {
            for passage in item.texts(limit: configuration.candidatesPerSource) where !passage.isEmpty {
                candidates.append(
                    CandidatePassage(
                        sourceN: item.source.n, text: passage, title: item.source.title,
                        sourceScore: item.source.score))
            }
        }
        let passages = rank(candidates, for: analyzed)
        run.passages = passages.count
        observer.stageCompleted(run.id, stage: .ranking, duration: stageStart.duration(to: clock.now))
        await run.send(.ranked(.init(passages: passages)))
        // A search ends with its ranked passages.
        guard context.synthesize else { return }

        // Synthesize.
        try Task.checkCancellation()
        stageStart = clock.now
        await run.send(.status(.init(stage: .synthesizing, message: "Writing the answer")))
        // A model's stream is a wait on the network: the slot goes to the next query. So is an answer slowed
        // down on purpose (SIFT_DEBUG_DELTA_DELAY_MS), which stands in for a slow model in tests and demos.
        if synthesizer.isRemote || configuration.debugDeltaDelay != nil { Admission.ticket?.leave() }
        let request = SynthesisRequest(
            question: context.question ?? analyzed.original, query: analyzed, sources: sources, passages: passages,
            history: context.history, models: context.models, merge: context.merge)
        do {
            try await synthesizer.synthesize(request) { output in
                try Task.checkCancellation()
                switch output {
                case .text(let piece, let model):
                    if let delay = configuration.debugDeltaDelay { try await clock.sleep(for: delay) }
                    try Task.checkCancellation()
                    if model == nil { run.answerTokens += approximateTokens(piece) }
                    await run.send(.delta(.init(text: piece, model: model)))
                case .warning(let warning):
                    await run.send(.warning(warning))
                case .lane(let lane):
                    await run.send(.lane(lane))
                case .finished(let summary):
                    run.synthesizer = summary.synthesizer
                    run.modelTokens = summary.tokens
                    run.tokensPerSecond = summary.tokensPerSecond
                    run.answered = summary.answered
                    if !summary.answered {
                        await run.send(.warning(.noAnswer))
                    }
                }
            }
            try Task.checkCancellation()
        } catch let error as CancellationError {
            observer.stageCompleted(run.id, stage: .synthesizing, duration: stageStart.duration(to: clock.now))
            throw error
        } catch {
            observer.stageCompleted(run.id, stage: .synthesizing, duration: stageStart.duration(to: clock.now))
            if Task.isCancelled { throw CancellationError() }
            throw QueryError.synthesisFailed("\(error)")
        }
        observer.stageCompleted(run.id, stage: .synthesizing, duration: stageStart.duration(to: clock.now))
    }

    /// The best passages for `query`; for a compound question, the best for each part in turn
    /// (each part gets its share of ``PipelineConfiguration/maxPassages``), numbered anew.
    func rank(_ candidates: [CandidatePassage], for query: AnalyzedQuery) -> [Passage] {
        guard query.parts.count >= 2 else {
            return ranker.rank(candidates, for: query, limit: configuration.maxPassages)
        }
        let share = max(2, configuration.maxPassages / query.parts.count)
        let lists = query.parts.map { ranker.rank(candidates, for: $0, limit: share) }
        var merged: [Passage] = []
        var seen = Set<String>()
        for list in lists {
            for passage in list where seen.insert("\(passage.sourceN)\u{1F}\(passage.text)").inserted {
                var renumbered = passage
                renumbered.n = merged.count + 1
                merged.append(renumbered)
            }
        }
        return merged
    }

    /// Tracks one run's timing and counters; lives on the query's task only.
    struct Run {
        let id: QueryID
        let start: C.Instant
        let clock: C
        let observer: any PipelineObserver
        let emit: @Sendable (PipelineEvent) async -> Void
        var firstStatus: Duration?
        var firstSource: Duration?
        var firstDelta: Duration?
        var sources = 0
        var passages = 0
        /// Answer tokens estimated from the text, used when the synthesizer reports none.
        var answerTokens = 0
        var modelTokens: Int?
        var synthesizer: String?
        var tokensPerSecond: Double?
        var pages = 0
        var bytes = 0
        /// Whether the synthesizer answered the question; nil until it finished.
        var answered: Bool?

        init(id: QueryID, start: C.Instant, clock: C, observer: any PipelineObserver, emit: @escaping @Sendable (PipelineEvent) async -> Void) {
            self.id = id
            self.start = start
            self.clock = clock
            self.observer = observer
            self.emit = emit
        }

        func elapsed() -> Duration { start.duration(to: clock.now) }

        mutating func send(_ payload: PipelineEvent.Payload) async {
            let elapsed = elapsed()
            switch payload.type {
            case .status where firstStatus == nil:
                firstStatus = elapsed
                observer.firstEvent(id, type: .status, elapsed: elapsed)
            case .source where firstSource == nil:
                firstSource = elapsed
                observer.firstEvent(id, type: .source, elapsed: elapsed)
            case .delta where firstDelta == nil:
                firstDelta = elapsed
                observer.firstEvent(id, type: .delta, elapsed: elapsed)
            default: break
            }
            observer.eventEmitted(id, type: payload.type, elapsed: elapsed)
            await emit(PipelineEvent(elapsedMs: milliseconds(elapsed), payload: payload))
        }

        func metrics() -> PipelineEvent.Metrics {
            PipelineEvent.Metrics(
                firstStatusMs: milliseconds(firstStatus ?? .zero), firstSourceMs: firstSource.map(milliseconds),
                firstDeltaMs: firstDelta.map(milliseconds), totalMs: milliseconds(elapsed()), sources: sources,
                passages: passages, pages: pages, bytes: bytes, tokens: modelTokens ?? answerTokens,
                synthesizer: synthesizer, tokensPerSecond: tokensPerSecond, answered: answered)
        }
    }
}

extension Pipeline where C == ContinuousClock {
    /// A pipeline on the continuous clock.
    public init(
        analyzer: any QueryAnalyzing, providers: [any SearchProvider], fetcher: (any PageFetcher)? = nil,
        ranker: any PassageRanking, synthesizer: any Synthesizer,
        observer: any PipelineObserver = NoopPipelineObserver(), configuration: PipelineConfiguration = .init(),
        sourceKey: @escaping @Sendable (String) -> String = { $0 }, logger: Logger
    ) {
        self.init(
            analyzer: analyzer, providers: providers, fetcher: fetcher, ranker: ranker, synthesizer: synthesizer,
            observer: observer, configuration: configuration, sourceKey: sourceKey, clock: ContinuousClock(),
            logger: logger)
    }
}

/// Thrown by ``withDeadline(_:clock:operation:)`` when time runs out.
struct DeadlineExceeded: Error {}

/// Runs `operation`, cancelling it and throwing ``DeadlineExceeded`` after `timeout`.
func withDeadline<C: Clock, T: Sendable>(
    _ timeout: Duration, clock: C, operation: @escaping @Sendable () async throws -> T
) async throws -> T where C.Duration == Duration {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await clock.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        guard let value = first else { throw DeadlineExceeded() }
        return value
    }
}

/// `duration` in milliseconds, rounded to microseconds.
public func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    let micros = Double(seconds) * 1_000_000 + Double(attoseconds / 1_000_000_000_000)
    return micros / 1000
}

/// A rough token count (about four characters a token), used where no tokenizer reports one.
public func approximateTokens(_ text: String) -> Int {
    max(1, (text.utf8.count + 3) / 4)
}
