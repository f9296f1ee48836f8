import Logging
import Synchronization

@testable import SiftCore

struct WordsAnalyzer: QueryAnalyzing {
    func analyze(_ text: String) throws(QueryError) -> AnalyzedQuery {
        if text.isEmpty { throw QueryError.emptyQuery }
        let words = text.lowercased().split(separator: " ").map(String.init)
        return AnalyzedQuery(original: text, normalized: text, kind: .keywords, terms: words)
    }
}

struct FixedProvider: SearchProvider {
    var name: String
    var hits: [SearchHit]
    func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        SearchResults(hits: Array(hits.prefix(limit)))
    }
}

struct FailingProvider: SearchProvider {
    var name: String
    func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        throw ProviderError(code: "unavailable", message: "\(name) is down")
    }
}

/// Never answers until cancelled.
struct HangingProvider: SearchProvider {
    var name: String
    func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        let (silence, keep) = AsyncStream<Void>.makeStream()
        for await _ in silence {}
        keep.finish()
        try Task.checkCancellation()
        return SearchResults(hits: [])
    }
}

struct KeepOrderRanker: PassageRanking {
    func rank(_ candidates: [CandidatePassage], for query: AnalyzedQuery, limit: Int) -> [Passage] {
        candidates.prefix(limit).enumerated().map { index, candidate in
            Passage(n: index + 1, sourceN: candidate.sourceN, score: 1, text: candidate.text)
        }
    }
}

struct EchoSynthesizer: Synthesizer {
    var name = "echo"
    func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisOutput, any Error> {
        AsyncThrowingStream { continuation in
            for passage in request.passages { continuation.yield(.text("\(passage.text) [\(passage.sourceN)] ", model: nil)) }
            continuation.yield(.finished(SynthesisSummary(synthesizer: name)))
            continuation.finish()
        }
    }
}

/// Yields one delta, then waits until cancelled.
struct StallingSynthesizer: Synthesizer {
    var name = "stall"
    let started: AsyncStream<Void>.Continuation
    func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisOutput, any Error> {
        let started = self.started
        let (stream, continuation) = AsyncThrowingStream<SynthesisOutput, any Error>.makeStream()
        continuation.yield(.text("first ", model: nil))
        started.yield()
        // Left open: the consumer's cancellation ends the iteration.
        _ = continuation
        return stream
    }
}

struct ThrowingSynthesizer: Synthesizer {
    var name = "broken"
    struct Broken: Error {}
    func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisOutput, any Error> {
        AsyncThrowingStream { $0.finish(throwing: Broken()) }
    }
}

/// Plays a fixed list of outputs, recording the request it was given.
final class ScriptedSynthesizer: Synthesizer {
    let name = "scripted"
    let outputs: [SynthesisOutput]
    let requests = Mutex<[SynthesisRequest]>([])
    init(_ outputs: [SynthesisOutput]) { self.outputs = outputs }
    func synthesize(_ request: SynthesisRequest) -> AsyncThrowingStream<SynthesisOutput, any Error> {
        requests.withLock { $0.append(request) }
        let outputs = self.outputs
        return AsyncThrowingStream { continuation in
            for output in outputs { continuation.yield(output) }
            continuation.finish()
        }
    }
}

/// Records observer calls.
final class RecordingObserver: PipelineObserver {
    struct Calls: Sendable {
        var started = 0
        var first: [PipelineEvent.EventType] = []
        var stages: [Stage] = []
        var providers: [String: String] = [:]
        var finished: [PipelineEvent.Outcome] = []
        var rateLimited: [String] = []
        var fetches: [PipelineEvent.Fetch.State] = []
    }
    let calls = Mutex(Calls())
    func queryStarted(_ id: QueryID) { calls.withLock { $0.started += 1 } }
    func firstEvent(_ id: QueryID, type: PipelineEvent.EventType, elapsed: Duration) { calls.withLock { $0.first.append(type) } }
    func stageCompleted(_ id: QueryID, stage: Stage, duration: Duration) { calls.withLock { $0.stages.append(stage) } }
    func providerCompleted(_ id: QueryID, provider: String, status: String, duration: Duration) {
        calls.withLock { $0.providers[provider] = status }
    }
    func queryFinished(_ id: QueryID, outcome: PipelineEvent.Outcome, duration: Duration) {
        calls.withLock { $0.finished.append(outcome) }
    }
    func providerRateLimited(_ id: QueryID, provider: String) { calls.withLock { $0.rateLimited.append(provider) } }
    func fetchCompleted(_ id: QueryID, outcome: PipelineEvent.Fetch.State, bytes: Int, duration: Duration) {
        calls.withLock { $0.fetches.append(outcome) }
    }
    var snapshot: Calls { calls.withLock { $0 } }
}

/// Collects emitted events.
final class EventLog: Sendable {
    let events = Mutex<[PipelineEvent]>([])
    func append(_ event: PipelineEvent) { events.withLock { $0.append(event) } }
    var all: [PipelineEvent] { events.withLock { $0 } }
    var types: [PipelineEvent.EventType] { all.map(\.type) }
}

func quietLogger() -> Logger {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}

func hit(_ url: String, _ title: String, score: Double = 1, passages: [String] = []) -> SearchHit {
    SearchHit(url: url, title: title, snippet: "about \(title)", score: score, passages: passages)
}

/// Answers after a delay, with warnings and a rate-limit flag as given.
struct ScriptedProvider: SearchProvider {
    var name: String
    var hits: [SearchHit]
    var delay: Duration = .zero
    var warnings: [ProviderWarning] = []
    var rateLimited = false
    func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        if delay > .zero { try await Task.sleep(for: delay) }
        return SearchResults(hits: Array(hits.prefix(limit)), warnings: warnings, rateLimited: rateLimited)
    }
}

/// Reads `http` URLs from a table: a page, a failure, or a page that never arrives.
final class TableFetcher: PageFetcher {
    enum Behaviour: Sendable {
        case page([String])
        case fail(FetchFailure)
        case hang
    }
    let table: [String: Behaviour]
    let fetched = Mutex<[String]>([])

    init(_ table: [String: Behaviour]) { self.table = table }

    func canFetch(_ url: String) -> Bool { url.hasPrefix("http") }

    func fetch(_ url: String) async throws -> FetchedPage {
        fetched.withLock { $0.append(url) }
        switch table[url] ?? .fail(FetchFailure(code: "http_status", reason: "HTTP 404")) {
        case .page(let passages):
            return FetchedPage(url: url, title: url, passages: passages, bytes: passages.joined().utf8.count)
        case .fail(let failure):
            throw failure
        case .hang:
            let (silence, keep) = AsyncStream<Void>.makeStream()
            for await _ in silence {}
            keep.finish()
            throw CancellationError()
        }
    }
}
