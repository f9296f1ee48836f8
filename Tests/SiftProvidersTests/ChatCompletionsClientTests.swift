#if canImport(Glibc)
import Glibc
#endif
import SiftHTTPClient
import SiftReplay
import Synchronization
import Testing

@testable import SiftProviders

/// What a stream produced: its events, and the error it ended with.
struct ChatOutcome: Sendable {
    var events: [ChatStreamEvent] = []
    var error: (any Error)?

    /// The content, concatenated.
    var text: String {
        events.map { if case .content(let piece) = $0 { piece } else { "" } }.joined()
    }

    var contentCount: Int {
        events.count { if case .content = $0 { true } else { false } }
    }

    var llmError: LLMError? { error as? LLMError }
}

/// Events handed to a structured consumer, in order.
final class EventLog: Sendable {
    private let events = Mutex<[ChatStreamEvent]>([])
    func append(_ event: ChatStreamEvent) { events.withLock { $0.append(event) } }
    var all: [ChatStreamEvent] { events.withLock { $0 } }
}

@Suite("Chat completions client, against the scripted chat server over loopback")
struct ChatCompletionsClientTests {
    /// Generous limits for a busy 2-core machine, fast retries.
    static let relaxed = ChatCompletionsClient.Configuration(
        firstTokenTimeout: .seconds(30), tokenTimeout: .seconds(30), connectTimeout: .seconds(5), maxAttempts: 3,
        maxRetryAfter: .seconds(10), baseBackoff: .milliseconds(20))

    static let question = ChatRequest(
        model: "smollm2", messages: [.system("Answer from the sources."), .user("Where is the answer?")], maxTokens: 64,
        temperature: 0.1)

    /// Runs `body` with a scripted chat server on loopback and a client of it.
    func withChat<Result: Sendable>(
        _ script: ChatScript = ChatScript(), apiKey: String? = nil, configuration: ChatCompletionsClient.Configuration = relaxed,
        _ body: @Sendable (ScriptedChatServer, ChatCompletionsClient) async throws -> Result
    ) async throws -> Result {
        let server = ScriptedChatServer(script: script)
        return try await withReplayServer(server.router(), logger: quiet("replay.llm")) { port in
            try await withHTTPClient { http in
                let client = ChatCompletionsClient(
                    baseURL: "http://127.0.0.1:\(port)/v1", apiKey: apiKey, http: http, configuration: configuration,
                    logger: quiet("test.llm"))
                return try await body(server, client)
            }
        }
    }

    func collect(_ stream: AsyncThrowingStream<ChatStreamEvent, any Error>) async -> ChatOutcome {
        var outcome = ChatOutcome()
        do {
            for try await event in stream { outcome.events.append(event) }
        } catch {
            outcome.error = error
        }
        return outcome
    }

    // MARK: - Streaming

