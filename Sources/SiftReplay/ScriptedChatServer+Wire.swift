import FoundationEssentials
import NIOCore

/// The JSON a ``ScriptedChatServer`` reads and writes, shaped like OpenAI's.
enum ScriptedChatWire {
    /// The fields of a chat request the server reads.
    struct Request: Decodable {
        struct StreamOptions: Decodable {
            var include_usage: Bool?
        }
        struct Message: Decodable {
            var role: String
            var content: String?
        }
        var model: String?
        var messages: [Message]?
        var max_tokens: Int?
        var max_completion_tokens: Int?
        var temperature: Double?
        var stop: Stop?
        var stream: Bool?
        var stream_options: StreamOptions?
    }

    /// `stop`: a string or a list of strings.
    struct Stop: Decodable {
        var values: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) {
                values = [one]
            } else {
                values = try container.decode([String].self)
            }
        }
    }

    /// A `chat.completion.chunk`.
    struct Chunk: Encodable {
        var id: String
        var object = "chat.completion.chunk"
        var created: Int
        var model: String
        var system_fingerprint = "sift-replay"
        var choices: [Choice]
        var usage: Usage?
        var timings: Timings?
    }

    struct Choice: Encodable {
        var index = 0
        var delta: Delta
        var finishReason: String?

        private enum CodingKeys: String, CodingKey {
            case index, delta, finishReason = "finish_reason"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)  // null until the end, as OpenAI sends it
        }
    }

    struct Delta: Encodable {
        var role: String?
        var content: String?
    }

    struct Usage: Encodable {
        var prompt_tokens: Int
        var completion_tokens: Int
        var total_tokens: Int
    }

    /// llama.cpp's `timings`.
    struct Timings: Encodable {
        var prompt_n: Int
        var prompt_ms: Double
        var prompt_per_second: Double
        var predicted_n: Int
        var predicted_ms: Double
        var predicted_per_second: Double
    }

    /// A whole `chat.completion`.
    struct Completion: Encodable {
        struct Choice: Encodable {
            var index = 0
            var message: Message
            var finish_reason: String
        }
        struct Message: Encodable {
            var role = "assistant"
            var content: String
        }
        var id: String
        var object = "chat.completion"
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: Usage
    }

    /// `{"error": {"message", "type", "param", "code"}}`, nulls written out as OpenAI does.
    struct ErrorEnvelope: Encodable {
        struct Body: Encodable {
            var message: String
            var type: String
            var param: String?
            var code: String?

            private enum CodingKeys: String, CodingKey { case message, type, param, code }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)
                try container.encode(code, forKey: .code)
            }
        }
        var error: Body

        init(message: String, type: String, code: String? = nil) {
            error = Body(message: message, type: type, param: nil, code: code)
        }
    }

    /// `GET /v1/models`.
    struct ModelList: Encodable {
        struct Model: Encodable {
            var id: String
            var object = "model"
            var created: Int
            var owned_by = "sift-replay"
        }
        var object = "list"
        var data: [Model]
    }

    /// `data: <json>` and the blank line, with `lineEnding`.
    static func event(_ json: ByteBuffer, lineEnding: String) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeImmutableBuffer(json)
        buffer.writeString(lineEnding + lineEnding)
        return buffer
    }

    /// `data: <text>` and the blank line (for `[DONE]` and the deliberately broken chunk).
    static func event(text: String, lineEnding: String) -> ByteBuffer {
        ByteBuffer(string: "data: " + text + lineEnding + lineEnding)
    }
}
