import Synchronization

/// One attempt at a request: the meeting point of the driver thread, which produces
/// the head, body chunks and end, and the task that consumes them.
///
/// The libcurl easy handle is not here: it belongs to the driver thread (`EasyTransfer`).
final class Transfer: Sendable {
    typealias HeadWaiter = CheckedContinuation<ResponseHead, any Error>
    typealias ChunkWaiter = CheckedContinuation<[UInt8]?, any Error>

    let request: PreparedRequest
    private let driver: CurlDriver
    private let state: Mutex<TransferStateMachine<HeadWaiter, ChunkWaiter>>

    init(request: PreparedRequest, driver: CurlDriver, bufferBytes: Int) {
        self.request = request
        self.driver = driver
        self.state = Mutex(TransferStateMachine(highWater: bufferBytes))
    }

    // MARK: consumer side

    /// Hands the transfer to the driver and waits for the final response head.
    func start() async throws -> ResponseHead {
        guard !Task.isCancelled else {
            throw HTTPClientError(.cancelled, "the request to \(request.host) was cancelled before it started")
        }
        guard driver.submit(.add(self)) else {
            throw HTTPClientError(.shutdown, "the HTTP client was shut down before the request to \(request.host)")
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: HeadWaiter) in
                switch state.withLock({ $0.waitForHead(waiter) }) {
                case .suspend:
                    break
                case .resume(let waiter, let result):
                    waiter.resume(with: result)
                }
            }
        } onCancel: {
            cancel(HTTPClientError(.cancelled, "the request to \(request.host) was cancelled"))
        }
    }

    /// The next body chunk, nil at the end of the body.
    func next() async throws -> [UInt8]? {
        switch state.withLock({ $0.poll() }) {
        case .chunk(let chunk, let unpause):
            if unpause { _ = driver.submit(.unpause(self)) }
            return chunk
        case .end:
            return nil
        case .failed(let error):
            throw error
        case .wait:
            break
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: ChunkWaiter) in
                switch state.withLock({ $0.suspend(waiter) }) {
                case .suspended:
                    break
                case .resume(let waiter, let result, let unpause):
                    if unpause { _ = driver.submit(.unpause(self)) }
                    waiter.resume(with: result)
                }
            }
        } onCancel: {
            cancel(HTTPClientError(.cancelled, "reading the response body from \(request.host) was cancelled"))
        }
    }

    /// Gives up on the transfer: waiters fail with `error`, and the driver removes the
    /// transfer (closing its connection) if it is still running.
    func cancel(_ error: HTTPClientError) {
        let action = state.withLock { $0.cancel(error) }
        if action.removeFromDriver {
            _ = driver.submit(.remove(self))
        }
        Self.perform(action.end)
    }

    /// The most body bytes buffered at once, for tests of backpressure.
    var peakBufferedBytes: Int { state.withLock { $0.peakBufferedBytes } }

    /// How often the driver paused the transfer because the consumer was behind.
    var pauseCount: Int { state.withLock { $0.pauseCount } }

    // MARK: driver side

    /// Whether the transfer is over (the driver skips an ended transfer it has not yet added).
    var hasEnded: Bool { state.withLock { $0.hasEnded } }

    /// The driver saw the final response head.
    func headArrived(_ head: ResponseHead) {
        if let waiter = state.withLock({ $0.headArrived(head) }) {
            waiter.resume(returning: head)
        }
    }

    /// What the write callback answers libcurl.
    enum BodyVerdict {
        /// Taken; `flush`: call `flush()` once the driver's round is over.
        case accepted(flush: Bool)
        case pause
        case abort
    }

    /// The driver received body bytes: copied once, under the lock, onto the buffer (never
    /// when refused).
    func bodyArrived(_ bytes: UnsafeRawBufferPointer) -> BodyVerdict {
        let piece = LentBytes(buffer: bytes)
        switch state.withLock({ $0.bodyArrived(piece) }) {
        case .accepted(let flush):
            return .accepted(flush: flush)
        case .pause:
            return .pause
        case .abort:
            return .abort
        }
    }

    /// The driver's round is over: wakes a consumer waiting for body bytes that arrived.
    func flush() {
        guard let (waiter, chunk, unpause) = state.withLock({ $0.flush() }) else { return }
        if unpause { _ = driver.submit(.unpause(self)) }
        waiter.resume(returning: chunk)
    }

    /// The driver finished the transfer (nil: complete).
    func finished(_ error: HTTPClientError?) {
        Self.perform(state.withLock { $0.finished(error) })
    }

    private static func perform(_ action: TransferStateMachine<HeadWaiter, ChunkWaiter>.EndAction) {
        if let (waiter, error) = action.head {
            waiter.resume(throwing: error)
        }
        if let (waiter, result) = action.chunk {
            waiter.resume(with: result)
        }
    }
}
