/// Why a chat completion failed: a kind to decide on, a message for the operator that
/// says what to do, and the HTTP status and `Retry-After` when the server gave them.
///
/// Cancellation is not an `LLMError`: a cancelled stream throws `CancellationError`.
public struct LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely.
    public enum Kind: Sendable, Hashable, CaseIterable {
        /// HTTP 401 or 403: the API key is missing or refused.
        case unauthorized
        /// HTTP 429: too many requests; `retryAfter` says for how long when the server said.
        case rateLimited
        /// The prompt does not fit the model's context window (an HTTP 4xx saying so).
        case contextOverflow
        /// Any other HTTP 4xx: the server refused the request as invalid.
        case badRequest
        /// HTTP 404, or an error whose code is `model_not_found`.
        case modelNotFound
        /// HTTP 5xx.
        case server
        /// No answer began within the first-token timeout.
        case firstTokenTimeout
        /// The stream stalled between two chunks for longer than the token timeout.
        case tokenTimeout
        /// The server could not be reached or the connection failed (refused, reset,
        /// DNS, TLS, closed mid-answer).
        case connection
        /// The server sent what is not an OpenAI event stream or completion: a chunk
        /// that is not JSON or not of the expected shape, a stream that ended before
        /// it finished, or a body that is not an event stream at all.
        case malformed
        /// The server reported an error (`{"error": …}`) inside a stream that had
        /// begun with HTTP 200.
        case upstream

        /// The stable snake_case name, for metric labels and warning codes.
        public var code: String {
            switch self {
            case .unauthorized: "unauthorized"
            case .rateLimited: "rate_limited"
            case .contextOverflow: "context_overflow"
            case .badRequest: "bad_request"
            case .modelNotFound: "model_not_found"
            case .server: "server_error"
            case .firstTokenTimeout: "first_token_timeout"
            case .tokenTimeout: "token_timeout"
            case .connection: "connection"
            case .malformed: "malformed"
            case .upstream: "upstream_error"
            }
        }
    }

    /// What went wrong.
    public var kind: Kind
    /// What happened and what an operator can do about it.
    public var message: String
    /// The HTTP status of the failed response, when there was one.
    public var httpStatus: Int?
    /// How long the server asked to wait before another request (`Retry-After`).
    public var retryAfter: Duration?
    /// A connection failure that a later attempt may not meet (refused, reset, DNS).
    var isTransient: Bool

    /// An error of `kind`.
    public init(_ kind: Kind, _ message: String, httpStatus: Int? = nil, retryAfter: Duration? = nil) {
        self.init(kind, message, httpStatus: httpStatus, retryAfter: retryAfter, isTransient: false)
    }

    init(_ kind: Kind, _ message: String, httpStatus: Int? = nil, retryAfter: Duration? = nil, isTransient: Bool) {
        self.kind = kind
        self.message = message
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
        self.isTransient = isTransient
    }

    /// The stable snake_case name of the kind, for metric labels and warning codes.
    public var code: String { kind.code }

    /// The code, the HTTP status when there is one, and the message.
    public var description: String {
        if let httpStatus { return "\(code) (HTTP \(httpStatus)): \(message)" }
        return "\(code): \(message)"
    }
}
