import Hummingbird
import Logging
import NIOCore
import SiftCore

/// Sends one reader the events of a resumable query after `lastEventID`: those
/// recorded already, then the new ones as they are recorded, up to `done`.
///
/// The reader paces itself: it reads from the query's log, which keeps every event,
/// so a slow reader is never dropped and never makes the query wait. `: ping`
/// comments keep an idle connection open. When the reader goes away, only the
/// reading stops; the query runs on.
struct QueryEventsStream: Sendable {
    let log: QueryLog
    let lastEventID: Int
    let metrics: SiftMetrics?
    let heartbeat: Duration

    /// Writes the frames to `writer` until `done` has been written.
    func write(to writer: inout any ResponseBodyWriter) async throws {
        let (token, wakes, wake) = log.subscribe()
        defer { log.unsubscribe(token) }
        let heartbeat = self.heartbeat
        var next = lastEventID
        var doneWritten = false
        var buffer = ByteBufferAllocator().buffer(capacity: 4096)

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await Task.sleep(for: heartbeat)) != nil { wake.yield(.heartbeat) }
                }
                defer { group.cancelAll() }
                for await reason in wakes {
                    var wrote = false
                    while true {
                        let batch = log.frames(after: next)
                        if batch.frames.isEmpty {
                            if batch.ended { return }  // resumed after the last event: nothing is left to send
                            break
                        }
                        buffer.clear()
                        for frame in batch.frames { buffer.writeImmutableBuffer(frame.bytes) }
                        try await writer.write(buffer)
                        wrote = true
                        next = batch.lastID
                        for frame in batch.frames { metrics?.recordEventSent(frame.type) }
                        if batch.frames.last?.type == .done {
                            doneWritten = true
                            return
                        }
                    }
                    if reason == .heartbeat && !wrote {
                        buffer.clear()
                        buffer.writeString(EventEncoder.heartbeat)
                        try await writer.write(buffer)
                        metrics?.recordHeartbeat()
                    }
                }
                // The wakes end only when this reader's task is cancelled: the client went away.
                throw CancellationError()
            }
        } catch {
            if !doneWritten { metrics?.recordStreamDropped(reason: "disconnected", undelivered: 0) }
            throw error
        }
    }
}
