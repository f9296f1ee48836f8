import SiftText

/// How many tokens a prompt may take in a model's context window.
///
/// The window must hold the prompt and the answer, so the prompt gets what is
/// left after the answer's reserve and a safety margin: a share of the window
/// (the token counts are estimates) plus a fixed number of tokens. The chat
/// template adds a few tokens to every message (`<|im_start|>role\n` …
/// `<|im_end|>\n` in ChatML), and one more "message" opens the answer; both are
/// counted with ``tokensPerMessage``.
public struct PromptBudget: Sendable, Equatable {
    /// The model's context window, in tokens.
    public let contextTokens: Int
    /// Tokens reserved for the answer (the request's `max_tokens`).
    public let maxAnswerTokens: Int
    /// Share of the window kept free against estimation error.
    public let marginFraction: Double
    /// Tokens kept free beside the share.
    public let marginTokens: Int
    /// The chat template's overhead per message.
    public let tokensPerMessage: Int
    /// What the messages may take in all, template overhead included; may be zero or
    /// negative when the window is too small for anything.
    public let promptTokens: Int

    /// A budget for a model with a `contextTokens` window, keeping `maxAnswerTokens`
    /// for the answer and `marginFraction` of the window plus `marginTokens` free.
    public init(
        contextTokens: Int, maxAnswerTokens: Int, marginFraction: Double = 0.05, marginTokens: Int = 32,
        tokensPerMessage: Int = 8
    ) {
        self.contextTokens = contextTokens
        self.maxAnswerTokens = maxAnswerTokens
        self.marginFraction = marginFraction
        self.marginTokens = marginTokens
        self.tokensPerMessage = tokensPerMessage
        let margin = Int((Double(contextTokens) * max(0, marginFraction)).rounded(.up)) + max(0, marginTokens)
        self.promptTokens = contextTokens - max(0, maxAnswerTokens) - margin
    }

    private init(_ other: PromptBudget, promptTokens: Int) {
        self.contextTokens = other.contextTokens
        self.maxAnswerTokens = other.maxAnswerTokens
        self.marginFraction = other.marginFraction
        self.marginTokens = other.marginTokens
        self.tokensPerMessage = other.tokensPerMessage
        self.promptTokens = promptTokens
    }

    /// The same budget with ``promptTokens`` multiplied by `factor` (clamped to 0...1),
    /// for a retry after the server reported that the prompt did not fit after all.
    public func shrunk(by factor: Double) -> PromptBudget {
        let factor = min(1, max(0, factor))
        return PromptBudget(self, promptTokens: Int((Double(promptTokens) * factor).rounded(.down)))
    }

    /// The estimated size of `messages` with the template's overhead, including the answer's opening.
    func cost(of messages: [ChatMessage], estimator: TokenEstimator) -> Int {
        messages.reduce(tokensPerMessage) { $0 + estimator.count($1.content) + tokensPerMessage }
    }
}
