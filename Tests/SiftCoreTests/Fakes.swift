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
    func synthesize(_ request: SynthesisRequest, into output: (SynthesisOutput) async throws -> Void) async throws {
        for passage in request.passages { try await output(.text("\(passage.text) [\(passage.sourceN)] ", model: nil)) }
        try await output(.finished(SynthesisSummary(synthesizer: name)))
    }
}

/// Writes one delta, then waits until cancelled.
struct StallingSynthesizer: Synthesizer {
    var name = "stall"
    let started: AsyncStream<Void>.Continuation
    func synthesize(_ request: SynthesisRequest, into output: (SynthesisOutput) async throws -> Void) async throws {
        try await output(.text("first ", model: nil))
        started.yield()
        // Iterating a silent stream ends on cancellation.
        let (silence, keepOpen) = AsyncStream<Void>.makeStream()
        for await _ in silence {}
        keepOpen.finish()
        throw CancellationError()
    }
}

struct ThrowingSynthesizer: Synthesizer {
    var name = "broken"
    struct Broken: Error {}
    func synthesize(_ request: SynthesisRequest, into output: (SynthesisOutput) async throws -> Void) async throws {
        throw Broken()
    }
}

/// Plays a fixed list of outputs, recording the request it was given.
final class ScriptedSynthesizer: Synthesizer {
    let name = "scripted"
    let outputs: [SynthesisOutput]
    let requests = Mutex<[SynthesisRequest]>([])
    init(_ outputs: [SynthesisOutput]) { self.outputs = outputs }
    func synthesize(_ request: SynthesisRequest, into output: (SynthesisOutput) async throws -> Void) async throws {
        requests.withLock { $0.append(request) }
        for piece in outputs { try await output(piece) }
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
    private struct Watch: Sendable {
        var matches: @Sendable (PipelineEvent) -> Bool
        var signal: Signal
    }

    let events = Mutex<[PipelineEvent]>([])
    private let watches = Mutex<[Watch]>([])

    func append(_ event: PipelineEvent) {
        events.withLock { $0.append(event) }
        let raised = watches.withLock { watches in
            let raised = watches.filter { $0.matches(event) }.map(\.signal)
            watches.removeAll { $0.matches(event) }
            return raised
        }
        for signal in raised { signal.raise() }
    }

    var all: [PipelineEvent] { events.withLock { $0 } }
    var types: [PipelineEvent.EventType] { all.map(\.type) }

    /// A signal raised when an event that `matches` is appended (at once, if one already was).
    func signal(when matches: @escaping @Sendable (PipelineEvent) -> Bool) -> Signal {
        let signal = Signal()
        watches.withLock { $0.append(Watch(matches: matches, signal: signal)) }
        if all.contains(where: matches) { signal.raise() }
        return signal
    }

    /// Waits until an event that `matches` has been appended.
    func wait(for matches: @escaping @Sendable (PipelineEvent) -> Bool) async {
        await signal(when: matches).wait()
    }
}

/// A one-shot signal: waiters pass once it is raised, and every wait after.
final class Signal: Sendable {
    private struct State {
        var raised = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func raise() {
        let waiters = state.withLock { state in
            state.raised = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let passed = state.withLock { state in
                if state.raised { return true }
                state.waiters.append(continuation)
                return false
            }
            if passed { continuation.resume() }
        }
    }
}

/// Whether `event` is the `source` with `title`.
func isSource(_ title: String) -> @Sendable (PipelineEvent) -> Bool {
    { event in if case .source(let source) = event.payload { source.title == title } else { false } }
}

func quietLogger() -> Logger {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}

func hit(_ url: String, _ title: String, score: Double = 1, passages: [String] = []) -> SearchHit {
    SearchHit(url: url, title: title, snippet: "about \(title)", score: score, passages: passages)
}

/// Answers once `after` is raised (at once without one), with warnings and a rate-limit flag as given.
struct ScriptedProvider: SearchProvider {
    var name: String
    var hits: [SearchHit]
    var after: Signal? = nil
    var warnings: [ProviderWarning] = []
    var rateLimited = false
    func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        await after?.wait()
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
