/// What kind of input a query is; it steers analysis and synthesis.
public enum QueryKind: String, Sendable, Codable, CaseIterable {
    /// A natural-language question ("what is photosynthesis").
    case question
    /// A few search terms ("tcp congestion control").
    case keywords
    /// Source code, SQL or a shell command.
    case code
    /// A pasted error message or log excerpt.
    case errorLog = "error_log"
    /// An arithmetic expression.
    case arithmetic
}

/// A query after analysis: normalized text, kind and the terms to search for.
public struct AnalyzedQuery: Sendable, Equatable {
    /// The text as the client sent it.
    public var original: String
    /// Whitespace-folded, trimmed text.
    public var normalized: String
    /// What kind of input this is.
    public var kind: QueryKind
    /// Content terms (lowercased, stop words removed), in query order, without repeats.
    public var terms: [String]
    /// The phrase the question is about, when one stands out ("photosynthesis" in "what is photosynthesis").
    public var focus: String?
    /// A rough 1 (one fact) ... 5 (multi-part, open-ended) estimate.
    public var complexity: Int
    /// Terms with several common senses, which the answer may need to disambiguate.
    public var ambiguousTerms: [String]
    /// Parts of a compound question, each searchable alone; empty when the query is simple.
    public var subQueries: [String]
    /// The relation a factual question asks of its subject, when it asks one.
    public var frame: QuestionFrame?
    /// Each of ``subQueries`` analyzed on its own, searched and answered in turn; empty when the
    /// query is simple.
    public var parts: [AnalyzedQuery]
    /// What the request asked of the search; providers read `sites`, `freshness` and `language`.
    public var controls = SearchControls()

    public init(
        original: String, normalized: String, kind: QueryKind, terms: [String], focus: String? = nil,
        complexity: Int = 1, ambiguousTerms: [String] = [], subQueries: [String] = [], frame: QuestionFrame? = nil,
        parts: [AnalyzedQuery] = []
    ) {
        self.frame = frame
        self.parts = parts
        self.original = original
        self.normalized = normalized
        self.kind = kind
        self.terms = terms
        self.focus = focus
        self.complexity = complexity
        self.ambiguousTerms = ambiguousTerms
        self.subQueries = subQueries
    }
}

/// Turns raw client input into an ``AnalyzedQuery`` or a typed ``QueryError``.
public protocol QueryAnalyzing: Sendable {
    /// Analyzes `text`; throws ``QueryError`` for input that cannot be a query.
    func analyze(_ text: String) throws(QueryError) -> AnalyzedQuery
    /// The words of earlier questions that a follow-up needs in order to be searched on its
    /// own ("its population" after "the capital of Australia" needs "australia"), or nil when
    /// `followUp` stands alone. `earlier` is oldest first.
    func carriedTerms(for followUp: AnalyzedQuery, earlier: [String]) -> String?
    /// `followUp` with its pronouns replaced by what the latest of the `earlier` questions was
    /// about ("what is its symbol" → "what is iron's symbol"), or nil when it has none to replace.
    func resolvingReferences(in followUp: String, earlier: [String]) -> String?
}

extension QueryAnalyzing {
    public func carriedTerms(for followUp: AnalyzedQuery, earlier: [String]) -> String? { nil }
    public func resolvingReferences(in followUp: String, earlier: [String]) -> String? { nil }
}
