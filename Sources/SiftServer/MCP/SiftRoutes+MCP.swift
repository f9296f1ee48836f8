import FoundationEssentials
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import MCP
import NIOCore
import SiftCore

extension SiftRoutes {
    /// `/mcp`: the Model Context Protocol over Streamable HTTP (``MCPEndpoint``).
    func addMCPRoutes(to router: Router<SiftRequestContext>) {
        let logger = Logger(label: "siftd.mcp")
        let toolbox = MCPToolbox(
            runner: runner, queries: queries, pageReader: pageReader, clock: queries.store.clock,
            progressInterval: MCPEndpoint.progressInterval, logger: logger)
        let endpoint = MCPEndpoint(
            toolbox: toolbox, sessions: MCPSessions(limits: .init(), clock: queries.store.clock),
            version: configuration.version, maxBodyBytes: max(configuration.maxBodyBytes, 1 << 20), logger: logger)
        router.post("/mcp") { request, context in await endpoint.post(request, context: context) }
        router.get("/mcp") { _, _ in endpoint.get() }
        router.delete("/mcp") { request, context in await endpoint.delete(request, caller: context.apiKey) }
    }
}

/// The thin Hummingbird adapter between HTTP and the MCP sessions: it checks a request as the
/// Streamable HTTP transport asks (Origin, Accept, Content-Type, `MCP-Protocol-Version`,
/// `Mcp-Session-Id`), finds or starts the session, hands the JSON-RPC message to the session's
/// transport, and writes what comes back: `202` for a notification, or for a request a stream
/// of Server-Sent Events (its progress notifications, then its response) or one JSON body.
///
/// A client that closes the connection before a tool call's result cancels the call (and its query).
/// `GET /mcp` is `405`: siftd sends nothing that is not tied to a request, so there is no server
/// stream to open. `DELETE /mcp` ends the session.
struct MCPEndpoint: Sendable {
    /// Longest time between two progress notifications of a running tool call.
    static let progressInterval: Duration = .seconds(5)
    /// Time between two keep-alives on the stream of a running tool call.
    static let keepAliveInterval: Duration = .seconds(2)

    let toolbox: MCPToolbox
    let sessions: MCPSessions
    let version: String
    let maxBodyBytes: Int
    let logger: Logger

    // MARK: POST

