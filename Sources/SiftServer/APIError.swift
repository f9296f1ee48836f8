import HTTPTypes
import Hummingbird
import NIOCore
import SiftCore

/// The JSON error document: `{"error": {"code", "message", "stage", "retryable"}}`.
struct APIErrorBody: Encodable {
    struct Inner: Encodable {
        var code: String
        var message: String
        var stage: String
        var retryable: Bool
    }
    var error: Inner

    init(_ error: QueryError) {
        self.error = Inner(code: error.code, message: error.message, stage: error.stage.rawValue, retryable: error.retryable)
    }

    init(_ info: PipelineEvent.ErrorInfo) {
        self.error = Inner(code: info.code, message: info.message, stage: info.stage.rawValue, retryable: info.retryable)
    }
}

extension Response {
    /// A JSON response with `status` and the request id header.
    static func json(_ body: some Encodable, status: HTTPResponse.Status, id: QueryID?) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if let id { headers[.requestID] = id.rawValue }
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: EventEncoder().json(body))))
    }

    /// The typed JSON error response for `error`.
    static func error(_ error: QueryError, id: QueryID?) -> Response {
        var response = json(APIErrorBody(error), status: .init(code: error.httpStatus), id: id)
        if error.httpStatus == 429 || error.httpStatus == 503 { response.headers[.retryAfter] = String(error.retryAfter ?? 2) }
        if error.httpStatus == 401 { response.headers[.wwwAuthenticate] = #"Bearer realm="sift""# }
        return response
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: the query id, shared with the events and the journal.
    static let requestID = HTTPField.Name("X-Request-Id")!
    /// `X-Accel-Buffering`: tells nginx-style proxies not to buffer the stream.
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
    /// `Sift-Session`: the session a query belongs to; send it back as `session` for a follow-up.
    static let siftSession = HTTPField.Name("Sift-Session")!
}
