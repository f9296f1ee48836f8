import SiftHTTPClient
import Testing

@testable import SiftProviders

@Suite("LLM errors")
struct LLMErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var status: Int
        var body: String
        var kind: LLMError.Kind
        var testDescription: String { "HTTP \(status) → \(kind.code)" }
    }

    @Test(arguments: [
        Case(status: 401, body: #"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#, kind: .unauthorized),
        Case(status: 403, body: "Forbidden", kind: .unauthorized),
        Case(status: 429, body: #"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#, kind: .rateLimited),
        Case(status: 400, body: #"{"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#, kind: .contextOverflow),
        Case(status: 400, body: #"{"error":{"code":400,"message":"request (5000 tokens) exceeds the available context size (2048 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":2048}}"#, kind: .contextOverflow),
        Case(status: 400, body: #"{"object":"error","message":"The input is too long for the model's context window","type":"BadRequestError","code":400}"#, kind: .contextOverflow),
        Case(status: 400, body: #"{"error":{"message":"'messages' is a required property","type":"invalid_request_error","param":null,"code":null}}"#, kind: .badRequest),
        Case(status: 422, body: #"{"detail":"Unprocessable"}"#, kind: .badRequest),
        Case(status: 404, body: "File Not Found", kind: .modelNotFound),
        Case(status: 400, body: #"{"error":{"message":"The model `gpt-9` does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#, kind: .modelNotFound),
        Case(status: 500, body: #"{"error":{"code":500,"message":"internal","type":"server_error"}}"#, kind: .server),
        Case(status: 503, body: #"{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}"#, kind: .server),
        Case(status: 302, body: "", kind: .badRequest),
    ])
    func statusesAndBodiesMapToKinds(_ test: Case) {
        let error = LLMError.response(status: test.status, headers: [:], body: Array(test.body.utf8), context: llmContext, now: 0)
        #expect(error.kind == test.kind)
        #expect(error.httpStatus == test.status)
        #expect(error.message.contains("127.0.0.1:8080") || error.kind == .contextOverflow)
    }

    @Test func messagesSayWhatToDo() {
        let unauthorized = LLMError.response(status: 401, headers: [:], body: [], context: llmContext, now: 0)
        #expect(unauthorized.message.contains("SIFT_LLM_API_KEY") && unauthorized.message.contains("llm-api-key"))
        #expect(unauthorized.message.contains("requires an API key"))
        var keyed = llmContext
        keyed.hasAPIKey = true
        #expect(LLMError.response(status: 401, headers: [:], body: [], context: keyed, now: 0).message.contains("refused the API key"))

        let overflow = LLMError.response(
            status: 400, headers: [:],
            body: Array(#"{"error":{"code":400,"message":"request exceeds the available context size","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":2048}}"#.utf8),
            context: llmContext, now: 0)
        #expect(overflow.message.contains("5000 prompt tokens, context of 2048"))
        #expect(overflow.message.contains("--ctx-size"))

        let refused = LLMError.transport(HTTPClientError(.connectFailed, "connection refused"), context: llmContext, midStream: false)
        #expect(refused.kind == .connection && refused.isTransient)
        #expect(refused.message.contains("SIFT_LLM_URL") && refused.message.contains("http://127.0.0.1:8080/v1"))
        let broken = LLMError.transport(HTTPClientError(.transport, "reset"), context: llmContext, midStream: true)
        #expect(broken.kind == .connection && broken.message.contains("middle of the answer"))
        #expect(!LLMError.transport(HTTPClientError(.tls, "bad cert"), context: llmContext, midStream: false).isTransient)
    }

    @Test func aPlainTextBodyIsCutToOneShortLine() {
        let body = "<html>\r\n<body>\n" + String(repeating: "bad gateway ", count: 100) + "</body></html>"
        let error = LLMError.response(status: 502, headers: [:], body: Array(body.utf8), context: llmContext, now: 0)
        #expect(error.kind == .server)
        #expect(!error.message.contains("\n") && !error.message.contains("\r"))
        #expect(error.message.contains("<html> <body> bad gateway"))
        #expect(error.message.contains("…"))
        #expect(error.message.count < 500)
    }

    @Test func retryAfterInSecondsOrAsAnHTTPDate() {
        #expect(LLMError.retryAfter("1", now: 0) == .seconds(1))
        #expect(LLMError.retryAfter(" 60 ", now: 0) == .seconds(60))
        #expect(LLMError.retryAfter("0.5", now: 0) == .milliseconds(500))
        #expect(LLMError.retryAfter("-3", now: 0) == nil)
        #expect(LLMError.retryAfter("soon", now: 0) == nil)
        #expect(LLMError.retryAfter(nil, now: 0) == nil)
        // 1994-11-06 08:49:37 UTC is 784111777 s after 1970.
        #expect(LLMError.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(LLMError.httpDate("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(LLMError.httpDate("Tue, 29 Feb 2028 23:59:59 GMT") == 1_835_481_599)
        #expect(LLMError.retryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_767) == .seconds(10))
        #expect(LLMError.retryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_800) == .zero, "a date passed is no wait")
        #expect(LLMError.httpDate("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
    }

    @Test func aRetryAfterOnA429IsKeptAndNamedWhenTooLong() {
        let error = LLMError.response(status: 429, headers: ["Retry-After": "60"], body: [], context: llmContext, now: 0)
        #expect(error.kind == .rateLimited && error.retryAfter == .seconds(60))
        #expect(error.message.contains("60 s") && error.message.contains("longer than the 10 s"))
    }

    @Test func codesAreStableSnakeCase() {
        #expect(LLMError.Kind.allCases.map(\.code) == [
            "unauthorized", "rate_limited", "context_overflow", "bad_request", "model_not_found", "server_error",
            "first_token_timeout", "token_timeout", "connection", "malformed", "upstream_error",
        ])
        let error = LLMError(.server, "x", httpStatus: 503)
        #expect(error.description == "server_error (HTTP 503): x")
    }
}
