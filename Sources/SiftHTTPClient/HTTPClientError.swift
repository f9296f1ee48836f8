/// Why a request failed: a kind to switch on, and a message that names the host,
/// limit or address involved.
///
/// An HTTP status, even 5xx, is never an error: it arrives as an `HTTPResponse`.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, coarsely, for deciding what to do about it.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// The URL could not be parsed, or its scheme is not http or https.
        case invalidURL
        /// The host name did not resolve.
        case resolveFailed
        /// No connection could be made (refused, unreachable).
        case connectFailed
        /// The connect timeout, the total timeout or the idle timeout passed.
        case timedOut
        /// The total timeout passed while the request was still waiting for a free connection
        /// (the pool's per-host or total cap): nothing was resolved, connected or sent.
        case queuedTooLong
        /// More redirects than `HTTPRequest.maxRedirects`, or a redirect loop.
        case tooManyRedirects
        /// The SSRF guard refused a private, local or metadata address.
        case blockedAddress
        /// The body is larger than `HTTPRequest.maxBodyBytes` (or a `collect(upTo:)` limit).
        case bodyTooLarge
        /// TLS handshake or certificate verification failed.
        case tls
        /// The calling task was cancelled, or the response body was dropped unread.
        case cancelled
        /// The client was shut down.
        case shutdown
        /// The client's configuration is not usable (for example a bad allowed-host entry).
        case invalidConfiguration
        /// Any other transport failure (connection reset, truncated body, protocol error).
        case transport

        public var description: String {
            switch self {
            case .invalidURL: "invalid URL"
            case .resolveFailed: "resolve failed"
            case .connectFailed: "connect failed"
            case .timedOut: "timed out"
            case .queuedTooLong: "queued too long"
            case .tooManyRedirects: "too many redirects"
            case .blockedAddress: "blocked address"
            case .bodyTooLarge: "body too large"
            case .tls: "TLS failure"
            case .cancelled: "cancelled"
            case .shutdown: "client shut down"
            case .invalidConfiguration: "invalid configuration"
            case .transport: "transport failure"
            }
        }
    }

    /// What went wrong.
    public var kind: Kind
    /// A human-readable explanation naming the host, limit or address involved.
    public var message: String
    /// The libcurl result code behind this error, when there is one.
    public var curlCode: Int?
    /// Set for a timeout that passed before any connection was made (nothing was sent).
    var isConnectTimeout = false

    /// An error of `kind` with `message`.
    public init(_ kind: Kind, _ message: String, curlCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.curlCode = curlCode
    }

    public var description: String {
        if let curlCode {
            return "\(kind): \(message) (curl \(curlCode))"
        }
        return "\(kind): \(message)"
    }

    /// A connect-stage failure that a later attempt may not meet: resolve, connect, or a
    /// timeout before any connection was made. Nothing of the request was sent.
    var isConnectFailure: Bool {
        kind == .resolveFailed || kind == .connectFailed || (kind == .timedOut && isConnectTimeout)
    }
}
