import FoundationEssentials

/// A streamed chat completion to ask an OpenAI-compatible server for
/// (`POST /v1/chat/completions`).
///
/// Encodes to the OpenAI body, always with `"stream": true` and
/// `"stream_options": {"include_usage": true}` so that the last chunk reports the
/// token counts:
///
/// ```json
/// {"model": "…", "messages": [{"role": "user", "content": "…"}], "max_tokens": 512,
///  "temperature": 0.2, "stream": true, "stream_options": {"include_usage": true}}
/// ```
public struct ChatRequest: Sendable, Equatable, Encodable {
    /// The model name the server knows (llama-server accepts any).
    public var model: String
    /// The conversation, oldest first.
    public var messages: [ChatMessage]
    /// The most tokens to generate (`max_tokens`).
    public var maxTokens: Int
    /// Sampling temperature, 0 for the most likely token each time.
    public var temperature: Double
    /// Sequences that end the answer when generated; nil sends none.
    public var stop: [String]?

    /// A request for `model` to continue `messages`.
    public init(model: String, messages: [ChatMessage], maxTokens: Int = 512, temperature: Double = 0.2, stop: [String]? = nil) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stop = stop
    }

    private enum CodingKeys: String, CodingKey {
        case model, messages, maxTokens = "max_tokens", temperature, stop, stream, streamOptions = "stream_options"
    }

    private struct StreamOptions: Encodable {
        var include_usage = true
    }

    /// Writes the OpenAI request body.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(model, forKey: .model)
        try container.encode(messages, forKey: .messages)
        try container.encode(maxTokens, forKey: .maxTokens)
        try container.encode(temperature, forKey: .temperature)
        try container.encodeIfPresent(stop, forKey: .stop)
        try container.encode(true, forKey: .stream)
        try container.encode(StreamOptions(), forKey: .streamOptions)
    }

    /// The JSON body, as sent.
    func body() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}
