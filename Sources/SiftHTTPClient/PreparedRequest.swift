import CCurl

/// A request checked and reduced to what libcurl is given: checked before any work, so
/// that a bad URL or header fails at once and never reaches the driver thread.
struct PreparedRequest: Sendable {
    let method: HTTPMethod
    let url: String
    /// The URL's host, lowercased, without IPv6 brackets: for messages and the SSRF guard.
    let host: String
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

/// The scheme and host of a URL, parsed by libcurl's URL API (so that we and libcurl
/// agree on what the host is).
struct URLParts: Sendable, Equatable {
    let scheme: String
    let host: String

    init?(_ url: String) {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK,
            let scheme = Self.part(handle, CURLUPART_SCHEME),
            let host = Self.part(handle, CURLUPART_HOST)
        else { return nil }
        self.scheme = scheme.lowercased()
        var normalized = Substring(host.lowercased())
        if normalized.hasPrefix("["), normalized.hasSuffix("]") {
            normalized = normalized.dropFirst().dropLast()
        }
        self.host = String(normalized)
    }

    private static func part(_ handle: OpaquePointer, _ part: CURLUPart) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}

/// Whole milliseconds in `duration`, at least 1 (libcurl reads 0 as "no timeout").
func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    let total = seconds.multipliedReportingOverflow(by: 1000)
    guard !total.overflow else { return Int.max }
    return max(1, Int(total.partialValue + attoseconds / 1_000_000_000_000_000))
}
