import Logging
import MCP

/// One MCP session: the SDK's ``Server`` (initialize and version negotiation, `ping`,
/// `tools/list`, `tools/call`, cancellation) over its own ``MCPSessionTransport``.
final class MCPSession: Sendable {
    /// The `Mcp-Session-Id`: 32 hexadecimal characters from the system RNG.
    let id: String
    let server: Server
    let transport: MCPSessionTransport

    private init(id: String, server: Server, transport: MCPSessionTransport) {
        self.id = id
        self.server = server
        self.transport = transport
    }

    /// Starts a session whose tools are `toolbox`'s.
    static func start(toolbox: MCPToolbox, version: String, maxInFlight: Int, logger: Logger) async throws -> MCPSession {
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
        return MCPSession(id: id, server: server, transport: transport)
    }

    /// Ends the session: calls in flight are cancelled (their queries with them), then the server stops.
    func close() async {
        await transport.close()
        await server.waitUntilCompleted()
        await server.stop()
    }
}
