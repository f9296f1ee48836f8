/// A typed, client-facing error. It carries a stable machine `code`, a
/// human-readable `message`, the pipeline `stage` it came from, and whether a retry
/// may help. Transports map the `code` to their own statuses (SiftServer: HTTP).
public struct QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: String, Sendable, CaseIterable {
        case emptyQuery = "empty_query"
        case queryTooLong = "query_too_long"
        case invalidCharacters = "invalid_characters"
        case invalidEncoding = "invalid_encoding"
        case noSources = "no_sources"
        case providersFailed = "providers_failed"
        case synthesisFailed = "synthesis_failed"
        case slowClient = "slow_client"
        case overloaded = "overloaded"
        case shuttingDown = "shutting_down"
        case internalError = "internal"
        case badRequest = "bad_request"
        case sessionNotFound = "session_not_found"
        case sessionExpired = "session_expired"
        case queryNotFound = "query_not_found"
        case queryExpired = "query_expired"
        case badLastEventID = "bad_last_event_id"
        case queryLogFull = "query_log_full"
        case storeUnavailable = "store_unavailable"
        case replicaLost = "replica_lost"
        case unauthorized = "unauthorized"
        case forbidden = "forbidden"
        case keyInURL = "key_in_url"
        case rateLimited = "rate_limited"
        case tooManyStreams = "too_many_streams"
        case budgetExhausted = "budget_exhausted"
        case bodyTooLarge = "body_too_large"
    }

    private let _code: Code
    /// Human-readable explanation that tells the user what to do.
    public let message: String
    /// The pipeline stage the error belongs to.
    public let stage: Stage
    /// Seconds after which asking again may succeed, when the error knows (a key's limits); else nil.
    public let retryAfter: Int?

    private init(_ code: Code, _ message: String, stage: Stage, retryAfter: Int? = nil) {
        self._code = code
        self.message = message
        self.stage = stage
        self.retryAfter = retryAfter
    }

    /// Stable machine-readable code, e.g. `query_too_long`.
    public var code: String { _code.rawValue }

    /// Every code an error may have (the contract, docs/openapi.json, lists them all).
    public static var allCodes: [String] { Code.allCases.map(\.rawValue) }

    /// Whether the same request may succeed later.
    public var retryable: Bool {
        switch _code {
        case .providersFailed, .slowClient, .overloaded, .shuttingDown, .internalError, .storeUnavailable, .replicaLost,
            .rateLimited, .tooManyStreams, .budgetExhausted:
            true
        default: false
        }
    }

    public var description: String { "\(code): \(message)" }

    /// The query is empty or only white space.
    public static let emptyQuery = QueryError(
        .emptyQuery, "The question is empty. Type a question or a few search terms.", stage: .analyzing)

    /// The query is longer than `limit` characters.
    public static func queryTooLong(length: Int, limit: Int) -> QueryError {
        QueryError(
            .queryTooLong,
            "The question is \(length) characters long; the limit is \(limit). Shorten it or ask about one part at a time.",
            stage: .analyzing)
    }

    /// The query holds control characters other than tab and newline.
    public static func invalidCharacters(_ detail: String) -> QueryError {
        QueryError(
            .invalidCharacters, "The question contains \(detail). Remove it and ask again.", stage: .analyzing)
    }

    /// The query bytes are not valid UTF-8.
    public static let invalidEncoding = QueryError(
        .invalidEncoding, "The question is not valid UTF-8 text. Send it UTF-8 encoded.", stage: .analyzing)

    /// The request body is larger than the server reads.
    public static func bodyTooLarge(limit: Int) -> QueryError {
        QueryError(.bodyTooLarge, "The request body is larger than \(limit) bytes.", stage: .accepting)
    }

    /// A malformed request (missing parameter, bad JSON).
    public static func badRequest(_ message: String) -> QueryError {
        QueryError(.badRequest, message, stage: .analyzing)
    }

    /// No provider found anything for the query.
    public static func noSources(_ query: String) -> QueryError {
        QueryError(
            .noSources,
            "No source matched “\(query)”. Try other words, or add a knowledge-base folder (SIFT_KB_SOURCES) or a web provider.",
            stage: .searching)
    }

    /// Every enabled provider failed.
    public static func providersFailed(_ detail: String) -> QueryError {
        QueryError(.providersFailed, "Every search provider failed: \(detail)", stage: .searching)
    }

    /// The synthesizer failed and no fallback was possible.
    public static func synthesisFailed(_ detail: String) -> QueryError {
        QueryError(.synthesisFailed, "The answer could not be written: \(detail)", stage: .synthesizing)
    }

    /// The client could not keep up with the stream and was dropped.
    public static let slowClient = QueryError(
        .slowClient, "The connection was too slow to keep up with the stream, so it was closed. Ask again.",
        stage: .streaming)

    /// No API key, or one siftd does not know (revoked, mistyped); `detail` says which.
    public static func unauthorized(_ detail: String) -> QueryError {
        QueryError(.unauthorized, detail, stage: .accepting)
    }

    /// The key lacks the scope this route needs.
    public static func forbidden(key: String, scope: String) -> QueryError {
        QueryError(
            .forbidden, "The key “\(key)” lacks the scope “\(scope)” this needs; issue one with `siftd keys add NAME --scopes \(scope)`.",
            stage: .accepting)
    }

    /// A key was sent in the URL (`parameter`), where logs, proxies and browser history keep it.
    public static func keyInURL(_ parameter: String) -> QueryError {
        QueryError(
            .keyInURL,
            "An API key in the URL (“\(parameter.prefix(40))”) is refused: URLs end up in logs, proxies and browser history. Send it as the header Authorization: Bearer KEY, and revoke this key if it was real.",
            stage: .accepting)
    }

    /// The key's requests-per-minute bucket is empty.
    public static func rateLimited(key: String, perMinute: Int, retryAfter: Int) -> QueryError {
        QueryError(
            .rateLimited,
            "The key “\(key)” is limited to \(perMinute) requests a minute (limit: rpm); try again in \(retryAfter) s.",
            stage: .accepting, retryAfter: retryAfter)
    }

    /// The key runs as many queries at once as it may.
    public static func tooManyStreams(key: String, limit: Int) -> QueryError {
        QueryError(
            .tooManyStreams,
            "The key “\(key)” may run \(limit) queries at once (limit: streams), and does; wait for one to end.",
            stage: .accepting, retryAfter: 2)
    }

    /// The key spent its daily `budget` (`upstream` or `tokens`); it resets at `resetsAt`, `retryAfter` seconds from now.
    public static func budgetExhausted(key: String, budget: String, limit: Int, resetsAt: String, retryAfter: Int) -> QueryError {
        let what = budget == "tokens" ? "LLM tokens" : "upstream search requests"
        return QueryError(
            .budgetExhausted,
            "The key “\(key)” spent its daily budget of \(limit) \(what) (limit: daily_\(budget)); it resets at \(resetsAt) (midnight UTC).",
            stage: .accepting, retryAfter: retryAfter)
    }

    /// Too many queries are running.
    public static func overloaded(limit: Int) -> QueryError {
        QueryError(
            .overloaded, "Sift is answering \(limit) questions already. Try again in a few seconds.", stage: .accepting,
            retryAfter: 2)
    }

    /// The CPU queue is full: `waiting` queries already wait for a slot (`SIFT_QUERY_QUEUE`).
    public static func queueFull(waiting: Int, retryAfter: Int) -> QueryError {
        QueryError(
            .overloaded,
            "Sift is busy: \(waiting) questions are already waiting for a turn (limit: SIFT_QUERY_QUEUE). Try again in \(retryAfter) s.",
            stage: .accepting, retryAfter: retryAfter)
    }

    /// The daemon is shutting down.
    public static let shuttingDown = QueryError(
        .shuttingDown, "Sift is shutting down. Try again when it is back.", stage: .streaming)

    /// An unexpected failure inside Sift.
    public static func internalError(_ detail: String, stage: Stage) -> QueryError {
        QueryError(.internalError, "Sift failed unexpectedly: \(detail)", stage: stage)
    }

    /// A follow-up named a session this daemon never issued.
    public static func sessionNotFound(_ id: String) -> QueryError {
        QueryError(
            .sessionNotFound,
            "There is no session “\(id.prefix(64))”. Ask the question without a session to start a new one.",
            stage: .accepting)
    }

    /// A follow-up named a session that has expired or was evicted.
    public static func sessionExpired(_ id: String, detail: String) -> QueryError {
        QueryError(
            .sessionExpired,
            "The session “\(id.prefix(64))” \(detail), so its earlier answers are gone. Ask the question again without a session to start a new one.",
            stage: .accepting)
    }

    /// A reader asked for the events of a query this daemon never started (or started before a restart).
    public static func queryNotFound(_ id: String) -> QueryError {
        QueryError(
            .queryNotFound, "There is no query “\(id.prefix(64))”. Start one with POST /v1/queries.", stage: .accepting)
    }

    /// A reader asked for the events of a query that is no longer kept.
    public static func queryExpired(_ id: String, detail: String) -> QueryError {
        QueryError(
            .queryExpired,
            "The query “\(id.prefix(64))” \(detail), so its events are gone. Ask the question again.",
            stage: .accepting)
    }

    /// A resuming reader's `Last-Event-ID` is not an id the query sent.
    public static func badLastEventID(_ detail: String) -> QueryError {
        QueryError(.badLastEventID, "\(detail) Read the events again from the start (no Last-Event-ID).", stage: .streaming)
    }

    /// A resumable query recorded as many event bytes as one query may keep; it was stopped there.
    public static func queryLogFull(limit: Int) -> QueryError {
        QueryError(
            .queryLogFull,
            "The answer grew past the \(byteText(limit)) Sift keeps per query so that it can be resumed, so it was stopped here. Ask a narrower question.",
            stage: .streaming)
    }

    /// The events kept for every resumable query reached their budget while this one was running; it was stopped there.
    public static func resumeMemoryFull(limit: Int) -> QueryError {
        QueryError(
            .overloaded,
            "Sift is keeping \(byteText(limit)) of answers for resuming, its limit, so this one was stopped here. Try again in a few seconds.",
            stage: .streaming)
    }

    /// The shared store (PostgreSQL) cannot be reached: nothing can be started or read until it is back.
    public static func storeUnavailable(_ detail: String) -> QueryError {
        QueryError(
            .storeUnavailable,
            "Sift cannot reach its database (\(detail)), so it cannot keep this answer. Try again in a few seconds.",
            stage: .accepting)
    }

    /// The replica running the query stopped renewing its lease (it died or lost the database); another replica ended the query.
    public static func replicaLost(_ replica: String) -> QueryError {
        QueryError(
            .replicaLost,
            "The Sift replica answering this question (\(replica.prefix(80))) stopped, so the answer ends here. Ask again.",
            stage: .streaming)
    }

    private static func byteText(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
