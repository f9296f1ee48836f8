import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SiftCore

/// Streams one query's events to one client as Server-Sent Events.
///
/// The pipeline runs as a child task and pushes events into a bounded buffer;
/// the writer drains it to the socket. A client that falls `bufferCapacity`
/// events behind is dropped (its pipeline cancelled, the drop counted). A
/// client disconnect cancels the pipeline. Every stream the writer finishes
/// ends with exactly one `done`.
struct AnswerStream: Sendable {
    enum Outgoing: Sendable {
        case event(PipelineEvent)
        case heartbeat
        case stop(StreamRegistry.StopReason)
    }

    struct SlowClient: Error {}

    let id: QueryID
    let query: PreparedQuery
    let runner: any QueryRunning
    let registry: StreamRegistry
    let metrics: SiftMetrics?
    let bufferCapacity: Int
    let heartbeat: Duration
    let logger: Logger

    /// Writes the whole stream to `writer`.
    func write(to writer: inout any ResponseBodyWriter) async throws {
        let (stream, continuation) = AsyncStream<Outgoing>.makeStream(bufferingPolicy: .bufferingOldest(bufferCapacity))
        let overflow = LockedValue(0)
        let encoder = EventEncoder()
        let runner = self.runner
        let id = self.id
        let query = self.query
        let heartbeat = self.heartbeat

        try registry.register(id) { reason in continuation.yield(.stop(reason)) }
        defer { registry.unregister(id) }

        let start = ContinuousClock.now
        func elapsed() -> Double { milliseconds(start.duration(to: .now)) }
        var sequence = 0
        var doneWritten = false
        var stopping = false
        var buffer = ByteBufferAllocator().buffer(capacity: 512)

        func send(_ event: PipelineEvent, writer: inout any ResponseBodyWriter) async throws {
            sequence += 1
            buffer.clear()
            encoder.frame(event, id: sequence, into: &buffer)
            try await writer.write(buffer)
            metrics?.recordEventSent(event.type)
            if event.type == .done { doneWritten = true }
        }

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = await runner.run(id: id, prepared: query) { event in
                        if case .dropped = continuation.yield(.event(event)) {
                            // The client is too slow: stop producing for it.
                            overflow.withLock { $0 += 1 }
                            withUnsafeCurrentTask { $0?.cancel() }
                        }
                    }
                    continuation.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: heartbeat) } catch { return }
                        continuation.yield(.heartbeat)
                    }
                }
                defer { group.cancelAll() }

                for await item in stream {
                    if overflow.withLock({ $0 }) > 0 { throw SlowClient() }
                    switch item {
                    case .heartbeat:
                        guard !stopping else { continue }
                        buffer.clear()
                        buffer.writeString(EventEncoder.heartbeat)
                        try await writer.write(buffer)
                        metrics?.recordHeartbeat()
                    case .stop(let reason):
                        guard !stopping else { continue }
                        stopping = true
                        if reason == .shutdown {
                            try await send(PipelineEvent(elapsedMs: elapsed(), payload: .error(.init(.shuttingDown))), writer: &writer)
                        }
                        group.cancelAll()
                    case .event(let event):
                        if stopping && event.type != .done { continue }
                        try await send(event, writer: &writer)
                        if event.type == .done { return }
                    }
                }
            }
        } catch is SlowClient {
            let undelivered = overflow.withLock { $0 }
            metrics?.recordStreamDropped(reason: "slow_client", undelivered: undelivered)
            logger.warning("dropped a slow client", metadata: ["undelivered_events": "\(undelivered)"])
            throw SlowClient()
        } catch {
            if !doneWritten { metrics?.recordStreamDropped(reason: "disconnected", undelivered: 0) }
            throw error
        }
        if !doneWritten {
            // The client went away (its inbound side closed) or the runner ended without `done`.
            if Task.isCancelled {
                metrics?.recordStreamDropped(reason: "disconnected", undelivered: 0)
                throw CancellationError()
            }
            try await send(PipelineEvent(elapsedMs: elapsed(), payload: .done(.init(outcome: .cancelled))), writer: &writer)
        }
    }
}
