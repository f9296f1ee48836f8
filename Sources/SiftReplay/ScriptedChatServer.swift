#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// An OpenAI-compatible chat server that answers from a ``ChatScript``: the tokens to
/// stream, their pace, and the misbehaviour to show. Serve its router with
/// `withReplayServer`, or as `sift-replay --service llm`.
///
/// | route | what it does |
/// |---|---|
/// | `POST /v1/chat/completions` | streams the script's tokens as `chat.completion.chunk`s (or a whole `chat.completion` when the request does not ask to stream) |
/// | `GET /v1/models` | the one model it serves |
/// | `GET /stats` | ``ScriptedChatStats`` as JSON, for a benchmark in another process |
/// | `POST /stats/reset` | forgets every request |
///
/// Every chat request is recorded (``requests``): its decoded body, when it arrived,
/// when the first token was written (`CLOCK_MONOTONIC`), and whether the client went
/// away early: a failed write, the connection closing, or the response task cancelled.
/// A streamed answer closes its connection when it ends, as it watches the connection
/// for the client leaving.
public final class ScriptedChatServer: ReplayRoutes {
    /// The model `GET /v1/models` lists and chunks name when the request names none.
    public let modelName: String
    /// The most requests kept; older ones are dropped (the totals still count them).
    public let capacity: Int

    private struct State {
        var script: ChatScript
        var received = 0
        var completed = 0
        var wentAway = 0
        var tokensSent = 0
        var records: [ScriptedChatRequest] = []
    }

    private let state: Mutex<State>

    /// A server answering with `script`.
    public init(script: ChatScript = ChatScript(), modelName: String = "scripted-chat", capacity: Int = 10_000) {
        self.modelName = modelName
        self.capacity = max(1, capacity)
        self.state = Mutex(State(script: script))
    }

    /// The script the next requests are answered from; change it between requests.
    public var script: ChatScript {
        get { state.withLock { $0.script } }
        set { state.withLock { $0.script = newValue } }
    }

    /// The chat requests kept, oldest first.
    public var requests: [ScriptedChatRequest] { state.withLock { $0.records } }

    /// Totals and the requests kept.
    public var stats: ScriptedChatStats {
        state.withLock { state in
            ScriptedChatStats(
                requests: state.received, completed: state.completed, clientWentAway: state.wentAway,
                tokensSent: state.tokensSent, entries: state.records.map(ScriptedChatStats.Entry.init))
        }
    }

    /// Forgets every request and zeroes the totals (the script stays).
    public func reset() {
        state.withLock { state in
            state = State(script: state.script)
        }
    }

