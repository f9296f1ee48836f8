/// A response whose head has arrived; its body streams after.
///
/// Dropping the response (and every copy of its body) before the body is read to the
/// end aborts the transfer and closes its connection.
public struct HTTPResponse: Sendable {
    /// The status code of the final response.
    public var status: Int
    /// The headers of the final response (after redirects) only. When libcurl decoded a
    /// compressed body, `Content-Encoding` and `Content-Length` still describe the
    /// encoded bytes on the wire.
    public var headers: HTTPHeaders
    /// The URL that answered, after redirects.
    public var url: String
    /// The HTTP version of the final response: "1.1", "1.0" or "2".
    public var httpVersion: String
    /// The body, as it arrives, decoded.
    public var body: HTTPResponseBody
    /// How many attempts it took (1 when the first one answered).
    public var attempts: Int

    /// New connections opened for this response (0: a cached connection was reused).
    @_spi(Testing) public var newConnections: Int

    init(head: ResponseHead, body: HTTPResponseBody, attempts: Int) {
        status = head.status
        headers = head.headers
        url = head.url
        httpVersion = head.httpVersion
        self.body = body
        self.attempts = attempts
        newConnections = head.newConnections
    }
}

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
