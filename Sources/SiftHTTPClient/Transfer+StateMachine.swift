/// Body bytes libcurl lends to one write callback: read during the call, never kept (so
/// they may cross into the transfer's lock).
struct LentBytes: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
}

/// The head of the final response, as the driver thread saw it.
struct ResponseHead: Sendable, Equatable {
    var status: Int
    var headers: HTTPHeaders
    var url: String
    var httpVersion: String
    /// New connections libcurl opened for this transfer so far (0: a cached one was reused).
    var newConnections: Int
}

/// The state one transfer shares between the driver thread (producer of the head, the
/// body chunks and the end) and the consuming task (waiting for the head, then for
/// chunks), with no I/O: every method returns what its caller must do.
///
/// Pieces (at most 16 KiB from libcurl) are buffered, joined into chunks of up to 64 KiB (a
/// quarter of `highWater` when that is less; a larger piece is a chunk of its own); a waiting
/// consumer is handed the first chunk when the driver's round ends (`flush()`) and takes
/// the rest without waiting, so a fast sender costs about one hand-off per round, not per piece.
///
/// Backpressure: a chunk is refused (`.pause`) when it would lift the buffered bytes
/// above `highWater` (unless nothing is buffered, so that one oversized chunk cannot
/// wedge the transfer); libcurl keeps the refused chunk and offers it again after an
/// unpause, which is asked for once the consumer has drained to half of `highWater`.
///
/// Generic over the waiters so that tests can use plain values for continuations.
struct TransferStateMachine<HeadWaiter, ChunkWaiter> {
    private enum HeadState {
        case waiting(HeadWaiter?)
        case ready(ResponseHead)
        case delivered
    }

    private enum End {
        case complete
        case failed(HTTPClientError)
    }

    let highWater: Int
    private var head: HeadState = .waiting(nil)
    private var chunks: [[UInt8]] = []
    private var chunkWaiter: ChunkWaiter?
    private var end: End?
    private var paused = false

    /// Bytes received and not yet taken by the consumer.
    private(set) var bufferedBytes = 0
    /// The most bytes ever buffered at once.
    private(set) var peakBufferedBytes = 0
    /// How many times a chunk was refused with `.pause`.
    private(set) var pauseCount = 0

    /// The largest chunk pieces are joined into.
    let joinLimit: Int

    init(highWater: Int) {
        self.highWater = max(1, highWater)
        self.joinLimit = max(1, min(highWater / 4, 64 * 1024))
    }

    /// Whether the transfer completed, failed or was cancelled.
    var hasEnded: Bool { end != nil }

    // MARK: head

    /// What to do with a waiter for the head.
    enum HeadWaitAction {
        case suspend
        case resume(HeadWaiter, Result<ResponseHead, HTTPClientError>)
    }

    /// The consumer waits for the final response head.
    mutating func waitForHead(_ waiter: HeadWaiter) -> HeadWaitAction {
        switch head {
        case .ready(let value):
            head = .delivered
            return .resume(waiter, .success(value))
        case .waiting(nil):
            if case .failed(let error) = end {
                head = .delivered
                return .resume(waiter, .failure(error))
            }
            head = .waiting(waiter)
            return .suspend
        case .waiting(.some), .delivered:
            return .resume(waiter, .failure(HTTPClientError(.transport, "the response head was awaited twice")))
        }
    }

    /// The driver saw the final response head; returns a waiter to resume with it.
    mutating func headArrived(_ value: ResponseHead) -> HeadWaiter? {
        guard end == nil, case .waiting(let waiter) = head else { return nil }
        guard let waiter else {
            head = .ready(value)
            return nil
        }
        head = .delivered
        return waiter
    }

    // MARK: body

    /// What the driver's write callback must answer.
    enum BodyArrivalAction {
        /// Taken into the buffer; `flush`: a consumer is waiting, so the driver must call
        /// `flush()` at the end of its round (one hand-off for all the pieces of the round).
        case accepted(flush: Bool)
        /// Refused for now: return CURL_WRITEFUNC_PAUSE; libcurl offers it again later.
        case pause
        /// The transfer has ended (cancelled): abort it.
        case abort
    }

    /// The driver received body bytes (copied only once accepted: a refused piece costs nothing).
    mutating func bodyArrived(_ piece: LentBytes) -> BodyArrivalAction {
        let bytes = piece.buffer
        guard end == nil else { return .abort }
        if bufferedBytes > 0, bufferedBytes + bytes.count > highWater {
            paused = true
            pauseCount += 1
            return .pause
        }
        if let last = chunks.indices.last, chunks[last].count + bytes.count <= joinLimit {
            chunks[last].append(contentsOf: bytes)
        } else {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(max(bytes.count, min(joinLimit, 4 * bytes.count)))
            chunk.append(contentsOf: bytes)
            chunks.append(chunk)
        }
        bufferedBytes += bytes.count
        peakBufferedBytes = max(peakBufferedBytes, bufferedBytes)
        return .accepted(flush: chunkWaiter != nil)
    }

