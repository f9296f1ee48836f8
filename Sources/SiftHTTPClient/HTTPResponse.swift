/// A response whose head has arrived; its body streams after.
///
/// Dropping the response (and every copy of its body) before the body is read to the
/// end aborts the transfer and closes its connection.
public struct HTTPResponse: Sendable {
    /// The status code of the final response.
    public var status: Int
    /// The headers of the final response (after redirects) only. When libcurl decoded a
    /// compressed body, `Content-Encoding` and `Content-Length` still describe the
    /// encoded bytes on the wire.
    public var headers: HTTPHeaders
    /// The URL that answered, after redirects.
    public var url: String
    /// The HTTP version of the final response: "1.1", "1.0" or "2".
    public var httpVersion: String
    /// The body, as it arrives, decoded.
    public var body: HTTPResponseBody
    /// How many attempts it took (1 when the first one answered).
    public var attempts: Int

    /// New connections opened for this response (0: a cached connection was reused).
    @_spi(Testing) public var newConnections: Int

    init(head: ResponseHead, body: HTTPResponseBody, attempts: Int) {
        status = head.status
        headers = head.headers
        url = head.url
        httpVersion = head.httpVersion
        self.body = body
        self.attempts = attempts
        newConnections = head.newConnections
    }
}
