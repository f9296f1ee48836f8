import Logging
import MCP

/// One MCP session: the SDK's ``Server`` (initialize and version negotiation, `ping`,
/// `tools/list`, `tools/call`, cancellation) over its own ``MCPSessionTransport``.
final class MCPSession: Sendable {
    /// The `Mcp-Session-Id`: 32 hexadecimal characters from the system RNG.
    let id: String
    let server: Server
    let transport: MCPSessionTransport
    /// The API key that started the session (keys required): only it may use the session.
    var apiKey: String? { caller?.name }
    let caller: APIKeyRecord?

    private init(id: String, server: Server, transport: MCPSessionTransport, caller: APIKeyRecord?) {
        self.id = id
        self.caller = caller
        self.server = server
        self.transport = transport
    }

    /// Starts a session whose tools are `toolbox`'s.
    /// With a `caller` (keys required), its queries are the caller's, under its limits and budgets.
    static func start(
        toolbox: MCPToolbox, version: String, maxInFlight: Int, logger: Logger, caller: APIKeyRecord? = nil
    ) async throws -> MCPSession {
        var configured = toolbox
        configured.caller = caller
        let toolbox = configured
        var generator = SystemRandomNumberGenerator()
        let id = (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
        var logger = logger
        logger[metadataKey: "mcp_session"] = "\(id)"
        let transport = MCPSessionTransport(maxInFlight: maxInFlight, logger: logger)
        let server = Server(
            name: "siftd", version: version, title: "Sift",
            instructions: """
                Sift answers questions from its sources with numbered citations. Use sift_answer for a cited \
                answer, sift_search for ranked passages to read yourself, sift_fetch to read one web page.
                """,
            capabilities: .init(tools: .init(listChanged: false)), configuration: .strict)
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: MCPTools.all) }
        await server.withMethodHandler(SiftCallTool.self) { [transport] parameters in
            try await toolbox.call(parameters, transport: transport)
        }
        try await server.start(transport: transport)
        return MCPSession(id: id, server: server, transport: transport, caller: caller)
    }

    /// Ends the session: calls in flight are cancelled (their queries with them), then the server stops.
    func close() async {
        await transport.close()
        await server.waitUntilCompleted()
        await server.stop()
    }
}