    /// The driver's round is over: hands the first buffered chunk to the waiting consumer,
    /// if both exist (`unpause` as for `poll()`). The consumer takes the rest without waiting.
    mutating func flush() -> (waiter: ChunkWaiter, chunk: [UInt8], unpause: Bool)? {
        guard let waiter = chunkWaiter, case .chunk(let chunk, let unpause) = poll() else { return nil }
        chunkWaiter = nil
        return (waiter, chunk, unpause)
    }

    /// `bodyArrived` for bytes already in an array (tests).
    mutating func bodyArrived(_ chunk: [UInt8]) -> BodyArrivalAction {
        chunk.withUnsafeBytes { bodyArrived(LentBytes(buffer: $0)) }
    }

    /// What the consumer gets when it asks for the next chunk.
    enum Poll {
        /// A chunk; `unpause` asks the driver to resume the paused transfer.
        case chunk([UInt8], unpause: Bool)
        /// The body is complete.
        case end
        case failed(HTTPClientError)
        /// Nothing yet: suspend with `suspend(_:)`.
        case wait
    }

    /// The consumer asks for the next chunk without waiting.
    mutating func poll() -> Poll {
        if !chunks.isEmpty {
            let chunk = chunks.count == 1 ? chunks.removeLast() : chunks.removeFirst()
            bufferedBytes -= chunk.count
            var unpause = false
            if paused, end == nil, bufferedBytes <= highWater / 2 {
                paused = false
                unpause = true
            }
            return .chunk(chunk, unpause: unpause)
        }
        switch end {
        case .complete: return .end
        case .failed(let error): return .failed(error)
        case nil: return .wait
        }
    }

    /// What to do with a waiter for a chunk.
    enum ChunkWaitAction {
        case suspended
        case resume(ChunkWaiter, Result<[UInt8]?, HTTPClientError>, unpause: Bool)
    }

    /// The consumer waits for the next chunk (after `poll()` said `.wait`; the state may
    /// have moved on since).
    mutating func suspend(_ waiter: ChunkWaiter) -> ChunkWaitAction {
        switch poll() {
        case .chunk(let chunk, let unpause):
            return .resume(waiter, .success(chunk), unpause: unpause)
        case .end:
            return .resume(waiter, .success(nil), unpause: false)
        case .failed(let error):
            return .resume(waiter, .failure(error), unpause: false)
        case .wait:
            guard chunkWaiter == nil else {
                return .resume(
                    waiter, .failure(HTTPClientError(.transport, "a response body has a single consumer")),
                    unpause: false)
            }
            chunkWaiter = waiter
            return .suspended
        }
    }

    // MARK: end

    /// Waiters to resume when the transfer ends.
    struct EndAction {
        var head: (HeadWaiter, HTTPClientError)?
        var chunk: (ChunkWaiter, Result<[UInt8]?, HTTPClientError>)?
    }

    /// The driver finished the transfer (error nil: the body is complete). Ignored after a
    /// cancellation.
    mutating func finished(_ error: HTTPClientError?) -> EndAction {
        guard end == nil else { return EndAction() }
        end = error.map(End.failed) ?? .complete
        var action = EndAction()
        if case .waiting(let waiter?) = head {
            head = .delivered
            action.head = (waiter, error ?? HTTPClientError(.transport, "the transfer ended without a response"))
        }
        if let waiter = chunkWaiter {
            chunkWaiter = nil
            // Pieces of the last round not yet flushed come first; the end is seen after them.
            if case .chunk(let chunk, _) = poll() {
                action.chunk = (waiter, .success(chunk))
            } else {
                action.chunk = (waiter, error.map { .failure($0) } ?? .success(nil))
            }
        }
        return action
    }

    /// What cancelling requires.
    struct CancelAction {
        /// The transfer was still running: the driver must remove it.
        var removeFromDriver = false
        var end = EndAction()
    }

    /// The consumer gives up (task cancelled, body dropped): buffered chunks are dropped,
    /// and waiters fail with `error`.
    mutating func cancel(_ error: HTTPClientError) -> CancelAction {
        chunks.removeAll()
        bufferedBytes = 0
        guard end == nil else { return CancelAction() }
        return CancelAction(removeFromDriver: true, end: finished(error))
    }
}