    func post(_ request: HummingbirdCore.Request, context: SiftRequestContext) async -> HummingbirdCore.Response {
        if let refusal = checkOrigin(request) { return refusal }
        let accept = request.headers[.accept]?.lowercased() ?? ""
        let wantsEvents = accept.contains("text/event-stream")
        guard wantsEvents || accept.contains("application/json") || accept.contains("*/*") || accept.isEmpty else {
            return Self.error(.notAcceptable, .invalidRequest("Accept must include application/json and text/event-stream."))
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.split(separator: ";").first?.filter({ $0 != " " && $0 != "\t" }) == "application/json" else {
            return Self.error(.unsupportedMediaType, .invalidRequest("Content-Type must be application/json."))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            return Self.error(.contentTooLarge, .invalidRequest("The message is larger than \(maxBodyBytes) bytes."))
        }
        let bytes = Data(body.readableBytesView)
        let envelope: MCPEnvelope
        do {
            envelope = try MCPEnvelope(bytes)
        } catch {
            return Self.error(.badRequest, error)
        }
        if let version = request.headers[.mcpProtocolVersion], !Version.supported.contains(version) {
            return Self.error(
                .badRequest,
                .invalidRequest("Unsupported MCP-Protocol-Version \(version); siftd speaks \(Version.supported.sorted().joined(separator: ", ")).")
            )
        }

        // The session: a new one for `initialize`, else the one the header names.
        let session: MCPSession
        let sessionHeader = request.headers[.mcpSessionID]
        if case .request(_, let method) = envelope.kind, method == Initialize.name {
            guard sessionHeader == nil else {
                return Self.error(.badRequest, .invalidRequest("initialize starts a new session: send it without Mcp-Session-Id."))
            }
            switch await startSession(caller: context.apiKey) {
            case .success(let started): session = started
            case .failure(let refusal): return refusal.response
            }
        } else {
            guard let sessionHeader else {
                return Self.error(.badRequest, .invalidRequest("Missing Mcp-Session-Id: send initialize first."))
            }
            let found = sessions.use(sessionHeader)
            if let expired = found.expired { await expired.close() }
            // Another key's session is answered as one that does not exist, so ids are not confirmed.
            guard let found = found.session, found.apiKey == context.apiKey?.name || context.apiKey?.allows(.admin) == true
            else {
                return Self.error(.notFound, .invalidRequest("Session \(sessionHeader) is not open (it ended or expired): initialize a new one."))
            }
            session = found
        }

        switch envelope.kind {
        case .notification, .response:
            await session.transport.deliver(bytes, cancelling: envelope.cancelledRequest)
            return HummingbirdCore.Response(status: .accepted, headers: [.mcpSessionID: session.id])
        case .request(let id, let method):
            let messages: AsyncStream<Data>
            do {
                messages = try await session.transport.begin(id, progressToken: envelope.progressToken, message: bytes)
            } catch {
                let status: HTTPResponse.Status = error.code == -32000 ? .tooManyRequests : .badRequest
                return Self.error(status, error, id: id, session: session.id)
            }
            return respond(to: id, method: method, with: messages, in: session, asEvents: wantsEvents)
        }
    }

    /// Writes the messages for request `id`: as Server-Sent Events, each `event: message`, or as one
    /// JSON body (the response alone) for a client that does not take events.
    ///
    /// While a tool call runs, a keep-alive goes out every ``keepAliveInterval`` (an SSE comment, or a
    /// space before the JSON, which JSON allows): it keeps proxies from timing the call out, and the
    /// second write after the client hung up fails (the first only draws the peer's reset), which
    /// abandons the request and cancels its query.
    /// (Hummingbird's `consumeWithCancellationOnInboundClose` would see the hang-up at once, but after
    /// the body has been read, a second request on the same connection makes it trap.)
    private func respond(
        to id: ID, method: String, with messages: AsyncStream<Data>, in session: MCPSession, asEvents: Bool
    ) -> HummingbirdCore.Response {
        var headers: HTTPFields = [.mcpSessionID: session.id, .cacheControl: "no-cache"]
        headers[.contentType] = asEvents ? "text/event-stream" : "application/json"
        if asEvents { headers[.accelBuffering] = "no" }
        let keepsAlive = method == CallTool.name
        let sessions = self.sessions
        let clock = toolbox.clock
        let interval = Self.keepAliveInterval
        let body = ResponseBody { writer in
            // nil is a keep-alive tick.
            let (items, sink) = AsyncStream<Data?>.makeStream()
            var answered = false
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await message in messages { sink.yield(message) }
                        sink.finish()
                    }
                    if keepsAlive {
                        group.addTask {
                            while (try? await clock.sleep(for: interval)) != nil { sink.yield(nil) }
                        }
                    }
                    defer { group.cancelAll() }
                    var buffer = ByteBuffer()
                    if asEvents && keepsAlive {
                        // The head and a comment leave at once, so the client knows its call is running.
                        buffer.writeString(": running\n\n")
                        try await writer.write(buffer)
                    }
                    for await item in items {
                        buffer.clear()
                        switch (item, asEvents) {
                        case (nil, true): buffer.writeString(": keep-alive\n\n")
                        case (nil, false): buffer.writeString(" ")
                        case (let message?, true):
                            buffer.writeString("event: message\ndata: ")
                            buffer.writeBytes(message)
                            buffer.writeString("\n\n")
                        case (let message?, false):
                            // Only the response goes into a JSON body; it is the last message.
                            guard case .response? = (try? MCPEnvelope(message))?.kind else { continue }
                            buffer.writeBytes(message)
                        }
                        try await writer.write(buffer)
                    }
                }
                answered = true
            } catch {}
            if !answered { await session.transport.abandon(id) }
            sessions.touch(session.id)
            try await writer.finish(nil)
        }
        return HummingbirdCore.Response(status: .ok, headers: headers, body: body)
    }

    private func startSession(caller: APIKeyRecord?) async -> Result<MCPSession, ErrorResponse> {
        let session: MCPSession
        do {
            session = try await MCPSession.start(
                toolbox: toolbox, version: version, maxInFlight: sessions.limits.maxInFlight, logger: logger, caller: caller)
        } catch {
            return .failure(.init(response: Self.error(.internalServerError, .internalError("The session could not start: \(error)"))))
        }
        guard let evicted = sessions.insert(session) else {
            await session.close()
            var response = Self.error(
                .serviceUnavailable,
                .serverError(code: -32000, message: "siftd has \(sessions.limits.maxSessions) MCP sessions in use; retry later."))
            response.headers[.retryAfter] = "5"
            return .failure(.init(response: response))
        }
        for old in evicted { await old.close() }
        logger.info("MCP session started", metadata: ["mcp_session": "\(session.id)", "sessions": "\(sessions.count)"])
        return .success(session)
    }

    struct ErrorResponse: Error { var response: HummingbirdCore.Response }

    // MARK: GET, DELETE

    func get() -> HummingbirdCore.Response {
        var response = Self.error(
            .methodNotAllowed,
            .invalidRequest("siftd offers no server stream: every message it sends answers a POST."))
        response.headers[.allow] = "POST, DELETE"
        return response
    }

    func delete(_ request: HummingbirdCore.Request, caller: APIKeyRecord? = nil) async -> HummingbirdCore.Response {
        if let refusal = checkOrigin(request) { return refusal }
        guard let id = request.headers[.mcpSessionID] else {
            return Self.error(.badRequest, .invalidRequest("Missing Mcp-Session-Id."))
        }
        // Another key's session is answered as one that does not exist.
        if let caller, !caller.allows(.admin), let open = sessions.use(id).session, open.apiKey != caller.name {
            return Self.error(.notFound, .invalidRequest("Session \(id) is not open."))
        }
        guard let session = sessions.remove(id) else {
            return Self.error(.notFound, .invalidRequest("Session \(id) is not open."))
        }
        await session.close()
        logger.info("MCP session ended by the client", metadata: ["mcp_session": "\(id)"])
        return HummingbirdCore.Response(status: .noContent)
    }

    // MARK: Checks and errors

    /// DNS-rebinding protection: a browser always sends `Origin` on a POST, and a page that rebound
    /// its own name to this address sends its own. Only loopback origins are let through; clients
    /// that are not browsers send no `Origin`.
    private func checkOrigin(_ request: HummingbirdCore.Request) -> HummingbirdCore.Response? {
        guard let origin = request.headers[.origin]?.lowercased(), origin != "null" else { return nil }
        var host = Substring(origin)
        if let colon = host.firstIndex(of: ":"), host[colon...].hasPrefix("://") { host = host[host.index(colon, offsetBy: 3)...] }
        if host.hasPrefix("[") {
            host = host.prefix { $0 != "]" }.dropFirst()
        } else {
            host = host.prefix { $0 != ":" && $0 != "/" }
        }
        if host == "localhost" || host == "::1" || host.hasPrefix("127.") { return nil }
        return Self.error(.forbidden, .invalidRequest("Origin \(origin) may not use this MCP server."))
    }

    static func error(
        _ status: HTTPResponse.Status, _ error: MCPError, id: ID? = nil, session: String? = nil
    ) -> HummingbirdCore.Response {
        struct Body: Encodable {
            struct Detail: Encodable {
                var code: Int
                var message: String
            }
            var jsonrpc = "2.0"
            var id: ID?
            var error: Detail

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(jsonrpc, forKey: .jsonrpc)
                try container.encode(id, forKey: .id)  // null when the request's id is unknown
                try container.encode(error, forKey: .error)
            }

            enum CodingKeys: String, CodingKey { case jsonrpc, id, error }
        }
        let message = error.errorDescription ?? "\(error)"
        let data = (try? MCPJSON.encoder.encode(Body(id: id, error: .init(code: error.code, message: message)))) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
        if let session { headers[.mcpSessionID] = session }
        return HummingbirdCore.Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension HTTPField.Name {
    /// `Mcp-Session-Id`: the MCP session a request belongs to.
    static let mcpSessionID = HTTPField.Name("Mcp-Session-Id")!
    /// `MCP-Protocol-Version`: the protocol version the client negotiated.
    static let mcpProtocolVersion = HTTPField.Name("MCP-Protocol-Version")!
}
