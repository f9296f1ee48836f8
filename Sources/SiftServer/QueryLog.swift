import NIOCore
import SiftCore

/// The recorded events of one resumable query (`POST /v1/queries`), for any number of readers.
///
/// Each event is encoded once, as the SSE frame readers send, and numbered 1, 2, 3… in the
/// order it was recorded. Frames are kept as long as the log is: a log never drops an event.
/// When one more event would pass the per-query byte limit (or the ``QueryStore``'s budget
/// over all queries), the log ends the query instead: it records an `error` and a `done`
/// (`failed`) and asks the runner to stop, so a reader that resumes always finds every event
/// it has not seen, up to one `done`.
///
/// Exactly one `done` is recorded: the runner's, or the one ``finish()`` adds when the runner
/// stopped without one. After a stop (cancel, shutdown) only the runner's `done` is recorded.
final class QueryLog: Sendable {
    /// Why a running query was asked to stop.
    enum StopReason: Sendable, Equatable {
        /// `DELETE /v1/queries/{id}`.
        case cancelled
        /// Graceful shutdown: an `error{shutting_down}` is recorded first.
        case shutdown
    }

    /// What wakes a reader: new frames may be there, or a heartbeat is due.
    enum Wake: Sendable, Equatable {
        case events
        case heartbeat
    }

    /// One recorded event, ready to send.
    struct Frame: Sendable {
        var bytes: ByteBuffer
        var type: PipelineEvent.EventType
    }

    /// A batch of frames for a reader.
    struct Batch: Sendable {
        var frames: [Frame]
        /// The id of the last frame in `frames` (or the id asked after, when there is none).
        var lastID: Int
        /// Whether `done` is recorded (it is the last frame of the log).
        var ended: Bool
    }

    private enum Phase: Sendable {
        case running
        case stopping
        case ended
    }

    private struct State: Sendable {
        var frames: [Frame] = []
        var bytes = 0
        var phase = Phase.running
        var readers: [Int: AsyncStream<Wake>.Continuation] = [:]
        var nextReader = 0
    }

    /// The query id (also its `X-Request-Id`).
    let id: QueryID
    /// The session the query belongs to, when it has one.
    let session: String?
    private let start: ContinuousClock.Instant
    private let maxBytes: Int
    private let store: QueryStore?
    private let state = LockedValue(State())
    private let encoder = EventEncoder()
    /// Stop requests for the task running the query.
    let stopRequests: AsyncStream<StopReason>
    private let stopContinuation: AsyncStream<StopReason>.Continuation

