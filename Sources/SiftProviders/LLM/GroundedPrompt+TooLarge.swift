extension GroundedPrompt {
    /// Even the smallest useful prompt does not fit the budget: the caller should
    /// answer another way (the extractive synthesizer).
    public struct TooLarge: Error, Sendable, Equatable, CustomStringConvertible {
        /// The estimated tokens of the smallest prompt that could be built.
        public let neededTokens: Int
        /// The tokens the budget leaves for the prompt (``PromptBudget/promptTokens``).
        public let availableTokens: Int
        /// The model's window.
        public let contextTokens: Int
        /// The tokens reserved for the answer.
        public let maxAnswerTokens: Int

        init(neededTokens: Int, budget: PromptBudget) {
            self.neededTokens = neededTokens
            self.availableTokens = budget.promptTokens
            self.contextTokens = budget.contextTokens
            self.maxAnswerTokens = budget.maxAnswerTokens
        }

        public var description: String {
            "prompt too large: needs about \(neededTokens) tokens, \(availableTokens) available "
                + "(context \(contextTokens), \(maxAnswerTokens) kept for the answer)"
        }
    }
}
