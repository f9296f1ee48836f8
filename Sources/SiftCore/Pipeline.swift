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
    public let ranker: any PassageRanking
    public let synthesizer: any Synthesizer
    public let observer: any PipelineObserver
    public let configuration: PipelineConfiguration
    public let clock: C
    public let logger: Logger

    public init(
        analyzer: any QueryAnalyzing, providers: [any SearchProvider], ranker: any PassageRanking,
        synthesizer: any Synthesizer, observer: any PipelineObserver = NoopPipelineObserver(),
        configuration: PipelineConfiguration = .init(), clock: C, logger: Logger
    ) {
        self.analyzer = analyzer
        self.providers = providers
        self.ranker = ranker
        self.synthesizer = synthesizer
        self.observer = observer
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
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
        await run(id: id, input: .analyzed(query), emit: emit)
    }

    private enum Input {
        case text(String)
        case analyzed(AnalyzedQuery)
    }

    private func run(
        id: QueryID, input: Input, emit: @escaping @Sendable (PipelineEvent) async -> Void
    ) async -> PipelineEvent.Outcome {
        var run = Run(id: id, start: clock.now, clock: clock, observer: observer, emit: emit)
        var logger = self.logger
        logger[metadataKey: "query_id"] = "\(id)"
        observer.queryStarted(id)
        await run.send(.status(.init(stage: .analyzing, message: "Reading the question")))

        let outcome: PipelineEvent.Outcome
        do {
            try await answer(input, run: &run, logger: logger)
            outcome = .complete
        } catch let error as QueryError {
            logger.notice(
                "query failed", metadata: ["stage": "\(error.stage.rawValue)", "code": "\(error.code)"])
            await run.send(.error(.init(error)))
            outcome = .failed
        } catch {
            outcome = .cancelled
        }
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
                "sources": "\(run.sources)",
            ])
        return outcome
    }

    private func answer(_ input: Input, run: inout Run, logger: Logger) async throws {
        // Analyze, unless the caller already did.
        var stageStart = clock.now
        let analyzed: AnalyzedQuery
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
        await run.send(.query(.init(id: run.id, analyzed: analyzed)))
        logger.debug("query analyzed", metadata: ["kind": "\(analyzed.kind.rawValue)", "terms": "\(analyzed.terms)"])

        // Search, streaming each source as its provider answers.
        try Task.checkCancellation()
        stageStart = clock.now
        let names = providers.map(\.name).joined(separator: ", ")
        await run.send(.status(.init(stage: .searching, message: "Searching \(names)")))
        let sources = try await search(analyzed, run: &run, logger: logger)
        observer.stageCompleted(run.id, stage: .searching, duration: stageStart.duration(to: clock.now))

        // Rank.
        try Task.checkCancellation()
        stageStart = clock.now
        await run.send(.status(.init(stage: .ranking, message: "Ranking passages from \(sources.count) sources")))
        var candidates: [CandidatePassage] = []
        for (source, hit) in sources {
            let texts = hit.passages.isEmpty ? [hit.snippet] : hit.passages
            for passage in texts.prefix(configuration.candidatesPerSource) where !passage.isEmpty {
                candidates.append(
                    CandidatePassage(sourceN: source.n, text: passage, title: source.title, sourceScore: source.score))
            }
        }
        let passages = ranker.rank(candidates, for: analyzed, limit: configuration.maxPassages)
        run.passages = passages.count
        observer.stageCompleted(run.id, stage: .ranking, duration: stageStart.duration(to: clock.now))
        await run.send(.ranked(.init(passages: passages)))

        // Synthesize.
        try Task.checkCancellation()
        stageStart = clock.now
        await run.send(.status(.init(stage: .synthesizing, message: "Writing the answer")))
        do {
            for try await piece in synthesizer.synthesize(
                query: analyzed, sources: sources.map(\.0), passages: passages)
            {
                if let delay = configuration.debugDeltaDelay { try await clock.sleep(for: delay) }
                try Task.checkCancellation()
                run.tokens += approximateTokens(piece)
                await run.send(.delta(.init(text: piece)))
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

    private func search(
        _ query: AnalyzedQuery, run: inout Run, logger: Logger
    ) async throws -> [(Source, SearchHit)] {
        var found: [(Source, SearchHit)] = []
        var indexByURL: [String: Int] = [:]
        var failures: [String] = []
        let limit = configuration.hitsPerProvider
        let timeout = configuration.providerTimeout
        let clock = self.clock

        try await withThrowingTaskGroup(of: ProviderResult.self) { group in
            for provider in providers {
                group.addTask {
                    let start = clock.now
                    do {
                        let hits = try await withDeadline(timeout, clock: clock) {
                            try await provider.search(query, limit: limit)
                        }
                        return ProviderResult(name: provider.name, hits: hits, error: nil, duration: start.duration(to: clock.now))
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch let error as ProviderError {
                        return ProviderResult(name: provider.name, hits: [], error: error, duration: start.duration(to: clock.now))
                    } catch is DeadlineExceeded {
                        let error = ProviderError(
                            code: "timeout", message: "\(provider.name) did not answer within \(timeout); going on without it.")
                        return ProviderResult(name: provider.name, hits: [], error: error, duration: start.duration(to: clock.now))
                    } catch {
                        let wrapped = ProviderError(code: "failed", message: "\(provider.name) failed: \(error)")
                        return ProviderResult(name: provider.name, hits: [], error: wrapped, duration: start.duration(to: clock.now))
                    }
                }
            }
            for try await result in group {
                try Task.checkCancellation()
                if let error = result.error {
                    observer.providerCompleted(run.id, provider: result.name, status: error.code, duration: result.duration)
                    logger.warning(
                        "provider failed",
                        metadata: ["provider": "\(result.name)", "code": "\(error.code)", "error": "\(error.message)"])
                    failures.append(error.message)
                    await run.send(.warning(.init(code: "provider_\(error.code)", message: error.message, provider: result.name)))
                    continue
                }
                observer.providerCompleted(
                    run.id, provider: result.name, status: result.hits.isEmpty ? "empty" : "ok", duration: result.duration)
                let best = result.hits.map(\.score).max() ?? 1
                for hit in result.hits {
                    if let index = indexByURL[hit.url] {
                        if !found[index].0.providers.contains(result.name) {
                            found[index].0.providers.append(result.name)
                        }
                        continue
                    }
                    guard found.count < configuration.maxSources else { break }
                    let normalized = best > 0 ? hit.score / best : 0
                    let source = Source(
                        n: found.count + 1, url: hit.url, title: hit.title, snippet: hit.snippet,
                        providers: [result.name], score: (normalized * 1000).rounded() / 1000,
                        published: hit.published, collection: hit.collection)
                    indexByURL[hit.url] = found.count
                    found.append((source, hit))
                    run.sources += 1
                    await run.send(.source(source))
                }
            }
        }
        if found.isEmpty {
            if !failures.isEmpty && failures.count == providers.count {
                throw QueryError.providersFailed(failures.joined(separator: "; "))
            }
            throw QueryError.noSources(query.normalized)
        }
        return found
    }

    /// Tracks one run's timing and counters; lives on the query's task only.
    private struct Run {
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
        var tokens = 0

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
                passages: passages, pages: 0, bytes: 0, tokens: tokens)
        }
    }
}

extension Pipeline where C == ContinuousClock {
    /// A pipeline on the continuous clock.
    public init(
        analyzer: any QueryAnalyzing, providers: [any SearchProvider], ranker: any PassageRanking,
        synthesizer: any Synthesizer, observer: any PipelineObserver = NoopPipelineObserver(),
        configuration: PipelineConfiguration = .init(), logger: Logger
    ) {
        self.init(
            analyzer: analyzer, providers: providers, ranker: ranker, synthesizer: synthesizer, observer: observer,
            configuration: configuration, clock: ContinuousClock(), logger: logger)
    }
}

private struct ProviderResult: Sendable {
    var name: String
    var hits: [SearchHit]
    var error: ProviderError?
    var duration: Duration
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
