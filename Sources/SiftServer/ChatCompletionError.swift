import HTTPTypes
import Hummingbird
import SiftCore

/// An error of the OpenAI-compatible surface, in OpenAI's envelope:
/// `{"error":{"message","type","param","code"}}`, with its HTTP status.
///
/// `code` is Sift's own error code (the same as the rest of the API's, docs/api.md "Errors"), `type`
/// OpenAI's category: `invalid_request_error` (400, 404, 410), `rate_limit_error` (429),
/// `server_error` (5xx). The openai SDKs raise by status (`BadRequestError`, `RateLimitError`, …).
struct ChatCompletionError: Error, Sendable, Equatable {
    var status: Int
    var message: String
    var type: String
    var param: String?
    var code: String
    /// Seconds for `Retry-After` on a 429 or 503 (2 when the error names none).
    var retryAfter: Int?

    init(status: Int, message: String, param: String? = nil, code: String, retryAfter: Int? = nil) {
        self.status = status
        self.retryAfter = retryAfter
        self.message = message
        self.param = param
        self.code = code
        self.type = Self.type(ofStatus: status)
    }

    /// A query error as the chat surface reports it: `param` names the request field it is about.
    init(_ error: QueryError, param: String? = nil) {
        self.init(status: error.httpStatus, message: error.message, param: param, code: error.code, retryAfter: error.retryAfter)
    }

    /// An `error` event of a query's log.
    init(_ info: PipelineEvent.ErrorInfo) {
        self.init(status: HTTPStatusMapping.status(ofCode: info.code), message: info.message, code: info.code)
    }

    /// A malformed body or field (400 `invalid_request_error`).
    static func invalid(_ message: String, param: String? = nil, code: String = "bad_request") -> ChatCompletionError {
        ChatCompletionError(status: 400, message: message, param: param, code: code)
    }

    static func type(ofStatus status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        default: "server_error"
        }
    }

    /// The envelope.
    struct Body: Encodable {
        struct Inner: Encodable {
            var message: String
            var type: String
            var param: String?
            var code: String

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)  // null when no field is at fault
                try container.encode(code, forKey: .code)
            }

            enum CodingKeys: String, CodingKey { case message, type, param, code }
        }
        var error: Inner
    }

    var body: Body { Body(error: .init(message: message, type: type, param: param, code: code)) }

    /// The JSON response, with `Retry-After` on 429 and 503.
    func response(id: QueryID) -> Response {
        var response = Response.json(body, status: .init(code: status), id: id)
        if status == 429 || status == 503 { response.headers[.retryAfter] = String(retryAfter ?? 2) }
        return response
    }
}
