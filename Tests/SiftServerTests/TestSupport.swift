import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SiftCore
import Synchronization
@testable import SiftServer

/// A runner that plays a scripted sequence, for transport tests.
struct ScriptedRunner: QueryRunning {
    var script: @Sendable (QueryID, @escaping @Sendable (PipelineEvent) async -> Void) async -> PipelineEvent.Outcome

    func prepare(_ request: QueryRequest) async throws(QueryError) -> PreparedQuery {
        if let session = request.session { throw QueryError.sessionNotFound(session) }
        guard let text = String(validating: request.bytes, as: UTF8.self) else { throw QueryError.invalidEncoding }
        if text.allSatisfy(\.isWhitespace) { throw QueryError.emptyQuery }
        if text.count > 2000 { throw QueryError.queryTooLong(length: text.count, limit: 2000) }
        return PreparedQuery(
            query: AnalyzedQuery(original: text, normalized: text, kind: .keywords, terms: [text]),
            context: QueryContext(models: request.models, merge: request.merge))
    }

    func run(id: QueryID, prepared: PreparedQuery, emit: @escaping @Sendable (PipelineEvent) async -> Void) async
        -> PipelineEvent.Outcome
    {
        await script(id, emit)
    }

    /// status, query, one source, ranked, `deltas` deltas, metrics, done.
    static func answering(deltas: Int = 3) -> ScriptedRunner {
        ScriptedRunner { id, emit in
            var elapsed = 0.0
            func send(_ payload: PipelineEvent.Payload) async {
                elapsed += 0.5
                await emit(PipelineEvent(elapsedMs: elapsed, payload: payload))
            }
            await send(.status(.init(stage: .analyzing, message: "Reading")))
            await send(
                .query(.init(id: id, analyzed: AnalyzedQuery(original: "q", normalized: "q", kind: .question, terms: ["q"]))))
            await send(.source(Source(n: 1, url: "kb://test/1", title: "One", snippet: "s", providers: ["kb"], score: 1)))
            await send(.ranked(.init(passages: [Passage(n: 1, sourceN: 1, score: 1, text: "t")])))
            for index in 0..<deltas { await send(.delta(.init(text: "w\(index) "))) }
            await send(
                .metrics(
                    .init(
                        firstStatusMs: 0.5, firstSourceMs: 1.5, firstDeltaMs: 2.5, totalMs: elapsed, sources: 1, passages: 1,
                        pages: 0, bytes: 0, tokens: deltas)))
            await send(.done(.init(outcome: .complete)))
            return .complete
        }
    }
}

/// A parsed SSE frame.
struct Frame: Equatable {
    var id: Int
    var type: String
    var data: String
}

/// Parses an SSE body; comments are returned separately.
func parseSSE(_ text: String) -> (frames: [Frame], comments: [String]) {
    var frames: [Frame] = []
    var comments: [String] = []
    for block in text.split(separator: "\n\n", omittingEmptySubsequences: true) {
        var id = -1
        var type = ""
        var data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix(":") { comments.append(String(line)); continue }
            if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) ?? -1 }
            if line.hasPrefix("event: ") { type = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
        }
        if !type.isEmpty { frames.append(Frame(id: id, type: type, data: data)) }
    }
    return (frames, comments)
}

/// Opens once; every waiter before and after passes.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}

/// A body writer that records what is written and can hold every write until a gate opens.
final class RecordingWriter: ResponseBodyWriter, Sendable {
    private let storage = Mutex<[String]>([])
    let gate: Gate?
    let onWrite: (@Sendable (String) -> Void)?

    init(gate: Gate? = nil, onWrite: (@Sendable (String) -> Void)? = nil) {
        self.gate = gate
        self.onWrite = onWrite
    }

    var written: [String] { storage.withLock { $0 } }

    func write(_ buffer: ByteBuffer) async throws {
        let text = String(buffer: buffer)
        storage.withLock { $0.append(text) }
        onWrite?(text)
        await gate?.wait()
        try Task.checkCancellation()
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// Runs `stream` into `recorder`, returning the error it ended with, if any.
func drive(_ stream: QueryLogReader, into recorder: RecordingWriter) async -> (any Error)? {
    var writer: any ResponseBodyWriter = recorder
    do {
        try await stream.write(to: &writer)
        return nil
    } catch {
        return error
    }
}

func testLogger() -> Logger {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}

func makeRoutes(
    runner: any QueryRunning, configuration: SiftServerConfiguration = .init(), metrics: SiftMetrics? = nil
) -> (SiftRoutes, StreamRegistry, SiftMetrics) {
    let metrics = metrics ?? SiftMetrics(version: "test")
    let registry = StreamRegistry(capacity: configuration.maxStreams, metrics: metrics, logger: testLogger())
    let routes = SiftRoutes(
        runner: runner, registry: registry, metrics: metrics, configuration: configuration,
        readiness: { Readiness(ready: true, components: ["kb": "open"]) })
    return (routes, registry, metrics)
}