    /// Waits until `condition` holds for the requests kept, checking every 5 ms for at
    /// most `timeout`; returns whether it held.
    public func wait(
        upTo timeout: Duration = .seconds(5), until condition: @Sendable ([ScriptedChatRequest]) -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !condition(requests) {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// `CLOCK_MONOTONIC` now, in nanoseconds: the clock of every recorded time.
    public static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Adds the routes (under `prefix`, if given) to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>, prefix: String = "") {
        router.post(RouterPath(prefix + "/v1/chat/completions")) { request, _ in
            try await self.respond(to: request)
        }
        router.get(RouterPath(prefix + "/v1/models")) { _, _ in
            Self.json(ScriptedChatWire.ModelList(data: [.init(id: self.modelName, created: Self.created)]))
        }
        router.get(RouterPath(prefix + "/stats")) { _, _ in
            Self.json(self.stats)
        }
        router.post(RouterPath(prefix + "/stats/reset")) { _, _ in
            self.reset()
            return Self.json(self.stats)
        }
    }

    // MARK: - Answering

    /// What one streamed answer will be.
    private struct Plan: Sendable {
        var index: Int
        var script: ChatScript
        var id: String
        var model: String
        var tokens: [String]
        var finishReason: String
        var includeUsage: Bool
        var promptTokens: Int
    }

    private func respond(to request: Request) async throws -> Response {
        let receivedAt = Self.monotonicNanoseconds()
        // collectBody keeps the connection's own body behind the collected bytes, which
        // consumeWithCancellationOnInboundClose needs to watch for the client leaving.
        var request = request
        let body = Array((try await request.collectBody(upTo: 4 << 20)).readableBytesView)
        guard let wire = try? JSONDecoder().decode(ScriptedChatWire.Request.self, from: Data(body)) else {
            return Self.error(
                .badRequest, message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
                type: "invalid_request_error")
        }
        guard let messages = wire.messages, !messages.isEmpty else {
            return Self.error(.badRequest, message: "'messages' is a required property", type: "invalid_request_error")
        }
        let maxTokens = wire.max_tokens ?? wire.max_completion_tokens
        let record = ScriptedChatRequest(
            index: 0, headers: request.headers, body: body, model: wire.model,
            messages: messages.map { .init(role: $0.role, content: $0.content ?? "") }, maxTokens: maxTokens,
            temperature: wire.temperature, stop: wire.stop?.values, stream: wire.stream ?? false,
            includeUsage: wire.stream_options?.include_usage ?? false, status: 200, receivedAt: receivedAt,
            firstTokenAt: nil, finishedAt: nil, tokensSent: 0, completed: false, clientWentAway: false)
        let (index, script) = state.withLock { state -> (Int, ChatScript) in
            state.received += 1
            var record = record
            record.index = state.received
            if state.records.count >= capacity { state.records.removeFirst(state.records.count - capacity + 1) }
            state.records.append(record)
            return (state.received, state.script)
        }

        var tokens = script.tokens
        var finishReason = script.finishReason
        if let maxTokens, maxTokens >= 0, maxTokens < tokens.count {
            tokens = Array(tokens.prefix(maxTokens))
            finishReason = "length"
        }
        let plan = Plan(
            index: index, script: script, id: "chatcmpl-scripted-\(index)", model: wire.model ?? modelName,
            tokens: tokens, finishReason: finishReason, includeUsage: record.includeUsage,
            promptTokens: messages.reduce(0) { $0 + 4 + ($1.content ?? "").split(separator: " ").count })

        switch script.behaviour {
        case .rateLimited(let seconds, let times) where index <= times:
            var response = Self.error(
                .tooManyRequests,
                message: "Rate limit reached for requests on model \(plan.model). Please try again in \(seconds)s.",
                type: "requests", code: "rate_limit_exceeded")
            response.headers[.retryAfter] = String(seconds)
            response.headers[HTTPField.Name("x-ratelimit-remaining-requests")!] = "0"
            response.headers[HTTPField.Name("x-ratelimit-reset-requests")!] = "\(seconds)s"
            return finish(index, status: 429, response)
        case .status(let code, let text, let times) where index <= times:
            let contentType = text.hasPrefix("{") ? "application/json" : "text/plain; charset=utf-8"
            let response = Response(
                status: HTTPResponse.Status(code: code), headers: [.contentType: contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
            return finish(index, status: code, response)
        case .jsonInsteadOfStream:
            return finish(index, status: 200, completion(plan), completed: true, tokens: tokens.count)
        default:
            break
        }
        guard record.stream else {
            return finish(index, status: 200, completion(plan), completed: true, tokens: tokens.count)
        }
        let collected = request
        let responseBody = ResponseBody { writer in
            do {
                try await collected.body.consumeWithCancellationOnInboundClose { _ in
                    try await self.stream(plan, to: &writer)
                }
            } catch let close as DeliberateClose {
                self.update(index) { $0.finishedAt = Self.monotonicNanoseconds() }
                throw close
            } catch {
                self.update(index) { record in
                    record.finishedAt = Self.monotonicNanoseconds()
                    record.clientWentAway = true
                }
                self.state.withLock { $0.wentAway += 1 }
                throw error
            }
            try await writer.finish(nil)
            self.update(index) { record in
                record.finishedAt = Self.monotonicNanoseconds()
                record.completed = true
            }
            self.state.withLock { $0.completed += 1 }
        }
        // Watching for the client leaving ends the connection with the answer; say so.
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "close"],
            body: responseBody)
    }

    /// Thrown to drop the connection on purpose (`.closeAfter`, the end of a stall).
    private struct DeliberateClose: Error {}

    /// Writes the streamed answer, misbehaving as the script says.
    private func stream(_ plan: Plan, to writer: inout any ResponseBodyWriter) async throws {
        let script = plan.script
        let lineEnding = script.lineEnding
        for position in 0...plan.tokens.count {
            switch script.behaviour {
            case .malformedChunkAt(position):
                let broken = #"{"id":"\#(plan.id)","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"unterminated"#
                try await write(ScriptedChatWire.event(text: broken, lineEnding: lineEnding), script: script, to: &writer)
            case .errorObjectAt(position):
                let error = ScriptedChatWire.ErrorEnvelope(
                    message: "The server had an error while processing your request. Sorry about that!", type: "server_error")
                try await write(ScriptedChatWire.event(ReplayHTTP.json(error), lineEnding: lineEnding), script: script, to: &writer)
                return
            case .closeAfter(position):
                throw DeliberateClose()
            case .stallAfter(position):
                try await Task.sleep(for: script.stallDuration)
                throw DeliberateClose()
            default:
                break
            }
            guard position < plan.tokens.count else { break }
            try await Task.sleep(for: position == 0 ? script.firstTokenDelay : script.tokenInterval)
            if position == 0 {
                try await write(chunk(plan, delta: .init(role: "assistant", content: "")), script: script, to: &writer)
            }
            try await write(chunk(plan, delta: .init(content: plan.tokens[position])), script: script, to: &writer)
            let now = Self.monotonicNanoseconds()
            update(plan.index) { record in
                if record.firstTokenAt == nil { record.firstTokenAt = now }
                record.tokensSent += 1
            }
            state.withLock { $0.tokensSent += 1 }
        }
        if plan.tokens.isEmpty {
            try await Task.sleep(for: script.firstTokenDelay)
        }
        let usage = ScriptedChatWire.Usage(
            prompt_tokens: plan.promptTokens, completion_tokens: plan.tokens.count,
            total_tokens: plan.promptTokens + plan.tokens.count)
        let sendsUsage = script.sendsUsage && plan.includeUsage
        var last = chunk(plan, delta: .init(), finishReason: plan.finishReason)
        if sendsUsage {
            try await write(last, script: script, to: &writer)
            last = ScriptedChatWire.Chunk(id: plan.id, created: Self.created, model: plan.model, choices: [], usage: usage)
        }
        if script.sendsTimings { last.timings = timings(plan) }
        try await write(last, script: script, to: &writer)
        if script.sendsDone {
            try await write(ScriptedChatWire.event(text: "[DONE]", lineEnding: lineEnding), script: script, to: &writer)
        }
    }

    private func chunk(_ plan: Plan, delta: ScriptedChatWire.Delta, finishReason: String? = nil) -> ScriptedChatWire.Chunk {
        ScriptedChatWire.Chunk(
            id: plan.id, created: Self.created, model: plan.model,
            choices: [ScriptedChatWire.Choice(delta: delta, finishReason: finishReason)])
    }

    /// Made-up but plausible timings: prompt at 500 tokens/s, generation at the script's pace.
    private func timings(_ plan: Plan) -> ScriptedChatWire.Timings {
        let interval = Double(plan.script.tokenInterval.components.attoseconds) / 1e15
            + Double(plan.script.tokenInterval.components.seconds) * 1e3
        let predictedMs = max(1, interval) * Double(plan.tokens.count)
        return ScriptedChatWire.Timings(
            prompt_n: plan.promptTokens, prompt_ms: Double(plan.promptTokens) * 2,
            prompt_per_second: 500, predicted_n: plan.tokens.count, predicted_ms: predictedMs,
            predicted_per_second: Double(plan.tokens.count) / predictedMs * 1000)
    }

    private func write(_ chunk: ScriptedChatWire.Chunk, script: ChatScript, to writer: inout any ResponseBodyWriter) async throws {
        try await write(ScriptedChatWire.event(ReplayHTTP.json(chunk), lineEnding: script.lineEnding), script: script, to: &writer)
    }

    /// Writes one event, in three pieces when the script splits writes.
    private func write(_ event: ByteBuffer, script: ChatScript, to writer: inout any ResponseBodyWriter) async throws {
        guard script.splitsWrites, event.readableBytes > 4 else {
            try await writer.write(event)
            return
        }
        let middle = event.readableBytes / 2
        for (start, end) in [(0, 2), (2, middle), (middle, event.readableBytes)] {
            try await writer.write(event.getSlice(at: event.readerIndex + start, length: end - start)!)
        }
    }

    private func completion(_ plan: Plan) -> Response {
        let text = plan.tokens.joined()
        let completion = ScriptedChatWire.Completion(
            id: plan.id, created: Self.created, model: plan.model,
            choices: [.init(message: .init(content: text), finish_reason: plan.finishReason)],
            usage: .init(
                prompt_tokens: plan.promptTokens, completion_tokens: plan.tokens.count,
                total_tokens: plan.promptTokens + plan.tokens.count))
        return Self.json(completion)
    }

    /// Records the end of a response that is not streamed.
    private func finish(_ index: Int, status: Int, _ response: Response, completed: Bool = false, tokens: Int = 0) -> Response {
        let now = Self.monotonicNanoseconds()
        update(index) { record in
            record.status = status
            record.finishedAt = now
            record.completed = completed
            record.tokensSent = tokens
            if tokens > 0 { record.firstTokenAt = now }
        }
        state.withLock { state in
            state.tokensSent += tokens
            if completed { state.completed += 1 }
        }
        return response
    }

    private func update(_ index: Int, _ change: (inout ScriptedChatRequest) -> Void) {
        state.withLock { state in
            // Indices are consecutive, so the record's position follows from the first kept.
            guard let first = state.records.first?.index else { return }
            let position = index - first
            guard state.records.indices.contains(position), state.records[position].index == index else { return }
            change(&state.records[position])
        }
    }

    /// `created` of every chunk: fixed, so answers are byte-for-byte repeatable.
    static let created = 1_735_689_600

    private static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ReplayHTTP.json(value)))
    }

    private static func error(_ status: HTTPResponse.Status, message: String, type: String, code: String? = nil) -> Response {
        json(ScriptedChatWire.ErrorEnvelope(message: message, type: type, code: code), status: status)
    }
}
