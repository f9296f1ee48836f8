/// An earlier question and answer of the same session, which a follow-up
/// question may refer to ("what about its population?").
public struct PriorTurn: Sendable, Equatable {
    /// A source the answer cited.
    public struct Citation: Sendable, Equatable {
        /// The number the answer cited it by.
        public var n: Int
        public var title: String
        public var url: String

        /// A cited source.
        public init(n: Int, title: String, url: String) {
            self.n = n
            self.title = title
            self.url = url
        }
    }

    /// The question as the user asked it.
    public var question: String
    /// The answer given, citations included.
    public var answer: String
    /// The sources the answer cited.
    public var citations: [Citation]

    /// An earlier turn.
    public init(question: String, answer: String, citations: [Citation] = []) {
        self.question = question
        self.answer = answer
        self.citations = citations
    }
}
