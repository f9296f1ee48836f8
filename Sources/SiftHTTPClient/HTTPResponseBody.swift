/// A response body as chunks of bytes, in order, as they arrive; at most
/// `HTTPClient.Configuration.bodyBufferBytes` wait in memory, beyond that the transfer
/// is paused until the consumer catches up.
///
/// Single consumer: iterate it once. Cancelling the iterating task aborts the transfer;
/// so does dropping the body unread.
public struct HTTPResponseBody: AsyncSequence, Sendable {
    /// A chunk of body bytes.
    public typealias Element = [UInt8]

    private let owner: BodyOwner

    init(transfer: Transfer) {
        owner = BodyOwner(transfer: transfer)
    }

    /// Iterates the chunks.
    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let owner: BodyOwner

        /// The next chunk, or nil at the end of the body. Throws `HTTPClientError` when
        /// the transfer fails, times out or is cancelled.
        public mutating func next() async throws -> [UInt8]? {
            try await owner.transfer.next()
        }
    }

    /// Starts iterating the body.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(owner: owner)
    }

    /// Reads the whole body; throws `.bodyTooLarge` (and aborts the transfer) once it
    /// exceeds `maxBytes`.
    public func collect(upTo maxBytes: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in self {
            guard bytes.count + chunk.count <= maxBytes else {
                let error = HTTPClientError(
                    .bodyTooLarge, "the body from \(owner.transfer.request.host) is larger than the \(maxBytes)-byte limit")
                owner.transfer.cancel(error)
                throw error
            }
            bytes += chunk
        }
        return bytes
    }

    /// Aborts the transfer if it is still running and drops what is buffered.
    func discard(_ reason: String) {
        owner.transfer.cancel(HTTPClientError(.cancelled, reason))
    }

    /// The most bytes this body ever held in its buffer at once.
    @_spi(Testing) public var peakBufferedBytes: Int { owner.transfer.peakBufferedBytes }

    /// How often the transfer was paused because the consumer was behind.
    @_spi(Testing) public var pauseCount: Int { owner.transfer.pauseCount }
}

/// Aborts the transfer when the last copy of the body (or its iterator) goes away.
private final class BodyOwner: Sendable {
    let transfer: Transfer

    init(transfer: Transfer) {
        self.transfer = transfer
    }

    deinit {
        transfer.cancel(HTTPClientError(.cancelled, "the response body from \(transfer.request.host) was dropped unread"))
    }
}
