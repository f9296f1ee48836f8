import SiftCore

/// The JSON shapes of the OpenAI-compatible surface (`POST /v1/chat/completions`,
/// `GET /v1/models`), as the OpenAI API documents them, plus the extra top-level fields
/// other answer engines' clients read (Perplexity's `citations` and `search_results`,
/// Open WebUI's `event`).
enum ChatWire {
    /// `{"type":"url_citation","url_citation":{url,title,start_index,end_index}}`: a source cited
    /// at `[start_index, end_index)` of the message content, counted in Unicode scalars (Python's
    /// string indices), where the `[n]` marker is.
    struct Annotation: Encodable, Sendable, Equatable {
        struct URLCitation: Encodable, Sendable, Equatable {
            var url: String
            var title: String
            var startIndex: Int
            var endIndex: Int

            enum CodingKeys: String, CodingKey {
                case url, title
                case startIndex = "start_index"
                case endIndex = "end_index"
            }
        }
        var type = "url_citation"
        var urlCitation: URLCitation

        init(url: String, title: String, startIndex: Int, endIndex: Int) {
            urlCitation = URLCitation(url: url, title: title, startIndex: startIndex, endIndex: endIndex)
        }

        enum CodingKeys: String, CodingKey {
            case type
            case urlCitation = "url_citation"
        }
    }

    /// One of Perplexity's `search_results`: every source the answer was written from.
    struct SearchResult: Encodable, Sendable, Equatable {
        var title: String
        var url: String
        var snippet: String
        /// When the source says it was published (as the provider gave it).
        var date: String?
    }

    /// Open WebUI's progress event: `{"type":"status","data":{"description","done"}}`.
    struct StatusEvent: Encodable, Sendable, Equatable {
        struct Data: Encodable, Sendable, Equatable {
            var description: String
            var done: Bool
        }
        var type = "status"
        var data: Data

        init(description: String, done: Bool) { data = Data(description: description, done: done) }
    }

    /// Token counts; `prompt_tokens` is estimated, `completion_tokens` is the model's count when it reported one.
    struct Usage: Encodable, Sendable, Equatable {
        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int { promptTokens + completionTokens }

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(promptTokens, forKey: .promptTokens)
            try container.encode(completionTokens, forKey: .completionTokens)
            try container.encode(totalTokens, forKey: .totalTokens)
        }
    }

    /// What every chunk and completion starts with.
    struct Header: Sendable, Equatable {
        var id: String
        var created: Int
        var model: String
        var systemFingerprint: String
    }

    /// `delta` of a chunk's choice: only what is new.
    struct Delta: Encodable, Sendable, Equatable {
        var role: String?
        var content: String?
        var annotations: [Annotation]?
    }

    /// One `chat.completion.chunk`. Every field the schema requires is always there (`choices` may be
    /// empty: the usage chunk, a status event); `usage` is `null` on every chunk but the usage chunk
    /// when the client asked for usage, and absent otherwise.
    struct Chunk: Encodable, Sendable, Equatable {
        var header: Header
        /// nil: no choice (`choices: []`).
        var delta: Delta?
        var finishReason: String?
        /// `.some(nil)` writes `"usage": null`.
        var usage: Usage??
        var citations: [String]?
        var searchResults: [SearchResult]?
        var event: StatusEvent?

        enum CodingKeys: String, CodingKey {
            case id, object, created, model
            case systemFingerprint = "system_fingerprint"
            case choices, usage, citations
            case searchResults = "search_results"
            case event
        }

        private struct Choice: Encodable {
            var delta: Delta
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case index, delta
                case finishReason = "finish_reason"
                case logprobs
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(0, forKey: .index)
                try container.encode(delta, forKey: .delta)
                try container.encode(finishReason, forKey: .finishReason)  // null until the last
                try container.encodeNil(forKey: .logprobs)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(header.id, forKey: .id)
            try container.encode("chat.completion.chunk", forKey: .object)
            try container.encode(header.created, forKey: .created)
            try container.encode(header.model, forKey: .model)
            try container.encode(header.systemFingerprint, forKey: .systemFingerprint)
            try container.encode(delta.map { [Choice(delta: $0, finishReason: finishReason)] } ?? [], forKey: .choices)
            if let usage { try container.encode(usage, forKey: .usage) }
            try container.encodeIfPresent(citations, forKey: .citations)
            try container.encodeIfPresent(searchResults, forKey: .searchResults)
            try container.encodeIfPresent(event, forKey: .event)
        }
    }

    /// The whole answer as one `chat.completion` (a request without `stream`).
    struct Completion: Encodable, Sendable, Equatable {
        var header: Header
        var content: String
        var annotations: [Annotation]
        var usage: Usage
        var citations: [String]
        var searchResults: [SearchResult]
        /// Sift's own progress, only when status events were asked for (the last status).
        var event: StatusEvent?

        enum CodingKeys: String, CodingKey {
            case id, object, created, model
            case systemFingerprint = "system_fingerprint"
            case choices, usage, citations
            case searchResults = "search_results"
            case event
        }

        private struct Message: Encodable {
            var content: String
            var annotations: [Annotation]

            enum CodingKeys: String, CodingKey { case role, content, refusal, annotations }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode("assistant", forKey: .role)
                try container.encode(content, forKey: .content)
                try container.encodeNil(forKey: .refusal)
                try container.encode(annotations, forKey: .annotations)
            }
        }

        private struct Choice: Encodable {
            var message: Message

            enum CodingKeys: String, CodingKey {
                case index, message
                case finishReason = "finish_reason"
                case logprobs
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(0, forKey: .index)
                try container.encode(message, forKey: .message)
                try container.encode("stop", forKey: .finishReason)
                try container.encodeNil(forKey: .logprobs)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(header.id, forKey: .id)
            try container.encode("chat.completion", forKey: .object)
            try container.encode(header.created, forKey: .created)
            try container.encode(header.model, forKey: .model)
            try container.encode(header.systemFingerprint, forKey: .systemFingerprint)
            try container.encode(
                [Choice(message: Message(content: content, annotations: annotations))], forKey: .choices)
            try container.encode(usage, forKey: .usage)
            try container.encode(citations, forKey: .citations)
            try container.encode(searchResults, forKey: .searchResults)
            try container.encodeIfPresent(event, forKey: .event)
        }
    }

    /// `GET /v1/models`: `{"object":"list","data":[{id, object:"model", created, owned_by}]}`.
    struct ModelList: Encodable, Sendable, Equatable {
        struct Model: Encodable, Sendable, Equatable {
            var id: String
            var object = "model"
            var created: Int
            var ownedBy = "sift"

            enum CodingKeys: String, CodingKey {
                case id, object, created
                case ownedBy = "owned_by"
            }
        }
        var object = "list"
        var data: [Model]
    }
}
