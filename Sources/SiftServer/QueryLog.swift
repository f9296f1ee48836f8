import NIOCore
import SiftCore

/// The recorded events of one query, for any number of readers: the one place a query's
/// events go, whichever route admitted it (``QueryService``).
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
///
/// Readers are handled here, in one place. A query that is not `resumable` (`GET
/// /v1/answer/stream`, `POST /v1/answer`) belongs to its readers: when the last one leaves
/// before `done`, the query is cancelled, and a reader that falls more than
/// `slowReaderLimit` events behind is dropped (``QueryLogCursor`` then throws
/// ``SlowReader``); a query left with no reader that keeps up is cancelled at once. A
/// resumable query (`POST /v1/queries`) runs to its end whoever reads it, and its readers
/// pace themselves: they can always resume.
///
/// With a shared store (several replicas), a log is one of two kinds:
/// - **replicated** (this replica runs the query): an event is shown to readers only once it is
///   stored (``persisted(through:)``), so a reader who resumes on another replica never holds an
///   id that the store lacks. ``unpersisted()`` hands the appender what to store next.
/// - **mirrored** (another replica runs it): the events come from the store (``mirror(_:)``).
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
        /// Where the event's JSON starts in `bytes` (after `data: `); it ends before the closing blank line.
        var dataStart: Int

        /// The event this frame carries, decoded back from its JSON: what a fold reads.
        var event: PipelineEvent? {
            let end = bytes.readableBytes - 2
            guard end > dataStart, let json = bytes.getBytes(at: bytes.readerIndex + dataStart, length: end - dataStart)
            else { return nil }
            return EventDecoder.decode(type: type, json: json)
        }

        /// The event's JSON, as a shared store keeps it.
        var json: String {
            let end = bytes.readableBytes - 2
            guard end > dataStart else { return "{}" }
            return bytes.getString(at: bytes.readerIndex + dataStart, length: end - dataStart) ?? "{}"
        }
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

    private struct Reader: Sendable {
        var wake: AsyncStream<Wake>.Continuation
        /// The id of the last frame handed to this reader.
        var position: Int
        /// Whether the slow-reader rule applies (a socket's writer); a fold reads at its own pace.
        var droppable: Bool
        /// Set when the reader fell too far behind; it ends at its next look.
        var dropped = false
    }

    private struct State: Sendable {
        var frames: [Frame] = []
        /// Frames readers may be handed: all of them, except in a replicated log, where only those stored.
        var visible = 0
        /// A replicated log that gave up on its store: every frame is visible, nothing more is stored.
        var detached = false
        /// Whether `onEnded` was called.
        var endAnnounced = false
        var bytes = 0
        var phase = Phase.running
        var readers: [Int: Reader] = [:]
        var nextReader = 0
    }

    /// The query id (also its `X-Request-Id`).
    let id: QueryID
    /// The session the query belongs to, when it has one.
    let session: String?
    /// The name of the API key that asked, when keys are required: only it (or an `admin` key) may read or cancel the query.
    let apiKey: String?
    /// Who asked (`SiftRequestContext.client`; empty when unknown): the store evicts the finished queries of
    /// the owner holding the most first.
    let owner: String
    /// Whether the query runs to its end without readers (`POST /v1/queries`).
    let resumable: Bool
    /// How many events a reader of a query that is not resumable may fall behind before it is dropped.
    let slowReaderLimit: Int?
    /// Whether events are shown to readers only once a shared store holds them.
    let replicated: Bool
    /// Called once, the moment readers may be handed the `done` (the query's stream slot is freed then,
    /// so that a client asking again as soon as it has its `done` finds the slot free).
    private let onEnded: (@Sendable () -> Void)?
    private let clock: ServerClock
    private let start: ServerClock.Instant
    private let maxBytes: Int
    private let store: QueryStore?
    private let state = LockedValue(State())
    private let encoder = EventEncoder()
    /// Stop requests for the task running the query.
    let stopRequests: AsyncStream<StopReason>
    private let stopContinuation: AsyncStream<StopReason>.Continuation
    /// Wakes the appender of a replicated log when frames wait to be stored.
    let persistWakes: AsyncStream<Void>
    private let persistContinuation: AsyncStream<Void>.Continuation

    /// A log for query `id`; `maxBytes` bounds its frames, `store` (when given) the frames of all queries.
    init(
        id: QueryID, session: String?, maxBytes: Int, store: QueryStore?, resumable: Bool = true,
        slowReaderLimit: Int? = nil, replicated: Bool = false, clock: ServerClock = .continuous, apiKey: String? = nil,
        onEnded: (@Sendable () -> Void)? = nil, owner: String = ""
    ) {
        self.id = id
        self.apiKey = apiKey
        self.owner = owner
        self.onEnded = onEnded
        self.replicated = replicated
        self.session = session
        self.resumable = resumable
        self.slowReaderLimit = resumable ? nil : slowReaderLimit
        self.maxBytes = maxBytes
        self.store = store
        self.clock = clock
        self.start = clock.now
        (stopRequests, stopContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        (persistWakes, persistContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Frames readers may be handed so far (in a replicated log, those stored).
    var count: Int { state.withLock { $0.visible } }
    /// Bytes of the frames recorded so far.
    var bytes: Int { state.withLock { $0.bytes } }
    /// Whether the log holds its `done`, and readers may be handed it.
    var isEnded: Bool { state.withLock { $0.phase == .ended && $0.visible == $0.frames.count } }
    /// Whether the query runs and has not been asked to stop.
    var isRunning: Bool { state.withLock { $0.phase == .running } }

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
            // The phase first, so that the frame's publication knows the log has ended.
            if isDone { state.phase = .ended }
            append(frame, to: &state)
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
            state.phase = .ended
            append(forced(event, id: state.frames.count + 1), to: &state)
        }
        stopContinuation.finish()
    }

    /// Checks that a reader may resume after event `lastID`: it must be an id this log has sent.
    func check(resumingAfter lastID: Int) throws(QueryError) {
        let (count, ended) = state.withLock { ($0.visible, $0.phase == .ended && $0.visible == $0.frames.count) }
        guard lastID <= count else {
            throw QueryError.badLastEventID(
                ended
                    ? "Last-Event-ID \(lastID) is past the end of query \(id): its last event is \(count)."
                    : "Last-Event-ID \(lastID) has not been sent yet: query \(id) has sent \(count) events so far.")
        }
    }

    /// Up to `limit` frames after id `lastID`.
    func frames(after lastID: Int, limit: Int = 256) -> Batch {
        state.withLock { state in Self.batch(after: lastID, limit: limit, in: state) }
    }

    /// Up to `limit` frames after id `lastID` for reader `token`, which has them once this returns;
    /// nil when the reader was dropped for falling too far behind.
    func frames(after lastID: Int, limit: Int = 256, reader token: Int) -> Batch? {
        state.withLock { state in
            guard state.readers[token]?.dropped != true else { return nil }
            let batch = Self.batch(after: lastID, limit: limit, in: state)
            state.readers[token]?.position = batch.lastID
            return batch
        }
    }

    private static func batch(after lastID: Int, limit: Int, in state: State) -> Batch {
        let from = min(max(0, lastID), state.visible)
        let to = min(state.visible, from + limit)
        return Batch(
            frames: Array(state.frames[from..<to]), lastID: to,
            ended: state.phase == .ended && state.visible == state.frames.count)
    }

    /// Registers a reader that has every frame up to `lastID`: its stream yields `.events` whenever
    /// a frame is recorded (once at once, so the first look happens), and whatever the reader yields itself.
    /// A reader that is not `droppable` is never dropped for falling behind.
    func subscribe(after lastID: Int = 0, droppable: Bool = true) -> (
        token: Int, wakes: AsyncStream<Wake>, continuation: AsyncStream<Wake>.Continuation
    ) {
        let (stream, continuation) = AsyncStream<Wake>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let token = state.withLock { state in
            let token = state.nextReader
            state.nextReader += 1
            state.readers[token] = Reader(wake: continuation, position: lastID, droppable: droppable)
            return token
        }
        continuation.yield(.events)
        return (token, stream, continuation)
    }

    /// Removes a reader; returns how many recorded events it had not been handed. When it was the
    /// last reader of a query that is not resumable and the query is still running, the query is cancelled.
    @discardableResult
    func unsubscribe(_ token: Int) -> Int {
        let (reader, undelivered, orphaned) = state.withLock { state -> (Reader?, Int, Bool) in
            guard let reader = state.readers.removeValue(forKey: token) else { return (nil, 0, false) }
            let orphaned = !resumable && state.phase == .running && !state.readers.values.contains { !$0.dropped }
            return (reader, state.visible - reader.position, orphaned)
        }
        reader?.wake.finish()
        if orphaned { stop(.cancelled) }
        return undelivered
    }

    /// Readers attached now.
    var readerCount: Int { state.withLock { $0.readers.count } }

    // MARK: Replication

    /// The frames of a replicated log that wait to be stored, with their numbers; whether the
    /// last of them is `done`. Empty once the log is detached.
    func unpersisted(limit: Int = 256) -> (events: [StoredEvent], endsLog: Bool) {
        state.withLock { state in
            guard !state.detached, state.visible < state.frames.count else { return ([], false) }
            let to = min(state.frames.count, state.visible + limit)
            let events = (state.visible..<to).map { index in
                StoredEvent(seq: index + 1, type: state.frames[index].type.rawValue, json: state.frames[index].json)
            }
            return (events, to == state.frames.count && state.phase == .ended)
        }
    }

    /// The store holds the frames up to number `seq`: readers may have them.
    func persisted(through seq: Int) {
        state.withLock { state in publish(upTo: min(seq, state.frames.count), in: &state) }
    }

    /// Whether a replicated log has frames its store does not hold yet (its `done` among them, once ended).
    var hasUnpersisted: Bool { state.withLock { !$0.detached && $0.visible < $0.frames.count } }

    /// Gives up storing a replicated log: the query ends here with `error` and `done{failed}` (unless
    /// its `done` is recorded already), every frame becomes visible to this replica's readers, and
    /// the runner is asked to stop.
    func detach(_ error: QueryError) {
        let stopped = state.withLock { state -> Bool in
            guard !state.detached else { return false }
            state.detached = true
            var stopped = false
            if state.phase != .ended {
                for payload in [PipelineEvent.Payload.error(.init(error)), .done(.init(outcome: .failed))] {
                    state.frames.append(forced(PipelineEvent(elapsedMs: elapsed(), payload: payload), id: state.frames.count + 1))
                }
                stopped = state.phase == .running
                state.phase = .ended
            }
            publish(upTo: state.frames.count, in: &state)
            return stopped
        }
        persistContinuation.finish()
        if stopped { stopContinuation.yield(.cancelled) }
    }

    /// Adds events read from the shared store to a mirrored log (another replica runs the query);
    /// events already held are skipped. The log ends with its `done`.
    func mirror(_ events: [StoredEvent]) {
        state.withLock { state in
            for event in events where event.seq == state.frames.count + 1 && state.phase != .ended {
                guard let type = PipelineEvent.EventType(rawValue: event.type) else { continue }
                let frame = frame(json: Array(event.json.utf8), type: type, id: event.seq)
                state.frames.append(frame)
                state.bytes += frame.bytes.readableBytes
                if type == .done { state.phase = .ended }
            }
            publish(upTo: state.frames.count, in: &state)
        }
    }

    /// Ends a mirrored log here (its store is lost): `error` and `done{failed}` for this replica's readers.
    func endMirror(_ error: QueryError) {
        state.withLock { state in
            guard state.phase != .ended else { return }
            for payload in [PipelineEvent.Payload.error(.init(error)), .done(.init(outcome: .failed))] {
                state.frames.append(forced(PipelineEvent(elapsedMs: elapsed(), payload: payload), id: state.frames.count + 1))
            }
            state.phase = .ended
            publish(upTo: state.frames.count, in: &state)
        }
    }

    // MARK: Private

    /// Ends a query whose log is full: `error`, `done{failed}`, and a stop request.
    private func end(with error: QueryError) {
        let ended = state.withLock { state -> Bool in
            guard state.phase != .ended else { return false }
            for payload in [PipelineEvent.Payload.error(.init(error)), .done(.init(outcome: .failed))] {
                if case .done = payload { state.phase = .ended }
                append(forced(PipelineEvent(elapsedMs: elapsed(), payload: payload), id: state.frames.count + 1), to: &state)
            }
            return true
        }
        if ended { stopContinuation.yield(.cancelled) }
    }

    private func frame(json: [UInt8], type: PipelineEvent.EventType, id: Int) -> Frame {
        var buffer = ByteBufferAllocator().buffer(capacity: json.count + 48)
        let dataStart = buffer.writeString("id: \(id)\nevent: \(type.rawValue)\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return Frame(bytes: buffer, type: type, dataStart: dataStart)
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
        if replicated && !state.detached {
            persistContinuation.yield()
        } else {
            publish(upTo: state.frames.count, in: &state)
        }
    }

    /// Makes frames up to `count` visible: drops readers that fell too far behind, wakes the others.
    private func publish(upTo count: Int, in state: inout State) {
        guard count > state.visible else { return }
        state.visible = count
        if state.phase == .ended, state.visible == state.frames.count, !state.endAnnounced {
            state.endAnnounced = true
            onEnded?()
        }
        if let limit = slowReaderLimit, !state.readers.isEmpty {
            var dropped = false
            for (token, reader) in state.readers
            where reader.droppable && !reader.dropped && state.visible - reader.position > limit {
                state.readers[token]?.dropped = true
                dropped = true
            }
            if dropped, state.phase == .running, !state.readers.values.contains(where: { !$0.dropped }) {
                // Nobody left who keeps up: stop the work now rather than when the slow reader looks again.
                state.phase = .stopping
                stopContinuation.yield(.cancelled)
            }
        }
        for reader in state.readers.values { reader.wake.yield(.events) }
    }

    private func elapsed() -> Double { milliseconds(start.duration(to: clock.now)) }
}
