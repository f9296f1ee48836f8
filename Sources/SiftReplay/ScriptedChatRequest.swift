import HTTPTypes

/// One `POST /v1/chat/completions` as a ``ScriptedChatServer`` saw and answered it.
///
/// Times are `CLOCK_MONOTONIC` nanoseconds (``ScriptedChatServer/monotonicNanoseconds()``),
/// comparable across processes on the same machine.
public struct ScriptedChatRequest: Sendable {
    /// One message of the request's conversation.
    public struct Message: Sendable, Equatable, Codable {
        /// `system`, `user` or `assistant`.
        public var role: String
        /// The text.
        public var content: String

        /// A message of `role` saying `content`.
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// The request's number, from 1, in the order they arrived.
    public var index: Int
    /// The request headers exactly as received.
    public var headers: HTTPFields
    /// The body as received.
    public var body: [UInt8]
    /// `model`, if the body had one.
    public var model: String?
    /// `messages`, decoded.
    public var messages: [Message]
    /// `max_tokens` (or `max_completion_tokens`).
    public var maxTokens: Int?
    /// `temperature`.
    public var temperature: Double?
    /// `stop`, a single string read as a list of one.
    public var stop: [String]?
    /// `stream`.
    public var stream: Bool
    /// `stream_options.include_usage`.
    public var includeUsage: Bool
    /// The status answered.
    public var status: Int
    /// When the request arrived.
    public var receivedAt: UInt64
    /// When the first content token was written, if one was.
    public var firstTokenAt: UInt64?
    /// When the response ended, however it ended.
    public var finishedAt: UInt64?
    /// Content tokens written.
    public var tokensSent: Int
    /// The whole answer was written.
    public var completed: Bool
    /// The client went away before the answer was over: a write failed, the connection
    /// closed, or the response task was cancelled.
    public var clientWentAway: Bool

    /// The value of the header `name`, if it was sent (several values joined with ", ").
    public func header(_ name: String) -> String? {
        guard let field = HTTPField.Name(name) else { return nil }
        return headers[field]
    }

    /// The body as text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What `GET /stats` reports: totals, and one entry per request kept.
public struct ScriptedChatStats: Sendable, Equatable, Codable {
    /// One request, as `GET /stats` lists it.
    public struct Entry: Sendable, Equatable, Codable {
        /// The request's number (`index`).
        public var index: Int
        /// `model` as sent.
        public var model: String?
        /// `max_tokens` as sent.
        public var maxTokens: Int?
        /// How many messages the request had.
        public var messages: Int
        /// Whether it asked to stream.
        public var stream: Bool
        /// The status answered.
        public var status: Int
        /// When it arrived (`received_ns`, `CLOCK_MONOTONIC`).
        public var receivedNs: UInt64
        /// When its first token was written (`first_token_ns`).
        public var firstTokenNs: UInt64?
        /// When its response ended (`finished_ns`).
        public var finishedNs: UInt64?
        /// Content tokens written (`tokens_sent`).
        public var tokensSent: Int
        /// The whole answer was written.
        public var completed: Bool
        /// The client left early (`client_went_away`).
        public var clientWentAway: Bool

        private enum CodingKeys: String, CodingKey {
            case index, model, maxTokens = "max_tokens", messages, stream, status, receivedNs = "received_ns"
            case firstTokenNs = "first_token_ns", finishedNs = "finished_ns", tokensSent = "tokens_sent", completed
            case clientWentAway = "client_went_away"
        }

        init(_ request: ScriptedChatRequest) {
            index = request.index
            model = request.model
            maxTokens = request.maxTokens
            messages = request.messages.count
            stream = request.stream
            status = request.status
            receivedNs = request.receivedAt
            firstTokenNs = request.firstTokenAt
            finishedNs = request.finishedAt
            tokensSent = request.tokensSent
            completed = request.completed
            clientWentAway = request.clientWentAway
        }
    }

    /// Chat requests received since the start (or the last reset).
    public var requests: Int
    /// Those whose whole answer was written.
    public var completed: Int
    /// Those whose client went away before the end.
    public var clientWentAway: Int
    /// Content tokens written in all.
    public var tokensSent: Int
    /// The requests kept (the most recent), oldest first.
    public var entries: [Entry]

    private enum CodingKeys: String, CodingKey {
        case requests, completed, clientWentAway = "client_went_away", tokensSent = "tokens_sent", entries
    }
}
