import Logging
import ServiceLifecycle
import SiftCore

/// Tracks the open event streams and running resumable queries: bounds how many
/// run at once, and on graceful shutdown asks each to end with
/// `error{shutting_down}` then `done`.
///
/// It is a `Service`: list it after the HTTP server in the `ServiceGroup`, so
/// that on shutdown it is told first and open streams finish before the
/// server stops waiting for in-flight requests.
public final class StreamRegistry: Service, Sendable {
    /// Why a stream was asked to stop.
    public enum StopReason: Sendable, Equatable {
        case shutdown
    }

    struct Entry: Sendable {
        var stop: @Sendable (StopReason) -> Void
    }

    private struct State: Sendable {
        var streams: [QueryID: Entry] = [:]
        var shuttingDown = false
        var started = 0
    }

    private let state = LockedValue(State())
    /// Most streams open at once; more get `overloaded` (HTTP 503).
    public let capacity: Int
    private let metrics: SiftMetrics?
    private let logger: Logger

    public init(capacity: Int, metrics: SiftMetrics?, logger: Logger) {
        self.capacity = capacity
        self.metrics = metrics
        self.logger = logger
        metrics?.recordStreamCapacity(capacity)
    }

    /// Streams open now.
    public var activeCount: Int { state.withLock { $0.streams.count } }
    /// Streams opened since start.
    public var startedCount: Int { state.withLock { $0.started } }

    /// Refuses (`overloaded`, counted) when every slot is taken: the handlers' cheap check before a
    /// question is analyzed; ``register(_:duringShutdown:stop:)`` is the one that decides.
    func checkCapacity() throws(QueryError) {
        guard activeCount >= capacity else { return }
        metrics?.recordStreamsRefused()
        throw QueryError.overloaded(limit: capacity)
    }

    /// Admits a stream, or throws `overloaded` / `shuttingDown` (not for a reader, `duringShutdown`: the
    /// ending of a query is still read while siftd stops).
    func register(
        _ id: QueryID, duringShutdown: Bool = false, stop: @escaping @Sendable (StopReason) -> Void
    ) throws(QueryError) {
        let admitted: QueryError? = state.withLock { state in
            if state.shuttingDown && !duringShutdown { return QueryError.shuttingDown }
            if state.streams.count >= capacity { return QueryError.overloaded(limit: capacity) }
            state.streams[id] = Entry(stop: stop)
            state.started += 1
            return nil
        }
        if let admitted {
            if admitted.code == "overloaded" { metrics?.recordStreamsRefused() }
            throw admitted
        }
        metrics?.recordStreamDelta(1)
    }

    /// Removes a finished stream.
    func unregister(_ id: QueryID) {
        let removed = state.withLock { $0.streams.removeValue(forKey: id) != nil }
        if removed { metrics?.recordStreamDelta(-1) }
    }

    /// Waits for graceful shutdown, then stops every open stream.
    public func run() async throws {
        try? await gracefulShutdown()
        stopAll(.shutdown)
    }

    /// Refuses new streams and asks every open one to stop.
    func stopAll(_ reason: StopReason) {
        let entries = state.withLock { state -> [Entry] in
            state.shuttingDown = true
            return Array(state.streams.values)
        }
        if !entries.isEmpty {
            logger.notice("ending open streams for shutdown", metadata: ["streams": "\(entries.count)"])
        }
        for entry in entries { entry.stop(reason) }
    }
}

/// A stream slot held by a reader of a resumable query (`GET /v1/queries/{id}/events`): taken when the
/// reader is admitted, given back when the response body that holds it goes away, whatever ended it.
final class ReaderSlot: Sendable {
    private let registry: StreamRegistry
    private let id: QueryID

    /// Takes a slot for the reader with request id `id`, or throws `overloaded`. A reader ends with its
    /// query (shutdown ends the queries), so there is nothing to stop, and it may read during shutdown.
    init(registry: StreamRegistry, id: QueryID) throws(QueryError) {
        self.registry = registry
        self.id = id
        try registry.register(id, duringShutdown: true, stop: { _ in })
    }

    deinit { registry.unregister(id) }
}
