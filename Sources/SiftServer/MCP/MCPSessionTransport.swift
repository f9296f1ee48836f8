import FoundationEssentials
import Logging
import MCP

/// The SDK ``Transport`` of one MCP session over Streamable HTTP, written for siftd rather than
/// taken from the SDK (docs/architecture.md, "The MCP server", says why).
///
/// Each client request gets its own stream of outgoing messages, which the `/mcp` route writes
/// as the POST's response (Server-Sent Events, or one JSON body): the progress notifications
/// of the request (matched by its `progressToken`), then its response, after which the stream
/// ends. Nothing is kept for replay, and there is no standalone GET stream: the server never
/// sends anything unrelated to a request.
///
/// A request whose client went away before its response (``abandon(_:)``) is cancelled in the
/// ``Server`` exactly as a `notifications/cancelled` from the client would cancel it.
actor MCPSessionTransport: Transport {
    nonisolated let logger: Logger
    /// Requests a session may have in flight at once.
    nonisolated let maxInFlight: Int

    private let incoming: AsyncThrowingStream<Data, any Error>
    private let incomingSink: AsyncThrowingStream<Data, any Error>.Continuation
    private var open: [ID: AsyncStream<Data>.Continuation] = [:]
    private var progressTokens: [ProgressToken: ID] = [:]
    private var closed = false

    init(maxInFlight: Int, logger: Logger) {
        self.maxInFlight = maxInFlight
        self.logger = logger
        (incoming, incomingSink) = AsyncThrowingStream.makeStream()
    }

    /// Requests waiting for their response.
    var inFlight: Int { open.count }

    // MARK: Transport (the SDK's side)

    func connect() async throws {}

    func disconnect() async { close() }

    func receive() -> AsyncThrowingStream<Data, any Error> { incoming }

    /// Routes a message from the server: a response ends its request's stream; a progress
    /// notification goes to the request that gave its token; anything else has no stream to go to.
    func send(_ data: Data) async throws {
        guard !closed else { throw MCPError.connectionClosed }
        let envelope: MCPEnvelope
        do {
            envelope = try MCPEnvelope(data)
        } catch {
            logger.warning("the MCP server sent a message that is not JSON-RPC; dropped")
            return
        }
        switch envelope.kind {
        case .response(let id):
            guard let stream = open.removeValue(forKey: id) else { return }  // cancelled, or its client left
            stream.yield(data)
            stream.finish()
            forgetTokens(of: id)
        case .notification(let method):
            if let token = envelope.progressToken, let id = progressTokens[token], let stream = open[id] {
                stream.yield(data)
            } else {
                logger.debug("an MCP notification with no open request to carry it was dropped", metadata: ["method": "\(method)"])
            }
        case .request(_, let method):
            logger.debug("an MCP request to the client was dropped (siftd offers no server stream)", metadata: ["method": "\(method)"])
        }
    }

    // MARK: The route's side

    /// Hands request `id` to the server and returns what it sends for it: progress notifications,
    /// then the response. Throws when the id is already in flight or the session has too many.
    func begin(_ id: ID, progressToken: ProgressToken?, message: Data) throws(MCPError) -> AsyncStream<Data> {
        guard !closed else { throw .invalidRequest("The session has ended.") }
        guard open[id] == nil else { throw .invalidRequest("Request id \(id) is already in flight in this session.") }
        guard open.count < maxInFlight else {
            throw .serverError(code: -32000, message: "This session has \(maxInFlight) requests in flight; wait for one to finish.")
        }
        let (stream, continuation) = AsyncStream<Data>.makeStream()
        open[id] = continuation
        if let progressToken { progressTokens[progressToken] = id }
        incomingSink.yield(message)
        return stream
    }

    /// Hands a client notification or response to the server. A `notifications/cancelled` also
    /// ends the stream of the request it names: the server sends no response to a cancelled request.
    func deliver(_ message: Data, cancelling: ID?) {
        guard !closed else { return }
        incomingSink.yield(message)
        if let cancelling, let stream = open.removeValue(forKey: cancelling) {
            stream.finish()
            forgetTokens(of: cancelling)
        }
    }

    /// The client of request `id` left before its response: cancel it in the server.
    func abandon(_ id: ID) {
        guard let stream = open.removeValue(forKey: id) else { return }
        stream.finish()
        forgetTokens(of: id)
        cancelInServer(id, reason: "the client disconnected")
    }

    /// Ends the session: every request in flight is cancelled in the server, whose message loop then
    /// ends with the incoming stream.
    func close() {
        guard !closed else { return }
        for (id, stream) in open {
            stream.finish()
            cancelInServer(id, reason: "the session ended")
        }
        open.removeAll()
        progressTokens.removeAll()
        closed = true
        incomingSink.finish()
    }

    private func cancelInServer(_ id: ID, reason: String) {
        guard !closed else { return }
        let notification = CancelledNotification.message(.init(requestId: id, reason: reason))
        guard let data = try? MCPJSON.encoder.encode(notification) else { return }
        incomingSink.yield(data)
    }

    private func forgetTokens(of id: ID) {
        for (token, owner) in progressTokens where owner == id { progressTokens.removeValue(forKey: token) }
    }
}
