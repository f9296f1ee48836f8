import Logging
import SiftCore
import SiftHTTPClient
import Synchronization

/// A client of an OpenAI-compatible chat-completions API (llama-server, vLLM, OpenAI),
/// streaming the answer as it is generated.
///
/// ```swift
/// let llm = ChatCompletionsClient(baseURL: "http://127.0.0.1:8080/v1", apiKey: nil, http: http, logger: logger)
/// for try await event in llm.stream(ChatRequest(model: "smollm2", messages: [.user("Why is the sky blue?")])) {
///     if case .content(let text) = event { print(text, terminator: "") }
/// }
/// ```
///
/// - Timeouts: the first token must come within `firstTokenTimeout` of an attempt's
///   start, and later chunks within `tokenTimeout` of each other.
/// - Retries happen only before anything reached the consumer: after a connection
///   failure (refused, reset, DNS), a 500/502/503/504 (llama-server answers 503 while
///   it loads the model) or a 429, with full-jitter backoff, or the server's
///   `Retry-After` when it gave one. A 429 asking for more than `maxRetryAfter` fails at
///   once. Nothing else is retried, and nothing at all once an event was delivered.
/// - Errors are ``LLMError``. Cancelling the consumer, or ending the iteration early,
///   closes the connection, which the server sees; the structured form then throws
///   `CancellationError`.
/// - The base URL is the operator's own configuration, so the private-address guard
///   does not apply to it: llama-server on 127.0.0.1 works with no allow list.
public struct ChatCompletionsClient: Sendable {
    /// Timeouts and retries.
    public struct Configuration: Sendable, Equatable {
        /// Longest wait, from an attempt's start, for the first token: prompt processing
        /// on a small CPU is slow.
        public var firstTokenTimeout: Duration
        /// Longest gap between two chunks once the answer has begun.
        public var tokenTimeout: Duration
        /// Longest wait for a connection.
        public var connectTimeout: Duration
        /// Attempts in all, the first included (at least 1).
        public var maxAttempts: Int
        /// The longest `Retry-After` waited out; a 429 asking for more fails at once.
        public var maxRetryAfter: Duration
        /// The backoff cap before the first retry; it doubles for each later one.
        public var baseBackoff: Duration

        /// The defaults: 60 s to the first token, 15 s between chunks, 5 s to connect,
        /// 3 attempts, `Retry-After` up to 10 s, 200 ms base backoff.
        public init(
            firstTokenTimeout: Duration = .seconds(60), tokenTimeout: Duration = .seconds(15),
            connectTimeout: Duration = .seconds(5), maxAttempts: Int = 3, maxRetryAfter: Duration = .seconds(10),
            baseBackoff: Duration = .milliseconds(200)
        ) {
            self.firstTokenTimeout = firstTokenTimeout
            self.tokenTimeout = tokenTimeout
            self.connectTimeout = connectTimeout
            self.maxAttempts = maxAttempts
            self.maxRetryAfter = maxRetryAfter
            self.baseBackoff = baseBackoff
        }
    }

    /// The OpenAI-style base URL, ending in `/v1`, as configured (`SIFT_LLM_URL`).
    public let baseURL: String
    /// The timeouts and retries.
    public let configuration: Configuration
    /// `POST` goes here: `{baseURL}/chat/completions`.
    let endpoint: String
    private let apiKey: String?
    private let http: HTTPClient
    private let logger: Logger
    private let clock: ChatClock

    /// The largest body read from an error response.
    static let errorBodyLimit = 64 * 1024
    /// The largest whole (non-streamed) completion read.
    static let completionBodyLimit = 8 << 20
    /// The most bytes one server-sent event may hold.
    static let eventLimit = 1 << 20
    /// The largest backoff between attempts.
    static let maxBackoff = Duration.seconds(5)

