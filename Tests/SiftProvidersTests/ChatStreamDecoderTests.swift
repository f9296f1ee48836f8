import Testing

@testable import SiftProviders

let llmContext = LLMErrorContext(baseURL: "http://127.0.0.1:8080/v1", model: "m", hasAPIKey: false, maxRetryAfter: .seconds(10))

@Suite("Chat stream decoder")
struct ChatStreamDecoderTests {
    func decode(_ datas: [String]) throws(LLMError) -> (events: [ChatStreamEvent], decoder: ChatStreamDecoder) {
        var decoder = ChatStreamDecoder(context: llmContext)
        var events: [ChatStreamEvent] = []
        for data in datas { events += try decoder.decode(ServerSentEvent(data: data)) }
        return (events, decoder)
    }

    /// An OpenAI stream: role chunk with empty content, content, finish, usage chunk, [DONE].
    @Test func anOpenAIStream() throws {
        let (events, decoder) = try decode([
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}]}"#,
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#,
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]}"#,
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#,
            "[DONE]",
        ])
        #expect(events == [
            .content("Hel"), .content("lo"), .finished(reason: "stop"),
            .usage(ChatUsage(promptTokens: 9, completionTokens: 2)),
        ])
        #expect(decoder.isDone)
        try decoder.finish()
    }

    /// llama-server: a role chunk with `content: null`, and timings on the last chunk.
    @Test func aLlamaServerStreamWithTimings() throws {
        let (events, _) = try decode([
            #"{"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1,"id":"x","model":"smol","system_fingerprint":"b1","object":"chat.completion.chunk"}"#,
            #"{"choices":[{"finish_reason":null,"index":0,"delta":{"content":"Hi"}}],"created":1,"id":"x","model":"smol","object":"chat.completion.chunk"}"#,
            #"{"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1,"id":"x","model":"smol","object":"chat.completion.chunk"}"#,
            #"{"choices":[],"created":1,"id":"x","model":"smol","object":"chat.completion.chunk","usage":{"completion_tokens":1,"prompt_tokens":20,"total_tokens":21},"timings":{"cache_n":0,"prompt_n":20,"prompt_ms":40.5,"prompt_per_token_ms":2.0,"prompt_per_second":493.8,"predicted_n":1,"predicted_ms":12.0,"predicted_per_token_ms":12.0,"predicted_per_second":83.3}}"#,
            "[DONE]",
        ])
        #expect(events == [
            .content("Hi"), .finished(reason: "length"), .usage(ChatUsage(promptTokens: 20, completionTokens: 1)),
            .timings(ChatTimings(predictedPerSecond: 83.3, promptPerSecond: 493.8, predictedTokens: 1, promptTokens: 20)),
        ])
    }

    @Test func doneWithoutAFinishReasonFinishesWithNone() throws {
        let (events, decoder) = try decode([#"{"choices":[{"index":0,"delta":{"content":"x"}}]}"#, "[DONE]", #"{"ignored":true}"#])
        #expect(events == [.content("x"), .finished(reason: nil)])
        #expect(decoder.isDone)
    }

    @Test func aStreamCutShortIsMalformedButAFinishedOneWithoutDoneIsNot() throws {
        let (_, cut) = try decode([#"{"choices":[{"index":0,"delta":{"content":"x"}}]}"#])
        #expect(throws: LLMError.self) { try cut.finish() }
        do {
            try cut.finish()
        } catch {
            #expect(error.kind == .malformed)
        }
        let (_, finished) = try decode([#"{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}"#])
        try finished.finish()
    }

    @Test(arguments: [
        #"{"choices":[{"index":0,"delta":{"content":"tr"#,
        "not json at all",
        #"[1, 2, 3]"#,
        #"{"choices":"nope"}"#,
        #"{"choices":[{"index":0,"delta":{"content":42}}]}"#,
    ])
    func dataThatIsNotAChunkIsMalformed(_ data: String) throws {
        do {
            _ = try decode([data])
            Issue.record("no error")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.message.contains("SIFT_LLM_URL"))
        }
    }

    @Test func anErrorObjectInTheStreamIsUpstream() throws {
        do {
            _ = try decode([
                #"{"choices":[{"index":0,"delta":{"content":"x"}}]}"#,
                #"{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"#,
            ])
            Issue.record("no error")
        } catch {
            #expect(error.kind == .upstream)
            #expect(error.code == "upstream_error")
            #expect(error.message.contains("The server had an error while processing your request. (server_error)"))
        }
    }

    @Test func anErrorEventIsUpstreamWhateverItsData() throws {
        for data in [#"{"error":{"message":"boom"}}"#, #"{"message":"boom"}"#, "boom"] {
            var decoder = ChatStreamDecoder(context: llmContext)
            #expect(throws: LLMError.self) { try decoder.decode(ServerSentEvent(type: "error", data: data)) }
            do {
                _ = try decoder.decode(ServerSentEvent(type: "error", data: data))
            } catch {
                #expect(error.kind == .upstream && error.message.contains("boom"), "\(data)")
            }
        }
    }

    @Test func otherNamedEventsAndEmptyDataAreIgnored() throws {
        var decoder = ChatStreamDecoder(context: llmContext)
        #expect(try decoder.decode(ServerSentEvent(type: "ping", data: "whatever")).isEmpty)
        #expect(try decoder.decode(ServerSentEvent(data: "")).isEmpty)
    }

    @Test func aWholeCompletionYieldsContentUsageThenFinished() throws {
        let body = #"{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"All of it."},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}"#
        let events = try ChatStreamDecoder.completion(Array(body.utf8), context: llmContext)
        #expect(events == [.content("All of it."), .usage(ChatUsage(promptTokens: 5, completionTokens: 3)), .finished(reason: "stop")])
    }
}
