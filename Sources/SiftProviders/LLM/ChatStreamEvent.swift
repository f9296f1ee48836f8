/// What a streamed chat completion reports, in the order the server sent it.
///
/// A successful stream has `.content` pieces, exactly one `.finished` and, when the
/// server reports them, `.usage` and `.timings` (OpenAI sends usage in a chunk after the
/// one that finishes; llama-server adds its timings to the last chunk).
public enum ChatStreamEvent: Sendable, Equatable {
    /// A piece of the assistant's answer (never empty); the pieces concatenate exactly.
    case content(String)
    /// Token counts, from the chunk that carries `usage`.
    case usage(ChatUsage)
    /// The model stopped: `finish_reason` (`stop`, `length`, …), or nil when the stream
    /// ended with `[DONE]` without a choice ever giving one.
    case finished(reason: String?)
    /// llama.cpp's generation speed, from the chunk that carries `timings`.
    case timings(ChatTimings)
}

/// The token counts a server reports for one completion.
public struct ChatUsage: Sendable, Equatable, Decodable {
    /// Tokens in the prompt (`prompt_tokens`).
    public var promptTokens: Int
    /// Tokens generated (`completion_tokens`).
    public var completionTokens: Int

    /// Counts of `promptTokens` and `completionTokens`.
    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    /// Prompt and completion together.
    public var totalTokens: Int { promptTokens + completionTokens }

    private enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
    }

    /// Reads `usage`; a missing count is 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        promptTokens = try container.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0
        completionTokens = try container.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0
    }
}

/// llama-server's `timings` object: how fast the prompt was read and the answer
/// generated. Every field is optional, as servers differ.
public struct ChatTimings: Sendable, Equatable, Decodable {
    /// Generated tokens a second (`predicted_per_second`).
    public var predictedPerSecond: Double?
    /// Prompt tokens processed a second (`prompt_per_second`).
    public var promptPerSecond: Double?
    /// Tokens generated (`predicted_n`).
    public var predictedTokens: Int?
    /// Prompt tokens processed, those reused from the cache excluded (`prompt_n`).
    public var promptTokens: Int?

    /// Timings with the given fields.
    public init(
        predictedPerSecond: Double? = nil, promptPerSecond: Double? = nil, predictedTokens: Int? = nil,
        promptTokens: Int? = nil
    ) {
        self.predictedPerSecond = predictedPerSecond
        self.promptPerSecond = promptPerSecond
        self.predictedTokens = predictedTokens
        self.promptTokens = promptTokens
    }

    private enum CodingKeys: String, CodingKey {
        case predictedPerSecond = "predicted_per_second", promptPerSecond = "prompt_per_second"
        case predictedTokens = "predicted_n", promptTokens = "prompt_n"
    }
}
