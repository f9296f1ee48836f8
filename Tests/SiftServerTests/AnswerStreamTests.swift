import SiftTestClock
import HTTPTypes
import Hummingbird
import NIOCore
import SiftCore
import Testing

@testable import SiftServer

/// The query machine as `GET /v1/answer/stream` uses it: a query admitted into the
/// ``QueryService`` (not resumable), read through the one SSE writer, ``QueryLogReader``.
@Suite("SSE stream writer over the query machine")
struct AnswerStreamTests {
    /// Runs the routes' query service around `body`, as the ServiceGroup does in siftd.
    func withMachine(
        runner: any QueryRunning, configuration: SiftServerConfiguration = .init(),
        _ body: @Sendable (SiftRoutes, StreamRegistry, SiftMetrics) async throws -> Void
    ) async throws {
        let (routes, registry, metrics) = makeRoutes(runner: runner, configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await routes.queries.run() }
            defer { group.cancelAll() }
            try await body(routes, registry, metrics)
        }
    }

    func admit(_ routes: SiftRoutes) async throws -> QueryLog {
        try await routes.queries.admit(
            id: QueryID(),
            prepared: PreparedQuery(query: AnalyzedQuery(original: "q", normalized: "q", kind: .keywords, terms: ["q"])),
            resumable: false)
    }

    func reader(_ log: QueryLog, _ metrics: SiftMetrics, heartbeat: Duration = .seconds(60)) -> QueryLogReader {
        QueryLogReader(log: log, lastEventID: 0, metrics: metrics, heartbeat: heartbeat, logger: testLogger())
    }

    @Test func framesCarrySequentialIdsAndEndWithOneDone() async throws {
        try await withMachine(runner: ScriptedRunner.answering(deltas: 5)) { routes, registry, metrics in
            let recorder = RecordingWriter()
            let log = try await admit(routes)
            let error = await drive(reader(log, metrics), into: recorder)
            #expect(error == nil)
            let (frames, _) = parseSSE(recorder.written.joined())
            #expect(frames.map(\.id) == Array(1...frames.count))
            #expect(frames.map(\.type) == ["status", "query", "source", "ranked"] + Array(repeating: "delta", count: 5) + ["metrics", "done"])
            #expect(frames.last?.data.contains(#""outcome":"complete""#) == true)
            try await ResumableQueryTests.poll { registry.activeCount == 0 }
            // Every frame is one `data:` line of JSON with elapsed_ms.
            for frame in frames { #expect(frame.data.hasPrefix("{") && frame.data.contains(#""elapsed_ms":"#)) }
        }
    }

    @Test func runnerWithoutDoneStillEndsWithExactlyOneDone() async throws {
        let runner = ScriptedRunner { _, emit in
            await emit(PipelineEvent(elapsedMs: 0, payload: .status(.init(stage: .analyzing, message: "x"))))
            return .cancelled
        }
        try await withMachine(runner: runner) { routes, _, metrics in
            let recorder = RecordingWriter()
            let log = try await admit(routes)
            #expect(await drive(reader(log, metrics), into: recorder) == nil)
            #expect(parseSSE(recorder.written.joined()).frames.map(\.type) == ["status", "done"])
        }
    }

    @Test func slowClientIsDroppedAndCounted() async throws {
        // The runner floods far more events than a reader may fall behind while the client holds its first write.
        let produced = ManagedCounter()
        let runner = ScriptedRunner { _, emit in
            for index in 0..<10_000 {
                if Task.isCancelled { return .cancelled }
                produced.increment()
                await emit(PipelineEvent(elapsedMs: Double(index), payload: .delta(.init(text: "x"))))
                await Task.yield()
            }
            await emit(PipelineEvent(elapsedMs: 1, payload: .done(.init(outcome: .complete))))
            return .complete
        }
        try await withMachine(runner: runner, configuration: .init(streamBuffer: 16)) { routes, registry, metrics in
            let gate = Gate()
            let recorder = RecordingWriter(gate: gate)
            let log = try await admit(routes)
            async let outcome = drive(reader(log, metrics), into: recorder)
            // Release the client only once the log has given up on it and stopped the query. The gate
            // opens whatever happens, so a failure here fails the test rather than hanging it.
            let deadline = ContinuousClock.now + .seconds(60)
            while log.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
            let stopped = !log.isRunning
            await gate.open()
            let error = await outcome
            #expect(stopped, "the query was not stopped for its slow reader")
            #expect(error is SlowReader)
            #expect(produced.value < 10_000, "the pipeline must be cancelled, not run to the end")
            try await ResumableQueryTests.poll { registry.activeCount == 0 }
            let text = String(decoding: metrics.render(), as: UTF8.self)
            #expect(text.contains(#"sift_streams_dropped_total{reason="slow_client"} 1"#))
            let dropped = text.split(separator: "\n").first { $0.hasPrefix("sift_stream_events_dropped_total ") }
            #expect(dropped.flatMap { Int($0.split(separator: " ")[1]) }.map { $0 > 16 } == true, "\(dropped ?? "")")
        }
    }

    @Test func theFoldOfPostAnswerIsNeverDroppedForFallingBehind() async throws {
        try await withMachine(runner: ScriptedRunner.answering(deltas: 500), configuration: .init(streamBuffer: 16)) {
            routes, _, _ in
            let log = try await admit(routes)
            let document = try await AnswerDocument.fold(log)
            #expect(document.outcome == .complete)
            #expect(document.answer.split(separator: " ").count == 500)
            #expect(document.error == nil)
        }
    }

    @Test func heartbeatCommentsFlowWhileTheQueryWaits() async throws {
        let (pings, pingSeen) = AsyncStream<Void>.makeStream()
        let runner = ScriptedRunner { _, emit in
            await emit(PipelineEvent(elapsedMs: 0, payload: .status(.init(stage: .searching, message: "x"))))
            var iterator = pings.makeAsyncIterator()
            _ = await iterator.next()  // wait until the client has seen a heartbeat
            await emit(PipelineEvent(elapsedMs: 1, payload: .done(.init(outcome: .complete))))
            return .complete
        }
        try await withMachine(runner: runner) { routes, _, metrics in
            let recorder = RecordingWriter(onWrite: { text in if text.hasPrefix(": ping") { pingSeen.yield() } })
            let log = try await admit(routes)
            // The heartbeat waits on a clock the test moves: 15 s pass without a real wait.
            let clock = ManualClock()
            let reader = QueryLogReader(
                log: log, lastEventID: 0, metrics: metrics, heartbeat: .seconds(15), logger: testLogger(),
                clock: ServerClock(clock))
            async let finished = drive(reader, into: recorder)
            clock.advance(to: await clock.nextSleeper())
            #expect(await finished == nil)
            let (frames, comments) = parseSSE(recorder.written.joined())
            #expect(comments.contains(": ping"))
            #expect(frames.map(\.type) == ["status", "done"])
        }
    }

    /// A runner that says it started, then waits until cancelled, as a long answer would.
    static func waitingRunner(started: AsyncStream<Void>.Continuation) -> ScriptedRunner {
        ScriptedRunner { _, emit in
            await emit(PipelineEvent(elapsedMs: 0, payload: .status(.init(stage: .synthesizing, message: "x"))))
            started.yield()
            // Iterating a silent stream ends on cancellation.
            let (silence, keepOpen) = AsyncStream<Void>.makeStream()
            for await _ in silence {}
            keepOpen.finish()
            await emit(PipelineEvent(elapsedMs: 2, payload: .done(.init(outcome: .cancelled))))
            return .cancelled
        }
    }

    @Test func shutdownEndsOpenStreamsWithErrorThenDone() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        try await withMachine(runner: Self.waitingRunner(started: startedSignal)) { routes, registry, metrics in
            let recorder = RecordingWriter()
            let log = try await admit(routes)
            async let finished = drive(reader(log, metrics), into: recorder)
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            registry.stopAll(.shutdown)
            #expect(await finished == nil)
            let frames = parseSSE(recorder.written.joined()).frames
            #expect(frames.map(\.type) == ["status", "error", "done"])
            #expect(frames[1].data.contains(#""code":"shutting_down""#))
            #expect(frames[2].data.contains(#""outcome":"cancelled""#))
        }
    }

    @Test func theOnlyReaderLeavingCancelsAQueryThatIsNotResumable() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        try await withMachine(runner: Self.waitingRunner(started: startedSignal)) { routes, registry, metrics in
            let log = try await admit(routes)
            let reading = Task { await drive(reader(log, metrics), into: RecordingWriter()) }
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            try await ResumableQueryTests.poll { log.readerCount == 1 }
            reading.cancel()  // the client went away
            _ = await reading.value
            try await ResumableQueryTests.poll { log.isEnded && registry.activeCount == 0 }
            let types = log.frames(after: 0).frames.map(\.type)
            #expect(types == [.status, .done])
            #expect(log.frames(after: 0).frames.last?.event == PipelineEvent(elapsedMs: 2, payload: .done(.init(outcome: .cancelled))))
            let text = String(decoding: metrics.render(), as: UTF8.self)
            #expect(text.contains(#"sift_streams_dropped_total{reason="disconnected"} 1"#))
        }
    }

    @Test func aResumableQueryOutlivesItsReader() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        try await withMachine(runner: Self.waitingRunner(started: startedSignal)) { routes, registry, metrics in
            let log = try await routes.queries.admit(
                id: QueryID(),
                prepared: PreparedQuery(query: AnalyzedQuery(original: "q", normalized: "q", kind: .keywords, terms: ["q"])),
                resumable: true)
            let reading = Task { await drive(reader(log, metrics), into: RecordingWriter()) }
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            try await ResumableQueryTests.poll { log.readerCount == 1 }
            reading.cancel()
            _ = await reading.value
            try await ResumableQueryTests.poll { log.readerCount == 0 }
            #expect(log.isRunning && registry.activeCount == 1)
            try await routes.queries.cancel(log.id)
            try await ResumableQueryTests.poll { log.isEnded && registry.activeCount == 0 }
        }
    }

    @Test func registryRefusesBeyondCapacityAndAfterShutdown() throws {
        let registry = StreamRegistry(capacity: 1, metrics: nil, logger: testLogger())
        let first = QueryID()
        try registry.register(first) { _ in }
        #expect(throws: QueryError.overloaded(limit: 1)) { try registry.register(QueryID()) { _ in } }
        registry.unregister(first)
        registry.stopAll(.shutdown)
        #expect(throws: QueryError.shuttingDown) { try registry.register(QueryID()) { _ in } }
    }
}

/// A thread-safe counter for test producers.
final class ManagedCounter: Sendable {
    private let box = LockedValue(0)
    func increment() { box.withLock { $0 += 1 } }
    var value: Int { box.withLock { $0 } }
}
