import SiftCore
import SiftText

/// The chat messages that ask a model to merge the answers several models gave
/// to one question (compare mode) into one answer that says where they agree and
/// where they conflict, keeping their `[n]` citations.
///
/// The user message lists the sources the answers cite (number and title; all
/// sources when none is cited), the question, then each answer under its model's
/// name. When that does not fit the ``PromptBudget``, every answer is cut to the
/// same token allowance, as large as fits, but not below
/// ``GroundedPrompt/minimumExcerptTokens``; below that it throws
/// ``GroundedPrompt/TooLarge``.
public struct MergePrompt: Sendable {
    /// One model's answer.
    public struct Answer: Sendable, Equatable {
        /// The model's name, shown to the merging model.
        public var model: String
        /// The answer, citations included.
        public var text: String

        /// A model's answer.
        public init(model: String, text: String) {
            self.model = model
            self.text = text
        }
    }

    /// The messages to send: system, then one user message.
    public let messages: [ChatMessage]
    /// Whether an answer was cut to fit.
    public let truncated: Bool
    /// The estimated tokens of ``messages`` with the chat template's overhead.
    public let estimatedTokens: Int
    /// The budget it was fitted to.
    public let budget: PromptBudget

    private let question: String
    private let sources: [Source]
    private let answers: [Answer]
    private let estimator: TokenEstimator

    /// Builds the prompt that merges `answers` to `question`, whose citations refer to `sources`.
    ///
    /// - Throws: ``GroundedPrompt/TooLarge`` when the answers do not fit even cut short.
    public init(
        question: String, sources: [Source], answers: [(model: String, answer: String)], budget: PromptBudget,
        estimator: TokenEstimator = TokenEstimator()
    ) throws(GroundedPrompt.TooLarge) {
        try self.init(
            question: question.collapsingSpaces(), sources: sources,
            answers: answers.map { Answer(model: $0.model, text: $0.answer.collapsingSpaces()) },
            budget: budget, estimator: estimator)
    }

    /// The same prompt rebuilt with ``PromptBudget/promptTokens`` multiplied by `factor`.
    public func shrunk(by factor: Double) throws(GroundedPrompt.TooLarge) -> MergePrompt {
        try MergePrompt(
            question: question, sources: sources, answers: answers, budget: budget.shrunk(by: factor),
            estimator: estimator)
    }

    private init(
        question: String, sources: [Source], answers: [Answer], budget: PromptBudget, estimator: TokenEstimator
    ) throws(GroundedPrompt.TooLarge) {
        self.question = question
        self.sources = sources
        self.answers = answers
        self.estimator = estimator
        self.budget = budget

        var filter = CitationFilter(validNumbers: sources.map(\.n))
        for answer in answers {
            _ = filter.feed(answer.text)
            _ = filter.finish()
        }
        let cited = sources.filter { filter.cited.contains($0.n) }
        let listed = cited.isEmpty ? sources : cited

        func render(limit: Int?) -> [ChatMessage] {
            var user = "Sources:"
            for source in listed {
                user += "\n" + GroundedPrompt.heading(for: source, estimator: estimator)
            }
            user += "\n\nQuestion: " + question
            for answer in answers {
                let text = limit.map { estimator.prefix(answer.text, maxTokens: $0) } ?? answer.text
                user += "\n\nAnswer from \(answer.model):\n" + text
            }
            user += "\n\nWrite one answer from these answers."
            return [.system(Self.systemMessage), .user(user)]
        }
        func cost(limit: Int?) -> Int { budget.cost(of: render(limit: limit), estimator: estimator) }

        var limit: Int?
        if cost(limit: nil) > budget.promptTokens {
            let low = GroundedPrompt.minimumExcerptTokens
            let longest = answers.map { estimator.count($0.text) }.max() ?? 0
            let lowest = cost(limit: low)
            guard lowest <= budget.promptTokens else {
                throw GroundedPrompt.TooLarge(neededTokens: lowest, budget: budget)
            }
            var fitting = low
            var high = max(low, longest - 1)
            while fitting < high {
                let middle = fitting + (high - fitting + 1) / 2
                if cost(limit: middle) <= budget.promptTokens {
                    fitting = middle
                } else {
                    high = middle - 1
                }
            }
            limit = fitting
        }
        self.messages = render(limit: limit)
        self.truncated = limit.map { limit in answers.contains { estimator.count($0.text) > limit } } ?? false
        self.estimatedTokens = budget.cost(of: messages, estimator: estimator)
    }

    static let systemMessage = """
        Several models answered the same question from the numbered sources. Write one answer from theirs.
        - Say what the answers agree on, then where they conflict.
        - Keep their source numbers in square brackets, like [2], as they used them; add no other number.
        - Use only what the answers say.
        - Be concise: a few sentences.
        - Write in the language of the question.
        """
}
