/// A request checked and reduced to what libcurl is given: checked before any work, so
/// that a bad URL or header fails at once and never reaches the driver thread.
struct PreparedRequest: Sendable {
    let method: HTTPMethod
    let url: String
    /// The URL's host, lowercased, without IPv6 brackets: for messages and the SSRF guard.
    let host: String
    /// Whether the URL is https (the connection is TLS and may multiplex with HTTP/2).
    let isTLS: Bool
    /// `Name: value` lines (`Name;` for an empty value, as libcurl wants it).
    let headerLines: [String]
    let body: [UInt8]?
    let connectTimeoutMilliseconds: Int
    let totalTimeoutMilliseconds: Int
    let idleTimeout: Duration
    let maxRedirects: Int
    let maxBodyBytes: Int?
    let guardsPrivateAddresses: Bool
    let userAgent: String

    init(_ request: HTTPRequest, userAgent: String) throws(HTTPClientError) {
        guard let parts = URLParts(request.url) else {
            throw HTTPClientError(.invalidURL, "'\(request.url)' is not an absolute http or https URL")
        }
        guard parts.scheme == "http" || parts.scheme == "https" else {
            throw HTTPClientError(.invalidURL, "'\(request.url)' uses scheme '\(parts.scheme)'; only http and https are fetched")
        }
        var lines: [String] = []
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                throw HTTPClientError(.invalidConfiguration, "request header name '\(name)' is not an HTTP token")
            }
            guard !value.utf8.contains(where: { $0 == 0x0d || $0 == 0x0a || $0 == 0 }) else {
                throw HTTPClientError(.invalidConfiguration, "request header '\(name)' has a line break in its value")
            }
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if request.method == .post, !request.headers.contains("Expect") {
            lines.append("Expect:")  // no 100-continue round trip for large bodies
        }
        method = request.method
        url = request.url
        host = parts.host
        isTLS = parts.scheme == "https"
        headerLines = lines
        body = request.body
        connectTimeoutMilliseconds = milliseconds(request.connectTimeout)
        totalTimeoutMilliseconds = milliseconds(request.totalTimeout)
        idleTimeout = request.idleTimeout
        maxRedirects = max(0, request.maxRedirects)
        maxBodyBytes = request.maxBodyBytes.map { max(0, $0) }
        guardsPrivateAddresses = request.guardsPrivateAddresses
        self.userAgent = request.headers["User-Agent"] ?? userAgent
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
