import SiftCore

/// Thrown by ``QueryLogCursor/next()`` when the log dropped its reader for falling more than
/// ``QueryLog/slowReaderLimit`` events behind.
struct SlowReader: Error, Sendable {
    /// Events recorded that the reader was never handed.
    var undelivered: Int
}

/// What a reader of a ``QueryLog`` gets next.
enum QueryLogDelivery: Sendable {
    /// Frames in order, after those delivered before.
    case frames([QueryLog.Frame])
    /// Nothing new since the last heartbeat wake: time to keep the connection alive.
    case heartbeat
}

/// One reader's position in a ``QueryLog``: every reader (the SSE writer, the fold of
/// `POST /v1/answer`) follows a log through a cursor, so catching up, waiting, heartbeats,
/// slow readers and the end of the log are handled once.
///
/// Create it, call ``next()`` until it returns nil (the `done` frame was delivered, or the
/// cursor started after it), and ``close()`` it. A cancelled task ends ``next()`` with
/// `CancellationError`.
struct QueryLogCursor {
    let log: QueryLog
    private let token: Int
    private var wakes: AsyncStream<QueryLog.Wake>.Iterator
    private let wakeContinuation: AsyncStream<QueryLog.Wake>.Continuation
    private(set) var position: Int
    private var finished = false
    private var closed = false

    /// A reader that has every frame up to `lastEventID`; one that is not `droppable` (a fold,
    /// which holds no socket buffer) is never dropped for falling behind.
    init(log: QueryLog, after lastEventID: Int, droppable: Bool = true) {
        self.log = log
        let (token, wakes, continuation) = log.subscribe(after: lastEventID, droppable: droppable)
        self.token = token
        self.wakes = wakes.makeAsyncIterator()
        self.wakeContinuation = continuation
        self.position = lastEventID
    }

    /// Wakes the reader with `.heartbeat`; safe from any task (a heartbeat timer).
    var heartbeat: @Sendable () -> Void {
        { [wakeContinuation] in wakeContinuation.yield(.heartbeat) }
    }

    /// The next frames, or a heartbeat when one is due and nothing is new; nil after `done`.
    mutating func next() async throws -> QueryLogDelivery? {
        while !finished {
            guard let batch = log.frames(after: position, reader: token) else {
                throw SlowReader(undelivered: close())
            }
            if !batch.frames.isEmpty {
                position = batch.lastID
                if batch.frames.last?.type == .done { finished = true }
                return .frames(batch.frames)
            }
            if batch.ended { return nil }  // started after the last event: nothing is left to send
            guard let wake = await wakes.next() else { throw CancellationError() }
            if wake == .heartbeat, log.frames(after: position).frames.isEmpty { return .heartbeat }
        }
        return nil
    }

    /// Leaves the log (cancelling a query that is not resumable when this was its last reader);
    /// returns how many recorded events this reader was never handed.
    @discardableResult
    mutating func close() -> Int {
        guard !closed else { return 0 }
        closed = true
        return log.unsubscribe(token)
    }
}
