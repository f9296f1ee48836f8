/// The request methods Sift sends.
public enum HTTPMethod: String, Sendable, Hashable {
    case get = "GET"
    case head = "HEAD"
    case post = "POST"

    /// Whether sending the request twice has the effect of sending it once (RFC 9110
    /// 9.2.2): only these are retried.
    public var isIdempotent: Bool {
        switch self {
        case .get, .head: true
        case .post: false
        }
    }
}

/// One HTTP request and the limits it runs under.
public struct HTTPRequest: Sendable {
    /// The method; `.head` asks for no body.
    public var method: HTTPMethod = .get
    /// An absolute `http://` or `https://` URL.
    public var url: String
    /// Extra request headers. `User-Agent` here overrides the client's; `Accept-Encoding`
    /// is set by the client (every encoding libcurl decodes) and should not be given.
    public var headers: HTTPHeaders
    /// The request body (sent for `.post`; an empty body when nil).
    public var body: [UInt8]?
    /// Longest wait for a connection, name resolution included.
    public var connectTimeout: Duration = .seconds(5)
    /// Longest time for the whole exchange, body included, from the start of each attempt.
    public var totalTimeout: Duration = .seconds(30)
    /// Longest time without a received byte once the request is on a connection. Time
    /// spent paused because the consumer is behind does not count.
    public var idleTimeout: Duration = .seconds(10)
    /// Redirects to follow; 0 returns the 3xx response itself.
    public var maxRedirects: Int = 5
    /// Largest body accepted, after decoding; more fails with `.bodyTooLarge`. nil is no limit.
    public var maxBodyBytes: Int? = nil
    /// Refuse to connect to loopback, private, link-local, unique-local, CGNAT, multicast,
    /// unspecified and cloud-metadata addresses, on every connection including redirects,
    /// unless the host or address is in `HTTPClient.Configuration.allowedHosts`.
    public var guardsPrivateAddresses: Bool = false
    /// How failed attempts are retried; applies to idempotent methods only.
    public var retry: RetryPolicy = .default

    /// A request for `url`.
    public init(url: String, method: HTTPMethod = .get, headers: HTTPHeaders = [:], body: [UInt8]? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }
}
