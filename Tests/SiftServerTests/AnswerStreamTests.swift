import HTTPTypes
import Hummingbird
import NIOCore
import SiftCore
import Testing

@testable import SiftServer

@Suite("SSE stream writer")
struct AnswerStreamTests {
    func makeStream(
        runner: any QueryRunning, registry: StreamRegistry, metrics: SiftMetrics, buffer: Int = 64,
        heartbeat: Duration = .seconds(60)
    ) -> AnswerStream {
        AnswerStream(
            id: QueryID(), query: PreparedQuery(query: AnalyzedQuery(original: "q", normalized: "q", kind: .keywords, terms: ["q"])), runner: runner, registry: registry, metrics: metrics, bufferCapacity: buffer,
            heartbeat: heartbeat, logger: testLogger())
    }

    @Test func framesCarrySequentialIdsAndEndWithOneDone() async throws {
        let (_, registry, metrics) = makeRoutes(runner: ScriptedRunner.answering())
        let stream = makeStream(runner: ScriptedRunner.answering(deltas: 5), registry: registry, metrics: metrics)
        let recorder = RecordingWriter()
        var writer: any ResponseBodyWriter = recorder
        try await stream.write(to: &writer)
        let (frames, _) = parseSSE(recorder.written.joined())
        #expect(frames.map(\.id) == Array(1...frames.count))
        #expect(frames.map(\.type) == ["status", "query", "source", "ranked"] + Array(repeating: "delta", count: 5) + ["metrics", "done"])
        #expect(frames.last?.data.contains(#""outcome":"complete""#) == true)
        #expect(registry.activeCount == 0)
        // Every frame is one `data:` line of JSON with elapsed_ms.
        for frame in frames { #expect(frame.data.hasPrefix("{") && frame.data.contains(#""elapsed_ms":"#)) }
    }

    @Test func runnerWithoutDoneStillEndsWithExactlyOneDone() async throws {
        let runner = ScriptedRunner { _, emit in
            await emit(PipelineEvent(elapsedMs: 0, payload: .status(.init(stage: .analyzing, message: "x"))))
            return .cancelled
        }
        let (_, registry, metrics) = makeRoutes(runner: runner)
        let recorder = RecordingWriter()
        var writer: any ResponseBodyWriter = recorder
        try await makeStream(runner: runner, registry: registry, metrics: metrics).write(to: &writer)
        let types = parseSSE(recorder.written.joined()).frames.map(\.type)
        #expect(types == ["status", "done"])
    }

    @Test func slowClientIsDroppedAndCounted() async throws {
        // The runner floods far more events than the buffer holds while the client holds its first write.
        let gate = Gate()
        let produced = ManagedCounter()
        let runner = ScriptedRunner { _, emit in
            for index in 0..<10_000 {
                if Task.isCancelled { return .cancelled }
                produced.increment()
                await emit(PipelineEvent(elapsedMs: Double(index), payload: .delta(.init(text: "x"))))
            }
            await emit(PipelineEvent(elapsedMs: 1, payload: .done(.init(outcome: .complete))))
            return .complete
        }
        let (_, registry, metrics) = makeRoutes(runner: runner)
        let recorder = RecordingWriter(gate: gate)
        let stream = makeStream(runner: runner, registry: registry, metrics: metrics, buffer: 16)
        // Release the client only once the producer has overrun the buffer.
        async let outcome = drive(stream, into: recorder)
        while produced.value < 17 { await Task.yield() }
        await gate.open()
        let error = await outcome
        #expect(error is AnswerStream.SlowClient)
        #expect(produced.value < 10_000, "the pipeline must be cancelled, not run to the end")
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"sift_streams_dropped_total{reason="slow_client"} 1"#))
        #expect(text.contains("sift_stream_events_dropped_total 1"))
        #expect(registry.activeCount == 0)
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
        let (_, registry, metrics) = makeRoutes(runner: runner)
        let recorder = RecordingWriter(onWrite: { text in if text.hasPrefix(": ping") { pingSeen.yield() } })
        var writer: any ResponseBodyWriter = recorder
        try await makeStream(runner: runner, registry: registry, metrics: metrics, heartbeat: .milliseconds(5))
            .write(to: &writer)
        let (frames, comments) = parseSSE(recorder.written.joined())
        #expect(comments.contains(": ping"))
        #expect(frames.map(\.type) == ["status", "done"])
    }

    @Test func shutdownEndsOpenStreamsWithErrorThenDone() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let runner = ScriptedRunner { _, emit in
            await emit(PipelineEvent(elapsedMs: 0, payload: .status(.init(stage: .synthesizing, message: "x"))))
            startedSignal.yield()
            // Wait until cancelled, as a long answer would: iterating a silent stream ends on cancellation.
            let (silence, keepOpen) = AsyncStream<Void>.makeStream()
            for await _ in silence {}
            keepOpen.finish()
            await emit(PipelineEvent(elapsedMs: 2, payload: .done(.init(outcome: .cancelled))))
            return .cancelled
        }
        let (_, registry, metrics) = makeRoutes(runner: runner)
        let recorder = RecordingWriter()
        let stream = makeStream(runner: runner, registry: registry, metrics: metrics)
        async let finished = drive(stream, into: recorder)
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        registry.stopAll(.shutdown)
        let error = await finished
        #expect(error == nil)
        let frames = parseSSE(recorder.written.joined()).frames
        #expect(frames.map(\.type) == ["status", "error", "done"])
        #expect(frames[1].data.contains(#""code":"shutting_down""#))
        #expect(frames[2].data.contains(#""outcome":"cancelled""#))
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
