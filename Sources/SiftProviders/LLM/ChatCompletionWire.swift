import FoundationEssentials

/// One `chat.completion.chunk` (streamed) or `chat.completion` (whole) object, as far as
/// Sift reads it. Only the shapes are strict: a field of the wrong type fails the decode
/// (the chunk is malformed); missing and `null` fields are allowed everywhere.
struct ChatCompletionWire: Decodable {
    struct Choice: Decodable {
        var index: Int?
        /// The new piece of the message (streamed chunks).
        var delta: Message?
        /// The whole message (a `chat.completion`).
        var message: Message?
        var finishReason: String?

        private enum CodingKeys: String, CodingKey {
            case index, delta, message, finishReason = "finish_reason"
        }
    }

    struct Message: Decodable {
        /// Text; `null` in a role-only chunk.
        var content: String?
    }

    var choices: [Choice]?
    var usage: ChatUsage?
    var timings: ChatTimings?
    var error: UpstreamErrorDetail?

    private enum CodingKeys: String, CodingKey {
        case choices, usage, timings, error
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        choices = try container.decodeIfPresent([Choice].self, forKey: .choices)
        usage = try container.decodeIfPresent(ChatUsage.self, forKey: .usage)
        // Diagnostics only: an odd timings object is dropped, never fatal.
        timings = (try? container.decodeIfPresent(ChatTimings.self, forKey: .timings)) ?? nil
        error = try container.decodeIfPresent(UpstreamErrorDetail.self, forKey: .error)
    }

    /// The first choice (Sift asks for one), preferring index 0.
    var firstChoice: Choice? {
        choices?.first(where: { $0.index == 0 }) ?? choices?.first
    }

    /// Decodes one JSON object.
    static func decode(_ bytes: some Collection<UInt8>) throws -> ChatCompletionWire {
        try JSONDecoder().decode(ChatCompletionWire.self, from: Data(bytes))
    }
}

/// An error object as OpenAI-compatible servers send it, in an error response or inside
/// a stream: OpenAI's `{"message", "type", "param", "code"}` (code a string), llama.cpp's
/// `{"code": 400, "message", "type": "exceed_context_size_error", "n_prompt_tokens",
/// "n_ctx"}` (code a number), or a bare string.
struct UpstreamErrorDetail: Decodable, Equatable {
    var message: String?
    var type: String?
    /// `code` as text, whether it came as a string or a number.
    var code: String?
    /// llama.cpp: tokens in the prompt that did not fit.
    var promptTokens: Int?
    /// llama.cpp: the context size.
    var contextSize: Int?

    init(message: String? = nil, type: String? = nil, code: String? = nil, promptTokens: Int? = nil, contextSize: Int? = nil) {
        self.message = message
        self.type = type
        self.code = code
        self.promptTokens = promptTokens
        self.contextSize = contextSize
    }

    private enum CodingKeys: String, CodingKey {
        case message, type, code, promptTokens = "n_prompt_tokens", contextSize = "n_ctx"
    }

    init(from decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: CodingKeys.self) else {
            self.init(message: try decoder.singleValueContainer().decode(String.self))
            return
        }
        var code: String?
        if let text = try? container.decodeIfPresent(String.self, forKey: .code) {
            code = text
        } else if let number = try? container.decodeIfPresent(Int.self, forKey: .code) {
            code = String(number)
        }
        self.init(
            message: (try? container.decodeIfPresent(String.self, forKey: .message)) ?? nil,
            type: (try? container.decodeIfPresent(String.self, forKey: .type)) ?? nil, code: code,
            promptTokens: (try? container.decodeIfPresent(Int.self, forKey: .promptTokens)) ?? nil,
            contextSize: (try? container.decodeIfPresent(Int.self, forKey: .contextSize)) ?? nil)
    }

    /// The error in an error response's body: `{"error": {…}}` or `{"error": "…"}`
    /// (OpenAI, llama.cpp), a top-level `{"message", "type", "code"}` (vLLM), or
    /// `{"detail": "…"}` (FastAPI servers). nil when the body is none of these.
    static func parse(body: [UInt8]) -> UpstreamErrorDetail? {
        struct Envelope: Decodable {
            var error: UpstreamErrorDetail?
            var detail: String?
        }
        guard !body.isEmpty, let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(body)) else { return nil }
        if let error = envelope.error { return error }
        if let topLevel = try? JSONDecoder().decode(UpstreamErrorDetail.self, from: Data(body)), topLevel.message != nil {
            return topLevel
        }
        return envelope.detail.map { UpstreamErrorDetail(message: $0) }
    }

    /// Whether the error says the prompt does not fit the context window.
    var isContextOverflow: Bool {
        if code == "context_length_exceeded" || type == "exceed_context_size_error" { return true }
        guard let message = message?.lowercased(), message.contains("context") else { return false }
        return message.contains("exceed") || message.contains("too long") || message.contains("maximum context")
    }

    /// A one-line summary: the message, then the type or code in parentheses.
    var summary: String {
        let label = [type, code.flatMap { Int($0) == nil ? $0 : nil }].compactMap { $0 }.first
        let text = message.map { LLMError.excerpt($0) } ?? ""
        switch (text.isEmpty, label) {
        case (false, let label?): return "\(text) (\(label))"
        case (false, nil): return text
        case (true, let label?): return label
        case (true, nil): return "no detail"
        }
    }
}