    /// A client of the API at `baseURL` (`http://127.0.0.1:8080/v1`; a trailing slash
    /// is fine), sending `apiKey` as a bearer token when it is set (`SIFT_LLM_API_KEY`
    /// or the `llm-api-key` credential), over `http`.
    public init(
        baseURL: String, apiKey: String?, http: HTTPClient, configuration: Configuration = .init(), logger: Logger
    ) {
        self.init(
            baseURL: baseURL, apiKey: apiKey, http: http, configuration: configuration, logger: logger,
            clock: ContinuousClock())
    }

    /// A client whose timeouts and waits are measured on `clock`.
    public init<C: Clock>(
        baseURL: String, apiKey: String?, http: HTTPClient, configuration: Configuration = .init(), logger: Logger, clock: C
    ) where C.Duration == Duration {
        self.baseURL = baseURL
        self.endpoint = trimmingTrailingSlashes(baseURL) + "/chat/completions"
        // A key read from a file often ends with a newline, which no header may carry.
        let key = apiKey.map { $0.trimmingSpaces() }
        self.apiKey = key?.isEmpty == false ? key : nil
        self.http = http
        self.configuration = configuration
        self.logger = logger
        self.clock = ChatClock(clock)
    }

    // MARK: - Streaming

    /// Streams the answer to `request` as an `AsyncThrowingStream`.
    ///
    /// The stream throws ``LLMError``. Ending the iteration early (a `break`), or
    /// cancelling the consuming task, cancels the request and closes its connection; as
    /// with any `AsyncThrowingStream`, a cancelled consumer's iteration then simply ends.
    /// Events wait unbounded in the stream's buffer if the consumer is slower than the
    /// model; ``stream(_:onEvent:)`` has backpressure and throws `CancellationError`.
    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: ChatStreamEvent.self)
        // The one task the stream needs; ending the iteration cancels it.
        let producer = Task {
            do {
                try await stream(request) { event in
                    if case .terminated = continuation.yield(event) { throw CancellationError() }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in producer.cancel() }
        return events
    }

    /// Streams the answer to `request`, calling `onEvent` with each event in order and
    /// returning when the answer is complete.
    ///
    /// Structured: the request runs in child tasks of this call and is cancelled with
    /// it. While `onEvent` runs, nothing more is read (libcurl pauses the transfer once
    /// its buffer is full, and TCP holds the server back) and the token timeout does
    /// not count. An error `onEvent` throws ends the request and is
    /// rethrown as it is.
    ///
    /// - Throws: ``LLMError``, `CancellationError`, or what `onEvent` threw.
    public func stream(_ request: ChatRequest, onEvent: @Sendable (ChatStreamEvent) async throws -> Void) async throws {
        let context = LLMErrorContext(
            baseURL: baseURL, model: request.model, hasAPIKey: apiKey != nil, maxRetryAfter: configuration.maxRetryAfter)
        let httpRequest: HTTPRequest
        do {
            httpRequest = makeHTTPRequest(body: try request.body())
        } catch {
            throw LLMError(
                .badRequest, "The chat request could not be encoded as JSON (\(error)); its temperature must be a finite number.")
        }
        var generator = SystemRandomNumberGenerator()
        let attempts = max(1, configuration.maxAttempts)
        var attempt = 1
        while true {
            let progress = AttemptProgress(
                ChatStreamTimer(
                    start: clock.now(), firstTokenTimeout: configuration.firstTokenTimeout,
                    tokenTimeout: configuration.tokenTimeout))
            do {
                try await run(httpRequest, progress: progress, context: context, onEvent: onEvent)
                return
            } catch let error as LLMError {
                if Task.isCancelled { throw CancellationError() }
                guard !progress.hasDelivered, attempt < attempts,
                    let wait = retryWait(after: error, attempt: attempt, using: &generator)
                else {
                    throw attempt > 1 ? error.afterAttempts(attempt) : error
                }
                logger.notice(
                    "LLM request failed; retrying",
                    metadata: [
                        "llm_url": "\(baseURL)", "error": "\(error.code)", "attempt": "\(attempt)",
                        "wait_ms": "\(Int(milliseconds(wait)))",
                    ])
                try await clock.sleep(until: clock.now() + wait)
                attempt += 1
            }
        }
    }

    /// The HTTP request of every attempt.
    func makeHTTPRequest(body: [UInt8]) -> HTTPRequest {
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Accept": "text/event-stream"]
        if let apiKey { headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        var request = HTTPRequest(url: endpoint, method: .post, headers: headers, body: body)
        request.connectTimeout = configuration.connectTimeout
        // Our own deadlines fire first; libcurl's only catch a transfer stuck beyond them,
        // and an answer still streaming after an hour.
        request.idleTimeout = max(configuration.firstTokenTimeout, configuration.tokenTimeout) + .seconds(30)
        request.totalTimeout = .seconds(3600)
        // A POST must not turn into a GET on a redirect; a 3xx is reported instead.
        request.maxRedirects = 0
        request.retry = .none
        // The operator configured this URL: loopback and private addresses are intended.
        request.guardsPrivateAddresses = false
        return request
    }

    /// The wait before another attempt after `error`, or nil when it must not be retried.
    func retryWait(after error: LLMError, attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration? {
        let doublings = min(attempt - 1, 20)
        let cap = min(Self.maxBackoff, configuration.baseBackoff * (1 << doublings))
        let (seconds, attoseconds) = cap.components
        let capNanoseconds = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        let backoff = Duration.nanoseconds(Int64.random(in: 0...capNanoseconds, using: &generator))
        switch error.kind {
        case .connection:
            return error.isTransient ? backoff : nil
        case .rateLimited, .server:
            if error.kind == .server {
                guard let status = error.httpStatus, LLMError.retryableStatuses.contains(status) else { return nil }
            }
            guard let retryAfter = error.retryAfter else { return backoff }
            return retryAfter <= configuration.maxRetryAfter ? retryAfter : nil
        case .unauthorized, .contextOverflow, .badRequest, .modelNotFound, .firstTokenTimeout, .tokenTimeout, .malformed,
            .upstream:
            return nil
        }
    }

    // MARK: - One attempt

    /// One attempt: the exchange and its watchdog, as two child tasks; the first to end
    /// decides, and the other is cancelled.
    private func run(
        _ request: HTTPRequest, progress: AttemptProgress, context: LLMErrorContext,
        onEvent: @Sendable (ChatStreamEvent) async throws -> Void
    ) async throws {
        try await withoutActuallyEscaping(onEvent) { onEvent in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await watch(progress, context: context) }
                group.addTask { try await exchange(request, progress: progress, context: context, onEvent: onEvent) }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
        }
    }

    /// Throws the timeout once the attempt's deadline passes; runs until cancelled.
    private func watch(_ progress: AttemptProgress, context: LLMErrorContext) async throws {
        while true {
            switch progress.check(at: clock.now()) {
            case .wait(let until):
                try await clock.sleep(until: until)
            case .expired(let phase):
                let firstToken = phase == .awaitingFirstToken
                throw LLMError.timedOut(
                    firstToken: firstToken,
                    after: firstToken ? configuration.firstTokenTimeout : configuration.tokenTimeout, context: context)
            }
        }
    }

    /// Sends the request and hands what comes back to `onEvent`.
    private func exchange(
        _ request: HTTPRequest, progress: AttemptProgress, context: LLMErrorContext,
        onEvent: @Sendable (ChatStreamEvent) async throws -> Void
    ) async throws {
        let response: HTTPResponse
        do {
            response = try await http.execute(request)
        } catch let error as HTTPClientError {
            throw LLMError.transport(error, context: context, midStream: false)
        }
        guard (200..<300).contains(response.status) else {
            let body = await Self.prefix(of: response.body, upTo: Self.errorBodyLimit)
            throw LLMError.response(status: response.status, headers: response.headers, body: body, context: context)
        }
        let contentType = response.headers["Content-Type"] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingSpaces() }?.lowercased() ?? ""
        switch mediaType {
        case "text/event-stream", "":
            try await readEvents(response.body, progress: progress, context: context, onEvent: onEvent)
        case "application/json":
            let body: [UInt8]
            do {
                body = try await response.body.collect(upTo: Self.completionBodyLimit)
            } catch let error as HTTPClientError {
                throw LLMError.transport(error, context: context, midStream: false)
            }
            for event in try ChatStreamDecoder.completion(body, context: context) {
                try await deliver(event, progress: progress, to: onEvent)
            }
        default:
            let body = await Self.prefix(of: response.body, upTo: 300)
            throw LLMError.malformed(
                "HTTP \(response.status) with Content-Type \(mediaType) instead of an event stream (\(LLMError.plainText(body)))",
                context: context)
        }
    }

    /// Reads the event stream to `[DONE]` (or its end), delivering each event.
    private func readEvents(
        _ body: HTTPResponseBody, progress: AttemptProgress, context: LLMErrorContext,
        onEvent: @Sendable (ChatStreamEvent) async throws -> Void
    ) async throws {
        var parser = ServerSentEventParser(maxEventBytes: Self.eventLimit)
        var decoder = ChatStreamDecoder(context: context)
        var chunks = body.makeAsyncIterator()
        while true {
            let chunk: [UInt8]?
            do {
                chunk = try await chunks.next()
            } catch let error as HTTPClientError {
                throw LLMError.transport(error, context: context, midStream: progress.hasDelivered)
            }
            var events: [ServerSentEvent]
            if let chunk {
                do {
                    events = try parser.parse(chunk)
                } catch {
                    throw LLMError.malformed("an event larger than \(error.limit) bytes", context: context)
                }
            } else {
                events = parser.finish().map { [$0] } ?? []
            }
            for event in events {
                let decodedEvents = try decoder.decode(event)
                // Only answer text keeps the token timeout at bay: a server that sends empty
                // chunks or pings forever without a token still times out.
                if decodedEvents.contains(where: { if case .content = $0 { true } else { false } }) {
                    progress.received(at: clock.now())
                }
                for decoded in decodedEvents {
                    try await deliver(decoded, progress: progress, to: onEvent)
                }
                // Whatever follows [DONE] is not read; an unread rest costs the connection.
                if decoder.isDone { return }
            }
            if chunk == nil {
                try decoder.finish()
                return
            }
        }
    }

    /// Hands `event` to the consumer, the clock stopped meanwhile.
    private func deliver(
        _ event: ChatStreamEvent, progress: AttemptProgress, to onEvent: @Sendable (ChatStreamEvent) async throws -> Void
    ) async throws {
        progress.willDeliver()
        try await onEvent(event)
        progress.didDeliver(at: clock.now())
    }

    /// The first `limit` bytes of `body`, or what arrived before it failed; the rest is
    /// dropped (and the transfer with it).
    private static func prefix(of body: HTTPResponseBody, upTo limit: Int) async -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            for try await chunk in body {
                bytes += chunk.prefix(limit - bytes.count)
                if bytes.count >= limit { break }
            }
        } catch {
            // What arrived is enough to say what went wrong.
        }
        return bytes
    }
}

/// The timer of one attempt, shared by the exchange and its watchdog.
private final class AttemptProgress: Sendable {
    private let timer: Mutex<ChatStreamTimer>

    init(_ timer: ChatStreamTimer) {
        self.timer = Mutex(timer)
    }

    var hasDelivered: Bool { timer.withLock { $0.hasDelivered } }
    func received(at now: Duration) { timer.withLock { $0.received(at: now) } }
    func willDeliver() { timer.withLock { $0.willDeliver() } }
    func didDeliver(at now: Duration) { timer.withLock { $0.didDeliver(at: now) } }
    func check(at now: Duration) -> ChatStreamTimer.Verdict { timer.withLock { $0.check(at: now) } }
}

/// A clock reduced to offsets from the moment it was wrapped, so the client need not be
/// generic over it.
struct ChatClock: Sendable {
    /// Time since the clock was wrapped.
    let now: @Sendable () -> Duration
    private let sleepUntil: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        sleepUntil = { offset in try await clock.sleep(until: origin.advanced(by: offset), tolerance: nil) }
    }

    /// Sleeps until `now()` reaches `offset`, or the task is cancelled.
    func sleep(until offset: Duration) async throws {
        try await sleepUntil(offset)
    }
}
