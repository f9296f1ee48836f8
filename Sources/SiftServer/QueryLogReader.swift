import Hummingbird
import Logging
import NIOCore
import SiftCore

/// The one Server-Sent Events writer: sends a reader the frames of a query's log after
/// `lastEventID` (those recorded already, then the new ones as they are recorded, up to
/// `done`), with `: ping` comments while nothing happens.
///
/// Whatever route admitted the query, this is how its events reach a socket: `GET
/// /v1/answer/stream` reads from the start, `GET /v1/queries/{id}/events` from its
/// `Last-Event-ID`. Pacing, slow readers and cancellation on leaving are the log's
/// (``QueryLogCursor``).
struct QueryLogReader: Sendable {
    let log: QueryLog
    let lastEventID: Int
    let metrics: SiftMetrics?
    let heartbeat: Duration
    let logger: Logger?
    let clock: ServerClock

    init(
        log: QueryLog, lastEventID: Int, metrics: SiftMetrics?, heartbeat: Duration, logger: Logger? = nil,
        clock: ServerClock = .continuous
    ) {
        self.log = log
        self.clock = clock
        self.lastEventID = lastEventID
        self.metrics = metrics
        self.heartbeat = heartbeat
        self.logger = logger
    }

    /// Writes the frames to `writer` until `done` has been written.
    func write(to writer: inout any ResponseBodyWriter) async throws {
        var cursor = QueryLogCursor(log: log, after: lastEventID)
        defer { cursor.close() }
        let heartbeat = self.heartbeat
        let ping = cursor.heartbeat
        let clock = self.clock
        var doneWritten = false
        var buffer = ByteBufferAllocator().buffer(capacity: 4096)

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await clock.sleep(for: heartbeat)) != nil { ping() }
                }
                defer { group.cancelAll() }
                while let delivery = try await cursor.next() {
                    buffer.clear()
                    switch delivery {
                    case .frames(let frames):
                        for frame in frames { buffer.writeImmutableBuffer(frame.bytes) }
                        try await writer.write(buffer)
                        for frame in frames { metrics?.recordEventSent(frame.type) }
                        if frames.last?.type == .done { doneWritten = true }
                    case .heartbeat:
                        buffer.writeString(EventEncoder.heartbeat)
                        try await writer.write(buffer)
                        metrics?.recordHeartbeat()
                    }
                }
            }
        } catch let slow as SlowReader {
            metrics?.recordStreamDropped(reason: "slow_client", undelivered: slow.undelivered)
            logger?.warning("dropped a slow client", metadata: ["undelivered_events": "\(slow.undelivered)"])
            throw slow
        } catch {
            if !doneWritten { metrics?.recordStreamDropped(reason: "disconnected", undelivered: 0) }
            throw error
        }
    }
}

extension AnswerDocument {
    /// Folds query `log`'s events into the answer document, as they are recorded, up to `done`.
    /// A cancelled task leaves the log (and cancels a query that is not resumable) and throws.
    static func fold(_ log: QueryLog) async throws -> AnswerDocument {
        var cursor = QueryLogCursor(log: log, after: 0, droppable: false)
        defer { cursor.close() }
        var document = AnswerDocument(id: log.id)
        document.session = log.session
        while let delivery = try await cursor.next() {
            guard case .frames(let frames) = delivery else { continue }
            for frame in frames {
                if let event = frame.event { document.add(event) }
            }
        }
        return document
    }
}
