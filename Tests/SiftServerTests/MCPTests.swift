import FoundationEssentials
import MCP
import SiftCore
import Testing

@testable import SiftServer

/// The MCP server at `/mcp`: message routing, the tools' outputs, and over real loopback HTTP a
/// session's life, a tool call with progress, and cancellation (by notification and by hanging up).
@Suite("MCP server")
struct MCPTests {
    // MARK: Messages

    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, MCPEnvelope.Kind.request(1, method: "ping")),
        (#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"_meta":{"progressToken":5}}}"#, .request("a", method: "tools/call")),
        (#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}"#, .notification(method: "notifications/cancelled")),
        (#"{"jsonrpc":"2.0","id":2,"result":{}}"#, .response(2)),
    ])
    func routesMessages(text: String, kind: MCPEnvelope.Kind) throws {
        let envelope = try MCPEnvelope(Array(text.utf8))
        #expect(envelope.kind == kind)
        if text.contains("progressToken") { #expect(envelope.progressToken == .integer(5)) }
        if text.contains("requestId") { #expect(envelope.cancelledRequest == 3) }
    }

    @Test(arguments: [
        ("", -32700), ("{nope", -32700), ("[]", -32600), ("42", -32700), (#"{"jsonrpc":"2.0","id":1}"#, -32600),
        (#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, -32600), (#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, -32600),
        (#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#, -32600), (#"{"jsonrpc":"2.0","id":1,"method":7}"#, -32600),
    ])
    func refusesWhatIsNoMessage(text: String, code: Int) {
        #expect(throws: MCPError.self) { try MCPEnvelope(Array(text.utf8)) }
        do {
            _ = try MCPEnvelope(Array(text.utf8))
        } catch {
            #expect(error.code == code, "\(text)")
        }
    }

    // MARK: Tool outputs

    @Test func answerTextEndsWithTheCitedSources() {
        var document = AnswerDocument(id: QueryID())
        document.outcome = .complete
        document.answer = "Canberra is the capital [2][3]. "
        document.sources = (1...4).map { Source(n: $0, url: "kb://w/\($0)", title: "T\($0)", snippet: "", providers: ["kb"], score: 1) }
        let output = MCPAnswerOutput(document)
        #expect(output.answered)
        #expect(output.sources.map { $0.cited } == [false, true, true, false])
        #expect(output.text == "Canberra is the capital [2][3].\n\nSources:\n[2] T2 — kb://w/2\n[3] T3 — kb://w/3")
        #expect(MCPAnswerOutput.citations(in: "a [1] b [x] [12][3 c [] [4]") == [1, 12, 4])
    }

    @Test func toolsAreReadOnlyOpenWorldWithOutputSchemas() {
        #expect(MCPTools.all.map(\.name) == ["sift_answer", "sift_search", "sift_fetch"])
        for tool in MCPTools.all {
            #expect(tool.annotations.readOnlyHint == true)
            #expect(tool.annotations.openWorldHint == true)
            #expect(tool.outputSchema?.objectValue?["type"] == "object")
        }
    }

    @Test func argumentsAreCheckedAgainstTheSchema() throws {
        #expect(try MCPToolbox.ParsedCall("sift_answer", ["question": "why"]) == .answer(question: "why", session: nil, controls: .init()))
        #expect(try MCPToolbox.ParsedCall("sift_search", ["query": "x", "max_passages": 3.0]) == .search(query: "x", maxPassages: 3, controls: .init()))
        // The search controls, as the HTTP routes take them: a list, or a comma string.
        let controlled = try MCPToolbox.ParsedCall(
            "sift_search", ["query": "x", "sites": ["docs.python.org", "-pinterest.com"], "freshness": "week", "providers": "kb", "max_sources": 3, "lang": "de"])
        guard case .search(_, _, let controls) = controlled else { Issue.record("not a search"); return }
        #expect(controls.sites.map(\.text) == ["docs.python.org", "-pinterest.com"])
        #expect(controls.freshness == .week && controls.providers == ["kb"] && controls.maxSources == 3 && controls.language == "de")
        #expect(throws: MCPError.self) { try MCPToolbox.ParsedCall("sift_answer", ["question": "q", "freshness": "fortnight"]) }
        #expect(throws: MCPError.self) { try MCPToolbox.ParsedCall("sift_answer", ["question": "q", "sites": [1]]) }
        #expect(throws: MCPError.self) { try MCPToolbox.ParsedCall("sift_answer", [:]) }
        #expect(throws: MCPError.self) { try MCPToolbox.ParsedCall("sift_answer", ["question": "  "]) }
        #expect(throws: MCPError.self) { try MCPToolbox.ParsedCall("sift_search", ["query": "x", "max_passages": 0]) }
        #expect(throws: MCPError.self) { try MCPToolbox.ParsedCall("sift_fetch", ["url": "file:///etc/passwd"]) }
        #expect(throws: MCPError.self) { try MCPToolbox.ParsedCall("sift_fetch", ["url": "https://a.example", "depth": 2]) }
    }

    // MARK: The session table

    @Test func sessionsAreBoundedExpireAndNeverPushOutOneInUse() async throws {
        let hand = HandClock()
        let harness = ResumableQueryTests().harness()
        let toolbox = MCPToolbox(
            runner: ScriptedRunner.answering(), queries: harness.routes.queries, pageReader: nil, clock: hand.server,
            progressInterval: .seconds(5), logger: testLogger())
        let sessions = MCPSessions(limits: .init(maxSessions: 2, idleTimeout: .seconds(600), evictableAfter: .seconds(30)), clock: hand.server)
        func start() async throws -> MCPSession {
            try await MCPSession.start(toolbox: toolbox, version: "test", maxInFlight: 2, logger: testLogger())
        }
        let first = try await start()
        let second = try await start()
        #expect(first.id != second.id && first.id.utf8.count == 32)
        #expect(sessions.insert(first)?.isEmpty == true)
        hand.advance(.seconds(10))
        #expect(sessions.insert(second)?.isEmpty == true)
        // Full, and both used within 30 s: a third is refused, and nobody is pushed out.
        let third = try await start()
        #expect(sessions.insert(third) == nil)
        #expect(sessions.count == 2)
        await third.close()
        // Once the least recently used has been idle for 30 s, a new session replaces it.
        hand.advance(.seconds(25))
        #expect(sessions.use(second.id).session === second)  // second is in use; first idle for 35 s
        let fourth = try await start()
        let evicted = try #require(sessions.insert(fourth))
        #expect(evicted.map(\.id) == [first.id])
        #expect(sessions.use(first.id).session == nil)
        for session in evicted { await session.close() }
        // A session idle past its timeout is gone, and handed back to be closed.
        hand.advance(.seconds(601))
        let expired = sessions.use(second.id)
        #expect(expired.session == nil && expired.expired === second)
        for session in [second, fourth] { await session.close() }
    }

    // MARK: Over HTTP

    static let jsonAndEvents = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]

    /// Starts a session (initialize, then initialized) and returns its id.
    static func initialize(port: Int) async throws -> String {
        let response = try await Loopback.exchange(
            port: port, "POST", "/mcp", headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#
        )
        #expect(response.status == 200)
        #expect(response.body.contains(#""protocolVersion":"2025-06-18""#), "\(response.body)")
        let session = try #require(response.headers["mcp-session-id"])
        let initialized = try await Loopback.exchange(
            port: port, "POST", "/mcp", headers: jsonAndEvents + [("Mcp-Session-Id", session)],
            body: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        #expect(initialized.status == 202)
        return session
    }

    @Test func aToolCallStreamsProgressThenItsResult() async throws {
        let harness = ResumableQueryTests().harness(ScriptedRunner.answering(deltas: 3))
        try await harness.serve { port in
            let session = try await Self.initialize(port: port)
            let listed = try await Loopback.exchange(
                port: port, "POST", "/mcp", headers: Self.jsonAndEvents + [("Mcp-Session-Id", session)],
                body: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
            #expect(listed.headers["content-type"] == "text/event-stream")
            #expect(listed.body.contains(#""readOnlyHint":true"#))
            let call = try await Loopback.exchange(
                port: port, "POST", "/mcp", headers: Self.jsonAndEvents + [("Mcp-Session-Id", session)],
                body: #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"sift_answer","arguments":{"question":"q"},"_meta":{"progressToken":"p"}}}"#
            )
            let messages = parseSSE(call.body).frames.map(\.data)
            #expect(messages.count >= 2, "\(call.body)")
            #expect(messages.first?.contains(#""method":"notifications/progress""#) == true)
            #expect(messages.first?.contains(#""progressToken":"p""#) == true)
            let result = try #require(messages.last)
            #expect(result.contains(#""id":2"#))
            #expect(result.contains(#""answer":"w0 w1 w2 ""#), "\(result)")
            #expect(result.contains(#""answered":true"#))
            #expect(result.contains(#""structuredContent""#))
            let ended = try await Loopback.exchange(port: port, "DELETE", "/mcp", headers: [("Mcp-Session-Id", session)])
            #expect(ended.status == 204)
            let gone = try await Loopback.exchange(
                port: port, "POST", "/mcp", headers: Self.jsonAndEvents + [("Mcp-Session-Id", session)],
                body: #"{"jsonrpc":"2.0","id":3,"method":"ping"}"#)
            #expect(gone.status == 404)
        }
    }

    @Test(arguments: [false, true])
    func cancellingACallCancelsItsQuery(byHangingUp: Bool) async throws {
        let (started, startedSink) = AsyncStream<Void>.makeStream()
        let harness = ResumableQueryTests().harness(ScriptedRunner.untilCancelled(started: startedSink))
        try await harness.serve { port in
            let session = try await Self.initialize(port: port)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try await Loopback.exchange(
                        port: port, "POST", "/mcp", headers: Self.jsonAndEvents + [("Mcp-Session-Id", session)],
                        body: #"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"sift_answer","arguments":{"question":"q"}}}"#,
                        until: { byHangingUp && $0.body.contains(": running") })
                }
                for await _ in started { break }
                #expect(harness.registry.activeCount == 1)
                if !byHangingUp {
                    let cancel = try await Loopback.exchange(
                        port: port, "POST", "/mcp", headers: Self.jsonAndEvents + [("Mcp-Session-Id", session)],
                        body: #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9,"reason":"t"}}"#)
                    #expect(cancel.status == 202)
                }
                try await group.waitForAll()  // the call's stream ends
                try await ResumableQueryTests.poll { harness.registry.activeCount == 0 }
            }
        }
    }
}
