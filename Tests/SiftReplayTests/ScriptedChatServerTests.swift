import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiftReplay
import Testing

/// The scripted chat server over live loopback HTTP (a streamed answer watches its
/// connection, which the in-process router tester does not have).
@Suite struct ScriptedChatServerTests {
    static let streamingBody = #"""
        {"model":"smollm2","messages":[{"role":"system","content":"Use the sources."},{"role":"user","content":"Where?"}],"max_tokens":64,"temperature":0.2,"stop":"\n\n","stream":true,"stream_options":{"include_usage":true}}
        """#

    func post(
        _ client: any TestClientProtocol, _ body: String, uri: String = "/v1/chat/completions"
    ) async throws -> TestResponse {
        try await client.execute(
            uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }

    /// The `data:` payloads of an event-stream body, split on `lineEnding`.
    func dataLines(_ text: String, lineEnding: String = "\n") -> [String] {
        text.split(separator: lineEnding + lineEnding).map { event in
            #expect(event.hasPrefix("data: "), "\(event)")
            return String(event.dropFirst(6))
        }
    }

    func json(_ text: String) throws -> JSON {
        try JSON.parse(ByteBuffer(string: text))
    }

    @Test func streamsOpenAIChunksThenFinishUsageAndDone() async throws {
        let server = ScriptedChatServer()
        try await Application(router: server.router()).test(.live) { client in
            let response = try await post(client, Self.streamingBody)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let lines = dataLines(response.text)
            #expect(lines.last == "[DONE]")
            let chunks = try lines.dropLast().map(json)
            // A role chunk, a chunk per token, the finishing chunk, the usage chunk.
            #expect(chunks.count == 1 + ChatScript.defaultAnswer.count + 2)
            for chunk in chunks {
                #expect(chunk["id"]?.string == "chatcmpl-scripted-1")
                #expect(chunk["object"]?.string == "chat.completion.chunk")
                #expect(chunk["created"]?.int == 1_735_689_600)
                #expect(chunk["model"]?.string == "smollm2")
            }
            #expect(chunks[0]["choices"]?[0]?["delta"] == .object(["role": .string("assistant"), "content": .string("")]))
            let contents = chunks[1...ChatScript.defaultAnswer.count].map { chunk in
                #expect(chunk["choices"]?[0]?["index"]?.int == 0)
                #expect(chunk["choices"]?[0]?["finish_reason"] == .null, "present, and null")
                return chunk["choices"]?[0]?["delta"]?["content"]?.string ?? "?"
            }
            #expect(contents == ChatScript.defaultAnswer)
            let finishing = chunks[chunks.count - 2]
            #expect(finishing["choices"]?[0]?["finish_reason"]?.string == "stop")
            #expect(finishing["choices"]?[0]?["delta"] == .object([:]))
            let usage = chunks[chunks.count - 1]
            #expect(usage["choices"] == .array([]))
            #expect(usage["usage"]?["completion_tokens"]?.int == ChatScript.defaultAnswer.count)
            #expect(usage["usage"]?["prompt_tokens"]?.int == 4 + 3 + 4 + 1)
            #expect(usage["usage"]?["total_tokens"]?.int == 12 + ChatScript.defaultAnswer.count)
        }
    }

    @Test func recordsEachRequestAndWhenItsFirstTokenWasWritten() async throws {
        let server = ScriptedChatServer()
        try await Application(router: server.router()).test(.live) { client in
            _ = try await post(client, Self.streamingBody)
        }
        let seen = try #require(server.requests.first)
        #expect(seen.index == 1 && seen.status == 200)
        #expect(seen.model == "smollm2" && seen.maxTokens == 64 && seen.temperature == 0.2)
        #expect(seen.stop == ["\n\n"], "a single stop string reads as a list of one")
        #expect(seen.stream && seen.includeUsage)
        #expect(seen.messages == [.init(role: "system", content: "Use the sources."), .init(role: "user", content: "Where?")])
        #expect(seen.header("Content-Type") == "application/json")
        let first = try #require(seen.firstTokenAt)
        let finished = try #require(seen.finishedAt)
        #expect(seen.receivedAt <= first && first <= finished)
        #expect(finished <= ScriptedChatServer.monotonicNanoseconds())
        #expect(seen.tokensSent == ChatScript.defaultAnswer.count && seen.completed && !seen.clientWentAway)
    }

    @Test func usageOnlyWhenAskedAndTimingsWhenScripted() async throws {
        var script = ChatScript(tokens: ["a", "b"])
        script.sendsTimings = true
        script.lineEnding = "\r\n"
        let server = ScriptedChatServer(script: script)
        try await Application(router: server.router()).test(.live) { client in
            let body = #"{"model":"m","messages":[{"role":"user","content":"q"}],"stream":true}"#
            let lines = dataLines(try await post(client, body).text, lineEnding: "\r\n")
            let chunks = try lines.dropLast().map(json)
            #expect(chunks.allSatisfy { $0["usage"] == nil }, "not asked for")
            let last = try #require(chunks.last)
            #expect(last["choices"]?[0]?["finish_reason"]?.string == "stop")
            #expect(last["timings"]?["predicted_n"]?.int == 2)
            #expect(last["timings"]?["predicted_per_second"]?.number != nil)
        }
    }

    @Test func maxTokensCutsTheAnswerShort() async throws {
        let server = ScriptedChatServer()
        try await Application(router: server.router()).test(.live) { client in
            let body = #"{"model":"m","messages":[{"role":"user","content":"q"}],"max_tokens":2,"stream":true}"#
            let chunks = try dataLines(try await post(client, body).text).dropLast().map(json)
            #expect(chunks.count == 1 + 2 + 1)
            #expect(chunks.last?["choices"]?[0]?["finish_reason"]?.string == "length")
        }
    }

    @Test func aRequestThatDoesNotStreamGetsAWholeCompletion() async throws {
        let server = ScriptedChatServer()
        try await Application(router: server.router()).test(.router) { client in
            let body = #"{"model":"m","messages":[{"role":"user","content":"q"}]}"#
            let response = try await post(client, body)
            #expect(response.headers[.contentType] == "application/json")
            let completion = try response.json()
            #expect(completion["object"]?.string == "chat.completion")
            #expect(completion["choices"]?[0]?["message"]?["content"]?.string == ChatScript.defaultAnswer.joined())
            #expect(completion["choices"]?[0]?["message"]?["role"]?.string == "assistant")
            #expect(completion["choices"]?[0]?["finish_reason"]?.string == "stop")
            #expect(completion["usage"]?["completion_tokens"]?.int == ChatScript.defaultAnswer.count)
        }
        #expect(server.requests.first?.completed == true)
    }

    @Test func jsonInsteadOfStreamIgnoresStreamTrue() async throws {
        let server = ScriptedChatServer(script: ChatScript(behaviour: .jsonInsteadOfStream))
        try await Application(router: server.router()).test(.router) { client in
            let response = try await post(client, Self.streamingBody)
            #expect(try response.json()["object"]?.string == "chat.completion")
        }
    }

    @Test func anInvalidBodyIsAnOpenAIError() async throws {
        let server = ScriptedChatServer()
        try await Application(router: server.router()).test(.router) { client in
            for body in ["{not json", #"{"model":"m"}"#] {
                let response = try await post(client, body)
                #expect(response.status == .badRequest)
                let error = try response.json()["error"]
                #expect(error?["type"]?.string == "invalid_request_error")
                #expect(error?["param"] == .null && error?["code"] == .null)
                #expect(error?["message"]?.string?.isEmpty == false)
            }
        }
        #expect(server.requests.isEmpty)
    }

    @Test func rateLimitedThenAnswered() async throws {
        let server = ScriptedChatServer(script: ChatScript(behaviour: .rateLimited(retryAfterSeconds: 7, times: 1)))
        try await Application(router: server.router()).test(.live) { client in
            let limited = try await post(client, Self.streamingBody)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "7")
            #expect(try limited.json()["error"]?["code"]?.string == "rate_limit_exceeded")
            #expect(try await post(client, Self.streamingBody).status == .ok)
        }
        #expect(server.requests.map(\.status) == [429, 200])
    }

    @Test func aScriptedStatusForTheFirstRequestsOnly() async throws {
        let body = #"{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}"#
        let server = ScriptedChatServer(script: ChatScript(behaviour: .status(503, body: body, times: 1)))
        try await Application(router: server.router()).test(.live) { client in
            let first = try await post(client, Self.streamingBody)
            #expect(first.status == .serviceUnavailable && first.text == body)
            #expect(first.headers[.contentType] == "application/json")
            #expect(try await post(client, Self.streamingBody).status == .ok)
        }
    }

    @Test func anErrorObjectAfterKTokensEndsTheStream() async throws {
        let server = ScriptedChatServer(script: ChatScript(behaviour: .errorObjectAt(3)))
        try await Application(router: server.router()).test(.live) { client in
            let lines = dataLines(try await post(client, Self.streamingBody).text)
            #expect(lines.count == 1 + 3 + 1, "role chunk, three tokens, the error; no [DONE]")
            let error = try json(try #require(lines.last))["error"]
            #expect(error?["type"]?.string == "server_error")
        }
    }

    @Test func aMalformedChunkAfterKTokens() async throws {
        let server = ScriptedChatServer(script: ChatScript(behaviour: .malformedChunkAt(1)))
        try await Application(router: server.router()).test(.live) { client in
            let lines = dataLines(try await post(client, Self.streamingBody).text)
            #expect(throws: (any Error).self) { try json(lines[2]) }
            #expect(lines.last == "[DONE]")
        }
    }

    @Test func modelsAndStats() async throws {
        let server = ScriptedChatServer(modelName: "scripted-test")
        try await Application(router: server.router()).test(.live) { client in
            let models = try await client.execute(uri: "/v1/models", method: .get).json()
            #expect(models["object"]?.string == "list")
            #expect(models["data"]?[0]?["id"]?.string == "scripted-test")

        }
        // A streamed answer closes its connection: a new one for the stats.
        try await Application(router: server.router()).test(.live) { client in
            _ = try await post(client, Self.streamingBody)
        }
        try await Application(router: server.router()).test(.live) { client in
            let stats = try await client.execute(uri: "/stats", method: .get).json()
            #expect(stats["requests"]?.int == 1 && stats["completed"]?.int == 1)
            #expect(stats["tokens_sent"]?.int == ChatScript.defaultAnswer.count)
            #expect(stats["client_went_away"]?.int == 0)
            let entry = stats["entries"]?[0]
            #expect(entry?["model"]?.string == "smollm2" && entry?["max_tokens"]?.int == 64 && entry?["messages"]?.int == 2)
            #expect((entry?["first_token_ns"]?.number ?? 0) >= (entry?["received_ns"]?.number ?? .infinity))
            #expect(entry?["client_went_away"]?.bool == false)

            let reset = try await client.execute(uri: "/stats/reset", method: .post).json()
            #expect(reset["requests"]?.int == 0 && reset["entries"]?.array?.isEmpty == true)
        }
        #expect(server.stats.requests == 0)
    }

    @Test func benchmarkAnswersAreDeterministicAndPaced() {
        let tokens = ChatScript.answerTokens(count: 25)
        #expect(tokens.count == 25)
        #expect(tokens.joined().hasPrefix("The answer is in the sources [1]. The answer is in the sources [2]. The"))
        #expect(ChatScript.answerTokens(count: 25) == tokens)
        var script = ChatScript()
        script.tokensPerSecond = 50
        #expect(script.tokenInterval == .milliseconds(20))
        #expect(abs(script.tokensPerSecond - 50) < 1e-9)
    }

    @Test func givenTextIsStreamedInWordPieces() {
        #expect(ChatScript.wordPieces("Hello <b>world</b>  again [1].") == ["Hello", " <b>world</b>", "  again", " [1]."])
        #expect(ChatScript.wordPieces(" lead").joined() == " lead")
        #expect(ChatScript.wordPieces("").isEmpty)
    }
}