    @Test func theStreamedContentConcatenatesExactlyThenFinishesWithUsage() async throws {
        let tokens = ["Hé", "llo", " 日本", " 🦀", " [1]", "."]
        try await withChat(ChatScript(tokens: tokens)) { server, client in
            let outcome = await collect(client.stream(Self.question))
            #expect(outcome.error == nil)
            #expect(outcome.text == tokens.joined())
            #expect(outcome.events.count == tokens.count + 2)
            #expect(outcome.events.suffix(2) == [
                .finished(reason: "stop"), .usage(ChatUsage(promptTokens: 16, completionTokens: tokens.count)),
            ])
            #expect(server.requests.count == 1)
        }
    }

    @Test func theRequestIsAnOpenAIStreamingRequest() async throws {
        try await withChat { server, client in
            var request = Self.question
            request.stop = ["\n\n"]
            for try await _ in client.stream(request) {}
            let seen = try #require(server.requests.first)
            #expect(seen.stream && seen.includeUsage)
            #expect(seen.model == "smollm2")
            #expect(seen.maxTokens == 64)
            #expect(seen.temperature == 0.1)
            #expect(seen.stop == ["\n\n"])
            #expect(seen.messages == [
                .init(role: "system", content: "Answer from the sources."), .init(role: "user", content: "Where is the answer?"),
            ])
            #expect(seen.header("Content-Type") == "application/json")
            #expect(seen.header("Accept") == "text/event-stream")
            #expect(seen.header("Authorization") == nil, "no key, no Authorization header")
            #expect(seen.bodyText.contains(#""stream":true"#))
            #expect(seen.bodyText.contains(#""stream_options":{"include_usage":true}"#))
        }
    }

    @Test func anAPIKeyTravelsAsABearerToken() async throws {
        try await withChat(apiKey: " sk-test\n") { server, client in
            for try await _ in client.stream(Self.question) {}
            #expect(server.requests.first?.header("Authorization") == "Bearer sk-test")
        }
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func splitWritesAndEveryLineEndReadTheSame(_ lineEnding: String) async throws {
        var script = ChatScript(tokens: ["ça", " va", " 🦀", "?"])
        script.lineEnding = lineEnding
        script.splitsWrites = true
        script.sendsTimings = true
        try await withChat(script) { _, client in
            let outcome = await collect(client.stream(Self.question))
            #expect(outcome.error == nil)
            #expect(outcome.text == "ça va 🦀?")
            #expect(outcome.events.contains { if case .timings(let timings) = $0 { timings.predictedTokens == 4 } else { false } })
        }
    }

    @Test func theStructuredFormDeliversTheSameEventsInOrder() async throws {
        try await withChat { server, client in
            let log = EventLog()
            try await client.stream(Self.question) { log.append($0) }
            let text = log.all.map { if case .content(let piece) = $0 { piece } else { "" } }.joined()
            #expect(text == ChatScript.defaultAnswer.joined())
            #expect(log.all.last == .usage(ChatUsage(promptTokens: 16, completionTokens: ChatScript.defaultAnswer.count)))
            #expect(server.requests.count == 1)
        }
    }

    @Test func maxTokensCutsTheAnswerWithFinishReasonLength() async throws {
        try await withChat { _, client in
            var request = Self.question
            request.maxTokens = 3
            let outcome = await collect(client.stream(request))
            #expect(outcome.text == ChatScript.defaultAnswer.prefix(3).joined())
            #expect(outcome.events.contains(.finished(reason: "length")))
        }
    }

    @Test func aWholeJSONCompletionIsReadLeniently() async throws {
        try await withChat(ChatScript(behaviour: .jsonInsteadOfStream)) { server, client in
            let outcome = await collect(client.stream(Self.question))
            #expect(outcome.error == nil)
            #expect(outcome.events == [
                .content(ChatScript.defaultAnswer.joined()),
                .usage(ChatUsage(promptTokens: 16, completionTokens: ChatScript.defaultAnswer.count)),
                .finished(reason: "stop"),
            ])
            #expect(server.requests.count == 1)
        }
    }

    // MARK: - Failures in the stream

    @Test func aMalformedChunkFailsAfterTheContentBeforeIt() async throws {
        try await withChat(ChatScript(behaviour: .malformedChunkAt(2))) { server, client in
            let outcome = await collect(client.stream(Self.question))
            #expect(outcome.llmError?.kind == .malformed)
            #expect(outcome.text == ChatScript.defaultAnswer.prefix(2).joined())
            #expect(server.requests.count == 1, "content was delivered: no retry")
        }
    }

    @Test func anErrorObjectMidStreamIsUpstreamAfterTheContentBeforeIt() async throws {
        try await withChat(ChatScript(behaviour: .errorObjectAt(2))) { server, client in
            let outcome = await collect(client.stream(Self.question))
            let error = try #require(outcome.llmError)
            #expect(error.kind == .upstream && error.httpStatus == nil)
            #expect(error.message.contains("The server had an error while processing your request"))
            #expect(outcome.events == ChatScript.defaultAnswer.prefix(2).map { .content($0) })
            #expect(server.requests.count == 1)
        }
    }

    /// A connection dropped mid-answer is a `connection` error (libcurl sees the chunked
    /// body end without its last chunk), never a silent, shorter answer.
    @Test func aConnectionClosedMidStreamIsAConnectionError() async throws {
        try await withChat(ChatScript(behaviour: .closeAfter(2))) { server, client in
            let outcome = await collect(client.stream(Self.question))
            let error = try #require(outcome.llmError)
            #expect(error.kind == .connection)
            #expect(error.message.contains("middle of the answer"))
            #expect(outcome.contentCount == 2)
            #expect(server.requests.count == 1)
        }
    }

    @Test func aConnectionClosedBeforeAnyContentIsRetried() async throws {
        var script = ChatScript(behaviour: .closeAfter(0))
        script.tokens = ["x"]
        try await withChat(script) { server, client in
            let outcome = await collect(client.stream(Self.question))
            #expect(outcome.llmError?.kind == .connection)
            #expect(outcome.llmError?.message.contains("after 3 attempts") == true)
            #expect(server.requests.count == 3)
        }
    }

    // MARK: - HTTP errors and retries

    @Test func a429WithAShortRetryAfterIsWaitedOutAndRetried() async throws {
        try await withChat(ChatScript(behaviour: .rateLimited(retryAfterSeconds: 1, times: 1))) { server, client in
            let clock = ContinuousClock()
            let start = clock.now
            let outcome = await collect(client.stream(Self.question))
            #expect(outcome.error == nil)
            #expect(outcome.text == ChatScript.defaultAnswer.joined())
            #expect(server.requests.map(\.status) == [429, 200])
            #expect(start.duration(to: clock.now) >= .milliseconds(900), "Retry-After: 1 was waited out")
        }
    }

    @Test func a429WithALongRetryAfterFailsAtOnce() async throws {
        try await withChat(ChatScript(behaviour: .rateLimited(retryAfterSeconds: 60, times: 1))) { server, client in
            let clock = ContinuousClock()
            let start = clock.now
            let outcome = await collect(client.stream(Self.question))
            let error = try #require(outcome.llmError)
            #expect(error.kind == .rateLimited && error.code == "rate_limited")
            #expect(error.httpStatus == 429)
            #expect(error.retryAfter == .seconds(60))
            #expect(error.message.contains("Rate limit reached"))
            #expect(server.requests.count == 1)
            #expect(start.duration(to: clock.now) < .seconds(30), "nowhere near the 60 s asked for")
        }
    }

    @Test func unauthorizedIsNotRetried() async throws {
        let body = #"{"error":{"message":"Incorrect API key provided: sk-wrong.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#
        try await withChat(ChatScript(behaviour: .status(401, body: body)), apiKey: "sk-wrong") { server, client in
            let outcome = await collect(client.stream(Self.question))
            let error = try #require(outcome.llmError)
            #expect(error.kind == .unauthorized && error.httpStatus == 401)
            #expect(error.message.contains("SIFT_LLM_API_KEY") && error.message.contains("Incorrect API key provided"))
            #expect(server.requests.count == 1)
        }
    }

    @Test func aContextOverflowIsReportedAndNotRetried() async throws {
        let body = #"{"error":{"code":400,"message":"request (4200 tokens) exceeds the available context size (2048 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":4200,"n_ctx":2048}}"#
        try await withChat(ChatScript(behaviour: .status(400, body: body))) { server, client in
            let outcome = await collect(client.stream(Self.question))
            let error = try #require(outcome.llmError)
            #expect(error.kind == .contextOverflow && error.code == "context_overflow")
            #expect(error.message.contains("4200 prompt tokens, context of 2048"))
            #expect(server.requests.count == 1)
        }
    }

    @Test func a503WhileTheModelLoadsIsRetried() async throws {
        let body = #"{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}"#
        try await withChat(ChatScript(behaviour: .status(503, body: body, times: 2))) { server, client in
            let outcome = await collect(client.stream(Self.question))
            #expect(outcome.error == nil)
            #expect(outcome.text == ChatScript.defaultAnswer.joined())
            #expect(server.requests.map(\.status) == [503, 503, 200])
        }
    }

    @Test func aServerErrorThatPersistsFailsAfterEveryAttempt() async throws {
        try await withChat(ChatScript(behaviour: .status(502, body: "<html>Bad Gateway</html>"))) { server, client in
            let outcome = await collect(client.stream(Self.question))
            let error = try #require(outcome.llmError)
            #expect(error.kind == .server && error.httpStatus == 502)
            #expect(error.message.contains("Bad Gateway") && error.message.contains("after 3 attempts"))
            #expect(server.requests.count == 3)
        }
    }

    @Test func aRefusedConnectionFailsAfterMaxAttempts() async throws {
        try await withRefusingPort { port in
            try await withHTTPClient { http in
                let client = ChatCompletionsClient(
                    baseURL: "http://127.0.0.1:\(port)/v1/", apiKey: nil, http: http, configuration: Self.relaxed,
                    logger: quiet("test.llm"))
                let outcome = await collect(client.stream(Self.question))
                let error = try #require(outcome.llmError)
                #expect(error.kind == .connection)
                #expect(error.message.contains("SIFT_LLM_URL") && error.message.contains("127.0.0.1:\(port)"))
                #expect(error.message.contains("after 3 attempts"))
            }
        }
    }

    // MARK: - Timeouts

    @Test func noFirstTokenInTimeIsAFirstTokenTimeout() async throws {
        var configuration = Self.relaxed
        configuration.firstTokenTimeout = .milliseconds(300)
        try await withChat(ChatScript(firstTokenDelay: .seconds(600)), configuration: configuration) { server, client in
            let outcome = await collect(client.stream(Self.question))
            #expect(outcome.llmError?.kind == .firstTokenTimeout)
            #expect(outcome.events.isEmpty)
            #expect(server.requests.count == 1, "a timeout is not retried")
            let wentAway = try await server.wait(upTo: .seconds(10)) { $0.first?.clientWentAway == true }
            #expect(wentAway, "the server saw the client go")
        }
    }

    @Test func aStallAfterTheFirstTokensIsATokenTimeoutWithoutRetry() async throws {
        var configuration = Self.relaxed
        // Long enough that a busy machine does not stall between the first two tokens.
        configuration.tokenTimeout = .seconds(1)
        try await withChat(ChatScript(behaviour: .stallAfter(2)), configuration: configuration) { server, client in
            let outcome = await collect(client.stream(Self.question))
            #expect(outcome.llmError?.kind == .tokenTimeout)
            #expect(outcome.contentCount == 2)
            #expect(server.requests.count == 1)
            let wentAway = try await server.wait(upTo: .seconds(10)) { $0.first?.clientWentAway == true }
            #expect(wentAway, "the server saw the client go")
        }
    }

    /// The timeouts run on the injected clock: the stall is real, the wait is not.
    @Test func theTokenTimeoutIsMeasuredOnTheInjectedClock() async throws {
        let server = ScriptedChatServer(script: ChatScript(behaviour: .stallAfter(2)))
        try await withReplayServer(server.router(), logger: quiet("replay.llm")) { port in
            try await withHTTPClient { http in
                let clock = ManualReplayClock()
                let client = ChatCompletionsClient(
                    baseURL: "http://127.0.0.1:\(port)/v1", apiKey: nil, http: http, logger: quiet("test.llm"), clock: clock)
                var contents = 0
                do {
                    for try await event in client.stream(Self.question) {
                        guard case .content = event else { continue }
                        contents += 1
                        // Past the 15 s token timeout, on the client's clock only.
                        if contents == 2 { clock.advance(by: .seconds(16)) }
                    }
                    Issue.record("the stream ended without an error")
                } catch let error as LLMError {
                    #expect(error.kind == .tokenTimeout)
                    #expect(error.message.contains("15 s"))
                }
                #expect(contents == 2)
            }
        }
    }

    // MARK: - Cancellation

    @Test func breakingOutOfTheStreamClosesTheConnection() async throws {
        var script = ChatScript(tokens: ChatScript.answerTokens(count: 200))
        script.tokenInterval = .milliseconds(20)
        try await withChat(script) { server, client in
            var received = 0
            for try await event in client.stream(Self.question) {
                if case .content = event { received += 1 }
                if received == 2 { break }
            }
            let wentAway = try await server.wait(upTo: .seconds(10)) { $0.first?.clientWentAway == true }
            #expect(wentAway, "the server saw the client go")
            let seen = try #require(server.requests.first)
            #expect(seen.tokensSent < 200 && !seen.completed)
            #expect(server.requests.count == 1)
        }
    }

    @Test func cancellingTheConsumingTaskThrowsCancellationAndClosesTheConnection() async throws {
        var script = ChatScript(tokens: ChatScript.answerTokens(count: 200))
        script.tokenInterval = .milliseconds(20)
        try await withChat(script) { server, client in
            let log = EventLog()
            let result = await withTaskGroup(of: Result<Void, any Error>.self) { group in
                group.addTask {
                    do {
                        try await client.stream(Self.question) { log.append($0) }
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
                let started = (try? await server.wait(upTo: .seconds(10)) { $0.first?.tokensSent ?? 0 >= 2 }) ?? false
                #expect(started)
                // Cancel in mid-answer once the client has read something: on a loaded machine the
                // server's second token can be sent well before the client reads the first.
                let deadline = ContinuousClock.now + .seconds(10)
                while log.all.isEmpty, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
                group.cancelAll()
                return await group.next()
            }
            #expect(throws: CancellationError.self) { try result?.get() }
            #expect(!log.all.isEmpty)
            let wentAway = try await server.wait(upTo: .seconds(10)) { $0.first?.clientWentAway == true }
            #expect(wentAway, "the server saw the client go")
            #expect(server.requests.count == 1)
        }
    }

    // MARK: - Pieces

    @Test func theEndpointToleratesATrailingSlash() throws {
        let http = try HTTPClient(logger: quiet("test.http"))
        defer { http.shutdown() }
        for base in ["http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/"] {
            let client = ChatCompletionsClient(baseURL: base, apiKey: nil, http: http, logger: quiet("test.llm"))
            #expect(client.endpoint == "http://127.0.0.1:8080/v1/chat/completions")
        }
    }

    /// The operator chose the URL: loopback and private addresses are not refused, and a
    /// POST is never turned into a GET by following a redirect.
    @Test func theHTTPRequestSkipsTheAddressGuardAndDoesNotFollowRedirects() throws {
        let http = try HTTPClient(logger: quiet("test.http"))
        defer { http.shutdown() }
        let client = ChatCompletionsClient(baseURL: "http://10.0.0.5:8080/v1", apiKey: "k", http: http, logger: quiet("test.llm"))
        let request = client.makeHTTPRequest(body: try Self.question.body())
        #expect(!request.guardsPrivateAddresses)
        #expect(request.method == .post && request.url == "http://10.0.0.5:8080/v1/chat/completions")
        #expect(request.maxRedirects == 0)
        #expect(request.retry == .none, "retries are the client's own, before the first token only")
        #expect(request.headers["Authorization"] == "Bearer k")
        #expect(request.idleTimeout > client.configuration.firstTokenTimeout)
    }

    @Test func onlyTransientFailuresAreRetried() throws {
        let http = try HTTPClient(logger: quiet("test.http"))
        defer { http.shutdown() }
        let client = ChatCompletionsClient(baseURL: "http://127.0.0.1:1/v1", apiKey: nil, http: http, logger: quiet("test.llm"))
        var generator = SystemRandomNumberGenerator()
        func wait(_ error: LLMError) -> Duration? { client.retryWait(after: error, attempt: 1, using: &generator) }
        #expect(wait(LLMError(.rateLimited, "", httpStatus: 429, retryAfter: .seconds(3))) == .seconds(3))
        #expect(wait(LLMError(.rateLimited, "", httpStatus: 429, retryAfter: .seconds(11))) == nil)
        #expect(wait(LLMError(.rateLimited, "", httpStatus: 429)).map { $0 <= .milliseconds(200) } == true)
        #expect(wait(LLMError(.server, "", httpStatus: 503)).map { $0 <= .milliseconds(200) } == true)
        #expect(wait(LLMError(.server, "", httpStatus: 501)) == nil)
        #expect(wait(LLMError(.connection, "", isTransient: true)) != nil)
        #expect(wait(LLMError(.connection, "")) == nil)
        for kind in [LLMError.Kind.unauthorized, .badRequest, .contextOverflow, .modelNotFound, .malformed, .upstream, .firstTokenTimeout, .tokenTimeout] {
            #expect(wait(LLMError(kind, "", httpStatus: 400)) == nil, "\(kind)")
        }
    }
}

/// Runs `body` with a loopback port where a connection is refused: bound, never listening.
func withRefusingPort<Result>(_ body: (Int) async throws -> Result) async throws -> Result {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    try #require(bound)
    return try await body(Int(UInt16(bigEndian: address.sin_port)))
}