    /// A log for query `id`; `maxBytes` bounds its frames, `store` (when given) the frames of all queries.
    init(id: QueryID, session: String?, maxBytes: Int, store: QueryStore?, start: ContinuousClock.Instant = .now) {
        self.id = id
        self.session = session
        self.maxBytes = maxBytes
        self.store = store
        self.start = start
        (stopRequests, stopContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Frames recorded so far.
    var count: Int { state.withLock { $0.frames.count } }
    /// Bytes of the frames recorded so far.
    var bytes: Int { state.withLock { $0.bytes } }
    /// Whether the log holds its `done`.
    var isEnded: Bool { state.withLock { $0.phase == .ended } }

    /// Records an event the runner produced.
    func record(_ event: PipelineEvent) {
        let json = encoder.json(event)
        let full: QueryError? = state.withLock { state in
            switch state.phase {
            case .ended: return nil
            case .stopping where event.type != .done: return nil
            case .running, .stopping: break
            }
            let frame = frame(json: json, type: event.type, id: state.frames.count + 1)
            let isDone = event.type == .done
            // `done` is always recorded: it is what every reader waits for, and it is small.
            if !isDone {
                if state.bytes + frame.bytes.readableBytes > maxBytes {
                    return .queryLogFull(limit: maxBytes)
                }
                if let store, !store.reserve(id, bytes: frame.bytes.readableBytes, force: false) {
                    return .resumeMemoryFull(limit: store.limits.maxBytes)
                }
            } else {
                _ = store?.reserve(id, bytes: frame.bytes.readableBytes, force: true)
            }
            append(frame, to: &state)
            if isDone { state.phase = .ended }
            return nil
        }
        if let full { end(with: full) }
    }

    /// Asks the running query to stop; false when it has already ended or is stopping.
    @discardableResult
    func stop(_ reason: StopReason) -> Bool {
        let stopped = state.withLock { state -> Bool in
            guard state.phase == .running else { return false }
            if reason == .shutdown {
                let event = PipelineEvent(elapsedMs: elapsed(), payload: .error(.init(.shuttingDown)))
                append(forced(event, id: state.frames.count + 1), to: &state)
            }
            state.phase = .stopping
            return true
        }
        if stopped { stopContinuation.yield(reason) }
        return stopped
    }

    /// Called once the runner has returned: records `done{cancelled}` if it left none.
    func finish() {
        state.withLock { state in
            guard state.phase != .ended else { return }
            let event = PipelineEvent(elapsedMs: elapsed(), payload: .done(.init(outcome: .cancelled)))
            append(forced(event, id: state.frames.count + 1), to: &state)
            state.phase = .ended
        }
        stopContinuation.finish()
    }

    /// Checks that a reader may resume after event `lastID`: it must be an id this log has sent.
    func check(resumingAfter lastID: Int) throws(QueryError) {
        let (count, ended) = state.withLock { ($0.frames.count, $0.phase == .ended) }
        guard lastID <= count else {
            throw QueryError.badLastEventID(
                ended
                    ? "Last-Event-ID \(lastID) is past the end of query \(id): its last event is \(count)."
                    : "Last-Event-ID \(lastID) has not been sent yet: query \(id) has sent \(count) events so far.")
        }
    }

    /// Up to `limit` frames after id `lastID`.
    func frames(after lastID: Int, limit: Int = 256) -> Batch {
        state.withLock { state in
            let from = min(max(0, lastID), state.frames.count)
            let to = min(state.frames.count, from + limit)
            return Batch(frames: Array(state.frames[from..<to]), lastID: to, ended: state.phase == .ended)
        }
    }

    /// Registers a reader: its stream yields `.events` whenever a frame is recorded (once at
    /// once, so the first look happens), and whatever the reader yields itself.
    func subscribe() -> (token: Int, wakes: AsyncStream<Wake>, continuation: AsyncStream<Wake>.Continuation) {
        let (stream, continuation) = AsyncStream<Wake>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let token = state.withLock { state in
            let token = state.nextReader
            state.nextReader += 1
            state.readers[token] = continuation
            return token
        }
        continuation.yield(.events)
        return (token, stream, continuation)
    }

    /// Removes a reader.
    func unsubscribe(_ token: Int) {
        let continuation = state.withLock { $0.readers.removeValue(forKey: token) }
        continuation?.finish()
    }

    /// Readers attached now.
    var readerCount: Int { state.withLock { $0.readers.count } }

    // MARK: Private

    /// Ends a query whose log is full: `error`, `done{failed}`, and a stop request.
    private func end(with error: QueryError) {
        let ended = state.withLock { state -> Bool in
            guard state.phase != .ended else { return false }
            for payload in [PipelineEvent.Payload.error(.init(error)), .done(.init(outcome: .failed))] {
                append(forced(PipelineEvent(elapsedMs: elapsed(), payload: payload), id: state.frames.count + 1), to: &state)
            }
            state.phase = .ended
            return true
        }
        if ended { stopContinuation.yield(.cancelled) }
    }

    private func frame(json: [UInt8], type: PipelineEvent.EventType, id: Int) -> Frame {
        var buffer = ByteBufferAllocator().buffer(capacity: json.count + 48)
        buffer.writeString("id: \(id)\nevent: \(type.rawValue)\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return Frame(bytes: buffer, type: type)
    }

    /// A frame recorded whatever the limits (a closing `error` or `done`: small, one or two per query).
    private func forced(_ event: PipelineEvent, id: Int) -> Frame {
        let frame = frame(json: encoder.json(event), type: event.type, id: id)
        _ = store?.reserve(self.id, bytes: frame.bytes.readableBytes, force: true)
        return frame
    }

    private func append(_ frame: Frame, to state: inout State) {
        state.frames.append(frame)
        state.bytes += frame.bytes.readableBytes
        for reader in state.readers.values { reader.yield(.events) }
    }

    private func elapsed() -> Double { milliseconds(start.duration(to: .now)) }
}
